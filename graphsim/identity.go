package graphsim

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// This file is the Microsoft identity platform: the v2.0 token endpoint for
// the client-credentials grant (secret or certificate assertion), OpenID
// discovery, the signing keys (JWKS) and the instance-discovery endpoint
// MSAL calls. Behaviour follows graph-facts §1 and the token_* examples.

func (s *Server) registerIdentityRoutes() {
	e := s.platform.edge
	e.HandleFunc("/{tenant}/oauth2/v2.0/token", s.handleToken)
	e.HandleFunc("/{tenant}/oauth2/token", s.handleTokenV1)
	e.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.handleOpenIDConfiguration)
	e.HandleFunc("GET /{tenant}/.well-known/openid-configuration", s.handleOpenIDConfigurationV1)
	e.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.handleJWKS)
	e.HandleFunc("GET /{tenant}/discovery/keys", s.handleJWKS)
	e.HandleFunc("GET /common/discovery/instance", s.handleInstanceDiscovery)
}

// Resources a client-credentials token can be requested for, by the
// resource part of a "/.default" scope. Graph's app id URI names Graph too.
func resourceKind(resource string) (audience string, isGraph, ok bool) {
	r := strings.TrimSuffix(resource, "/")
	if graphAudiences[r] || graphAudiences[resource] {
		return r, true, true
	}
	if armAudiences[r] {
		// The classic management.core.* resources keep their trailing slash.
		if strings.Contains(r, "//management.core.") {
			return r + "/", false, true
		}
		return r, false, true
	}
	return "", false, false
}

// tokenResponse is the success body, in the order Microsoft sends it
// (token_response_wire_observed.json).
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// tokenError is the identity platform's error body (graph-facts §1).
type tokenError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

// aadError is one AADSTS failure: HTTP status, OAuth error, code and text.
type aadError struct {
	status int
	oauth  string
	code   int
	text   string
}

func aadErr(status int, oauth string, code int, format string, args ...any) *aadError {
	return &aadError{status: status, oauth: oauth, code: code, text: fmt.Sprintf(format, args...)}
}

// setTokenHeaders sets the headers of every identity platform reply and
// returns the trace and correlation ids for an error body.
func setTokenHeaders(w http.ResponseWriter, r *http.Request) (traceID, correlationID string) {
	traceID = randomGUID()
	correlationID = r.Header.Get("client-request-id")
	if !isGUID(correlationID) {
		correlationID = randomGUID()
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("x-ms-request-id", traceID)
	h.Set("client-request-id", correlationID)
	h.Set("x-ms-ests-server", "2.1.19445.6 - WEULR1 ProdSlices")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	return traceID, correlationID
}

func writeTokenJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeAADError(w http.ResponseWriter, r *http.Request, traceID, correlationID string, e *aadError) {
	ts := nowFor(r).UTC().Format("2006-01-02 15:04:05Z")
	writeTokenJSON(w, e.status, tokenError{
		Error: e.oauth,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			e.code, e.text, traceID, correlationID, ts),
		ErrorCodes:    []int{e.code},
		Timestamp:     ts,
		TraceID:       traceID,
		CorrelationID: correlationID,
		ErrorURI:      baseURL(r) + "/error?code=" + fmt.Sprint(e.code),
	})
}

// handleToken serves POST /{tenant}/oauth2/v2.0/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	traceID, corrID := setTokenHeaders(w, r)
	tok, expiresIn, _, e := s.issueFromRequest(r, false)
	if e != nil {
		writeAADError(w, r, traceID, corrID, e)
		return
	}
	writeTokenJSON(w, http.StatusOK, tokenResponse{
		TokenType: "Bearer", ExpiresIn: expiresIn, ExtExpiresIn: expiresIn, AccessToken: tok,
	})
}

// tokenResponseV1 is the v1.0 endpoint's success body: numbers as strings,
// plus expires_on, not_before and resource.
type tokenResponseV1 struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    string `json:"expires_in"`
	ExtExpiresIn string `json:"ext_expires_in"`
	ExpiresOn    string `json:"expires_on"`
	NotBefore    string `json:"not_before"`
	Resource     string `json:"resource"`
	AccessToken  string `json:"access_token"`
}

// handleTokenV1 serves the v1.0 endpoint POST /{tenant}/oauth2/token that
// older (ADAL-era) collectors call with resource= instead of scope=.
func (s *Server) handleTokenV1(w http.ResponseWriter, r *http.Request) {
	traceID, corrID := setTokenHeaders(w, r)
	tok, expiresIn, resource, e := s.issueFromRequest(r, true)
	if e != nil {
		writeAADError(w, r, traceID, corrID, e)
		return
	}
	now := s.now().Unix()
	writeTokenJSON(w, http.StatusOK, tokenResponseV1{
		TokenType: "Bearer", ExpiresIn: strconv.FormatInt(expiresIn, 10), ExtExpiresIn: strconv.FormatInt(expiresIn, 10),
		ExpiresOn: strconv.FormatInt(now+expiresIn, 10), NotBefore: strconv.FormatInt(now, 10),
		Resource: resource, AccessToken: tok,
	})
}

// issueFromRequest runs the client-credentials grant for one request to the
// v2.0 endpoint (scope=) or, with v1, the v1.0 endpoint (resource=). It
// returns the token, its lifetime in seconds and, for v1, the resource.
func (s *Server) issueFromRequest(r *http.Request, v1 bool) (string, int64, string, *aadError) {
	if r.Method != http.MethodPost {
		return "", 0, "", aadErr(400, "invalid_request", 900561, "The endpoint only accepts POST, OPTIONS requests. Received a %s request.", r.Method)
	}
	tenantSeg := r.PathValue("tenant")
	if !validTenantIdentifier(tenantSeg) {
		return "", 0, "", aadErr(400, "invalid_request", 900023, "Specified tenant identifier '%s' is neither a valid DNS name, nor a valid external domain.", tenantSeg)
	}
	switch strings.ToLower(tenantSeg) {
	case "common", "organizations", "consumers":
		return "", 0, "", aadErr(400, "invalid_request", 50059, "No tenant-identifying information found in either the request or implied by any provided credentials.")
	}
	t := s.tenant(tenantSeg)
	if t == nil {
		return "", 0, "", aadErr(400, "invalid_request", 90002, "Tenant '%s' not found. This may happen if there are no active subscriptions for the tenant. Check to make sure you have the correct tenant ID. Check with your subscription administrator.", tenantSeg)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return "", 0, "", aadErr(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	}
	form := r.PostForm
	grant := form.Get("grant_type")
	if grant == "" {
		return "", 0, "", aadErr(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	}
	if grant != "client_credentials" {
		return "", 0, "", aadErr(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'.", grant)
	}
	clientID := form.Get("client_id")
	basicUser, basicPass, hasBasic := r.BasicAuth()
	if hasBasic {
		// RFC 6749 §2.3.1: Basic credentials are form-urlencoded first.
		if u, err := url.QueryUnescape(basicUser); err == nil {
			basicUser = u
		}
		if p, err := url.QueryUnescape(basicPass); err == nil {
			basicPass = p
		}
		if clientID == "" {
			clientID = basicUser
		}
	}
	if clientID == "" {
		return "", 0, "", aadErr(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	}
	param := "scope"
	if v1 {
		param = "resource"
	}
	scope := form.Get(param)
	if scope == "" {
		return "", 0, "", aadErr(400, "invalid_request", 900144, "The request body must contain the following parameter: '%s'.", param)
	}
	app, ok := s.lookupClient(t, clientID)
	if !ok {
		return "", 0, "", aadErr(400, "unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenantDisplay(t, tenantSeg))
	}
	if app.spID == "" {
		return "", 0, "", aadErr(400, "unauthorized_client", 7000229, "The client application %s is missing service principal in the tenant %s. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119", clientID, t.ID)
	}
	if !app.spEnabled {
		return "", 0, "", aadErr(400, "unauthorized_client", 7000112, "Application '%s'(%s) is disabled.", clientID, app.displayName)
	}
	var audience string
	var isGraph bool
	if v1 {
		aud, graph, ok := resourceKind(scope)
		if !ok {
			return "", 0, "", unknownResource(scope, t)
		}
		audience, isGraph = aud, graph
	} else {
		aud, graph, e := parseClientCredentialsScope(scope, t)
		if e != nil {
			return "", 0, "", e
		}
		audience, isGraph = aud, graph
	}

	if crossCloud(r.Host, audience) {
		return "", 0, "", unknownResource(audience, t)
	}

	now := s.now()
	acr := "1"
	secret := form.Get("client_secret")
	if secret == "" && hasBasic {
		secret = basicPass
	}
	switch {
	case secret != "":
		if e := checkSecret(app, secret, now); e != nil {
			return "", 0, "", e
		}
	case form.Get("client_assertion") != "":
		if at := form.Get("client_assertion_type"); at != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			return "", 0, "", aadErr(400, "invalid_request", 50027, "JWT token is invalid or malformed.")
		}
		if e := s.checkAssertion(r, t, app, form.Get("client_assertion"), now); e != nil {
			return "", 0, "", e
		}
		acr = "2"
	default:
		return "", 0, "", aadErr(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}

	var roles []string
	if isGraph {
		roles = app.graphRoles
	}
	tok, lifetime, err := s.mint(t.ID, app, audience, roles, acr)
	if err != nil {
		return "", 0, "", aadErr(500, "temporarily_unavailable", 90100, "An unexpected error occurred while issuing the token.")
	}
	return tok, int64(lifetime / time.Second), scope, nil
}

// validTenantIdentifier accepts what Entra accepts in the path: a GUID or a
// DNS name.
func validTenantIdentifier(s string) bool {
	if isGUID(s) {
		return true
	}
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func tenantDisplay(t *Tenant, requested string) string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.DisplayName != "" {
		return t.DisplayName
	}
	return requested
}

// parseClientCredentialsScope checks a client-credentials scope: exactly one
// resource with "/.default"; OpenID Connect scopes are ignored as Entra does.
func parseClientCredentialsScope(scope string, t *Tenant) (audience string, isGraph bool, e *aadError) {
	var resources []string
	for _, sc := range strings.Fields(scope) {
		switch sc {
		case "openid", "offline_access", "profile", "email":
			continue
		}
		res, ok := strings.CutSuffix(sc, "/.default")
		if !ok {
			return "", false, aadErr(400, "invalid_scope", 1002012, "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", sc)
		}
		resources = append(resources, res)
	}
	if len(resources) == 0 {
		return "", false, aadErr(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' isn't valid. The scope %s isn't valid.", scope)
	}
	if len(resources) > 1 {
		return "", false, aadErr(400, "invalid_scope", 700022, "The provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid.", scope)
	}
	aud, isGraph, ok := resourceKind(resources[0])
	if !ok {
		return "", false, unknownResource(resources[0], t)
	}
	return aud, isGraph, nil
}

func unknownResource(resource string, t *Tenant) *aadError {
	return aadErr(400, "invalid_resource", 500011, "The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resource, tenantDisplay(t, t.ID))
}

// clientApp is what the token endpoint needs of an application, copied out
// under the tenant's read lock.
type clientApp struct {
	appID       string
	displayName string
	spID        string
	spEnabled   bool
	passwords   []PasswordCredential
	keys        []KeyCredential
	graphRoles  []string
}

// lookupClient finds the client appID in tenant t: its service principal
// there, its application registration (in t, or in the home tenant of a
// multi-tenant app when the simulator serves it) and the Graph application
// permissions it holds: the tenant's Connector.Granted for the connector,
// otherwise its app role assignments to the Microsoft Graph service
// principal. ok is false when t knows neither a registration nor a service
// principal for appID.
func (s *Server) lookupClient(t *Tenant, appID string) (c *clientApp, ok bool) {
	c = &clientApp{appID: appID}
	found, hasApp := clientInTenant(t, appID, c)
	if !found {
		return nil, false
	}
	if !hasApp {
		// Multi-tenant app: only the service principal lives here.
		for _, home := range s.servedTenants() {
			if home != t && appRegistrationIn(home, appID, c) {
				break
			}
		}
	}
	return c, true
}

// clientInTenant fills c from t. found: t has the app or its service
// principal; hasApp: t holds the registration itself.
func clientInTenant(t *Tenant, appID string, c *clientApp) (found, hasApp bool) {
	hasApp = appRegistrationIn(t, appID, c)
	t.mu.RLock()
	defer t.mu.RUnlock()
	var graphSP *ServicePrincipal
	for _, sp := range t.ServicePrincipals {
		switch {
		case strings.EqualFold(sp.AppID, appID):
			c.spID, c.spEnabled = sp.ID, sp.AccountEnabled
			if c.displayName == "" {
				c.displayName = sp.DisplayName
			}
		case sp.AppID == graphAppID:
			graphSP = sp
		}
	}
	if !hasApp && c.spID == "" {
		return false, false
	}
	if strings.EqualFold(t.Connector.AppID, appID) {
		c.graphRoles = append([]string(nil), t.Connector.Granted...)
		return true, hasApp
	}
	if graphSP != nil && c.spID != "" {
		byID := make(map[string]string, len(graphSP.AppRoles))
		for _, ar := range graphSP.AppRoles {
			byID[ar.ID] = ar.Value
		}
		for _, a := range t.AppRoleAssignments {
			if a.PrincipalID == c.spID && a.ResourceID == graphSP.ID {
				if v := byID[a.AppRoleID]; v != "" {
					c.graphRoles = append(c.graphRoles, v)
				}
			}
		}
	}
	return true, hasApp
}

// appRegistrationIn copies appID's registration (name and credentials) from
// t into c, if t holds it.
func appRegistrationIn(t *Tenant, appID string, c *clientApp) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, a := range t.Applications {
		if strings.EqualFold(a.AppID, appID) {
			c.appID = a.AppID
			c.displayName = a.DisplayName
			c.passwords = append([]PasswordCredential(nil), a.PasswordCredentials...)
			c.keys = append([]KeyCredential(nil), a.KeyCredentials...)
			return true
		}
	}
	return false
}

// servedTenants lists each served tenant once.
func (s *Server) servedTenants() []*Tenant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := make(map[*Tenant]bool, len(s.tenants))
	var out []*Tenant
	for _, t := range s.tenants {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// checkSecret compares secret with the app's password credentials in
// constant time; an expired match is AADSTS7000222, no match 7000215.
func checkSecret(app *clientApp, secret string, now time.Time) *aadError {
	expired := false
	for _, pc := range app.passwords {
		if pc.SecretText == "" || subtle.ConstantTimeCompare([]byte(pc.SecretText), []byte(secret)) != 1 {
			continue
		}
		if !pc.EndDateTime.IsZero() && !now.Before(pc.EndDateTime) {
			expired = true
			continue
		}
		if !pc.StartDateTime.IsZero() && now.Before(pc.StartDateTime) {
			continue
		}
		return nil
	}
	if expired {
		return aadErr(401, "invalid_client", 7000222, "The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", app.appID)
	}
	return aadErr(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.appID)
}

// assertionClaims are the claims Entra checks in a client assertion.
type assertionClaims struct {
	Aud any    `json:"aud"` // a string, or an array of strings
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Exp *int64 `json:"exp"`
	Nbf *int64 `json:"nbf"`
	Jti string `json:"jti"`
}

// checkAssertion verifies a client_assertion: RS256 or PS256, signed by a
// certificate registered in the app's keyCredentials and named by x5t,
// x5t#S256 or x5c; iss = sub = client_id; aud = this token endpoint; within
// its validity.
func (s *Server) checkAssertion(r *http.Request, t *Tenant, app *clientApp, assertion string, now time.Time) *aadError {
	malformed := aadErr(400, "invalid_request", 50027, "JWT token is invalid or malformed.")
	parts, err := parseJWT(assertion)
	if err != nil {
		return malformed
	}
	var claims assertionClaims
	if err := json.Unmarshal(parts.payload, &claims); err != nil {
		return malformed
	}
	if parts.header.Alg != "RS256" && parts.header.Alg != "PS256" {
		return aadErr(401, "invalid_client", 700027, "Client assertion failed signature validation. Signing algorithm '%s' is not supported.", parts.header.Alg)
	}
	key, thumb := findAssertionKey(parts.header, app.keys)
	if key == nil {
		return aadErr(401, "invalid_client", 700027, "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/%s']", thumb, app.appID, app.appID)
	}
	if !key.StartDateTime.IsZero() && now.Before(key.StartDateTime) {
		return aadErr(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The key used is not yet valid., Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]",
			thumb, key.StartDateTime.UTC().Format("01/02/2006 15:04:05"), key.EndDateTime.UTC().Format("01/02/2006 15:04:05"), app.appID)
	}
	if !key.EndDateTime.IsZero() && !now.Before(key.EndDateTime) {
		return aadErr(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '%s', Found key 'Start=%s, End=%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]",
			thumb, key.StartDateTime.UTC().Format("01/02/2006 15:04:05"), key.EndDateTime.UTC().Format("01/02/2006 15:04:05"), app.appID)
	}
	pub, ok := key.Certificate.PublicKey.(*rsa.PublicKey)
	if !ok || verifyRSA(pub, parts.header.Alg, parts.signingInput, parts.signature) != nil {
		return aadErr(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]", thumb, app.appID)
	}
	if !strings.EqualFold(claims.Iss, app.appID) || !strings.EqualFold(claims.Sub, app.appID) {
		return aadErr(401, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .")
	}
	if !s.assertionAudienceOK(r, t, claims.Aud) {
		return aadErr(401, "invalid_client", 700027, "Client assertion contains an invalid audience claim. The audience must be the token endpoint of the tenant.")
	}
	// Entra allows five minutes of clock skew on both ends.
	const skew = 300
	if claims.Exp == nil || now.Unix() >= *claims.Exp+skew || (claims.Nbf != nil && *claims.Nbf > now.Unix()+skew) {
		return aadErr(401, "invalid_client", 700024, "Client assertion is not within its valid time range. Ensure that the access token isn't expired before using it for user assertion, or request a new token. Current time: %s, assertion valid from %s, expiry time of assertion %s. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
			now.UTC().Format("2006-01-02T15:04:05.0000000Z"), unixOrZero(claims.Nbf), unixOrZero(claims.Exp))
	}
	return nil
}

func unixOrZero(v *int64) string {
	if v == nil {
		return "1970-01-01T00:00:00.0000000Z"
	}
	return time.Unix(*v, 0).UTC().Format("2006-01-02T15:04:05.0000000Z")
}

// findAssertionKey picks the registered key the assertion header names. It
// returns the key and the thumbprint (hex, upper case, as Entra prints it)
// the client presented.
func findAssertionKey(h jwtHeader, keys []KeyCredential) (*KeyCredential, string) {
	decode := func(s string) []byte {
		for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				return b
			}
		}
		return nil
	}
	var want1, want256 []byte
	if h.X5t != "" {
		want1 = decode(h.X5t)
	}
	if h.X5tS256 != "" {
		want256 = decode(h.X5tS256)
	}
	if len(h.X5c) > 0 && want1 == nil && want256 == nil {
		if der, err := base64.StdEncoding.DecodeString(h.X5c[0]); err == nil {
			sum := sha256.Sum256(der)
			want256 = sum[:]
		}
	}
	thumb := strings.ToUpper(fmt.Sprintf("%x", want1))
	if want1 == nil {
		thumb = strings.ToUpper(fmt.Sprintf("%x", want256))
	}
	for i := range keys {
		k := &keys[i]
		if k.Certificate == nil {
			continue
		}
		s1 := sha1.Sum(k.Certificate.Raw)
		s256 := sha256.Sum256(k.Certificate.Raw)
		if (want1 != nil && subtle.ConstantTimeCompare(want1, s1[:]) == 1) ||
			(want256 != nil && subtle.ConstantTimeCompare(want256, s256[:]) == 1) {
			return k, thumb
		}
	}
	return nil, thumb
}

// assertionAudienceOK accepts the tenant's token endpoint (v2.0 or v1) on
// the host the client called or on a Microsoft login host, with the tenant
// named by id or by any of its domains.
func (s *Server) assertionAudienceOK(r *http.Request, t *Tenant, aud any) bool {
	var auds []string
	switch v := aud.(type) {
	case string:
		auds = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				auds = append(auds, s)
			}
		}
	}
	for _, a := range auds {
		u, err := url.Parse(a)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" {
			continue
		}
		if !strings.EqualFold(u.Host, r.Host) && !loginHosts[strings.ToLower(u.Host)] {
			continue
		}
		segs := splitPath(u.Path)
		if len(segs) < 3 || s.tenant(segs[0]) != t {
			continue
		}
		switch strings.Join(segs[1:], "/") {
		case "oauth2/v2.0/token", "oauth2/token":
			return true
		}
	}
	return false
}

// loginHosts are the identity platform's host names in every cloud.
var loginHosts = map[string]bool{
	"login.microsoftonline.com":        true,
	"login.windows.net":                true,
	"login.microsoft.com":              true,
	"sts.windows.net":                  true,
	"login.microsoftonline.us":         true,
	"login.chinacloudapi.cn":           true,
	"login.partner.microsoftonline.cn": true,
}

// handleOpenIDConfiguration serves the tenant's v2.0 OpenID Connect metadata
// with every endpoint on the host the client called, which MSAL requires
// (issuer host = authority host).
func (s *Server) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	traceID, corrID := setTokenHeaders(w, r)
	t, e := s.discoveryTenant(r.PathValue("tenant"))
	if e != nil {
		writeAADError(w, r, traceID, corrID, e)
		return
	}
	base := baseURL(r)
	root := base + "/" + t.ID
	cfg := map[string]any{
		"token_endpoint":                        root + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              root + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                root + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     base + "/oidc/userinfo",
		"authorization_endpoint":                root + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         root + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  root + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"kerberos_endpoint":                     root + "/kerberos",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          r.Host,
		"rbac_url":                              "https://pas.windows.net",
	}
	writeTokenJSON(w, http.StatusOK, cfg)
}

// handleOpenIDConfigurationV1 serves the v1.0 metadata older clients read:
// the sts.windows.net issuer of v1.0 tokens and the v1.0 token endpoint.
func (s *Server) handleOpenIDConfigurationV1(w http.ResponseWriter, r *http.Request) {
	traceID, corrID := setTokenHeaders(w, r)
	t, e := s.discoveryTenant(r.PathValue("tenant"))
	if e != nil {
		writeAADError(w, r, traceID, corrID, e)
		return
	}
	root := baseURL(r) + "/" + t.ID
	writeTokenJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        root + "/oauth2/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              baseURL(r) + "/common/discovery/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "token id_token", "token"},
		"scopes_supported":                      []string{"openid"},
		"issuer":                                "https://sts.windows.net/" + t.ID + "/",
		"authorization_endpoint":                root + "/oauth2/authorize",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          r.Host,
	})
}

// discoveryTenant resolves the tenant of a discovery request; unknown
// tenants get AADSTS90002 with error invalid_tenant, as Entra answers there.
func (s *Server) discoveryTenant(seg string) (*Tenant, *aadError) {
	if !validTenantIdentifier(seg) {
		return nil, aadErr(400, "invalid_tenant", 900023, "Specified tenant identifier '%s' is neither a valid DNS name, nor a valid external domain.", seg)
	}
	t := s.tenant(seg)
	if t == nil {
		return nil, aadErr(400, "invalid_tenant", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", seg)
	}
	return t, nil
}

// jwk is one RSA signing key as Entra publishes it.
type jwk struct {
	Kty               string   `json:"kty"`
	Use               string   `json:"use"`
	Kid               string   `json:"kid"`
	X5t               string   `json:"x5t"`
	N                 string   `json:"n"`
	E                 string   `json:"e"`
	X5c               []string `json:"x5c"`
	CloudInstanceName string   `json:"cloud_instance_name"`
	Issuer            string   `json:"issuer"`
}

// handleJWKS serves the token signing keys.
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	traceID, corrID := setTokenHeaders(w, r)
	// The multi-tenant key set names a "{tenantid}" template issuer.
	issuerTenant := "{tenantid}"
	switch seg := r.PathValue("tenant"); strings.ToLower(seg) {
	case "common", "organizations", "consumers":
	default:
		t, e := s.discoveryTenant(seg)
		if e != nil {
			writeAADError(w, r, traceID, corrID, e)
			return
		}
		issuerTenant = t.ID
	}
	km, err := s.platform.keys.get()
	if err != nil {
		writeAADError(w, r, traceID, corrID, aadErr(500, "temporarily_unavailable", 90100, "Signing keys are unavailable."))
		return
	}
	pub := km.key.PublicKey
	writeTokenJSON(w, http.StatusOK, map[string][]jwk{"keys": {{
		Kty: "RSA", Use: "sig", Kid: km.kid, X5t: km.kid,
		N:                 b64.EncodeToString(pub.N.Bytes()),
		E:                 b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		X5c:               []string{base64.StdEncoding.EncodeToString(km.cert.Raw)},
		CloudInstanceName: "microsoftonline.com",
		Issuer:            baseURL(r) + "/" + issuerTenant + "/v2.0",
	}}})
}

// instanceMetadata is one cloud's entry in the instance discovery answer.
type instanceMetadata struct {
	PreferredNetwork string   `json:"preferred_network"`
	PreferredCache   string   `json:"preferred_cache"`
	Aliases          []string `json:"aliases"`
}

// handleInstanceDiscovery answers MSAL's instance discovery
// (GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…):
// the tenant discovery endpoint on the authority's host, and aliases that
// include that host so MSAL keeps talking to it.
func (s *Server) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	traceID, corrID := setTokenHeaders(w, r)
	q := r.URL.Query()
	ae, err := url.Parse(q.Get("authorization_endpoint"))
	segs := []string(nil)
	if err == nil {
		segs = splitPath(ae.Path)
	}
	if err != nil || ae.Host == "" || (ae.Scheme != "https" && ae.Scheme != "http") || len(segs) == 0 {
		writeAADError(w, r, traceID, corrID, aadErr(400, "invalid_instance", 50049, "Unknown or invalid instance."))
		return
	}
	host := strings.ToLower(ae.Host)
	public := instanceMetadata{
		PreferredNetwork: "login.microsoftonline.com",
		PreferredCache:   "login.windows.net",
		Aliases:          []string{"login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"},
	}
	meta := []instanceMetadata{public,
		{PreferredNetwork: "login.partner.microsoftonline.cn", PreferredCache: "login.partner.microsoftonline.cn", Aliases: []string{"login.partner.microsoftonline.cn", "login.chinacloudapi.cn"}},
		{PreferredNetwork: "login.microsoftonline.us", PreferredCache: "login.microsoftonline.us", Aliases: []string{"login.microsoftonline.us", "login.usgovcloudapi.net"}},
	}
	if !loginHosts[host] {
		meta = append(meta, instanceMetadata{PreferredNetwork: host, PreferredCache: host, Aliases: []string{host}})
	}
	writeTokenJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": ae.Scheme + "://" + ae.Host + "/" + segs[0] + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata":                  meta,
	})
}
