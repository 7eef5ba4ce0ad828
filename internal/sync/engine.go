// Package sync reads a tenant through Microsoft Graph into the store. One
// small syncer per resource declares what it lists, which permissions it
// needs and what it depends on; the engine owns ordering, bounded
// concurrency, permissions (a 403 turns a resource off with a warning, the
// run goes on), delta links and the run's atomic commit. Pages stream to a
// single store writer through a bounded channel, so memory stays flat in
// the tenant's size.
package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	gosync "sync"
	"time"

	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

// Options are a connection's sync options (seed 000-004 and issue 4 item 3).
type Options struct {
	// Connection is the store's name for the tenant connection.
	Connection string
	// GraphBaseURL is the cloud profile's Graph root (no version); used to
	// ask Graph for the current delta link when listing users in full.
	GraphBaseURL string
	// Full forces full listings instead of delta rounds.
	Full bool
	// Only selects resources or resource groups; empty = all.
	Only []string
	// SkipOnPremGroups leaves out groups synced from on-premises AD (and
	// their memberships).
	SkipOnPremGroups bool
	// SkipUnusedRoles leaves out role definitions nobody is assigned
	// (actively or through PIM).
	SkipUnusedRoles bool
	// SkipP2Features makes no PIM calls.
	SkipP2Features bool
	// MailboxPurpose reads each user's mailboxSettings/userPurpose
	// (batched); off by default because it costs a request per mailbox.
	MailboxPurpose bool
	// Domains: users whose UPN domain is listed; empty or "*" = all.
	// Subscribed-SKU totals stay tenant-wide.
	Domains []string
	// Concurrency is how many resources sync at once (default 8); the
	// Graph client bounds requests in flight separately.
	Concurrency int
	// FanoutMaxAge: a delta run refreshes the resources that have no delta
	// query and cost a request per object or a long listing (owners, app
	// role assignments, sync jobs, mailbox purpose, sign-in activity,
	// managers, managed devices) in full when their last full refresh is
	// older than this (default 24 h), and otherwise only for objects
	// changed in the run.
	FanoutMaxAge time.Duration
	// FixConcealedNames turns off concealed names in the usage reports
	// (PATCH admin/reportSettings, needs ReportSettings.ReadWrite.All)
	// before reading them. Opt-in: it changes a tenant-wide setting.
	FixConcealedNames bool
	// HistoryDays keeps the versions closed in the last this many days (who
	// was disabled when, what was held on a date); older ones are deleted
	// after each successful run. 0 keeps all history. Superseded sign-in
	// and activity values are deleted regardless: the newest answers.
	HistoryDays int
	// Progress receives per-resource progress; nil = none.
	Progress Progress
	Logger   *slog.Logger
	// Now is the clock; nil = time.Now.
	Now func() time.Time

	// activitySortRun overrides how many usage rows are sorted at a time
	// (tests; 0 = activitySortRun).
	activitySortRun int
}

// Progress is told what each resource is doing (the CLI draws bars).
type Progress interface {
	Start(resource string)
	Add(resource string, n int)
	Done(resource string, r store.ResourceResult)
}

// Result is what a run did.
type Result struct {
	RunID      int64
	Generation int64
	Mode       store.RunMode
	Resources  []store.ResourceResult
	Messages   []store.Message
	Stats      msgraph.Stats
	Duration   time.Duration
	// StoreBusy is how long the store writer spent applying batches; near
	// Duration means the run was bound by writing, not by Graph.
	StoreBusy time.Duration
	// Pruned is what the retention pass after the commit deleted.
	Pruned store.PruneStats
	// Drain is how long the store writer took, once every resource was
	// done, to apply what was still queued; Commit how long the commit
	// took (the switch to the new generation and, after a first full
	// load, the late index builds). Both are inside Duration.
	Drain, Commit time.Duration
}

// Warnings returns the run's warning texts, "resource: text".
func (r Result) Warnings() []string {
	var out []string
	for _, m := range r.Messages {
		if m.Level == "warning" {
			out = append(out, m.Resource+": "+m.Text)
		}
	}
	return out
}

// Run syncs one connection: it begins a store run, runs the selected
// syncers and commits the new generation only if every one of them
// succeeded or was turned off for want of a permission or feature. On error
// the previous generation stays current.
func Run(ctx context.Context, g Graph, st store.Store, o Options) (Result, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.FanoutMaxAge <= 0 {
		o.FanoutMaxAge = 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.activitySortRun <= 0 {
		o.activitySortRun = activitySortRun
	}
	all := resources()
	sel, err := selectResources(all, o.Only)
	if err != nil {
		return Result{}, fmt.Errorf("sync %s: %w", o.Connection, err)
	}
	conn, err := st.Connection(ctx, o.Connection)
	if err != nil {
		return Result{}, fmt.Errorf("sync %s: %w", o.Connection, err)
	}
	mode := store.ModeDelta
	if o.Full || conn.Generation == 0 {
		mode = store.ModeFull
	}
	run, err := st.BeginRun(ctx, conn, mode)
	if err != nil {
		return Result{}, fmt.Errorf("sync %s: %w", o.Connection, err)
	}
	start := o.Now()
	before := g.Stats()
	e := &engine{g: g, st: st, conn: conn, run: run, o: &o, mode: mode, state: newRunState()}
	e.w = newWriter(run)
	wctx, wcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer wcancel()
	go e.w.loop(wctx)

	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := e.runAll(rctx, cancel, all, sel)
	drainStart := time.Now()
	werr := e.w.close()
	drain := time.Since(drainStart)

	res := Result{RunID: run.ID(), Generation: run.Generation(), Mode: mode, Drain: drain}
	e.w.mu.Lock()
	res.StoreBusy = e.w.busy
	e.w.mu.Unlock()
	var failed []string
	for _, r := range all {
		rr, ok := results[r.name]
		if !ok {
			continue
		}
		if rr.Status == store.StatusOK || rr.Status == store.StatusOff || rr.Status == store.StatusSkipped {
			_, rr.Removed = e.w.totals(r.primaryTables())
		}
		res.Resources = append(res.Resources, *rr)
		if rr.Status == store.StatusFailed && !strings.HasPrefix(rr.Message, "stopped: ") && !strings.HasPrefix(rr.Message, "not run: ") {
			failed = append(failed, rr.Message)
		}
	}
	res.Messages = e.messages()
	after := g.Stats()
	res.Stats = msgraph.Stats{
		Requests:           after.Requests - before.Requests,
		BatchInnerRequests: after.BatchInnerRequests - before.BatchInnerRequests,
		Throttled:          after.Throttled - before.Throttled,
		Retries:            after.Retries - before.Retries,
	}
	rec := store.RunResult{TenantID: e.state.tenantID(), Requests: res.Stats.Requests, Batched: res.Stats.BatchInnerRequests,
		Throttled: res.Stats.Throttled, Retries: res.Stats.Retries, Resources: res.Resources, Messages: res.Messages}
	// The record must be written even when the caller's context is done
	// (interrupt): that is what tells the next run what happened.
	fctx := context.WithoutCancel(ctx)
	var cause error
	switch {
	case werr != nil:
		cause = fmt.Errorf("write store: %w", werr)
	case len(failed) > 0:
		cause = errors.New(strings.Join(failed, "; "))
	case ctx.Err() != nil:
		cause = ctx.Err()
	}
	res.Duration = o.Now().Sub(start)
	if cause != nil {
		if err := run.Fail(fctx, rec, cause); err != nil {
			return res, fmt.Errorf("sync %s: %w (and recording the failure: %v)", o.Connection, cause, err)
		}
		return res, fmt.Errorf("sync %s: %w", o.Connection, cause)
	}
	commitStart := time.Now()
	err = run.Commit(fctx, rec)
	res.Commit = time.Since(commitStart)
	res.Duration = o.Now().Sub(start)
	if err != nil {
		return res, fmt.Errorf("sync %s: %w", o.Connection, err)
	}
	// Retention runs after the commit: the new copy is current whatever
	// happens here, and a failure only leaves old versions for next time.
	var keepSince time.Time
	if o.HistoryDays > 0 {
		keepSince = o.Now().AddDate(0, 0, -o.HistoryDays)
	}
	pruned, err := st.Prune(fctx, conn, keepSince)
	res.Pruned = pruned
	if err != nil {
		o.Logger.Warn("history retention failed; old versions stay until the next run", "connection", o.Connection, "error", err)
	} else if pruned.Superseded+pruned.Expired > 0 {
		o.Logger.Debug("history pruned", "connection", o.Connection, "superseded", pruned.Superseded, "expired", pruned.Expired)
	}
	return res, nil
}

type engine struct {
	g     Graph
	st    store.Store
	conn  store.Connection
	run   store.Run
	o     *Options
	mode  store.RunMode
	w     *writer
	state *runState

	mu   gosync.Mutex
	msgs []store.Message
}

func (e *engine) warn(resource, format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.msgs = append(e.msgs, store.Message{Level: "warning", Resource: resource, Text: fmt.Sprintf(format, args...)})
}

func (e *engine) messages() []store.Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]store.Message(nil), e.msgs...)
}

// runAll runs every selected resource once its dependencies are done, at
// most o.Concurrency at a time. Free slots go to ready resources in a fixed
// order, the long ones (resource.long) first, then the registry's order:
// a full run lasts as long as its longest chain, so that chain must not wait
// behind short listings for a slot. A failure cancels the rest.
func (e *engine) runAll(ctx context.Context, cancel context.CancelCauseFunc, all []*resource, sel map[string]bool) map[string]*store.ResourceResult {
	outs := map[string]*store.ResourceResult{}
	var pending []*resource
	for _, r := range all {
		if sel[r.name] {
			outs[r.name] = &store.ResourceResult{}
			pending = append(pending, r)
		}
	}
	// Stable: the long resources first, each group in registry order.
	slices.SortStableFunc(pending, func(a, b *resource) int {
		switch {
		case a.long && !b.long:
			return -1
		case b.long && !a.long:
			return 1
		}
		return 0
	})
	done := map[string]bool{}
	ready := func(r *resource) bool {
		if r.deltaDeps && e.mode == store.ModeFull {
			return true
		}
		for _, d := range r.deps {
			if _, selected := outs[d]; selected && !done[d] {
				return false
			}
		}
		return true
	}
	type finished struct {
		name string
		res  store.ResourceResult
	}
	results := make(chan finished)
	running := 0
	for {
		if ctx.Err() != nil {
			for _, r := range pending {
				*outs[r.name] = store.ResourceResult{Resource: r.name, Status: store.StatusFailed, Message: "not run: " + context.Cause(ctx).Error()}
			}
			pending = nil
		}
		for i := 0; i < len(pending) && running < e.o.Concurrency; {
			r := pending[i]
			if !ready(r) {
				i++
				continue
			}
			pending = slices.Delete(pending, i, i+1)
			running++
			go func() { results <- finished{r.name, e.runOne(ctx, r)} }()
		}
		if running == 0 {
			// Nothing runs and nothing can start: only a dependency
			// cycle in the registry could leave resources here.
			for _, r := range pending {
				*outs[r.name] = store.ResourceResult{Resource: r.name, Status: store.StatusFailed, Message: "not run: its dependencies never finished"}
			}
			return outs
		}
		f := <-results
		running--
		done[f.name] = true
		*outs[f.name] = f.res
		if f.res.Status == store.StatusFailed && ctx.Err() == nil {
			cancel(fmt.Errorf("%s failed", f.name))
		}
	}
}

// runOne runs a resource and classifies its end: ok, off (permission or
// feature missing: warning, tables swept), skipped (option) or failed.
func (e *engine) runOne(ctx context.Context, r *resource) store.ResourceResult {
	start := e.o.Now()
	res := store.ResourceResult{Resource: r.name, Mode: e.mode}
	if e.o.Progress != nil {
		e.o.Progress.Start(r.name)
	}
	if r.long {
		// The long resources are the chains of pages a run lasts as long
		// as: their requests go first (msgraph.PriorityHigh), so the
		// fan-out beside them takes the throttling instead.
		ctx = msgraph.WithPriority(ctx, msgraph.PriorityHigh)
	}
	j := &job{e: e, r: r, mode: e.mode, res: &res}
	var err error
	if r.excluded != nil {
		if why := r.excluded(e.o); why != "" {
			res.Status, res.Message, res.Mode = store.StatusSkipped, why, ""
			err = j.sweepAll(ctx)
		}
	}
	if res.Status == "" && r.periodic && e.mode == store.ModeDelta {
		var due bool
		if due, err = j.fanoutFull(ctx); err == nil && !due {
			res.Status, res.Message = store.StatusOK, "not due: read in full at most every "+e.o.FanoutMaxAge.String()
		}
	}
	if res.Status == "" && err == nil {
		err = r.run(ctx, j)
		if err == nil {
			err = j.flush(ctx)
		}
		if err == nil && e.mode == store.ModeFull {
			// A full load leaves some indexes out; build this
			// resource's now rather than at the commit, which waits
			// for the slowest resource.
			err = e.run.EnsureIndexes(ctx, r.tables...)
		}
		switch {
		case err == nil:
			if res.Status == "" {
				res.Status = store.StatusOK
			}
		case ctx.Err() == nil && (msgraph.IsForbidden(err) || msgraph.IsPremiumRequired(err)):
			res.Status, res.Mode = store.StatusOff, ""
			res.Message = offMessage(r, err)
			e.warn(r.name, "%s", res.Message)
			j.discard()
			err = j.sweepAll(ctx)
		}
	}
	if err != nil {
		res.Status = store.StatusFailed
		res.Message = fmt.Sprintf("sync %s: %v", r.name, err)
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			res.Message = "stopped: " + context.Cause(ctx).Error()
		}
	}
	res.Duration = e.o.Now().Sub(start)
	if e.o.Progress != nil {
		e.o.Progress.Done(r.name, res)
	}
	e.o.Logger.Debug("resource synced", "resource", r.name, "status", res.Status, "mode", res.Mode, "items", res.Items, "removed", res.Removed, "duration", res.Duration.Round(time.Millisecond))
	return res
}

func offMessage(r *resource, err error) string {
	var ge *msgraph.Error
	code := ""
	if errors.As(err, &ge) {
		code = ge.Code
	}
	if msgraph.IsPremiumRequired(err) && r.feature != "" {
		return fmt.Sprintf("turned off: the tenant lacks %s (%s); nothing stored for %s", r.feature, code, r.name)
	}
	return fmt.Sprintf("turned off: missing permission (%s; grant one of %s); nothing stored for %s", code, strings.Join(r.perms, ", "), r.name)
}
