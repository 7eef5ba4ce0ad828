package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// objectRows lists directory_objects as "connection num id", by connection
// and number.
func objectRows(t *testing.T, d *DB) []string {
	t.Helper()
	rows, err := d.db.Query(`SELECT connection_id, num, object_id FROM directory_objects ORDER BY connection_id, num`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c, n int64
		var id string
		if err := rows.Scan(&c, &n, &id); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %d %s", c, n, id))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func membershipList(t *testing.T, d *DB, c Connection, owners bool) []string {
	t.Helper()
	read := d.Memberships
	if owners {
		read = d.GroupOwners
	}
	ms, err := read(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.GroupID+">"+m.Member.ID+":"+m.Member.Type)
	}
	return out
}

// Numbers are assigned per connection in the order objects first appear,
// written with the rows that use them, and readers see ids, in id order.
// Ids that are not lower-case GUIDs keep their own numbers, so two ids that
// differ only in case stay two objects.
func TestObjectNumbers(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	a, err := d.Connection(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Connection(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	lower := "0f8fad5b-d9cb-469f-a165-70867728950e"
	upper := strings.ToUpper(lower)
	r := mustRun(t, d, a, ModeFull, func(b *Batch) {
		b.PutGroupMember("g2", DirectoryObjectRef{ID: lower, Type: "user"})
		b.PutGroupMember("g2", DirectoryObjectRef{ID: upper, Type: "user"})
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "g2", Type: "group"})
		b.PutGroupOwner("g1", DirectoryObjectRef{ID: lower, Type: "user"})
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, d, b, ModeFull, func(b *Batch) {
		b.PutGroupMember("g1", DirectoryObjectRef{ID: lower, Type: "user"})
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, objectRows(t, d), []string{
		fmt.Sprintf("%d 1 g2", a.ID), fmt.Sprintf("%d 2 %s", a.ID, lower), fmt.Sprintf("%d 3 %s", a.ID, upper), fmt.Sprintf("%d 4 g1", a.ID),
		fmt.Sprintf("%d 1 g1", b.ID), fmt.Sprintf("%d 2 %s", b.ID, lower),
	})
	eq(t, membershipList(t, d, a, false), []string{"g1>g2:group", "g2>" + upper + ":user", "g2>" + lower + ":user"})
	eq(t, membershipList(t, d, a, true), []string{"g1>" + lower + ":user"})
	eq(t, membershipList(t, d, b, false), []string{"g1>" + lower + ":user"})
	tm, err := d.TransitiveMembers(ctx, a, "g1")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, refIDs(tm), []string{upper, lower, "g2"})

	// A later run reuses the numbers it finds and continues after them;
	// removals of objects that were never numbered change nothing.
	r = mustRun(t, d, a, ModeDelta, func(b *Batch) {
		b.RemoveGroupMember("g9", lower)
		b.RemoveGroupMember("g2", "u9")
		b.RemoveUser("u9")
		b.RemoveGroup("g9")
		b.SweepGroupMembers("g9")
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "u5", Type: "user"})
		b.RemoveUser(upper)
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, objectRows(t, d)[:5], []string{
		fmt.Sprintf("%d 1 g2", a.ID), fmt.Sprintf("%d 2 %s", a.ID, lower), fmt.Sprintf("%d 3 %s", a.ID, upper), fmt.Sprintf("%d 4 g1", a.ID),
		fmt.Sprintf("%d 5 u5", a.ID),
	})
	eq(t, membershipList(t, d, a, false), []string{"g1>g2:group", "g1>u5:user", "g2>" + lower + ":user"})
	gm, err := d.GroupMembers(ctx, a, "g1")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, refIDs(gm), []string{"g2", "u5"})
}

func refIDs(rs []DirectoryObjectRef) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// An Apply that fails rolls back the numbers it assigned with the rows
// that used them: the next run assigns them again, with no gap and no
// number naming two objects.
func TestFailedApplyForgetsNumbers(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, err := d.Connection(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "u1", Type: "user"})
	})
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var batch Batch
	batch.PutGroupMember("g1", DirectoryObjectRef{ID: "u2", Type: "user"})
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.Apply(cancelled, &batch); !errors.Is(err, context.Canceled) {
		t.Fatalf("apply with a cancelled context: %v, want context.Canceled", err)
	}
	if err := r.Fail(ctx, RunResult{}, errors.New("cancelled")); err != nil {
		t.Fatal(err)
	}
	eq(t, objectRows(t, d), []string{fmt.Sprintf("%d 1 g1", c.ID), fmt.Sprintf("%d 2 u1", c.ID)})

	r = mustRun(t, d, c, ModeFull, func(b *Batch) {
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "u3", Type: "user"})
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "u1", Type: "user"})
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, objectRows(t, d), []string{fmt.Sprintf("%d 1 g1", c.ID), fmt.Sprintf("%d 2 u1", c.ID), fmt.Sprintf("%d 3 u3", c.ID)})
	eq(t, membershipList(t, d, c, false), []string{"g1>u1:user", "g1>u3:user"})
}

// Migration 15 numbers the objects existing memberships and ownerships
// name, per connection, and keeps every version of every row.
func TestMigration15NumbersMemberships(t *testing.T) {
	ctx := context.Background()
	userHash := rowHash([]any{"user"}, nil) // what the writer stores for an unchanged user membership
	d := openMigratedFrom(t, 14,
		`INSERT INTO connections (id, name, created_at, current_generation, next_generation) VALUES (1, 'a', '2026-11-01T00:00:00Z', 2, 3)`,
		`INSERT INTO connections (id, name, created_at, current_generation, next_generation) VALUES (2, 'b', '2026-11-01T00:00:00Z', 1, 2)`,
		`INSERT INTO group_members (connection_id, group_id, member_id, valid_from, valid_to, seen_gen, hash, member_type) VALUES
			(1, 'g1', 'u2', 1, NULL, 2, `+fmt.Sprint(userHash)+`, 'user'),
			(1, 'g1', 'u1', 1, 2, 1, 12, 'user'),
			(1, 'g1', 'g2', 2, NULL, 2, 13, 'group'),
			(2, 'g1', 'u1', 1, NULL, 1, 14, 'user')`,
		`INSERT INTO group_owners (connection_id, group_id, owner_id, valid_from, valid_to, seen_gen, hash, owner_type) VALUES
			(1, 'g2', 'u3', 1, NULL, 2, 15, 'user')`)
	eq(t, objectRows(t, d), []string{"1 1 g1", "1 2 g2", "1 3 u1", "1 4 u2", "1 5 u3", "2 1 g1", "2 2 u1"})
	// The by-member index, dropped with the old table, is back at once
	// (the copy holds memberships); the empty tables' late indexes wait
	// for a first full load.
	var idx []string
	if err := d.scan(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' AND name IN ('group_members_member', 'users_upn') ORDER BY name`, nil,
		func(rows *sql.Rows) error {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			idx = append(idx, n)
			return nil
		}); err != nil {
		t.Fatal(err)
	}
	eq(t, idx, []string{"group_members_member"})
	rows, err := d.db.QueryContext(ctx, `SELECT connection_id, group_num, member_num, valid_from, COALESCE(valid_to, 0), seen_gen, hash, member_type FROM group_members`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var c, g, m, from, to, seen, hash int64
		var typ string
		if err := rows.Scan(&c, &g, &m, &from, &to, &seen, &hash, &typ); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %d %d %d %d %d %d %s", c, g, m, from, to, seen, hash, typ))
	}
	rows.Close()
	eq(t, got, []string{"1 1 2 2 0 2 13 group", "1 1 3 1 2 1 12 user", fmt.Sprintf("1 1 4 1 0 2 %d user", userHash), "2 1 2 1 0 1 14 user"})
	a, err := d.Connection(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, membershipList(t, d, a, false), []string{"g1>g2:group", "g1>u2:user"})
	eq(t, membershipList(t, d, a, true), []string{"g2>u3:user"})

	// The next run confirms what it sees again (no new version) and
	// numbers new objects after the migrated ones.
	r := mustRun(t, d, a, ModeFull, func(b *Batch) {
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "u2", Type: "user"})
		b.PutGroupMember("g1", DirectoryObjectRef{ID: "u6", Type: "user"})
		b.Sweep(TableGroupMembers)
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	eq(t, membershipList(t, d, a, false), []string{"g1>u2:user", "g1>u6:user"})
	eq(t, objectRows(t, d)[5:6], []string{"1 6 u6"})
	var versions int
	if err := d.db.QueryRow(`SELECT COUNT(*) FROM group_members WHERE connection_id = 1 AND member_num = 4`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 1 {
		t.Errorf("u2's unchanged membership has %d versions, want 1", versions)
	}
}

func TestGuidKey(t *testing.T) {
	u := uuid.MustParse("0f8fad5b-d9cb-469f-a165-70867728950e")
	k, ok := guidKey(u.String())
	if !ok || k != [16]byte(u) {
		t.Fatalf("guidKey(%s) = %x, %v; want %x", u, k, ok, u[:])
	}
	for _, s := range []string{
		"", "g1", strings.ToUpper(u.String()), "{" + u.String() + "}", strings.ReplaceAll(u.String(), "-", ""),
		"0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5b-d9cb-469f-a165_70867728950e", "0f8fad5bd-9cb-469f-a165-70867728950e",
	} {
		if _, ok := guidKey(s); ok {
			t.Errorf("guidKey(%q) accepted a non-canonical id", s)
		}
	}
}

// FuzzGuidKey: an id guidKey accepts is exactly the canonical lower-case
// text of the key it returns, so no two ids share a key.
func FuzzGuidKey(f *testing.F) {
	for _, s := range []string{"0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E", "g1", "", "--------------------------------------------"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := guidKey(s)
		if !ok {
			return
		}
		if back := uuid.UUID(k).String(); back != s {
			t.Fatalf("guidKey(%q) = %s", s, back)
		}
	})
}

// The membership reads search the group's rows by key and look each
// member's id up by number, with the statistics of a large tenant (where
// SQLite once preferred walking every object in id order, to save sorting
// a group's few members, and probing the memberships with each).
func TestMembershipReadsSearchByKey(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	for _, q := range []string{
		`ANALYZE`, // creates sqlite_stat1
		`DELETE FROM sqlite_stat1`,
		`INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('group_members', 'group_members', '950475 1001 1001 1 1'),
			('group_owners', 'group_owners', '11435 1001 2 1 1'),
			('directory_objects', 'directory_objects', '110240 1001 1'),
			('directory_objects', 'sqlite_autoindex_directory_objects_2', '110240 1001 1')`,
		`ANALYZE sqlite_schema`, // loads them
	} {
		if _, err := d.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for name, q := range map[string]string{"GroupMembers": groupMembersSQL, "TransitiveMembers": transitiveMembersSQL, "GroupOwners": groupOwnersSQL} {
		q = strings.ReplaceAll(q, "{cur}", current("m"))
		args := []any{1, 1, 1, 1, "g", 1, 1, 1, 1}
		if name != "TransitiveMembers" {
			args = args[:5]
		}
		plan := queryPlan(t, d, q, args...)
		joined := strings.Join(plan, "\n")
		first := ""
		for _, p := range plan {
			if strings.HasPrefix(p, "SEARCH") || strings.HasPrefix(p, "SCAN") {
				first = p
				break
			}
		}
		if first != "SEARCH m USING PRIMARY KEY (connection_id=? AND group_num=?)" ||
			!strings.Contains(joined, "SEARCH o USING PRIMARY KEY (connection_id=? AND num=?)") {
			t.Errorf("%s's plan:\n%s\nwant the group's memberships searched first, then each member by number", name, joined)
		}
	}
}

// Prepare numbers the puts of batches on their senders' goroutines, in
// any order and concurrently; Apply then writes them as if it had numbered
// them itself, and a Flush between the two writes the numbers first.
func TestPrepareNumbersPuts(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, err := d.Connection(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.BeginRun(ctx, c, ModeFull)
	if err != nil {
		t.Fatal(err)
	}
	batches := make([]*Batch, 8)
	var wg sync.WaitGroup
	for i := range batches {
		b := NewBatch(0)
		for m := range 50 {
			// Every batch names g<i> and u0..u49 (shared with the others),
			// plus a removal Prepare must leave alone.
			b.PutGroupMember(fmt.Sprintf("g%d", i), DirectoryObjectRef{ID: fmt.Sprintf("u%d", (m+i*7)%50), Type: "user"})
		}
		b.RemoveGroupMember(fmt.Sprintf("g%d", i), "u-none")
		batches[i] = b
		wg.Go(func() {
			if err := r.Prepare(ctx, b); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, b := range batches {
		for _, o := range b.ops {
			_, numbered := o.keys[0].(int64)
			if numbered != (o.kind == opPut) {
				t.Fatalf("after Prepare, %v op keys %v: want puts numbered and nothing else", o.kind, o.keys)
			}
		}
	}
	if err := r.Flush(ctx); err != nil { // numbers before their rows
		t.Fatal(err)
	}
	for _, b := range batches {
		if _, err := r.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	rows := objectRows(t, d)
	if len(rows) != 58 {
		t.Fatalf("%d objects numbered, want 58 (8 groups, 50 users): %v", len(rows), rows)
	}
	for i, row := range rows {
		if !strings.HasPrefix(row, fmt.Sprintf("%d %d ", c.ID, i+1)) {
			t.Fatalf("numbers %v: want 1 to 58, each once", rows)
		}
	}
	ms := membershipList(t, d, c, false)
	if len(ms) != 400 {
		t.Fatalf("%d memberships, want 400", len(ms))
	}
	got, err := d.GroupMembers(ctx, c, "g3")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 50 {
		t.Fatalf("g3 has %d members, want 50", len(got))
	}
}

func TestGroupMemberCounts(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, err := d.Connection(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, d, c, ModeFull, func(b *Batch) {
		for _, m := range []string{"u1", "u2", "g2"} {
			b.PutGroupMember("g1", DirectoryObjectRef{ID: m, Type: "user"})
		}
		b.PutGroupMember("g2", DirectoryObjectRef{ID: "u1", Type: "user"})
		b.PutGroupOwner("g3", DirectoryObjectRef{ID: "u1", Type: "user"}) // an owner is not a member
	})
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, d, c, ModeDelta, func(b *Batch) { b.RemoveGroupMember("g1", "u2") })
	if err := r.Commit(ctx, RunResult{}); err != nil {
		t.Fatal(err)
	}
	got, err := d.GroupMemberCounts(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "map[g1:2 g2:1]" {
		t.Fatalf("counts %v, want map[g1:2 g2:1] (the removed membership closed, owners apart)", got)
	}
}
