package sync

import (
	"context"
	"testing"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/store"
)

// TestDeltaAfterChurnEqualsFullSync: after the simulator changes users and
// groups, a delta run yields exactly the tenant, and the same copy a full
// run into a fresh database yields.
func TestDeltaAfterChurnEqualsFullSync(t *testing.T) {
	for _, tc := range []struct {
		profile  string
		fraction float64
	}{{"small", 0.2}, {"medium", 0.01}} {
		t.Run(tc.profile, func(t *testing.T) {
			if tc.profile == "medium" && testing.Short() {
				t.Skip("medium profile in -short")
			}
			e := newSimEnv(t, tc.profile, 7, func(p *graphsim.Profile) { p.Tier = graphsim.TierP2 }, graphsim.Options{})
			o := e.options()
			o.MailboxPurpose = true
			full := e.sync(t, o)
			sum := e.tenant.Churn(tc.fraction, 99)
			if sum.UsersChanged == 0 || sum.GroupsChanged+sum.MembersAdded+sum.MembersRemoved == 0 {
				t.Fatalf("churn changed nothing: %+v", sum)
			}
			delta := e.sync(t, o)
			if delta.Mode != store.ModeDelta {
				t.Fatalf("mode %s", delta.Mode)
			}
			for _, r := range delta.Resources {
				if (r.Resource == "users" || r.Resource == "groups") && r.Mode != store.ModeDelta {
					t.Errorf("%s ran %s", r.Resource, r.Mode)
				}
			}
			assertMatchesTenant(t, e, o)

			// A full sync of the churned tenant into a fresh database.
			f := &simEnv{tenant: e.tenant, sim: e.sim, g: newGraph(t, e.sim, e.tenant)}
			f.dbPath = t.TempDir() + "/full.db"
			var err error
			if f.db, err = store.Open(context.Background(), f.dbPath, store.Options{}); err != nil {
				t.Fatal(err)
			}
			defer f.db.Close()
			f.sync(t, o)
			sameLines(t, "users (delta vs full)", storedUsers(t, e.db, e.conn(t)), storedUsers(t, f.db, f.conn(t)))
			dg, dm, do := storedGroups(t, e.db, e.conn(t))
			fg, fm, fo := storedGroups(t, f.db, f.conn(t))
			sameLines(t, "groups (delta vs full)", dg, fg)
			sameLines(t, "members (delta vs full)", dm, fm)
			sameLines(t, "owners (delta vs full)", do, fo)

			fullReq := full.Stats.Requests + full.Stats.BatchInnerRequests
			deltaReq := delta.Stats.Requests + delta.Stats.BatchInnerRequests
			t.Logf("%s: churn %+v; full %d requests (%d inner) in %v; delta %d requests (%d inner) in %v",
				tc.profile, sum, full.Stats.Requests, full.Stats.BatchInnerRequests, full.Duration,
				delta.Stats.Requests, delta.Stats.BatchInnerRequests, delta.Duration)
			if tc.profile == "medium" && deltaReq*20 > fullReq {
				t.Errorf("delta used %d requests, over 5%% of the full sync's %d", deltaReq, fullReq)
			}
		})
	}
}

// TestFaultRunConvergesToTenant: throttling, 5% server errors and 1%
// connection resets still give the exact tenant.
func TestFaultRunConvergesToTenant(t *testing.T) {
	e := newSimEnv(t, "medium", 11, func(p *graphsim.Profile) { p.Tier = graphsim.TierP2 }, graphsim.Options{
		Throttle: true, FaultRate: 0.05, ResetRate: 0.01, FaultSeed: 5,
	})
	o := e.options()
	o.MailboxPurpose = true
	res := e.sync(t, o)
	if res.Stats.Retries == 0 {
		t.Fatalf("no retries under faults: %+v", res.Stats)
	}
	t.Logf("fault run: %+v in %v", res.Stats, res.Duration)
	assertMatchesTenant(t, e, o)
}

// TestRunsPruneSupersededValues: each successful run deletes the sign-in
// and activity versions no reader can see any more (here: of users the
// churn deleted), keeping those its predecessor's readers still see.
func TestRunsPruneSupersededValues(t *testing.T) {
	e := newSimEnv(t, "small", 8, func(p *graphsim.Profile) { p.Tier = graphsim.TierP2 }, graphsim.Options{})
	o := e.options()
	closedAt := func(gen int64) (at, before int) {
		t.Helper()
		err := e.db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FILTER (WHERE valid_to = ?), COUNT(*) FILTER (WHERE valid_to < ?)
			FROM user_sign_ins WHERE connection_id = ?`, gen, gen, e.conn(t).ID).Scan(&at, &before)
		if err != nil {
			t.Fatal(err)
		}
		return at, before
	}
	e.sync(t, o)
	if sum := e.tenant.Churn(0.6, 1); sum.UsersDeleted == 0 {
		t.Fatalf("churn deleted no users: %+v", sum)
	}
	r2 := e.sync(t, o)
	closed2, _ := closedAt(r2.Generation)
	if closed2 == 0 {
		t.Fatal("deleting users closed no sign-in rows")
	}
	e.tenant.Churn(0.6, 2)
	r3 := e.sync(t, o)
	if _, older := closedAt(r3.Generation); older != 0 {
		t.Errorf("%d sign-in versions closed before generation %d survived the run's pruning", older, r3.Generation)
	}
	if r3.Pruned.Superseded < int64(closed2) {
		t.Errorf("run pruned %+v, want at least the %d sign-in versions closed by generation %d", r3.Pruned, closed2, r2.Generation)
	}
	assertMatchesTenant(t, e, o)
}
