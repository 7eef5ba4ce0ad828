// Package graphsim simulates Microsoft Graph, the Microsoft identity platform's
// token endpoint and Azure Resource Manager, serving deterministic synthetic
// tenants. It is importable so tests and benchmarks in any package can start one
// in-process; the tenant model is the ground truth they assert against.
package graphsim

import (
	"crypto/x509"
	"math/rand/v2"
	"sync"
	"time"
)

// Tier is the tenant's Entra ID tier, derived from its subscribed SKUs.
type Tier string

const (
	TierFree Tier = "free"
	TierP1   Tier = "p1"
	TierP2   Tier = "p2"
)

// Service is a Microsoft 365 workload whose per-user last activity the usage
// reports carry.
type Service int

const (
	ServiceExchange Service = iota
	ServiceOneDrive
	ServiceSharePoint
	ServiceSkype
	ServiceYammer
	ServiceTeams
	ServiceOutlook  // Outlook app usage (getM365AppUserDetail)
	ServiceM365Apps // any Microsoft 365 app (Word, Excel, ...) (getM365AppUserDetail)
	NumServices
)

// Tenant is one synthetic directory with everything the simulator serves. It is
// the ground truth: tests read it directly. Readers and writers hold mu; the
// exported mutation methods (mutate.go) take it themselves.
type Tenant struct {
	mu sync.RWMutex

	ID            string // GUID
	DisplayName   string
	InitialDomain string // contoso.onmicrosoft.com
	DefaultDomain string
	Tier          Tier
	Created       time.Time
	// Now is the generator's "today": activity dates, expiries and report
	// refresh dates are relative to it, so output is deterministic.
	Now time.Time

	Domains           []*Domain
	IdentityProviders []*IdentityProvider

	Users   []*User // live users, in creation order
	Deleted []*User // soft/hard-deleted users kept for delta @removed
	Groups  []*Group
	// DeletedGroups kept for delta @removed.
	DeletedGroups []*Group

	SubscribedSKUs        []*SubscribedSKU
	CompanySubscriptions  []*CompanySubscription
	Applications          []*Application
	ServicePrincipals     []*ServicePrincipal
	RoleDefinitions       []*RoleDefinition
	RoleAssignments       []*RoleAssignment
	RoleEligibilities     []*RoleEligibilitySchedule // PIM; empty unless Tier == TierP2
	RoleAssignmentScheds  []*RoleAssignmentSchedule  // PIM active assignments
	AppRoleAssignments    []*AppRoleAssignment
	OAuth2PermissionGrant []*OAuth2PermissionGrant
	SynchronizationJobs   []*SynchronizationJob
	ManagedDevices        []*ManagedDevice
	// Devices are the Entra ID device objects; each managed device has one.
	Devices      []*Device
	Organization Organization

	ReportSettings ReportSettings
	// Connector is the app registration the tool signs in with.
	Connector Connector

	Azure Azure

	// seq is the change sequence for delta queries: every change to a user,
	// group or membership takes the next value.
	seq           uint64
	memberChanges []MemberChange

	// indexes, rebuilt by the generator and maintained by mutations
	userByID  map[string]*User
	userByUPN map[string]*User // lower-case UPN
	groupByID map[string]*Group
	spByID    map[string]*ServicePrincipal
	kindByID  map[string]ObjectKind
	// memberOf: object id -> groups it is a direct member of.
	memberOf map[string][]*Group
	// memberSets are built on first use by membership mutations, so that
	// add/remove checks do not scan large groups each time.
	memberSets map[string]map[string]struct{}
	// consumed: skuId -> users holding it (direct or via group), as
	// subscribedSkus.consumedUnits counts.
	consumed map[string]int
	// skuByID: skuId -> subscribed SKU.
	skuByID    map[string]*SubscribedSKU
	appByAppID map[string]*Application
	deviceByID map[string]*Device
	// mutRand draws ids for objects mutations create, deterministically
	// from the generation seed; used under the write lock.
	mutRand *rand.Rand

	// araVersion counts changes to AppRoleAssignments (write lock; see
	// appRoleAssignmentsChangedLocked).
	araVersion uint64
	// views are derived from the collections on first use after a change,
	// by handlers holding the read lock (hence their own mutex).
	viewsMu sync.Mutex
	views   tenantViews
}

// ObjectKind is a directory object's type, as it appears in @odata.type.
type ObjectKind int

const (
	KindUnknown ObjectKind = iota
	KindUser
	KindGroup
	KindServicePrincipal
	KindDevice
	KindApplication
)

type Domain struct {
	ID                 string // the domain name
	AuthenticationType string // Managed | Federated
	IsDefault          bool
	IsInitial          bool
	IsVerified         bool
	IsAdminManaged     bool
	IsRoot             bool
	SupportedServices  []string
}

type IdentityProvider struct {
	ODataType            string // #microsoft.graph.socialIdentityProvider, ...
	ID                   string
	DisplayName          string
	IdentityProviderType string
	ClientID             string
}

type User struct {
	ID                    string
	UserPrincipalName     string
	DisplayName           string
	GivenName             string
	Surname               string
	Mail                  string // "" when the user has no mailbox address
	MailNickname          string
	AccountEnabled        bool
	UserType              string // Member | Guest
	CreatedDateTime       time.Time
	Department            string
	JobTitle              string
	CompanyName           string
	OfficeLocation        string
	UsageLocation         string // ISO country; "" blocks licence assignment
	MobilePhone           string
	BusinessPhones        []string
	PreferredLanguage     string
	OnPremisesSyncEnabled *bool // nil = never synced
	OnPremisesImmutableID string
	EmployeeID            string
	ManagerID             string // "" = no manager

	// AssignedLicenses includes group-inherited licences, as Graph does.
	AssignedLicenses        []AssignedLicense
	LicenseAssignmentStates []LicenseAssignmentState

	SignIn SignInActivity
	// MailboxPurpose is mailboxSettings.userPurpose: user, shared, room,
	// equipment, linked, others; "" when the user has no mailbox.
	MailboxPurpose string
	Activity       Activity
	AuthMethods    []AuthMethod

	DeletedDateTime time.Time // set on users in Tenant.Deleted
	HardDeleted     bool
	// SignInSessionsValidFromDateTime is set by revokeSignInSessions; zero
	// until then.
	SignInSessionsValidFromDateTime time.Time

	Seq uint64 // change sequence of the last change (delta)
}

type AssignedLicense struct {
	SkuID         string
	DisabledPlans []string
}

type LicenseAssignmentState struct {
	SkuID               string
	DisabledPlans       []string
	AssignedByGroup     string // "" = direct
	State               string // Active | ActiveWithError | Disabled | Error
	Error               string // None | CountViolation | MutuallyExclusiveViolation | ...
	LastUpdatedDateTime time.Time
}

// SignInActivity: zero times mean "never" (served as null).
type SignInActivity struct {
	LastSignInDateTime                time.Time
	LastSignInRequestID               string
	LastNonInteractiveSignInDateTime  time.Time
	LastNonInteractiveSignInRequestID string
	LastSuccessfulSignInDateTime      time.Time
	LastSuccessfulSignInRequestID     string
}

// Activity is what the usage reports say about a user. Zero times mean no
// recorded activity.
type Activity struct {
	Last [NumServices]time.Time
	// Platforms used for Microsoft 365 apps (bit set of PlatformWindows...).
	Platforms uint8
	// Apps used (bit set of AppOutlook...), for getM365AppUserDetail.
	Apps uint8
	// Email counts over the report period.
	SendCount, ReceiveCount, ReadCount int
	// Teams counts over the report period.
	TeamChatMessages, PrivateChatMessages, Calls, Meetings int
	MailboxItemCount                                       int
	MailboxStorage                                         int64 // bytes
	HasArchive                                             bool
	ActivatedProducts                                      []Activation
	// Copilot is the last Microsoft 365 Copilot use per app, by
	// CopilotApp, for users who hold a Copilot licence
	// (getMicrosoft365CopilotUsageUserDetail); zero = never used.
	Copilot [NumCopilotApps]time.Time
}

// CopilotApp is a Microsoft 365 app whose Copilot use the Copilot usage
// report dates (Microsoft Graph docs, "reportRoot:
// getMicrosoft365CopilotUsageUserDetail").
type CopilotApp int

const (
	CopilotTeams CopilotApp = iota
	CopilotWord
	CopilotExcel
	CopilotPowerPoint
	CopilotOutlook
	CopilotOneNote
	CopilotLoop
	CopilotChat
	NumCopilotApps
)

// CopilotLast is the latest Copilot use in any app; zero = never.
func (a *Activity) CopilotLast() time.Time {
	var last time.Time
	for _, t := range a.Copilot {
		if t.After(last) {
			last = t
		}
	}
	return last
}

const (
	PlatformWindows uint8 = 1 << iota
	PlatformMac
	PlatformMobile
	PlatformWeb
)

const (
	AppOutlook uint8 = 1 << iota
	AppWord
	AppExcel
	AppPowerPoint
	AppOneNote
	AppTeams
)

type Activation struct {
	ProductType     string // e.g. MICROSOFT 365 APPS FOR ENTERPRISE
	LastActivated   time.Time
	Windows, Mac    int
	Windows10Mobile int
	IOS, Android    int
	SharedComputer  bool
}

type AuthMethod struct {
	ODataType string // #microsoft.graph.passwordAuthenticationMethod, ...
	ID        string
	// Display data for the method (phone number, device name), by property.
	Properties map[string]string
}

type Group struct {
	ID                    string
	DisplayName           string
	Description           string
	Mail                  string
	MailNickname          string
	MailEnabled           bool
	SecurityEnabled       bool
	GroupTypes            []string // Unified, DynamicMembership
	Visibility            string
	CreatedDateTime       time.Time
	OnPremisesSyncEnabled *bool
	MembershipRule        string
	IsAssignableToRole    bool
	// Members are object IDs of users, groups, service principals or devices.
	Members []string
	// memberKinds are the members' kinds, index for index (rebuildIndexes,
	// addMemberLocked, removeMemberLocked): a first groups delta round
	// names a million members, and looking each up by id was most of its
	// cost.
	memberKinds []ObjectKind
	Owners      []string
	// AssignedLicenses: group-based licensing.
	AssignedLicenses []AssignedLicense

	DeletedDateTime time.Time
	Seq             uint64
}

// MemberChange records a membership add or remove for groups delta.
type MemberChange struct {
	GroupID  string
	MemberID string
	Removed  bool
	Seq      uint64
}

type SubscribedSKU struct {
	SkuID            string
	SkuPartNumber    string
	CapabilityStatus string // Enabled | Warning | Suspended | Deleted | LockedOut
	AppliesTo        string // User | Company
	// Prepaid units.
	Enabled, Suspended, Warning, LockedOut int
	ServicePlans                           []ServicePlan
	AccountID                              string
	AccountName                            string
	SubscriptionIDs                        []string
	// ConsumedUnits is derived from users' assigned licences; see
	// Tenant.ConsumedUnits.
}

type ServicePlan struct {
	ServicePlanID      string
	ServicePlanName    string
	ProvisioningStatus string // Success | Disabled | PendingActivation ...
	AppliesTo          string // User | Company
}

// CompanySubscription is /directory/subscriptions: commerce subscriptions with
// renewal dates.
type CompanySubscription struct {
	ID                     string
	CommerceSubscriptionID string
	SkuID                  string
	SkuPartNumber          string
	Status                 string // Enabled | Warning | Suspended | Deleted | LockedOut
	IsTrial                bool
	TotalLicenses          int
	CreatedDateTime        time.Time
	NextLifecycleDateTime  time.Time
}

type Application struct {
	ID                  string // object id
	AppID               string // client id
	DisplayName         string
	CreatedDateTime     time.Time
	SignInAudience      string
	PasswordCredentials []PasswordCredential
	KeyCredentials      []KeyCredential
}

type PasswordCredential struct {
	KeyID         string
	DisplayName   string
	Hint          string // first 3 characters of the secret
	StartDateTime time.Time
	EndDateTime   time.Time
	// SecretText is known to the simulator only; Graph never returns it from
	// a list.
	SecretText string
}

type KeyCredential struct {
	KeyID               string
	DisplayName         string
	Type                string // AsymmetricX509Cert
	Usage               string // Verify
	StartDateTime       time.Time
	EndDateTime         time.Time
	CustomKeyIdentifier string // base64 SHA-1 thumbprint
	Certificate         *x509.Certificate
}

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
	AppRoles                  []AppRole
	ServicePrincipalNames     []string
	AlternativeNames          []string // managed identities: ARM resource id
}

type AppRole struct {
	ID                 string
	Value              string // e.g. User.Read.All
	DisplayName        string
	Description        string
	AllowedMemberTypes []string // Application | User
	IsEnabled          bool
}

type AppRoleAssignment struct {
	ID                   string
	AppRoleID            string // all-zero GUID = default access
	CreatedDateTime      time.Time
	PrincipalDisplayName string
	PrincipalID          string
	PrincipalType        string // User | Group | ServicePrincipal
	ResourceDisplayName  string
	ResourceID           string // service principal id
}

type OAuth2PermissionGrant struct {
	ID          string
	ClientID    string // service principal id
	ConsentType string // AllPrincipals | Principal
	PrincipalID string // "" when AllPrincipals
	ResourceID  string
	Scope       string
}

type SynchronizationJob struct {
	ServicePrincipalID string
	ID                 string
	TemplateID         string
	ScheduleInterval   string // ISO 8601 duration, e.g. PT40M
	ScheduleState      string // Active | Disabled | Paused
	StatusCode         string // NotConfigured | NotRun | Active | Paused | Quarantine
	LastExecution      time.Time
	LastSuccessful     time.Time
	Quarantined        bool
}

type RoleDefinition struct {
	ID                     string // = TemplateID for built-in roles
	DisplayName            string
	Description            string
	IsBuiltIn              bool
	IsEnabled              bool
	TemplateID             string
	AllowedResourceActions []string
}

type RoleAssignment struct {
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string // "/"
}

type RoleEligibilitySchedule struct {
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string
	MemberType       string // Direct | Group
	Status           string // Provisioned
	CreatedUsing     string
	CreatedDateTime  time.Time
	StartDateTime    time.Time
	EndDateTime      time.Time // zero = noExpiration
}

type RoleAssignmentSchedule struct {
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string
	MemberType       string
	AssignmentType   string // Assigned | Activated
	Status           string
	CreatedDateTime  time.Time
	StartDateTime    time.Time
	EndDateTime      time.Time
}

type ManagedDevice struct {
	ID                     string
	UserID                 string
	UserPrincipalName      string
	DeviceName             string
	OperatingSystem        string
	OSVersion              string
	ComplianceState        string // compliant | noncompliant | unknown ...
	ManagedDeviceOwnerType string // company | personal
	ManagementAgent        string
	EnrolledDateTime       time.Time
	LastSyncDateTime       time.Time
	Manufacturer           string
	Model                  string
	SerialNumber           string
	AzureADDeviceID        string
	IsEncrypted            bool
}

type ReportSettings struct {
	DisplayConcealedNames bool
}

// Connector is the app registration the tool authenticates as, and what it
// was granted. Its Application and ServicePrincipal also appear in the tenant's
// lists.
type Connector struct {
	ApplicationID      string // object id of the Application
	AppID              string // client id
	ServicePrincipalID string
	// Granted are the Microsoft Graph application permissions with admin
	// consent (the token's roles claim); each also exists as an app role
	// assignment to the Microsoft Graph service principal.
	Granted []string
	// ARMRoles: ARM role assignments the connector's service principal holds
	// are in Azure.RoleAssignments; nothing extra here.
}

// Azure is the tenant's Azure Resource Manager estate.
type Azure struct {
	Subscriptions          []*AzSubscription
	ResourceGroups         []*AzResourceGroup
	RoleDefinitions        []*AzRoleDefinition
	RoleAssignments        []*AzRoleAssignment
	StorageAccounts        []*AzStorageAccount
	BlobContainers         []*AzBlobContainer
	UserAssignedIdentities []*AzUserAssignedIdentity
}

type AzSubscription struct {
	SubscriptionID string
	DisplayName    string
	State          string // Enabled | Disabled | Warned | PastDue | Deleted
	TenantID       string
	Tags           map[string]string
}

type AzResourceGroup struct {
	SubscriptionID string
	Name           string
	Location       string
	Tags           map[string]string
}

type AzRoleDefinition struct {
	ID          string // /providers/Microsoft.Authorization/roleDefinitions/{guid} or subscription-scoped
	Name        string // guid
	RoleName    string
	Description string
	Type        string // BuiltInRole | CustomRole
	Actions     []string
	NotActions  []string
	DataActions []string
	Scopes      []string // assignableScopes
}

type AzRoleAssignment struct {
	ID               string // {scope}/providers/Microsoft.Authorization/roleAssignments/{name}
	Name             string // guid
	Scope            string
	RoleDefinitionID string // full id
	PrincipalID      string
	PrincipalType    string // User | Group | ServicePrincipal
	CreatedOn        time.Time
}

type AzStorageAccount struct {
	SubscriptionID string
	ResourceGroup  string
	Name           string
	Location       string
	Kind           string // StorageV2
	SkuName        string // Standard_LRS
	CreationTime   time.Time
}

type AzBlobContainer struct {
	SubscriptionID string
	ResourceGroup  string
	AccountName    string
	Name           string
	PublicAccess   string // None | Blob | Container
	LastModified   time.Time
}

type AzUserAssignedIdentity struct {
	SubscriptionID string
	ResourceGroup  string
	Name           string
	Location       string
	ClientID       string
	PrincipalID    string // also a ServicePrincipal of type ManagedIdentity
}

// Organization is the tenant's /organization object beyond what Tenant
// already carries (id, displayName, verifiedDomains, assignedPlans).
type Organization struct {
	Street, City, State, PostalCode, Country, CountryLetterCode string
	BusinessPhones                                              []string
	TechnicalNotificationMails                                  []string
	PreferredLanguage                                           string
	// OnPremisesSyncEnabled: Entra Connect synchronises this directory;
	// OnPremisesLastSyncDateTime is its last run.
	OnPremisesSyncEnabled      bool
	OnPremisesLastSyncDateTime time.Time
}

// Device is an Entra ID device object (/devices). Group memberships refer to
// ID; Intune's managed device refers to DeviceID as azureADDeviceId.
type Device struct {
	ID                            string // object id
	DeviceID                      string // azureADDeviceId
	DisplayName                   string
	OperatingSystem               string
	OperatingSystemVersion        string
	AccountEnabled                bool
	TrustType                     string // AzureAd | ServerAd (hybrid joined) | Workplace (registered)
	IsCompliant                   bool
	IsManaged                     bool
	ApproximateLastSignInDateTime time.Time
	RegisteredOwnerID             string // user id; "" for shared devices
	CreatedDateTime               time.Time
}
