package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// ServicePrincipal is an enterprise application or managed identity.
type ServicePrincipal struct {
	ID                        string
	AppID                     string
	DisplayName               string
	ServicePrincipalType      string // Application | ManagedIdentity | Legacy | SocialIdp
	AccountEnabled            bool
	AppOwnerOrganizationID    string
	AppRoleAssignmentRequired bool
	PublisherName             string
	Tags                      []string
	// AppRoles are the roles the service principal's application defines:
	// for an API such as Microsoft Graph, its application permissions.
	AppRoles []AppRole
	Raw      json.RawMessage
}

// AppRole is a role an application defines (appRole): Value is what a
// token's roles claim carries, e.g. User.Read.All.
type AppRole struct {
	ID                 string
	Value              string
	DisplayName        string
	AllowedMemberTypes []string // Application (an application permission), User
	IsEnabled          bool
}

// PutServicePrincipal writes a service principal with its app roles.
func (b *Batch) PutServicePrincipal(s *ServicePrincipal) {
	b.put(tServicePrincipals, []any{s.ID}, []any{s.AppID, s.DisplayName, s.ServicePrincipalType, s.AccountEnabled,
		s.AppOwnerOrganizationID, s.AppRoleAssignmentRequired, s.PublisherName, jsonStrings(s.Tags)}, s.Raw)
	for _, r := range s.AppRoles {
		types := append([]string(nil), r.AllowedMemberTypes...)
		slices.Sort(types)
		b.put(tServicePrincipalAppRoles, []any{s.ID, strings.ToLower(r.ID)}, []any{r.Value, r.DisplayName, jsonStrings(types), r.IsEnabled}, nil)
	}
	b.sweepChildren(tServicePrincipalAppRoles, s.ID)
}

// ServicePrincipalAppRole is one app role with the service principal
// defining it.
type ServicePrincipalAppRole struct {
	ServicePrincipalID string
	AppRole
}

// ServicePrincipalAppRoles returns the current app roles of every service
// principal, by service principal then role id.
func (d *DB) ServicePrincipalAppRoles(ctx context.Context, conn Connection) ([]ServicePrincipalAppRole, error) {
	var out []ServicePrincipalAppRole
	err := d.selectCurrent(ctx, conn, "app roles", "r", `SELECT r.service_principal_id, r.app_role_id, r.value, r.display_name, r.allowed_member_types, r.is_enabled
		FROM service_principal_app_roles r WHERE r.connection_id = ? AND {cur} ORDER BY r.service_principal_id, r.app_role_id`, nil, func(rows *sql.Rows) error {
		var r ServicePrincipalAppRole
		var types string
		if err := rows.Scan(&r.ServicePrincipalID, &r.ID, &r.Value, &r.DisplayName, &types, &r.IsEnabled); err != nil {
			return err
		}
		r.AllowedMemberTypes = parseStrings(types)
		out = append(out, r)
		return nil
	})
	return out, err
}

// ServicePrincipals returns the current service principals by name.
func (d *DB) ServicePrincipals(ctx context.Context, conn Connection) ([]ServicePrincipal, error) {
	var out []ServicePrincipal
	err := d.selectCurrent(ctx, conn, "service principals", "s", `SELECT s.id, s.app_id, s.display_name, s.service_principal_type, s.account_enabled,
		s.app_owner_organization_id, s.app_role_assignment_required, s.publisher_name, s.tags, s.raw
		FROM service_principals s WHERE s.connection_id = ? AND {cur} ORDER BY s.display_name, s.id`, nil, func(rows *sql.Rows) error {
		var s ServicePrincipal
		var tags string
		var raw sql.NullString
		if err := rows.Scan(&s.ID, &s.AppID, &s.DisplayName, &s.ServicePrincipalType, &s.AccountEnabled, &s.AppOwnerOrganizationID,
			&s.AppRoleAssignmentRequired, &s.PublisherName, &tags, &raw); err != nil {
			return err
		}
		s.Tags = parseStrings(tags)
		s.Raw = rawOf(raw)
		out = append(out, s)
		return nil
	})
	return out, err
}

// Application is an app registration with its credentials' metadata.
type Application struct {
	ID              string
	AppID           string
	DisplayName     string
	CreatedDateTime time.Time
	SignInAudience  string
	Credentials     []AppCredential
	// Raw is Graph's JSON; Graph never returns secret text from a read, and
	// the sync drops secretText should it ever appear.
	Raw json.RawMessage
}

// AppCredential is a password or certificate credential's metadata; the
// secret itself is never stored.
type AppCredential struct {
	KeyID         string
	Kind          string // password | certificate
	DisplayName   string
	Hint          string
	StartDateTime time.Time
	EndDateTime   time.Time
}

// Credential kinds.
const (
	CredentialPassword    = "password"
	CredentialCertificate = "certificate"
)

// PutApplication writes an application and replaces its credential rows.
func (b *Batch) PutApplication(a *Application) {
	b.put(tApplications, []any{a.ID}, []any{a.AppID, a.DisplayName, timeCol(a.CreatedDateTime), a.SignInAudience}, a.Raw)
	for _, c := range a.Credentials {
		b.put(tApplicationCredentials, []any{a.ID, c.KeyID}, []any{c.Kind, c.DisplayName, c.Hint, timeCol(c.StartDateTime), timeCol(c.EndDateTime)}, nil)
	}
	b.sweepChildren(tApplicationCredentials, a.ID)
}

// Applications returns the current applications by name, with credentials.
func (d *DB) Applications(ctx context.Context, conn Connection) ([]Application, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	var out []Application
	idx := map[string]int{}
	err = d.selectAt(ctx, conn, g, "applications", "a", `SELECT a.id, a.app_id, a.display_name, a.created_at, a.sign_in_audience, a.raw
		FROM applications a WHERE a.connection_id = ? AND {cur} ORDER BY a.display_name, a.id`, nil, func(rows *sql.Rows) error {
		var a Application
		var created *string
		var raw sql.NullString
		if err := rows.Scan(&a.ID, &a.AppID, &a.DisplayName, &created, &a.SignInAudience, &raw); err != nil {
			return err
		}
		a.CreatedDateTime = parseTimeCol(created)
		a.Raw = rawOf(raw)
		idx[a.ID] = len(out)
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = d.selectAt(ctx, conn, g, "application credentials", "c", `SELECT c.application_id, c.key_id, c.kind, c.display_name, c.hint, c.start_at, c.end_at
		FROM application_credentials c WHERE c.connection_id = ? AND {cur} ORDER BY c.application_id, c.end_at, c.key_id`, nil, func(rows *sql.Rows) error {
		var app string
		var c AppCredential
		var start, end *string
		if err := rows.Scan(&app, &c.KeyID, &c.Kind, &c.DisplayName, &c.Hint, &start, &end); err != nil {
			return err
		}
		c.StartDateTime, c.EndDateTime = parseTimeCol(start), parseTimeCol(end)
		if i, ok := idx[app]; ok {
			out[i].Credentials = append(out[i].Credentials, c)
		}
		return nil
	})
	return out, err
}

// AppRoleAssignment grants a principal an app role of a resource service
// principal.
type AppRoleAssignment struct {
	ID                   string
	ResourceID           string
	AppRoleID            string // all zeros: default access
	PrincipalID          string
	PrincipalType        string
	PrincipalDisplayName string
	ResourceDisplayName  string
	CreatedDateTime      time.Time
}

// PutAppRoleAssignment writes an app role assignment.
func (b *Batch) PutAppRoleAssignment(a *AppRoleAssignment) {
	b.put(tAppRoleAssignments, []any{a.ID}, []any{a.ResourceID, a.AppRoleID, a.PrincipalID, a.PrincipalType,
		a.PrincipalDisplayName, a.ResourceDisplayName, timeCol(a.CreatedDateTime)}, nil)
}

// AppRoleAssignments returns the current app role assignments by resource.
func (d *DB) AppRoleAssignments(ctx context.Context, conn Connection) ([]AppRoleAssignment, error) {
	var out []AppRoleAssignment
	err := d.selectCurrent(ctx, conn, "app role assignments", "a", `SELECT a.id, a.resource_id, a.app_role_id, a.principal_id, a.principal_type,
		a.principal_display_name, a.resource_display_name, a.created_at
		FROM app_role_assignments a WHERE a.connection_id = ? AND {cur} ORDER BY a.resource_id, a.id`, nil, func(rows *sql.Rows) error {
		var a AppRoleAssignment
		var created *string
		if err := rows.Scan(&a.ID, &a.ResourceID, &a.AppRoleID, &a.PrincipalID, &a.PrincipalType, &a.PrincipalDisplayName,
			&a.ResourceDisplayName, &created); err != nil {
			return err
		}
		a.CreatedDateTime = parseTimeCol(created)
		out = append(out, a)
		return nil
	})
	return out, err
}

// OAuth2PermissionGrant is a delegated permission grant.
type OAuth2PermissionGrant struct {
	ID          string
	ClientID    string
	ConsentType string // AllPrincipals | Principal
	PrincipalID string // "" for AllPrincipals
	ResourceID  string
	Scope       string
}

// PutOAuth2PermissionGrant writes a grant.
func (b *Batch) PutOAuth2PermissionGrant(g *OAuth2PermissionGrant) {
	b.put(tOAuth2PermissionGrants, []any{g.ID}, []any{g.ClientID, g.ConsentType, g.PrincipalID, g.ResourceID, g.Scope}, nil)
}

// OAuth2PermissionGrants returns the current grants by id.
func (d *DB) OAuth2PermissionGrants(ctx context.Context, conn Connection) ([]OAuth2PermissionGrant, error) {
	var out []OAuth2PermissionGrant
	err := d.selectCurrent(ctx, conn, "oauth2 permission grants", "o", `SELECT o.id, o.client_id, o.consent_type, o.principal_id, o.resource_id, o.scope
		FROM oauth2_permission_grants o WHERE o.connection_id = ? AND {cur} ORDER BY o.id`, nil, func(rows *sql.Rows) error {
		var g OAuth2PermissionGrant
		if err := rows.Scan(&g.ID, &g.ClientID, &g.ConsentType, &g.PrincipalID, &g.ResourceID, &g.Scope); err != nil {
			return err
		}
		out = append(out, g)
		return nil
	})
	return out, err
}

// SynchronizationJob is a provisioning (SCIM) job of a service principal.
type SynchronizationJob struct {
	ServicePrincipalID string
	ID                 string
	TemplateID         string
	ScheduleInterval   string
	ScheduleState      string
	StatusCode         string
	LastExecution      time.Time
	LastSuccessful     time.Time
	Quarantined        bool
	Raw                json.RawMessage
}

// PutSynchronizationJob writes a sync job.
func (b *Batch) PutSynchronizationJob(j *SynchronizationJob) {
	b.put(tSynchronizationJobs, []any{j.ServicePrincipalID, j.ID}, []any{j.TemplateID, j.ScheduleInterval, j.ScheduleState, j.StatusCode,
		timeCol(j.LastExecution), timeCol(j.LastSuccessful), j.Quarantined}, j.Raw)
}

// SynchronizationJobs returns the current sync jobs by service principal.
func (d *DB) SynchronizationJobs(ctx context.Context, conn Connection) ([]SynchronizationJob, error) {
	var out []SynchronizationJob
	err := d.selectCurrent(ctx, conn, "synchronization jobs", "j", `SELECT j.service_principal_id, j.id, j.template_id, j.schedule_interval, j.schedule_state,
		j.status_code, j.last_execution_at, j.last_successful_at, j.quarantined, j.raw
		FROM synchronization_jobs j WHERE j.connection_id = ? AND {cur} ORDER BY j.service_principal_id, j.id`, nil, func(rows *sql.Rows) error {
		var j SynchronizationJob
		var last, ok *string
		var raw sql.NullString
		if err := rows.Scan(&j.ServicePrincipalID, &j.ID, &j.TemplateID, &j.ScheduleInterval, &j.ScheduleState, &j.StatusCode,
			&last, &ok, &j.Quarantined, &raw); err != nil {
			return err
		}
		j.LastExecution, j.LastSuccessful = parseTimeCol(last), parseTimeCol(ok)
		j.Raw = rawOf(raw)
		out = append(out, j)
		return nil
	})
	return out, err
}
