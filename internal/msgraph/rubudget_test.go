package msgraph

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func mustReserve(t *testing.T, b *ruBudget, units float64) {
	t.Helper()
	if err := b.reserve(context.Background(), units); err != nil {
		t.Fatal(err)
	}
}

func totalSleep(clk *fakeClock) time.Duration {
	var d time.Duration
	for _, s := range clk.Sleeps() {
		d += s
	}
	return d
}

// The budget starts as the largest documented quota, full (8,000 units),
// and refills at 800 units a second; a request waits until the budget can
// pay its estimate, and a response's cost replaces the estimate.
func TestRUBudgetPacesAtTheQuota(t *testing.T) {
	clk := newFakeClock()
	b := newRUBudget(clk)
	mustReserve(t, b, 7990)
	mustReserve(t, b, 10)
	if d := totalSleep(clk); d != 0 {
		t.Fatalf("the first 8,000 units waited %v", d)
	}
	mustReserve(t, b, 400) // 0.5 s of refill
	if d := totalSleep(clk); d != 500*time.Millisecond {
		t.Fatalf("waited %v for 400 units, want 500ms", d)
	}
	// The last request cost 800, not 400: the next one waits for the
	// difference as well.
	b.charge(800 - 400)
	mustReserve(t, b, 80)
	if d := totalSleep(clk) - 500*time.Millisecond; d != 600*time.Millisecond {
		t.Fatalf("waited %v after an underestimate, want 600ms", d)
	}
	if q := b.quota(); q != 8000 {
		t.Fatalf("quota %v, want 8000", q)
	}
}

// A first 429 sets the budget to Graph's level (in debt for the
// Retry-After) without changing the quota; a later one while a tenth of
// the quota was believed left steps down to the next documented quota, once
// per episode; a calm minute steps up again.
func TestRUBudgetLearnsASmallerQuota(t *testing.T) {
	clk := newFakeClock()
	b := newRUBudget(clk)
	mustReserve(t, b, 3000)
	b.throttled(2 * time.Second) // Graph's bucket was emptier than assumed
	if q := b.quota(); q != 8000 {
		t.Fatalf("quota after a first 429: %v, want 8000", q)
	}
	mustReserve(t, b, 1)
	if d := totalSleep(clk); d < 2*time.Second || d > 2*time.Second+2*time.Millisecond {
		t.Fatalf("waited %v after a 2 s Retry-After, want 2s", d)
	}
	// Graph refused again although the budget had refilled 3,000 units
	// since: its quota is smaller.
	clk.Sleep(context.Background(), 3750*time.Millisecond)
	b.throttled(time.Second)
	b.throttled(time.Second) // another request of the same episode
	if q := b.quota(); q != 5000 {
		t.Fatalf("quota after a second 429 with units left: %v, want 5000", q)
	}
	clk.Sleep(context.Background(), 2*time.Second)
	b.throttled(500 * time.Millisecond) // a refusal near zero is noise
	if q := b.quota(); q != 5000 {
		t.Fatalf("quota after a refusal near zero: %v, want 5000", q)
	}
	clk.Sleep(context.Background(), ruCalm+time.Second)
	mustReserve(t, b, 1)
	if q := b.quota(); q != 8000 {
		t.Fatalf("quota after a calm minute: %v, want 8000", q)
	}
}

func TestResourceUnitHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("x-ms-resource-unit", "3")
	if u, ok := resourceUnits(200, h); u != 3 || !ok {
		t.Fatalf("units %v %v, want 3 true", u, ok)
	}
	if u, ok := resourceUnits(http.StatusTooManyRequests, h); u != 0 || ok {
		t.Fatalf("a refused request cost %v %v, want 0 false", u, ok)
	}
	for _, v := range []string{"", "x", "-2", "1e9"} {
		h.Set("x-ms-resource-unit", v)
		if u, ok := resourceUnits(200, h); u != 0 || ok {
			t.Fatalf("header %q: %v units %v, want 0 false", v, u, ok)
		}
	}
	for _, c := range []struct {
		info, units string
		want        bool
	}{
		{"ResourceUnitLimitExceeded", "1", true},
		{"RequestLimitExceeded", "1", false},
		{"", "2", true},
		{"", "", false}, // a report download's limit
	} {
		h := http.Header{}
		if c.info != "" {
			h.Set("x-ms-throttle-information", c.info)
		}
		if c.units != "" {
			h.Set("x-ms-resource-unit", c.units)
		}
		if got := resourceUnitThrottle(h); got != c.want {
			t.Errorf("info %q units %q: %v, want %v", c.info, c.units, got, c.want)
		}
	}
}

// A fan-out of $batch requests is paced by what its inner requests cost:
// 1,000 inner requests of 20 units (20,000 units, 12,000 beyond the
// initial quota) take 15 s at 800 units a second, with no 429.
func TestBatchesArePacedByTheirResourceUnits(t *testing.T) {
	var inner atomic.Int64
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct {
			Requests []BatchRequest `json:"requests"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			t.Error(err)
		}
		var out struct {
			Responses []BatchResponse `json:"responses"`
		}
		for _, q := range in.Requests {
			inner.Add(1)
			out.Responses = append(out.Responses, BatchResponse{ID: q.ID, Status: 200,
				Headers: map[string]string{"x-ms-resource-unit": "20"}, Body: json.RawMessage(`{"value":[]}`)})
		}
		b, _ := json.Marshal(out)
		w.Header().Set("x-ms-resource-unit", "1")
		writeBody(w, 200, b)
	}), func(o *Options) { o.Concurrency = 1 })
	reqs := make([]BatchRequest, 1000)
	for i := range reqs {
		reqs[i] = BatchRequest{ID: strconv.Itoa(i), Method: "GET", URL: fmt.Sprintf("/groups/g%d/owners", i)}
	}
	if _, err := env.c.Batch(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
	// 20,050 units: the inner requests and the 50 $batch posts, 12,050
	// beyond the initial quota. The estimates learn the inner requests'
	// cost from the first responses, so the budget waits for all but a
	// fraction of the last batch's cost.
	want := time.Duration((20050.0 - 8000) / 800 * float64(time.Second))
	if d := totalSleep(env.clk); d < want-200*time.Millisecond || d > want+10*time.Millisecond {
		t.Fatalf("paced for %v, want about %v", d, want)
	}
	if e := env.c.ru.estimate(20); e < 390 || e > 410 {
		t.Fatalf("a batch of 20 is estimated at %v units, want about 401", e)
	}
	if s := env.c.Stats(); s.Throttled != 0 || inner.Load() != 1000 {
		t.Fatalf("stats %+v, inner requests %d", s, inner.Load())
	}
}

// Once Graph says how much of the quota is used, the budget holds no more
// than that leaves: a bucket another run nearly emptied is respected before
// any 429.
func TestRUBudgetFollowsTheUsageGraphReports(t *testing.T) {
	clk := newFakeClock()
	b := newRUBudget(clk)
	h := http.Header{}
	h.Set("x-ms-throttle-limit-percentage", "0.9")
	b.observeUsage(h)
	mustReserve(t, b, 799) // 10% of 8,000 left
	if d := totalSleep(clk); d != 0 {
		t.Fatalf("waited %v with 800 units left", d)
	}
	h.Set("x-ms-throttle-limit-percentage", "1.2") // over: 1,600 units owed, 2 s of refill
	b.observeUsage(h)
	mustReserve(t, b, 1)
	if d := totalSleep(clk); d < 2*time.Second || d > 2*time.Second+5*time.Millisecond {
		t.Fatalf("waited %v at 120%% usage, want 2s (and the unit asked for)", d)
	}
	for _, v := range []string{"", "x", "-1"} {
		before := b.tokensNow()
		h.Set("x-ms-throttle-limit-percentage", v)
		b.observeUsage(h)
		if after := b.tokensNow(); after != before {
			t.Fatalf("header %q moved the budget from %v to %v", v, before, after)
		}
	}
}
