package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/store"
)

// newRunsCommand is `tenantscope runs`: the sync history with counts and
// warnings.
func newRunsCommand(a *App) *cobra.Command {
	var limit int
	var resources bool
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "Show the sync history: when, what, how many requests, warnings and errors",
		Args:  cobra.NoArgs,
	}
	out := AddOutputFlag(cmd)
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs, newest first")
	cmd.Flags().BoolVar(&resources, "resources", false, "one row per run and resource instead of per run")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := ParseFormat(*out)
		if err != nil {
			return err
		}
		db, conn, err := a.openStore(cmd.Context())
		if err != nil {
			return err
		}
		defer db.Close()
		runs, err := db.Runs(cmd.Context(), conn, limit)
		if err != nil {
			return err
		}
		if resources {
			return WriteSlice(a.Stdout, f, runResourceColumns, flattenRuns(runs))
		}
		return WriteSlice(a.Stdout, f, runColumns, runs)
	}
	return cmd
}

var runColumns = []Column[store.SyncRun]{
	{Name: "id", Value: func(r store.SyncRun) any { return r.ID }},
	{Name: "startedAt", Header: "started", Value: func(r store.SyncRun) any { return r.StartedAt.UTC().Format(time.RFC3339) }},
	{Name: "seconds", Value: func(r store.SyncRun) any {
		if r.FinishedAt.IsZero() {
			return ""
		}
		return fmt.Sprintf("%.1f", r.FinishedAt.Sub(r.StartedAt).Seconds())
	}},
	{Name: "mode", Value: func(r store.SyncRun) any { return string(r.Mode) }},
	{Name: "status", Value: func(r store.SyncRun) any { return r.Status }},
	{Name: "current", Value: func(r store.SyncRun) any { return r.Current }},
	{Name: "users", Value: func(r store.SyncRun) any { return itemsOf(r, "users") }},
	{Name: "groups", Value: func(r store.SyncRun) any { return itemsOf(r, "groups") }},
	{Name: "requests", Value: func(r store.SyncRun) any { return r.Requests }},
	{Name: "batched", Value: func(r store.SyncRun) any { return r.Batched }},
	{Name: "throttled", Value: func(r store.SyncRun) any { return r.Throttled }},
	{Name: "warnings", Value: func(r store.SyncRun) any {
		var w []string
		for _, m := range r.Messages {
			if m.Level == "warning" {
				w = append(w, m.Resource+": "+m.Text)
			}
		}
		return strings.Join(w, "; ")
	}},
	{Name: "error", Value: func(r store.SyncRun) any { return r.Error }},
}

func itemsOf(r store.SyncRun, resource string) any {
	for _, rr := range r.Resources {
		if rr.Resource == resource {
			return rr.Items
		}
	}
	return nil
}

type runResource struct {
	run store.SyncRun
	res store.ResourceResult
}

func flattenRuns(runs []store.SyncRun) []runResource {
	var out []runResource
	for _, r := range runs {
		for _, rr := range r.Resources {
			out = append(out, runResource{r, rr})
		}
	}
	return out
}

var runResourceColumns = []Column[runResource]{
	{Name: "id", Header: "run", Value: func(r runResource) any { return r.run.ID }},
	{Name: "startedAt", Header: "started", Value: func(r runResource) any { return r.run.StartedAt.UTC().Format(time.RFC3339) }},
	{Name: "resource", Value: func(r runResource) any { return r.res.Resource }},
	{Name: "status", Value: func(r runResource) any { return r.res.Status }},
	{Name: "mode", Value: func(r runResource) any { return string(r.res.Mode) }},
	{Name: "items", Value: func(r runResource) any { return r.res.Items }},
	{Name: "removed", Value: func(r runResource) any { return r.res.Removed }},
	{Name: "seconds", Value: func(r runResource) any { return fmt.Sprintf("%.2f", r.res.Duration.Seconds()) }},
	{Name: "message", Value: func(r runResource) any { return r.res.Message }},
}

// openStore opens the database and finds the selected connection in it:
// the --connection name, else the configuration's connection, else the only
// connection the database holds.
func (a *App) openStore(ctx context.Context) (*store.DB, store.Connection, error) {
	name := a.ConnectionName
	if name == "" {
		if _, c, err := a.LoadConfig(); err == nil {
			name = c.Name
		}
	}
	db, err := store.Open(ctx, a.DBPath, store.Options{})
	if err != nil {
		return nil, store.Connection{}, ConfigError(err)
	}
	if name == "" {
		names, err := db.ConnectionNames(ctx)
		if err != nil {
			db.Close()
			return nil, store.Connection{}, err
		}
		if len(names) != 1 {
			db.Close()
			return nil, store.Connection{}, ConfigError(fmt.Errorf("database %s holds %d connections (%s): choose one with --connection", a.DBPath, len(names), strings.Join(names, ", ")))
		}
		name = names[0]
	}
	conn, err := db.Connection(ctx, name)
	if err != nil {
		db.Close()
		return nil, store.Connection{}, err
	}
	return db, conn, nil
}
