package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// A fresh table's puts are inserted in key order; a key written twice in one
// batch (delta pages can repeat an object) keeps its last version.
func TestFreshPutsInKeyOrderKeepTheLastVersion(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "t")
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutUser(user("c", "c@x.test", true, "sku1"))
		b.PutUser(user("a", "a-old@x.test", true))
		b.PutUser(user("b", "b@x.test", false))
		b.PutUser(user("a", "a@x.test", true, "sku2"))
		b.PutGroupMember("g2", DirectoryObjectRef{ID: "c", Type: "user"})
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "b", Type: "user"})
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "a", Type: "user"})
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "a", Type: "group"})
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), []string{"a@x.test+sku2", "b@x.test(disabled)", "c@x.test+sku1"})
	ms, err := d.GroupMembers(ctx, c, "g1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ms, []DirectoryObjectRef{{ID: "a", Type: "group"}, {ID: "b", Type: "user"}}) {
		t.Fatalf("g1 members %v", ms)
	}
}

func TestCompareKeys(t *testing.T) {
	for _, c := range []struct {
		a, b []any
		want int
	}{
		{[]any{"a"}, []any{"b"}, -1},
		{[]any{"b", "a"}, []any{"a", "z"}, 1},
		{[]any{"a", "b"}, []any{"a", "b"}, 0},
		{[]any{int64(2)}, []any{int64(10)}, -1},
		{[]any{"A"}, []any{"a"}, -1}, // bytewise, as SQLite's BINARY collation
		{[]any{"a"}, []any{"a", "b"}, -1},
	} {
		if got := compareKeys(c.a, c.b); got != c.want {
			t.Errorf("compareKeys(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// Apply writes into the run's open transaction: nothing is visible to
// another connection until Flush, the run's own id reads flush first, and a
// failed run loses only what it staged.
func TestApplyIsCommittedByFlushAndByTheRunsReads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	d, err := Open(ctx, path, Options{Now: fakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, _ := d.Connection(ctx, "t")
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	staged := func() int {
		t.Helper()
		var n int
		if err := other.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE connection_id = ?`, c.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	r := mustRun(t, d, c, ModeFull, func(b *Batch) { b.PutUser(user("a", "a@x.test", true)) })
	if n := staged(); n != 0 {
		t.Fatalf("before Flush another connection sees %d staged users", n)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := staged(); n != 1 {
		t.Fatalf("after Flush: %d staged users, want 1", n)
	}
	var b Batch
	b.PutUser(user("b", "b@x.test", true))
	if _, err := r.Apply(ctx, &b); err != nil {
		t.Fatal(err)
	}
	ids, err := r.UserIDs(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"a", "b"}) {
		t.Fatalf("run's user ids %v, want [a b]", ids)
	}
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), []string{"a@x.test", "b@x.test"})

	// A second run applies without flushing and fails: its staged rows go,
	// the first run's copy stays current.
	r2 := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutUser(user("c", "c@x.test", true))
		b.Sweep(TableUsers)
	})
	if err := r2.Fail(ctx, RunResult{}, nil); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), []string{"a@x.test", "b@x.test"})
	if n := staged(); n != 2 {
		t.Fatalf("after the failed run: %d user rows, want 2", n)
	}
	// And the next run completes normally.
	r3 := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutUser(user("c", "c@x.test", true))
		b.Sweep(TableUsers)
	})
	if err := r3.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), []string{"c@x.test"})
}

// openMigratedFrom creates a database as a tenantscope with only the first
// n migrations left it, runs stmts on it, and opens it (which applies the
// rest).
func openMigratedFrom(t *testing.T, n int, stmts ...string) *DB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:n] {
		if err := applyMigration(ctx, db, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	d, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Migration 0013 re-clusters the user child tables without losing a row.
func TestMigration13KeepsUserChildRows(t *testing.T) {
	ctx := context.Background()
	d := openMigratedFrom(t, 12,
		`INSERT INTO connections (id, name, created_at) VALUES (1, 't', '2026-11-01T00:00:00Z')`,
		`INSERT INTO user_licenses VALUES (1, 'u1', 'sku', '', 1, 2, 1, 7, '[]', 'Active', 'None', NULL)`,
		`INSERT INTO user_licenses VALUES (1, 'u1', 'sku', '', 2, NULL, 2, 8, '["p"]', 'Active', 'None', NULL)`,
		`INSERT INTO user_managers VALUES (1, 'u1', 1, NULL, 1, 9, 'm1')`,
		`INSERT INTO user_sign_ins VALUES (1, 'u1', 1, NULL, 1, 3, '2026-10-01T00:00:00Z', NULL, NULL)`,
		`INSERT INTO user_mailboxes VALUES (1, 'u1', 1, NULL, 1, 4, 'shared')`)
	for table, want := range map[string]int{"user_licenses": 2, "user_managers": 1, "user_sign_ins": 1, "user_mailboxes": 1} {
		var n int
		if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s: %d rows after migration, want %d", table, n, want)
		}
		var sqlText string
		if err := d.db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&sqlText); err != nil {
			t.Fatal(err)
		}
		if !containsFold(sqlText, "WITHOUT ROWID") {
			t.Errorf("%s is not clustered: %s", table, sqlText)
		}
	}
	var plans, mgr string
	if err := d.db.QueryRowContext(ctx, `SELECT disabled_plans FROM user_licenses WHERE valid_to IS NULL`).Scan(&plans); err != nil || plans != `["p"]` {
		t.Fatalf("open licence row: %q, %v", plans, err)
	}
	if err := d.db.QueryRowContext(ctx, `SELECT manager_id FROM user_managers`).Scan(&mgr); err != nil || mgr != "m1" {
		t.Fatalf("manager: %q, %v", mgr, err)
	}
}

// Migration 0014 re-clusters user_activity by service without losing a row
// or a column.
func TestMigration14KeepsUserActivity(t *testing.T) {
	ctx := context.Background()
	d := openMigratedFrom(t, 13,
		`INSERT INTO connections (id, name, created_at) VALUES (1, 't', '2026-11-01T00:00:00Z')`,
		`INSERT INTO user_activity (connection_id, user_principal_name, service, valid_from, valid_to, seen_gen, hash, last_activity_date, report_refresh_date, amount)
			VALUES (1, 'b@x.test', 'exchange', 1, 2, 1, 7, '2026-10-01', '2026-10-02', NULL)`,
		`INSERT INTO user_activity (connection_id, user_principal_name, service, valid_from, valid_to, seen_gen, hash, last_activity_date, report_refresh_date, amount)
			VALUES (1, 'b@x.test', 'exchange', 2, NULL, 2, 8, '2026-10-03', '2026-10-04', NULL)`,
		`INSERT INTO user_activity (connection_id, user_principal_name, service, valid_from, valid_to, seen_gen, hash, last_activity_date, report_refresh_date, amount)
			VALUES (1, 'a@x.test', 'mailbox', 2, NULL, 2, 9, NULL, '2026-10-04', 123)`)
	var got []string
	rows, err := d.db.QueryContext(ctx, `SELECT service, user_principal_name, valid_from, COALESCE(valid_to, 0), seen_gen, hash,
		COALESCE(last_activity_date, ''), report_refresh_date, COALESCE(amount, 0) FROM user_activity`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var svc, upn, last, refresh string
		var from, to, seen, hash, amount int64
		if err := rows.Scan(&svc, &upn, &from, &to, &seen, &hash, &last, &refresh, &amount); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %d %d %d %d %s %s %d", svc, upn, from, to, seen, hash, last, refresh, amount))
	}
	want := []string{
		"exchange b@x.test 1 2 1 7 2026-10-01 2026-10-02 0",
		"exchange b@x.test 2 0 2 8 2026-10-03 2026-10-04 0",
		"mailbox a@x.test 2 0 2 9  2026-10-04 123",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rows after migration (in key order):\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToUpper(s), strings.ToUpper(sub))
}

// Puts into a table with rows from an earlier run go a chunk at a time:
// unchanged rows keep their version, changed ones get a new version and
// close the old one, new ones are inserted, and of two puts of one key in a
// batch the later wins; more keys than one chunk holds work the same.
func TestPutsIntoAnExistingCopy(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "t")
	const n = 2*multiRows + 7
	id := func(i int) string { return fmt.Sprintf("u%03d", i) }
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		for i := range n {
			b.PutUser(user(id(i), id(i)+"@x.test", true))
			b.PutGroupMember("g", DirectoryObjectRef{ID: id(i), Type: "user"})
		}
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, d, c, ModeFull, func(b *Batch) {
		for i := n - 1; i >= 0; i-- { // reverse order: the writer sorts
			switch {
			case i%10 == 3: // changed
				b.PutUser(user(id(i), id(i)+"@x.test", false))
			case i%10 == 5: // changed twice: the second wins
				b.PutUser(user(id(i), "first@x.test", false))
				b.PutUser(user(id(i), id(i)+"@x.test", true, "sku"))
			default:
				b.PutUser(user(id(i), id(i)+"@x.test", true))
			}
			b.PutGroupMember("g", DirectoryObjectRef{ID: id(i), Type: "user"})
		}
		b.PutUser(user("new", "new@x.test", true))
		b.Sweep(TableUsers)
		b.Sweep(TableGroupMembers)
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"new@x.test"} // users list by UPN
	for i := range n {
		s := id(i) + "@x.test"
		switch i % 10 {
		case 3:
			s += "(disabled)"
		case 5:
			s += "+sku"
		}
		want = append(want, s)
	}
	eq(t, upns(t, d, c), want)
	// The users rows of i%10 == 5 end as they were (their change is a
	// licence): only the disabled ones are new versions.
	changed := 0
	for i := range n {
		if i%10 == 3 {
			changed++
		}
	}
	var open, closed, newer int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE valid_to IS NULL), COUNT(*) FILTER (WHERE valid_to IS NOT NULL),
		COUNT(*) FILTER (WHERE valid_to IS NULL AND valid_from = 2) FROM users`).Scan(&open, &closed, &newer)
	if err != nil {
		t.Fatal(err)
	}
	if open != n+1 || closed != changed || newer != changed+1 {
		t.Fatalf("users: %d open, %d closed, %d new versions; want %d, %d, %d", open, closed, newer, n+1, changed, changed+1)
	}
	var members, memberVersions int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE valid_to IS NULL), COUNT(*) FROM group_members`).Scan(&members, &memberVersions); err != nil {
		t.Fatal(err)
	}
	if members != n || memberVersions != n {
		t.Fatalf("memberships: %d open of %d versions, want %d unchanged", members, memberVersions, n)
	}
}

// EachUser streams what Users returns for the whole tenant, licences
// included, in the same order; withoutRaw only drops the JSON.
func TestEachUserStreamsWhatUsersReturns(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "t")
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		for i := range 30 {
			u := user(fmt.Sprintf("u%02d", 29-i), fmt.Sprintf("user%02d@x.test", i), i%3 != 0, "sku1")
			if i%4 == 0 {
				u.Licenses = append(u.Licenses, UserLicense{SkuID: "sku2", AssignedByGroup: "g1", State: "Active"})
			}
			u.Raw = []byte(`{"id":"` + u.ID + `"}`)
			b.PutUser(u)
		}
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	want, err := d.Users(ctx, c, UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []User
	if err := d.EachUser(ctx, c, false, func(u *User) error { got = append(got, *u); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("EachUser differs from Users:\n got %+v\nwant %+v", got, want)
	}
	got = got[:0]
	if err := d.EachUser(ctx, c, true, func(u *User) error { got = append(got, *u); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].Raw = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("EachUser without raw differs from Users beyond the JSON")
	}
}

// EnsureIndexes builds the late indexes of the tables named (children
// included) as soon as a resource is done, commits what was applied
// first, and leaves the other tables' indexes to the commit.
func TestEnsureIndexesBuildsThoseOfTheTablesNamed(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "t")
	indexes := func() []string {
		t.Helper()
		var out []string
		rows, err := d.db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND name IN
			('users_upn', 'user_licenses_sku', 'group_members_member', 'user_managers_manager', 'app_role_assignments_principal') ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return out
	}
	eq(t, indexes(), nil) // a new database: none yet
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutUser(user("a", "a@x.test", true, "sku1"))
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "a", Type: "user"})
	})
	if err := r.EnsureIndexes(ctx, TableGroups); err != nil { // no late index
		t.Fatal(err)
	}
	eq(t, indexes(), nil)
	if err := r.EnsureIndexes(ctx, TableUsers); err != nil {
		t.Fatal(err)
	}
	eq(t, indexes(), []string{"user_licenses_sku", "users_upn"})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, indexes(), []string{"app_role_assignments_principal", "group_members_member", "user_licenses_sku", "user_managers_manager", "users_upn"})
	if err := r.EnsureIndexes(ctx, TableUsers); err == nil {
		t.Fatal("EnsureIndexes after the commit: no error")
	}
	eq(t, upns(t, d, c), []string{"a@x.test+sku1"})
}

// A removal in a batch writes first the puts it could see (its table's and
// those of the tables naming the removed object); puts to other tables stay
// buffered and all end as if applied one after the other.
func TestRemovalAmongBufferedPuts(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "t")
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutUser(user("a", "a@x.test", true, "sku1"))
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "a", Type: "user"})
		b.PutUserManager("a", "m")
		b.PutUser(user("b", "b@x.test", true))
		b.PutUserManager("c", "") // a user without a manager: a removal in an unrelated table
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "c", Type: "user"})
		b.RemoveUser("a")
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "b", Type: "user"})
		b.PutUser(user("b", "b2@x.test", true))
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), []string{"b2@x.test"})
	ms, err := d.GroupMembers(ctx, c, "g1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ms, []DirectoryObjectRef{{ID: "b", Type: "user"}, {ID: "c", Type: "user"}}) {
		t.Fatalf("g1 members %v", ms)
	}
	var managers int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM user_managers WHERE connection_id = ? AND valid_to IS NULL`, c.ID).Scan(&managers); err != nil {
		t.Fatal(err)
	}
	if managers != 0 {
		t.Fatalf("%d open manager rows, want 0 (a was removed, c has none)", managers)
	}
}

// The writer's statements run without the caller's context (see
// stmts.exec), so the context is checked before each one: an Apply under a
// cancelled context writes nothing, and the run then fails and leaves the
// previous copy current.
func TestApplyUnderACancelledContextWritesNothing(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "t")
	r := mustRun(t, d, c, ModeFull, func(b *Batch) { b.PutUser(user("a", "a@x.test", true)) })
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	c, _ = d.Connection(ctx, "t")
	r2, err := d.BeginRun(ctx, c, ModeFull)
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	var b Batch
	b.PutUser(user("b", "b@x.test", true))
	if _, err := r2.Apply(cctx, &b); !errors.Is(err, context.Canceled) {
		t.Fatalf("apply under a cancelled context: %v", err)
	}
	if err := r2.Fail(ctx, RunResult{}, context.Canceled); err != nil {
		t.Fatal(err)
	}
	c, _ = d.Connection(ctx, "t")
	eq(t, upns(t, d, c), []string{"a@x.test"})
}

// The puts of a table written in sorted runs (user licences, managers,
// sign-ins, mailboxes) wait across Apply calls: Flush writes them, the later
// of two puts of one key wins even when they came in different batches, a
// removal first writes what is queued of what it closes, and a full run is
// written without waiting for Flush.
func TestSortedRunsSpanBatches(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "t")
	apply := func(r Run, fill func(b *Batch)) {
		t.Helper()
		var b Batch
		fill(&b)
		if _, err := r.Apply(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := d.db.QueryRowContext(ctx, q, c.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutUser(user("a", "a@x.test", true, "sku1"))
		b.PutUserManager("a", "m1")
	})
	apply(r, func(b *Batch) {
		b.PutUser(user("b", "b@x.test", true, "sku2"))
		b.PutUserManager("a", "m2")
		b.PutUser(user("c", "c@x.test", true, "sku3"))
	})
	apply(r, func(b *Batch) { b.RemoveUser("c") })
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM user_licenses WHERE connection_id = ?`); n != 2 {
		t.Fatalf("%d licence rows after Flush, want 2 (a's and b's; c was removed)", n)
	}
	if n := count(`SELECT count(*) FROM user_managers WHERE connection_id = ?`); n != 1 {
		t.Fatalf("%d manager rows after Flush, want 1", n)
	}
	// More puts than a run holds, in one batch: the full run is written at
	// once and the rest after it.
	apply(r, func(b *Batch) {
		for i := range runRows + 10 {
			b.PutUserManager(fmt.Sprintf("u%06d", runRows+10-i), "m")
		}
	})
	if n := count(`SELECT count(*) FROM user_managers WHERE connection_id = ?`); n != 1 {
		t.Fatalf("%d manager rows before Flush, want 1: another connection must not see the open transaction", n)
	}
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), []string{"a@x.test+sku1", "b@x.test+sku2"})
	us, err := d.Users(ctx, c, UserQuery{ID: "a"})
	if err != nil || len(us) != 1 {
		t.Fatalf("user a: %v %v", us, err)
	}
	if us[0].ManagerID != "m2" {
		t.Fatalf("a's manager %q, want m2 (the later put)", us[0].ManagerID)
	}
	if n := count(`SELECT count(*) FROM user_managers WHERE connection_id = ? AND valid_to IS NULL`); n != runRows+11 {
		t.Fatalf("%d open manager rows, want %d", n, runRows+11)
	}
}

// A run that fails discards its queued runs with its open transaction:
// nothing of them reaches the database, and the next run starts clean.
func TestFailedRunDiscardsQueuedRuns(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "t")
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutUser(user("a", "a@x.test", true, "sku1"))
		b.PutUserManager("a", "m1")
	})
	if err := r.Fail(ctx, RunResult{}, errors.New("interrupted")); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM user_licenses) + (SELECT count(*) FROM user_managers)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d licence and manager rows after a failed run, want 0", n)
	}
	r2 := mustRun(t, d, c, ModeFull, func(b *Batch) { b.PutUser(user("b", "b@x.test", true, "sku2")) })
	if err := r2.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, upns(t, d, c), []string{"b@x.test+sku2"})
}
