package graphsim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// This file holds the access tokens: compact JWS serialisation, RS256
// signing, RS256/PS256 verification, the signing key, the claims the
// simulator issues (mint, IssueToken) and their validation on every Graph and
// ARM request.

// jwtHeader is the JOSE header of a token or client assertion.
type jwtHeader struct {
	Typ     string   `json:"typ,omitempty"`
	Alg     string   `json:"alg"`
	X5t     string   `json:"x5t,omitempty"`
	Kid     string   `json:"kid,omitempty"`
	X5tS256 string   `json:"x5t#S256,omitempty"`
	X5c     []string `json:"x5c,omitempty"`
}

// accessClaims are the claims of an app-only v1.0 access token, in the order
// of token_claims_graph_app_only_observed.json.
type accessClaims struct {
	Aud        string   `json:"aud"`
	Iss        string   `json:"iss"`
	Iat        int64    `json:"iat"`
	Nbf        int64    `json:"nbf"`
	Exp        int64    `json:"exp"`
	Aio        string   `json:"aio"`
	AppName    string   `json:"app_displayname,omitempty"`
	AppID      string   `json:"appid"`
	AppIDAcr   string   `json:"appidacr"`
	Idp        string   `json:"idp"`
	Idtyp      string   `json:"idtyp"`
	Oid        string   `json:"oid"`
	Rh         string   `json:"rh"`
	Roles      []string `json:"roles,omitempty"`
	Sub        string   `json:"sub"`
	RegionScop string   `json:"tenant_region_scope,omitempty"`
	Tid        string   `json:"tid"`
	Uti        string   `json:"uti"`
	Ver        string   `json:"ver"`

	// roleSet is Roles as a set, built once when a token is first
	// validated and shared read-only by every Caller of that token.
	roleSet map[string]bool
}

var b64 = base64.RawURLEncoding

// jwtParts is a compact JWS split into its pieces.
type jwtParts struct {
	header       jwtHeader
	payload      []byte
	signingInput string
	signature    []byte
}

// errMalformedJWT: the input is not a compact JWS.
var errMalformedJWT = errors.New("malformed JWT")

// parseJWT splits and decodes a compact JWS without verifying it.
func parseJWT(tok string) (*jwtParts, error) {
	if len(tok) > 16<<10 {
		return nil, fmt.Errorf("%w: longer than 16 KiB", errMalformedJWT)
	}
	h, rest, ok1 := strings.Cut(tok, ".")
	p, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return nil, fmt.Errorf("%w: want three dot-separated parts", errMalformedJWT)
	}
	hb, err := b64.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", errMalformedJWT, err)
	}
	pb, err := b64.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", errMalformedJWT, err)
	}
	sb, err := b64.DecodeString(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %v", errMalformedJWT, err)
	}
	var parts jwtParts
	if err := json.Unmarshal(hb, &parts.header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", errMalformedJWT, err)
	}
	if !json.Valid(pb) {
		return nil, fmt.Errorf("%w: payload is not JSON", errMalformedJWT)
	}
	parts.payload = pb
	parts.signingInput = tok[:len(h)+1+len(p)]
	parts.signature = sb
	return &parts, nil
}

// signRS256 serialises header and claims and signs them with key.
func signRS256(key *rsa.PrivateKey, header jwtHeader, claims any) (string, error) {
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// verifyRSA checks an RS256 or PS256 signature.
func verifyRSA(pub *rsa.PublicKey, alg, input string, sig []byte) error {
	sum := sha256.Sum256([]byte(input))
	switch alg {
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	default:
		return fmt.Errorf("unsupported alg %q", alg)
	}
}

// authFailure is why a bearer token was refused; Graph and ARM word each
// differently.
type authFailure int

const (
	authOK authFailure = iota
	authMissing
	authMalformed
	authBadSignature
	authExpired
	authNotYetValid
	authWrongAudience
	authWrongIssuer
)

// audience families the wrappers accept.
var (
	graphAudiences = map[string]bool{
		"https://graph.microsoft.com": true, "https://graph.microsoft.com/": true,
		graphAppID:                                true,
		"https://graph.microsoft.us":              true,
		"https://dod-graph.microsoft.us":          true,
		"https://microsoftgraph.chinacloudapi.cn": true,
	}
	armAudiences = map[string]bool{
		"https://management.azure.com": true, "https://management.azure.com/": true,
		"https://management.core.windows.net": true, "https://management.core.windows.net/": true,
		"https://management.usgovcloudapi.net": true, "https://management.usgovcloudapi.net/": true,
		"https://management.chinacloudapi.cn": true, "https://management.chinacloudapi.cn/": true,
		"https://management.core.usgovcloudapi.net": true, "https://management.core.usgovcloudapi.net/": true,
		"https://management.core.chinacloudapi.cn": true, "https://management.core.chinacloudapi.cn/": true,
	}
)

// cloudHosts names the national cloud each Microsoft host belongs to
// (graph-facts §2). Tokens do not cross clouds: a request that reaches a
// cloud's own host name (through a hosts mapping) must name a resource of
// that cloud. On any other host, such as the simulator's own address, every
// cloud is served.
var cloudHosts = map[string]string{
	"login.microsoftonline.com": "global", "login.windows.net": "global", "login.microsoft.com": "global",
	"sts.windows.net": "global", "graph.microsoft.com": "global",
	"management.azure.com": "global", "management.core.windows.net": "global",
	"login.microsoftonline.us": "usgov", "login.usgovcloudapi.net": "usgov",
	"graph.microsoft.us": "usgov", "dod-graph.microsoft.us": "usgov",
	"management.usgovcloudapi.net": "usgov", "management.core.usgovcloudapi.net": "usgov",
	"login.chinacloudapi.cn": "china", "login.partner.microsoftonline.cn": "china",
	"microsoftgraph.chinacloudapi.cn": "china",
	"management.chinacloudapi.cn":     "china", "management.core.chinacloudapi.cn": "china",
}

func cloudOfHost(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return cloudHosts[strings.ToLower(host)]
}

// crossCloud reports whether a request to requestHost names a resource (a
// URL, or Graph's app id, which every cloud shares) of another cloud.
func crossCloud(requestHost, resource string) bool {
	u, err := url.Parse(resource)
	if err != nil || u.Host == "" {
		return false
	}
	a, b := cloudOfHost(requestHost), cloudOfHost(u.Host)
	return a != "" && b != "" && a != b
}

// graphAppID is Microsoft Graph's well-known application id.
const graphAppID = "00000003-0000-0000-c000-000000000000"

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) < 7 || !strings.EqualFold(a[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(a[7:])
}

// validateAccessToken checks a token this simulator issued: signature, time
// validity against the server clock, issuer and tenant. Audience is the
// caller's to check. Verified claims are cached by token, so a client that
// reuses its token pays for RSA verification once.
func (s *Server) validateAccessToken(tok string) (*accessClaims, *Tenant, authFailure) {
	if tok == "" {
		return nil, nil, authMissing
	}
	c, ok := s.platform.tokens.get(tok)
	if !ok {
		parts, err := parseJWT(tok)
		if err != nil {
			return nil, nil, authMalformed
		}
		var claims accessClaims
		if err := json.Unmarshal(parts.payload, &claims); err != nil {
			return nil, nil, authMalformed
		}
		keys, err := s.platform.keys.get()
		if err != nil || parts.header.Alg != "RS256" || parts.header.Kid != keys.kid {
			return nil, nil, authBadSignature
		}
		if verifyRSA(&keys.key.PublicKey, "RS256", parts.signingInput, parts.signature) != nil {
			return nil, nil, authBadSignature
		}
		claims.roleSet = make(map[string]bool, len(claims.Roles))
		for _, r := range claims.Roles {
			claims.roleSet[r] = true
		}
		c = &claims
		s.platform.tokens.put(tok, c)
	}
	now := s.now().Unix()
	if now >= c.Exp {
		return c, nil, authExpired
	}
	// Microsoft allows five minutes of clock skew on nbf.
	if c.Nbf > now+300 {
		return c, nil, authNotYetValid
	}
	t := s.tenant(c.Tid)
	if t == nil || c.Iss != "https://sts.windows.net/"+c.Tid+"/" {
		return c, nil, authWrongIssuer
	}
	return c, t, authOK
}

// callerOf builds the Caller a handler sees from validated claims.
func callerOf(c *accessClaims, t *Tenant) *Caller {
	return &Caller{Tenant: t, AppID: c.AppID, Audience: c.Aud, Roles: c.roleSet}
}

// authenticateGraph authenticates a Graph request, answering 401 in Graph's
// terms when the token is refused.
func (s *Server) authenticateGraph(w http.ResponseWriter, r *http.Request) (*Caller, bool) {
	claims, t, why := s.validateAccessToken(bearerToken(r))
	if why == authOK && (!graphAudiences[claims.Aud] || crossCloud(r.Host, claims.Aud)) {
		why = authWrongAudience
	}
	if why != authOK {
		// Messages as Graph sends them (InvalidAuthenticationToken, graph-facts §3).
		msg := map[authFailure]string{
			authMissing:       "Access token is empty.",
			authMalformed:     "CompactToken parsing failed with error code: 80049217",
			authBadSignature:  "Access token validation failure.",
			authExpired:       "Access token has expired or is not yet valid.",
			authNotYetValid:   "Access token has expired or is not yet valid.",
			authWrongAudience: "Access token validation failure. Invalid audience.",
			authWrongIssuer:   "Access token validation failure. Invalid issuer.",
		}[why]
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="`+graphAppID+`"`)
		writeGraphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
		return nil, false
	}
	if i := infoFrom(r); i != nil {
		i.appID, i.tenantID = claims.AppID, claims.Tid
	}
	return callerOf(claims, t), true
}

// authenticateARM authenticates an ARM request, answering 401 in ARM's
// terms when the token is refused.
func (s *Server) authenticateARM(w http.ResponseWriter, r *http.Request) (*Caller, bool) {
	claims, t, why := s.validateAccessToken(bearerToken(r))
	if why == authOK && (!armAudiences[claims.Aud] || crossCloud(r.Host, claims.Aud)) {
		why = authWrongAudience
	}
	if why != authOK {
		code, msg := "InvalidAuthenticationToken", "The access token is invalid."
		switch why {
		case authMissing:
			code, msg = "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
		case authBadSignature:
			msg = "The access token has an invalid signature."
		case authExpired:
			// ARM prints both times in .NET's invariant general format.
			code = "ExpiredAuthenticationToken"
			msg = fmt.Sprintf("The access token expiry UTC time '%s' is earlier than current UTC time '%s'.",
				dotnetTime(time.Unix(claims.Exp, 0)), dotnetTime(s.now()))
		case authNotYetValid:
			msg = "The access token is not yet valid."
		case authWrongAudience:
			code = "InvalidAuthenticationTokenAudience"
			msg = fmt.Sprintf("The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.", claims.Aud)
		case authWrongIssuer:
			code = "InvalidAuthenticationTokenTenant"
			msg = fmt.Sprintf("The access token is from the wrong issuer '%s'.", claims.Iss)
		}
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`)
		writeARMError(w, r, http.StatusUnauthorized, code, msg)
		return nil, false
	}
	if i := infoFrom(r); i != nil {
		i.appID, i.tenantID, i.principal = claims.AppID, claims.Tid, claims.Oid
	}
	return callerOf(claims, t), true
}

// dotnetTime formats t as .NET's invariant "M/d/yyyy h:mm:ss tt" in UTC.
func dotnetTime(t time.Time) string {
	return t.UTC().Format("1/2/2006 3:04:05 PM")
}

// tokenCache remembers validated token claims. It is bounded: when full it
// starts over, which only costs re-verification.
type tokenCache struct {
	mu sync.RWMutex
	m  map[string]*accessClaims
}

const tokenCacheSize = 4096

func (c *tokenCache) get(tok string) (*accessClaims, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[tok]
	return v, ok
}

func (c *tokenCache) put(tok string, claims *accessClaims) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= tokenCacheSize {
		c.m = make(map[string]*accessClaims)
	}
	c.m[tok] = claims
}

// signingKeys is the simulator's token-signing key, made on first use so that
// servers that never issue a token never pay for RSA key generation.
type signingKeys struct {
	once sync.Once
	mat  *keyMaterial
	err  error
}

type keyMaterial struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate // self-signed, published in the JWKS x5c as Entra does
	kid  string            // = x5t: base64url SHA-1 of the certificate
}

func (k *signingKeys) get() (*keyMaterial, error) {
	k.once.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			k.err = fmt.Errorf("generate token signing key: %w", err)
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
			NotBefore:    time.Now().Add(-24 * time.Hour),
			NotAfter:     time.Now().Add(5 * 365 * 24 * time.Hour),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			k.err = fmt.Errorf("self-sign token signing key: %w", err)
			return
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			k.err = fmt.Errorf("parse token signing certificate: %w", err)
			return
		}
		sum := sha1.Sum(der)
		k.mat = &keyMaterial{key: key, cert: cert, kid: b64.EncodeToString(sum[:])}
	})
	return k.mat, k.err
}

// mint signs an app-only v1.0 access token for app in tenant tid.
func (s *Server) mint(tid string, app *clientApp, audience string, roles []string, acr string) (string, time.Duration, error) {
	km, err := s.platform.keys.get()
	if err != nil {
		return "", 0, err
	}
	lifetime := s.opts.TokenLifetime
	if lifetime <= 0 {
		lifetime = 3599 * time.Second
	}
	now := s.now()
	iss := "https://sts.windows.net/" + tid + "/"
	claims := accessClaims{
		Aud:      audience,
		Iss:      iss,
		Iat:      now.Unix(),
		Nbf:      now.Unix(),
		Exp:      now.Add(lifetime).Unix(),
		Aio:      randomB64(base64.StdEncoding, 36),
		AppName:  app.displayName,
		AppID:    app.appID,
		AppIDAcr: acr,
		Idp:      iss,
		Idtyp:    "app",
		Oid:      app.spID,
		Rh:       "0." + randomB64(base64.RawURLEncoding, 39) + ".",
		Roles:    roles,
		Sub:      app.spID,
		Tid:      tid,
		Uti:      randomB64(base64.RawURLEncoding, 16),
		Ver:      "1.0",
	}
	tok, err := signRS256(km.key, jwtHeader{Typ: "JWT", Alg: "RS256", X5t: km.kid, Kid: km.kid}, claims)
	return tok, lifetime, err
}

func randomB64(enc *base64.Encoding, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return enc.EncodeToString(b)
}

// IssueToken mints a valid access token without the HTTP flow, for tests and
// benchmarks. roles are taken as given (nil: none).
func (s *Server) IssueToken(tenantID, appID, audience string, roles []string) (string, error) {
	t := s.tenant(tenantID)
	if t == nil {
		return "", fmt.Errorf("issue token: tenant %q not served", tenantID)
	}
	app, ok := s.lookupClient(t, appID)
	if !ok {
		return "", fmt.Errorf("issue token: application %q not found in tenant %s", appID, t.ID)
	}
	if app.spID == "" {
		return "", fmt.Errorf("issue token: application %q has no service principal in tenant %s", appID, t.ID)
	}
	if audience == "" {
		return "", errors.New("issue token: empty audience")
	}
	tok, _, err := s.mint(t.ID, app, audience, roles, "1")
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return tok, nil
}
