package sync

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/store"
)

const killChildEnv = "TENANTSCOPE_SYNC_KILL_CHILD_DB"

// TestKilledRunLeavesLastGoodCopy: a sync process killed with SIGKILL
// mid-run leaves the previous generation current and readable, and the next
// run takes over and completes.
func TestKilledRunLeavesLastGoodCopy(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		killChild(t, path)
		return
	}
	if testing.Short() {
		t.Skip("subprocess test in -short")
	}
	ctx := context.Background()
	e := newSimEnv(t, "medium", 21, nil, graphsim.Options{})
	e.sync(t, e.options())
	wantUsers := truthUsers(e.tenant, nil)
	e.db.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledRunLeavesLastGoodCopy$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+e.dbPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the child's run has staged rows of its own, then kill it.
	watch, err := store.Open(ctx, e.dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	staged := 0
	for time.Now().Before(deadline) && staged < 100 {
		time.Sleep(20 * time.Millisecond)
		_ = watch.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE valid_from = 2`).Scan(&staged)
	}
	if staged < 100 {
		cmd.Process.Kill()
		t.Fatalf("child staged only %d users in 60 s", staged)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// The last good copy is current and complete.
	c, err := watch.Connection(ctx, "contoso")
	if err != nil {
		t.Fatal(err)
	}
	if c.Generation != 1 {
		t.Fatalf("current generation %d after the kill, want 1", c.Generation)
	}
	sameLines(t, "users after kill", storedUsers(t, watch, c), wantUsers)
	watch.Close()

	// The next run takes over the dead run (no heartbeat), discards its
	// staging and commits.
	e.db, err = store.Open(ctx, e.dbPath, store.Options{StaleAfter: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	res := e.sync(t, e.options())
	if res.Generation != 3 {
		t.Fatalf("next run generation %d, want 3", res.Generation)
	}
	assertMatchesTenant(t, e, e.options())
	runs, err := e.db.Runs(ctx, e.conn(t), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[1].Status != "failed" || !strings.Contains(runs[1].Error, "interrupted") || runs[0].Status != "succeeded" {
		t.Fatalf("runs: %+v", runs)
	}
}

// killChild syncs a churned copy of the tenant slowly, full, until killed.
func killChild(t *testing.T, path string) {
	e := newSimEnv(t, "medium", 21, nil, graphsim.Options{Latency: 5 * time.Millisecond})
	e.tenant.Churn(0.05, 1)
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	o := e.options()
	o.Full = true
	_, _ = Run(context.Background(), e.g, db, o)
	// Reaching here means the parent was too slow to kill us; it fails on
	// its own checks.
	time.Sleep(time.Minute)
}
