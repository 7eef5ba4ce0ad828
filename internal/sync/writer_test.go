package sync

import (
	"context"
	"fmt"
	"strconv"
	gosync "sync"
	"testing"

	"github.com/tenantscope/tenantscope/internal/store"
)

// lanesRun is a store.Run that records the sizes of the batches it is
// given and holds the first Apply until released (entered closes when it
// begins). Batches of txOps operations or more are applied one at a time,
// so the sizes name them.
type lanesRun struct {
	store.Run
	entered chan struct{}
	release chan struct{}
	mu      gosync.Mutex
	applied []int
	first   bool
}

func (r *lanesRun) Apply(ctx context.Context, b *store.Batch) (store.ApplyStats, error) {
	r.mu.Lock()
	first := !r.first
	r.first = true
	r.applied = append(r.applied, b.Len())
	r.mu.Unlock()
	if first {
		close(r.entered)
		<-r.release
	}
	return store.ApplyStats{}, nil
}

func (r *lanesRun) Flush(context.Context) error { return nil }

func (r *lanesRun) Prepare(context.Context, *store.Batch) error { return nil }

// heldWriter starts a writer on a lanesRun and sends it a first batch,
// returning once the writer is inside Apply with it, both lanes empty.
func heldWriter(t *testing.T) (*lanesRun, *writer) {
	t.Helper()
	run := &lanesRun{entered: make(chan struct{}), release: make(chan struct{})}
	w := newWriter(run)
	go w.loop(context.Background())
	if err := w.send(context.Background(), false, batchOf(0)); err != nil {
		t.Fatal(err)
	}
	<-run.entered
	return run, w
}

// batchOf returns a batch of txOps+k operations.
func batchOf(k int) *store.Batch {
	b := &store.Batch{}
	for i := range txOps + k {
		b.PutGroupMember("g", store.DirectoryObjectRef{ID: strconv.Itoa(i), Type: "user"})
	}
	return b
}

// The critical resource's batches are applied before the others queued
// ahead of them, and every batch is applied once.
func TestWriterTakesTheCriticalLaneFirst(t *testing.T) {
	run, w := heldWriter(t)
	ctx := context.Background()
	for _, n := range []int{1, 2, 3} {
		if err := w.send(ctx, false, batchOf(n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.send(ctx, true, batchOf(9)); err != nil {
		t.Fatal(err)
	}
	close(run.release)
	if err := w.barrier(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	if got := fmt.Sprint(run.applied); got != fmt.Sprint([]int{txOps, txOps + 9, txOps + 1, txOps + 2, txOps + 3}) {
		t.Fatalf("applied %s, want the critical batch before the normal ones queued ahead of it", got)
	}
}

// A critical resource that writes a lot does not starve the others: after
// hiBurst of its batches in a row the writer takes a waiting one of the
// other lane.
func TestWriterDoesNotStarveTheOtherLane(t *testing.T) {
	run, w := heldWriter(t)
	ctx := context.Background()
	for k := range 6 {
		if err := w.send(ctx, true, batchOf(10+k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.send(ctx, false, batchOf(1)); err != nil {
		t.Fatal(err)
	}
	close(run.release)
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	want := []int{txOps, txOps + 10, txOps + 11, txOps + 1, txOps + 12, txOps + 13, txOps + 14, txOps + 15}
	if fmt.Sprint(run.applied) != fmt.Sprint(want) {
		t.Fatalf("applied %v, want %v (the other lane's batch after %d critical ones)", run.applied, want, hiBurst)
	}
}
