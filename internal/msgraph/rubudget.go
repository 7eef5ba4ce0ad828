package msgraph

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ruBudget paces requests by the resource units Microsoft Graph charges for
// them. Identity and access throttling is a token bucket of resource units
// per app and tenant, refilled continuously: 3,500, 5,000 or 8,000 units per
// 10 seconds by the tenant's size (graph-facts §3). A $batch of 20 requests
// costs 20 requests' units, so a limiter that counts HTTP requests lets a
// fan-out of batches spend the quota many times over and then learns it only
// from a stream of 429s. Every Graph response names what it cost
// (x-ms-resource-unit); the budget charges a request an estimate when it
// goes out, corrects that by the cost its response names, and holds the
// next request while the budget cannot pay its estimate. Once more than
// 80% of the quota is used, Graph says how much (x-ms-throttle-limit-
// percentage), and the budget holds no more than that leaves.
//
// The budget starts as the largest documented quota, full. A 429 for
// resource units (x-ms-throttle-information: ResourceUnitLimitExceeded)
// means Graph's bucket is empty: the budget owes what refills during the
// Retry-After. When a later 429 comes while the budget, set to Graph's
// level by the first (or by the usage header), still believed a tenth of
// its quota left, Graph
// refills more slowly than assumed: the budget steps down to the next
// smaller documented quota (the tenant is smaller, or other clients of the
// same app spend from the same bucket). After a quiet minute it steps up
// again. Responses without the header (ARM, report downloads, which have
// limits of their own) cost nothing here.
type ruBudget struct {
	clk clock

	mu     sync.Mutex
	class  int // index into ruQuotas
	tokens float64
	last   time.Time
	// episodeUntil ends the current throttling episode: the other 429s of
	// requests in flight when the bucket ran dry step down no further.
	episodeUntil time.Time
	// calmSince is when the last step down's episode ended (zero: at the
	// largest quota already).
	calmSince time.Time
	// synced: a resource-unit 429 or Graph's usage header has set the
	// budget to Graph's level.
	synced bool
	// perRequest and perInner are what a request and a $batch's inner
	// request have cost lately (moving averages of the costs responses
	// name): the estimates charged when such a request goes out.
	perRequest, perInner float64
}

// ruQuotas are the app+tenant resource-unit quotas per 10 s, largest first
// (graph-facts §3: tenants over 500 users, 50 to 500, under 50).
var ruQuotas = [...]float64{8000, 5000, 3500}

const (
	ruWindow = 10 * time.Second
	// ruCalm is how long without a resource-unit 429 before the budget
	// steps up to the next larger quota again.
	ruCalm = time.Minute
)

func newRUBudget(clk clock) *ruBudget {
	return &ruBudget{clk: clk, tokens: ruQuotas[0], last: clk.Now(), perRequest: 1, perInner: 1}
}

func (b *ruBudget) rate() float64 { return ruQuotas[b.class] / ruWindow.Seconds() }

// refillLocked adds what refilled since the last look, and steps up a quota
// after a calm period.
func (b *ruBudget) refillLocked(now time.Time) {
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(ruQuotas[b.class], b.tokens+el.Seconds()*b.rate())
		b.last = now
	}
	if b.class > 0 && !b.calmSince.IsZero() && now.Sub(b.calmSince) >= ruCalm {
		b.class--
		b.calmSince = now
		if b.class == 0 {
			b.calmSince = time.Time{}
		}
	}
}

// reserve waits until the budget can pay est units and charges them.
func (b *ruBudget) reserve(ctx context.Context, est float64) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.mu.Lock()
		now := b.clk.Now()
		b.refillLocked(now)
		// A request costing more than the whole quota still goes once
		// the bucket is full.
		need := min(est, ruQuotas[b.class])
		if b.tokens >= need {
			b.tokens -= est
			b.mu.Unlock()
			return nil
		}
		d := time.Duration((need - b.tokens) / b.rate() * float64(time.Second))
		b.mu.Unlock()
		if err := b.clk.Sleep(ctx, max(d, time.Millisecond)); err != nil {
			return err
		}
	}
}

// charge takes units without waiting: the cost of a request that did not
// wait (a high-priority one) or did not reserve (a $batch's inner requests,
// charged by their responses), and the correction of an estimate
// (negative: a refund).
func (b *ruBudget) charge(units float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refillLocked(b.clk.Now())
	b.tokens = min(ruQuotas[b.class], b.tokens-units)
}

// throttled records a 429 for resource units asking for a pause of d.
func (b *ruBudget) throttled(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clk.Now()
	b.refillLocked(now)
	if !now.Before(b.episodeUntil) {
		// Refused, after an earlier refusal set the budget to Graph's
		// level, while a tenth of the quota was believed left: Graph
		// refills more slowly than the budget does, so its quota is
		// smaller. (A first refusal says only that the bucket was not as
		// full as assumed, as when another run spent from it minutes
		// before; a refusal near zero is the estimates of requests in
		// flight.)
		if b.synced && b.tokens > ruQuotas[b.class]/10 && b.class < len(ruQuotas)-1 {
			b.class++
			b.tokens = min(b.tokens, ruQuotas[b.class])
		}
		if b.class > 0 {
			b.calmSince = now.Add(d)
		}
	}
	if until := now.Add(d); until.After(b.episodeUntil) {
		b.episodeUntil = until
	}
	// Graph's bucket is empty until d has passed.
	b.tokens = min(b.tokens, -d.Seconds()*b.rate())
	b.synced = true
}

// estimate is what a request is expected to cost: inner requests of a
// $batch (and the post itself) when inner > 0.
func (b *ruBudget) estimate(inner int) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if inner > 0 {
		return float64(inner)*b.perInner + b.perRequest
	}
	return b.perRequest
}

// observe updates the estimates with what n requests cost together: plain
// ones (inner false) or a $batch's inner ones.
func (b *ruBudget) observe(units float64, n int, inner bool) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	avg := &b.perRequest
	if inner {
		avg = &b.perInner
	}
	const weight = 0.2
	*avg += weight * (units/float64(n) - *avg)
}

// observeUsage reads x-ms-throttle-limit-percentage, which Graph sends once
// more than 80% of the quota is used (0.8 to 1.8): the budget holds no more
// than what that leaves. It catches a bucket another run has nearly emptied
// before the first 429 would.
func (b *ruBudget) observeUsage(h http.Header) {
	v := h.Get("x-ms-throttle-limit-percentage")
	if v == "" {
		return
	}
	used, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || used < 0 || used > 10 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refillLocked(b.clk.Now())
	b.tokens = min(b.tokens, (1-used)*ruQuotas[b.class])
	b.synced = true
}

// tokensNow is what the budget holds now (for tests).
func (b *ruBudget) tokensNow() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refillLocked(b.clk.Now())
	return b.tokens
}

// quota is the quota the budget assumes now, per 10 s (for tests).
func (b *ruBudget) quota() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return ruQuotas[b.class]
}

// resourceUnits is the cost a Graph response names; ok is false, and the
// cost 0, when it names none or is a 429 (a refused request is not
// charged), so its cost says nothing of what requests cost.
func resourceUnits(status int, h http.Header) (units float64, ok bool) {
	if status == http.StatusTooManyRequests {
		return 0, false
	}
	v := strings.TrimSpace(h.Get("x-ms-resource-unit"))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 || n > 1e6 {
		return 0, false
	}
	return n, true
}

// resourceUnitThrottle reports whether a 429 is Graph's resource-unit
// quota: x-ms-throttle-information names it, or names nothing on a response
// that carries a resource-unit cost (report downloads, limited by requests,
// carry none).
func resourceUnitThrottle(h http.Header) bool {
	info := h.Get("x-ms-throttle-information")
	if info == "" {
		return h.Get("x-ms-resource-unit") != ""
	}
	return strings.Contains(strings.ToLower(info), "resourceunit")
}
