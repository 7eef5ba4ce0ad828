package graphsim

// Applications, service principals, app role assignments, delegated
// permission grants and SCIM synchronization jobs, including app role
// assignment writes (POST/DELETE /servicePrincipals/{id}/appRoleAssignedTo).
// Shapes follow the Graph v1.0 resource types (application, servicePrincipal,
// appRoleAssignment, oAuth2PermissionGrant, synchronizationJob) and the
// examples in shared/graph-examples.

import (
	"net/http"
	"strings"
	"time"
)

// Application permissions per endpoint, from the Graph reference pages.
var (
	permsApplications = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	// serviceprincipal-list-approleassignedto / -approleassignments
	// (AppRoleAssignment.ReadWrite.All alone does not read them).
	permsAppRoleAssignmentsRead = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	// user-list-approleassignments: Directory.Read.All is least privileged;
	// User.Read.All does not reach them.
	permsUserAppRoleAssignments = []string{"Directory.Read.All", "AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"}
	// oauth2permissiongrant-list: Directory.Read.All is least privileged per
	// current docs.
	permsOAuth2Grants = []string{"Directory.Read.All", "DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"}
	permsSyncJobs     = []string{"Synchronization.Read.All", "Synchronization.ReadWrite.All"}
	// serviceprincipal-delete-approleassignedto.
	permsAppRoleAssignmentDelete = []string{"AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All", "Directory.ReadWrite.All"}
)

// $filter support on applications and service principals, per the
// "Advanced query capabilities on Microsoft Entra ID objects" tables:
// Default operators work on plain requests, Advanced ones need
// ConsistencyLevel: eventual and $count=true.
var (
	appText        = filterRule{Default: "eq in startsWith", Advanced: "ne not null endsWith ge le"}
	appID          = filterRule{Default: "eq in", Advanced: "ne not null"}
	appBool        = filterRule{Default: "eq", Advanced: "ne not null"}
	appCollections = filterRule{Default: "eq", Advanced: "not startsWith"}

	applicationFilterRules = map[string]filterRule{
		"id":              appID,
		"appId":           appID,
		"displayName":     appText,
		"signInAudience":  {Default: "eq in", Advanced: "ne not"},
		"publisherDomain": {Default: "eq in startsWith", Advanced: "ne not null"},
		"createdDateTime": {Default: "eq ge le gt lt in", Advanced: "ne not null"},
		"identifierUris":  appCollections,
		"tags":            appCollections,
	}
	servicePrincipalFilterRules = map[string]filterRule{
		"id":                        appID,
		"appId":                     appID,
		"displayName":               appText,
		"accountEnabled":            appBool,
		"appRoleAssignmentRequired": appBool,
		"appOwnerOrganizationId":    appID,
		"servicePrincipalType":      {Default: "eq in", Advanced: "ne not"},
		"servicePrincipalNames":     appCollections,
		"alternativeNames":          appCollections,
		"tags":                      appCollections,
		"publisherName":             appText,
	}
)

func (s *Server) registerAppRoutes() {
	s.registerEntitySet(&entitySet{
		Path:         "/applications",
		Perms:        permsApplications,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         2,
		ODataContext: "applications",
		Type:         "microsoft.graph.application",
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.Applications), nil
		},
		Render:       func(t *Tenant, obj any) entity { return renderApplication(t, obj.(*Application)) },
		Filter:       applicationFilterRules,
		Advanced:     true,
		OrderBy:      []string{"displayName"},
		Search:       []string{"displayName"},
		CountSegment: true,
		Get: func(rs requestScope, key string) any {
			for _, a := range rs.Tenant.Applications {
				if strings.EqualFold(a.ID, key) {
					return a
				}
			}
			return nil
		},
	})
	s.registerEntitySet(&entitySet{
		Path:         "/servicePrincipals",
		Perms:        permsApplications,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         1,
		ODataContext: "servicePrincipals",
		Type:         "microsoft.graph.servicePrincipal",
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.ServicePrincipals), nil
		},
		Render:       func(t *Tenant, obj any) entity { return renderServicePrincipal(t, obj.(*ServicePrincipal)) },
		Filter:       servicePrincipalFilterRules,
		Advanced:     true,
		OrderBy:      []string{"displayName"},
		Search:       []string{"displayName"},
		CountSegment: true,
		Get: func(rs requestScope, key string) any {
			if sp := spLookupLocked(rs.Tenant, key); sp != nil {
				return sp
			}
			return nil
		},
	})
	s.registerScopedEntitySet(&entitySet{
		Path:         "/servicePrincipals/{id}/appRoleAssignedTo",
		Perms:        permsAppRoleAssignmentsRead,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         1,
		ODataContext: "servicePrincipals('{id}')/appRoleAssignedTo",
		Type:         "microsoft.graph.appRoleAssignment",
		Items: func(rs requestScope) ([]any, *APIError) {
			sp := spLookupLocked(rs.Tenant, rs.PathValue("id"))
			if sp == nil {
				return nil, notFound(rs.PathValue("id"))
			}
			var out []any
			for _, a := range rs.Tenant.appRoleAssignmentIndexLocked().byResource[sp.ID] {
				out = append(out, a)
			}
			return out, nil
		},
		Render: func(t *Tenant, obj any) entity { return renderAppRoleAssignment(obj.(*AppRoleAssignment)) },
	})
	s.registerScopedEntitySet(&entitySet{
		Path:         "/servicePrincipals/{id}/appRoleAssignments",
		Perms:        permsAppRoleAssignmentsRead,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         1,
		ODataContext: "servicePrincipals('{id}')/appRoleAssignments",
		Type:         "microsoft.graph.appRoleAssignment",
		Items: func(rs requestScope) ([]any, *APIError) {
			sp := spLookupLocked(rs.Tenant, rs.PathValue("id"))
			if sp == nil {
				return nil, notFound(rs.PathValue("id"))
			}
			return appRoleAssignmentsOfPrincipal(rs.Tenant, sp.ID), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderAppRoleAssignment(obj.(*AppRoleAssignment)) },
	})
	s.registerScopedEntitySet(&entitySet{
		Path:         "/users/{id}/appRoleAssignments",
		Perms:        permsUserAppRoleAssignments,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         1,
		ODataContext: "users('{id}')/appRoleAssignments",
		Type:         "microsoft.graph.appRoleAssignment",
		Items: func(rs requestScope) ([]any, *APIError) {
			u := userLocked(rs.Tenant, rs.PathValue("id"))
			if u == nil {
				return nil, notFound(rs.PathValue("id"))
			}
			// Graph also returns the assignments of groups the user is a
			// direct member of (user-list-approleassignments).
			holders := map[string]bool{strings.ToLower(u.ID): true}
			for _, g := range memberOfIDs(rs.Tenant, u.ID) {
				holders[strings.ToLower(g)] = true
			}
			var out []any
			for _, a := range rs.Tenant.AppRoleAssignments {
				if holders[strings.ToLower(a.PrincipalID)] {
					out = append(out, a)
				}
			}
			return out, nil
		},
		Render: func(t *Tenant, obj any) entity { return renderAppRoleAssignment(obj.(*AppRoleAssignment)) },
	})
	s.registerEntitySet(&entitySet{
		Path:         "/oauth2PermissionGrants",
		Perms:        permsOAuth2Grants,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         2,
		ODataContext: "oauth2PermissionGrants",
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.OAuth2PermissionGrant), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderOAuth2PermissionGrant(obj.(*OAuth2PermissionGrant)) },
	})
	s.registerScopedEntitySet(&entitySet{
		Path:         "/servicePrincipals/{id}/synchronization/jobs",
		Perms:        permsSyncJobs,
		Cost:         1,
		ODataContext: "servicePrincipals('{id}')/synchronization/jobs",
		Type:         "microsoft.graph.synchronizationJob",
		Items: func(rs requestScope) ([]any, *APIError) {
			sp := spLookupLocked(rs.Tenant, rs.PathValue("id"))
			if sp == nil {
				return nil, notFound(rs.PathValue("id"))
			}
			var out []any
			for _, j := range rs.Tenant.SynchronizationJobs {
				if j.ServicePrincipalID == sp.ID {
					out = append(out, j)
				}
			}
			return out, nil
		},
		Render: func(t *Tenant, obj any) entity { return renderSynchronizationJob(obj.(*SynchronizationJob)) },
	})
	s.graph("POST /servicePrincipals/{id}/appRoleAssignedTo", 1, s.postAppRoleAssignedTo)
	s.graph("DELETE /servicePrincipals/{id}/appRoleAssignedTo/{aid}", 1, s.deleteAppRoleAssignedTo)
}

// registerScopedEntitySet serves a collection under a parent object, whose
// @odata.context names the parent as the client addressed it, e.g.
// $metadata#servicePrincipals('{id}')/appRoleAssignedTo: "{id}" in
// es.ODataContext is replaced by the path's id.
func (s *Server) registerScopedEntitySet(es *entitySet) {
	s.graph("GET "+es.Path, es.Cost, func(w http.ResponseWriter, r *http.Request, c *Caller) {
		scoped := *es
		scoped.ODataContext = strings.ReplaceAll(es.ODataContext, "{id}", r.PathValue("id"))
		s.serveList(w, r, c, &scoped)
	})
}

// spLookupLocked finds a service principal by object id; t.mu is held.
func spLookupLocked(t *Tenant, id string) *ServicePrincipal {
	if t.spByID != nil {
		if sp := t.spByID[id]; sp != nil {
			return sp
		}
		if sp := t.spByID[strings.ToLower(id)]; sp != nil {
			return sp
		}
	}
	for _, sp := range t.ServicePrincipals {
		if strings.EqualFold(sp.ID, id) {
			return sp
		}
	}
	return nil
}

// spByAppIDLocked finds the service principal of an application (client)
// id in this tenant; t.mu is held.
func spByAppIDLocked(t *Tenant, appID string) *ServicePrincipal {
	if strings.EqualFold(t.Connector.AppID, appID) {
		if sp := spLookupLocked(t, t.Connector.ServicePrincipalID); sp != nil {
			return sp
		}
	}
	for _, sp := range t.ServicePrincipals {
		if strings.EqualFold(sp.AppID, appID) {
			return sp
		}
	}
	return nil
}

func renderPasswordCredentials(pcs []PasswordCredential) []any {
	out := make([]any, len(pcs))
	for i, pc := range pcs {
		out[i] = entity{
			{"customKeyIdentifier", nil},
			{"displayName", stringOrNull(pc.DisplayName)},
			{"endDateTime", dateTimeOrNull(pc.EndDateTime)},
			{"hint", stringOrNull(pc.Hint)},
			{"keyId", pc.KeyID},
			// Graph returns the secret only once, from addPassword; every
			// read sends null.
			{"secretText", nil},
			{"startDateTime", dateTimeOrNull(pc.StartDateTime)},
		}
	}
	return out
}

func renderKeyCredentials(kcs []KeyCredential) []any {
	out := make([]any, len(kcs))
	for i, kc := range kcs {
		out[i] = entity{
			{"customKeyIdentifier", stringOrNull(kc.CustomKeyIdentifier)},
			{"displayName", stringOrNull(kc.DisplayName)},
			{"endDateTime", dateTimeOrNull(kc.EndDateTime)},
			// The public key is returned only by a single-object GET with
			// $select=keyCredentials.
			{"key", nil},
			{"keyId", kc.KeyID},
			{"startDateTime", dateTimeOrNull(kc.StartDateTime)},
			{"type", kc.Type},
			{"usage", kc.Usage},
		}
	}
	return out
}

func renderApplication(t *Tenant, a *Application) entity {
	return entity{
		{"id", a.ID},
		{"deletedDateTime", nil},
		{"appId", a.AppID},
		{"applicationTemplateId", nil},
		{"disabledByMicrosoftStatus", nil},
		{"createdDateTime", dateTimeOrNull(a.CreatedDateTime)},
		{"displayName", a.DisplayName},
		{"description", nil},
		{"groupMembershipClaims", nil},
		{"identifierUris", []string{}},
		{"isDeviceOnlyAuthSupported", nil},
		{"isFallbackPublicClient", nil},
		{"notes", nil},
		{"publisherDomain", t.InitialDomain},
		{"serviceManagementReference", nil},
		{"signInAudience", a.SignInAudience},
		{"tags", []string{}},
		{"tokenEncryptionKeyId", nil},
		{"keyCredentials", renderKeyCredentials(a.KeyCredentials)},
		{"passwordCredentials", renderPasswordCredentials(a.PasswordCredentials)},
		{"requiredResourceAccess", requiredResourceAccessLocked(t, a)},
	}
}

// requiredResourceAccessLocked is the application permissions the app
// registration requests, per resource API: in the simulator, what was
// consented, i.e. the app roles its service principal holds (default access
// is not a permission). Delegated scopes are not modelled.
func requiredResourceAccessLocked(t *Tenant, a *Application) []any {
	out := []any{}
	sp := spByAppIDLocked(t, a.AppID)
	if sp == nil {
		return out
	}
	byResource := map[string][]any{}
	var order []string
	for _, ra := range t.appRoleAssignmentIndexLocked().byPrincipal[sp.ID] {
		if ra.AppRoleID == defaultAccessRoleID {
			continue
		}
		if _, seen := byResource[ra.ResourceID]; !seen {
			order = append(order, ra.ResourceID)
		}
		byResource[ra.ResourceID] = append(byResource[ra.ResourceID], entity{{"id", ra.AppRoleID}, {"type", "Role"}})
	}
	for _, res := range order {
		resource := spLookupLocked(t, res)
		if resource == nil {
			continue
		}
		out = append(out, entity{{"resourceAppId", resource.AppID}, {"resourceAccess", byResource[res]}})
	}
	return out
}

func renderServicePrincipal(t *Tenant, sp *ServicePrincipal) entity {
	roles := make([]any, len(sp.AppRoles))
	for i, r := range sp.AppRoles {
		roles[i] = entity{
			{"allowedMemberTypes", stringsOrEmpty(r.AllowedMemberTypes)},
			{"description", r.Description},
			{"displayName", r.DisplayName},
			{"id", r.ID},
			{"isEnabled", r.IsEnabled},
			{"origin", "Application"},
			{"value", stringOrNull(r.Value)},
		}
	}
	audience := any("AzureADMultipleOrgs")
	switch {
	case sp.ServicePrincipalType == "ManagedIdentity":
		audience = nil
	case strings.EqualFold(sp.AppOwnerOrganizationID, t.ID):
		audience = "AzureADMyOrg"
	}
	return entity{
		{"id", sp.ID},
		{"deletedDateTime", nil},
		{"accountEnabled", sp.AccountEnabled},
		{"alternativeNames", stringsOrEmpty(sp.AlternativeNames)},
		{"appDisplayName", sp.DisplayName},
		{"appDescription", nil},
		{"appId", sp.AppID},
		{"applicationTemplateId", nil},
		{"appOwnerOrganizationId", stringOrNull(sp.AppOwnerOrganizationID)},
		{"appRoleAssignmentRequired", sp.AppRoleAssignmentRequired},
		{"description", nil},
		{"disabledByMicrosoftStatus", nil},
		{"displayName", sp.DisplayName},
		{"homepage", nil},
		{"loginUrl", nil},
		{"logoutUrl", nil},
		{"notes", nil},
		{"notificationEmailAddresses", []string{}},
		{"preferredSingleSignOnMode", nil},
		{"preferredTokenSigningKeyThumbprint", nil},
		{"publisherName", stringOrNull(sp.PublisherName)},
		{"replyUrls", []string{}},
		{"servicePrincipalNames", stringsOrEmpty(sp.ServicePrincipalNames)},
		{"servicePrincipalType", sp.ServicePrincipalType},
		{"signInAudience", audience},
		{"tags", stringsOrEmpty(sp.Tags)},
		{"tokenEncryptionKeyId", nil},
		{"appRoles", roles},
		{"keyCredentials", []any{}},
		{"passwordCredentials", []any{}},
	}
}

func renderOAuth2PermissionGrant(g *OAuth2PermissionGrant) entity {
	return entity{
		{"clientId", g.ClientID},
		{"consentType", g.ConsentType},
		{"id", g.ID},
		{"principalId", stringOrNull(g.PrincipalID)},
		{"resourceId", g.ResourceID},
		{"scope", g.Scope},
	}
}

// renderSynchronizationJob follows synchronization-synchronization-list-jobs.
func renderSynchronizationJob(j *SynchronizationJob) entity {
	failed := !j.LastExecution.IsZero() && !j.LastExecution.Equal(j.LastSuccessful)
	failures := 0
	if failed || j.Quarantined {
		failures = 1
	}
	var quarantine any
	if j.Quarantined {
		quarantine = entity{
			{"currentBegan", dateTimeOrZero(j.LastExecution)},
			{"nextAttempt", dateTimeOrZero(j.LastExecution.Add(12 * time.Hour))},
			{"reason", "EncounteredQuarantineException"},
			{"seriesBegan", dateTimeOrZero(j.LastExecution)},
			{"seriesCount", 1},
			{"error", entity{
				{"code", "SystemForCrossDomainIdentityManagementCredentialsInvalid"},
				{"message", "The credentials supplied for the target application are invalid."},
				{"tenantActionable", true},
			}},
		}
	}
	var steady any = zeroDateTime
	if !j.LastSuccessful.IsZero() {
		steady = dateTimeOrZero(j.LastSuccessful)
	}
	return entity{
		{"id", j.ID},
		{"templateId", j.TemplateID},
		{"schedule", entity{
			{"expiration", nil},
			{"interval", j.ScheduleInterval},
			{"state", j.ScheduleState},
		}},
		{"status", entity{
			{"countSuccessiveCompleteFailures", failures},
			{"escrowsPruned", false},
			{"synchronizedEntryCountByType", []any{}},
			{"code", j.StatusCode},
			{"lastExecution", renderSyncExecution(j.LastExecution, failed)},
			{"lastSuccessfulExecution", renderSyncExecution(j.LastSuccessful, false)},
			{"lastSuccessfulExecutionWithExports", renderSyncExecution(j.LastSuccessful, false)},
			{"steadyStateFirstAchievedTime", steady},
			{"steadyStateLastAchievedTime", steady},
			{"quarantine", quarantine},
		}},
		{"synchronizationJobSettings", []any{}},
	}
}

// renderSyncExecution renders a synchronizationTaskExecution, null when the
// job never ran.
func renderSyncExecution(at time.Time, failed bool) any {
	if at.IsZero() {
		return nil
	}
	state := "Succeeded"
	var execErr any
	if failed {
		state = "Failed"
		execErr = entity{
			{"code", "SystemForCrossDomainIdentityManagementCredentialsInvalid"},
			{"message", "The credentials supplied for the target application are invalid."},
			{"tenantActionable", true},
		}
	}
	return entity{
		{"activityIdentifier", nil},
		{"countEntitled", 0},
		{"countEntitledForProvisioning", 0},
		{"countEscrowed", 0},
		{"countEscrowedRaw", 0},
		{"countExported", 0},
		{"countExports", 0},
		{"countImported", 0},
		{"countImportedDeltas", 0},
		{"countImportedReferenceDeltas", 0},
		{"error", execErr},
		{"state", state},
		{"timeBegan", dateTimeOrZero(at)},
		{"timeEnded", dateTimeOrZero(at.Add(time.Minute))},
	}
}
