package msgraph

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when slept on, recording every wait, so
// Retry-After and backoff are asserted exactly and tests never sleep.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// fakeTokens hands out "tok-1"; RefreshToken moves on to "tok-2", "tok-3".
type fakeTokens struct {
	mu        sync.Mutex
	n         int
	refreshes int
}

func (f *fakeTokens) Token(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.n = 1
	}
	return "tok-" + string(rune('0'+f.n)), nil
}

func (f *fakeTokens) RefreshToken(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	f.n++
	return "tok-" + string(rune('0'+f.n)), nil
}

// testEnv is a Client wired to an httptest server and a fake clock.
type testEnv struct {
	c      *Client
	srv    *httptest.Server
	clk    *fakeClock
	tokens *fakeTokens
}

func newEnv(t testing.TB, h http.Handler, tweak ...func(*Options)) *testEnv {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tokens := &fakeTokens{}
	opts := Options{BaseURL: srv.URL, Tokens: tokens, HTTPClient: srv.Client(), MaxRetries: 4, Concurrency: 4}
	for _, f := range tweak {
		f(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock()
	c.clk = clk
	c.limiter = newLimiter(1000, clk)
	c.ru = newRUBudget(clk)
	return &testEnv{c: c, srv: srv, clk: clk, tokens: tokens}
}

// fixture reads testdata/name, pointing Microsoft's host at base so the
// links in it lead back to the test server.
func fixture(t testing.TB, name, base string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if base != "" {
		b = []byte(strings.ReplaceAll(string(b), "https://graph.microsoft.com", base))
	}
	return b
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// compact normalises JSON for comparison.
func compact(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("bad JSON %q: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
