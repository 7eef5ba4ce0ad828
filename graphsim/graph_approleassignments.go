package graphsim

// App role assignments: rendering, the per-principal lookup, and the writes
// (POST /servicePrincipals/{id}/appRoleAssignedTo, 201; DELETE
// .../appRoleAssignedTo/{aid}, 204). The list collections are declared with
// the other application routes in graph_apps.go.

import (
	"net/http"
	"strings"
)

// appRoleAssignmentsOfPrincipal lists what principalID (a canonical object
// id from the tenant: ids are stored in one canonical form) holds.
func appRoleAssignmentsOfPrincipal(t *Tenant, principalID string) []any {
	var out []any
	for _, a := range t.appRoleAssignmentIndexLocked().byPrincipal[principalID] {
		out = append(out, a)
	}
	return out
}

func renderAppRoleAssignment(a *AppRoleAssignment) entity {
	return entity{
		{"id", a.ID},
		{"deletedDateTime", nil},
		{"appRoleId", a.AppRoleID},
		{"createdDateTime", dateTimeOrNull(a.CreatedDateTime)},
		{"principalDisplayName", a.PrincipalDisplayName},
		{"principalId", a.PrincipalID},
		{"principalType", a.PrincipalType},
		{"resourceDisplayName", a.ResourceDisplayName},
		{"resourceId", a.ResourceID},
	}
}

// postAppRoleAssignedTo grants an app role of the resource service principal
// in the path (serviceprincipal-post-approleassignedto; 201 Created).
func (s *Server) postAppRoleAssignedTo(w http.ResponseWriter, r *http.Request, c *Caller) {
	// Documented as AppRoleAssignment.ReadWrite.All together with
	// Application.Read.All or Directory.Read.All.
	if !c.Has("AppRoleAssignment.ReadWrite.All") || !c.Has("Application.Read.All", "Directory.Read.All", "Application.ReadWrite.All", "Directory.ReadWrite.All") {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	var body struct {
		PrincipalID string `json:"principalId"`
		ResourceID  string `json:"resourceId"`
		AppRoleID   string `json:"appRoleId"`
	}
	if apiErr := readBody(r, &body); apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	t := c.Tenant
	id := r.PathValue("id")
	t.mu.RLock()
	sp := spLookupLocked(t, id)
	t.mu.RUnlock()
	if sp == nil {
		writeAPIError(w, r, notFound(id))
		return
	}
	for _, f := range []struct{ name, value string }{{"principalId", body.PrincipalID}, {"resourceId", body.ResourceID}, {"appRoleId", body.AppRoleID}} {
		if !isGUID(f.value) {
			writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property '"+f.name+"' of resource 'AppRoleAssignment'.")
			return
		}
	}
	if !strings.EqualFold(body.ResourceID, sp.ID) {
		writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'resourceId' of resource 'AppRoleAssignment'.")
		return
	}
	a, err := t.AddAppRoleAssignment(AppRoleAssignment{AppRoleID: body.AppRoleID, PrincipalID: body.PrincipalID, ResourceID: sp.ID})
	if err != nil {
		writeMutationError(w, r, err)
		return
	}
	t.mu.RLock()
	out := append(entity{{"@odata.context", baseURL(r) + "/" + versionOf(r) + "/$metadata#servicePrincipals('" + sp.ID + "')/appRoleAssignedTo/$entity"}}, renderAppRoleAssignment(a)...)
	t.mu.RUnlock()
	writeJSON(w, http.StatusCreated, out)
}

// deleteAppRoleAssignedTo revokes an app role assignment granted on the
// resource service principal in the path (204 No Content).
func (s *Server) deleteAppRoleAssignedTo(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(permsAppRoleAssignmentDelete...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	t := c.Tenant
	id, aid := r.PathValue("id"), r.PathValue("aid")
	t.mu.RLock()
	sp := spLookupLocked(t, id)
	found := false
	if sp != nil {
		for _, a := range t.AppRoleAssignments {
			if a.ID == aid && a.ResourceID == sp.ID {
				found = true
				break
			}
		}
	}
	t.mu.RUnlock()
	if sp == nil {
		writeAPIError(w, r, notFound(id))
		return
	}
	if !found {
		writeAPIError(w, r, notFound(aid))
		return
	}
	if err := t.DeleteAppRoleAssignment(aid); err != nil {
		writeMutationError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
