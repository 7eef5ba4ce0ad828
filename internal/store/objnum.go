package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Memberships and ownerships name directory objects by a number, not by
// their id (migration 0015). A large tenant has about a million of them
// against 150,000 objects; a membership row keyed by two integers is half
// the size of one keyed by two GUIDs, is written in half the time, and its
// by-member index builds in half the time (BenchmarkMembershipKeys: 1.2
// against 2.6 µs a row, 0.53 against 1.09 s). Numbers are assigned per
// connection in the order objects first appear, so a group's memberships,
// listed group after group, land at the end of the table instead of at
// random GUID positions.
//
// directory_objects maps (connection, number) to id. It is not versioned:
// a number means the same object for ever, whichever generation names it.
// Only the run's writer assigns numbers (one run per connection at a time);
// it loads the connection's map on first use and writes the numbers it
// assigns in the same transaction as the rows that use them.

// objectNums is a run's map from object id to number.
type objectNums struct {
	loaded bool
	// Graph's ids are lower-case GUIDs; held as 16 bytes they take a
	// third of the memory of strings (150,000 objects: about 5 MB). Any
	// other id (tests, other shapes) is kept as it is.
	guids  map[[16]byte]int64
	others map[string]int64
	next   int64      // the next number to assign
	added  []objEntry // assigned since the last commit
	// The last object looked up: a group's memberships come one after
	// another, all naming the group.
	lastID  string
	lastNum int64
}

type objEntry struct {
	num int64
	id  string
}

// guidKey parses a canonical lower-case GUID
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); anything else is not one, so two
// ids that differ only in case never share a number. It decodes through a
// table: a branch per digit, on random GUIDs, mispredicted often enough to
// make it seven times slower.
func guidKey(s string) (k [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return k, false
	}
	var bad byte
	for j, i := range guidDigitPairs {
		hi, lo := hexValue[s[i]], hexValue[s[i+1]]
		bad |= hi | lo
		k[j] = hi<<4 | lo&0x0f
	}
	return k, bad&0xf0 == 0
}

// guidDigitPairs: where each byte's two hex digits start in a GUID's text.
var guidDigitPairs = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// hexValue maps a lower-case hex digit to its value, anything else to 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
	}
	return t
}()

func (m *objectNums) get(id string) (n int64, ok bool) {
	if id == m.lastID && m.lastNum != 0 {
		return m.lastNum, true
	}
	if k, isGUID := guidKey(id); isGUID {
		n, ok = m.guids[k]
	} else {
		n, ok = m.others[id]
	}
	if ok {
		m.lastID, m.lastNum = id, n
	}
	return n, ok
}

func (m *objectNums) set(id string, n int64) {
	if k, ok := guidKey(id); ok {
		m.guids[k] = n
		return
	}
	m.others[id] = n
}

// loadObjectNums reads the connection's map (objMu held). It reads what is
// committed, through the pool: the map is loaded before this run assigns
// any number (and again after a rollback, which forgets what the run
// assigned), so that is all there is.
func (r *sqliteRun) loadObjectNums(ctx context.Context) error {
	m := &r.objs
	m.guids, m.others, m.next, m.added = map[[16]byte]int64{}, map[string]int64{}, 1, nil
	rows, err := r.d.db.QueryContext(ctx, `SELECT num, object_id FROM directory_objects WHERE connection_id = ?`, r.conn.ID)
	if err != nil {
		return fmt.Errorf("load directory object numbers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		var id string
		if err := rows.Scan(&n, &id); err != nil {
			return fmt.Errorf("load directory object numbers: %w", err)
		}
		m.set(id, n)
		m.next = max(m.next, n+1)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load directory object numbers: %w", err)
	}
	m.loaded = true
	return nil
}

// objectNumLocked is the number of the object whose id is key (a string);
// with assign, an object seen for the first time gets the next number,
// otherwise it has none (ok false: nothing stored names it). objMu held.
func (r *sqliteRun) objectNumLocked(ctx context.Context, key any, assign bool) (n int64, ok bool, err error) {
	id, isString := key.(string)
	if !isString {
		return 0, false, fmt.Errorf("directory object id %v is a %T, not a string", key, key)
	}
	if !r.objs.loaded {
		if err := r.loadObjectNums(ctx); err != nil {
			return 0, false, err
		}
	}
	if n, ok := r.objs.get(id); ok {
		return n, true, nil
	}
	if !assign {
		return 0, false, nil
	}
	n = r.objs.next
	r.objs.next++
	r.objs.set(id, n)
	r.objs.added = append(r.objs.added, objEntry{n, id})
	return n, true, nil
}

// objectNum is objectNumLocked for the writer.
func (r *sqliteRun) objectNum(ctx context.Context, key any, assign bool) (int64, bool, error) {
	r.objMu.Lock()
	defer r.objMu.Unlock()
	return r.objectNumLocked(ctx, key, assign)
}

// numberRefsLocked replaces the object ids in o's keys by their numbers,
// for a table that stores them so (table.objRefs); keys Prepare numbered
// already are left as they are. A put assigns numbers to new objects; any
// other operation on an object without a number has nothing to act on
// (ok false). objMu held.
func (r *sqliteRun) numberRefsLocked(ctx context.Context, o *op) (ok bool, err error) {
	t := o.table
	for i, k := range o.keys {
		if i >= len(t.keys) || !t.objRef(t.keys[i]) {
			continue
		}
		if _, done := k.(int64); done {
			continue
		}
		n, ok, err := r.objectNumLocked(ctx, k, o.kind == opPut)
		if err != nil || !ok {
			return false, err
		}
		o.keys[i] = n
	}
	return true, nil
}

// numberRefs is numberRefsLocked for the writer.
// Ops Prepare numbered take no lock: a large sync's million memberships
// come that way.
func (r *sqliteRun) numberRefs(ctx context.Context, o *op) (bool, error) {
	if !slices.ContainsFunc(o.keys, func(k any) bool { _, s := k.(string); return s }) {
		return true, nil
	}
	r.objMu.Lock()
	defer r.objMu.Unlock()
	return r.numberRefsLocked(ctx, o)
}

// Prepare numbers the objects b's puts name, before b goes to the writer:
// the goroutine that fills a batch does the lookups (0.5 s of the large
// full sync's writer, the sync's bottleneck, otherwise). Only puts: a
// number assigned early is as good as one assigned at Apply, whereas
// whether a removal finds its object depends on what was applied before
// it, so removals are left to Apply. A batch must go to Apply after
// Prepare, not to another run.
func (r *sqliteRun) Prepare(ctx context.Context, b *Batch) error {
	locked := false
	defer func() {
		if locked {
			r.objMu.Unlock()
		}
	}()
	for i := range b.ops {
		o := &b.ops[i]
		if o.kind != opPut || len(o.table.objRefs) == 0 {
			continue
		}
		if !locked {
			r.objMu.Lock()
			locked = true
		}
		if _, err := r.numberRefsLocked(ctx, o); err != nil {
			return fmt.Errorf("prepare batch: %s: %w", o.table.name, err)
		}
	}
	return nil
}

// objectNumRows bounds one insert of new numbers (3 parameters a row).
const objectNumRows = 500

// writeObjectNums inserts the numbers assigned since the last commit, in
// the run's transaction (Flush calls it before committing), including
// those Prepare assigned to batches not applied yet: a number without rows
// is harmless, rows without their number are not.
func (r *sqliteRun) writeObjectNums(ctx context.Context) error {
	r.objMu.Lock()
	added := r.objs.added
	r.objs.added = nil
	r.objMu.Unlock()
	for len(added) > 0 {
		n := min(len(added), objectNumRows)
		args := r.args[:0]
		for _, e := range added[:n] {
			args = append(args, e.num, e.id)
		}
		q := r.runSQL(sqlKey{nil, "objects", n}, func() string {
			row := "(" + strconv.FormatInt(r.conn.ID, 10) + ", ?, ?)"
			return "INSERT INTO directory_objects (connection_id, num, object_id) VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
		})
		_, err := r.stmts.exec(ctx, q, args...)
		clear(args)
		r.args = args[:0]
		if err != nil {
			return fmt.Errorf("record directory object numbers: %w", err)
		}
		added = added[n:]
	}
	return nil
}

// forgetObjectNums drops the map after a rollback: numbers assigned since
// the last commit were never stored, so the next use reloads it (and the
// run, failed, applies nothing Prepare numbered before).
func (r *sqliteRun) forgetObjectNums() {
	r.objMu.Lock()
	defer r.objMu.Unlock()
	r.objs = objectNums{}
}
