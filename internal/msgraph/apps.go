package msgraph

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"time"
)

// Application is microsoft.graph.application: an app registration.
type Application struct {
	ID                  string               `json:"id"`    // object id
	AppID               string               `json:"appId"` // client id
	DisplayName         string               `json:"displayName"`
	CreatedDateTime     *time.Time           `json:"createdDateTime"`
	SignInAudience      string               `json:"signInAudience"`
	PasswordCredentials []PasswordCredential `json:"passwordCredentials"`
	KeyCredentials      []KeyCredential      `json:"keyCredentials"`

	Raw json.RawMessage `json:"-"`
}

func (a *Application) setRaw(r json.RawMessage) { a.Raw = r }
func (a *Application) objectID() string         { return a.ID }

// PasswordCredential is a client secret's metadata. Graph returns the
// secret itself (secretText) only when it is created, so it is not modelled.
type PasswordCredential struct {
	KeyID               string     `json:"keyId"`
	DisplayName         string     `json:"displayName"`
	Hint                string     `json:"hint"` // first 3 characters
	CustomKeyIdentifier string     `json:"customKeyIdentifier"`
	StartDateTime       *time.Time `json:"startDateTime"`
	EndDateTime         *time.Time `json:"endDateTime"`
}

// KeyCredential is a certificate's metadata.
type KeyCredential struct {
	KeyID               string     `json:"keyId"`
	DisplayName         string     `json:"displayName"`
	Type                string     `json:"type"`  // AsymmetricX509Cert
	Usage               string     `json:"usage"` // Verify
	CustomKeyIdentifier string     `json:"customKeyIdentifier"`
	StartDateTime       *time.Time `json:"startDateTime"`
	EndDateTime         *time.Time `json:"endDateTime"`
}

// ServicePrincipal is microsoft.graph.servicePrincipal: an enterprise
// application or managed identity in this tenant.
type ServicePrincipal struct {
	ID                        string     `json:"id"`
	AppID                     string     `json:"appId"`
	DisplayName               string     `json:"displayName"`
	ServicePrincipalType      string     `json:"servicePrincipalType"` // Application, ManagedIdentity, Legacy, SocialIdp
	AccountEnabled            *bool      `json:"accountEnabled"`
	AppOwnerOrganizationID    string     `json:"appOwnerOrganizationId"`
	AppRoleAssignmentRequired *bool      `json:"appRoleAssignmentRequired"`
	PublisherName             string     `json:"publisherName"`
	Tags                      []string   `json:"tags"`
	AppRoles                  []AppRole  `json:"appRoles"`
	ServicePrincipalNames     []string   `json:"servicePrincipalNames"`
	AlternativeNames          []string   `json:"alternativeNames"`
	CreatedDateTime           *time.Time `json:"createdDateTime"`

	Raw json.RawMessage `json:"-"`
}

func (s *ServicePrincipal) setRaw(r json.RawMessage) { s.Raw = r }
func (s *ServicePrincipal) objectID() string         { return s.ID }

// AppRole is a role an application defines (e.g. Graph's User.Read.All).
type AppRole struct {
	ID                 string   `json:"id"`
	Value              string   `json:"value"`
	DisplayName        string   `json:"displayName"`
	Description        string   `json:"description"`
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
	IsEnabled          bool     `json:"isEnabled"`
}

// AppRoleAssignment grants a user, group or service principal an app role
// of a resource service principal. AppRoleID all zeros is default access.
type AppRoleAssignment struct {
	ID                   string     `json:"id"`
	AppRoleID            string     `json:"appRoleId"`
	CreatedDateTime      *time.Time `json:"createdDateTime"`
	PrincipalDisplayName string     `json:"principalDisplayName"`
	PrincipalID          string     `json:"principalId"`
	PrincipalType        string     `json:"principalType"` // User, Group, ServicePrincipal
	ResourceDisplayName  string     `json:"resourceDisplayName"`
	ResourceID           string     `json:"resourceId"`

	Raw json.RawMessage `json:"-"`
}

func (a *AppRoleAssignment) setRaw(r json.RawMessage) { a.Raw = r }
func (a *AppRoleAssignment) objectID() string         { return a.ID }

// OAuth2PermissionGrant is a delegated permission grant. PrincipalID is
// empty when ConsentType is AllPrincipals.
type OAuth2PermissionGrant struct {
	ID          string `json:"id"`
	ClientID    string `json:"clientId"` // the client's service principal id
	ConsentType string `json:"consentType"`
	PrincipalID string `json:"principalId"`
	ResourceID  string `json:"resourceId"`
	Scope       string `json:"scope"` // space-separated

	Raw json.RawMessage `json:"-"`
}

func (g *OAuth2PermissionGrant) setRaw(r json.RawMessage) { g.Raw = r }
func (g *OAuth2PermissionGrant) objectID() string         { return g.ID }

// SynchronizationJob is a provisioning (SCIM) job of a service principal.
type SynchronizationJob struct {
	ID         string                   `json:"id"`
	TemplateID string                   `json:"templateId"`
	Schedule   SynchronizationSchedule  `json:"schedule"`
	Status     SynchronizationJobStatus `json:"status"`

	Raw json.RawMessage `json:"-"`
}

func (j *SynchronizationJob) setRaw(r json.RawMessage) { j.Raw = r }
func (j *SynchronizationJob) objectID() string         { return j.ID }

// SynchronizationSchedule is a job's schedule; Interval is an ISO 8601
// duration such as "PT40M".
type SynchronizationSchedule struct {
	Expiration *time.Time `json:"expiration"`
	Interval   string     `json:"interval"`
	State      string     `json:"state"` // Active, Disabled, Paused
}

// SynchronizationJobStatus is a job's status.
type SynchronizationJobStatus struct {
	Code                            string                        `json:"code"` // NotConfigured, NotRun, Active, Paused, Quarantine
	CountSuccessiveCompleteFailures int64                         `json:"countSuccessiveCompleteFailures"`
	LastExecution                   *SynchronizationTaskExecution `json:"lastExecution"`
	LastSuccessfulExecution         *SynchronizationTaskExecution `json:"lastSuccessfulExecution"`
	Quarantine                      *SynchronizationQuarantine    `json:"quarantine"`
}

// SynchronizationTaskExecution is one run of a job.
type SynchronizationTaskExecution struct {
	ActivityIdentifier string     `json:"activityIdentifier"`
	State              string     `json:"state"`
	TimeBegan          *time.Time `json:"timeBegan"`
	TimeEnded          *time.Time `json:"timeEnded"`
}

// SynchronizationQuarantine says why and since when a job is quarantined.
type SynchronizationQuarantine struct {
	CurrentBegan *time.Time `json:"currentBegan"`
	NextAttempt  *time.Time `json:"nextAttempt"`
	Reason       string     `json:"reason"`
}

// ServicePrincipals lists /servicePrincipals.
func (c *Client) ServicePrincipals(ctx context.Context, o ListOptions) iter.Seq2[ServicePrincipal, error] {
	return listPath[ServicePrincipal](ctx, c, "/servicePrincipals", o, maxPageDirectory)
}

// Applications lists /applications.
func (c *Client) Applications(ctx context.Context, o ListOptions) iter.Seq2[Application, error] {
	return listPath[Application](ctx, c, "/applications", o, maxPageDirectory)
}

// AppRoleAssignedTo lists the app role assignments granted for a resource
// service principal (who may use the app).
func (c *Client) AppRoleAssignedTo(ctx context.Context, spID string, o ListOptions) iter.Seq2[AppRoleAssignment, error] {
	return listPath[AppRoleAssignment](ctx, c, "/servicePrincipals/"+pathEscape(spID)+"/appRoleAssignedTo", o, maxPageDirectory)
}

// AppRoleAssignedToURL is AppRoleAssignedTo's relative URL, for $batch.
func AppRoleAssignedToURL(spID string, sel []string) string {
	return relative("/servicePrincipals/"+pathEscape(spID)+"/appRoleAssignedTo", ListOptions{Select: sel}.query(maxPageDirectory))
}

// OAuth2PermissionGrants lists /oauth2PermissionGrants.
func (c *Client) OAuth2PermissionGrants(ctx context.Context, o ListOptions) iter.Seq2[OAuth2PermissionGrant, error] {
	return listPath[OAuth2PermissionGrant](ctx, c, "/oauth2PermissionGrants", o, maxPageDirectory)
}

// SynchronizationJobs lists a service principal's provisioning jobs.
func (c *Client) SynchronizationJobs(ctx context.Context, spID string) ([]SynchronizationJob, error) {
	return collect(listPath[SynchronizationJob](ctx, c, "/servicePrincipals/"+pathEscape(spID)+"/synchronization/jobs", ListOptions{}, 0))
}

// ApplicationByAppID gets an app registration by its client id — the
// connector's own, to watch its secrets' and certificates' expiry. It uses
// $filter=appId eq '…' (supported by every Graph version and cloud) rather
// than the newer alternate-key form /applications(appId='…'). No match gives
// an *Error with status 404, as a missing object would.
func (c *Client) ApplicationByAppID(ctx context.Context, appID string) (*Application, error) {
	o := ListOptions{Filter: "appId eq '" + escapeODataString(appID) + "'"}
	apps, err := collect(listPath[Application](ctx, c, "/applications", o, 0))
	if err != nil {
		return nil, err
	}
	if len(apps) == 0 {
		return nil, &Error{StatusCode: http.StatusNotFound, Code: "Request_ResourceNotFound",
			Message: "no application with appId " + appID, Method: http.MethodGet, Path: "/v1.0/applications", service: c.service}
	}
	return &apps[0], nil
}

// escapeODataString doubles single quotes inside an OData string literal.
func escapeODataString(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}
