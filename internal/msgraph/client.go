// Package msgraph is tenantscope's thin, typed Microsoft Graph client. It owns
// everything between the callers and the wire: building requests ($select,
// page size, ConsistencyLevel), following @odata.nextLink, $batch fan-out,
// delta rounds, usage-report downloads, and the throttling machinery every
// request goes through (a concurrency bound, an adaptive token bucket,
// Retry-After, bounded jittered retries and token refresh). It never names a
// Microsoft host: the base URL always comes from the caller's cloud profile.
package msgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// Options configures a Client. BaseURL and Tokens are required.
type Options struct {
	// BaseURL is the cloud profile's Graph root without a version, e.g.
	// "https://graph.microsoft.com".
	BaseURL string
	Tokens  TokenSource
	// HTTPClient nil means a tuned default. Its CheckRedirect is replaced:
	// the client handles redirects itself (reports).
	HTTPClient *http.Client
	// MaxRetries bounds retries per request (default 6).
	MaxRetries int
	// Concurrency is the maximum number of requests in flight (default 8).
	Concurrency int
	// PriorityHTTPClient carries PriorityHigh requests, on connections of
	// their own: over HTTP/2 every request to a host shares one
	// connection, and a chain's small pages would queue behind the
	// megabytes of the listings and reports beside it. nil means a second
	// pool like HTTPClient's when its Transport is an *http.Transport
	// (the default is), else HTTPClient itself.
	PriorityHTTPClient *http.Client
	// RequestsPerSecond is the limiter's starting and ceiling rate (default
	// 1000). After a 429 the limiter halves its rate and recovers it
	// gradually on success.
	RequestsPerSecond float64
	// Logger receives retry and error records; nil discards them. Tokens and
	// secrets are never logged.
	Logger    *slog.Logger
	UserAgent string
	// Service names the API in errors and logs: "graph" (default) or, for
	// the ARM client built on this machinery, "arm".
	Service string
	// AttemptTimeout bounds one HTTP exchange, body included (default 3
	// minutes), so a connection that stalls mid-page is retried instead of
	// hanging the run.
	AttemptTimeout time.Duration
}

// Stats counts what a Client did; the benchmarks report them.
type Stats struct {
	Requests           int64 // HTTP requests sent, including retries and $batch posts
	BatchInnerRequests int64 // requests sent inside $batch bodies, including inner retries
	Throttled          int64 // 429 responses, outer and inner
	Retries            int64 // requests sent again after a failure
}

// Client talks to one tenant's Microsoft Graph. It is safe for concurrent use.
type Client struct {
	base       *url.URL // scheme://host[/prefix]
	baseStr    string   // base without a trailing slash
	tokens     TokenSource
	hc         *http.Client
	hiHC       *http.Client // PriorityHigh requests' own connections
	maxRetries int
	sem        chan struct{}
	highSem    chan struct{} // PriorityHigh requests' own slots
	limiter    *limiter
	ru         *ruBudget
	log        *slog.Logger
	userAgent  string
	service    string
	attemptTTL time.Duration
	clk        clock

	requests, batchInner, throttled, retries atomic.Int64
}

const (
	defaultMaxRetries  = 6
	defaultConcurrency = 8
	defaultRPS         = 1000
	// defaultAttemptTimeout is generous: a 999-object page with every
	// property is a few megabytes.
	defaultAttemptTimeout = 3 * time.Minute
)

// New returns a Client for opts.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("msgraph: BaseURL is required")
	}
	if opts.Tokens == nil {
		return nil, errors.New("msgraph: Tokens is required")
	}
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("msgraph: BaseURL %q is not an absolute URL", opts.BaseURL)
	}
	hc := defaultHTTPClient()
	if opts.HTTPClient != nil {
		copied := *opts.HTTPClient
		hc = &copied
	}
	// Redirects are never followed blindly: a report's 302 goes to another
	// host that must not receive the bearer token.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var hiHC *http.Client
	switch {
	case opts.PriorityHTTPClient != nil:
		copied := *opts.PriorityHTTPClient
		hiHC = &copied
	default:
		copied := *hc
		if t, ok := hc.Transport.(*http.Transport); ok {
			copied.Transport = t.Clone()
		} else if hc.Transport == nil {
			copied.Transport = http.DefaultTransport.(*http.Transport).Clone()
		}
		hiHC = &copied
	}
	hiHC.CheckRedirect = hc.CheckRedirect
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = defaultMaxRetries
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = defaultConcurrency
	}
	if opts.RequestsPerSecond <= 0 {
		opts.RequestsPerSecond = defaultRPS
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ua := opts.UserAgent
	if ua == "" {
		ua = "tenantscope"
	}
	service := opts.Service
	if service == "" {
		service = "graph"
	}
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = defaultAttemptTimeout
	}
	c := &Client{
		base:       base,
		baseStr:    strings.TrimRight(base.String(), "/"),
		tokens:     opts.Tokens,
		hc:         hc,
		hiHC:       hiHC,
		maxRetries: opts.MaxRetries,
		sem:        make(chan struct{}, opts.Concurrency),
		highSem:    make(chan struct{}, highConcurrency),
		log:        log,
		userAgent:  ua,
		service:    service,
		attemptTTL: opts.AttemptTimeout,
		clk:        realClock{},
	}
	c.limiter = newLimiter(opts.RequestsPerSecond, c.clk)
	c.ru = newRUBudget(c.clk)
	return c, nil
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.ResponseHeaderTimeout = 2 * time.Minute
	return &http.Client{Transport: t}
}

// Stats returns the counters so far.
func (c *Client) Stats() Stats {
	return Stats{
		Requests:           c.requests.Load(),
		BatchInnerRequests: c.batchInner.Load(),
		Throttled:          c.throttled.Load(),
		Retries:            c.retries.Load(),
	}
}

// request is one logical Graph call; do sends it, retrying as needed.
type request struct {
	method string
	url    string // absolute
	header http.Header
	body   []byte // JSON; nil for none
	// consistency adds ConsistencyLevel: eventual.
	consistency bool
	// acceptRedirect returns a 3xx as a result (reports) instead of an error.
	acceptRedirect bool
	// inner is the number of requests a $batch carries (0 for others),
	// for the resource-unit estimate (ruBudget).
	inner int
}

// response is a completed call: status, headers and the whole body (read
// inside the retry loop so a truncated body is retried like a reset).
type response struct {
	status int
	header http.Header
	body   []byte
}

// url builds an absolute URL for path under version ("v1.0" or "beta"), with
// query q. path starts with "/" and is already escaped (ids through
// pathEscape), so OData segments such as "(period='D7')" go out verbatim.
func (c *Client) url(version, path string, q url.Values) string {
	s := c.baseStr + "/" + version + path
	if enc := encodeQuery(q); enc != "" {
		s += "?" + enc
	}
	return s
}

// checkLink makes sure a server-provided link (nextLink, deltaLink) points at
// the Graph host we were configured with, so the bearer token never goes
// anywhere else.
func (c *Client) checkLink(link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("%s: bad link %q: %w", c.service, redactLink(link), err)
	}
	if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
		return fmt.Errorf("%s: refusing to follow link to %s://%s (client is bound to %s)", c.service, u.Scheme, u.Host, c.base.Host)
	}
	return nil
}

// do sends req until it succeeds, fails for good, or retries run out. A
// non-2xx final status comes back as *Error. decode, when non-nil, is applied
// to a 2xx body inside the retry loop: a body that fails to decode because it
// was cut short is fetched again.
func (c *Client) do(ctx context.Context, req *request, decode func([]byte) error) (*response, error) {
	clientRequestID := uuid.NewString()
	refreshed := false
	var token string
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.retries.Add(1)
		}
		if token == "" {
			t, err := c.tokens.Token(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %s %s: get token: %w", c.service, req.method, pathOf(req.url), err)
			}
			token = t
		}
		est := c.ru.estimate(req.inner)
		resp, err := c.send(ctx, req, est, token, clientRequestID)
		// What the answered attempt cost replaces what send charged for
		// it (a $batch's inner requests are charged by batchChunk).
		if err == nil {
			units, named := resourceUnits(resp.status, resp.header)
			c.ru.charge(units - est)
			c.ru.observeUsage(resp.header)
			if named {
				c.ru.observe(units, 1, false)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s: %s %s: %w", c.service, req.method, pathOf(req.url), ctx.Err())
			}
			if !isTransient(err) || attempt >= c.maxRetries {
				return nil, fmt.Errorf("%s: %s %s: %w", c.service, req.method, pathOf(req.url), err)
			}
			c.log.LogAttrs(ctx, slog.LevelDebug, c.service+" transport error, retrying",
				slog.String("method", req.method), slog.String("path", pathOf(req.url)),
				slog.Int("attempt", attempt+1), slog.String("error", err.Error()))
			if err := c.clk.Sleep(ctx, backoff(attempt)); err != nil {
				return nil, fmt.Errorf("%s: %s %s: %w", c.service, req.method, pathOf(req.url), err)
			}
			continue
		}

		c.observeRemaining(resp.header)
		switch s := resp.status; {
		case req.acceptRedirect && s >= 300 && s < 400:
			c.limiter.succeeded()
			return resp, nil
		case s >= 200 && s < 300:
			c.limiter.succeeded()
			if decode == nil {
				return resp, nil
			}
			derr := decode(resp.body)
			if derr == nil {
				return resp, nil
			}
			if isTruncatedJSON(derr) && attempt < c.maxRetries {
				c.log.LogAttrs(ctx, slog.LevelDebug, c.service+" body truncated, retrying",
					slog.String("method", req.method), slog.String("path", pathOf(req.url)))
				if err := c.clk.Sleep(ctx, backoff(attempt)); err != nil {
					return nil, fmt.Errorf("%s: %s %s: %w", c.service, req.method, pathOf(req.url), err)
				}
				continue
			}
			return nil, fmt.Errorf("%s: %s %s: decode response: %w", c.service, req.method, pathOf(req.url), derr)

		case s == http.StatusTooManyRequests:
			c.throttled.Add(1)
			wait, ok := retryAfter(resp.header, c.clk.Now())
			if !ok {
				wait = backoff(attempt)
			}
			c.limiter.throttledFor(wait)
			if resourceUnitThrottle(resp.header) {
				c.ru.throttled(wait)
			}
			if attempt >= c.maxRetries {
				return nil, c.apiError(ctx, req, resp, clientRequestID)
			}
			c.log.LogAttrs(ctx, slog.LevelDebug, c.service+" throttled",
				slog.String("method", req.method), slog.String("path", pathOf(req.url)),
				slog.Duration("retry_after", wait))
			// The limiter holds every request until the Retry-After has
			// passed; a high-priority one, which skips the limiter, waits
			// it here.
			if priorityOf(ctx) == PriorityHigh {
				if err := c.clk.Sleep(ctx, wait); err != nil {
					return nil, fmt.Errorf("%s: %s %s: %w", c.service, req.method, pathOf(req.url), err)
				}
			}
			continue

		case s == http.StatusUnauthorized && !refreshed:
			// An access token can expire mid-run; get a fresh one once.
			refreshed = true
			token = ""
			if r, ok := c.tokens.(TokenRefresher); ok {
				t, err := r.RefreshToken(ctx)
				if err != nil {
					return nil, fmt.Errorf("%s: %s %s: refresh token: %w", c.service, req.method, pathOf(req.url), err)
				}
				token = t
			}
			continue

		case retryableStatus(s) && attempt < c.maxRetries:
			wait, ok := retryAfter(resp.header, c.clk.Now())
			if !ok {
				wait = backoff(attempt)
			}
			c.log.LogAttrs(ctx, slog.LevelDebug, c.service+" server error, retrying",
				slog.String("method", req.method), slog.String("path", pathOf(req.url)),
				slog.Int("status", s), slog.String("request_id", requestIDOf(resp)),
				slog.Duration("wait", wait))
			if err := c.clk.Sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("%s: %s %s: %w", c.service, req.method, pathOf(req.url), err)
			}
			continue

		default:
			return nil, c.apiError(ctx, req, resp, clientRequestID)
		}
	}
}

// send performs one HTTP exchange under the concurrency bound and the rate
// limiter, and reads the whole body. It charges the resource-unit budget
// est (waiting for it unless the request has high priority) and gives it
// back when no answer comes.
func (c *Client) send(ctx context.Context, req *request, est float64, token, clientRequestID string) (_ *response, err error) {
	high := priorityOf(ctx) == PriorityHigh
	sem, hc := c.sem, c.hc
	if high {
		// A chain's page does not wait for the budget, but its cost
		// counts: the others wait for it.
		sem, hc = c.highSem, c.hiHC
		c.ru.charge(est)
	} else {
		if err := c.limiter.wait(ctx); err != nil {
			return nil, err
		}
		if err := c.ru.reserve(ctx, est); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			c.ru.charge(-est)
		}
	}()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-sem }()

	// The attempt's own deadline; the caller's ctx still wins when it ends
	// first (do tells the two apart).
	ctx, cancel := context.WithTimeout(ctx, c.attemptTTL)
	defer cancel()
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range req.header {
		hr.Header[k] = vs
	}
	hr.Header.Set("Authorization", "Bearer "+token)
	hr.Header.Set("client-request-id", clientRequestID)
	hr.Header.Set("User-Agent", c.userAgent)
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "application/json")
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.consistency {
		hr.Header.Set("ConsistencyLevel", "eventual")
	}
	if high {
		hr.Header.Set("x-ms-throttle-priority", "high")
	}
	c.requests.Add(1)
	hresp, err := hc.Do(hr)
	if err != nil {
		// *url.Error repeats the whole URL, query included; the caller's
		// message names the method and path already.
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, ue.Err
		}
		return nil, err
	}
	defer hresp.Body.Close()
	b, err := readBody(hresp)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return &response{status: hresp.StatusCode, header: hresp.Header, body: b}, nil
}

// readBody reads a response body whole, into a buffer of its announced
// length when there is one (io.ReadAll doubles its way up: a 1.3 MB page
// cost about 2.6 MB of allocations).
func readBody(r *http.Response) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= maxPresizedBody {
		var buf bytes.Buffer
		buf.Grow(int(n) + 1) // +1: ReadFrom sees EOF without growing
		_, err := buf.ReadFrom(r.Body)
		return buf.Bytes(), err
	}
	return io.ReadAll(r.Body)
}

// maxPresizedBody bounds the buffer a Content-Length may reserve up front.
const maxPresizedBody = 64 << 20

func (c *Client) apiError(ctx context.Context, req *request, resp *response, clientRequestID string) error {
	e := parseError(resp.status, resp.header, resp.body, c.clk.Now())
	e.service = c.service
	e.Method = req.method
	e.Path = pathOf(req.url)
	// Throttling that outlasted the retries and server errors are worth a
	// warning; 4xx answers are usually expected (a permission not granted)
	// and the caller decides.
	level := slog.LevelInfo
	if e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests {
		level = slog.LevelWarn
	}
	c.log.LogAttrs(ctx, level, c.service+" error",
		slog.String("method", e.Method), slog.String("path", e.Path),
		slog.Int("status", e.StatusCode), slog.String("code", e.Code),
		slog.String("request_id", e.RequestID), slog.String("client_request_id", clientRequestID))
	return e
}

// GetJSON GETs absURL, which must be on this client's host, and decodes the
// JSON body into out, with all of the client's retry and throttling
// handling. It is for sibling API clients built on this machinery (ARM) and
// for calls this package has no typed method for.
func (c *Client) GetJSON(ctx context.Context, absURL string, out any) error {
	if err := c.checkLink(absURL); err != nil {
		return err
	}
	return c.getJSON(ctx, absURL, false, out)
}

// SendJSON sends a write (PUT, PATCH, POST, DELETE) with in as its JSON body
// (nil for none) to absURL on this client's host; out, if not nil, receives
// a 2xx JSON body.
func (c *Client) SendJSON(ctx context.Context, method, absURL string, in, out any) error {
	if err := c.checkLink(absURL); err != nil {
		return err
	}
	return c.sendJSON(ctx, method, absURL, in, out)
}

// BaseURL is the root the client was configured with, without a trailing
// slash.
func (c *Client) BaseURL() string { return c.baseStr }

// getJSON GETs an absolute URL and decodes the JSON body into out.
func (c *Client) getJSON(ctx context.Context, u string, consistency bool, out any) error {
	_, err := c.do(ctx, &request{method: http.MethodGet, url: u, consistency: consistency},
		func(b []byte) error { return unmarshal(b, out) })
	return err
}

// sendJSON sends a write with a JSON body; out (may be nil) receives a 2xx
// JSON body when there is one.
func (c *Client) sendJSON(ctx context.Context, method, u string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s: %s %s: encode body: %w", c.service, method, pathOf(u), err)
		}
		body = b
	}
	decode := func(b []byte) error {
		if out == nil || len(bytes.TrimSpace(b)) == 0 {
			return nil
		}
		return unmarshal(b, out)
	}
	_, err := c.do(ctx, &request{method: method, url: u, body: body}, decode)
	return err
}

func retryableStatus(s int) bool {
	switch s {
	case http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// isTransient reports whether a transport error is worth another try: resets,
// bodies cut short, timeouts. TLS and DNS configuration errors are not.
func isTransient(err error) bool {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		// Only an attempt's own deadline gets here: do checks the caller's
		// context first.
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNREFUSED):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// net/http reports a server that hung up mid-response, and HTTP/2 stream
	// resets (its StreamError type is not exported), only in prose.
	msg := err.Error()
	for _, s := range []string{"connection reset", "server closed idle connection", "unexpected EOF",
		"stream error", "GOAWAY", "client connection lost", "connection lost", "broken pipe"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// backoff is exponential with full jitter over [d/2, d): 0.5 s, 1 s, 2 s …
// capped at 30 s.
func backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << min(attempt, 6)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2)
}

// retryAfter parses Retry-After: seconds (Graph sends fractions such as
// "2.128") or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || secs > 24*3600 {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// pathOf is a URL's path for errors and logs; queries are dropped since
// filters can carry user names.
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.EscapedPath()
}

// redactLink keeps a link's host and path only.
func redactLink(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i]
	}
	return raw
}

func requestIDOf(r *response) string {
	if id := r.header.Get("request-id"); id != "" {
		return id
	}
	return r.header.Get("x-ms-request-id")
}
