package msgraph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const onePage = `{"value":[{"id":"u1","displayName":"One"}]}`

func TestThrottled429HonoursRetryAfterExactly(t *testing.T) {
	var calls atomic.Int32
	var body429 []byte
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "2.128")
			writeBody(w, http.StatusTooManyRequests, body429)
			return
		}
		writeBody(w, 200, []byte(onePage))
	}))
	body429 = fixture(t, "error_throttled_429.json", "")
	users, err := collect(env.c.Users(context.Background(), ListOptions{Select: []string{"id"}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].ID != "u1" {
		t.Fatalf("users = %+v", users)
	}
	if got, want := env.clk.Sleeps(), []time.Duration{2128 * time.Millisecond}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sleeps = %v, want %v", got, want)
	}
	if got := env.c.Stats(); got != (Stats{Requests: 2, Throttled: 1, Retries: 1}) {
		t.Fatalf("stats = %+v", got)
	}
	// The limiter slowed down (1000 → 500) and recovered a step on success.
	if r := env.c.limiter.currentRate(); r != 511 {
		t.Fatalf("limiter rate = %v, want 511", r)
	}
}

func TestThrottledTooLongReturnsError(t *testing.T) {
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		writeBody(w, http.StatusTooManyRequests, fixture(t, "error_throttled_429.json", ""))
	}))
	_, err := collect(env.c.Users(context.Background(), ListOptions{}))
	var ge *Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v", err)
	}
	if ge.StatusCode != 429 || ge.Code != "TooManyRequests" || ge.RetryAfter != 3*time.Second ||
		ge.RequestID != "94fb3b52-452a-4535-a601-69e0a90e3aa2" || !IsThrottled(err) {
		t.Fatalf("error = %+v", ge)
	}
	// MaxRetries 4: five requests, four waits of exactly 3 s.
	if got := fmt.Sprint(env.clk.Sleeps()); got != "[3s 3s 3s 3s]" {
		t.Fatalf("sleeps = %s", got)
	}
	if got := env.c.Stats(); got.Requests != 5 || got.Throttled != 5 || got.Retries != 4 {
		t.Fatalf("stats = %+v", got)
	}
}

func TestServerErrorsRetriedWithJitteredBackoff(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var calls atomic.Int32
			env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) <= 3 {
					writeBody(w, status, []byte(`{"error":{"code":"ServiceUnavailable","message":"busy"}}`))
					return
				}
				writeBody(w, 200, []byte(onePage))
			}))
			users, err := collect(env.c.Users(context.Background(), ListOptions{}))
			if err != nil || len(users) != 1 {
				t.Fatalf("users = %v, err = %v", users, err)
			}
			sleeps := env.clk.Sleeps()
			if len(sleeps) != 3 {
				t.Fatalf("sleeps = %v", sleeps)
			}
			for i, d := range sleeps {
				lo := 250 * time.Millisecond << i
				if d < lo || d >= 2*lo {
					t.Fatalf("sleep %d = %v, want in [%v, %v)", i, d, lo, 2*lo)
				}
			}
			if got := env.c.Stats(); got != (Stats{Requests: 4, Retries: 3}) {
				t.Fatalf("stats = %+v", got)
			}
		})
	}
}

func TestServerErrorUsesRetryAfterWhenSent(t *testing.T) {
	var calls atomic.Int32
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			writeBody(w, 503, nil)
			return
		}
		writeBody(w, 200, []byte(onePage))
	}))
	if _, err := collect(env.c.Users(context.Background(), ListOptions{})); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(env.clk.Sleeps()); got != "[7s]" {
		t.Fatalf("sleeps = %s", got)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	cases := []struct {
		status  int
		file    string
		check   func(error) bool
		wantErr string
	}{
		{403, "error_signInActivity_no_premium_observed.json", IsPremiumRequired,
			"graph: GET /v1.0/users: 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant: Tenant is not a B2C tenant and doesn't have premium license"},
		{404, "error_not_found_observed.json", IsNotFound,
			"graph: GET /v1.0/users: 404 Request_ResourceNotFound: Resource '5b31c38c-2584-42f0-aa47-657fb3a84230' does not exist or one of its queried reference-property objects are not present. (request-id f58cc4de-b427-41de-b37c-46ee4925a26d)"},
		{400, "error_format_docs.json", func(err error) bool { return !IsForbidden(err) && !IsNotFound(err) },
			"graph: GET /v1.0/users: 400 invalidRange: Uploaded fragment overlaps with existing data. (request-id request-id)"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeBody(w, tc.status, fixture(t, tc.file, ""))
			}))
			_, err := collect(env.c.Users(context.Background(), ListOptions{Select: []string{"signInActivity"}, Filter: "userPrincipalName eq 'secret@contoso.com'"}))
			if err == nil || !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
			var ge *Error
			errors.As(err, &ge)
			if ge.Error() != tc.wantErr {
				t.Fatalf("Error() =\n%s\nwant\n%s", ge.Error(), tc.wantErr)
			}
			if strings.Contains(err.Error(), "tok-") || strings.Contains(err.Error(), "secret@") {
				t.Fatalf("error leaks token or query: %v", err)
			}
			if got := env.c.Stats(); got != (Stats{Requests: 1}) {
				t.Fatalf("stats = %+v", got)
			}
		})
	}
}

func TestForbiddenHelpers(t *testing.T) {
	err := fmt.Errorf("sync users: %w", &Error{StatusCode: 403, Code: "Authorization_RequestDenied"})
	if !IsForbidden(err) || IsNotFound(err) || IsPremiumRequired(err) {
		t.Fatal("403 Authorization_RequestDenied misclassified")
	}
	pim := &Error{StatusCode: 400, Code: "AadPremiumLicenseRequired"}
	if !IsPremiumRequired(pim) || IsForbidden(pim) {
		t.Fatal("AadPremiumLicenseRequired misclassified")
	}
	if IsForbidden(errors.New("plain")) {
		t.Fatal("plain error is not forbidden")
	}
}

func TestExpiredToken401RefreshesOnce(t *testing.T) {
	var auths []string
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auths = append(auths, r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") != "Bearer tok-2" {
			writeBody(w, 401, []byte(`{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}`))
			return
		}
		writeBody(w, 200, []byte(onePage))
	}))
	if _, err := collect(env.c.Users(context.Background(), ListOptions{})); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(auths) != "[Bearer tok-1 Bearer tok-2]" || env.tokens.refreshes != 1 {
		t.Fatalf("auths = %v, refreshes = %d", auths, env.tokens.refreshes)
	}
}

func TestUnauthorizedAfterRefreshFails(t *testing.T) {
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 401, []byte(`{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}`))
	}))
	_, err := collect(env.c.Users(context.Background(), ListOptions{}))
	var ge *Error
	if !errors.As(err, &ge) || ge.StatusCode != 401 || ge.Code != "InvalidAuthenticationToken" {
		t.Fatalf("err = %v", err)
	}
	if env.tokens.refreshes != 1 || env.c.Stats().Requests != 2 {
		t.Fatalf("refreshes = %d, stats = %+v", env.tokens.refreshes, env.c.Stats())
	}
}

// hijack answers with headers promising a full body, sends part of it and
// then drops the connection — a reset (rst) or a clean close.
func hijack(t *testing.T, w http.ResponseWriter, body string, rst bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("no hijacker")
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:len(body)/2])
	buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok && rst {
		tc.SetLinger(0) // close with RST
	}
	conn.Close()
}

func TestConnectionDroppedMidBodyIsRetried(t *testing.T) {
	for _, rst := range []bool{true, false} {
		t.Run(fmt.Sprintf("rst=%v", rst), func(t *testing.T) {
			var calls atomic.Int32
			env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					hijack(t, w, onePage, rst)
					return
				}
				writeBody(w, 200, []byte(onePage))
			}))
			users, err := collect(env.c.Users(context.Background(), ListOptions{}))
			if err != nil || len(users) != 1 || users[0].DisplayName != "One" {
				t.Fatalf("users = %+v, err = %v", users, err)
			}
			if got := env.c.Stats(); got != (Stats{Requests: 2, Retries: 1}) {
				t.Fatalf("stats = %+v", got)
			}
		})
	}
}

func TestTruncatedPageIsRetried(t *testing.T) {
	var calls atomic.Int32
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// A complete HTTP response whose JSON stops half way.
			writeBody(w, 200, []byte(onePage[:20]))
			return
		}
		writeBody(w, 200, []byte(onePage))
	}))
	users, err := collect(env.c.Users(context.Background(), ListOptions{}))
	if err != nil || len(users) != 1 {
		t.Fatalf("users = %+v, err = %v", users, err)
	}
	if got := env.c.Stats(); got != (Stats{Requests: 2, Retries: 1}) {
		t.Fatalf("stats = %+v", got)
	}
}

func TestMalformedPageIsNotRetried(t *testing.T) {
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 200, []byte(`{"value":[{"id":"u1","createdDateTime":"yesterday"}]}`))
	}))
	_, err := collect(env.c.Users(context.Background(), ListOptions{}))
	if err == nil || !strings.Contains(err.Error(), "page 1: item 0: decode msgraph.User") {
		t.Fatalf("err = %v", err)
	}
	if env.c.Stats().Requests != 1 {
		t.Fatalf("stats = %+v", env.c.Stats())
	}
}

func TestContextCancelStopsBackoffPromptly(t *testing.T) {
	srv := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		writeBody(w, 503, nil)
	})).srv
	// A real clock: the 30 s wait must end at cancellation.
	c, err := New(Options{BaseURL: srv.URL, Tokens: &fakeTokens{}, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = collect(c.Users(ctx, ListOptions{}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %v after cancel", el)
	}
}

func TestContextCancelDuringThrottlePause(t *testing.T) {
	srv := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		writeBody(w, 429, nil)
	})).srv
	c, err := New(Options{BaseURL: srv.URL, Tokens: &fakeTokens{}, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = collect(c.Users(ctx, ListOptions{}))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %v", el)
	}
}

func TestRequestHeaders(t *testing.T) {
	var got http.Header
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		writeBody(w, 200, []byte(onePage))
	}), func(o *Options) { o.UserAgent = "tenantscope-test/1" })
	if _, err := collect(env.c.Users(context.Background(), ListOptions{})); err != nil {
		t.Fatal(err)
	}
	if got.Get("Authorization") != "Bearer tok-1" || got.Get("User-Agent") != "tenantscope-test/1" ||
		got.Get("Accept") != "application/json" || got.Get("ConsistencyLevel") != "" {
		t.Fatalf("headers = %v", got)
	}
	if !uuidRE.MatchString(got.Get("client-request-id")) {
		t.Fatalf("client-request-id = %q", got.Get("client-request-id"))
	}
}

func TestNextLinkToAnotherHostIsRefused(t *testing.T) {
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 200, []byte(`{"value":[{"id":"u1"}],"@odata.nextLink":"https://evil.example/v1.0/users?$skiptoken=x"}`))
	}))
	n := 0
	var err error
	for _, e := range env.c.Users(context.Background(), ListOptions{}) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	if n != 1 || err == nil || !strings.Contains(err.Error(), "refusing to follow link to https://evil.example") {
		t.Fatalf("n = %d, err = %v", n, err)
	}
	if env.c.Stats().Requests != 1 {
		t.Fatal("followed the foreign link")
	}
}

func TestConcurrencyBound(t *testing.T) {
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
		writeBody(w, 200, []byte(onePage))
	}), func(o *Options) { o.Concurrency = 3 })
	done := make(chan error, 10)
	for range 10 {
		go func() {
			_, err := collect(env.c.Users(context.Background(), ListOptions{}))
			done <- err
		}()
	}
	// Wait until the bound is reached, then give the rest a chance to
	// exceed it.
	for deadline := time.Now().Add(10 * time.Second); inFlight.Load() < 3 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	for range 10 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if p := peak.Load(); p != 3 {
		t.Fatalf("peak in flight = %d, want 3", p)
	}
}

func TestLimiterAdaptsAndRecovers(t *testing.T) {
	clk := newFakeClock()
	l := newLimiter(100, clk)
	l.throttledFor(2 * time.Second)
	// Other requests of the same episode: no further cut, and a shorter
	// pause does not shorten the first.
	l.throttledFor(time.Second)
	l.throttledFor(2 * time.Second)
	if r := l.currentRate(); r != 50 {
		t.Fatalf("rate after one episode = %v, want 50", r)
	}
	if err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(clk.Sleeps()); got != "[2s]" {
		t.Fatalf("sleeps = %s", got)
	}
	// A new episode after the pause cuts again.
	l.throttledFor(time.Second)
	if r := l.currentRate(); r != 25 {
		t.Fatalf("rate after second episode = %v, want 25", r)
	}
	for range 200 {
		l.succeeded()
	}
	if r := l.currentRate(); r != 100 {
		t.Fatalf("rate after recovery = %v, want 100", r)
	}
}

func TestLimiterHoldKeepsRate(t *testing.T) {
	clk := newFakeClock()
	l := newLimiter(100, clk)
	l.holdFor(360 * time.Millisecond)
	if err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(clk.Sleeps()); got != "[360ms]" || l.currentRate() != 100 {
		t.Fatalf("sleeps = %s, rate = %v", got, l.currentRate())
	}
}

func TestLimiterPacesRequests(t *testing.T) {
	clk := newFakeClock()
	l := newLimiter(10, clk) // burst 1
	for range 5 {
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// The first request uses the initial token; four more wait 100 ms each.
	var total time.Duration
	for _, d := range clk.Sleeps() {
		total += d
	}
	if total != 400*time.Millisecond {
		t.Fatalf("total wait = %v (%v)", total, clk.Sleeps())
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"2.128":                         2128 * time.Millisecond,
		"0":                             0,
		"10":                            10 * time.Second,
		"Sun, 01 Nov 2026 00:00:05 GMT": 5 * time.Second,
	}
	for v, want := range cases {
		h := http.Header{"Retry-After": {v}}
		got, ok := retryAfter(h, now)
		if !ok || got != want {
			t.Errorf("Retry-After %q = %v, %v; want %v", v, got, ok, want)
		}
	}
	for _, bad := range []string{"", "soon", "-1", "1e9"} {
		if _, ok := retryAfter(http.Header{"Retry-After": {bad}}, now); ok {
			t.Errorf("Retry-After %q accepted", bad)
		}
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Options{Tokens: &fakeTokens{}}); err == nil {
		t.Fatal("missing BaseURL accepted")
	}
	if _, err := New(Options{BaseURL: "graph.example"}); err == nil {
		t.Fatal("missing Tokens accepted")
	}
	if _, err := New(Options{BaseURL: "not a url", Tokens: &fakeTokens{}}); err == nil {
		t.Fatal("relative BaseURL accepted")
	}
}

func TestTransportErrorsOmitQueryAndRetryBounded(t *testing.T) {
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hijack(t, w, onePage, true)
	}))
	_, err := collect(env.c.Users(context.Background(), ListOptions{Filter: "userPrincipalName eq 'secret@contoso.com'"}))
	if err == nil || !strings.HasPrefix(err.Error(), "page 1: graph: GET /v1.0/users: ") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v", err)
	}
	// MaxRetries 4: five attempts, four backoffs.
	if st := env.c.Stats(); st.Requests != 5 || st.Retries != 4 || len(env.clk.Sleeps()) != 4 {
		t.Fatalf("stats = %+v, sleeps = %v", st, env.clk.Sleeps())
	}
}

func TestLogsCarryRequestIDButNoSecrets(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	var calls atomic.Int32
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			writeBody(w, 401, []byte(`{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}`))
		case 2:
			w.Header().Set("Retry-After", "1")
			writeBody(w, 429, fixture(t, "error_throttled_429.json", ""))
		default:
			writeBody(w, 403, []byte(`{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"request-id":"rid-403"}}}`))
		}
	}), func(o *Options) { o.Logger = logger })
	_, err := collect(env.c.Users(context.Background(), ListOptions{Filter: "mail eq 'secret@contoso.com'"}))
	if !IsForbidden(err) {
		t.Fatalf("err = %v", err)
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if strings.Contains(out, "tok-") || strings.Contains(out, "Bearer") || strings.Contains(out, "secret@") {
		t.Fatalf("log leaks a token or query:\n%s", out)
	}
	if !strings.Contains(out, "request_id=rid-403") || !strings.Contains(out, "level=INFO msg=\"graph error\"") ||
		!strings.Contains(out, "msg=\"graph throttled\"") {
		t.Fatalf("log =\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestStalledAttemptIsRetried(t *testing.T) {
	var calls atomic.Int32
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// Headers, then a body that never finishes.
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			w.Write([]byte(`{"value":[`))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		writeBody(w, 200, []byte(onePage))
	}), func(o *Options) { o.AttemptTimeout = 100 * time.Millisecond })
	users, err := collect(env.c.Users(context.Background(), ListOptions{}))
	if err != nil || len(users) != 1 {
		t.Fatalf("users = %v, err = %v", users, err)
	}
	if st := env.c.Stats(); st.Requests != 2 || st.Retries != 1 {
		t.Fatalf("stats = %+v", st)
	}
}
