package graphsim

// Azure RBAC on ARM: role definitions and role assignments at any scope,
// with assignment create (PUT) and delete, and the action matching that
// authorises every ARM read.

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

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
		if ar.holds(a) && scopeCovers(scope, a.Scope) {
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
	// principalId eq matches that principal's own assignments; assignedTo
	// also those it receives through group membership.
	var principals map[string]bool
	if p, ok := f.eq["principalid"]; ok {
		principals = map[string]bool{strings.ToLower(p): true}
	}
	if p, ok := f.calls["assignedto"]; ok {
		principals = principalAndGroupsLocked(ar.t, p)
	}
	var items []entity
	for _, a := range ar.t.Azure.RoleAssignments {
		above := scopeCovers(a.Scope, scope)
		below := scopeCovers(scope, a.Scope)
		if !above && (!below || atScope) {
			continue
		}
		if principals != nil && !principals[strings.ToLower(a.PrincipalID)] {
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
	ar := newARMRequest(s, w, r, t, c)
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
		existingDef := armRoleDefinitionLocked(t, existing.RoleDefinitionID)
		same := strings.EqualFold(existing.PrincipalID, p.PrincipalID) && existingDef != nil &&
			strings.EqualFold(existingDef.Name, def.Name) &&
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
