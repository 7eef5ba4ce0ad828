package graphsim

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// platFaultRun serves n requests in process and returns each one's status.
func platFaultRun(t *testing.T, o Options, n int) []int {
	t.Helper()
	f := newPlatFixture(t, func(opts *Options) {
		opts.FaultRate, opts.FaultSeed = o.FaultRate, o.FaultSeed
	})
	tok := f.token(t, "https://graph.microsoft.com")
	out := make([]int, n)
	for i := range out {
		out[i] = f.do(t, "GET", "/v1.0/zzplatform/echo", tok, nil).Code
	}
	return out
}

func TestServerErrorFaultsAreDeterministic(t *testing.T) {
	o := Options{FaultRate: 0.1, FaultSeed: 42}
	a := platFaultRun(t, o, 2000)
	b := platFaultRun(t, o, 2000)
	counts := map[int]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("request %d: %d then %d with the same seed", i, a[i], b[i])
		}
		counts[a[i]]++
	}
	faults := counts[500] + counts[503] + counts[504]
	if faults+counts[200] != 2000 {
		t.Fatalf("unexpected statuses %v", counts)
	}
	// The share is 10 % within sampling error (±3σ = ±40 of 2,000), and
	// each 5xx status is drawn.
	if faults < 160 || faults > 240 || counts[500] == 0 || counts[503] == 0 || counts[504] == 0 {
		t.Fatalf("fault counts %v", counts)
	}
	c := platFaultRun(t, Options{FaultRate: 0.1, FaultSeed: 43}, 2000)
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Fatal("a different seed injected exactly the same faults")
	}
}

func TestServerErrorFaultBody(t *testing.T) {
	f := newPlatFixture(t, func(o *Options) { o.FaultRate, o.FaultSeed = 1, 7 })
	tok := f.token(t, "https://graph.microsoft.com")
	want := map[int][2]string{
		500: {"generalException", "An unspecified error has occurred."},
		503: {"serviceNotAvailable", "The service is temporarily unavailable. Please retry later."},
		504: {"timeout", "The operation timed out before it could be completed."},
	}
	seen := map[int]bool{}
	for i := 0; i < 30; i++ {
		w := f.do(t, "GET", "/v1.0/zzplatform/echo", tok, nil)
		exp, ok := want[w.Code]
		if !ok {
			t.Fatalf("status %d with FaultRate 1", w.Code)
		}
		seen[w.Code] = true
		body := platSameShape(t, "error_not_found_observed.json", w.Body.Bytes())
		e := body["error"].(map[string]any)
		if e["code"] != exp[0] || e["message"] != exp[1] {
			t.Fatalf("%d: %v", w.Code, e)
		}
		if w.Code == 503 && w.Header().Get("Retry-After") != "1" {
			t.Fatalf("503 without Retry-After")
		}
	}
	if len(seen) != 3 {
		t.Fatalf("statuses drawn %v", seen)
	}
	// ARM routes answer in ARM's format.
	w := f.do(t, "GET", "/subscriptions/x/zzplatform?api-version=1", f.token(t, "https://management.azure.com"), nil)
	if !strings.HasPrefix(w.Body.String(), `{"error":{"code":"`) || strings.Contains(w.Body.String(), "innerError") {
		t.Fatalf("ARM fault body %s", w.Body)
	}
}

func TestFaultsSpareTheIdentityPlatform(t *testing.T) {
	f := newPlatFixture(t, func(o *Options) { o.FaultRate, o.ResetRate = 0.5, 0.5 })
	for i := 0; i < 20; i++ {
		w := f.postToken(t, platTenantID, platSecretForm(platConnectorApp, platSecret, "https://graph.microsoft.com/.default"), nil)
		if w.Code != 200 {
			t.Fatalf("token request %d: %d", i, w.Code)
		}
		if w := f.do(t, "GET", "/contoso.com/v2.0/.well-known/openid-configuration", "", nil); w.Code != 200 {
			t.Fatalf("discovery %d: %d", i, w.Code)
		}
	}
}

func TestResetAndTruncateOverTLS(t *testing.T) {
	for _, proto := range []string{"HTTP/2", "HTTP/1.1"} {
		t.Run(proto, func(t *testing.T) {
			rs := platStart(t, Options{ResetRate: 0.5, TruncateRate: 0.5, FaultSeed: 3})
			client := rs.Client()
			if proto == "HTTP/1.1" {
				tr := client.Transport.(*http.Transport).Clone()
				tr.ForceAttemptHTTP2 = false
				tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
				tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
				client = &http.Client{Transport: tr}
			}
			tok, err := rs.Server.IssueToken(platTenantID, platConnectorApp, "https://graph.microsoft.com", nil)
			if err != nil {
				t.Fatal(err)
			}
			var resets, truncations int
			for i := 0; i < 40; i++ {
				req, _ := http.NewRequest("GET", rs.URL+"/v1.0/zzplatform/big", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := client.Do(req)
				if err != nil {
					resets++ // no response at all
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.ProtoMajor != map[string]int{"HTTP/2": 2, "HTTP/1.1": 1}[proto] || resp.StatusCode != 200 || resp.ContentLength != 4013 || len(b) != 2006 || err == nil {
					t.Fatalf("request %d: %s %d, read %d of %d bytes, err %v", i, resp.Proto, resp.StatusCode, len(b), resp.ContentLength, err)
				}
				if proto == "HTTP/1.1" && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("request %d: err %v, want unexpected EOF", i, err)
				}
				truncations++
			}
			if resets == 0 || truncations == 0 || resets+truncations != 40 {
				t.Fatalf("resets %d truncations %d", resets, truncations)
			}
			// The server counts an aborted answer after the client has seen
			// the connection drop; wait for the last one.
			st := rs.Server.Stats()
			for deadline := time.Now().Add(5 * time.Second); st.Requests < 40 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
				st = rs.Server.Stats()
			}
			if st.ByStatus[0] != int64(resets) || st.ByStatus[200] != int64(truncations) || st.ByRoute["GET /v1.0/zzplatform/big"] != 40 || st.Faults != 40 {
				t.Fatalf("stats %+v (resets %d truncations %d)", st, resets, truncations)
			}
		})
	}
}

func TestShouldExpireSkipToken(t *testing.T) {
	run := func(seed int64) []bool {
		f := newPlatFixture(t, func(o *Options) { o.ExpireSkipTokens, o.FaultSeed = 0.25, seed })
		out := make([]bool, 1000)
		for i := range out {
			out[i] = f.s.shouldExpireSkipToken()
		}
		return out
	}
	a, b := run(9), run(9)
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d differs with the same seed", i)
		}
		if a[i] {
			n++
		}
	}
	// 25 % of 1,000 within ±3σ (±41).
	if n < 209 || n > 291 {
		t.Fatalf("%d of 1000 skip tokens expired, want about 250", n)
	}
	f := newPlatFixture(t, nil)
	for i := 0; i < 100; i++ {
		if f.s.shouldExpireSkipToken() {
			t.Fatal("expired a skip token with ExpireSkipTokens 0")
		}
	}
}

func TestLatencyAndJitter(t *testing.T) {
	f := newPlatFixture(t, func(o *Options) { o.Latency, o.Jitter, o.JitterSeed = 20*time.Millisecond, 10*time.Millisecond, 5 })
	tok := f.token(t, "https://graph.microsoft.com")
	for i := 0; i < 5; i++ {
		start := time.Now()
		f.do(t, "GET", "/v1.0/zzplatform/echo", tok, nil)
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Fatalf("request %d took %v, want at least the 20 ms latency", i, d)
		}
	}
	// The jitter sequence is a function of the seed alone.
	for n := uint64(1); n < 100; n++ {
		u := draw(5, n, saltJitter)
		if u < 0 || u >= 1 || u != draw(5, n, saltJitter) {
			t.Fatalf("draw %d = %v", n, u)
		}
	}
	if draw(5, 1, saltJitter) == draw(6, 1, saltJitter) {
		t.Fatal("jitter does not depend on the seed")
	}
}

// The latency is the whole response time: the handler's own work runs
// inside it, and its answer waits for the rest.
func TestLatencyIncludesTheHandlersWork(t *testing.T) {
	f := newPlatFixture(t, func(o *Options) { o.Latency = 400 * time.Millisecond })
	started := make(chan time.Duration, 1)
	var start time.Time
	f.s.graph("GET /zzplatform/slow", 1, func(w http.ResponseWriter, r *http.Request, c *Caller) {
		started <- time.Since(start)
		writeJSON(w, http.StatusOK, map[string]string{"id": "x"})
	})
	tok := f.token(t, "https://graph.microsoft.com")
	start = time.Now()
	w := f.do(t, "GET", "/v1.0/zzplatform/slow", tok, nil)
	took := time.Since(start)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if took < 400*time.Millisecond {
		t.Fatalf("answered after %v, before the 400 ms latency", took)
	}
	if at := <-started; at >= 400*time.Millisecond {
		t.Fatalf("the handler started %v after the request, after the latency instead of within it", at)
	}
}

func TestClientGoneDuringLatency(t *testing.T) {
	f := newPlatFixture(t, func(o *Options) { o.Latency = 10 * time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	r := httptest.NewRequest("GET", "/v1.0/zzplatform/echo", nil).WithContext(ctx)
	start := time.Now()
	f.s.ServeHTTP(httptest.NewRecorder(), r)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("served after %v: the latency ignored the client leaving", d)
	}
	if st := f.s.Stats(); st.Requests != 1 || st.ByStatus[499] != 1 || st.ByStatus[0] != 0 {
		t.Fatalf("stats %+v", st)
	}
}
