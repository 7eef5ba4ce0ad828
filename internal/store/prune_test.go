package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func countRows(t *testing.T, d *DB, table string, c Connection) (open, closed int) {
	t.Helper()
	err := d.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FILTER (WHERE valid_to IS NULL), COUNT(*) FILTER (WHERE valid_to IS NOT NULL)
		FROM `+table+` WHERE connection_id = ?`, c.ID).Scan(&open, &closed)
	if err != nil {
		t.Fatal(err)
	}
	return open, closed
}

// Superseded sign-in and activity values go as soon as no reader of the
// current or previous generation can see them; other history stays for the
// retention period and goes after it; open rows never go.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	c, _ := d.Connection(ctx, "t")
	c2, _ := d.Connection(ctx, "other")
	day := func(n int) time.Time { return time.Date(2026, 10, n, 0, 0, 0, 0, time.UTC) }
	sync := func(c Connection, enabled bool, signIn time.Time) {
		t.Helper()
		r := mustRun(t, d, c, ModeFull, func(b *Batch) {
			b.PutUser(user("u1", "u1@x.test", enabled, "sku1"))
			b.PutUserSignIn(&UserSignIn{UserID: "u1", LastSignInDateTime: signIn})
			b.PutUserActivity(&UserActivity{UserPrincipalName: "u1@x.test", Service: "exchange", LastActivityDate: signIn, ReportRefreshDate: signIn})
			b.Sweep(TableUsers)
			b.Sweep(TableUserSignIns)
			b.Sweep(TableUserActivity)
		})
		if err := r.Commit(ctx, RunResult{}); err != nil {
			t.Fatal(err)
		}
	}
	sync(c, true, day(1))
	sync(c, false, day(2)) // disabled: a users version closes
	sync(c, false, day(3))
	sync(c, true, day(4)) // enabled again
	sync(c2, true, day(1))
	sync(c2, true, day(2))

	// Generations 1-4; sign-in versions closed at 2, 3 and 4.
	if _, closed := countRows(t, d, "user_sign_ins", c); closed != 3 {
		t.Fatalf("closed sign-in versions before pruning: %d", closed)
	}
	st, err := d.Prune(ctx, c, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Those closed at 2 and 3 go; the one closed at 4 (the current
	// generation) is what readers of generation 3 still see.
	if st.Superseded != 4 || st.Expired != 0 {
		t.Fatalf("prune without retention: %+v, want 4 superseded (2 sign-in, 2 activity), 0 expired", st)
	}
	for _, table := range []string{"user_sign_ins", "user_activity"} {
		if open, closed := countRows(t, d, table, c); open != 1 || closed != 1 {
			t.Errorf("%s: %d open, %d closed after pruning", table, open, closed)
		}
	}
	if _, closed := countRows(t, d, "users", c); closed != 2 {
		t.Fatalf("users history pruned without a retention period: %d closed versions left", closed)
	}
	// The other connection is untouched.
	if _, closed := countRows(t, d, "user_sign_ins", c2); closed != 1 {
		t.Fatalf("other connection's sign-in versions: %d closed", closed)
	}

	// Keep what was closed by runs finishing after the second run: the
	// version closed by run 2 (enabled -> disabled) goes, the one closed
	// by run 4 stays, and so does the open one.
	runs, err := d.Runs(ctx, c, 10)
	if err != nil || len(runs) != 4 {
		t.Fatalf("runs %v %v", runs, err)
	}
	var second time.Time
	for _, r := range runs {
		if r.Generation == 2 {
			second = r.FinishedAt
		}
	}
	st, err = d.Prune(ctx, c, second.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.Expired != 1 {
		t.Fatalf("prune with retention: %+v, want 1 expired users version", st)
	}
	h, err := d.UserHistory(ctx, c, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].User.AccountEnabled || !h[1].User.AccountEnabled {
		t.Fatalf("history after retention: %+v", h)
	}
	eq(t, upns(t, d, c), []string{"u1@x.test+sku1"})
}

// Prune walks a table a chunk of its key at a time: with chunks of 7 rows
// among 60 users' activity in three services over three runs, it deletes
// exactly the superseded versions, whichever chunk they fall in, and keeps
// every open row.
func TestPruneInChunks(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, fakeClock())
	d.pruneChunk = 7
	c, _ := d.Connection(ctx, "t")
	for run := range 3 {
		r := mustRun(t, d, c, ModeFull, func(b *Batch) {
			for u := range 60 {
				for _, svc := range []string{"exchange", "sharepoint", "teams"} {
					// Every third user's activity changes each run.
					day := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
					if u%3 == 0 {
						day = day.AddDate(0, 0, run)
					}
					b.PutUserActivity(&UserActivity{UserPrincipalName: fmt.Sprintf("u%02d@x.test", u), Service: svc,
						LastActivityDate: day, ReportRefreshDate: time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)})
				}
			}
			b.Sweep(TableUserActivity)
		})
		if err := r.Commit(ctx, RunResult{}); err != nil {
			t.Fatal(err)
		}
	}
	// Runs 2 and 3 each closed 20 users x 3 services; Prune keeps what
	// the current run (3) closed.
	if open, closed := countRows(t, d, "user_activity", c); open != 180 || closed != 120 {
		t.Fatalf("before: %d open, %d closed", open, closed)
	}
	st, err := d.Prune(ctx, c, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Superseded != 60 {
		t.Fatalf("pruned %d superseded rows, want 60", st.Superseded)
	}
	if open, closed := countRows(t, d, "user_activity", c); open != 180 || closed != 60 {
		t.Fatalf("after: %d open, %d closed, want 180 and 60", open, closed)
	}
	g, err := d.generation(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	var early int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM user_activity WHERE valid_to IS NOT NULL AND valid_to < ?`, g).Scan(&early); err != nil || early != 0 {
		t.Fatalf("%d rows closed before the current generation are left (%v)", early, err)
	}
}

// Every versioned table's chunk bound walks an index: no table is sorted
// or scanned whole per chunk.
func TestPruneBoundsUseAnIndex(t *testing.T) {
	d := openTest(t, fakeClock())
	for _, tb := range allTables {
		for _, after := range []bool{false, true} {
			_, _, tuple := tb.versionKey()
			args := []any{int64(1)}
			if after {
				args = append(args, make([]any, strings.Count(tuple, "?"))...)
			}
			p := strings.Join(queryPlan(t, d, tb.sqlPruneBound(after, 10), args...), "; ")
			if strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, "SEARCH") {
				t.Errorf("%s (after %v): %s", tb.name, after, p)
			}
		}
	}
}

// queryPlan is SQLite's plan for q with args: the detail of each step.
func queryPlan(t *testing.T, d *DB, q string, args ...any) []string {
	t.Helper()
	rows, err := d.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
