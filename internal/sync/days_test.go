package sync

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/store"
)

func storedSignIns(t testing.TB, db *store.DB, c store.Connection) []string {
	t.Helper()
	rows, err := db.UserSignIns(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range rows {
		if !s.LastSuccessfulSignInDateTime.IsZero() {
			out = append(out, s.UserID+" "+s.LastSuccessfulSignInDateTime.UTC().Format(time.RFC3339))
		}
	}
	sort.Strings(out)
	return out
}

func truthSignIns(tn *graphsim.Tenant) []string {
	var out []string
	tn.Snapshot(func(t *graphsim.Tenant) {
		for _, u := range t.Users {
			if !u.SignIn.LastSuccessfulSignInDateTime.IsZero() {
				out = append(out, lower(u.ID)+" "+u.SignIn.LastSuccessfulSignInDateTime.UTC().Format(time.RFC3339))
			}
		}
	})
	sort.Strings(out)
	return out
}

// TestDailySyncFollowsTheDay: a day after a full sync, people have signed
// in and worked; the next delta run (its resources without delta queries
// due again) stores exactly the new sign-ins and activity, and keeps no
// superseded version a reader could no longer see.
func TestDailySyncFollowsTheDay(t *testing.T) {
	e := newSimEnv(t, "medium", 41, func(p *graphsim.Profile) { p.Tier = graphsim.TierP2 }, graphsim.Options{})
	o := e.options()
	e.sync(t, o)
	sum := e.tenant.AdvanceDays(1, 3)
	if sum.SignIns == 0 || sum.Activity == 0 {
		t.Fatalf("the day changed nothing: %+v", sum)
	}
	o.Now = func() time.Time { return time.Now().Add(25 * time.Hour) }
	res := e.sync(t, o)
	if res.Mode != store.ModeDelta {
		t.Fatalf("mode %s", res.Mode)
	}
	for _, r := range []string{"signIns", "usageReports"} {
		if rr := resourceByName(res, r); rr.Mode != store.ModeFull || rr.Status != store.StatusOK {
			t.Fatalf("%s: %+v, want a full read a day later", r, rr)
		}
	}
	sameLines(t, "sign-ins", storedSignIns(t, e.db, e.conn(t)), truthSignIns(e.tenant))
	sameLines(t, "user activity", storedActivity(t, e.db, e.conn(t)), truthActivity(e.tenant))
	assertMatchesTenant(t, e, o)
	// The versions the day superseded are closed at this generation (the
	// previous one's readers still see them); nothing older is left.
	var atGen, older int
	err := e.db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FILTER (WHERE valid_to = ?), COUNT(*) FILTER (WHERE valid_to < ?)
		FROM user_activity WHERE connection_id = ?`, res.Generation, res.Generation, e.conn(t).ID).Scan(&atGen, &older)
	if err != nil {
		t.Fatal(err)
	}
	if atGen < sum.Activity/2 || older != 0 {
		t.Fatalf("activity versions closed at generation %d: %d (the day moved %d dates), older: %d", res.Generation, atGen, sum.Activity, older)
	}
}

func resourceByName(r Result, name string) store.ResourceResult {
	for _, rr := range r.Resources {
		if rr.Resource == name {
			return rr
		}
	}
	return store.ResourceResult{}
}
