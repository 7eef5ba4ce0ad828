package msgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxBatch is Graph's limit of requests in one $batch.
const maxBatch = 20

// BatchRequest is one request inside a $batch. URL is relative to the
// version root, e.g. "/groups/{id}/members?$select=id".
type BatchRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// BatchResponse is one inner response. Status can be any HTTP status: the
// $batch itself succeeds even when its requests fail.
type BatchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// Err returns the inner response as an *Error when its status is not 2xx,
// else nil. req is the request it answers (for Method and Path).
func (r BatchResponse) Err(req BatchRequest) error {
	if r.Status >= 200 && r.Status < 300 {
		return nil
	}
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	e := parseError(r.Status, h, r.Body, time.Now())
	e.Method = req.Method
	e.Path = pathOf(req.URL)
	return e
}

// BatchItemError is the failure of one request of a CollectBatched call.
type BatchItemError struct {
	ID  string
	Err error
}

func (e *BatchItemError) Error() string { return "batch request " + e.ID + ": " + e.Err.Error() }
func (e *BatchItemError) Unwrap() error { return e.Err }

// Batch sends reqs through $batch, 20 per batch, several batches at once
// (bounded by the client's concurrency). Inner 429s are retried after their
// Retry-After and inner 5xx with backoff, up to MaxRetries; what still fails
// comes back as its final BatchResponse. Responses are in the order of reqs.
func (c *Client) Batch(ctx context.Context, reqs []BatchRequest) ([]BatchResponse, error) {
	seen := make(map[string]bool, len(reqs))
	for i := range reqs {
		r := &reqs[i]
		if r.ID == "" || seen[r.ID] {
			return nil, fmt.Errorf("graph: batch request %d: id %q is empty or repeated", i, r.ID)
		}
		seen[r.ID] = true
	}
	out := make([]BatchResponse, len(reqs))
	chunks := (len(reqs) + maxBatch - 1) / maxBatch
	workers := min(chunks, cap(c.sem))
	next := make(chan int)
	errs := make([]error, chunks)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ci := range next {
				lo := ci * maxBatch
				hi := min(lo+maxBatch, len(reqs))
				if err := c.batchChunk(ctx, reqs[lo:hi], out[lo:hi]); err != nil {
					errs[ci] = fmt.Errorf("batch %d: %w", ci+1, err)
					cancel()
				}
			}
		})
	}
feed:
	for ci := range chunks {
		select {
		case next <- ci:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// batchChunk sends up to 20 requests, resending the inner ones that were
// throttled or hit a server error, and fills out in the order of reqs.
func (c *Client) batchChunk(ctx context.Context, reqs []BatchRequest, out []BatchResponse) error {
	index := make(map[string]int, len(reqs))
	prepared := make([]BatchRequest, len(reqs))
	for i, r := range reqs {
		index[r.ID] = i
		if r.Body != nil {
			r.Headers = withContentType(r.Headers)
		}
		prepared[i] = r
	}
	pending := prepared
	batchURL := c.url("v1.0", "/$batch", nil)
	for attempt := 0; len(pending) > 0; attempt++ {
		body, err := json.Marshal(struct {
			Requests []BatchRequest `json:"requests"`
		}{pending})
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		c.batchInner.Add(int64(len(pending)))
		var br struct {
			Responses []BatchResponse `json:"responses"`
		}
		_, err = c.do(ctx, &request{method: http.MethodPost, url: batchURL, body: body, inner: len(pending)},
			func(b []byte) error { return unmarshal(b, &br) })
		if err != nil {
			return err
		}
		// The inner requests' costs (do charged the $batch's own).
		var units float64
		charged := 0
		var usage []http.Header
		for _, r := range br.Responses {
			h := headerOf(r.Headers)
			if u, ok := resourceUnits(r.Status, h); ok {
				units += u
				charged++
			}
			if h.Get("x-ms-throttle-limit-percentage") != "" {
				usage = append(usage, h)
			}
		}
		c.ru.charge(units)
		c.ru.observe(units, charged, true)
		for _, h := range usage {
			c.ru.observeUsage(h)
		}
		answered := make(map[string]bool, len(pending))
		var retry []BatchRequest
		var wait time.Duration
		throttled, ruThrottled := false, false
		for _, r := range br.Responses {
			i, ok := index[r.ID]
			if !ok || answered[r.ID] {
				continue
			}
			answered[r.ID] = true
			out[i] = r
			if r.Status == http.StatusTooManyRequests {
				c.throttled.Add(1)
			}
			if attempt >= c.maxRetries {
				continue
			}
			switch {
			case r.Status == http.StatusTooManyRequests:
				throttled = true
				h := headerOf(r.Headers)
				d, ok := retryAfter(h, c.clk.Now())
				if !ok {
					d = backoff(attempt)
				}
				wait = max(wait, d)
				ruThrottled = ruThrottled || resourceUnitThrottle(h)
				retry = append(retry, prepared[i])
			case retryableStatus(r.Status):
				d, ok := retryAfter(headerOf(r.Headers), c.clk.Now())
				if !ok {
					d = backoff(attempt)
				}
				wait = max(wait, d)
				retry = append(retry, prepared[i])
			}
		}
		for _, r := range pending {
			if !answered[r.ID] {
				if attempt >= c.maxRetries {
					return fmt.Errorf("no response for request %q", r.ID)
				}
				wait = max(wait, backoff(attempt))
				retry = append(retry, r)
			}
		}
		if len(retry) == 0 {
			return nil
		}
		// Resend in the caller's order, whatever order Graph answered in.
		slices.SortFunc(retry, func(a, b BatchRequest) int { return index[a.ID] - index[b.ID] })
		c.retries.Add(int64(len(retry)))
		if throttled {
			// The limiter holds every request until the Retry-After passes.
			c.limiter.throttledFor(wait)
			if ruThrottled {
				c.ru.throttled(wait)
			}
		} else if err := c.clk.Sleep(ctx, wait); err != nil {
			return err
		}
		pending = retry
	}
	return nil
}

// CollectBatched runs collection GETs through $batch and calls fn for every
// item of every page, following each collection's @odata.nextLink (in
// further batches). Requests that fail for good are reported together at the
// end as *BatchItemError values (errors.Join); the others are still
// collected. An error from fn, or a failure of a whole batch, stops
// everything.
//
// Batches run on as many workers as the client's concurrency bound, each
// packing up to 20 requests, continuations first, so a long collection
// never leaves the others waiting. fn is called by one worker at a time;
// the pages of one collection reach it in order.
//
// When a continuation's skip token has expired, that collection is fetched
// again from its first URL and the items already delivered are skipped by
// id, so fn sees each item once.
func (c *Client) CollectBatched(ctx context.Context, reqs []BatchRequest, fn func(id string, item json.RawMessage) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cb := &collector{c: c, reqs: reqs, fn: fn, cancel: cancel}
	cb.cond = sync.NewCond(&cb.mu)
	seen := make(map[string]bool, len(reqs))
	for i, r := range reqs {
		if r.ID == "" || seen[r.ID] {
			return fmt.Errorf("graph: batch request %d: id %q is empty or repeated", i, r.ID)
		}
		seen[r.ID] = true
	}
	var wg sync.WaitGroup
	for range cap(c.sem) {
		wg.Go(func() { cb.work(ctx) })
	}
	wg.Wait()
	if cb.fatal != nil {
		return cb.fatal
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(cb.itemErrs...)
}

// collector is the shared state of one CollectBatched call.
type collector struct {
	c      *Client
	reqs   []BatchRequest
	fn     func(string, json.RawMessage) error
	cancel context.CancelFunc

	mu       sync.Mutex
	cond     *sync.Cond
	next     int             // next of reqs not yet sent
	pending  []*collectState // continuations and restarts, sent first
	busy     int             // workers with a batch in flight
	fatal    error
	itemErrs []error

	fnMu sync.Mutex
}

// work sends batches until nothing is left or something failed.
func (cb *collector) work(ctx context.Context) {
	for {
		batch, ok := cb.take()
		if !ok {
			return
		}
		more, errs, err := cb.send(ctx, batch)
		cb.mu.Lock()
		cb.busy--
		if err != nil && cb.fatal == nil {
			cb.fatal = err
			cb.cancel()
		}
		cb.pending = append(cb.pending, more...)
		cb.itemErrs = append(cb.itemErrs, errs...)
		cb.mu.Unlock()
		cb.cond.Broadcast()
	}
}

// take waits for up to 20 requests to send; false when the call is over.
func (cb *collector) take() ([]*collectState, bool) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	for cb.fatal == nil && len(cb.pending) == 0 && cb.next >= len(cb.reqs) && cb.busy > 0 {
		cb.cond.Wait()
	}
	if cb.fatal != nil || (len(cb.pending) == 0 && cb.next >= len(cb.reqs)) {
		return nil, false
	}
	n := min(len(cb.pending), maxBatch)
	batch := append([]*collectState(nil), cb.pending[:n]...)
	cb.pending = cb.pending[n:]
	for len(batch) < maxBatch && cb.next < len(cb.reqs) {
		r := cb.reqs[cb.next]
		cb.next++
		batch = append(batch, &collectState{first: r, cur: r})
	}
	cb.busy++
	return batch, true
}

// send runs one batch and hands its items to fn. It returns the
// continuations, the requests that failed for good, and a fatal error.
func (cb *collector) send(ctx context.Context, batch []*collectState) (more []*collectState, itemErrs []error, fatal error) {
	reqs := make([]BatchRequest, len(batch))
	for i, st := range batch {
		reqs[i] = st.cur
	}
	resps := make([]BatchResponse, len(batch))
	if err := cb.c.batchChunk(ctx, reqs, resps); err != nil {
		return nil, nil, err
	}
	cb.fnMu.Lock()
	defer cb.fnMu.Unlock()
	for i, r := range resps {
		st, req := batch[i], reqs[i]
		if err := r.Err(req); err != nil {
			if errors.Is(err, ErrPageTokenExpired) && req.URL != st.first.URL && st.restarts < maxRestarts {
				st.restarts++
				st.cur = st.first
				more = append(more, st)
				continue
			}
			itemErrs = append(itemErrs, &BatchItemError{ID: req.ID, Err: err})
			continue
		}
		var pg page
		if err := unmarshal(r.Body, &pg); err != nil {
			itemErrs = append(itemErrs, &BatchItemError{ID: req.ID, Err: fmt.Errorf("decode page: %w", err)})
			continue
		}
		if pg.NextLink != "" && st.seen == nil {
			st.seen = map[string]struct{}{}
		}
		for _, item := range pg.Value {
			if st.seen != nil && st.delivered(item) {
				continue
			}
			if err := cb.fn(req.ID, item); err != nil {
				return nil, nil, err
			}
		}
		if pg.NextLink == "" {
			continue
		}
		rel, ok := cb.c.relativeLink(pg.NextLink)
		if !ok {
			// Not under our Graph root: follow it as a plain GET, which
			// refuses foreign hosts.
			if err := cb.c.followPlain(ctx, req, pg.NextLink, cb.fn); err != nil {
				itemErrs = append(itemErrs, &BatchItemError{ID: req.ID, Err: err})
			}
			continue
		}
		st.cur = BatchRequest{ID: req.ID, Method: http.MethodGet, URL: rel, Headers: req.Headers}
		more = append(more, st)
	}
	return more, itemErrs, nil
}

// collectState follows one collection of a CollectBatched call.
type collectState struct {
	first    BatchRequest
	cur      BatchRequest // the page to fetch next
	restarts int
	// seen holds the ids delivered so far, once the collection turns out to
	// span pages (only then can a restart deliver an item twice).
	seen map[string]struct{}
}

// delivered reports whether item was delivered before, and records it.
func (st *collectState) delivered(item json.RawMessage) bool {
	var o struct {
		ID string `json:"id"`
	}
	if unmarshal(item, &o) != nil || o.ID == "" {
		return false
	}
	if _, ok := st.seen[o.ID]; ok {
		return true
	}
	st.seen[o.ID] = struct{}{}
	return false
}

// followPlain pages through link with ordinary GETs.
func (c *Client) followPlain(ctx context.Context, req BatchRequest, link string, fn func(string, json.RawMessage) error) error {
	consistency := strings.EqualFold(req.Headers["ConsistencyLevel"], "eventual")
	for link != "" {
		if err := c.checkLink(link); err != nil {
			return err
		}
		var pg page
		if err := c.getJSON(ctx, link, consistency, &pg); err != nil {
			return err
		}
		for _, item := range pg.Value {
			if err := fn(req.ID, item); err != nil {
				return err
			}
		}
		link = pg.NextLink
	}
	return nil
}

// relativeLink turns an absolute nextLink under this client's Graph root
// ("https://graph…/v1.0/groups/…?$skiptoken=…") into the relative form a
// $batch request takes ("/groups/…?$skiptoken=…").
func (c *Client) relativeLink(link string) (string, bool) {
	u, err := url.Parse(link)
	if err != nil || !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
		return "", false
	}
	prefix := strings.TrimRight(c.base.Path, "/") + "/v1.0/"
	p := u.EscapedPath()
	if !strings.HasPrefix(p, prefix) {
		return "", false
	}
	rel := p[len(prefix)-1:]
	if u.RawQuery != "" {
		rel += "?" + u.RawQuery
	}
	return rel, true
}

// relative is a batch URL: a path and its encoded query.
func relative(path string, q url.Values) string {
	if enc := encodeQuery(q); enc != "" {
		return path + "?" + enc
	}
	return path
}

func withContentType(h map[string]string) map[string]string {
	for k := range h {
		if strings.EqualFold(k, "Content-Type") {
			return h
		}
	}
	out := make(map[string]string, len(h)+1)
	for k, v := range h {
		out[k] = v
	}
	out["Content-Type"] = "application/json"
	return out
}

func headerOf(m map[string]string) http.Header {
	h := make(http.Header, len(m))
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}
