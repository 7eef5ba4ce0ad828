package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrRunInProgress: another live run holds the connection.
var ErrRunInProgress = errors.New("another sync run is in progress for this connection")

type sqliteRun struct {
	d    *DB
	conn Connection
	id   int64
	gen  int64
	mode RunMode
	// fresh marks tables with no open rows for the connection when the run
	// began: their puts need no compare, just an insert.
	fresh map[*table]bool

	mu     sync.Mutex
	links  map[string]deltaLink
	closed bool

	// The open write transaction Apply writes into, committed by Flush
	// (and by Commit, and before the run's own reads). Committing every
	// batch would write each page a batch touches to the WAL again and
	// again (random keys touch most leaves of a large table each time): a
	// first full sync of 100,000 users wrote 5 GB for a 400 MB database.
	// txMu is held for a whole Apply or Flush.
	txMu  sync.Mutex
	wconn *sql.Conn // the run's own connection, with a larger page cache
	tx    *sql.Tx
	stmts *stmts
	// sqlText caches the text of the statements that carry the run's
	// connection and generation as literals (txMu).
	sqlText map[sqlKey]string
	// args is putChunk's argument buffer, reused from chunk to chunk
	// (txMu): a fresh one per chunk was a tenth of the writer's garbage.
	args []any
	// runs holds the queued puts of the tables written in sorted runs
	// (table.sortRuns), by table, across Apply calls (txMu; see
	// bufferRun); runOrder lists those tables as they first came.
	runs     map[*table][]op
	runOrder []*table
	runIdx   []int
	runCarry map[string]int64 // rows the runs wrote outside Apply, for the next Apply's stats
	// objs numbers the directory objects memberships name (objnum.go):
	// the writer and Prepare's callers share it.
	objMu sync.Mutex
	objs  objectNums
}

// BeginRun allocates the next generation for conn, after discarding rows an
// unfinished earlier run staged and marking such a run failed.
func (d *DB) BeginRun(ctx context.Context, conn Connection, mode RunMode) (Run, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin run for %q: %w", conn.Name, err)
	}
	defer tx.Rollback()
	var cur, next int64
	if err := tx.QueryRowContext(ctx, `SELECT current_generation, next_generation FROM connections WHERE id = ?`, conn.ID).Scan(&cur, &next); err != nil {
		return nil, fmt.Errorf("begin run for %q: read connection: %w", conn.Name, err)
	}
	now := d.now().UTC()
	rows, err := tx.QueryContext(ctx, `SELECT id, heartbeat_at FROM sync_runs WHERE connection_id = ? AND status = 'running'`, conn.ID)
	if err != nil {
		return nil, fmt.Errorf("begin run for %q: %w", conn.Name, err)
	}
	type stale struct {
		id int64
		hb time.Time
	}
	var stales []stale
	for rows.Next() {
		var id int64
		var hb string
		if err := rows.Scan(&id, &hb); err != nil {
			rows.Close()
			return nil, fmt.Errorf("begin run for %q: %w", conn.Name, err)
		}
		t, _ := time.Parse(time.RFC3339Nano, hb)
		if now.Sub(t) < d.staleAfter {
			rows.Close()
			return nil, fmt.Errorf("begin run for %q: run %d last active %s: %w", conn.Name, id, t.Format(time.RFC3339), ErrRunInProgress)
		}
		stales = append(stales, stale{id, t})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("begin run for %q: %w", conn.Name, err)
	}
	for _, s := range stales {
		msg := fmt.Sprintf("interrupted: no heartbeat since %s (process killed or crashed)", s.hb.Format(time.RFC3339))
		if _, err := tx.ExecContext(ctx, `UPDATE sync_runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`, msg, s.hb.Format(time.RFC3339Nano), s.id); err != nil {
			return nil, fmt.Errorf("begin run for %q: mark run %d failed: %w", conn.Name, s.id, err)
		}
	}
	// A generation was allocated after the current one: its run did not
	// commit, so what it staged goes and what it closed reopens.
	if next-1 > cur {
		if err := discardStaged(ctx, tx, conn.ID, cur); err != nil {
			return nil, fmt.Errorf("begin run for %q: discard unfinished run: %w", conn.Name, err)
		}
	}
	gen := next
	if _, err := tx.ExecContext(ctx, `UPDATE connections SET next_generation = ? WHERE id = ?`, gen+1, conn.ID); err != nil {
		return nil, fmt.Errorf("begin run for %q: %w", conn.Name, err)
	}
	stamp := now.Format(time.RFC3339Nano)
	res, err := tx.ExecContext(ctx, `INSERT INTO sync_runs (connection_id, generation, mode, status, started_at, heartbeat_at) VALUES (?, ?, ?, 'running', ?, ?)`,
		conn.ID, gen, string(mode), stamp, stamp)
	if err != nil {
		return nil, fmt.Errorf("begin run for %q: record run: %w", conn.Name, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, fmt.Errorf("begin run for %q: %w", conn.Name, err)
	}
	fresh := map[*table]bool{}
	for _, t := range allTables {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+t.name+` WHERE connection_id = ? AND valid_to IS NULL LIMIT 1`, conn.ID).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			fresh[t] = true
		case err != nil:
			return nil, fmt.Errorf("begin run for %q: inspect %s: %w", conn.Name, t.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("begin run for %q: commit: %w", conn.Name, err)
	}
	return &sqliteRun{d: d, conn: conn, id: id, gen: gen, mode: mode, fresh: fresh, links: map[string]deltaLink{}, sqlText: map[sqlKey]string{}}, nil
}

// discardStaged removes every trace of generations after cur.
func discardStaged(ctx context.Context, tx *sql.Tx, connID, cur int64) error {
	for _, t := range allTables {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.name+` WHERE connection_id = ? AND valid_from > ?`, connID, cur); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.name+` SET valid_to = NULL WHERE connection_id = ? AND valid_to > ?`, connID, cur); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM delta_links WHERE connection_id = ? AND generation > ?`, connID, cur); err != nil {
		return fmt.Errorf("delta_links: %w", err)
	}
	return nil
}

func (r *sqliteRun) ID() int64         { return r.id }
func (r *sqliteRun) Generation() int64 { return r.gen }

type deltaLink struct{ link, scope string }

func (r *sqliteRun) SetDeltaLink(resource, link, scope string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.links[resource] = deltaLink{link, scope}
}

// stmts runs the writer's statements in the run's open transaction,
// prepared once per transaction and executed through the driver on the
// run's connection (database/sql's transaction stays open around them on
// that connection; SQLite has one transaction per connection).
// database/sql would copy every argument of every multi-row insert into a
// fresh slice: a sixth of all the large full sync allocated.
type stmts struct {
	conn *sql.Conn
	m    map[string]driver.Stmt
	nv   []driver.NamedValue
}

func newStmts(c *sql.Conn) *stmts { return &stmts{conn: c, m: map[string]driver.Stmt{}} }

// exec runs one of the writer's statements and returns the rows it
// changed. It checks ctx before the statement but runs the statement
// without it: for a context that can end, modernc.org/sqlite starts a
// goroutine to watch it and installs a progress handler, for every
// statement. A first full sync runs tens of thousands of statements (the
// multi-row inserts) and a second one over a million (the per-key
// touches), well under a millisecond each, and the watchers' scheduling
// cost more than the statements themselves (an execution trace of the
// large full sync: 5.6 s of goroutines waiting to run). A cancelled sync
// therefore stops after the statement under way; the longest, a sweep of a
// large table, takes about a second. No statement here waits for a lock:
// the run's transaction holds the write lock from its BEGIN.
func (s *stmts) exec(ctx context.Context, query string, args ...any) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ctx = context.WithoutCancel(ctx)
	var n int64
	err := s.conn.Raw(func(dc any) error {
		st, ok := s.m[query]
		if !ok {
			p, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return errors.New("the SQLite driver cannot prepare with a context")
			}
			var err error
			if st, err = p.PrepareContext(ctx, query); err != nil {
				return err
			}
			if _, ok := st.(driver.StmtExecContext); !ok {
				st.Close()
				return errors.New("the SQLite driver cannot execute with a context")
			}
			s.m[query] = st
		}
		nv := s.nv[:0]
		for i, a := range args {
			v, err := driverValue(a)
			if err != nil {
				return fmt.Errorf("argument %d: %w", i+1, err)
			}
			nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: v})
		}
		res, err := st.(driver.StmtExecContext).ExecContext(ctx, nv)
		clear(nv) // keep no row's values alive until the next statement
		s.nv = nv[:0]
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// driverValue is the value database/sql would hand the driver for a: the
// writer's arguments are strings, int64s, bools and nils (and the odd int).
func driverValue(a any) (driver.Value, error) {
	switch x := a.(type) {
	case nil, string, int64, bool, float64, []byte, time.Time:
		return x, nil
	case int:
		return int64(x), nil
	}
	return driver.DefaultParameterConverter.ConvertValue(a)
}

// close finalizes the transaction's statements.
func (s *stmts) close() {
	_ = s.conn.Raw(func(any) error {
		for q, st := range s.m {
			st.Close()
			delete(s.m, q)
		}
		return nil
	})
}

// Apply writes b under the run's generation, in the run's open write
// transaction (begun if none is open), and refreshes the run's heartbeat.
// Nothing is visible to other connections until Flush; a failed Apply rolls
// back everything since the last Flush, and the run must then Fail.
func (r *sqliteRun) Apply(ctx context.Context, b *Batch) (ApplyStats, error) {
	st := ApplyStats{Written: map[string]int64{}, Closed: map[string]int64{}}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return st, errors.New("apply: run already ended")
	}
	r.txMu.Lock()
	defer r.txMu.Unlock()
	if err := r.beginLocked(ctx); err != nil {
		return st, err
	}
	if err := r.applyLocked(ctx, b, &st); err != nil {
		r.rollbackLocked()
		return st, err
	}
	return st, nil
}

// Flush commits the open write transaction, if any: what Apply wrote becomes
// durable and readable by the run's own queries (never by readers of the
// current generation: that switches in Commit).
func (r *sqliteRun) Flush(ctx context.Context) error {
	r.txMu.Lock()
	defer r.txMu.Unlock()
	return r.flushLocked(ctx)
}

func (r *sqliteRun) beginLocked(ctx context.Context) error {
	if r.tx != nil {
		return nil
	}
	// The transaction spans several Apply calls, each with its own
	// context; database/sql would roll it back when the first one ends.
	bg := context.WithoutCancel(ctx)
	if r.wconn == nil {
		c, err := r.d.db.Conn(bg)
		if err != nil {
			return fmt.Errorf("apply batch: connect: %w", err)
		}
		// Dirty pages that do not fit the cache spill to the WAL and are
		// written again when touched again: random keys (GUIDs, names)
		// touch most leaves of a large table, so a small cache doubles
		// what a first full sync writes.
		if _, err := c.ExecContext(bg, fmt.Sprintf("PRAGMA cache_size = -%d", writerCacheKiB)); err != nil {
			c.Close()
			return fmt.Errorf("apply batch: size page cache: %w", err)
		}
		r.wconn = c
	}
	tx, err := r.wconn.BeginTx(bg, nil)
	if err != nil {
		return fmt.Errorf("apply batch: begin: %w", err)
	}
	r.tx, r.stmts = tx, newStmts(r.wconn)
	return nil
}

func (r *sqliteRun) flushLocked(ctx context.Context) error {
	if r.tx == nil {
		return nil
	}
	st := ApplyStats{Written: map[string]int64{}, Closed: map[string]int64{}}
	for _, t := range r.runOrder {
		if err := r.flushRun(ctx, t, &st); err != nil {
			r.rollbackLocked()
			return fmt.Errorf("apply batch: %w", err)
		}
	}
	if r.runCarry == nil {
		r.runCarry = map[string]int64{}
	}
	for k, n := range st.Written {
		r.runCarry[k] += n
	}
	if err := r.writeObjectNums(ctx); err != nil {
		r.rollbackLocked()
		return fmt.Errorf("apply batch: %w", err)
	}
	if _, err := r.stmts.exec(ctx, `UPDATE sync_runs SET heartbeat_at = ? WHERE id = ?`, r.d.stamp(), r.id); err != nil {
		r.rollbackLocked()
		return fmt.Errorf("apply batch: heartbeat: %w", err)
	}
	r.stmts.close()
	err := r.tx.Commit()
	r.tx, r.stmts = nil, nil
	if err != nil {
		return fmt.Errorf("apply batch: commit: %w", err)
	}
	return nil
}

// indexBuildCacheKiB is the page cache (and sorter memory) of a
// connection building a late index.
const indexBuildCacheKiB = 2 << 10

// writerCacheKiB is the page cache of a run's writing connection (readers
// keep the default of Open). 24 MiB rather than 32: a large full sync
// writes about 5% more (2.45 against 2.3 GB) at the same speed, and its
// peak RSS is 15 to 20 MB lower (227 to 233 MB against 241 to 254).
const writerCacheKiB = 24 << 10

// releaseConnLocked returns the run's connection to the pool with the
// default page cache (which frees the rest).
func (r *sqliteRun) releaseConnLocked() {
	if r.wconn == nil {
		return
	}
	_, _ = r.wconn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA cache_size = -%d", defaultCacheKiB))
	_ = r.wconn.Close()
	r.wconn = nil
}

func (r *sqliteRun) rollbackLocked() {
	r.forgetObjectNums()
	for t, ops := range r.runs {
		clear(ops)
		r.runs[t] = ops[:0]
	}
	if r.tx == nil {
		return
	}
	r.stmts.close()
	_ = r.tx.Rollback()
	r.tx, r.stmts = nil, nil
}

func (r *sqliteRun) applyLocked(ctx context.Context, b *Batch, st *ApplyStats) error {
	s := r.stmts
	// Puts are buffered per table and written a chunk of keys at a time,
	// in key order (B-tree writes in key order touch each page once
	// instead of at random: two to three times faster for tables keyed by
	// GUIDs or names). Any other operation reads or changes the rows of
	// its table (a removal also those of the tables naming the removed
	// object), so their buffered puts are written first; puts to other
	// tables are independent and stay buffered (a full listing of users
	// removes the manager of every user who has none: flushing every
	// table then cut all the multi-row inserts to a handful of rows). Of
	// two puts of one key the later wins, as it would one after the
	// other.
	bufs := map[*table][]int{}
	var order []*table
	flushTable := func(t *table) error {
		idx := bufs[t]
		if len(idx) == 0 {
			return nil
		}
		bufs[t] = idx[:0]
		if err := r.putSorted(ctx, t, b.ops, idx, st); err != nil {
			return fmt.Errorf("apply batch: %w", err)
		}
		return nil
	}
	flushAll := func() error {
		for _, t := range order {
			if err := flushTable(t); err != nil {
				return err
			}
		}
		return nil
	}
	for k, n := range r.runCarry {
		st.Written[k] += n
		delete(r.runCarry, k)
	}
	for i := range b.ops {
		o := &b.ops[i]
		if len(o.table.objRefs) > 0 {
			if ok, err := r.numberRefs(ctx, o); err != nil {
				return fmt.Errorf("apply batch: %s: %w", o.table.name, err)
			} else if !ok {
				continue // names an object nothing stored names
			}
		}
		fresh := r.fresh[o.table]
		switch {
		case o.kind == opPut && o.table.sortRuns:
			if err := r.bufferRun(ctx, o, st); err != nil {
				return err
			}
			continue
		case o.kind == opPut:
			if _, ok := bufs[o.table]; !ok {
				order = append(order, o.table)
			}
			bufs[o.table] = append(bufs[o.table], i)
			continue
		case (o.kind == opSweepChildren || o.kind == opSweep) && fresh:
			continue // nothing of an earlier generation to close
		}
		if err := flushTable(o.table); err != nil {
			return err
		}
		if err := r.flushRun(ctx, o.table, st); err != nil {
			return err
		}
		if o.kind == opRemove {
			for _, d := range o.table.dependents {
				if err := flushTable(d.t); err != nil {
					return err
				}
				if err := r.flushRun(ctx, d.t, st); err != nil {
					return err
				}
			}
		}
		if err := r.applyOp(ctx, s, o, st); err != nil {
			return fmt.Errorf("apply batch: %s: %w", o.table.name, err)
		}
	}
	return flushAll()
}

// runRows is how many puts of a table written in sorted runs
// (table.sortRuns) wait for their run to be written, at about 400 bytes
// each. In the large full sync, 8,192 saved a third as much writer time;
// 32,768 saved no more than 16,384 in a sync of the users alone and raised
// its peak RSS by 30 MB.
const runRows = 16 << 10

// bufferRun queues a put of a table written in sorted runs, and writes the
// run once it is full. Such a table's rows arrive in no useful key order
// across many batches (a user's licences, manager and sign-in activity come
// in the order Graph lists users, by GUID at random): written a batch at a
// time, nearly every row lands on a leaf of its own, and a table larger
// than the page cache has most of its pages written to the WAL again with
// every batch. Sorted runs of many batches touch each leaf about once a
// run. The run is written before anything else reads or changes the table
// (any other operation on it, a removal of what it depends on, Flush).
func (r *sqliteRun) bufferRun(ctx context.Context, o *op, st *ApplyStats) error {
	t := o.table
	if r.runs == nil {
		r.runs = map[*table][]op{}
	}
	ops, ok := r.runs[t]
	if !ok {
		r.runOrder = append(r.runOrder, t)
	}
	r.runs[t] = append(ops, *o)
	if len(r.runs[t]) < runRows {
		return nil
	}
	return r.flushRun(ctx, t, st)
}

// flushRun writes t's queued run, in key order; of two puts of one key
// the later wins, as it would one after the other.
func (r *sqliteRun) flushRun(ctx context.Context, t *table, st *ApplyStats) error {
	ops := r.runs[t]
	if len(ops) == 0 {
		return nil
	}
	idx := r.runIdx[:0]
	for i := range ops {
		idx = append(idx, i)
	}
	err := r.putSorted(ctx, t, ops, idx, st)
	r.runIdx = idx[:0]
	clear(ops) // keep no row's values alive until the next run
	r.runs[t] = ops[:0]
	return err
}

// putSorted writes the puts ops[idx...] of table t in key order, a chunk
// at a time; of two puts of one key the later (in idx order, which is
// arrival order) wins, as it would one after the other. It reorders idx.
func (r *sqliteRun) putSorted(ctx context.Context, t *table, ops []op, idx []int, st *ApplyStats) error {
	slices.SortFunc(idx, func(x, y int) int {
		if c := compareKeys(ops[x].keys, ops[y].keys); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	uniq := idx[:0]
	for i, x := range idx {
		if i+1 < len(idx) && compareKeys(ops[x].keys, ops[idx[i+1]].keys) == 0 {
			continue
		}
		uniq = append(uniq, x)
	}
	for len(uniq) > 0 {
		n := min(len(uniq), multiRows)
		if err := r.putChunk(ctx, t, ops, uniq[:n], st); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		uniq = uniq[n:]
	}
	return nil
}

// putChunk writes the puts b.ops[idx...] (distinct keys, key order) of one
// table. Into a table the connection had nothing in when the run began they
// are inserted; otherwise each unchanged one is confirmed (same hash:
// seen_gen moves, no new version) and each changed or new one closes the
// open version; their new versions go out in one insert.
func (r *sqliteRun) putChunk(ctx context.Context, t *table, ops []op, idx []int, st *ApplyStats) error {
	s := r.stmts
	c, g := r.conn.ID, r.gen
	rest := idx
	if !r.fresh[t] {
		// One statement per key, in key order: a multi-key touch (row
		// values IN a VALUES list) measured slower, SQLite building an
		// ephemeral index of the list for every statement.
		rest = make([]int, 0, len(idx))
		// The connection and generation are literals, as in the inserts.
		touch := r.runSQL(sqlKey{t, "touch", 1}, func() string { return t.sqlTouchFor(c, g) })
		closeQ := r.runSQL(sqlKey{t, "close", 1}, func() string { return t.sqlCloseFor(c, g) })
		args := make([]any, 0, len(t.keys)+1)
		for _, i := range idx {
			o := &ops[i]
			args = append(args[:0], o.keys...)
			args = append(args, o.hash)
			if n, err := s.exec(ctx, touch, args...); err != nil {
				return err
			} else if n > 0 {
				continue
			}
			if _, err := s.exec(ctx, closeQ, o.keys...); err != nil {
				return err
			}
			rest = append(rest, i)
		}
		if len(rest) == 0 {
			return nil
		}
	}
	args := r.args[:0]
	for _, i := range rest {
		args = r.insertArgs(args, &ops[i])
	}
	_, err := s.exec(ctx, r.insertSQL(t, len(rest)), args...)
	clear(args) // keep no row's values alive until the next chunk
	r.args = args[:0]
	if err != nil {
		return err
	}
	st.Written[t.name] += int64(len(rest))
	return nil
}

func (r *sqliteRun) applyOp(ctx context.Context, s *stmts, o *op, st *ApplyStats) error {
	t := o.table
	c, g := r.conn.ID, r.gen
	switch o.kind {
	case opRemove:
		args := append(append([]any{c}, o.keys...), g)
		n1, err := s.exec(ctx, t.sqlDeleteStaged(), args...)
		if err != nil {
			return err
		}
		args = append(append([]any{g, c}, o.keys...), g)
		n2, err := s.exec(ctx, t.sqlClose(), args...)
		if err != nil {
			return err
		}
		if n1+n2 > 0 {
			st.Closed[t.name] += n2
		}
		for _, d := range t.dependents {
			id := o.keys[0]
			if d.t.objRef(d.col) {
				n, ok, err := r.objectNum(ctx, id, false)
				if err != nil {
					return fmt.Errorf("%s: %w", d.t.name, err)
				}
				if !ok {
					continue // no row names it
				}
				id = n
			}
			if _, err := s.exec(ctx, d.sqlDeleteStaged(), c, id, g); err != nil {
				return fmt.Errorf("%s: %w", d.t.name, err)
			}
			n, err := s.exec(ctx, d.sqlClose(), g, c, id, g)
			if err != nil {
				return fmt.Errorf("%s: %w", d.t.name, err)
			}
			st.Closed[d.t.name] += n
		}
	case opSweepChildren:
		if r.fresh[t] {
			return nil
		}
		n, err := s.exec(ctx, t.sqlSweepChildren(), g, c, o.keys[0], g)
		if err != nil {
			return err
		}
		st.Closed[t.name] += n
	case opSweep:
		q, args := t.sqlSweep(""), []any{g, c, g}
		if o.filterCol != "" {
			q = t.sqlSweep(" AND " + o.filterCol + " = ?")
			args = append(args, o.filterVal)
		}
		n, err := s.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		st.Closed[t.name] += n
	}
	return nil
}

// compareKeys orders key tuples as SQLite's BINARY collation orders the
// stored columns (strings bytewise, integers numerically).
func compareKeys(a, b []any) int {
	for i := range min(len(a), len(b)) {
		if c := compareKey(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func compareKey(a, b any) int {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case int:
		if y, ok := b.(int); ok {
			return cmp.Compare(x, y)
		}
	}
	// Mixed or other types: any consistent order will do (the order is
	// only a speed-up); compare their printed forms.
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// multiRows is how many rows one multi-row insert carries (well under
// SQLite's limit of 32766 parameters for the widest table).
const multiRows = 100

// insertArgs appends the arguments of o's row for sqlInsertN.
func (r *sqliteRun) insertArgs(args []any, o *op) []any {
	t := o.table
	args = append(args, o.keys...)
	args = append(args, o.hash)
	args = append(args, o.vals...)
	if t.raw {
		args = append(args, o.raw)
	}
	return args
}

// sqlKey names a statement of the run: its table, kind and row count.
type sqlKey struct {
	t    *table
	kind string
	n    int
}

// runSQL is a statement's text for this run, built once per table, kind
// and row count.
func (r *sqliteRun) runSQL(k sqlKey, build func() string) string {
	q, ok := r.sqlText[k]
	if !ok {
		q = build()
		r.sqlText[k] = q
	}
	return q
}

// insertSQL is t.sqlInsertN for this run.
func (r *sqliteRun) insertSQL(t *table, n int) string {
	return r.runSQL(sqlKey{t, "insert", n}, func() string { return t.sqlInsertN(n, r.conn.ID, r.gen) })
}

// Commit records res and makes the run's generation current, with its delta
// links, in one transaction.
func (r *sqliteRun) Commit(ctx context.Context, res RunResult) error {
	return r.finish(ctx, res, nil)
}

// Fail records res and cause; the previous generation stays current and the
// next run discards what this one staged.
func (r *sqliteRun) Fail(ctx context.Context, res RunResult, cause error) error {
	if cause == nil {
		cause = errors.New("failed")
	}
	return r.finish(ctx, res, cause)
}

func (r *sqliteRun) finish(ctx context.Context, res RunResult, cause error) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return errors.New("finish run: run already ended")
	}
	r.closed = true
	links := r.links
	r.mu.Unlock()
	// What Apply wrote commits first (a failed run's staged rows stay
	// staged: the next run discards them, as after a crash).
	r.txMu.Lock()
	var ferr error
	if cause == nil {
		ferr = r.flushLocked(ctx)
	} else {
		r.rollbackLocked()
	}
	r.releaseConnLocked()
	r.txMu.Unlock()
	if ferr != nil {
		// Record the run as failed; Commit still reports the error.
		cause = ferr
	}

	what := "commit run"
	if cause != nil {
		what = "record failed run"
	}
	tx, err := r.d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s %d: begin: %w", what, r.id, err)
	}
	defer tx.Rollback()
	status, errText := "succeeded", ""
	if cause != nil {
		status, errText = "failed", cause.Error()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sync_runs SET status = ?, error = ?, finished_at = ?, heartbeat_at = ?,
		requests = ?, batch_requests = ?, throttled = ?, retries = ? WHERE id = ?`,
		status, errText, r.d.stamp(), r.d.stamp(), res.Requests, res.Batched, res.Throttled, res.Retries, r.id); err != nil {
		return fmt.Errorf("%s %d: %w", what, r.id, err)
	}
	for _, rr := range res.Resources {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_run_resources (run_id, resource, status, mode, items, removed, duration_ms, message)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.id, rr.Resource, rr.Status, string(rr.Mode), rr.Items, rr.Removed, rr.Duration.Milliseconds(), rr.Message); err != nil {
			return fmt.Errorf("%s %d: resource %s: %w", what, r.id, rr.Resource, err)
		}
	}
	for i, m := range res.Messages {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_run_messages (run_id, seq, level, resource, message) VALUES (?, ?, ?, ?, ?)`,
			r.id, i+1, m.Level, m.Resource, m.Text); err != nil {
			return fmt.Errorf("%s %d: message: %w", what, r.id, err)
		}
	}
	if cause == nil {
		for res, dl := range links {
			if _, err := tx.ExecContext(ctx, `INSERT INTO delta_links (connection_id, resource, generation, link, scope) VALUES (?, ?, ?, ?, ?)`,
				r.conn.ID, res, r.gen, dl.link, dl.scope); err != nil {
				return fmt.Errorf("%s %d: delta link %s: %w", what, r.id, res, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM delta_links WHERE connection_id = ? AND resource = ? AND generation < ?`,
				r.conn.ID, res, r.gen); err != nil {
				return fmt.Errorf("%s %d: delta link %s: %w", what, r.id, res, err)
			}
		}
		q := `UPDATE connections SET current_generation = ? WHERE id = ?`
		args := []any{r.gen, r.conn.ID}
		if res.TenantID != "" {
			q = `UPDATE connections SET current_generation = ?, tenant_id = ? WHERE id = ?`
			args = []any{r.gen, res.TenantID, r.conn.ID}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%s %d: switch generation: %w", what, r.id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s %d: commit: %w", what, r.id, err)
	}
	if ferr != nil {
		return fmt.Errorf("commit run %d: %w", r.id, ferr)
	}
	if cause == nil {
		if err := r.d.ensureIndexes(ctx); err != nil {
			return fmt.Errorf("%s %d: committed, but %w", what, r.id, err)
		}
	}
	return nil
}

// lateIndexes are built once a first full load of their table is done
// rather than maintained during it (see migration 0003): after the run
// that loaded it, or earlier, once the resource that writes the table is
// done (Run.EnsureIndexes). Afterwards SQLite maintains them.
var lateIndexes = []lateIndex{
	{tGroupMembers, `CREATE INDEX IF NOT EXISTS group_members_member ON group_members(connection_id, member_num)`},
	{tAppRoleAssignments, `CREATE INDEX IF NOT EXISTS app_role_assignments_principal ON app_role_assignments(connection_id, principal_id)`},
	{tUsers, `CREATE INDEX IF NOT EXISTS users_upn ON users(connection_id, user_principal_name)`},
	{tUserLicenses, `CREATE INDEX IF NOT EXISTS user_licenses_sku ON user_licenses(connection_id, sku_id)`},
	{tUserManagers, `CREATE INDEX IF NOT EXISTS user_managers_manager ON user_managers(connection_id, manager_id)`},
}

type lateIndex struct {
	table *table
	sql   string
}

// EnsureIndexes builds the late indexes of the given tables that do not
// exist yet, after committing what Apply wrote so far: a resource that has
// written all of its rows need not leave its index builds to the end of
// the run, where they would wait for the slowest resource. Tables without
// late indexes cost nothing (no commit).
func (r *sqliteRun) EnsureIndexes(ctx context.Context, tables ...Table) error {
	want := map[*table]bool{}
	for _, t := range tables {
		for _, x := range t.tables() {
			want[x] = true
		}
	}
	if !slices.ContainsFunc(lateIndexes, func(li lateIndex) bool { return want[li.table] }) {
		return nil
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return errors.New("ensure indexes: run already ended")
	}
	r.txMu.Lock()
	defer r.txMu.Unlock()
	if err := r.flushLocked(ctx); err != nil {
		return err
	}
	return r.d.buildIndexes(ctx, func(t *table) bool { return want[t] })
}

// buildIndexes builds the late indexes of the tables want accepts.
func (d *DB) buildIndexes(ctx context.Context, want func(*table) bool) error {
	var todo []string
	for _, li := range lateIndexes {
		if want(li.table) {
			todo = append(todo, li.sql)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	c, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("build index: connect: %w", err)
	}
	defer c.Close()
	// Building an index sorts its entries. With helper threads and its
	// sorted runs in temporary files SQLite sorts them in parallel; with
	// temp_store MEMORY (the pool's setting, for the writer's statement
	// journals) it sorts on one thread. The by-member index of 950,000
	// memberships: 0.8 s instead of 1.7 s on two cores.
	threads := min(runtime.NumCPU(), 4)
	if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA threads = %d", threads)); err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	if _, err := c.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	// The sorter keeps up to a page cache's worth in memory per thread:
	// with the pool's 16 MiB that added 77 MB to the process while the
	// run's writer still holds its own cache; 2 MiB adds next to nothing
	// and sorts as fast (the runs spill to temporary files, merged in
	// parallel).
	if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", indexBuildCacheKiB)); err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	// The connection goes back to the pool as it came either way.
	defer func() {
		bg := context.WithoutCancel(ctx)
		_, _ = c.ExecContext(bg, "PRAGMA threads = 0")
		_, _ = c.ExecContext(bg, "PRAGMA temp_store = MEMORY")
		_, _ = c.ExecContext(bg, fmt.Sprintf("PRAGMA cache_size = -%d", defaultCacheKiB))
	}()
	for _, q := range todo {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("build index: %w", err)
		}
	}
	return nil
}

func (d *DB) ensureIndexes(ctx context.Context) error {
	if err := d.buildIndexes(ctx, func(*table) bool { return true }); err != nil {
		return err
	}
	c, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("analyze: connect: %w", err)
	}
	defer c.Close()
	// Without statistics SQLite prefers a clustered key prefix (a scan of
	// the connection's millions of memberships) to the by-member index;
	// sampled statistics (analysis_limit) keep this cheap.
	if _, err := c.ExecContext(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if _, err := c.ExecContext(ctx, `PRAGMA optimize = 0x10002`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
