package graphsim

// Azure Resource Manager: subscriptions, resource groups, Azure RBAC role
// definitions and assignments at any scope (with assignment create and
// delete), storage accounts, blob containers and user-assigned managed
// identities. Every read is authorised the way ARM does it: the caller's
// service principal must hold, at the scope or above, a role whose actions
// cover the operation; subscriptions where it holds no role are invisible.
// Shapes follow the azure-rest-api-specs examples in
// shared/graph-examples/arm_*.json.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// armPageSize is how many items an ARM list returns per page unless the
// request or Options.PageSizeCap asks for fewer.
const armPageSize = 100

// ARM operations (actions) each route needs, as Azure RBAC names them.
const (
	actSubscriptionRead   = "Microsoft.Resources/subscriptions/read"
	actResourceGroupRead  = "Microsoft.Resources/subscriptions/resourceGroups/read"
	actRoleAssignRead     = "Microsoft.Authorization/roleAssignments/read"
	actRoleAssignWrite    = "Microsoft.Authorization/roleAssignments/write"
	actRoleAssignDelete   = "Microsoft.Authorization/roleAssignments/delete"
	actRoleDefRead        = "Microsoft.Authorization/roleDefinitions/read"
	actStorageRead        = "Microsoft.Storage/storageAccounts/read"
	actContainerRead      = "Microsoft.Storage/storageAccounts/blobServices/containers/read"
	actIdentityRead       = "Microsoft.ManagedIdentity/userAssignedIdentities/read"
	roleAssignmentType    = "Microsoft.Authorization/roleAssignments"
	roleDefinitionType    = "Microsoft.Authorization/roleDefinitions"
	authorizationProvider = "/providers/microsoft.authorization/"
)

func (s *Server) registerARMRoutes() {
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		s.arm(m+" /subscriptions/{path...}", s.serveARM)
		s.arm(m+" /providers/{path...}", s.serveARM)
	}
	s.arm("GET /subscriptions", s.serveARM)
	s.arm("GET /tenants", s.listTenants)
}

// listTenants answers GET /tenants (Tenants - List, 2022-12-01): the
// tenants the caller can reach; an app-only token reaches its home tenant.
func (s *Server) listTenants(w http.ResponseWriter, r *http.Request, c *Caller) {
	t := c.Tenant
	t.mu.RLock()
	var domains []string
	for _, d := range t.Domains {
		if d.IsVerified {
			domains = append(domains, d.ID)
		}
	}
	o := t.Organization
	item := entity{
		{"id", "/tenants/" + t.ID},
		{"tenantId", t.ID},
		{"tenantCategory", "Home"},
		{"country", stringOrNull(o.Country)},
		{"countryCode", stringOrNull(o.CountryLetterCode)},
		{"displayName", t.DisplayName},
		{"domains", stringsOrEmpty(domains)},
		{"defaultDomain", t.DefaultDomain},
		{"tenantType", "AAD"},
		{"tenantBrandingLogoUrl", nil},
	}
	t.mu.RUnlock()
	writeARMJSON(w, http.StatusOK, entity{{"value", []entity{item}}})
}

// armRequest is one ARM call being served: the tenant is read-locked for
// reads, and principal is the caller's service principal object id.
type armRequest struct {
	s         *Server
	w         http.ResponseWriter
	r         *http.Request
	t         *Tenant
	principal string
	// principals are the caller's service principal and the groups it is
	// a member of, directly or nested (lower-case ids): Azure RBAC honours
	// assignments to any of them.
	principals map[string]bool
}

// newARMRequest starts serving an ARM call; t.mu is held.
func newARMRequest(s *Server, w http.ResponseWriter, r *http.Request, t *Tenant, c *Caller) *armRequest {
	ar := &armRequest{s: s, w: w, r: r, t: t, principal: armPrincipalLocked(t, c)}
	if ar.principal != "" {
		ar.principals = principalAndGroupsLocked(t, ar.principal)
	}
	return ar
}

// principalAndGroupsLocked is id and every group it belongs to, directly or
// through nested groups, as lower-case ids; t.mu is held.
func principalAndGroupsLocked(t *Tenant, id string) map[string]bool {
	set := map[string]bool{strings.ToLower(id): true}
	for _, g := range transitiveMemberOfIDs(t, id) {
		set[strings.ToLower(g)] = true
	}
	return set
}

// holds reports whether an assignment is the caller's, directly or through
// a group.
func (ar *armRequest) holds(a *AzRoleAssignment) bool {
	return ar.principals[strings.ToLower(a.PrincipalID)]
}

// serveARM routes every ARM path. ARM paths are case-insensitive and role
// assignments live under any scope, which ServeMux patterns cannot express,
// so the path is parsed here.
func (s *Server) serveARM(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !validAPIVersion(r.URL.Query().Get("api-version")) {
		v := r.URL.Query().Get("api-version")
		writeARMError(w, r, http.StatusBadRequest, "InvalidApiVersionParameter",
			"The api-version '"+v+"' is invalid. The supported versions are '2022-12-01,2022-04-01,2021-04-01,2023-05-01,2023-01-31'.")
		return
	}
	t := c.Tenant
	path := strings.TrimSuffix(r.URL.Path, "/")
	if r.Method == http.MethodPut || r.Method == http.MethodDelete {
		s.serveARMWrite(w, r, c, path)
		return
	}
	// Render under the read lock into a buffer, and send it after
	// unlocking, so a slow client never holds up tenant mutations.
	buf := &armBuffer{header: w.Header()}
	t.mu.RLock()
	ar := newARMRequest(s, buf, r, t, c)
	ar.serveRead(path)
	t.mu.RUnlock()
	buf.flushTo(w)
}

// serveRead serves a GET with the tenant read-locked.
func (ar *armRequest) serveRead(path string) {
	t := ar.t
	lower := strings.ToLower(path) + "/"
	if i := strings.LastIndex(lower, authorizationProvider); i >= 0 {
		scope := path[:i]
		rest := splitPath((path + "/")[i+len(authorizationProvider):])
		ar.serveAuthorization(scope, rest)
		return
	}
	seg := splitPath(path)
	if len(seg) == 0 || !strings.EqualFold(seg[0], "subscriptions") {
		ar.notFoundPath()
		return
	}
	if len(seg) == 1 {
		ar.listSubscriptions()
		return
	}
	sub := armSubscriptionLocked(t, seg[1])
	if sub == nil {
		ar.subscriptionNotFound(seg[1])
		return
	}
	subScope := "/subscriptions/" + sub.SubscriptionID
	rest := seg[2:]
	switch {
	case len(rest) == 0:
		if !ar.visible(sub) {
			ar.denied(actSubscriptionRead, subScope)
			return
		}
		ar.writeJSON(http.StatusOK, renderAzSubscription(sub))
	case strings.EqualFold(rest[0], "resourcegroups"):
		ar.serveResourceGroups(sub, rest[1:])
	case strings.EqualFold(rest[0], "providers") && len(rest) >= 3:
		ar.serveProvider(sub, nil, rest[1], rest[2:])
	default:
		ar.notFoundPath()
	}
}

// armBuffer holds a response rendered under the tenant lock; headers go
// straight to the real writer's header map.
type armBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *armBuffer) Header() http.Header { return b.header }

func (b *armBuffer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *armBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *armBuffer) flushTo(w http.ResponseWriter) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.Header().Set("Content-Length", strconv.Itoa(b.body.Len()))
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

// validAPIVersion accepts ARM's date-shaped versions, e.g. 2022-12-01 or
// 2023-05-01-preview.
func validAPIVersion(v string) bool {
	date, _, _ := strings.Cut(v, "-preview")
	_, err := time.Parse("2006-01-02", date)
	return err == nil
}

// armPrincipalLocked is the object id of the caller's service principal in
// the tenant ("" when the app has none, which leaves it with no access).
func armPrincipalLocked(t *Tenant, c *Caller) string {
	if sp := spByAppIDLocked(t, c.AppID); sp != nil {
		return sp.ID
	}
	return ""
}

func armSubscriptionLocked(t *Tenant, id string) *AzSubscription {
	for _, s := range t.Azure.Subscriptions {
		if strings.EqualFold(s.SubscriptionID, id) {
			return s
		}
	}
	return nil
}

func armResourceGroupLocked(t *Tenant, sub, name string) *AzResourceGroup {
	for _, g := range t.Azure.ResourceGroups {
		if strings.EqualFold(g.SubscriptionID, sub) && strings.EqualFold(g.Name, name) {
			return g
		}
	}
	return nil
}

// scopeCovers reports whether an assignment at scope a applies at scope s:
// a is s or one of its ancestors.
func scopeCovers(a, s string) bool {
	a = strings.ToLower(strings.TrimSuffix(a, "/"))
	s = strings.ToLower(strings.TrimSuffix(s, "/"))
	return a == "" || a == s || strings.HasPrefix(s, a+"/")
}

// allowed reports whether the caller may perform action at scope.
func (ar *armRequest) allowed(action, scope string) bool {
	if ar.principal == "" {
		return false
	}
	for _, a := range ar.t.Azure.RoleAssignments {
		if !ar.holds(a) || !scopeCovers(a.Scope, scope) {
			continue
		}
		if d := armRoleDefinitionLocked(ar.t, a.RoleDefinitionID); d != nil && roleAllows(d, action) {
			return true
		}
	}
	return false
}

// visible reports whether the subscription shows up for the caller: it
// holds some role at the subscription, inside it, or above it.
func (ar *armRequest) visible(sub *AzSubscription) bool {
	if ar.principal == "" {
		return false
	}
	scope := "/subscriptions/" + sub.SubscriptionID
	for _, a := range ar.t.Azure.RoleAssignments {
		if ar.holds(a) && (scopeCovers(a.Scope, scope) || scopeCovers(scope, a.Scope)) {
			return true
		}
	}
	return false
}

func (ar *armRequest) denied(action, scope string) {
	who := ar.principal
	if who == "" {
		who = callerFrom(ar.r).AppID
	}
	writeARMError(ar.w, ar.r, http.StatusForbidden, "AuthorizationFailed",
		"The client '"+who+"' with object id '"+who+"' does not have authorization to perform action '"+action+
			"' over scope '"+scope+"' or the scope is invalid. If access was recently granted, please refresh your credentials.")
}

func (ar *armRequest) subscriptionNotFound(id string) {
	writeARMError(ar.w, ar.r, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+id+"' could not be found.")
}

func (ar *armRequest) resourceGroupNotFound(name string) {
	writeARMError(ar.w, ar.r, http.StatusNotFound, "ResourceGroupNotFound", "Resource group '"+name+"' could not be found.")
}

func (ar *armRequest) resourceNotFound(typ, name, rg string) {
	writeARMError(ar.w, ar.r, http.StatusNotFound, "ResourceNotFound",
		"The Resource '"+typ+"/"+name+"' under resource group '"+rg+"' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
}

// notFoundPath answers a path no resource provider serves.
func (ar *armRequest) notFoundPath() {
	writeARMError(ar.w, ar.r, http.StatusNotFound, "InvalidResourceType",
		"The resource type could not be found in the namespace for api version '"+ar.r.URL.Query().Get("api-version")+"'.")
}

func (ar *armRequest) writeJSON(status int, v any) {
	writeARMJSON(ar.w, status, v)
}

// writeARMJSON writes an ARM response body.
func writeARMJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writePage writes one page of a list: {"value":[...],"nextLink":...} with
// an absolute nextLink on the host the client called. pageSize 0 means
// armPageSize; Options.PageSizeCap lowers it.
func (ar *armRequest) writePage(items []entity, pageSize int) {
	if pageSize <= 0 {
		pageSize = armPageSize
	}
	if c := ar.s.opts.PageSizeCap; c > 0 && pageSize > c {
		pageSize = c
	}
	q := ar.r.URL.Query()
	start := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		n, ok := decodeARMSkipToken(tok)
		if !ok || n > len(items) {
			writeARMError(ar.w, ar.r, http.StatusBadRequest, "InvalidSkipToken", "The provided skip token '"+tok+"' is not valid.")
			return
		}
		start = n
	}
	end := min(start+pageSize, len(items))
	page := items[start:end]
	if page == nil {
		page = []entity{}
	}
	out := entity{{"value", page}}
	if end < len(items) {
		q.Set("$skiptoken", encodeARMSkipToken(end))
		out = append(out, property{"nextLink", baseURL(ar.r) + ar.r.URL.EscapedPath() + "?" + armQueryString(q)})
	}
	ar.writeJSON(http.StatusOK, out)
}

// armQueryString encodes a query with api-version first, as ARM's links
// carry it, and spaces as %20.
func armQueryString(q url.Values) string {
	var b strings.Builder
	b.WriteString("api-version=" + url.QueryEscape(q.Get("api-version")))
	rest := url.Values{}
	for k, v := range q {
		if k != "api-version" {
			rest[k] = v
		}
	}
	if enc := rest.Encode(); enc != "" {
		b.WriteString("&" + strings.ReplaceAll(enc, "+", "%20"))
	}
	return b.String()
}

func encodeARMSkipToken(pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("arm:" + strconv.Itoa(pos)))
}

func decodeARMSkipToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(b), "arm:")
	if !ok {
		return 0, false
	}
	pos, err := strconv.Atoi(n)
	return pos, err == nil && pos >= 0
}

// topParam reads $top (or $maxpagesize) as a page size; 0 when absent.
func (ar *armRequest) topParam(name string) (int, bool) {
	v := ar.r.URL.Query().Get(name)
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		writeARMError(ar.w, ar.r, http.StatusBadRequest, "InvalidQueryParameterValue",
			"Invalid value '"+v+"' for query parameter '"+name+"'.")
		return 0, false
	}
	return n, true
}

// armFilter is a parsed ARM $filter: clauses joined by "and", each
// "name eq 'value'" or a function call such as atScope() or
// assignedTo('{id}').
type armFilter struct {
	eq    map[string]string // lower-case property -> value
	calls map[string]string // lower-case function -> argument
}

func parseARMFilter(src string) (armFilter, bool) {
	f := armFilter{eq: map[string]string{}, calls: map[string]string{}}
	if strings.TrimSpace(src) == "" {
		return f, true
	}
	for _, clause := range splitAnd(src) {
		clause = strings.TrimSpace(clause)
		if open := strings.IndexByte(clause, '('); open > 0 && strings.HasSuffix(clause, ")") && !strings.Contains(clause[:open], " ") {
			arg := strings.Trim(strings.TrimSpace(clause[open+1:len(clause)-1]), "'")
			f.calls[strings.ToLower(clause[:open])] = arg
			continue
		}
		parts := strings.SplitN(clause, " ", 3)
		if len(parts) != 3 || !strings.EqualFold(parts[1], "eq") {
			return f, false
		}
		v := strings.TrimSpace(parts[2])
		if len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' {
			return f, false
		}
		inner := v[1 : len(v)-1]
		if strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
			// A lone quote inside a literal: not OData.
			return f, false
		}
		f.eq[strings.ToLower(parts[0])] = strings.ReplaceAll(inner, "''", "'")
	}
	return f, true
}

// splitAnd splits a filter on " and " outside quotes.
func splitAnd(s string) []string {
	var out []string
	inQuote, start := false, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			inQuote = !inQuote
			continue
		}
		if !inQuote && i+5 <= len(s) && strings.EqualFold(s[i:i+5], " and ") {
			out = append(out, s[start:i])
			start = i + 5
			i += 4
		}
	}
	return append(out, s[start:])
}

func (ar *armRequest) filter() (armFilter, bool) {
	src := ar.r.URL.Query().Get("$filter")
	f, ok := parseARMFilter(src)
	if !ok {
		writeARMError(ar.w, ar.r, http.StatusBadRequest, "InvalidFilterInQueryString",
			"The filter '"+src+"' is not valid.")
	}
	return f, ok
}
