package sync

import (
	"context"
	"testing"

	"github.com/tenantscope/tenantscope/graphsim"
)

// TestHistoryAnswersWhenAUserWasDisabled: a user disabled between two runs
// has two versions; the second starts at the run that saw the change
// ("Deactivated Date" in seed 004).
func TestHistoryAnswersWhenAUserWasDisabled(t *testing.T) {
	ctx := context.Background()
	e := newSimEnv(t, "small", 8, nil, graphsim.Options{})
	e.sync(t, e.options())
	var id string
	e.tenant.Snapshot(func(t *graphsim.Tenant) {
		for _, u := range t.Users {
			if u.AccountEnabled {
				id = u.ID
				break
			}
		}
	})
	if err := e.tenant.SetAccountEnabled(id, false); err != nil {
		t.Fatal(err)
	}
	second := e.sync(t, e.options())
	h, err := e.db.UserHistory(ctx, e.conn(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || !h[0].AccountEnabled || h[1].AccountEnabled || h[1].Generation != second.Generation {
		t.Fatalf("history: %+v", h)
	}
	runs, _ := e.db.Runs(ctx, e.conn(t), 1)
	if !h[1].Since.Equal(runs[0].FinishedAt) || !h[0].Until.Equal(h[1].Since) {
		t.Fatalf("disabled since %v, run finished %v; enabled until %v", h[1].Since, runs[0].FinishedAt, h[0].Until)
	}
}
