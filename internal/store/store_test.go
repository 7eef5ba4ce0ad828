package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func openTest(t *testing.T, clock func() time.Time) *DB {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// fakeClock advances one minute per call so run timestamps are distinct.
func fakeClock() func() time.Time {
	t := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Minute); return t }
}

func mustRun(t *testing.T, d *DB, c Connection, mode RunMode, fill func(b *Batch)) Run {
	t.Helper()
	ctx := context.Background()
	r, err := d.BeginRun(ctx, c, mode)
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	fill(&b)
	if _, err := r.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return r
}

func user(id, upn string, enabled bool, skus ...string) *User {
	u := &User{ID: id, UserPrincipalName: upn, DisplayName: upn, AccountEnabled: enabled, UserType: "Member",
		CreatedDateTime: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	for _, s := range skus {
		u.Licenses = append(u.Licenses, UserLicense{SkuID: s, State: "Active", Error: "None"})
	}
	return u
}

func upns(t *testing.T, d *DB, c Connection) []string {
	t.Helper()
	us, err := d.Users(context.Background(), c, UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range us {
		s := u.UserPrincipalName
		if !u.AccountEnabled {
			s += "(disabled)"
		}
		for _, l := range u.Licenses {
			s += "+" + l.SkuID
		}
		out = append(out, s)
	}
	return out
}

func eq(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

func TestGenerationsFullThenDeltaThenFailed(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, err := d.Connection(ctx, "contoso")
	if err != nil {
		t.Fatal(err)
	}
	if c.Generation != 0 {
		t.Fatalf("new connection generation %d", c.Generation)
	}

	// Run 1: full listing of three users.
	r1 := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutUser(user("u1", "a@contoso.com", true, "sku-e3"))
		b.PutUser(user("u2", "b@contoso.com", true))
		b.PutUser(user("u3", "c@contoso.com", true, "sku-e3", "sku-e5"))
		b.Sweep(TableUsers)
	})
	// Before commit readers see nothing.
	eq(t, upns(t, d, c), nil)
	r1.SetDeltaLink("users", "https://graph/delta?token=1", "*")
	if err := r1.Commit(ctx, RunResult{TenantID: "tid", Requests: 4}); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), []string{"a@contoso.com+sku-e3", "b@contoso.com", "c@contoso.com+sku-e3+sku-e5"})

	// Run 2 (delta): u1 disabled, u3 loses E5, u2 removed, u4 added.
	r2 := mustRun(t, d, c, ModeDelta, func(b *Batch) {
		b.PutUser(user("u1", "a@contoso.com", false, "sku-e3"))
		b.PutUser(user("u3", "c@contoso.com", true, "sku-e3"))
		b.RemoveUser("u2")
		b.PutUser(user("u4", "d@contoso.com", true))
	})
	// Mid-run readers still see run 1's copy.
	eq(t, upns(t, d, c), []string{"a@contoso.com+sku-e3", "b@contoso.com", "c@contoso.com+sku-e3+sku-e5"})
	r2.SetDeltaLink("users", "https://graph/delta?token=2", "*")
	if err := r2.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	want2 := []string{"a@contoso.com(disabled)+sku-e3", "c@contoso.com+sku-e3", "d@contoso.com"}
	eq(t, upns(t, d, c), want2)
	if l, sc, _ := d.DeltaLink(ctx, c, "users"); l != "https://graph/delta?token=2" || sc != "*" {
		t.Fatalf("delta link %q scope %q", l, sc)
	}

	// Run 3 fails after writing: the copy and the delta link stay.
	r3 := mustRun(t, d, c, ModeDelta, func(b *Batch) {
		b.RemoveUser("u1")
		b.PutUser(user("u5", "e@contoso.com", true))
		b.PutUser(user("u3", "c@contoso.com", false))
	})
	r3.SetDeltaLink("users", "https://graph/delta?token=3", "x")
	if err := r3.Fail(ctx, RunResult{}, errors.New("graph: 500")); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), want2)
	if l, sc, _ := d.DeltaLink(ctx, c, "users"); l != "https://graph/delta?token=2" || sc != "*" {
		t.Fatalf("delta link after failed run %q scope %q", l, sc)
	}

	// Run 4 (full) discards run 3's staging; only what it lists survives.
	r4 := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutUser(user("u1", "a@contoso.com", false, "sku-e3"))
		b.PutUser(user("u4", "d@contoso.com", true, "sku-f3"))
		b.Sweep(TableUsers)
	})
	if err := r4.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), []string{"a@contoso.com(disabled)+sku-e3", "d@contoso.com+sku-f3"})

	// History: u1 was enabled in generation 1, disabled since generation 2.
	h, err := d.UserHistory(ctx, c, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || !h[0].AccountEnabled || h[1].AccountEnabled || h[0].Generation != 1 || h[1].Generation != 2 {
		t.Fatalf("history %+v", h)
	}
	if h[1].Since.IsZero() || !h[1].Until.IsZero() || !h[0].Until.Equal(h[1].Since) {
		t.Fatalf("history times %v..%v, %v..%v", h[0].Since, h[0].Until, h[1].Since, h[1].Until)
	}

	runs, err := d.Runs(ctx, c, 10)
	if err != nil {
		t.Fatal(err)
	}
	var st []string
	for _, r := range runs {
		st = append(st, r.Status)
	}
	eq(t, st, []string{"succeeded", "failed", "succeeded", "succeeded"})
	if !runs[0].Current || runs[1].Error != "graph: 500" || runs[3].Requests != 4 {
		t.Fatalf("runs %+v", runs)
	}
}

func TestUnchangedRowsKeepTheirVersion(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "contoso")
	for i := 0; i < 3; i++ {
		r := mustRun(t, d, c, ModeFull, func(b *Batch) {
			b.PutUser(user("u1", "a@contoso.com", true, "sku-e3"))
			b.PutGroup(&Group{ID: "g1", DisplayName: "Sales", GroupTypes: []string{"Unified"}})
			b.PutGroupMember("g1", DirectoryObjectRef{ID: "u1", Type: "user"})
			b.Sweep(TableUsers)
			b.Sweep(TableGroups)
			b.Sweep(TableGroupMembers)
		})
		if err := r.Commit(ctx, RunResult{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tbl := range []string{"users", "user_licenses", "groups", "group_members"} {
		var n int
		if err := d.db.QueryRow(`SELECT COUNT(*) FROM ` + tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%s has %d rows after three identical runs, want 1", tbl, n)
		}
	}
	// Removing the user closes its membership too.
	r := mustRun(t, d, c, ModeDelta, func(b *Batch) { b.RemoveUser("u1") })
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	ms, err := d.Memberships(ctx, c)
	if err != nil || len(ms) != 0 {
		t.Fatalf("memberships after removing member: %v %v", ms, err)
	}
}

func TestConnectionsAreIsolated(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	a, _ := d.Connection(ctx, "a")
	b, _ := d.Connection(ctx, "b")
	ra := mustRun(t, d, a, ModeFull, func(bt *Batch) { bt.PutUser(user("u1", "x@a.com", true)); bt.Sweep(TableUsers) })
	if err := ra.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	rb := mustRun(t, d, b, ModeFull, func(bt *Batch) { bt.PutUser(user("u1", "x@b.com", true)); bt.Sweep(TableUsers) })
	if err := rb.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, a), []string{"x@a.com"})
	eq(t, upns(t, d, b), []string{"x@b.com"})
}

func TestSecondLiveRunIsRefusedAndDeadRunIsTakenOver(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	d := openTest(t, func() time.Time { return now })
	c, _ := d.Connection(ctx, "contoso")
	if _, err := d.BeginRun(ctx, c, ModeFull); err != nil {
		t.Fatal(err)
	}
	if _, err := d.BeginRun(ctx, c, ModeFull); !errors.Is(err, ErrRunInProgress) {
		t.Fatalf("second run: %v, want ErrRunInProgress", err)
	}
	now = now.Add(3 * time.Minute)
	r, err := d.BeginRun(ctx, c, ModeFull)
	if err != nil {
		t.Fatalf("take over dead run: %v", err)
	}
	if r.Generation() != 2 {
		t.Fatalf("generation %d, want 2", r.Generation())
	}
	runs, _ := d.Runs(ctx, c, 5)
	if runs[1].Status != "failed" || runs[1].Error == "" {
		t.Fatalf("dead run recorded as %q %q", runs[1].Status, runs[1].Error)
	}
}

func TestSubscribedSKUsAt(t *testing.T) {
	ctx := context.Background()
	clock := fakeClock()
	d := openTest(t, clock)
	c, _ := d.Connection(ctx, "contoso")
	for _, consumed := range []int{10, 12} {
		r := mustRun(t, d, c, ModeFull, func(b *Batch) {
			b.PutSubscribedSKU(&SubscribedSKU{SkuID: "SKU-1", SkuPartNumber: "ENTERPRISEPACK", ConsumedUnits: consumed, Enabled: 20,
				ServicePlans: []ServicePlan{{ServicePlanID: "P1", ServicePlanName: "EXCHANGE_S_ENTERPRISE"}}})
			b.Sweep(TableSubscribedSKUs)
		})
		if err := r.Commit(ctx, RunResult{}); err != nil {
			t.Fatal(err)
		}
	}
	runs, _ := d.Runs(ctx, c, 5)
	first := runs[1].FinishedAt
	got, err := d.SubscribedSKUsAt(ctx, c, first)
	if err != nil || len(got) != 1 || got[0].ConsumedUnits != 10 || got[0].SkuID != "sku-1" || len(got[0].ServicePlans) != 1 {
		t.Fatalf("at first run: %+v %v", got, err)
	}
	got, _ = d.SubscribedSKUsAt(ctx, c, first.Add(-time.Hour))
	if got != nil {
		t.Fatalf("before any run: %+v", got)
	}
	cur, _ := d.SubscribedSKUs(ctx, c)
	if cur[0].ConsumedUnits != 12 || cur[0].ServicePlans[0].ServicePlanID != "p1" {
		t.Fatalf("current: %+v", cur)
	}
}

func TestMigrateIsIdempotentAndRefusesNewer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	d, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	d, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if _, err := d.db.Exec(`UPDATE schema_version SET version = 99`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := Open(ctx, path, Options{}); err == nil {
		t.Fatal("opening a newer schema succeeded")
	}
}

func TestTransitiveMembersFollowNestingAndStopAtCycles(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "contoso")
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		for _, g := range []string{"g1", "g2", "g3"} {
			b.PutGroup(&Group{ID: g, DisplayName: g})
		}
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "u1", Type: "user"})
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "g2", Type: "group"})
		b.PutGroupMember("g2", DirectoryObjectRef{ID: "u2", Type: "user"})
		b.PutGroupMember("g2", DirectoryObjectRef{ID: "g3", Type: "group"})
		b.PutGroupMember("g3", DirectoryObjectRef{ID: "u1", Type: "user"})
		b.PutGroupMember("g3", DirectoryObjectRef{ID: "g1", Type: "group"}) // cycle
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	got, err := d.TransitiveMembers(ctx, c, "g2")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range got {
		ids = append(ids, m.ID+":"+m.Type)
	}
	eq(t, ids, []string{"g1:group", "g2:group", "g3:group", "u1:user", "u2:user"})
}
