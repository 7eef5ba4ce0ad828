package msgraph

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
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

type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// High-priority requests travel on their own connections.
func TestHighPriorityRequestsUseTheirOwnHTTPClient(t *testing.T) {
	srv := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 200, []byte(onePage))
	})).srv
	normal := &countingTransport{base: srv.Client().Transport}
	high := &countingTransport{base: srv.Client().Transport}
	c, err := New(Options{BaseURL: srv.URL, Tokens: &fakeTokens{}, HTTPClient: &http.Client{Transport: normal},
		PriorityHTTPClient: &http.Client{Transport: high}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, p := range []Priority{PriorityHigh, PriorityNormal, PriorityHigh} {
		if _, err := collect(c.Users(WithPriority(ctx, p), ListOptions{})); err != nil {
			t.Fatal(err)
		}
	}
	if normal.n.Load() != 1 || high.n.Load() != 2 {
		t.Fatalf("normal client carried %d requests, priority client %d; want 1 and 2", normal.n.Load(), high.n.Load())
	}
	// Without one, the default client's transport is cloned: a pool of
	// its own, the same settings.
	d, err := New(Options{BaseURL: srv.URL, Tokens: &fakeTokens{}, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ht, ok := d.hiHC.Transport.(*http.Transport)
	if !ok || d.hiHC.Transport == d.hc.Transport || ht.MaxIdleConnsPerHost != d.hc.Transport.(*http.Transport).MaxIdleConnsPerHost {
		t.Fatal("the priority client shares the default client's transport, or lost its settings")
	}
}
