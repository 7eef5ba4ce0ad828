package graphsim

// Entra ID roles: activated directory roles and their members, the unified
// RBAC role definitions and assignments (with assignment writes), and PIM
// eligibility and assignment schedules and instances, which Microsoft serves
// only to tenants with Entra ID P2 (or ID Governance). Shapes follow
// shared/graph-examples v1.0_directoryRoles_list.json and
// v1.0_roleManagement_directory_*.json.

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

var (
	// directoryrole-list, rbacapplication-list-roledefinitions and
	// -roleassignments.
	permsRolesRead = []string{"RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All", "RoleManagement.ReadWrite.Directory", "Directory.ReadWrite.All"}
	// rbacapplication-list-roleeligibilityschedules(/instances).
	permsEligibilityRead = []string{"RoleEligibilitySchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleEligibilitySchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"}
	// rbacapplication-list-roleassignmentschedules(/instances).
	permsAssignmentScheduleRead = []string{"RoleAssignmentSchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleAssignmentSchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"}
	// rbacapplication-post-roleassignments / unifiedroleassignment-delete.
	permsRoleAssignmentWrite = []string{"RoleManagement.ReadWrite.Directory"}
)

// directoryReadersTemplateID is the Directory Readers role, from which the
// built-in administrator roles inherit their read permissions.
const directoryReadersTemplateID = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"

// errPremiumRequired is Graph's answer to PIM calls on a tenant without
// Entra ID P2 or ID Governance (graph-facts §7).
var errPremiumRequired = &APIError{Status: http.StatusBadRequest, Code: "AadPremiumLicenseRequired",
	Message: "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license."}

func (s *Server) registerRoleRoutes() {
	// Activated roles only; the collection is never paged.
	s.registerEntitySet(&entitySet{
		Path:         "/directoryRoles",
		Perms:        permsRolesRead,
		Cost:         1,
		ODataContext: "directoryRoles",
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(activatedRolesLocked(rs.Tenant)), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderDirectoryRole(t, obj.(*RoleDefinition)) },
		Get: func(rs requestScope, key string) any {
			if def := directoryRoleLocked(rs.Tenant, key); def != nil {
				return def
			}
			return nil
		},
		// $expand=members saves a request per role; Graph returns the
		// members' default properties unless the expand selects some.
		Expand: map[string]func(t *Tenant, obj any, sel []string) any{
			"members": func(t *Tenant, obj any, sel []string) any {
				refs := refs(t, roleMembersLocked(t, obj.(*RoleDefinition)), KindUnknown)
				out := make([]entity, len(refs))
				for i, ref := range refs {
					e := renderDirectoryObject(t, ref)
					if sel == nil {
						out[i] = projectMemberDefault(e)
					} else {
						out[i] = project(e, sel, nil)
					}
				}
				return out
			},
		},
	})
	s.registerEntitySet(&entitySet{
		Path:         "/directoryRoles/{id}/members",
		Perms:        permsRolesRead,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         1,
		ODataContext: "directoryObjects",
		Type:         "microsoft.graph.directoryObject",
		Items: func(rs requestScope) ([]any, *APIError) {
			def := directoryRoleLocked(rs.Tenant, rs.PathValue("id"))
			if def == nil {
				return nil, notFound(rs.PathValue("id"))
			}
			return refs(rs.Tenant, roleMembersLocked(rs.Tenant, def), KindUnknown), nil
		},
		Render:         renderDirectoryObject,
		Properties:     directoryObjectProps,
		DefaultProject: projectMemberDefault,
	})
	s.registerEntitySet(&entitySet{
		Path:         "/roleManagement/directory/roleDefinitions",
		Perms:        permsRolesRead,
		Cost:         1,
		ODataContext: "roleManagement/directory/roleDefinitions",
		Type:         "microsoft.graph.unifiedRoleDefinition",
		Filter: map[string]filterRule{
			"id":          {Default: "eq in"},
			"displayName": {Default: "eq in startsWith"},
			"isBuiltIn":   {Default: "eq"},
			"isEnabled":   {Default: "eq"},
			"templateId":  {Default: "eq in"},
		},
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.RoleDefinitions), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderRoleDefinition(obj.(*RoleDefinition)) },
		Get: func(rs requestScope, key string) any {
			if def := roleDefinitionLocked(rs.Tenant, key); def != nil {
				return def
			}
			return nil
		},
	})
	s.registerEntitySet(&entitySet{
		Path:         "/roleManagement/directory/roleAssignments",
		Perms:        permsRolesRead,
		Cost:         1,
		ODataContext: "roleManagement/directory/roleAssignments",
		Type:         "microsoft.graph.unifiedRoleAssignment",
		Filter: map[string]filterRule{
			"id":               {Default: "eq in"},
			"principalId":      {Default: "eq in"},
			"roleDefinitionId": {Default: "eq in"},
			"directoryScopeId": {Default: "eq in"},
		},
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.RoleAssignments), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderRoleAssignment(obj.(*RoleAssignment)) },
		Get: func(rs requestScope, key string) any {
			if ra := roleAssignmentLocked(rs.Tenant, key); ra != nil {
				return ra
			}
			return nil
		},
		Expand: map[string]func(t *Tenant, obj any, sel []string) any{
			"principal": func(t *Tenant, obj any, sel []string) any {
				id := obj.(*RoleAssignment).PrincipalID
				e := renderDirectoryObject(t, dirObject{ID: id, Kind: kindLockedOf(t, id)})
				if sel == nil {
					return projectMemberDefault(e)
				}
				return project(e, sel, nil)
			},
			"roleDefinition": func(t *Tenant, obj any, sel []string) any {
				def := roleDefinitionLocked(t, obj.(*RoleAssignment).RoleDefinitionID)
				if def == nil {
					return nil
				}
				return project(renderRoleDefinition(def), sel, nil)
			},
		},
	})
	pim := func(path, ctx, typ string, perms []string, items func(t *Tenant) []any, render func(t *Tenant, obj any) entity) {
		s.registerEntitySet(&entitySet{
			Path:         path,
			Perms:        perms,
			Cost:         1,
			ODataContext: ctx,
			Type:         typ,
			Items: func(rs requestScope) ([]any, *APIError) {
				if rs.Tenant.Tier != TierP2 {
					return nil, errPremiumRequired
				}
				return items(rs.Tenant), nil
			},
			Render: render,
		})
	}
	pim("/roleManagement/directory/roleEligibilitySchedules", "roleManagement/directory/roleEligibilitySchedules",
		"microsoft.graph.unifiedRoleEligibilitySchedule", permsEligibilityRead,
		func(t *Tenant) []any { return anySlice(t.RoleEligibilities) },
		func(t *Tenant, obj any) entity { return renderEligibilitySchedule(obj.(*RoleEligibilitySchedule)) })
	pim("/roleManagement/directory/roleEligibilityScheduleInstances", "roleManagement/directory/roleEligibilityScheduleInstances",
		"microsoft.graph.unifiedRoleEligibilityScheduleInstance", permsEligibilityRead,
		func(t *Tenant) []any {
			var out []any
			for _, e := range t.RoleEligibilities {
				if scheduleActive(t.Now, e.StartDateTime, e.EndDateTime) {
					out = append(out, e)
				}
			}
			return out
		},
		func(t *Tenant, obj any) entity { return renderEligibilityInstance(obj.(*RoleEligibilitySchedule)) })
	pim("/roleManagement/directory/roleAssignmentSchedules", "roleManagement/directory/roleAssignmentSchedules",
		"microsoft.graph.unifiedRoleAssignmentSchedule", permsAssignmentScheduleRead,
		func(t *Tenant) []any { return anySlice(t.RoleAssignmentScheds) },
		func(t *Tenant, obj any) entity { return renderAssignmentSchedule(obj.(*RoleAssignmentSchedule)) })
	pim("/roleManagement/directory/roleAssignmentScheduleInstances", "roleManagement/directory/roleAssignmentScheduleInstances",
		"microsoft.graph.unifiedRoleAssignmentScheduleInstance", permsAssignmentScheduleRead,
		func(t *Tenant) []any {
			var out []any
			for _, a := range t.RoleAssignmentScheds {
				if scheduleActive(t.Now, a.StartDateTime, a.EndDateTime) {
					out = append(out, a)
				}
			}
			return out
		},
		func(t *Tenant, obj any) entity { return renderAssignmentInstance(obj.(*RoleAssignmentSchedule)) })

	s.graph("POST /roleManagement/directory/roleAssignments", 1, s.postRoleAssignment)
	s.graph("DELETE /roleManagement/directory/roleAssignments/{id}", 1, s.deleteRoleAssignment)
}

// scheduleActive reports whether a PIM schedule has an instance now: it has
// started and not expired (a zero end means noExpiration).
func scheduleActive(now, start, end time.Time) bool {
	if now.IsZero() {
		now = time.Now()
	}
	return !start.After(now) && (end.IsZero() || end.After(now))
}

// roleDefinitionLocked finds a role definition by id or template id; t.mu
// is held.
func roleDefinitionLocked(t *Tenant, id string) *RoleDefinition {
	for _, d := range t.RoleDefinitions {
		if strings.EqualFold(d.ID, id) || (d.TemplateID != "" && strings.EqualFold(d.TemplateID, id)) {
			return d
		}
	}
	return nil
}

func roleAssignmentLocked(t *Tenant, id string) *RoleAssignment {
	for _, ra := range t.RoleAssignments {
		if ra.ID == id {
			return ra
		}
	}
	return nil
}

// roleAssigned reports whether ra grants def.
func roleAssigned(ra *RoleAssignment, def *RoleDefinition) bool {
	return strings.EqualFold(ra.RoleDefinitionID, def.ID) || (def.TemplateID != "" && strings.EqualFold(ra.RoleDefinitionID, def.TemplateID))
}

// activatedRolesLocked lists the directory roles Graph's /directoryRoles
// shows: built-in roles that have been activated, which assigning a role
// does; so a built-in role with at least one assignment. t.mu is held.
func activatedRolesLocked(t *Tenant) []*RoleDefinition {
	assigned := make(map[string]bool, len(t.RoleDefinitions))
	for _, ra := range t.RoleAssignments {
		assigned[strings.ToLower(ra.RoleDefinitionID)] = true
	}
	var out []*RoleDefinition
	for _, d := range t.RoleDefinitions {
		if !d.IsBuiltIn {
			continue
		}
		if assigned[strings.ToLower(d.ID)] || assigned[strings.ToLower(d.TemplateID)] {
			out = append(out, d)
		}
	}
	return out
}

// directoryRoleLocked resolves a /directoryRoles/{key} segment: the
// activated role's object id, or "roleTemplateId={templateId}".
func directoryRoleLocked(t *Tenant, key string) *RoleDefinition {
	tmpl, byTemplate := strings.CutPrefix(key, "roleTemplateId=")
	for _, d := range activatedRolesLocked(t) {
		if byTemplate && strings.EqualFold(templateOf(d), tmpl) {
			return d
		}
		if !byTemplate && strings.EqualFold(directoryRoleID(t, d), key) {
			return d
		}
	}
	return nil
}

func templateOf(d *RoleDefinition) string {
	if d.TemplateID != "" {
		return d.TemplateID
	}
	return d.ID
}

// directoryRoleID is the object id of a tenant's activated directory role.
// Each tenant's instance of a role has its own id, unlike the template id;
// it is derived from both so it is stable across requests and runs.
func directoryRoleID(t *Tenant, d *RoleDefinition) string {
	return derivedGUID("directoryRole", strings.ToLower(t.ID), strings.ToLower(templateOf(d)))
}

// roleMembersLocked lists the distinct principals assigned def directly,
// in assignment order.
func roleMembersLocked(t *Tenant, def *RoleDefinition) []string {
	seen := map[string]bool{}
	var out []string
	for _, ra := range t.RoleAssignments {
		if roleAssigned(ra, def) && !seen[strings.ToLower(ra.PrincipalID)] {
			seen[strings.ToLower(ra.PrincipalID)] = true
			out = append(out, ra.PrincipalID)
		}
	}
	return out
}

func renderDirectoryRole(t *Tenant, d *RoleDefinition) entity {
	return entity{
		{"id", directoryRoleID(t, d)},
		{"deletedDateTime", nil},
		{"description", d.Description},
		{"displayName", d.DisplayName},
		{"roleTemplateId", templateOf(d)},
	}
}

// kindLockedOf is the directory object kind of id; t.mu is held.
func kindLockedOf(t *Tenant, id string) ObjectKind {
	if k, ok := t.kindByID[id]; ok {
		return k
	}
	return t.kindByID[strings.ToLower(id)]
}

func renderRoleDefinition(d *RoleDefinition) entity {
	version := any(nil)
	inherits := []any{}
	if d.IsBuiltIn {
		version = "1"
		if !strings.EqualFold(templateOf(d), directoryReadersTemplateID) {
			inherits = []any{entity{{"id", directoryReadersTemplateID}}}
		}
	}
	return entity{
		{"id", d.ID},
		{"description", d.Description},
		{"displayName", d.DisplayName},
		{"isBuiltIn", d.IsBuiltIn},
		{"isEnabled", d.IsEnabled},
		{"resourceScopes", []string{"/"}},
		{"templateId", templateOf(d)},
		{"version", version},
		{"rolePermissions", []any{entity{
			{"allowedResourceActions", stringsOrEmpty(d.AllowedResourceActions)},
			{"condition", nil},
		}}},
		{"inheritsPermissionsFrom", inherits},
	}
}

func renderRoleAssignment(ra *RoleAssignment) entity {
	scope := ra.DirectoryScopeID
	if scope == "" {
		scope = "/"
	}
	return entity{
		{"id", ra.ID},
		{"principalId", ra.PrincipalID},
		{"resourceScope", scope},
		{"directoryScopeId", scope},
		{"roleDefinitionId", ra.RoleDefinitionID},
	}
}

// renderScheduleInfo renders a requestSchedule: an expiration of
// noExpiration when the schedule has no end.
func renderScheduleInfo(start, end time.Time) entity {
	exp := entity{{"type", "noExpiration"}, {"endDateTime", nil}, {"duration", nil}}
	if !end.IsZero() {
		exp = entity{{"type", "afterDateTime"}, {"endDateTime", dateTimeOrNull(end)}, {"duration", nil}}
	}
	return entity{
		{"startDateTime", dateTimeOrNull(start)},
		{"recurrence", nil},
		{"expiration", exp},
	}
}

func scopeOrRoot(s string) string {
	if s == "" {
		return "/"
	}
	return s
}

func renderEligibilitySchedule(e *RoleEligibilitySchedule) entity {
	createdUsing := e.CreatedUsing
	if createdUsing == "" {
		createdUsing = e.ID
	}
	return entity{
		{"id", e.ID},
		{"principalId", e.PrincipalID},
		{"roleDefinitionId", e.RoleDefinitionID},
		{"directoryScopeId", scopeOrRoot(e.DirectoryScopeID)},
		{"appScopeId", nil},
		{"createdUsing", createdUsing},
		{"createdDateTime", dateTimeOrNull(e.CreatedDateTime)},
		{"modifiedDateTime", zeroDateTime},
		{"status", e.Status},
		{"memberType", e.MemberType},
		{"scheduleInfo", renderScheduleInfo(e.StartDateTime, e.EndDateTime)},
	}
}

// instanceID derives a schedule instance's id from its schedule, in the
// shape Graph uses (43 base64url characters, "-1-e" for eligibility or
// "-1" for assignment instances).
func instanceID(scheduleID, suffix string) string {
	sum := sha256.Sum256([]byte("instance\x00" + scheduleID))
	return base64.RawURLEncoding.EncodeToString(sum[:]) + suffix
}

func renderEligibilityInstance(e *RoleEligibilitySchedule) entity {
	return entity{
		{"id", instanceID(e.ID, "-1-e")},
		{"principalId", e.PrincipalID},
		{"roleDefinitionId", e.RoleDefinitionID},
		{"directoryScopeId", scopeOrRoot(e.DirectoryScopeID)},
		{"appScopeId", nil},
		{"startDateTime", dateTimeOrNull(e.StartDateTime)},
		{"endDateTime", dateTimeOrNull(e.EndDateTime)},
		{"memberType", e.MemberType},
		{"roleEligibilityScheduleId", e.ID},
	}
}

func renderAssignmentSchedule(a *RoleAssignmentSchedule) entity {
	return entity{
		{"id", a.ID},
		{"principalId", a.PrincipalID},
		{"roleDefinitionId", a.RoleDefinitionID},
		{"directoryScopeId", scopeOrRoot(a.DirectoryScopeID)},
		{"appScopeId", nil},
		{"createdUsing", a.ID},
		{"createdDateTime", dateTimeOrNull(a.CreatedDateTime)},
		{"modifiedDateTime", zeroDateTime},
		{"status", a.Status},
		{"assignmentType", a.AssignmentType},
		{"memberType", a.MemberType},
		{"scheduleInfo", renderScheduleInfo(a.StartDateTime, a.EndDateTime)},
	}
}

func renderAssignmentInstance(a *RoleAssignmentSchedule) entity {
	return entity{
		{"id", instanceID(a.ID, "-1")},
		{"principalId", a.PrincipalID},
		{"roleDefinitionId", a.RoleDefinitionID},
		{"directoryScopeId", scopeOrRoot(a.DirectoryScopeID)},
		{"appScopeId", nil},
		{"startDateTime", dateTimeOrNull(a.StartDateTime)},
		{"endDateTime", dateTimeOrNull(a.EndDateTime)},
		{"assignmentType", a.AssignmentType},
		{"memberType", a.MemberType},
		{"roleAssignmentOriginId", a.ID},
		{"roleAssignmentScheduleId", a.ID},
	}
}

// postRoleAssignment creates a unified role assignment
// (rbacapplication-post-roleassignments; 201 Created). A role template id is
// accepted as roleDefinitionId, as Graph does.
func (s *Server) postRoleAssignment(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(permsRoleAssignmentWrite...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	var body struct {
		RoleDefinitionID string `json:"roleDefinitionId"`
		PrincipalID      string `json:"principalId"`
		DirectoryScopeID string `json:"directoryScopeId"`
	}
	if apiErr := readBody(r, &body); apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	for _, f := range []struct{ name, value string }{{"roleDefinitionId", body.RoleDefinitionID}, {"principalId", body.PrincipalID}, {"directoryScopeId", body.DirectoryScopeID}} {
		if f.value == "" {
			writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property '"+f.name+"' of resource 'UnifiedRoleAssignment'.")
			return
		}
	}
	ra, err := c.Tenant.AddRoleAssignment(RoleAssignment{
		PrincipalID:      body.PrincipalID,
		RoleDefinitionID: body.RoleDefinitionID,
		DirectoryScopeID: body.DirectoryScopeID,
	})
	if err != nil {
		writeMutationError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, entity{
		{"@odata.context", baseURL(r) + "/" + versionOf(r) + "/$metadata#roleManagement/directory/roleAssignments/$entity"},
		{"id", ra.ID},
		{"roleDefinitionId", ra.RoleDefinitionID},
		{"principalId", ra.PrincipalID},
		{"directoryScopeId", scopeOrRoot(ra.DirectoryScopeID)},
	})
}

// deleteRoleAssignment removes a unified role assignment (204 No Content).
func (s *Server) deleteRoleAssignment(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(permsRoleAssignmentWrite...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	id := r.PathValue("id")
	t := c.Tenant
	t.mu.RLock()
	exists := roleAssignmentLocked(t, id) != nil
	t.mu.RUnlock()
	if !exists {
		writeAPIError(w, r, notFound(id))
		return
	}
	if err := t.DeleteRoleAssignment(id); err != nil {
		writeMutationError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
