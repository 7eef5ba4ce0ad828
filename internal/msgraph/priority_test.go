package msgraph

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

// A high-priority request is not held by a pause another request's 429
// started, and says so to Graph; a normal one waits the pause out.
func TestHighPriorityRequestsSkipTheLimitersPause(t *testing.T) {
	var mu sync.Mutex
	var priorities []string
	srv := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		priorities = append(priorities, r.Header.Get("x-ms-throttle-priority"))
		mu.Unlock()
		writeBody(w, 200, []byte(onePage))
	})).srv
	c, err := New(Options{BaseURL: srv.URL, Tokens: &fakeTokens{}, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	c.limiter.throttledFor(time.Hour)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	users, err := collect(c.Users(WithPriority(ctx, PriorityHigh), ListOptions{}))
	if err != nil || len(users) != 1 {
		t.Fatalf("high priority during a pause: %d users, %v", len(users), err)
	}

	short, cancelShort := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelShort()
	if _, err := collect(c.Users(short, ListOptions{})); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("normal priority during a pause: %v, want it held until its deadline", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(priorities) != 1 || priorities[0] != "high" {
		t.Fatalf("requests seen with x-ms-throttle-priority %q, want one, high", priorities)
	}
}

// A high-priority request that is throttled itself waits its own
// Retry-After (it skips the limiter, which would otherwise hold it).
func TestHighPriorityRequestWaitsItsOwnRetryAfter(t *testing.T) {
	var calls int
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "1.5")
			writeBody(w, http.StatusTooManyRequests, fixture(t, "error_throttled_429.json", ""))
			return
		}
		writeBody(w, 200, []byte(onePage))
	}))
	users, err := collect(env.c.Users(WithPriority(context.Background(), PriorityHigh), ListOptions{}))
	if err != nil || len(users) != 1 {
		t.Fatalf("%d users, %v", len(users), err)
	}
	if got := env.clk.Sleeps(); len(got) != 1 || got[0] != 1500*time.Millisecond {
		t.Fatalf("sleeps = %v, want [1.5s]", got)
	}
}
