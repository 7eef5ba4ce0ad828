package graphsim

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func platThrottled(o *Options) { o.Throttle = true }

func TestGraphThrottling429(t *testing.T) {
	f := newPlatFixture(t, platThrottled)
	tok := f.token(t, "https://graph.microsoft.com")
	// The hand-built tenant has under 50 users: 3,500 RU per 10 s, refilled
	// at 350 RU/s. /zzplatform/heavy costs 500 RU; the clock stands still.
	wantPct := []string{"", "", "", "", "", "0.9", "1.0"}
	for i := 0; i < 7; i++ {
		w := f.do(t, "GET", "/v1.0/zzplatform/heavy", tok, nil)
		if w.Code != 200 {
			t.Fatalf("request %d: status %d: %s", i+1, w.Code, w.Body)
		}
		if got := w.Header().Get("x-ms-throttle-limit-percentage"); got != wantPct[i] {
			t.Fatalf("request %d: x-ms-throttle-limit-percentage %q, want %q", i+1, got, wantPct[i])
		}
	}
	w := f.do(t, "GET", "/v1.0/zzplatform/heavy", tok, nil)
	if w.Code != 429 {
		t.Fatalf("8th request: status %d, want 429", w.Code)
	}
	h := w.Header()
	// 500 RU at 350 RU/s = 1.4286 s, rounded up to the millisecond.
	if got := h.Get("Retry-After"); got != "1.429" {
		t.Fatalf("Retry-After %q, want 1.429", got)
	}
	if got := h.Get("x-ms-throttle-scope"); got != "Tenant_Application/ReadWrite/"+platConnectorApp+"/"+platTenantID {
		t.Fatalf("x-ms-throttle-scope %q", got)
	}
	if got := h.Get("x-ms-throttle-information"); got != "ResourceUnitLimitExceeded" {
		t.Fatalf("x-ms-throttle-information %q", got)
	}
	if got := h.Get("x-ms-throttle-limit-percentage"); got != "1.1" {
		t.Fatalf("x-ms-throttle-limit-percentage on 429 %q, want 1.1", got)
	}
	body := platSameShape(t, "error_throttled_429.json", w.Body.Bytes())
	e := body["error"].(map[string]any)
	inner := e["innerError"].(map[string]any)
	if e["code"] != "TooManyRequests" || e["message"] != "Please retry again later." ||
		inner["code"] != "429" || inner["status"] != "429" || inner["message"] != "Please retry after" ||
		inner["request-id"] != h.Get("request-id") {
		t.Fatalf("429 body %s", w.Body)
	}
	if st := f.s.Stats(); st.Throttled != 1 || st.ByStatus[429] != 1 || st.ByStatus[200] != 7 {
		t.Fatalf("stats %+v", st)
	}
	// Just short of the wait: still refused; after it: served.
	f.clock.advance(1428 * time.Millisecond)
	if w := f.do(t, "GET", "/v1.0/zzplatform/heavy", tok, nil); w.Code != 429 || w.Header().Get("Retry-After") != "0.001" {
		t.Fatalf("after 1.428 s: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	f.clock.advance(time.Millisecond)
	if w := f.do(t, "GET", "/v1.0/zzplatform/heavy", tok, nil); w.Code != 200 {
		t.Fatalf("after waiting Retry-After: %d", w.Code)
	}
	// The bucket is per app+tenant: another app is not throttled.
	other, _ := f.s.IssueToken(platTenantID, platOtherApp, "https://graph.microsoft.com", nil)
	if w := f.do(t, "GET", "/v1.0/zzplatform/heavy", other, nil); w.Code != 200 {
		t.Fatalf("other app: %d", w.Code)
	}
}

func TestGraphThrottlingInsideBatch(t *testing.T) {
	f := newPlatFixture(t, platThrottled)
	tok := f.token(t, "https://graph.microsoft.com")
	for i := 0; i < 7; i++ {
		f.do(t, "GET", "/v1.0/zzplatform/heavy", tok, nil)
	}
	r := f.innerRequest(tok, "/v1.0/zzplatform/heavy")
	status, hdr, body := f.s.dispatchInner(r)
	if status != 429 || hdr.Get("Retry-After") != "1.429" {
		t.Fatalf("inner: %d %v %s", status, hdr, body)
	}
	if st := f.s.Stats(); st.Throttled != 1 || st.InnerRequests != 1 || st.Requests != 7 {
		t.Fatalf("stats %+v", st)
	}
}

func TestGraphWriteQuota(t *testing.T) {
	f := newPlatFixture(t, platThrottled)
	tok := f.token(t, "https://graph.microsoft.com")
	// 3,000 writes per 150 s per app+tenant; the RU bucket (3,500 at cost 1)
	// would allow more, so the write quota is what refuses.
	for i := 0; i < 3000; i++ {
		if w := f.do(t, "POST", "/v1.0/zzplatform/echo", tok, nil); w.Code != 200 {
			t.Fatalf("write %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	w := f.do(t, "POST", "/v1.0/zzplatform/echo", tok, nil)
	if w.Code != 429 || w.Header().Get("x-ms-throttle-information") != "WriteLimitExceeded" ||
		w.Header().Get("x-ms-throttle-scope") != "Tenant_Application/Write/"+platConnectorApp+"/"+platTenantID ||
		w.Header().Get("Retry-After") != "0.05" {
		t.Fatalf("write 3001: %d %v", w.Code, w.Header())
	}
	// Reads still pass: they draw on the RU bucket only.
	if w := f.do(t, "GET", "/v1.0/zzplatform/echo", tok, nil); w.Code != 200 {
		t.Fatalf("read after write quota: %d", w.Code)
	}
}

func TestAuditLogLimit(t *testing.T) {
	f := newPlatFixture(t, platThrottled)
	tok := f.token(t, "https://graph.microsoft.com")
	for i := 0; i < 100; i++ {
		if w := f.do(t, "GET", "/v1.0/auditLogs/zzplatform", tok, nil); w.Code != 200 {
			t.Fatalf("audit request %d: %d", i+1, w.Code)
		}
	}
	if w := f.do(t, "GET", "/beta/auditLogs/zzplatform", tok, nil); w.Code != 429 || w.Header().Get("Retry-After") != "0.1" {
		t.Fatalf("101st audit request: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestReportLimits(t *testing.T) {
	f := newPlatFixture(t, platThrottled)
	tok := f.token(t, "https://graph.microsoft.com")
	get := func(path string) int { return f.do(t, "GET", path, tok, nil).Code }
	for i := 0; i < 14; i++ {
		if c := get("/v1.0/zzplatform/reports/getOffice365ActiveUserDetail(period='D7')"); c != 200 {
			t.Fatalf("CSV request %d: %d", i+1, c)
		}
	}
	w := f.do(t, "GET", "/v1.0/zzplatform/reports/getOffice365ActiveUserDetail(period='D30')", tok, nil)
	// 14 per 600 s: one request every 42.857 s.
	if w.Code != 429 || w.Header().Get("Retry-After") != "42.858" {
		t.Fatalf("15th CSV request: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	platSameShape(t, "error_throttled_429.json", w.Body.Bytes())
	// Each report API is counted separately, up to 40 per tenant.
	for i := 0; i < 14; i++ {
		if c := get("/v1.0/zzplatform/reports/getEmailActivityUserDetail(period='D7')"); c != 200 {
			t.Fatalf("email CSV %d: %d", i+1, c)
		}
	}
	for i := 0; i < 12; i++ {
		if c := get("/v1.0/zzplatform/reports/getTeamsUserActivityUserDetail(period='D7')"); c != 200 {
			t.Fatalf("teams CSV %d: %d", i+1, c)
		}
	}
	if c := get("/v1.0/zzplatform/reports/getMailboxUsageDetail(period='D7')"); c != 429 {
		t.Fatalf("41st CSV request for the tenant: %d, want 429", c)
	}
	// JSON has its own, larger limit.
	for i := 0; i < 100; i++ {
		if c := get("/beta/zzplatform/reports/getOffice365ActiveUserDetail(period='D7')?$format=application/json"); c != 200 {
			t.Fatalf("JSON request %d: %d", i+1, c)
		}
	}
	if c := get("/beta/zzplatform/reports/getOffice365ActiveUserDetail(period='D7')?$format=application/json"); c != 429 {
		t.Fatalf("101st JSON request: %d", c)
	}
	if st := f.s.Stats(); st.Throttled != 3 {
		t.Fatalf("throttled %d, want 3", st.Throttled)
	}
}

func TestARMThrottling(t *testing.T) {
	f := newPlatFixture(t, platThrottled)
	tok := f.token(t, "https://management.azure.com")
	const sub = "2f4a9838-26b7-47ee-be60-ccc1fdec5953"
	target := "/subscriptions/" + sub + "/zzplatform?api-version=2022-12-01"
	for i := 0; i < 250; i++ {
		w := f.do(t, "GET", target, tok, nil)
		if w.Code != 200 || w.Header().Get("x-ms-ratelimit-remaining-subscription-reads") != strconv.Itoa(249-i) {
			t.Fatalf("read %d: %d remaining %q", i+1, w.Code, w.Header().Get("x-ms-ratelimit-remaining-subscription-reads"))
		}
	}
	w := f.do(t, "GET", target, tok, nil)
	var body armErrorBody
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" || body.Error.Code != "SubscriptionRequestsThrottled" ||
		body.Error.Message != "Number of 'read' requests for subscription '"+sub+"' actor '"+platConnectorSP+"' exceeded. Please try again after '1' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information." {
		t.Fatalf("251st read: %d %v %s", w.Code, w.Header(), w.Body)
	}
	// 25 tokens per second.
	f.clock.advance(time.Second)
	for i := 0; i < 25; i++ {
		if w := f.do(t, "GET", target, tok, nil); w.Code != 200 {
			t.Fatalf("after 1 s, read %d: %d", i+1, w.Code)
		}
	}
	if w := f.do(t, "GET", target, tok, nil); w.Code != 429 {
		t.Fatalf("26th read after 1 s: %d", w.Code)
	}
	// Another subscription has its own bucket.
	if w := f.do(t, "GET", "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/zzplatform?api-version=1", tok, nil); w.Code != 200 {
		t.Fatalf("other subscription: %d", w.Code)
	}
}

func TestThrottlingOff(t *testing.T) {
	f := newPlatFixture(t, nil)
	tok := f.token(t, "https://graph.microsoft.com")
	for i := 0; i < 20; i++ {
		w := f.do(t, "GET", "/v1.0/zzplatform/heavy", tok, nil)
		if w.Code != 200 || w.Header().Get("x-ms-throttle-limit-percentage") != "" || w.Header().Get("x-ms-resource-unit") != "500" {
			t.Fatalf("request %d: %d %v", i+1, w.Code, w.Header())
		}
	}
}

func TestBucketRefill(t *testing.T) {
	l := per(10, 10*time.Second)
	var b bucket
	t0 := time.Unix(1_700_000_000, 0)
	if ok, _, rem := b.take(t0, l, 10); !ok || rem != 0 {
		t.Fatalf("first take: ok %v rem %v", ok, rem)
	}
	if ok, wait, _ := b.take(t0, l, 3); ok || wait != 3*time.Second {
		t.Fatalf("empty bucket: ok %v wait %v", ok, wait)
	}
	if ok, _, rem := b.take(t0.Add(100*time.Second), l, 1); !ok || rem != 9 {
		t.Fatalf("refill caps at capacity: ok %v rem %v", ok, rem)
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{2128 * time.Millisecond, "2.128"}, {0, "0.001"}, {1500 * time.Microsecond, "0.002"}, {42857142857, "42.858"}, {time.Second, "1"}} {
		if got := formatRetryAfter(c.d); got != c.want {
			t.Errorf("formatRetryAfter(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestARMWriteAndDeleteBuckets(t *testing.T) {
	f := newPlatFixture(t, platThrottled)
	tok := f.token(t, "https://management.azure.com")
	target := "/subscriptions/2f4a9838-26b7-47ee-be60-ccc1fdec5953/zzplatform?api-version=2022-04-01"
	for i := 0; i < 200; i++ {
		w := f.do(t, "PUT", target, tok, nil)
		if w.Code != 200 || w.Header().Get("x-ms-ratelimit-remaining-subscription-writes") != strconv.Itoa(199-i) {
			t.Fatalf("write %d: %d %v", i+1, w.Code, w.Header())
		}
	}
	w := f.do(t, "PUT", target, tok, nil)
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "Number of 'write' requests for subscription") {
		t.Fatalf("201st write: %d %s", w.Code, w.Body)
	}
	// Deletes and reads have buckets of their own.
	if w := f.do(t, "DELETE", target, tok, nil); w.Code != 200 || w.Header().Get("x-ms-ratelimit-remaining-subscription-deletes") != "199" {
		t.Fatalf("delete: %d %v", w.Code, w.Header())
	}
	if w := f.do(t, "GET", target, tok, nil); w.Code != 200 {
		t.Fatalf("read: %d", w.Code)
	}
	// Writes refill at 10 per second.
	f.clock.advance(time.Second)
	for i := 0; i < 10; i++ {
		if w := f.do(t, "PUT", target, tok, nil); w.Code != 200 {
			t.Fatalf("after 1 s, write %d: %d", i+1, w.Code)
		}
	}
	if w := f.do(t, "PUT", target, tok, nil); w.Code != 429 {
		t.Fatalf("11th write after 1 s: %d", w.Code)
	}
}

// TestThrottlingIsExactUnderConcurrency: with the clock frozen, concurrent
// clients together get exactly the bucket's capacity, never more.
func TestThrottlingIsExactUnderConcurrency(t *testing.T) {
	f := newPlatFixture(t, platThrottled)
	tok := f.token(t, "https://graph.microsoft.com")
	var mu sync.Mutex
	served := 0
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				w := f.do(t, "GET", "/v1.0/zzplatform/heavy", tok, nil)
				if w.Code == 200 {
					mu.Lock()
					served++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	// 3,500 RU at 500 RU per request.
	if st := f.s.Stats(); served != 7 || st.Throttled != 393 || st.Requests != 400 {
		t.Fatalf("served %d, stats %+v", served, st)
	}
}
