package credential

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/tenantscope/tenantscope/internal/config"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient = "11111111-2222-3333-4444-555555555555"
	goodSecret = "Abc8Q~goodsecretvalue_0123456789"
)

// selfSigned makes an RSA (or, with ec, ECDSA) key and certificate.
func selfSigned(t *testing.T, ec bool) (*x509.Certificate, any) {
	t.Helper()
	var key any
	var pub any
	if ec {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key, pub = k, &k.PublicKey
	} else {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		key, pub = k, &k.PublicKey
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "tenantscope test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func pemOf(t *testing.T, cert *x509.Certificate, key any, pkcs1 bool) []byte {
	t.Helper()
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	if pkcs1 {
		return append(out, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey))})...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
}

func TestLoadCertificateFormats(t *testing.T) {
	cert, key := selfSigned(t, false)
	dir := t.TempDir()
	legacy, err := pkcs12.Legacy.Encode(key, cert, nil, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	modern, err := pkcs12.Modern.Encode(key, cert, nil, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]struct{ path, password string }{
		"PEM PKCS#8":        {writeFile(t, dir, "app.pem", pemOf(t, cert, key, false)), ""},
		"PEM PKCS#1":        {writeFile(t, dir, "app1.pem", pemOf(t, cert, key, true)), ""},
		"legacy PFX (3DES)": {writeFile(t, dir, "legacy.pfx", legacy), "pfx-pass"},
		"modern PFX (AES)":  {writeFile(t, dir, "modern.pfx", modern), "pfx-pass"},
	}
	for name, f := range files {
		certs, k, err := LoadCertificate(f.path, f.password)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !certs[0].Equal(cert) || !k.(*rsa.PrivateKey).Equal(key) {
			t.Errorf("%s: wrong certificate or key", name)
		}
	}

	if _, _, err := LoadCertificate(files["modern PFX (AES)"].path, "wrong"); err == nil || !strings.Contains(err.Error(), "wrong PFX password") {
		t.Errorf("wrong password: %v", err)
	}
	_, otherKey := selfSigned(t, false)
	mismatch := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), pemOf(t, cert, otherKey, true)[len(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})):]...)
	if _, _, err := LoadCertificate(writeFile(t, dir, "mismatch.pem", mismatch), ""); err == nil || !strings.Contains(err.Error(), "does not belong to the certificate") {
		t.Errorf("mismatched key: %v", err)
	}
	ecCert, ecKey := selfSigned(t, true)
	if _, _, err := LoadCertificate(writeFile(t, dir, "ec.pem", pemOf(t, ecCert, ecKey, false)), ""); err == nil || !strings.Contains(err.Error(), "accepts RSA certificates only") {
		t.Errorf("EC key: %v", err)
	}
	enc := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}})...)
	if _, _, err := LoadCertificate(writeFile(t, dir, "enc.pem", enc), ""); err == nil || !strings.Contains(err.Error(), "is encrypted") {
		t.Errorf("encrypted PEM: %v", err)
	}
	if _, _, err := LoadCertificate(writeFile(t, dir, "junk.pfx", []byte("junk")), ""); err == nil || !strings.Contains(err.Error(), "not a readable PEM or PKCS#12") {
		t.Errorf("junk: %v", err)
	}
	if _, _, err := LoadCertificate(writeFile(t, dir, "nokey.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})), ""); err == nil || !strings.Contains(err.Error(), "no private key") {
		t.Errorf("no key: %v", err)
	}
}

func jwtWith(t *testing.T, claims map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"typ":"JWT","alg":"RS256","kid":"k1"}`)) + "." + enc(b) + "." + enc([]byte("sig"))
}

func TestParseClaims(t *testing.T) {
	tok := jwtWith(t, map[string]any{
		"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/" + testTenant + "/", "tid": testTenant,
		"appid": testClient, "oid": "sp-object-id", "idtyp": "app", "roles": []string{"User.Read.All", "Reports.Read.All"},
		"exp": 1795000000, "nbf": 1794996400, "ver": "1.0",
	})
	c, err := ParseClaims(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Audience != "https://graph.microsoft.com" || c.TenantID != testTenant || c.AppID != testClient || c.ObjectID != "sp-object-id" ||
		c.IDType != "app" || len(c.Roles) != 2 || c.Roles[1] != "Reports.Read.All" || !c.Expires.Equal(time.Unix(1795000000, 0)) ||
		!c.NotBefore.Equal(time.Unix(1794996400, 0)) || c.Version != "1.0" {
		t.Fatalf("claims = %+v", c)
	}
	// v2.0 tokens: azp instead of appid; aud may be a list; no roles.
	c, err = ParseClaims(jwtWith(t, map[string]any{"aud": []string{"a", "b"}, "azp": "azp-id", "scp": "User.Read Mail.Read", "exp": 1.7e9}))
	if err != nil || c.AppID != "azp-id" || c.Audience != "a b" || len(c.Roles) != 0 || len(c.Scopes) != 2 {
		t.Fatalf("v2 claims = %+v, %v", c, err)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("[1]")) + ".c"} {
		if _, err := ParseClaims(bad); err == nil {
			t.Errorf("ParseClaims(%q) accepted", bad)
		}
	}
}

// fakeLogin is a minimal identity platform: discovery and a token endpoint
// answering with Microsoft's error bodies (graph-facts §1).
type fakeLogin struct {
	srv      *httptest.Server
	requests atomic.Int64
	// answer decides the token endpoint's reply from the form.
	answer func(form map[string]string) (int, string)
}

func aadError(status int, errCode string, code int, desc string) (int, string) {
	body, _ := json.Marshal(map[string]any{
		"error": errCode, "error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2026-11-01 00:00:00Z", code, desc),
		"error_codes": []int{code}, "timestamp": "2026-11-01 00:00:00Z", "trace_id": "0000", "correlation_id": "1111",
		"error_uri": "https://login.microsoftonline.com/error?code=" + fmt.Sprint(code),
	})
	return status, string(body)
}

func newFakeLogin(t *testing.T) *fakeLogin {
	f := &fakeLogin{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		tenant := r.PathValue("tenant")
		if tenant != testTenant {
			st, body := aadError(400, "invalid_tenant", 90002, "Tenant '"+tenant+"' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
			w.WriteHeader(st)
			w.Write([]byte(body))
			return
		}
		base := f.srv.URL + "/" + tenant
		json.NewEncoder(w).Encode(map[string]any{
			"token_endpoint": base + "/oauth2/v2.0/token", "authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer": "https://login.microsoftonline.com/" + tenant + "/v2.0", "jwks_uri": base + "/discovery/v2.0/keys",
		})
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		r.ParseForm()
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		st, body := f.answer(form)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(st)
		w.Write([]byte(body))
	})
	f.srv = httptest.NewUnstartedServer(mux)
	// The TLS test's untrusting client makes the server log handshake errors.
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func okToken(t *testing.T) (int, string) {
	tok := jwtWith(t, map[string]any{"tid": testTenant, "appid": testClient, "roles": []string{"User.Read.All"}, "exp": time.Now().Add(time.Hour).Unix()})
	return 200, `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"` + tok + `"}`
}

func connFile(t *testing.T, f *fakeLogin, tenant string, c config.Connection) (*config.File, *config.Connection) {
	t.Helper()
	c.Name, c.Tenant, c.ClientID, c.Cloud = "test", tenant, testClient, "custom"
	c.Endpoints = &config.Endpoints{Login: f.srv.URL, Graph: f.srv.URL, ARM: f.srv.URL}
	cf := &config.File{Connections: []config.Connection{c}, Path: filepath.Join(t.TempDir(), "c.yaml")}
	return cf, &cf.Connections[0]
}

func secretEnv(k string) string {
	if k == "APP_SECRET" {
		return goodSecret
	}
	return ""
}

func TestClientSecretTokenIsCached(t *testing.T) {
	f := newFakeLogin(t)
	f.answer = func(form map[string]string) (int, string) {
		if form["client_secret"] != goodSecret || form["grant_type"] != "client_credentials" || !strings.Contains(form["scope"], "https://graph.microsoft.com/.default") {
			return aadError(401, "invalid_client", 7000215, "Invalid client secret provided.")
		}
		return okToken(t)
	}
	cf, c := connFile(t, f, testTenant, config.Connection{ClientSecret: "env:APP_SECRET"})
	cred, err := New(cf, c, Options{HTTPClient: f.srv.Client(), Getenv: secretEnv})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		tok, err := cred.Graph().Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if cl, err := ParseClaims(tok); err != nil || cl.Roles[0] != "User.Read.All" {
			t.Fatalf("claims %+v %v", cl, err)
		}
	}
	if n := f.requests.Load(); n != 1 {
		t.Fatalf("token requests = %d, want 1 (azidentity caches)", n)
	}
	if cred.Kind() != Secret || !cred.MatchesPassword("Abc") || cred.MatchesPassword("xyz") || cred.MatchesKey("anything") {
		t.Fatal("secret identification")
	}
}

func TestSignInFailuresAreExplained(t *testing.T) {
	cases := []struct {
		name, tenant string
		status       int
		errCode      string
		code         int
		desc         string
		wantCode     string
		wantCause    string
		wantFix      string
	}{
		{"wrong secret", testTenant, 401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + testClient + "'.",
			"AADSTS7000215", "the client secret is wrong", "copy the secret's Value (not its Secret ID)"},
		{"expired secret", testTenant, 401, "invalid_client", 7000222, "The provided client secret keys for app '" + testClient + "' are expired.",
			"AADSTS7000222", "the client secret has expired", "create a new client secret"},
		{"app not in tenant", testTenant, 400, "unauthorized_client", 700016, "Application with identifier '" + testClient + "' was not found in the directory.",
			"AADSTS700016", "application " + testClient + " was not found in tenant", "check client_id is the Application (client) ID"},
		{"unknown tenant", "contoso-missing.onmicrosoft.com", 0, "", 0, "", "AADSTS90002", `tenant "contoso-missing.onmicrosoft.com" was not found`, "check tenant"},
		{"no service principal", testTenant, 401, "invalid_client", 7000229, "The client application " + testClient + " is missing service principal in the tenant " + testTenant + ".",
			"AADSTS7000229", "has no service principal in tenant", "must consent to the application"},
		{"conditional access", testTenant, 400, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies.",
			"AADSTS53003", "Conditional Access policy for workload identities blocked it", "exclude this service principal"},
		{"other code", testTenant, 400, "invalid_request", 9002313, "Invalid request.", "AADSTS9002313", "sign-in failed (AADSTS9002313): Invalid request.", "login.microsoftonline.com/error?code=9002313"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeLogin(t)
			f.answer = func(map[string]string) (int, string) { return aadError(tc.status, tc.errCode, tc.code, tc.desc) }
			cf, c := connFile(t, f, tc.tenant, config.Connection{ClientSecret: "env:APP_SECRET"})
			cred, err := New(cf, c, Options{HTTPClient: f.srv.Client(), Getenv: secretEnv})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cred.Graph().Token(context.Background())
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v, want *AuthError", err, err)
			}
			if ae.Code != tc.wantCode || !strings.Contains(ae.Cause, tc.wantCause) || !strings.Contains(ae.Fix, tc.wantFix) {
				t.Fatalf("explained as code %q cause %q fix %q", ae.Code, ae.Cause, ae.Fix)
			}
			if strings.Contains(err.Error(), goodSecret) || strings.Contains(fmt.Sprintf("%+v", errors.Unwrap(err)), goodSecret) {
				t.Fatal("error contains the secret")
			}
		})
	}
}

func TestTransportFailuresAreExplained(t *testing.T) {
	f := newFakeLogin(t)
	f.answer = func(map[string]string) (int, string) { return okToken(t) }
	cf, c := connFile(t, f, testTenant, config.Connection{ClientSecret: "env:APP_SECRET"})

	// A client that does not trust the server's certificate.
	untrusting, err := HTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	cred, err := New(cf, c, Options{HTTPClient: untrusting, Getenv: secretEnv})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.Graph().Token(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Code != "tls" || !strings.Contains(ae.Cause, "certificate signed by unknown authority") || !strings.Contains(ae.Fix, "ca_file") {
		t.Fatalf("TLS failure explained as %#v (%v)", ae, err)
	}

	// The same server trusted through a CA file works.
	caFile := writeFile(t, t.TempDir(), "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw}))
	trusting, err := HTTPClient(caFile)
	if err != nil {
		t.Fatal(err)
	}
	cred, _ = New(cf, c, Options{HTTPClient: trusting, Getenv: secretEnv})
	if _, err := cred.Graph().Token(context.Background()); err != nil {
		t.Fatalf("with ca_file: %v", err)
	}
	if _, err := HTTPClient(writeFile(t, t.TempDir(), "bad.pem", []byte("nope"))); err == nil {
		t.Fatal("CA file without certificates accepted")
	}

	// Nothing listening.
	f.srv.Close()
	cred, _ = New(cf, c, Options{HTTPClient: f.srv.Client(), Getenv: secretEnv})
	_, err = cred.Graph().Token(context.Background())
	if !errors.As(err, &ae) || ae.Code != "network" || !strings.Contains(ae.Cause, "connection refused") {
		t.Fatalf("network failure explained as %#v (%v)", ae, err)
	}
}

func TestCertificateCredential(t *testing.T) {
	cert, key := selfSigned(t, false)
	dir := t.TempDir()
	modern, err := pkcs12.Modern.Encode(key, cert, nil, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := pkcs12.Legacy.Encode(key, cert, nil, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{
		writeFile(t, dir, "app.pem", pemOf(t, cert, key, false)),
		writeFile(t, dir, "legacy.pfx", legacy),
		writeFile(t, dir, "modern.pfx", modern),
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := newFakeLogin(t)
			var assertion string
			f.answer = func(form map[string]string) (int, string) {
				assertion = form["client_assertion"]
				if form["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || assertion == "" || form["client_secret"] != "" {
					return aadError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
				}
				return okToken(t)
			}
			cc := &config.ClientCertificate{Path: path, SendX5C: true}
			if strings.HasSuffix(path, ".pfx") {
				cc.Password = "env:PFX_PASSWORD"
			}
			cf, c := connFile(t, f, testTenant, config.Connection{ClientCertificate: cc})
			cred, err := New(cf, c, Options{HTTPClient: f.srv.Client(), Getenv: func(k string) string {
				return map[string]string{"PFX_PASSWORD": "pfx-pass"}[k]
			}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cred.Graph().Token(context.Background()); err != nil {
				t.Fatal(err)
			}
			// The assertion is a JWT whose header carries the thumbprint and,
			// with send_x5c, the certificate.
			hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(assertion, ".")[0])
			var h map[string]any
			json.Unmarshal(hdr, &h)
			if h["x5c"] == nil || (h["x5t"] == nil && h["x5t#S256"] == nil) {
				t.Fatalf("assertion header = %s", hdr)
			}
			sum := certThumbprint(cert)
			if cred.Kind() != Certificate || !cred.MatchesKey(base64.StdEncoding.EncodeToString(sum)) || !cred.MatchesKey(fmt.Sprintf("%x", sum)) ||
				cred.MatchesKey("AAAA") || cred.MatchesPassword("abc") || !cred.CertificateNotAfter().Equal(cert.NotAfter) {
				t.Fatal("certificate identification")
			}
		})
	}
}
