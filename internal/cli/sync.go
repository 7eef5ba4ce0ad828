package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	gosync "sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/tenantscope/tenantscope/internal/analysis"
	"github.com/tenantscope/tenantscope/internal/config"
	"github.com/tenantscope/tenantscope/internal/store"
	tsync "github.com/tenantscope/tenantscope/internal/sync"
)

// newSyncCommand is `tenantscope sync`: read the tenant into the local
// database (delta when possible), atomically.
func newSyncCommand(a *App) *cobra.Command {
	var full, fixConcealed bool
	var only []string
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Copy the tenant into the local database (incremental after the first run)",
		Long: `sync reads the connection's tenant through Microsoft Graph into the local
database. The first run, and any run with --full, lists everything; later runs
apply delta queries to users and groups. A run becomes visible only when it
completes: a failed or interrupted run leaves the previous copy in place.
Resources the app lacks a permission (or the tenant a licence) for are turned
off with a warning; the run still succeeds (exit 0).

Resources (--only accepts names, groups and feature names):
  ` + strings.Join(tsync.ResourceNames(), ", "),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runSync(cmd.Context(), full, fixConcealed, only)
		},
	}
	cmd.Flags().BoolVar(&full, "full", false, "list everything instead of applying delta queries")
	cmd.Flags().StringSliceVar(&only, "only", nil, "sync only these resources (e.g. users,groups)")
	cmd.Flags().BoolVar(&fixConcealed, "fix-concealed-names", false, "turn off concealed user names in the usage reports first (tenant-wide; needs ReportSettings.ReadWrite.All)")
	return cmd
}

// syncMemoryLimit is the Go heap's soft limit during a sync unless
// GOMEMLIMIT says otherwise: the copy streams, so a tight limit only makes
// the collector work a little harder, and keeps the copy of a 100,000-user
// tenant under 256 MB (the analysis after it has analysisMemoryLimit). At
// its peak the copy holds about 110 MB of live objects, and SQLite's page
// caches and index sorts about 80 MB outside the Go heap; with 160 MiB the
// peak reached 242 to 258 MB, with 144 MiB 229 to 236 MB at the same speed.
const syncMemoryLimit = 144 << 20

// analysisMemoryLimit is the soft limit for the licence analysis that
// follows the copy: peak RSS 304 MB for an unchanged delta of 100,000
// users at no cost in time (160 MiB: slower and no smaller; no limit:
// 620 MB).
const analysisMemoryLimit = 192 << 20

func (a *App) runSync(ctx context.Context, full, fixConcealed bool, only []string) error {
	// The copy streams and runs under syncMemoryLimit; the licence analysis
	// after it holds the tenant in memory by design (about 160 MB of heap
	// at its peak for 100,000 users), and under the copy's limit the
	// collector would run without pause (an unchanged delta of 100,000
	// users took 11.8 s instead of 6), so it gets analysisMemoryLimit.
	setLimit := func(int64) {}
	if a.Getenv("GOMEMLIMIT") == "" {
		prev := debug.SetMemoryLimit(syncMemoryLimit)
		defer debug.SetMemoryLimit(prev)
		setLimit = func(n int64) { debug.SetMemoryLimit(n) }
	}
	conn, err := a.Connect()
	if err != nil {
		return err
	}
	if _, err := conn.GraphToken(ctx); err != nil {
		return err
	}
	g, err := conn.Graph(a)
	if err != nil {
		return ConfigError(err)
	}
	db, err := store.Open(ctx, a.DBPath, store.Options{})
	if err != nil {
		return ConfigError(err)
	}
	defer db.Close()

	c := conn.Connection
	o := tsync.Options{
		Connection:        c.Name,
		GraphBaseURL:      conn.Profile.GraphURL,
		Full:              full,
		SkipOnPremGroups:  c.Sync.SkipOnPremGroups,
		SkipUnusedRoles:   c.Sync.SkipUnusedRoles,
		SkipP2Features:    c.Sync.SkipP2Features,
		MailboxPurpose:    c.Sync.MailboxPurpose,
		Domains:           c.Domains,
		FixConcealedNames: fixConcealed,
		HistoryDays:       c.Sync.HistoryDays,
		Logger:            a.Log,
		Now:               a.Now,
	}
	switch {
	case len(only) > 0:
		o.Only = only
	case len(c.Sync.Resources) > 0:
		// The configuration may name features other commands read
		// (usage_reports, azure); sync takes the ones it knows.
		for _, r := range c.Sync.Resources {
			if tsync.Knows(r) {
				o.Only = append(o.Only, r)
			}
		}
		if len(o.Only) == 0 {
			return ConfigError(fmt.Errorf("connection %q: sync.resources names nothing sync reads (known: %s)", c.Name, strings.Join(tsync.ResourceNames(), ", ")))
		}
	}
	var bars *barProgress
	if f, ok := a.Stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		bars = newBarProgress(ctx, a.Stderr)
		o.Progress = bars
	} else {
		o.Progress = &logProgress{log: a.Log, start: map[string]time.Time{}, now: time.Now}
	}
	res, err := tsync.Run(ctx, g, db, o)
	if bars != nil {
		bars.wait()
	}
	if werr := writeSyncResult(a.Stdout, res); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	setLimit(analysisMemoryLimit)
	a.recordLicenseHistory(ctx, db, c)
	return nil
}

// recordLicenseHistory keeps the committed generation's licence counts and
// findings for trends (`report history`). The copy is already committed, so
// a failure here is a warning, not a failed sync.
func (a *App) recordLicenseHistory(ctx context.Context, db *store.DB, c *config.Connection) {
	conn, err := db.Connection(ctx, c.Name)
	if err == nil {
		var o analysis.Options
		if o, err = a.analysisOptions(ctx, db, conn, c); err == nil {
			_, err = analysis.Record(ctx, db, conn, o)
		}
	}
	if err != nil {
		a.Log.Warn("licence history not recorded for this run", "err", err)
	}
}

// writeSyncResult prints the per-resource summary and the warnings.
func writeSyncResult(w io.Writer, r tsync.Result) error {
	cols := []Column[store.ResourceResult]{
		{Name: "resource", Value: func(x store.ResourceResult) any { return x.Resource }},
		{Name: "status", Value: func(x store.ResourceResult) any { return x.Status }},
		{Name: "mode", Value: func(x store.ResourceResult) any { return string(x.Mode) }},
		{Name: "items", Value: func(x store.ResourceResult) any { return x.Items }},
		{Name: "removed", Value: func(x store.ResourceResult) any { return x.Removed }},
		{Name: "seconds", Value: func(x store.ResourceResult) any { return fmt.Sprintf("%.2f", x.Duration.Seconds()) }},
		{Name: "message", Value: func(x store.ResourceResult) any { return x.Message }},
	}
	if err := WriteSlice(w, Table, cols, r.Resources); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nrun %d (generation %d, %s): %d requests, %d in $batch, %d throttled, %d retries, %s\n",
		r.RunID, r.Generation, r.Mode, r.Stats.Requests, r.Stats.BatchInnerRequests, r.Stats.Throttled, r.Stats.Retries,
		r.Duration.Round(time.Millisecond))
	for _, warn := range r.Warnings() {
		if _, err := fmt.Fprintf(w, "warning: %s\n", warn); err != nil {
			return err
		}
	}
	return err
}

// barProgress draws one bar per resource (count and rate) on a terminal.
type barProgress struct {
	p    *mpb.Progress
	mu   gosync.Mutex
	bars map[string]*mpb.Bar
}

func newBarProgress(ctx context.Context, w io.Writer) *barProgress {
	return &barProgress{p: mpb.NewWithContext(ctx, mpb.WithOutput(w), mpb.WithWidth(40)), bars: map[string]*mpb.Bar{}}
}

func (b *barProgress) Start(resource string) {
	bar := b.p.AddSpinner(0,
		mpb.PrependDecorators(decor.Name(resource, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.CurrentNoUnit("%d", decor.WCSyncSpace), decor.AverageSpeed(nil, " %.0f/s", decor.WCSyncSpace)),
		mpb.BarFillerClearOnComplete())
	b.mu.Lock()
	b.bars[resource] = bar
	b.mu.Unlock()
}

func (b *barProgress) bar(resource string) *mpb.Bar {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bars[resource]
}

func (b *barProgress) Add(resource string, n int) {
	if bar := b.bar(resource); bar != nil {
		bar.IncrBy(n)
	}
}

func (b *barProgress) Done(resource string, _ store.ResourceResult) {
	if bar := b.bar(resource); bar != nil {
		bar.SetTotal(-1, true)
	}
}

func (b *barProgress) wait() { b.p.Wait() }

// logProgress writes a log line per finished resource when stderr is not a
// terminal.
type logProgress struct {
	log   interface{ Info(string, ...any) }
	mu    gosync.Mutex
	start map[string]time.Time
	now   func() time.Time
}

func (l *logProgress) Start(resource string) {
	l.mu.Lock()
	l.start[resource] = l.now()
	l.mu.Unlock()
	l.log.Info("sync started", "resource", resource)
}

func (l *logProgress) Add(string, int) {}

func (l *logProgress) Done(resource string, r store.ResourceResult) {
	rate := 0.0
	if s := r.Duration.Seconds(); s > 0 {
		rate = float64(r.Items) / s
	}
	l.log.Info("sync finished", "resource", resource, "status", r.Status, "items", r.Items, "removed", r.Removed,
		"per_second", fmt.Sprintf("%.0f", rate), "message", r.Message)
}
