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
	"encoding/base64"
	"encoding/json"
	"errors"
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
}

// armRequest is one ARM call being served: the tenant is read-locked for
// reads, and principal is the caller's service principal object id.
type armRequest struct {
	s         *Server
	w         http.ResponseWriter
	r         *http.Request
	t         *Tenant
	principal string
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
	t.mu.RLock()
	defer t.mu.RUnlock()
	ar := &armRequest{s: s, w: w, r: r, t: t, principal: armPrincipalLocked(t, c)}
	lower := strings.ToLower(path)
	if i := strings.LastIndex(lower+"/", authorizationProvider); i >= 0 {
		scope := path[:i]
		rest := splitPath(path[i+len(authorizationProvider):])
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

// armRoleDefinitionLocked resolves a role definition id (any scope prefix)
// by its GUID name.
func armRoleDefinitionLocked(t *Tenant, id string) *AzRoleDefinition {
	name := id
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		name = id[i+1:]
	}
	for _, d := range t.Azure.RoleDefinitions {
		if strings.EqualFold(d.Name, name) {
			return d
		}
	}
	return nil
}

// armActionMatch matches an RBAC action against a permission pattern, where
// "*" matches any run of characters; ARM compares case-insensitively.
func armActionMatch(pattern, action string) bool {
	p, a := strings.ToLower(pattern), strings.ToLower(action)
	// Greedy glob with backtracking to the last star.
	pi, ai, star, mark := 0, 0, -1, 0
	for ai < len(a) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ai
			pi++
		case pi < len(p) && p[pi] == a[ai]:
			pi++
			ai++
		case star >= 0:
			pi = star + 1
			mark++
			ai = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// roleAllows reports whether a role definition grants action.
func roleAllows(d *AzRoleDefinition, action string) bool {
	allowed := false
	for _, p := range d.Actions {
		if armActionMatch(p, action) {
			allowed = true
			break
		}
	}
	if !allowed {
		return false
	}
	for _, p := range d.NotActions {
		if armActionMatch(p, action) {
			return false
		}
	}
	return true
}

// allowed reports whether the caller may perform action at scope.
func (ar *armRequest) allowed(action, scope string) bool {
	if ar.principal == "" {
		return false
	}
	for _, a := range ar.t.Azure.RoleAssignments {
		if !strings.EqualFold(a.PrincipalID, ar.principal) || !scopeCovers(a.Scope, scope) {
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
		if strings.EqualFold(a.PrincipalID, ar.principal) && (scopeCovers(a.Scope, scope) || scopeCovers(scope, a.Scope)) {
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

func (ar *armRequest) listSubscriptions() {
	var items []entity
	for _, sub := range ar.t.Azure.Subscriptions {
		if ar.visible(sub) {
			items = append(items, renderAzSubscription(sub))
		}
	}
	ar.writePage(items, 0)
}

func renderAzSubscription(sub *AzSubscription) entity {
	e := entity{
		{"id", "/subscriptions/" + sub.SubscriptionID},
		{"subscriptionId", sub.SubscriptionID},
		{"tenantId", sub.TenantID},
		{"displayName", sub.DisplayName},
		{"state", sub.State},
		{"subscriptionPolicies", entity{
			{"locationPlacementId", "Public_2014-09-01"},
			{"quotaId", "PayAsYouGo_2014-09-01"},
			{"spendingLimit", "Off"},
		}},
		{"authorizationSource", "RoleBased"},
		{"managedByTenants", []any{}},
	}
	if len(sub.Tags) > 0 {
		e = append(e, property{"tags", sub.Tags})
	}
	return e
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
		f.eq[strings.ToLower(parts[0])] = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
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

func (ar *armRequest) serveResourceGroups(sub *AzSubscription, rest []string) {
	subScope := "/subscriptions/" + sub.SubscriptionID
	if !ar.visible(sub) {
		ar.denied(actResourceGroupRead, subScope)
		return
	}
	if len(rest) == 0 {
		f, ok := ar.filter()
		if !ok {
			return
		}
		top, ok := ar.topParam("$top")
		if !ok {
			return
		}
		var items []entity
		for _, g := range ar.t.Azure.ResourceGroups {
			if !strings.EqualFold(g.SubscriptionID, sub.SubscriptionID) || !ar.allowed(actResourceGroupRead, rgScope(g)) {
				continue
			}
			if name, ok := f.eq["tagname"]; ok {
				v, has := g.Tags[name]
				if !has {
					continue
				}
				if want, ok := f.eq["tagvalue"]; ok && v != want {
					continue
				}
			}
			items = append(items, renderResourceGroup(g))
		}
		// ARM's $top limits the whole result, not the page.
		if top > 0 && len(items) > top {
			items = items[:top]
		}
		ar.writePage(items, 0)
		return
	}
	g := armResourceGroupLocked(ar.t, sub.SubscriptionID, rest[0])
	if g == nil {
		ar.resourceGroupNotFound(rest[0])
		return
	}
	if len(rest) == 1 {
		if !ar.allowed(actResourceGroupRead, rgScope(g)) {
			ar.denied(actResourceGroupRead, rgScope(g))
			return
		}
		ar.writeJSON(http.StatusOK, renderResourceGroup(g))
		return
	}
	if strings.EqualFold(rest[1], "providers") && len(rest) >= 4 {
		ar.serveProvider(sub, g, rest[2], rest[3:])
		return
	}
	ar.notFoundPath()
}

func rgScope(g *AzResourceGroup) string {
	return "/subscriptions/" + g.SubscriptionID + "/resourceGroups/" + g.Name
}

func renderResourceGroup(g *AzResourceGroup) entity {
	e := entity{
		{"id", rgScope(g)},
		{"name", g.Name},
		{"type", "Microsoft.Resources/resourceGroups"},
		{"location", g.Location},
	}
	if len(g.Tags) > 0 {
		e = append(e, property{"tags", g.Tags})
	}
	return append(e, property{"properties", entity{{"provisioningState", "Succeeded"}}})
}

// serveProvider serves resource-provider collections in a subscription
// (rg nil) or a resource group.
func (ar *armRequest) serveProvider(sub *AzSubscription, rg *AzResourceGroup, namespace string, rest []string) {
	scope := "/subscriptions/" + sub.SubscriptionID
	if rg != nil {
		scope = rgScope(rg)
	}
	if !ar.visible(sub) {
		ar.denied(providerReadAction(namespace, rest), scope)
		return
	}
	inScope := func(subID, group string) bool {
		return strings.EqualFold(subID, sub.SubscriptionID) && (rg == nil || strings.EqualFold(group, rg.Name))
	}
	switch {
	case strings.EqualFold(namespace, "Microsoft.Storage") && strings.EqualFold(rest[0], "storageAccounts"):
		if len(rest) == 1 {
			var items []entity
			for _, a := range ar.t.Azure.StorageAccounts {
				if inScope(a.SubscriptionID, a.ResourceGroup) && ar.allowed(actStorageRead, storageAccountID(a)) {
					items = append(items, renderStorageAccount(ar.t, a))
				}
			}
			ar.writePage(items, 0)
			return
		}
		if rg == nil {
			ar.notFoundPath()
			return
		}
		acct := ar.storageAccount(rg, rest[1])
		if acct == nil {
			ar.resourceNotFound("Microsoft.Storage/storageAccounts", rest[1], rg.Name)
			return
		}
		switch {
		case len(rest) == 2:
			if !ar.allowed(actStorageRead, storageAccountID(acct)) {
				ar.denied(actStorageRead, storageAccountID(acct))
				return
			}
			ar.writeJSON(http.StatusOK, renderStorageAccount(ar.t, acct))
		case len(rest) == 5 && strings.EqualFold(rest[2], "blobServices") && strings.EqualFold(rest[3], "default") && strings.EqualFold(rest[4], "containers"):
			ar.listContainers(acct)
		default:
			ar.notFoundPath()
		}
	case strings.EqualFold(namespace, "Microsoft.ManagedIdentity") && strings.EqualFold(rest[0], "userAssignedIdentities"):
		if len(rest) == 1 {
			var items []entity
			for _, id := range ar.t.Azure.UserAssignedIdentities {
				if inScope(id.SubscriptionID, id.ResourceGroup) && ar.allowed(actIdentityRead, identityID(id)) {
					items = append(items, renderUserAssignedIdentity(ar.t, id))
				}
			}
			ar.writePage(items, 0)
			return
		}
		if rg == nil || len(rest) != 2 {
			ar.notFoundPath()
			return
		}
		for _, id := range ar.t.Azure.UserAssignedIdentities {
			if inScope(id.SubscriptionID, id.ResourceGroup) && strings.EqualFold(id.Name, rest[1]) {
				if !ar.allowed(actIdentityRead, identityID(id)) {
					ar.denied(actIdentityRead, identityID(id))
					return
				}
				ar.writeJSON(http.StatusOK, renderUserAssignedIdentity(ar.t, id))
				return
			}
		}
		ar.resourceNotFound("Microsoft.ManagedIdentity/userAssignedIdentities", rest[1], rg.Name)
	default:
		ar.notFoundPath()
	}
}

// providerReadAction names the read action of a provider path, for
// AuthorizationFailed messages.
func providerReadAction(namespace string, rest []string) string {
	if strings.EqualFold(namespace, "Microsoft.ManagedIdentity") {
		return actIdentityRead
	}
	if len(rest) > 2 {
		return actContainerRead
	}
	return actStorageRead
}

func (ar *armRequest) storageAccount(rg *AzResourceGroup, name string) *AzStorageAccount {
	for _, a := range ar.t.Azure.StorageAccounts {
		if strings.EqualFold(a.SubscriptionID, rg.SubscriptionID) && strings.EqualFold(a.ResourceGroup, rg.Name) && strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

func storageAccountID(a *AzStorageAccount) string {
	return "/subscriptions/" + a.SubscriptionID + "/resourceGroups/" + a.ResourceGroup + "/providers/Microsoft.Storage/storageAccounts/" + a.Name
}

func identityID(id *AzUserAssignedIdentity) string {
	// Managed identity ids come back with "resourcegroups" in lower case.
	return "/subscriptions/" + id.SubscriptionID + "/resourcegroups/" + id.ResourceGroup + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + id.Name
}

// pairedRegion is the geo-redundant secondary of a primary region.
func pairedRegion(loc string) string {
	pairs := map[string]string{
		"eastus": "westus", "westus": "eastus", "eastus2": "centralus", "centralus": "eastus2",
		"westus2": "westcentralus", "northeurope": "westeurope", "westeurope": "northeurope",
		"uksouth": "ukwest", "ukwest": "uksouth", "germanywestcentral": "germanynorth",
		"francecentral": "francesouth", "swedencentral": "swedensouth", "japaneast": "japanwest",
		"australiaeast": "australiasoutheast", "southeastasia": "eastasia", "canadacentral": "canadaeast",
	}
	if p, ok := pairs[strings.ToLower(loc)]; ok {
		return p
	}
	return ""
}

func renderStorageAccount(t *Tenant, a *AzStorageAccount) entity {
	endpoint := func(svc string) string { return "https://" + a.Name + "." + svc + ".core.windows.net/" }
	tier := "Standard"
	if strings.HasPrefix(a.SkuName, "Premium") {
		tier = "Premium"
	}
	// A storage account allows public blob access when any of its
	// containers is public.
	public := false
	for _, c := range t.Azure.BlobContainers {
		if c.AccountName == a.Name && c.ResourceGroup == a.ResourceGroup && c.PublicAccess != "" && c.PublicAccess != "None" {
			public = true
			break
		}
	}
	created := a.CreationTime.UTC().Format("2006-01-02T15:04:05.0000000Z")
	props := entity{
		{"keyCreationTime", entity{{"key1", created}, {"key2", created}}},
		{"allowBlobPublicAccess", public},
		{"minimumTlsVersion", "TLS1_2"},
		{"creationTime", created},
		{"primaryEndpoints", entity{
			{"dfs", endpoint("dfs")},
			{"web", endpoint("web")},
			{"blob", endpoint("blob")},
			{"queue", endpoint("queue")},
			{"table", endpoint("table")},
			{"file", endpoint("file")},
		}},
		{"primaryLocation", a.Location},
		{"provisioningState", "Succeeded"},
		{"encryption", entity{
			{"services", entity{
				{"file", entity{{"keyType", "Account"}, {"enabled", true}, {"lastEnabledTime", created}}},
				{"blob", entity{{"keyType", "Account"}, {"enabled", true}, {"lastEnabledTime", created}}},
			}},
			{"keySource", "Microsoft.Storage"},
		}},
		{"accessTier", "Hot"},
	}
	if geo := strings.Contains(a.SkuName, "GRS"); geo && pairedRegion(a.Location) != "" {
		props = append(props, property{"secondaryLocation", pairedRegion(a.Location)}, property{"statusOfPrimary", "available"}, property{"statusOfSecondary", "available"})
	} else {
		props = append(props, property{"statusOfPrimary", "available"})
	}
	props = append(props, property{"supportsHttpsTrafficOnly", true})
	return entity{
		{"id", storageAccountID(a)},
		{"kind", a.Kind},
		{"location", a.Location},
		{"name", a.Name},
		{"properties", props},
		{"sku", entity{{"name", a.SkuName}, {"tier", tier}}},
		{"tags", map[string]string{}},
		{"type", "Microsoft.Storage/storageAccounts"},
	}
}

func (ar *armRequest) listContainers(acct *AzStorageAccount) {
	if !ar.allowed(actContainerRead, storageAccountID(acct)) {
		ar.denied(actContainerRead, storageAccountID(acct))
		return
	}
	size, ok := ar.topParam("$maxpagesize")
	if !ok {
		return
	}
	if size == 0 {
		// Without $maxpagesize the storage provider returns up to 5,000.
		size = 5000
	}
	var items []entity
	for _, c := range ar.t.Azure.BlobContainers {
		if strings.EqualFold(c.SubscriptionID, acct.SubscriptionID) && strings.EqualFold(c.ResourceGroup, acct.ResourceGroup) && strings.EqualFold(c.AccountName, acct.Name) {
			items = append(items, renderBlobContainer(acct, c))
		}
	}
	ar.writePage(items, size)
}

// dotNetTicks is a time as .NET ticks, which storage ETags encode.
func dotNetTicks(t time.Time) int64 {
	return t.UTC().UnixNano()/100 + 621355968000000000
}

func renderBlobContainer(acct *AzStorageAccount, c *AzBlobContainer) entity {
	access := c.PublicAccess
	if access == "" {
		access = "None"
	}
	return entity{
		{"id", storageAccountID(acct) + "/blobServices/default/containers/" + c.Name},
		{"name", c.Name},
		{"type", "Microsoft.Storage/storageAccounts/blobServices/containers"},
		{"etag", "\"0x" + strings.ToUpper(strconv.FormatInt(dotNetTicks(c.LastModified), 16)) + "\""},
		{"properties", entity{
			{"deleted", false},
			{"remainingRetentionDays", 0},
			{"defaultEncryptionScope", "$account-encryption-key"},
			{"denyEncryptionScopeOverride", false},
			{"publicAccess", access},
			{"leaseStatus", "Unlocked"},
			{"leaseState", "Available"},
			{"lastModifiedTime", c.LastModified.UTC().Format(time.RFC3339)},
			{"hasImmutabilityPolicy", false},
			{"hasLegalHold", false},
		}},
	}
}

func renderUserAssignedIdentity(t *Tenant, id *AzUserAssignedIdentity) entity {
	return entity{
		{"id", identityID(id)},
		{"location", id.Location},
		{"name", id.Name},
		{"properties", entity{
			{"clientId", id.ClientID},
			{"principalId", id.PrincipalID},
			{"tenantId", t.ID},
		}},
		{"tags", map[string]string{}},
		{"type", "Microsoft.ManagedIdentity/userAssignedIdentities"},
	}
}

// checkScope validates an RBAC scope path and answers 404 for a missing
// subscription or resource group. "" is the root scope "/".
func (ar *armRequest) checkScope(scope string) bool {
	seg := splitPath(scope)
	if len(seg) == 0 {
		return true
	}
	if !strings.EqualFold(seg[0], "subscriptions") || len(seg) < 2 {
		ar.notFoundPath()
		return false
	}
	if armSubscriptionLocked(ar.t, seg[1]) == nil {
		ar.subscriptionNotFound(seg[1])
		return false
	}
	if len(seg) >= 4 && strings.EqualFold(seg[2], "resourceGroups") {
		if armResourceGroupLocked(ar.t, seg[1], seg[3]) == nil {
			ar.resourceGroupNotFound(seg[3])
			return false
		}
	}
	return true
}

// serveAuthorization serves {scope}/providers/Microsoft.Authorization/...
// reads.
func (ar *armRequest) serveAuthorization(scope string, rest []string) {
	if len(rest) == 0 || !ar.checkScope(scope) {
		if len(rest) == 0 {
			ar.notFoundPath()
		}
		return
	}
	displayScope := scope
	if displayScope == "" {
		displayScope = "/"
	}
	switch {
	case strings.EqualFold(rest[0], "roleAssignments"):
		if !ar.allowed(actRoleAssignRead, displayScope) && !ar.anyAccessBelow(displayScope) {
			ar.denied(actRoleAssignRead, displayScope)
			return
		}
		if len(rest) == 2 {
			for _, a := range ar.t.Azure.RoleAssignments {
				if strings.EqualFold(a.Name, rest[1]) && strings.EqualFold(strings.TrimSuffix(a.Scope, "/"), scope) {
					ar.writeJSON(http.StatusOK, renderAzRoleAssignment(a))
					return
				}
			}
			writeARMError(ar.w, ar.r, http.StatusNotFound, "RoleAssignmentNotFound", "The role assignment '"+rest[1]+"' is not found.")
			return
		}
		ar.listRoleAssignments(displayScope)
	case strings.EqualFold(rest[0], "roleDefinitions"):
		if !ar.allowed(actRoleDefRead, displayScope) && !ar.anyAccessBelow(displayScope) {
			ar.denied(actRoleDefRead, displayScope)
			return
		}
		if len(rest) == 2 {
			d := armRoleDefinitionLocked(ar.t, rest[1])
			if d == nil || !roleDefinitionVisibleAt(d, displayScope) {
				writeARMError(ar.w, ar.r, http.StatusNotFound, "RoleDefinitionDoesNotExist", "The specified role definition with ID '"+rest[1]+"' does not exist.")
				return
			}
			ar.writeJSON(http.StatusOK, renderAzRoleDefinition(d, displayScope))
			return
		}
		ar.listRoleDefinitions(displayScope)
	default:
		ar.notFoundPath()
	}
}

// anyAccessBelow reports whether the caller holds any role strictly inside
// scope; ARM then lists what it may see there instead of refusing.
func (ar *armRequest) anyAccessBelow(scope string) bool {
	if ar.principal == "" {
		return false
	}
	for _, a := range ar.t.Azure.RoleAssignments {
		if strings.EqualFold(a.PrincipalID, ar.principal) && scopeCovers(scope, a.Scope) {
			return true
		}
	}
	return false
}

// listRoleAssignments lists assignments at, above and below scope;
// $filter=atScope() keeps those at or above, principalId eq '…' (or
// assignedTo('…')) those of one principal.
func (ar *armRequest) listRoleAssignments(scope string) {
	f, ok := ar.filter()
	if !ok {
		return
	}
	_, atScope := f.calls["atscope"]
	principal := f.eq["principalid"]
	if p, ok := f.calls["assignedto"]; ok {
		principal = p
	}
	var items []entity
	for _, a := range ar.t.Azure.RoleAssignments {
		above := scopeCovers(a.Scope, scope)
		below := scopeCovers(scope, a.Scope)
		if !above && (!below || atScope) {
			continue
		}
		if principal != "" && !strings.EqualFold(a.PrincipalID, principal) {
			continue
		}
		if !above && !ar.allowed(actRoleAssignRead, a.Scope) {
			continue
		}
		items = append(items, renderAzRoleAssignment(a))
	}
	ar.writePage(items, 0)
}

func renderAzRoleAssignment(a *AzRoleAssignment) entity {
	created := a.CreatedOn.UTC().Format("2006-01-02T15:04:05.0000000Z")
	return entity{
		{"properties", entity{
			{"roleDefinitionId", a.RoleDefinitionID},
			{"principalId", a.PrincipalID},
			{"principalType", a.PrincipalType},
			{"scope", a.Scope},
			{"condition", nil},
			{"conditionVersion", nil},
			{"createdOn", created},
			{"updatedOn", created},
			{"createdBy", nil},
			{"updatedBy", nil},
			{"delegatedManagedIdentityResourceId", nil},
			{"description", nil},
		}},
		{"id", a.ID},
		{"type", roleAssignmentType},
		{"name", a.Name},
	}
}

// roleDefinitionVisibleAt: built-in roles are visible everywhere, custom
// roles at and below their assignable scopes.
func roleDefinitionVisibleAt(d *AzRoleDefinition, scope string) bool {
	if d.Type == "BuiltInRole" {
		return true
	}
	for _, s := range d.Scopes {
		if scopeCovers(s, scope) {
			return true
		}
	}
	return false
}

func (ar *armRequest) listRoleDefinitions(scope string) {
	f, ok := ar.filter()
	if !ok {
		return
	}
	var items []entity
	for _, d := range ar.t.Azure.RoleDefinitions {
		if !roleDefinitionVisibleAt(d, scope) {
			continue
		}
		if v, ok := f.eq["rolename"]; ok && !strings.EqualFold(d.RoleName, v) {
			continue
		}
		if v, ok := f.eq["type"]; ok && !strings.EqualFold(d.Type, v) {
			continue
		}
		items = append(items, renderAzRoleDefinition(d, scope))
	}
	ar.writePage(items, 0)
}

// renderAzRoleDefinition renders a role definition as seen from scope:
// built-in roles read at or below a subscription carry that subscription in
// their id, as ARM returns them.
func renderAzRoleDefinition(d *AzRoleDefinition, scope string) entity {
	id := d.ID
	if d.Type == "BuiltInRole" {
		if seg := splitPath(scope); len(seg) >= 2 && strings.EqualFold(seg[0], "subscriptions") {
			id = "/subscriptions/" + seg[1] + "/providers/Microsoft.Authorization/roleDefinitions/" + d.Name
		}
	}
	scopes := d.Scopes
	if len(scopes) == 0 {
		scopes = []string{"/"}
	}
	return entity{
		{"properties", entity{
			{"roleName", d.RoleName},
			{"type", d.Type},
			{"description", d.Description},
			{"assignableScopes", scopes},
			{"permissions", []any{entity{
				{"actions", stringsOrEmpty(d.Actions)},
				{"notActions", stringsOrEmpty(d.NotActions)},
				{"dataActions", stringsOrEmpty(d.DataActions)},
				{"notDataActions", []string{}},
			}}},
		}},
		{"id", id},
		{"type", roleDefinitionType},
		{"name", d.Name},
	}
}

// serveARMWrite serves role assignment create (PUT, 201) and delete
// (DELETE: 200 with the deleted assignment, 204 when there was none) at any
// scope (Role Assignments - Create / Delete, 2022-04-01).
func (s *Server) serveARMWrite(w http.ResponseWriter, r *http.Request, c *Caller, path string) {
	t := c.Tenant
	i := strings.LastIndex(strings.ToLower(path), authorizationProvider)
	if i < 0 {
		ar := &armRequest{s: s, w: w, r: r, t: t}
		ar.notFoundPath()
		return
	}
	scope := path[:i]
	rest := splitPath(path[i+len(authorizationProvider):])
	displayScope := scope
	if displayScope == "" {
		displayScope = "/"
	}
	var body struct {
		Properties struct {
			RoleDefinitionID string `json:"roleDefinitionId"`
			PrincipalID      string `json:"principalId"`
			PrincipalType    string `json:"principalType"`
		} `json:"properties"`
	}
	if r.Method == http.MethodPut {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			writeARMError(w, r, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
			return
		}
	}

	t.mu.RLock()
	ar := &armRequest{s: s, w: w, r: r, t: t, principal: armPrincipalLocked(t, c)}
	if len(rest) != 2 || !strings.EqualFold(rest[0], "roleAssignments") {
		t.mu.RUnlock()
		ar.notFoundPath()
		return
	}
	if !ar.checkScope(scope) {
		t.mu.RUnlock()
		return
	}
	name := rest[1]
	var existing *AzRoleAssignment
	for _, a := range t.Azure.RoleAssignments {
		if strings.EqualFold(a.Name, name) {
			existing = a
			break
		}
	}
	if r.Method == http.MethodDelete {
		if !ar.allowed(actRoleAssignDelete, displayScope) {
			t.mu.RUnlock()
			ar.denied(actRoleAssignDelete, displayScope)
			return
		}
		if existing == nil || !strings.EqualFold(strings.TrimSuffix(existing.Scope, "/"), scope) {
			t.mu.RUnlock()
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		out := renderAzRoleAssignment(existing)
		id := existing.ID
		t.mu.RUnlock()
		if err := t.DeleteARMRoleAssignment(id); err != nil {
			writeARMMutationError(w, r, err)
			return
		}
		writeARMJSON(w, http.StatusOK, out)
		return
	}

	// PUT
	if !isGUID(name) {
		t.mu.RUnlock()
		writeARMError(w, r, http.StatusBadRequest, "InvalidRoleAssignmentId",
			"The role assignment ID '"+name+"' is not valid. The role assignment ID must be a GUID.")
		return
	}
	if !ar.allowed(actRoleAssignWrite, displayScope) {
		t.mu.RUnlock()
		ar.denied(actRoleAssignWrite, displayScope)
		return
	}
	p := body.Properties
	def := armRoleDefinitionLocked(t, p.RoleDefinitionID)
	if p.RoleDefinitionID == "" || def == nil || !roleDefinitionVisibleAt(def, displayScope) {
		t.mu.RUnlock()
		guid := p.RoleDefinitionID
		if j := strings.LastIndexByte(guid, '/'); j >= 0 {
			guid = guid[j+1:]
		}
		writeARMError(w, r, http.StatusBadRequest, "RoleDefinitionDoesNotExist", "The specified role definition with ID '"+guid+"' does not exist.")
		return
	}
	kind := directoryPrincipalTypeLocked(t, p.PrincipalID)
	if kind == "" {
		t.mu.RUnlock()
		writeARMError(w, r, http.StatusBadRequest, "PrincipalNotFound",
			"Principal "+strings.ReplaceAll(p.PrincipalID, "-", "")+" does not exist in the directory "+t.ID+". Check that you have the correct principal ID.")
		return
	}
	if existing != nil {
		same := strings.EqualFold(existing.PrincipalID, p.PrincipalID) &&
			strings.EqualFold(armRoleDefinitionLocked(t, existing.RoleDefinitionID).Name, def.Name) &&
			strings.EqualFold(strings.TrimSuffix(existing.Scope, "/"), scope)
		out := renderAzRoleAssignment(existing)
		t.mu.RUnlock()
		if !same {
			writeARMError(w, r, http.StatusConflict, "RoleAssignmentUpdateNotPermitted",
				"Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
			return
		}
		writeARMJSON(w, http.StatusCreated, out)
		return
	}
	principalType := p.PrincipalType
	if principalType == "" {
		principalType = kind
	}
	t.mu.RUnlock()
	created, err := t.AddARMRoleAssignment(AzRoleAssignment{
		ID:               displayScopePrefix(scope) + "/providers/Microsoft.Authorization/roleAssignments/" + strings.ToLower(name),
		Name:             strings.ToLower(name),
		Scope:            displayScope,
		RoleDefinitionID: p.RoleDefinitionID,
		PrincipalID:      p.PrincipalID,
		PrincipalType:    principalType,
		CreatedOn:        s.now().UTC(),
	})
	if err != nil {
		writeARMMutationError(w, r, err)
		return
	}
	t.mu.RLock()
	out := renderAzRoleAssignment(created)
	t.mu.RUnlock()
	writeARMJSON(w, http.StatusCreated, out)
}

// displayScopePrefix is the scope as it prefixes a child resource id: "" for
// the root scope.
func displayScopePrefix(scope string) string {
	return strings.TrimSuffix(scope, "/")
}

// directoryPrincipalTypeLocked is the Azure RBAC principalType of a
// directory object ("User", "Group", "ServicePrincipal"), or "" when the
// directory has no such object.
func directoryPrincipalTypeLocked(t *Tenant, id string) string {
	switch kindLockedOf(t, id) {
	case KindUser:
		return "User"
	case KindGroup:
		return "Group"
	case KindServicePrincipal:
		return "ServicePrincipal"
	}
	return ""
}

// writeARMMutationError answers a failed tenant mutation in ARM's format.
func writeARMMutationError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *APIError
	if errors.As(err, &ae) {
		writeARMError(w, r, ae.Status, ae.Code, ae.Message)
		return
	}
	writeARMError(w, r, http.StatusInternalServerError, "InternalServerError", "Encountered internal server error.")
}
