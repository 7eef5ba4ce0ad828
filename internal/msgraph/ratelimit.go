package msgraph

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// clock is time as the client sees it; tests swap in a fake one so that
// Retry-After and backoff waits are checked exactly without sleeping.
type clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, whichever is first.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limiter is a token bucket whose rate adapts to throttling (AIMD): a 429
// halves the rate and holds every request until its Retry-After has passed;
// each success raises the rate a little, back up to the ceiling. Graph counts
// its quota per app and tenant, so once one request is throttled the others
// would be too: pausing them all is what Microsoft asks clients to do.
type limiter struct {
	clk clock

	mu         sync.Mutex
	ceiling    float64 // requests per second
	rate       float64
	burst      float64
	tokens     float64
	last       time.Time
	pauseUntil time.Time
}

const minRate = 1.0

func newLimiter(rps float64, clk clock) *limiter {
	burst := max(rps/10, 1)
	return &limiter{clk: clk, ceiling: rps, rate: rps, burst: burst, tokens: burst, last: clk.Now()}
}

// wait blocks until a request may be sent.
func (l *limiter) wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		now := l.clk.Now()
		if now.Before(l.pauseUntil) {
			d := l.pauseUntil.Sub(now)
			l.mu.Unlock()
			if err := l.clk.Sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		if el := now.Sub(l.last); el > 0 {
			l.tokens = min(l.burst, l.tokens+el.Seconds()*l.rate)
			l.last = now
		}
		if l.tokens >= 1 {
			l.tokens--
			l.mu.Unlock()
			return nil
		}
		d := time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
		l.mu.Unlock()
		if err := l.clk.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// throttledFor records a 429 asking for a pause of d. The rate is cut once
// per throttling episode: the other requests that were in flight when the
// quota ran out come back 429 too, during the pause, and must not cut it
// again (eight concurrent 429s would otherwise divide it by 256).
func (l *limiter) throttledFor(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.Now()
	if !now.Before(l.pauseUntil) {
		l.rate = max(l.rate/2, minRate)
		l.burst = max(l.rate/10, 1)
		l.tokens = min(l.tokens, l.burst)
	}
	if until := now.Add(d); until.After(l.pauseUntil) {
		l.pauseUntil = until
	}
}

// holdFor holds every request for d without changing the rate: a gentle
// pause before a quota runs out, not a reaction to throttling.
func (l *limiter) holdFor(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.clk.Now().Add(d); until.After(l.pauseUntil) {
		l.pauseUntil = until
	}
}

// armBuckets are ARM's per-subscription token buckets as the
// x-ms-ratelimit-remaining-* headers report them, with their refill rates
// per second (graph-facts §11: reads 250 refilled at 25/s; writes and
// deletes 200 at 10/s).
var armBuckets = [...]struct {
	header string
	refill float64
}{
	{"x-ms-ratelimit-remaining-subscription-reads", 25},
	{"x-ms-ratelimit-remaining-subscription-writes", 10},
	{"x-ms-ratelimit-remaining-subscription-deletes", 10},
}

// armReserve is how many requests of a bucket are kept in hand: below it
// the client waits for the bucket to refill instead of running into 429s.
const armReserve = 10

// observeRemaining reads ARM's remaining-quota headers and, when a bucket is
// nearly empty, holds requests until it has refilled to the reserve.
func (c *Client) observeRemaining(h http.Header) {
	for _, b := range armBuckets {
		v := h.Get(b.header)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n >= armReserve {
			continue
		}
		c.limiter.holdFor(time.Duration(float64(armReserve-max(n, 0)) / b.refill * float64(time.Second)))
	}
}

// succeeded records a successful response and lets the rate recover.
func (l *limiter) succeeded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate >= l.ceiling {
		return
	}
	l.rate = min(l.ceiling, l.rate+1+l.rate/50)
	l.burst = max(l.rate/10, 1)
}

// currentRate is the limiter's rate now (for tests).
func (l *limiter) currentRate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}
