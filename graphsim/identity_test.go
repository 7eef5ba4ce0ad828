package graphsim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// postToken posts a token request in process.
func (f *platFixture) postToken(tb testing.TB, tenant string, form url.Values, mod func(*http.Request)) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest("POST", "https://login.microsoftonline.com/"+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if mod != nil {
		mod(r)
	}
	w := httptest.NewRecorder()
	f.s.ServeHTTP(w, r)
	return w
}

func platSecretForm(clientID, secret, scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}, "scope": {scope}}
}

// platDecodeClaims returns the header and claims of a JWT, as generic JSON.
func platDecodeClaims(tb testing.TB, tok string) (map[string]any, map[string]any) {
	tb.Helper()
	p, err := parseJWT(tok)
	if err != nil {
		tb.Fatal(err)
	}
	var hdr, claims map[string]any
	h, _ := b64.DecodeString(strings.Split(tok, ".")[0])
	if err := json.Unmarshal(h, &hdr); err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(p.payload, &claims); err != nil {
		tb.Fatal(err)
	}
	return hdr, claims
}

func TestTokenClientSecret(t *testing.T) {
	f := newPlatFixture(t, nil)
	for _, tc := range []struct {
		name, tenant string
		mod          func(*http.Request)
		form         url.Values
	}{
		{"form secret, tenant id", platTenantID, nil, platSecretForm(platConnectorApp, platSecret, "https://graph.microsoft.com/.default")},
		{"form secret, domain", "contoso.com", nil, platSecretForm(platConnectorApp, platSecret, "https://graph.microsoft.com/.default")},
		{"basic auth", "contoso.onmicrosoft.com", func(r *http.Request) {
			r.SetBasicAuth(url.QueryEscape(platConnectorApp), url.QueryEscape(platSecret))
		}, url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}},
		{"extra OIDC scopes and claims", platTenantID, nil, func() url.Values {
			v := platSecretForm(platConnectorApp, platSecret, "https://graph.microsoft.com/.default openid offline_access profile")
			v.Set("claims", `{"access_token":{"xms_cc":{"values":["CP1"]}}}`)
			return v
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := f.postToken(t, tc.tenant, tc.form, tc.mod)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			body := platSameShape(t, "token_response_wire_observed.json", w.Body.Bytes())
			if body["token_type"] != "Bearer" || body["expires_in"] != 3599.0 || body["ext_expires_in"] != 3599.0 {
				t.Fatalf("body %v", body)
			}
			if got := w.Header().Get("Cache-Control"); got != "no-store, no-cache" {
				t.Fatalf("Cache-Control %q", got)
			}
			if !isGUID(w.Header().Get("x-ms-request-id")) {
				t.Fatalf("x-ms-request-id %q", w.Header().Get("x-ms-request-id"))
			}
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("content type %q", w.Header().Get("Content-Type"))
			}
			// The token works on Graph.
			g := f.do(t, "GET", "/v1.0/zzplatform/echo", body["access_token"].(string), nil)
			if g.Code != 200 || !strings.Contains(g.Body.String(), `"roles":["Reports.Read.All","User.Read.All"]`) {
				t.Fatalf("graph with issued token: %d %s", g.Code, g.Body)
			}
		})
	}
}

func TestTokenClaims(t *testing.T) {
	f := newPlatFixture(t, nil)
	now := f.clock.now().Unix()
	w := f.postToken(t, platTenantID, platSecretForm(platConnectorApp, platSecret, "https://graph.microsoft.com/.default"), nil)
	var resp tokenResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	hdr, claims := platDecodeClaims(t, resp.AccessToken)
	km, _ := f.s.platform.keys.get()
	if !reflect.DeepEqual(hdr, map[string]any{"typ": "JWT", "alg": "RS256", "x5t": km.kid, "kid": km.kid}) {
		t.Fatalf("header %v", hdr)
	}
	iss := "https://sts.windows.net/" + platTenantID + "/"
	want := map[string]any{
		"aud": "https://graph.microsoft.com", "iss": iss, "idp": iss,
		"iat": float64(now), "nbf": float64(now), "exp": float64(now + 3599),
		"app_displayname": "tenantscope connector", "appid": platConnectorApp, "appidacr": "1",
		"idtyp": "app", "oid": platConnectorSP, "sub": platConnectorSP, "tid": platTenantID,
		"roles": []any{"User.Read.All", "Reports.Read.All"}, "ver": "1.0",
	}
	for k, v := range want {
		if !reflect.DeepEqual(claims[k], v) {
			t.Errorf("claim %s = %#v, want %#v", k, claims[k], v)
		}
	}
	for _, k := range []string{"uti", "rh", "aio"} {
		if s, _ := claims[k].(string); s == "" {
			t.Errorf("claim %s missing", k)
		}
	}
	// Every claim of Microsoft's observed token is present with the same JSON
	// type, except those tied to a tenant's history (xms_tcdt,
	// tenant_region_scope); roles is extra because this app holds permissions.
	obs := platShape(platExample(t, "token_claims_graph_app_only_observed.json")).(map[string]any)
	delete(obs, "xms_tcdt")
	delete(obs, "tenant_region_scope")
	got := platShape(claims).(map[string]any)
	delete(got, "roles")
	if !reflect.DeepEqual(got, obs) {
		t.Fatalf("claims shape %v\nwant %v", got, obs)
	}

	// The signature verifies with the published JWKS.
	jw := f.do(t, "GET", "/contoso.com/discovery/v2.0/keys", "", nil)
	var set struct{ Keys []jwk }
	if err := json.Unmarshal(jw.Body.Bytes(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS %s", jw.Body)
	}
	k := set.Keys[0]
	n, _ := b64.DecodeString(k.N)
	e, _ := b64.DecodeString(k.E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	parts := strings.Split(resp.AccessToken, ".")
	sig, _ := b64.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil || k.Kid != km.kid || k.E != "AQAB" {
		t.Fatalf("token does not verify against JWKS key %+v: %v", k, err)
	}
	if k.Issuer != "http://example.com/"+platTenantID+"/v2.0" {
		t.Fatalf("JWKS issuer %q", k.Issuer)
	}
}

func TestTokenAudiencesAndRoles(t *testing.T) {
	f := newPlatFixture(t, nil)
	cases := []struct {
		app, scope, aud string
		roles           any
	}{
		{platConnectorApp, "https://management.azure.com/.default", "https://management.azure.com", nil},
		{platConnectorApp, "https://management.core.windows.net//.default", "https://management.core.windows.net/", nil},
		{platConnectorApp, graphAppID + "/.default", graphAppID, []any{"User.Read.All", "Reports.Read.All"}},
		{platConnectorApp, "https://graph.microsoft.com//.default", "https://graph.microsoft.com", []any{"User.Read.All", "Reports.Read.All"}},
		// Not the connector: roles come from app role assignments to Graph.
		{platOtherApp, "https://graph.microsoft.com/.default", "https://graph.microsoft.com", []any{"Directory.Read.All"}},
	}
	for _, c := range cases {
		w := f.postToken(t, platTenantID, platSecretForm(c.app, platSecret, c.scope), nil)
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", c.scope, w.Code, w.Body)
		}
		var resp tokenResponse
		_ = json.Unmarshal(w.Body.Bytes(), &resp)
		_, claims := platDecodeClaims(t, resp.AccessToken)
		if claims["aud"] != c.aud || !reflect.DeepEqual(claims["roles"], c.roles) {
			t.Fatalf("%s %s: aud %v roles %#v, want %v %#v", c.app, c.scope, claims["aud"], claims["roles"], c.aud, c.roles)
		}
	}
}

// platTokenErrorCase is one failing token request and Microsoft's answer.
type platTokenErrorCase struct {
	name   string
	tenant string
	form   url.Values
	status int
	oauth  string
	code   int
	text   string // error_description up to "\r\nTrace ID"
}

func TestTokenErrors(t *testing.T) {
	f := newPlatFixture(t, nil)
	graph := "https://graph.microsoft.com/.default"
	noCred := url.Values{"grant_type": {"client_credentials"}, "client_id": {platConnectorApp}, "scope": {graph}}
	cases := []platTokenErrorCase{
		{"wrong secret", platTenantID, platSecretForm(platConnectorApp, "nope", graph), 401, "invalid_client", 7000215,
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + platConnectorApp + "'."},
		{"expired secret", platTenantID, platSecretForm(platConnectorApp, platOldSecret, graph), 401, "invalid_client", 7000222,
			"The provided client secret keys for app '" + platConnectorApp + "' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."},
		{"no credential", platTenantID, noCred, 401, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'."},
		{"unknown tenant", "12345678-1234-1234-1234-123456789012", platSecretForm(platConnectorApp, platSecret, graph), 400, "invalid_request", 90002,
			"Tenant '12345678-1234-1234-1234-123456789012' not found. This may happen if there are no active subscriptions for the tenant. Check to make sure you have the correct tenant ID. Check with your subscription administrator."},
		{"unknown domain", "fabrikam.com", platSecretForm(platConnectorApp, platSecret, graph), 400, "invalid_request", 90002,
			"Tenant 'fabrikam.com' not found. This may happen if there are no active subscriptions for the tenant. Check to make sure you have the correct tenant ID. Check with your subscription administrator."},
		{"malformed tenant", "not_a_tenant!", platSecretForm(platConnectorApp, platSecret, graph), 400, "invalid_request", 900023,
			"Specified tenant identifier 'not_a_tenant!' is neither a valid DNS name, nor a valid external domain."},
		{"app not in tenant", platTenantID, platSecretForm("99999999-9999-9999-9999-999999999999", platSecret, graph), 400, "unauthorized_client", 700016,
			"Application with identifier '99999999-9999-9999-9999-999999999999' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."},
		{"disabled app", platTenantID, platSecretForm(platDisabledApp, platSecret, graph), 400, "unauthorized_client", 7000112,
			"Application '" + platDisabledApp + "'(Disabled app) is disabled."},
		{"delegated scope", platTenantID, platSecretForm(platConnectorApp, platSecret, "https://graph.microsoft.com/User.Read"), 400, "invalid_scope", 1002012,
			"The provided value for scope https://graph.microsoft.com/User.Read is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."},
		{"only OIDC scopes", platTenantID, platSecretForm(platConnectorApp, platSecret, "openid profile"), 400, "invalid_scope", 70011,
			"The provided value for the input parameter 'scope' isn't valid. The scope openid profile isn't valid."},
		{"two resources", platTenantID, platSecretForm(platConnectorApp, platSecret, graph+" https://management.azure.com/.default"), 400, "invalid_scope", 700022,
			"The provided value for the input parameter scope is not valid because it contains more than one resource. Scope https://graph.microsoft.com/.default https://management.azure.com/.default is not valid."},
		{"unknown resource", platTenantID, platSecretForm(platConnectorApp, platSecret, "https://example.contoso.com/.default"), 400, "invalid_resource", 500011,
			"The resource principal named https://example.contoso.com was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."},
		{"password grant", platTenantID, url.Values{"grant_type": {"password"}, "client_id": {platConnectorApp}, "scope": {graph}}, 400, "unsupported_grant_type", 70003,
			"The app requested an unsupported grant type 'password'."},
		{"no grant type", platTenantID, url.Values{"client_id": {platConnectorApp}, "scope": {graph}}, 400, "invalid_request", 900144,
			"The request body must contain the following parameter: 'grant_type'."},
		{"no scope", platTenantID, url.Values{"grant_type": {"client_credentials"}, "client_id": {platConnectorApp}, "client_secret": {platSecret}}, 400, "invalid_request", 900144,
			"The request body must contain the following parameter: 'scope'."},
		{"common tenant", "common", platSecretForm(platConnectorApp, platSecret, graph), 400, "invalid_request", 50059,
			"No tenant-identifying information found in either the request or implied by any provided credentials."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const corr = "a4b83fcf-5fd9-44ea-9dbc-43abb1d59a75"
			w := f.postToken(t, c.tenant, c.form, func(r *http.Request) { r.Header.Set("client-request-id", corr) })
			platCheckTokenError(t, w, c, corr)
		})
	}
}

// platCheckTokenError asserts the full error body: status, shape identical to
// Microsoft's 90002 sample, and every field consistent.
func platCheckTokenError(t *testing.T, w *httptest.ResponseRecorder, c platTokenErrorCase, corr string) {
	t.Helper()
	if w.Code != c.status {
		t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
	}
	platSameShape(t, "token_error_tenant_not_found_90002.json", w.Body.Bytes())
	// The docs sample (invalid scope) has the same properties too.
	platSameShape(t, "token_error_invalid_scope.json", w.Body.Bytes())
	var e tokenError
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if e.Error != c.oauth || !reflect.DeepEqual(e.ErrorCodes, []int{c.code}) {
		t.Fatalf("error %q codes %v, want %q [%d]", e.Error, e.ErrorCodes, c.oauth, c.code)
	}
	wantDesc := fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", c.code, c.text, e.TraceID, e.CorrelationID, e.Timestamp)
	if e.ErrorDescription != wantDesc {
		t.Fatalf("error_description\n got %q\nwant %q", e.ErrorDescription, wantDesc)
	}
	if corr != "" && e.CorrelationID != corr {
		t.Fatalf("correlation_id %q, want the client-request-id %q", e.CorrelationID, corr)
	}
	if !isGUID(e.TraceID) || w.Header().Get("x-ms-request-id") != e.TraceID {
		t.Fatalf("trace_id %q, x-ms-request-id %q", e.TraceID, w.Header().Get("x-ms-request-id"))
	}
	if _, err := time.Parse("2006-01-02 15:04:05Z", e.Timestamp); err != nil {
		t.Fatalf("timestamp %q: %v", e.Timestamp, err)
	}
	if e.ErrorURI != fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", c.code) {
		t.Fatalf("error_uri %q", e.ErrorURI)
	}
	if w.Header().Get("Cache-Control") != "no-store, no-cache" {
		t.Fatalf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
}

// assertion builds a client assertion as MSAL does.
type platAssertionSpec struct {
	alg       string // RS256 or PS256
	thumb     string // "x5t", "x5t#S256" or "x5c"
	aud       string
	iss, sub  string
	exp, nbf  int64
	key       *rsa.PrivateKey
	x5cCertDE []byte
}

func platAssertion(tb testing.TB, a platAssertionSpec) string {
	tb.Helper()
	hdr := map[string]any{"alg": a.alg, "typ": "JWT"}
	switch a.thumb {
	case "x5t":
		s := sha1.Sum(a.x5cCertDE)
		hdr["x5t"] = base64.StdEncoding.EncodeToString(s[:])
	case "x5t#S256":
		s := sha256.Sum256(a.x5cCertDE)
		hdr["x5t#S256"] = base64.StdEncoding.EncodeToString(s[:])
	case "x5c":
		hdr["x5c"] = []string{base64.StdEncoding.EncodeToString(a.x5cCertDE)}
	}
	claims := map[string]any{"aud": a.aud, "iss": a.iss, "sub": a.sub, "exp": a.exp, "nbf": a.nbf, "jti": randomGUID()}
	hb, _ := json.Marshal(hdr)
	cb, _ := json.Marshal(claims)
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	if a.alg == "PS256" {
		sig, err = rsa.SignPSS(rand.Reader, a.key, crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		sig, err = rsa.SignPKCS1v15(nil, a.key, crypto.SHA256, sum[:])
	}
	if err != nil {
		tb.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

func platAssertionForm(assertion string) url.Values {
	return url.Values{
		"grant_type": {"client_credentials"}, "client_id": {platConnectorApp}, "scope": {"https://graph.microsoft.com/.default"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion},
	}
}

func TestTokenCertificateAssertion(t *testing.T) {
	f := newPlatFixture(t, nil)
	now := f.clock.now().Unix()
	endpoint := "https://login.microsoftonline.com/" + platTenantID + "/oauth2/v2.0/token"
	good := platAssertionSpec{alg: "PS256", thumb: "x5t#S256", aud: endpoint, iss: platConnectorApp, sub: platConnectorApp,
		exp: now + 600, nbf: now, key: f.certKey, x5cCertDE: f.cert.Raw}

	ok := []struct {
		name string
		mod  func(*platAssertionSpec)
	}{
		{"PS256 x5t#S256 (MSAL)", func(*platAssertionSpec) {}},
		{"RS256 x5t (ADAL, older MSAL)", func(a *platAssertionSpec) { a.alg, a.thumb = "RS256", "x5t" }},
		{"x5c only (send-x5c)", func(a *platAssertionSpec) { a.thumb = "x5c" }},
		{"v1 endpoint audience, domain", func(a *platAssertionSpec) {
			a.aud = "https://login.microsoftonline.com/contoso.com/oauth2/token"
		}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			a := good
			c.mod(&a)
			w := f.postToken(t, platTenantID, platAssertionForm(platAssertion(t, a)), nil)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			var resp tokenResponse
			_ = json.Unmarshal(w.Body.Bytes(), &resp)
			if _, claims := platDecodeClaims(t, resp.AccessToken); claims["appidacr"] != "2" || claims["appid"] != platConnectorApp {
				t.Fatalf("claims %v", claims)
			}
		})
	}

	otherKey, otherCert := platSelfSigned(t, "CN=unregistered", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	bad := []struct {
		name   string
		mod    func(*platAssertionSpec)
		code   int
		prefix string
	}{
		{"unregistered certificate", func(a *platAssertionSpec) { a.key, a.x5cCertDE = otherKey, otherCert.Raw }, 700027,
			"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '"},
		{"signed by another key", func(a *platAssertionSpec) { a.key = otherKey }, 700027,
			"Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value."},
		{"wrong audience", func(a *platAssertionSpec) {
			a.aud = "https://login.microsoftonline.com/" + platTenantID + "/oauth2/v2.0/authorize"
		}, 700027,
			"Client assertion contains an invalid audience claim."},
		{"issuer is not the client", func(a *platAssertionSpec) { a.iss = platOtherApp }, 700021,
			"Client assertion application identifier doesn't match 'client_id' parameter."},
		{"expired assertion", func(a *platAssertionSpec) { a.exp, a.nbf = now-3600, now-4200 }, 700024,
			"Client assertion is not within its valid time range."},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			a := good
			c.mod(&a)
			w := f.postToken(t, platTenantID, platAssertionForm(platAssertion(t, a)), nil)
			var e tokenError
			_ = json.Unmarshal(w.Body.Bytes(), &e)
			if w.Code != 401 || e.Error != "invalid_client" || e.ErrorCodes[0] != c.code ||
				!strings.HasPrefix(e.ErrorDescription, fmt.Sprintf("AADSTS%d: %s", c.code, c.prefix)) {
				t.Fatalf("got %d %s", w.Code, w.Body)
			}
			platSameShape(t, "token_error_tenant_not_found_90002.json", w.Body.Bytes())
		})
	}
	t.Run("malformed assertion", func(t *testing.T) {
		w := f.postToken(t, platTenantID, platAssertionForm("abc"), nil)
		platCheckTokenError(t, w, platTokenErrorCase{status: 400, oauth: "invalid_request", code: 50027, text: "JWT token is invalid or malformed."}, "")
	})
	t.Run("expired certificate", func(t *testing.T) {
		f.clock.advance(366 * 24 * time.Hour)
		a := good
		a.exp, a.nbf = f.clock.now().Unix()+600, f.clock.now().Unix()
		w := f.postToken(t, platTenantID, platAssertionForm(platAssertion(t, a)), nil)
		if w.Code != 401 || !strings.Contains(w.Body.String(), "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used is expired.") {
			t.Fatalf("got %d %s", w.Code, w.Body)
		}
	})
}

func TestTokenEndpointRejectsGET(t *testing.T) {
	f := newPlatFixture(t, nil)
	w := f.do(t, "GET", "/"+platTenantID+"/oauth2/v2.0/token", "", nil)
	var e tokenError
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != 400 || e.ErrorCodes[0] != 900561 {
		t.Fatalf("GET token: %d %s", w.Code, w.Body)
	}
}

func TestOpenIDConfiguration(t *testing.T) {
	f := newPlatFixture(t, nil)
	for _, tenant := range []string{platTenantID, "contoso.com"} {
		w := f.do(t, "GET", "http://127.0.0.1:8443/"+tenant+"/v2.0/.well-known/openid-configuration", "", nil)
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", tenant, w.Code, w.Body)
		}
		var cfg map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &cfg); err != nil {
			t.Fatal(err)
		}
		root := "http://127.0.0.1:8443/" + platTenantID
		for k, v := range map[string]string{
			"issuer":                 root + "/v2.0",
			"token_endpoint":         root + "/oauth2/v2.0/token",
			"jwks_uri":               root + "/discovery/v2.0/keys",
			"authorization_endpoint": root + "/oauth2/v2.0/authorize",
		} {
			if cfg[k] != v {
				t.Errorf("%s: %s = %v, want %s", tenant, k, cfg[k], v)
			}
		}
	}
	w := f.do(t, "GET", "/fabrikam.com/v2.0/.well-known/openid-configuration", "", nil)
	var e tokenError
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != 400 || e.Error != "invalid_tenant" || e.ErrorCodes[0] != 90002 {
		t.Fatalf("unknown tenant: %d %s", w.Code, w.Body)
	}
}

func TestInstanceDiscovery(t *testing.T) {
	f := newPlatFixture(t, nil)
	q := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {"https://127.0.0.1:8443/" + platTenantID + "/oauth2/v2.0/authorize"}}
	w := f.do(t, "GET", "https://login.microsoftonline.com/common/discovery/instance?"+q.Encode(), "", nil)
	var resp struct {
		TenantDiscoveryEndpoint string             `json:"tenant_discovery_endpoint"`
		APIVersion              string             `json:"api-version"`
		Metadata                []instanceMetadata `json:"metadata"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if resp.TenantDiscoveryEndpoint != "https://127.0.0.1:8443/"+platTenantID+"/v2.0/.well-known/openid-configuration" || resp.APIVersion != "1.1" {
		t.Fatalf("%+v", resp)
	}
	last := resp.Metadata[len(resp.Metadata)-1]
	if !reflect.DeepEqual(last, instanceMetadata{PreferredNetwork: "127.0.0.1:8443", PreferredCache: "127.0.0.1:8443", Aliases: []string{"127.0.0.1:8443"}}) {
		t.Fatalf("metadata for the called host: %+v", last)
	}
	if resp.Metadata[0].PreferredNetwork != "login.microsoftonline.com" {
		t.Fatalf("public cloud metadata: %+v", resp.Metadata[0])
	}
	w = f.do(t, "GET", "/common/discovery/instance?api-version=1.1", "", nil)
	if w.Code != 400 || !strings.Contains(w.Body.String(), `"error":"invalid_instance"`) {
		t.Fatalf("no authorization_endpoint: %d %s", w.Code, w.Body)
	}
}

func TestIssueToken(t *testing.T) {
	f := newPlatFixture(t, nil)
	tok, err := f.s.IssueToken("contoso.com", platConnectorApp, "https://graph.microsoft.com", []string{"Directory.Read.All"})
	if err != nil {
		t.Fatal(err)
	}
	_, claims := platDecodeClaims(t, tok)
	if claims["tid"] != platTenantID || claims["oid"] != platConnectorSP || !reflect.DeepEqual(claims["roles"], []any{"Directory.Read.All"}) {
		t.Fatalf("claims %v", claims)
	}
	if _, err := f.s.IssueToken("nope.example", platConnectorApp, "https://graph.microsoft.com", nil); err == nil {
		t.Fatal("unknown tenant: want an error")
	}
	if _, err := f.s.IssueToken(platTenantID, "99999999-9999-9999-9999-999999999999", "https://graph.microsoft.com", nil); err == nil {
		t.Fatal("unknown app: want an error")
	}
	tok, _ = f.s.IssueToken(platTenantID, platConnectorApp, "https://graph.microsoft.com", nil)
	if _, claims := platDecodeClaims(t, tok); claims["roles"] != nil {
		t.Fatalf("no roles: claim present %v", claims["roles"])
	}
}

func TestValidTenantIdentifier(t *testing.T) {
	for s, want := range map[string]bool{
		platTenantID: true, "contoso.com": true, "contoso.onmicrosoft.com": true, "localhost": true,
		"": false, "-bad.com": false, "bad..com": false, "under_score.com": false, "x!": false,
		strings.Repeat("a", 64) + ".com": false,
	} {
		if got := validTenantIdentifier(s); got != want {
			t.Errorf("validTenantIdentifier(%q) = %v", s, got)
		}
	}
}

func FuzzParseJWT(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.c2ln")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("e30.e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := parseJWT(tok)
		if err == nil && (p == nil || !strings.HasPrefix(tok, p.signingInput)) {
			t.Fatalf("parseJWT(%q) = %+v", tok, p)
		}
	})
}

func TestTokenV1Endpoint(t *testing.T) {
	f := newPlatFixture(t, nil)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {platConnectorApp}, "client_secret": {platSecret}, "resource": {"https://graph.microsoft.com"}}
	r := httptest.NewRequest("POST", "https://login.microsoftonline.com/contoso.com/oauth2/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	f.s.ServeHTTP(w, r)
	var resp tokenResponseV1
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	now := f.clock.now().Unix()
	want := tokenResponseV1{TokenType: "Bearer", ExpiresIn: "3599", ExtExpiresIn: "3599", ExpiresOn: fmt.Sprint(now + 3599),
		NotBefore: fmt.Sprint(now), Resource: "https://graph.microsoft.com", AccessToken: resp.AccessToken}
	if resp != want {
		t.Fatalf("v1 response %+v, want %+v", resp, want)
	}
	if _, claims := platDecodeClaims(t, resp.AccessToken); claims["aud"] != "https://graph.microsoft.com" || claims["appidacr"] != "1" {
		t.Fatalf("claims %v", claims)
	}
	form.Set("resource", "https://example.contoso.com")
	r = httptest.NewRequest("POST", "https://login.microsoftonline.com/contoso.com/oauth2/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	f.s.ServeHTTP(w, r)
	platCheckTokenError(t, w, platTokenErrorCase{status: 400, oauth: "invalid_resource", code: 500011,
		text: "The resource principal named https://example.contoso.com was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."}, "")
}

// FuzzTokenEndpoint: any form body gets a well-formed answer, 200 or an
// AADSTS error, never a 5xx or a panic.
func FuzzTokenEndpoint(f *testing.F) {
	fx := newPlatFixture(f, nil)
	f.Add(platTenantID, platSecretForm(platConnectorApp, platSecret, "https://graph.microsoft.com/.default").Encode())
	f.Add("contoso.com", "grant_type=client_credentials&client_id=x&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c&scope=openid")
	f.Add("common", "%%%")
	f.Fuzz(func(t *testing.T, tenant, body string) {
		if strings.ContainsAny(tenant, "/?#%") || tenant == "" {
			return
		}
		r := httptest.NewRequest("POST", "https://login.microsoftonline.com/x/oauth2/v2.0/token", strings.NewReader(body))
		r.URL.Path = "/" + tenant + "/oauth2/v2.0/token"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		fx.s.ServeHTTP(w, r)
		if w.Code == 404 || w.Code/100 == 3 {
			return // the tenant segment made the path some other route, or one the mux cleans
		}
		var e tokenError
		if w.Code >= 500 || json.Unmarshal(w.Body.Bytes(), &e) != nil || (w.Code != 200 && (len(e.ErrorCodes) != 1 || !strings.HasPrefix(e.ErrorDescription, "AADSTS"))) {
			t.Fatalf("tenant %q body %q: %d %s", tenant, body, w.Code, w.Body)
		}
	})
}

func TestV1DiscoveryAndCommonKeys(t *testing.T) {
	f := newPlatFixture(t, nil)
	w := f.do(t, "GET", "http://127.0.0.1:9/contoso.com/.well-known/openid-configuration", "", nil)
	var cfg map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &cfg); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if cfg["issuer"] != "https://sts.windows.net/"+platTenantID+"/" || cfg["token_endpoint"] != "http://127.0.0.1:9/"+platTenantID+"/oauth2/token" {
		t.Fatalf("v1 metadata %v", cfg)
	}
	w = f.do(t, "GET", cfg["jwks_uri"].(string), "", nil)
	var set struct{ Keys []jwk }
	if err := json.Unmarshal(w.Body.Bytes(), &set); err != nil || len(set.Keys) != 1 || set.Keys[0].Issuer != "http://127.0.0.1:9/{tenantid}/v2.0" {
		t.Fatalf("common keys: %d %s", w.Code, w.Body)
	}
}

func TestIdentityQueryIsNotLogged(t *testing.T) {
	f := newPlatFixture(t, nil)
	f.do(t, "POST", "/"+platTenantID+"/oauth2/v2.0/token?client_secret="+url.QueryEscape(platSecret), "", nil)
	f.do(t, "GET", "/v1.0/zzplatform/echo?$select=id", "", nil)
	log := f.s.Requests(0)
	if len(log) != 2 || log[0].Path != "/"+platTenantID+"/oauth2/v2.0/token" || log[1].Path != "/v1.0/zzplatform/echo?$select=id" {
		t.Fatalf("log %+v", log)
	}
}

// BenchmarkTokenEndpoint is one client-credentials grant with a secret,
// served in process (form parsing, lookup, RS256 signing).
func BenchmarkTokenEndpoint(b *testing.B) {
	f := newPlatFixture(b, nil)
	body := platSecretForm(platConnectorApp, platSecret, "https://graph.microsoft.com/.default").Encode()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/"+platTenantID+"/oauth2/v2.0/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		f.s.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Body.String())
		}
	}
}

func TestMultiTenantApp(t *testing.T) {
	clock := &platClock{t: time.Now().UTC().Truncate(time.Second)}
	contoso, _, _ := platTenant(t, clock.now())
	const fabrikamID = "e3b0c442-98fc-4c14-9afb-f4c8996fb924"
	const fabrikamOtherSP = "f0f0f0f0-0000-4000-8000-000000000002"
	fabrikam := &Tenant{
		ID: fabrikamID, DisplayName: "Fabrikam",
		Domains: []*Domain{{ID: "fabrikam.onmicrosoft.com", IsInitial: true}},
		ServicePrincipals: []*ServicePrincipal{
			// Contoso's "Other app", consented in Fabrikam: a service
			// principal here, the registration in Contoso.
			{ID: fabrikamOtherSP, AppID: platOtherApp, DisplayName: "Other app", AccountEnabled: true},
			{ID: "f0f0f0f0-0000-4000-8000-000000000001", AppID: graphAppID, DisplayName: "Microsoft Graph", AccountEnabled: true,
				AppRoles: []AppRole{{ID: roleUserReadAll, Value: "User.Read.All", IsEnabled: true}}},
		},
		AppRoleAssignments: []*AppRoleAssignment{{ID: "y1", AppRoleID: roleUserReadAll, PrincipalID: fabrikamOtherSP,
			ResourceID: "f0f0f0f0-0000-4000-8000-000000000001"}},
	}
	s := New(Options{Clock: clock.now}, contoso, fabrikam)
	f := &platFixture{s: s, t: contoso, clock: clock}

	w := f.postToken(t, "fabrikam.onmicrosoft.com", platSecretForm(platOtherApp, platSecret, "https://graph.microsoft.com/.default"), nil)
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var resp tokenResponse
	_ = json.Unmarshal(w.Body.Bytes(), &resp)
	_, claims := platDecodeClaims(t, resp.AccessToken)
	if claims["tid"] != fabrikamID || claims["oid"] != fabrikamOtherSP || !reflect.DeepEqual(claims["roles"], []any{"User.Read.All"}) {
		t.Fatalf("claims %v", claims)
	}
	// The connector has no service principal in Fabrikam.
	w = f.postToken(t, fabrikamID, platSecretForm(platConnectorApp, platSecret, "https://graph.microsoft.com/.default"), nil)
	var e tokenError
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != 400 || e.ErrorCodes[0] != 700016 || !strings.Contains(e.ErrorDescription, "in the directory 'Fabrikam'") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestTokensDoNotCrossClouds(t *testing.T) {
	f := newPlatFixture(t, nil)
	post := func(loginHost, scope string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "https://"+loginHost+"/"+platTenantID+"/oauth2/v2.0/token",
			strings.NewReader(platSecretForm(platConnectorApp, platSecret, scope).Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		f.s.ServeHTTP(w, r)
		return w
	}
	// The US Government login host issues tokens for its own Graph only.
	if w := post("login.microsoftonline.us", "https://graph.microsoft.us/.default"); w.Code != 200 {
		t.Fatalf("usgov token: %d %s", w.Code, w.Body)
	}
	w := post("login.microsoftonline.us", "https://graph.microsoft.com/.default")
	var e tokenError
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != 400 || e.Error != "invalid_resource" || !strings.HasPrefix(e.ErrorDescription, "AADSTS500011: The resource principal named https://graph.microsoft.com was not found") {
		t.Fatalf("global resource from the usgov login host: %d %s", w.Code, w.Body)
	}
	// A global Graph token on the US Government Graph host is refused; on the
	// simulator's own address (no cloud) and on graph.microsoft.com it works.
	tok := f.token(t, "https://graph.microsoft.com")
	for host, want := range map[string]int{"graph.microsoft.us": 401, "127.0.0.1:8443": 200, "graph.microsoft.com": 200, "microsoftgraph.chinacloudapi.cn": 401} {
		if w := f.do(t, "GET", "https://"+host+"/v1.0/zzplatform/echo", tok, nil); w.Code != want {
			t.Errorf("%s: %d, want %d", host, w.Code, want)
		}
	}
	arm := f.token(t, "https://management.usgovcloudapi.net")
	if w := f.do(t, "GET", "https://management.azure.com/subscriptions/s/zzplatform?api-version=1", arm, nil); w.Code != 401 ||
		!strings.Contains(w.Body.String(), "InvalidAuthenticationTokenAudience") {
		t.Fatalf("usgov ARM token on global ARM: %d %s", w.Code, w.Body)
	}
}
