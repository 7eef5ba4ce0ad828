package graphsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fixed identifiers of the hand-built platform test tenant.
const (
	platTenantID     = "9188040d-6c67-4c5b-b112-36a304b66dad"
	platConnectorApp = "11111111-2222-3333-4444-555555555555"
	platConnectorSP  = "a5dafafc-b6d0-49d3-ae6c-e933de91f2ad"
	platOtherApp     = "22222222-3333-4444-5555-666666666666"
	platOtherSP      = "b6ebfbfd-c7e1-4ae4-bf7d-fa44ef0203be"
	platDisabledApp  = "33333333-4444-5555-6666-777777777777"
	platGraphSP      = "c0ffee00-0000-4000-8000-000000000001"
	platSecret       = "Xy8Q~kF3.examplE-secret_value0123456789abc"
	platOldSecret    = "Ab1Q~expired-secret-value_0123456789abcdef"
	roleUserReadAll  = "df021288-bdef-4463-88db-98f22de89214" // User.Read.All app role id in Microsoft Graph
	roleDirReadAll   = "7ab1d382-f21e-4acd-a863-ba3e13f7da61" // Directory.Read.All
)

// platClock is a settable clock for Options.Clock.
type platClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *platClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *platClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// platFixture is a server over a hand-built tenant, independent of the
// generator, with a certificate registered on the connector.
type platFixture struct {
	s       *Server
	t       *Tenant
	clock   *platClock
	certKey *rsa.PrivateKey
	cert    *x509.Certificate
}

func newPlatFixture(tb testing.TB, mutate func(*Options)) *platFixture {
	tb.Helper()
	clock := &platClock{t: time.Now().UTC().Truncate(time.Second)}
	ten, key, cert := platTenant(tb, clock.now())
	opts := Options{Clock: clock.now}
	if mutate != nil {
		mutate(&opts)
	}
	s := New(opts, ten)
	platRoutes(s)
	return &platFixture{s: s, t: ten, clock: clock, certKey: key, cert: cert}
}

// platTenant builds the test tenant with credentials valid around now: the
// connector (a current and an expired secret, a certificate), another app
// holding Directory.Read.All through an app role assignment, a disabled app
// and the Microsoft Graph service principal.
func platTenant(tb testing.TB, now time.Time) (*Tenant, *rsa.PrivateKey, *x509.Certificate) {
	tb.Helper()
	key, cert := platSelfSigned(tb, "CN=tenantscope connector", now.Add(-time.Hour), now.Add(365*24*time.Hour))
	ten := &Tenant{
		ID:            platTenantID,
		DisplayName:   "Contoso",
		InitialDomain: "contoso.onmicrosoft.com",
		DefaultDomain: "contoso.com",
		Domains:       []*Domain{{ID: "contoso.onmicrosoft.com", IsInitial: true}, {ID: "contoso.com", IsDefault: true}},
		Applications: []*Application{
			{ID: "0a0a0a0a-0000-4000-8000-000000000001", AppID: platConnectorApp, DisplayName: "tenantscope connector",
				PasswordCredentials: []PasswordCredential{
					{KeyID: "0a0a0a0a-0000-4000-8000-00000000000a", SecretText: platOldSecret, StartDateTime: now.Add(-400 * 24 * time.Hour), EndDateTime: now.Add(-24 * time.Hour)},
					{KeyID: "0a0a0a0a-0000-4000-8000-00000000000b", SecretText: platSecret, StartDateTime: now.Add(-time.Hour), EndDateTime: now.Add(365 * 24 * time.Hour)},
				},
				KeyCredentials: []KeyCredential{{KeyID: "0a0a0a0a-0000-4000-8000-00000000000c", Type: "AsymmetricX509Cert", Usage: "Verify",
					StartDateTime: now.Add(-time.Hour), EndDateTime: now.Add(365 * 24 * time.Hour), Certificate: cert}},
			},
			{ID: "0a0a0a0a-0000-4000-8000-000000000002", AppID: platOtherApp, DisplayName: "Other app",
				PasswordCredentials: []PasswordCredential{{SecretText: platSecret, EndDateTime: now.Add(time.Hour)}}},
			{ID: "0a0a0a0a-0000-4000-8000-000000000003", AppID: platDisabledApp, DisplayName: "Disabled app",
				PasswordCredentials: []PasswordCredential{{SecretText: platSecret, EndDateTime: now.Add(time.Hour)}}},
		},
		ServicePrincipals: []*ServicePrincipal{
			{ID: platConnectorSP, AppID: platConnectorApp, DisplayName: "tenantscope connector", AccountEnabled: true},
			{ID: platOtherSP, AppID: platOtherApp, DisplayName: "Other app", AccountEnabled: true},
			{ID: "d0d0d0d0-0000-4000-8000-000000000003", AppID: platDisabledApp, DisplayName: "Disabled app", AccountEnabled: false},
			{ID: platGraphSP, AppID: graphAppID, DisplayName: "Microsoft Graph", AccountEnabled: true, AppRoles: []AppRole{
				{ID: roleUserReadAll, Value: "User.Read.All", IsEnabled: true, AllowedMemberTypes: []string{"Application"}},
				{ID: roleDirReadAll, Value: "Directory.Read.All", IsEnabled: true, AllowedMemberTypes: []string{"Application"}},
			}},
		},
		AppRoleAssignments: []*AppRoleAssignment{
			{ID: "x1", AppRoleID: roleDirReadAll, PrincipalID: platOtherSP, PrincipalType: "ServicePrincipal", ResourceID: platGraphSP},
		},
		Connector: Connector{ApplicationID: "0a0a0a0a-0000-4000-8000-000000000001", AppID: platConnectorApp,
			ServicePrincipalID: platConnectorSP, Granted: []string{"User.Read.All", "Reports.Read.All"}},
	}
	return ten, key, cert
}

// platEcho is what the test routes answer: the Caller they were given.
type platEcho struct {
	Tenant   string   `json:"tenant"`
	AppID    string   `json:"appId"`
	Audience string   `json:"audience"`
	Roles    []string `json:"roles"`
}

func platEchoCaller(w http.ResponseWriter, r *http.Request, c *Caller) {
	var roles []string
	for k := range c.Roles {
		roles = append(roles, k)
	}
	sort.Strings(roles)
	if callerFrom(r) != c {
		writeGraphError(w, r, 500, "test", "callerFrom differs from the handler's Caller")
		return
	}
	writeJSON(w, http.StatusOK, platEcho{Tenant: c.Tenant.ID, AppID: c.AppID, Audience: c.Audience, Roles: roles})
}

// platRoutes registers test-only routes on every wrapper, under a segment no
// real Graph or ARM route uses.
func platRoutes(s *Server) {
	s.graph("GET /zzplatform/echo", 1, platEchoCaller)
	s.graph("POST /zzplatform/echo", 1, platEchoCaller)
	s.graph("GET /zzplatform/heavy", 500, platEchoCaller)
	s.graphOnly("beta", "GET /zzplatform/betaonly", 1, platEchoCaller)
	s.graphReport("GET /zzplatform/reports/{fn}", platEchoCaller)
	s.graph("GET /auditLogs/zzplatform", 1, platEchoCaller)
	s.arm("GET /subscriptions/{sub}/zzplatform", platEchoCaller)
	s.arm("PUT /subscriptions/{sub}/zzplatform", platEchoCaller)
	s.arm("DELETE /subscriptions/{sub}/zzplatform", platEchoCaller)
	s.arm("GET /zzplatformtenant/providers", platEchoCaller)
	s.graph("GET /zzplatform/big", 1, func(w http.ResponseWriter, r *http.Request, c *Caller) {
		writeJSON(w, http.StatusOK, map[string]string{"value": strings.Repeat("x", 4000)})
	})
}

// platSelfSigned makes an RSA key and a self-signed certificate.
func platSelfSigned(tb testing.TB, cn string, from, to time.Time) (*rsa.PrivateKey, *x509.Certificate) {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn}, NotBefore: from, NotAfter: to}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return key, cert
}

// do serves one request in process and returns the recorder.
func (f *platFixture) do(tb testing.TB, method, target, token string, hdr map[string]string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(method, target, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.s.ServeHTTP(w, r)
	return w
}

// token issues a connector token for audience with the connector's roles.
func (f *platFixture) token(tb testing.TB, audience string) string {
	tb.Helper()
	tok, err := f.s.IssueToken(platTenantID, platConnectorApp, audience, []string{"User.Read.All"})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// innerRequest builds a $batch-style inner request.
func (f *platFixture) innerRequest(tok, path string) *http.Request {
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

// platExample loads a graph-examples copy from testdata/platform.
func platExample(tb testing.TB, name string) any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "platform", name))
	if err != nil {
		tb.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return v
}

// platShape describes a JSON value by property names and JSON types, the
// comparison Microsoft's examples allow (values differ per request).
func platShape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			m[k] = platShape(e)
		}
		return m
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{platShape(x[0])}
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return "?"
}

func platSameShape(tb testing.TB, exampleFile string, got []byte) map[string]any {
	tb.Helper()
	var g map[string]any
	if err := json.Unmarshal(got, &g); err != nil {
		tb.Fatalf("response is not a JSON object: %v: %s", err, got)
	}
	want := platShape(platExample(tb, exampleFile))
	if have := platShape(g); !reflect.DeepEqual(have, want) {
		tb.Fatalf("shape differs from %s:\n got  %v\n want %v", exampleFile, have, want)
	}
	return g
}

func TestGraphWrapperServesCallerOnBothVersions(t *testing.T) {
	f := newPlatFixture(t, nil)
	tok := f.token(t, "https://graph.microsoft.com")
	for _, path := range []string{"/v1.0/zzplatform/echo", "/beta/zzplatform/echo", "/beta/zzplatform/betaonly"} {
		w := f.do(t, "GET", path, tok, nil)
		if w.Code != 200 {
			t.Fatalf("%s: status %d: %s", path, w.Code, w.Body)
		}
		var e platEcho
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		want := platEcho{Tenant: platTenantID, AppID: platConnectorApp, Audience: "https://graph.microsoft.com", Roles: []string{"User.Read.All"}}
		if !reflect.DeepEqual(e, want) {
			t.Fatalf("%s: caller %+v, want %+v", path, e, want)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s: content type %q", path, ct)
		}
	}
	// graphOnly("beta") is not served under v1.0.
	w := f.do(t, "GET", "/v1.0/zzplatform/betaonly", tok, nil)
	if w.Code != 400 {
		t.Fatalf("v1.0 of a beta-only route: status %d, want 400", w.Code)
	}
}

func TestGraphRequestIDs(t *testing.T) {
	f := newPlatFixture(t, nil)
	tok := f.token(t, "https://graph.microsoft.com")
	const cid = "f58cc4de-b427-41de-b37c-46ee4925a26d"
	w := f.do(t, "GET", "/v1.0/zzplatform/echo", tok, map[string]string{"client-request-id": cid})
	if got := w.Header().Get("client-request-id"); got != cid {
		t.Fatalf("client-request-id %q, want the client's %q", got, cid)
	}
	if rid := w.Header().Get("request-id"); !isGUID(rid) || rid == cid {
		t.Fatalf("request-id %q: want a fresh GUID", rid)
	}
	// Without a client-request-id Graph uses the request-id for both.
	w = f.do(t, "GET", "/v1.0/zzplatform/echo", tok, nil)
	if rid, cid := w.Header().Get("request-id"), w.Header().Get("client-request-id"); rid != cid || !isGUID(rid) {
		t.Fatalf("request-id %q client-request-id %q: want the same GUID", rid, cid)
	}
}

func TestGraph401s(t *testing.T) {
	f := newPlatFixture(t, func(o *Options) { o.TokenLifetime = time.Hour })
	graphTok := f.token(t, "https://graph.microsoft.com")
	armTok := f.token(t, "https://management.azure.com")
	other := newPlatFixture(t, nil)
	foreign := other.token(t, "https://graph.microsoft.com") // signed by another simulator's key
	parts := strings.Split(graphTok, ".")
	tampered := parts[0] + "." + b64.EncodeToString([]byte(`{"aud":"https://graph.microsoft.com","tid":"`+platTenantID+`"}`)) + "." + parts[2]

	cases := []struct {
		name, token, msg string
	}{
		{"missing", "", "Access token is empty."},
		{"malformed", "not-a-jwt", "CompactToken parsing failed with error code: 80049217"},
		{"foreign key", foreign, "Access token validation failure."},
		{"tampered", tampered, "Access token validation failure."},
		{"wrong audience", armTok, "Access token validation failure. Invalid audience."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := f.do(t, "GET", "/v1.0/zzplatform/echo", c.token, nil)
			if w.Code != 401 {
				t.Fatalf("status %d, want 401: %s", w.Code, w.Body)
			}
			body := platSameShape(t, "error_not_found_observed.json", w.Body.Bytes())
			e := body["error"].(map[string]any)
			if e["code"] != "InvalidAuthenticationToken" || e["message"] != c.msg {
				t.Fatalf("error %v, want InvalidAuthenticationToken %q", e, c.msg)
			}
			inner := e["innerError"].(map[string]any)
			if inner["request-id"] != w.Header().Get("request-id") {
				t.Fatalf("innerError request-id %v, header %q", inner["request-id"], w.Header().Get("request-id"))
			}
			if _, err := time.Parse(graphDateFormat, inner["date"].(string)); err != nil {
				t.Fatalf("innerError date %v: %v", inner["date"], err)
			}
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer ") {
				t.Fatalf("WWW-Authenticate %q", w.Header().Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		f.clock.advance(time.Hour)
		w := f.do(t, "GET", "/v1.0/zzplatform/echo", graphTok, nil)
		if w.Code != 401 || !strings.Contains(w.Body.String(), `"message":"Access token has expired or is not yet valid."`) {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
	})
}

func TestARMWrapper(t *testing.T) {
	f := newPlatFixture(t, nil)
	armTok := f.token(t, "https://management.azure.com")
	const sub = "2f4a9838-26b7-47ee-be60-ccc1fdec5953"
	w := f.do(t, "GET", "/subscriptions/"+sub+"/zzplatform?api-version=2022-12-01", armTok, nil)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if got := w.Header().Get("x-ms-ratelimit-remaining-subscription-reads"); got != "249" {
		t.Fatalf("remaining reads %q, want 249", got)
	}
	if !isGUID(w.Header().Get("x-ms-request-id")) || !isGUID(w.Header().Get("x-ms-correlation-request-id")) {
		t.Fatalf("ARM tracing headers missing: %v", w.Header())
	}
	w = f.do(t, "GET", "/zzplatformtenant/providers?api-version=2021-04-01", armTok, nil)
	if w.Code != 200 || w.Header().Get("x-ms-ratelimit-remaining-tenant-reads") != "249" {
		t.Fatalf("tenant-level: status %d headers %v", w.Code, w.Header())
	}

	cases := []struct {
		name, target, token string
		status              int
		code, msgPrefix     string
	}{
		{"no api-version", "/subscriptions/" + sub + "/zzplatform", armTok, 400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."},
		{"missing token", "/subscriptions/" + sub + "/zzplatform?api-version=1", "", 401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."},
		{"graph token", "/subscriptions/" + sub + "/zzplatform?api-version=1", f.token(t, "https://graph.microsoft.com"), 401, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource 'https://graph.microsoft.com'."},
		{"malformed", "/subscriptions/" + sub + "/zzplatform?api-version=1", "abc.def", 401, "InvalidAuthenticationToken", "The access token is invalid."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := f.do(t, "GET", c.target, c.token, nil)
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if w.Code != c.status || body.Error.Code != c.code || !strings.HasPrefix(body.Error.Message, c.msgPrefix) {
				t.Fatalf("got %d %q %q, want %d %q %q", w.Code, body.Error.Code, body.Error.Message, c.status, c.code, c.msgPrefix)
			}
			var raw map[string]map[string]any
			_ = json.Unmarshal(w.Body.Bytes(), &raw)
			if len(raw) != 1 || len(raw["error"]) != 2 {
				t.Fatalf("ARM error body must be exactly {error:{code,message}}: %s", w.Body)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		f.clock.advance(2 * time.Hour)
		w := f.do(t, "GET", "/subscriptions/"+sub+"/zzplatform?api-version=1", armTok, nil)
		if w.Code != 401 || !strings.Contains(w.Body.String(), `"code":"ExpiredAuthenticationToken"`) ||
			!strings.Contains(w.Body.String(), "is earlier than current UTC time") {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
	})
}

func TestResourceUnits(t *testing.T) {
	cases := []struct {
		base  int
		query string
		want  int
	}{
		{2, "", 2},
		{2, "$select=id", 1},
		{1, "$select=id", 1}, // never below 1
		{2, "$expand=manager", 3},
		{2, "$top=10", 1},
		{2, "$top=20", 2},
		{3, "$select=id&$top=5", 1},
		{5, "$select=id&$expand=members&$top=999", 5},
		{2, "$top=abc", 2},
		{2, "%24select=id&%24top=5", 1},
		{2, "$select=", 2},
		{2, "$expand=manager&$expand=", 3},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/v1.0/users?"+c.query, nil)
		if got := resourceUnits(c.base, r); got != c.want {
			t.Errorf("resourceUnits(%d, %q) = %d, want %d", c.base, c.query, got, c.want)
		}
	}
	f := newPlatFixture(t, nil)
	w := f.do(t, "GET", "/v1.0/zzplatform/heavy?$select=id&$top=5", f.token(t, "https://graph.microsoft.com"), nil)
	if got := w.Header().Get("x-ms-resource-unit"); got != "498" {
		t.Fatalf("x-ms-resource-unit %q, want 498", got)
	}
}

func TestFallback(t *testing.T) {
	f := newPlatFixture(t, nil)
	cases := []struct {
		method, path string
		status       int
		code, msg    string
	}{
		{"GET", "/v1.0/zzbogus", 400, "BadRequest", "Resource not found for the segment 'zzbogus'."},
		{"GET", "/v1.0/zzplatform/nothing", 400, "BadRequest", "Resource not found for the segment 'nothing'."},
		{"DELETE", "/v1.0/zzplatform/echo", 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri."},
		{"GET", "/nothing/here", 404, "NotFound", "Resource not found for the request URI '/nothing/here'."},
	}
	for _, c := range cases {
		w := f.do(t, c.method, c.path, "", nil)
		if w.Code != c.status {
			t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, w.Code, c.status, w.Body)
		}
		body := platSameShape(t, "error_not_found_observed.json", w.Body.Bytes())
		e := body["error"].(map[string]any)
		if e["code"] != c.code || e["message"] != c.msg {
			t.Fatalf("%s %s: %v", c.method, c.path, e)
		}
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("content type %q", w.Header().Get("Content-Type"))
		}
	}
	w := f.do(t, "GET", "/tenants/zzbogus/y", "", nil)
	if w.Code != 404 || !strings.HasPrefix(w.Body.String(), `{"error":{"code":"NotFound","message":`) {
		t.Fatalf("ARM fallback: %d %s", w.Code, w.Body)
	}
}

func TestDispatchInnerAndStats(t *testing.T) {
	f := newPlatFixture(t, nil)
	tok := f.token(t, "https://graph.microsoft.com")
	f.do(t, "GET", "/v1.0/zzplatform/echo", tok, nil)
	f.do(t, "GET", "/v1.0/zzplatform/echo", "", nil)

	inner := httptest.NewRequest("GET", "/v1.0/zzplatform/echo", nil)
	inner.Header.Set("Authorization", "Bearer "+tok)
	status, hdr, body := f.s.dispatchInner(inner)
	if status != 200 || !strings.Contains(string(body), `"appId":"`+platConnectorApp+`"`) || hdr.Get("x-ms-resource-unit") != "1" {
		t.Fatalf("inner: %d %v %s", status, hdr, body)
	}
	st := f.s.Stats()
	want := Stats{Requests: 2, InnerRequests: 1, Throttled: 0,
		ByRoute:  map[string]int64{"GET /v1.0/zzplatform/echo": 3},
		ByStatus: map[int]int64{200: 2, 401: 1}}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	log := f.s.Requests(10)
	if len(log) != 3 || log[0].Status != 200 || log[1].Status != 401 || !log[2].Inner || log[2].AppID != platConnectorApp || log[2].TenantID != platTenantID {
		t.Fatalf("request log %+v", log)
	}

	// The admin endpoints report the same and are not themselves counted.
	w := f.do(t, "GET", "/_sim/stats", "", nil)
	var got Stats
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("/_sim/stats %s (%v)", w.Body, err)
	}
	w = f.do(t, "GET", "/_sim/requests?limit=2", "", nil)
	var rl struct{ Value []RequestRecord }
	if err := json.Unmarshal(w.Body.Bytes(), &rl); err != nil || len(rl.Value) != 2 || rl.Value[1].Route != "GET /v1.0/zzplatform/echo" {
		t.Fatalf("/_sim/requests %s (%v)", w.Body, err)
	}
	if w := f.do(t, "GET", "/_sim/requests?limit=x", "", nil); w.Code != 400 {
		t.Fatalf("bad limit: %d", w.Code)
	}
	if w := f.do(t, "POST", "/_sim/reset", "", nil); w.Code != 204 {
		t.Fatalf("reset: %d", w.Code)
	}
	if st := f.s.Stats(); st.Requests != 0 || st.InnerRequests != 0 || len(st.ByRoute) != 0 || len(f.s.Requests(0)) != 0 {
		t.Fatalf("after reset: %+v", st)
	}

	// Churn and the passage of days, for hands-on delta syncs.
	for _, bad := range []string{"/_sim/churn", "/_sim/churn?fraction=2", "/_sim/churn?fraction=0.1&seed=x",
		"/_sim/advance-days", "/_sim/advance-days?days=0", "/_sim/advance-days?days=1000"} {
		if w := f.do(t, "POST", bad, "", nil); w.Code != 400 {
			t.Errorf("POST %s: %d, want 400", bad, w.Code)
		}
	}
	tenants := f.s.distinctTenants()
	if len(tenants) == 0 {
		t.Fatal("no tenant served")
	}
	ten := tenants[0]
	before := ten.Now
	w = f.do(t, "POST", "/_sim/advance-days?days=2&seed=4", "", nil)
	var days map[string]DaysSummary
	if err := json.Unmarshal(w.Body.Bytes(), &days); err != nil || w.Code != 200 || days[ten.ID].Days != 2 || !ten.Now.Equal(before.AddDate(0, 0, 2)) {
		t.Fatalf("advance-days: %d %s (%v); now %v, was %v", w.Code, w.Body, err, ten.Now, before)
	}
	// (This platform test's tenant has no people to churn; the summary
	// still names it. TestChurn covers what churn does.)
	w = f.do(t, "POST", "/_sim/churn?fraction=0.2&seed=3", "", nil)
	var churn map[string]ChurnSummary
	if err := json.Unmarshal(w.Body.Bytes(), &churn); err != nil || w.Code != 200 {
		t.Fatalf("churn: %d %s (%v)", w.Code, w.Body, err)
	}
	if _, ok := churn[ten.ID]; !ok {
		t.Fatalf("churn summary does not name tenant %s: %s", ten.ID, w.Body)
	}
}

func TestRequestLogIsBounded(t *testing.T) {
	f := newPlatFixture(t, nil)
	for i := 0; i < requestLogSize+10; i++ {
		f.do(t, "GET", "/nothing?i="+url.QueryEscape(strings.Repeat("a", i%3)), "", nil)
	}
	log := f.s.Requests(0)
	if len(log) != requestLogSize {
		t.Fatalf("log holds %d, want %d", len(log), requestLogSize)
	}
	if st := f.s.Stats(); st.Requests != requestLogSize+10 || st.ByStatus[404] != requestLogSize+10 {
		t.Fatalf("stats %+v", st)
	}
}

func TestIsGUIDAndRandomGUID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		g := randomGUID()
		if !isGUID(g) || g[14] != '4' || !strings.ContainsRune("89ab", rune(g[19])) || seen[g] {
			t.Fatalf("randomGUID %q", g)
		}
		seen[g] = true
	}
	for _, bad := range []string{"", "9188040d6c674c5bb11236a304b66dad", "9188040d-6c67-4c5b-b112-36a304b66daz", "9188040d-6c67-4c5b-b112_36a304b66dad"} {
		if isGUID(bad) {
			t.Fatalf("isGUID(%q) = true", bad)
		}
	}
}

// BenchmarkGraphWrapper measures what the platform adds to a Graph request
// in process: request ids, token validation (cached after the first
// verification), RU accounting, stats and the log; "refused" is the 429 path.
func BenchmarkGraphWrapper(b *testing.B) {
	for _, c := range []struct {
		name     string
		throttle bool
	}{{"served", false}, {"refused", true}} {
		b.Run(c.name, func(b *testing.B) {
			f := newPlatFixture(b, func(o *Options) { o.Throttle = c.throttle })
			tok := f.token(b, "https://graph.microsoft.com")
			want := 200
			if c.throttle {
				want = 429
				for i := 0; i < 7; i++ { // spend the 3,500 RU; the clock stands still
					f.do(b, "GET", "/v1.0/zzplatform/heavy", tok, nil)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := httptest.NewRequest("GET", "/v1.0/zzplatform/heavy", nil)
					r.Header.Set("Authorization", "Bearer "+tok)
					w := httptest.NewRecorder()
					f.s.ServeHTTP(w, r)
					if w.Code != want {
						b.Errorf("status %d, want %d", w.Code, want)
						return
					}
				}
			})
		})
	}
}

// BenchmarkTokenValidationUncached is the RSA verification a new token costs.
func BenchmarkTokenValidationUncached(b *testing.B) {
	f := newPlatFixture(b, nil)
	tok := f.token(b, "https://graph.microsoft.com")
	b.ReportAllocs()
	for b.Loop() {
		f.s.platform.tokens = tokenCache{}
		if _, _, why := f.s.validateAccessToken(tok); why != authOK {
			b.Fatal(why)
		}
	}
}
