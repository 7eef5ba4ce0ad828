package sync

import (
	"context"
	"strings"
	gosync "sync"
	"time"

	"github.com/tenantscope/tenantscope/internal/store"
)

// job is one resource's run: it queues writes into batches the writer
// applies, counts items and records the delta link.
type job struct {
	e    *engine
	r    *resource
	mode store.RunMode
	res  *store.ResourceResult
	b    *store.Batch
}

// sendOps is the batch size handed to the writer; the writer merges batches
// into larger transactions.
const sendOps = 2000

// add queues writes made by fill and counts n items.
func (j *job) add(ctx context.Context, n int, fill func(b *store.Batch)) error {
	if j.b == nil {
		j.b = j.e.w.batch()
	}
	fill(j.b)
	j.res.Items += int64(n)
	if n > 0 && j.e.o.Progress != nil {
		j.e.o.Progress.Add(j.r.name, n)
	}
	if j.b.Len() >= sendOps {
		b := j.b
		j.b = nil
		return j.e.w.send(ctx, j.r.critical, b)
	}
	return nil
}

// flush hands queued writes to the writer and waits until they are applied
// (dependents read what this job wrote).
func (j *job) flush(ctx context.Context) error {
	if j.b != nil && j.b.Len() > 0 {
		b := j.b
		j.b = nil
		if err := j.e.w.send(ctx, j.r.critical, b); err != nil {
			return err
		}
	}
	return j.e.w.barrier(ctx, j.r.critical)
}

func (j *job) discard() { j.b = nil }

// sweepAll closes everything the resource owns that this run did not
// confirm: used when it is turned off or excluded.
func (j *job) sweepAll(ctx context.Context) error {
	for _, t := range j.r.tables {
		if err := j.add(ctx, 0, func(b *store.Batch) { b.Sweep(t) }); err != nil {
			return err
		}
	}
	return j.flush(ctx)
}

// fanoutFull reports whether a fan-out resource must refresh every object
// in this run: full runs always, delta runs when the last full refresh is
// older than FanoutMaxAge.
func (j *job) fanoutFull(ctx context.Context) (bool, error) {
	if j.mode == store.ModeFull {
		return true, nil
	}
	last, err := j.e.st.LastRefreshed(ctx, j.e.conn, j.r.name)
	if err != nil {
		return false, err
	}
	if last.IsZero() || j.e.o.Now().Sub(last) >= j.e.o.FanoutMaxAge {
		j.mode, j.res.Mode = store.ModeFull, store.ModeFull
		return true, nil
	}
	return false, nil
}

// primaryTables names each owned table without its children: closes there
// are removals of the resource's objects.
func (r *resource) primaryTables() []string {
	var out []string
	for _, t := range r.tables {
		out = append(out, t.Names()[0])
	}
	return out
}

// runState is what syncers of one run tell each other: objects changed in
// this run (fan-out for them only), roles in use, the tenant id.
type runState struct {
	mu            gosync.Mutex
	tenant        string
	changedUsers  []string
	mailUsers     map[string]bool // changed users with a mail address
	changedGroups []string
	usedRoles     map[string]bool
	rolesKnown    int // how many role-assignment resources reported usedRoles
}

func newRunState() *runState {
	return &runState{usedRoles: map[string]bool{}, mailUsers: map[string]bool{}}
}

func (s *runState) tenantID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenant
}

func (s *runState) setTenant(id string) {
	s.mu.Lock()
	s.tenant = id
	s.mu.Unlock()
}

func (s *runState) userChanged(id string, hasMail bool) {
	s.mu.Lock()
	s.changedUsers = append(s.changedUsers, id)
	if hasMail {
		s.mailUsers[id] = true
	}
	s.mu.Unlock()
}

func (s *runState) groupChanged(id string) {
	s.mu.Lock()
	s.changedGroups = append(s.changedGroups, id)
	s.mu.Unlock()
}

func (s *runState) useRole(id string) {
	s.mu.Lock()
	s.usedRoles[strings.ToLower(id)] = true
	s.mu.Unlock()
}

// writer is the single goroutine that applies batches to the store. Batches
// arrive on a bounded channel (back-pressure keeps memory flat) and are
// applied txOps operations at a time into the run's open write transaction,
// which the writer commits (Flush) every txMaxAge, at barriers and at the
// end: few, large commits write each database page to the WAL once rather
// than once per batch.
type writer struct {
	run store.Run
	// free holds applied batches for jobs to fill again: a batch grows to
	// sendOps operations, and allocating each anew was the sync's largest
	// source of garbage.
	free chan *store.Batch
	in   chan wmsg
	// hi is the lane of the critical resources (resource.critical): the
	// writer takes from it first (see loop), so their pipelines do not
	// back up behind the others' writes. Each resource keeps to one lane,
	// so its batches and barriers stay in order.
	hi   chan wmsg
	done chan struct{}

	mu      gosync.Mutex
	err     error
	written map[string]int64 // new row versions, by table
	closed  map[string]int64 // rows closed, by table
	busy    time.Duration    // time spent applying batches and committing
}

type wmsg struct {
	b       *store.Batch
	barrier chan error
}

const (
	// hiBurst is how many messages of the writer's first lane it takes in a
	// row while the other lane waits.
	hiBurst = 2
	txOps   = 10000
	// txMaxAge bounds how long the run's write transaction stays open:
	// other writers of the database (another connection's sync, licence
	// settings) wait for it.
	txMaxAge  = 2 * time.Second
	heartbeat = 20 * time.Second
)

func newWriter(run store.Run) *writer {
	return &writer{run: run, in: make(chan wmsg, 8), hi: make(chan wmsg, 8), free: make(chan *store.Batch, 16), done: make(chan struct{}),
		written: map[string]int64{}, closed: map[string]int64{}}
}

// batch returns an empty batch, reused when one is free.
func (w *writer) batch() *store.Batch {
	select {
	case b := <-w.free:
		return b
	default:
		return store.NewBatch(sendOps)
	}
}

func (w *writer) lane(critical bool) chan wmsg {
	if critical {
		return w.hi
	}
	return w.in
}

func (w *writer) send(ctx context.Context, critical bool, b *store.Batch) error {
	if err := w.failed(); err != nil {
		return err
	}
	// What the store can do before Apply is done here, on the sender's
	// goroutine: the writer is the full sync's bottleneck.
	if err := w.run.Prepare(ctx, b); err != nil {
		return err
	}
	select {
	case w.lane(critical) <- wmsg{b: b}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// barrier waits until everything sent before it on its lane is applied
// and committed.
func (w *writer) barrier(ctx context.Context, critical bool) error {
	ch := make(chan error, 1)
	select {
	case w.lane(critical) <- wmsg{barrier: ch}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// totals returns rows written and closed for the named tables.
func (w *writer) totals(tables []string) (written, closed int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range tables {
		written += w.written[t]
		closed += w.closed[t]
	}
	return written, closed
}

// close stops the writer after applying and committing what is queued.
func (w *writer) close() error {
	close(w.in)
	close(w.hi)
	<-w.done
	return w.failed()
}

func (w *writer) loop(ctx context.Context) {
	defer close(w.done)
	pending := &store.Batch{}
	var txOpen, lastFlush time.Time // txOpen zero: nothing uncommitted
	lastFlush = time.Now()
	apply := func() {
		if w.failed() != nil {
			pending.Reset()
			return
		}
		start := time.Now()
		st, err := w.run.Apply(ctx, pending)
		pending.Reset()
		if txOpen.IsZero() {
			txOpen = start
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		w.busy += time.Since(start)
		if err != nil {
			if w.err == nil {
				w.err = err
			}
			return
		}
		for k, v := range st.Closed {
			w.closed[k] += v
		}
		for k, v := range st.Written {
			w.written[k] += v
		}
	}
	flush := func() {
		if txOpen.IsZero() || w.failed() != nil {
			return
		}
		start := time.Now()
		err := w.run.Flush(ctx)
		txOpen, lastFlush = time.Time{}, time.Now()
		w.mu.Lock()
		w.busy += time.Since(start)
		w.mu.Unlock()
		if err != nil {
			w.fail(err)
		}
	}
	tick := time.NewTicker(txMaxAge / 2)
	defer tick.Stop()
	// A closed lane is set to nil (never ready); the loop ends when both
	// are closed and drained.
	//
	// The first lane goes first, but not always: after hiBurst of its
	// messages in a row, a waiting message of the other lane is taken, so
	// a critical resource cannot starve the others (whose barriers then
	// hold their slots).
	in, hi := w.in, w.hi
	hiStreak := 0
	for in != nil || hi != nil {
		var m wmsg
		var ok, ticked, got bool
		lane := &in
		if hiStreak >= hiBurst && len(in) > 0 {
			select {
			case m, ok = <-in:
				got = true
			default:
			}
		} else {
			select {
			case m, ok = <-hi:
				lane, got = &hi, true
			default:
			}
		}
		if !got {
			select {
			case m, ok = <-hi:
				lane = &hi
			case m, ok = <-in:
			case <-tick.C:
				ticked = true
			}
		}
		switch {
		case ticked:
		case lane == &hi:
			hiStreak++
		default:
			hiStreak = 0
		}
		if ticked {
			if pending.Len() > 0 {
				apply()
			}
			// Keep the run's heartbeat fresh while Graph is slow, so no
			// other process mistakes this run for a dead one.
			if txOpen.IsZero() && time.Since(lastFlush) >= heartbeat {
				apply()
			}
			if !txOpen.IsZero() && time.Since(txOpen) >= txMaxAge/2 {
				flush()
			}
			continue
		}
		if !ok {
			*lane = nil
			continue
		}
		if m.b != nil {
			pending.Append(m.b) // empties m.b
			select {
			case w.free <- m.b:
			default:
			}
			if pending.Len() >= txOps || len(w.in)+len(w.hi) == 0 {
				apply()
				if !txOpen.IsZero() && time.Since(txOpen) >= txMaxAge {
					flush()
				}
			}
			continue
		}
		if pending.Len() > 0 {
			apply()
		}
		flush()
		m.barrier <- w.failed()
	}
	if pending.Len() > 0 {
		apply()
	}
	flush()
}
