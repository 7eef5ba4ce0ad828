// Package permission owns the permission catalogue: for every tenantscope
// feature, the least-privileged Microsoft Graph application permissions it
// needs (with the broader ones that also satisfy it), the Entra ID tier it
// needs, what is lost without it, and which vendor guide (seed) asks for it.
// Evaluate compares the catalogue with the roles a token was granted; `check`
// and the sync engine use it, and docs/permissions.md is generated from it.
package permission

import "slices"

// Feature names a unit of tenantscope functionality. Read features are also
// the sync resource names accepted by `sync.resources` and `sync --only`.
type Feature string

// Read features: what sync collects.
const (
	Organization      Feature = "organization"
	Users             Feature = "users"
	Licenses          Feature = "licenses"
	UsageReports      Feature = "usage_reports"
	SignInActivity    Feature = "sign_in_activity"
	Groups            Feature = "groups"
	Roles             Feature = "roles"
	PIM               Feature = "pim"
	Apps              Feature = "apps"
	OAuth2Grants      Feature = "oauth2_grants"
	ProvisioningJobs  Feature = "provisioning_jobs"
	Devices           Feature = "devices"
	MailboxPurpose    Feature = "mailbox_purpose"
	IdentityProviders Feature = "identity_providers"
	AppCredentials    Feature = "app_credentials"
	Azure             Feature = "azure"
)

// Action features: changes tenantscope can make, enabled per connection with
// `actions:`.
const (
	Reclaim     Feature = "reclaim"
	Deprovision Feature = "deprovision"
	Provision   Feature = "provision"
)

// Kind separates what sync reads from what actions write.
type Kind string

const (
	Read   Kind = "read"
	Action Kind = "action"
)

// Tier is the tenant's Microsoft Entra ID tier, from its subscribed SKUs.
type Tier string

const (
	TierUnknown Tier = "" // subscribed SKUs were not readable
	TierFree    Tier = "free"
	TierP1      Tier = "p1"
	TierP2      Tier = "p2"
)

func (t Tier) rank() int {
	switch t {
	case TierP1:
		return 1
	case TierP2:
		return 2
	}
	return 0
}

// AtLeast reports whether t meets min. An unknown tier meets nothing but free.
func (t Tier) AtLeast(min Tier) bool { return t.rank() >= min.rank() }

// String is the tier as people write it.
func (t Tier) String() string {
	switch t {
	case TierFree:
		return "Free"
	case TierP1:
		return "P1"
	case TierP2:
		return "P2"
	}
	return "unknown"
}

// Requirement is satisfied by any one of its permissions. AnyOf is ordered
// from least to most privileged; the first is the one to grant.
type Requirement struct {
	AnyOf []string
	// For says what this requirement serves when a feature has several.
	For string
}

// Extra is an optional permission that adds to a feature.
type Extra struct {
	Permission string
	Adds       string
}

// SeedRef names a vendor guide in ../shared/seeds and the feature of it that
// an entry serves.
type SeedRef struct {
	Seed    string // "000" .. "004"
	Feature string // the guide's own words
}

// Entry is one feature of the catalogue.
type Entry struct {
	Feature Feature
	Title   string
	Kind    Kind
	// Requires lists what the feature cannot work without; all must hold.
	Requires []Requirement
	Extras   []Extra
	// MinTier is the Entra ID tier the tenant needs (empty = any).
	MinTier Tier
	// ARMRole, when set, is an Azure RBAC role the app needs on each
	// subscription; tokens do not carry it, so `check` probes ARM instead.
	ARMRole string
	// Endpoints are the calls the feature makes (relative to the Graph or
	// ARM base URL), for the documentation.
	Endpoints []string
	// Lost says, as a phrase following "without it:", what tenantscope
	// cannot show or do without the feature.
	Lost  string
	Seeds []SeedRef
	// DefaultOff features are enabled only when the configuration asks.
	DefaultOff bool
	// SyncResources are the sync engine's resources (internal/sync names,
	// as `sync --only` accepts them) that collect this feature's data.
	SyncResources []string
}

// NotNeeded is a permission a vendor guide asks for that tenantscope does
// not need, and why, so an admin following those guides can drop it.
type NotNeeded struct {
	Permission string
	Seeds      []string
	Why        string
}

// Catalogue returns the catalogue in presentation order. It is freshly built
// on each call so callers may not alter a shared copy.
func Catalogue() []Entry {
	return []Entry{
		{
			Feature: Organization, SyncResources: []string{"organization", "domains"},
			Title: "Organization and verified domains", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"Organization.Read.All", "Directory.Read.All"}}},
			Endpoints: []string{"GET /v1.0/organization"},
			Lost:      "no tenant name or verified domains, and the domain filter cannot be checked",
			Seeds: []SeedRef{{"000", "Organization.Read.All: tenant ID and name"}, {"001", "Organization: Organization.Read.All"},
				{"002", "Tenants"}},
		},
		{
			Feature: Users, SyncResources: []string{"users"},
			Title: "User roster", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"User.Read.All", "Directory.Read.All"}}},
			Endpoints: []string{"GET /v1.0/users", "GET /v1.0/users/delta"},
			Lost:      "no users, and so no per-user licences, inactivity or reports",
			Seeds: []SeedRef{{"000", "Core scopes: User.Read.All"}, {"001", "User: User.Read.All"}, {"002", "Accounts"},
				{"003", "User.Read.All"}, {"004", "Application Roster"}},
		},
		{
			Feature: Licenses, SyncResources: []string{"subscribedSkus", "subscriptions"},
			Title: "Licences (subscribed SKUs and assignments)", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"LicenseAssignment.Read.All", "Organization.Read.All", "Directory.Read.All"}}},
			Endpoints: []string{"GET /v1.0/subscribedSkus", "GET /v1.0/directory/subscriptions"},
			Lost:      "no purchased, consumed or free seats per SKU, renewal dates or licence cost",
			Seeds: []SeedRef{{"000", "LicenseAssignment.Read.All"}, {"003", "LicenseAssignment.Read.All"},
				{"004", "License Information"}},
		},
		{
			Feature: UsageReports, SyncResources: []string{"usageReports"},
			Title: "Usage reports (last activity per service)", Kind: Read,
			Requires: []Requirement{{AnyOf: []string{"Reports.Read.All"}}},
			Extras: []Extra{
				{Permission: "ReportSettings.Read.All", Adds: "tells whether reports conceal user names before they are read"},
				{Permission: "ReportSettings.ReadWrite.All", Adds: "lets tenantscope turn concealed names off (seed 004 asks admins to do it by hand)"},
			},
			Endpoints: []string{"GET /v1.0/reports/getOffice365ActiveUserDetail(period='D180')", "GET /v1.0/reports/getEmailActivityUserDetail(period='D180')",
				"GET /v1.0/reports/getM365AppUserDetail(period='D180')", "GET /v1.0/reports/getMailboxUsageDetail(period='D180')",
				"GET /v1.0/reports/getTeamsUserActivityUserDetail(period='D180')", "GET /v1.0/reports/getOffice365ActivationsUserDetail",
				// Beta and global cloud only (Microsoft Graph docs, "reportRoot:
				// getMicrosoft365CopilotUsageUserDetail"); elsewhere Copilot use
				// is unknown.
				"GET /beta/reports/getMicrosoft365CopilotUsageUserDetail(period='D180')?$format=text/csv",
				"GET /v1.0/admin/reportSettings"},
			Lost: "no last activity per service (Exchange, OneDrive, SharePoint, Teams, Yammer, Skype, Outlook, Microsoft 365 apps, Copilot); inactivity falls back to sign-ins only and unused Copilot seats are not found",
			Seeds: []SeedRef{{"000", "Reports.Read.All: Microsoft 365 usage reports"}, {"001", "Reports: Reports.Read.All"},
				{"003", "Reports.Read.All"}, {"004", "Application Access"}},
		},
		{
			Feature: SignInActivity, SyncResources: []string{"signIns"},
			Title: "Sign-in activity", Kind: Read,
			Requires: []Requirement{
				{AnyOf: []string{"AuditLog.Read.All"}, For: "signInActivity"},
				{AnyOf: []string{"User.Read.All", "Directory.Read.All"}, For: "the users it belongs to"},
			},
			MinTier:   TierP1,
			Endpoints: []string{"GET /v1.0/users?$select=signInActivity"},
			Lost:      "no last interactive or non-interactive sign-in per user; inactivity falls back to usage reports only",
			Seeds:     []SeedRef{{"000", "AuditLog.Read.All"}, {"002", "AuditLog.Read.All"}, {"003", "AuditLog.Read.All"}},
		},
		{
			Feature: Groups, SyncResources: []string{"groups", "groupOwners"},
			Title: "Groups and memberships", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"}}},
			Endpoints: []string{"GET /v1.0/groups/delta", "GET /v1.0/groups/{id}/members", "GET /v1.0/groups/{id}/owners"},
			Lost:      "no groups, memberships, owners or group-based licence attribution",
			Seeds:     []SeedRef{{"000", "Group.Read.All, GroupMember.Read.All"}, {"002", "Groups"}},
		},
		{
			Feature: Roles, SyncResources: []string{"roleDefinitions", "roleAssignments"},
			Title: "Directory roles", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All"}}},
			Endpoints: []string{"GET /v1.0/roleManagement/directory/roleDefinitions", "GET /v1.0/roleManagement/directory/roleAssignments"},
			Lost:      "no view of who holds which Entra ID role (privileged access reports)",
			Seeds:     []SeedRef{{"000", "RoleManagement.Read.Directory"}, {"002", "Roles"}},
		},
		{
			Feature: PIM, SyncResources: []string{"roleEligibility", "roleAssignmentSchedules"},
			Title: "Privileged Identity Management (eligible and active roles)", Kind: Read,
			Requires: []Requirement{
				{AnyOf: []string{"RoleEligibilitySchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All"}, For: "eligible assignments"},
				{AnyOf: []string{"RoleAssignmentSchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All"}, For: "active (time-bound) assignments"},
			},
			MinTier: TierP2,
			Endpoints: []string{"GET /v1.0/roleManagement/directory/roleEligibilitySchedules",
				"GET /v1.0/roleManagement/directory/roleAssignmentSchedules"},
			Lost:  "no eligible or time-bound role assignments, only permanent ones (set sync.skip_p2_features on tenants without P2)",
			Seeds: []SeedRef{{"002", "RoleEligibilitySchedule.Read.Directory, RoleAssignmentSchedule.Read.Directory; Skip Entra ID P2 License Features"}},
		},
		{
			Feature: Apps, SyncResources: []string{"servicePrincipals", "applications", "appRoleAssignments"},
			Title: "Enterprise apps, managed identities and app role assignments", Kind: Read,
			Requires: []Requirement{{AnyOf: []string{"Application.Read.All", "Directory.Read.All"}}},
			Endpoints: []string{"GET /v1.0/servicePrincipals", "GET /v1.0/applications",
				"GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo"},
			Lost:  "no enterprise applications, managed identities or app assignments",
			Seeds: []SeedRef{{"000", "Application.Read.All"}, {"002", "Enterprise applications; Managed identities"}},
		},
		{
			Feature: OAuth2Grants, SyncResources: []string{"oauth2Grants"},
			Title: "Delegated permission (OAuth2) grants", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"Directory.Read.All", "DelegatedPermissionGrant.ReadWrite.All"}}},
			Endpoints: []string{"GET /v1.0/oauth2PermissionGrants"},
			Lost:      "no record of which apps users consented to, with which scopes (OAuth logins)",
			Seeds:     []SeedRef{{"000", "Directory.Read.All: OAuth token permissions"}, {"001", "Directory: Directory.Read.All"}},
		},
		{
			Feature: ProvisioningJobs, SyncResources: []string{"syncJobs"},
			Title: "SCIM provisioning jobs", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"Synchronization.Read.All"}}},
			Endpoints: []string{"GET /v1.0/servicePrincipals/{id}/synchronization/jobs"},
			Lost:      "no view of whether Entra ID provisions and deprovisions users in each app (SCIM)",
			Seeds:     []SeedRef{{"000", "Synchronization.Read.All"}},
		},
		{
			Feature: Devices, SyncResources: []string{"managedDevices"},
			Title: "Intune managed devices", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"DeviceManagementManagedDevices.Read.All"}}},
			Endpoints: []string{"GET /v1.0/deviceManagement/managedDevices"},
			Lost:      "no managed devices per user (compliance, last sync)",
			Seeds:     []SeedRef{{"000", "DeviceManagementManagedDevices.Read.All"}},
		},
		{
			Feature: MailboxPurpose, SyncResources: []string{"mailboxes"},
			Title: "Mailbox purpose (user, shared, room, equipment)", Kind: Read,
			Requires:   []Requirement{{AnyOf: []string{"MailboxSettings.Read"}}},
			Endpoints:  []string{"GET /v1.0/users/{id}/mailboxSettings/userPurpose"},
			Lost:       "shared, room and equipment mailboxes are counted as people",
			Seeds:      []SeedRef{{"002", "MailboxSettings.Read; option: get mailbox settings to determine user purpose"}, {"000", "Exchange Online mailbox features"}},
			DefaultOff: true,
		},
		{
			Feature: IdentityProviders, SyncResources: []string{"identityProviders"},
			Title: "Identity providers", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"IdentityProvider.Read.All"}}},
			Endpoints: []string{"GET /v1.0/identity/identityProviders"},
			Lost:      "no external identity providers",
			Seeds:     []SeedRef{{"000", "IdentityProvider.Read.All"}},
		},
		{
			Feature: AppCredentials, SyncResources: []string{"applications"},
			Title: "This app's own secret and certificate expiry", Kind: Read,
			Requires:  []Requirement{{AnyOf: []string{"Application.Read.All", "Directory.Read.All"}}},
			Endpoints: []string{"GET /v1.0/applications(appId='{client_id}')"},
			Lost:      "no warning before this connection's client secret or certificate expires",
			Seeds:     []SeedRef{{"003", "When the client secret expires, the connector will not be able to import data"}},
		},
		{
			Feature: Azure, Title: "Azure subscriptions, resource groups, RBAC and storage", Kind: Read,
			ARMRole: "Reader",
			Endpoints: []string{"GET /subscriptions", "GET /subscriptions/{s}/resourcegroups",
				"GET /{scope}/providers/Microsoft.Authorization/roleAssignments",
				"GET /subscriptions/{s}/providers/Microsoft.Storage/storageAccounts",
				"GET /subscriptions/{s}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"},
			Lost:  "no Azure subscriptions, resource groups, role assignments, storage accounts or containers",
			Seeds: []SeedRef{{"002", "Subscriptions; Resource groups; Resource group roles; Storage accounts; Containers (Reader on each subscription)"}},
		},
		{
			Feature: Reclaim, Title: "Licence reclamation", Kind: Action,
			Requires: []Requirement{
				{AnyOf: []string{"LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}},
			},
			Endpoints:  []string{"POST /v1.0/users/{id}/assignLicense"},
			Lost:       "licences cannot be removed from inactive or departed users",
			Seeds:      []SeedRef{{"004", "Reclamation: User.ReadWrite.All"}},
			DefaultOff: true,
		},
		{
			Feature: Deprovision, Title: "Deprovisioning leavers", Kind: Action,
			Requires: []Requirement{
				// The narrow permissions are newer than the vendor guides; the
				// guides' User.ReadWrite.All covers both.
				{AnyOf: []string{"User.EnableDisableAccount.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}, For: "disable the account"},
				{AnyOf: []string{"User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}, For: "revoke sign-in sessions"},
				{AnyOf: []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}, For: "remove group memberships"},
				{AnyOf: []string{"UserAuthenticationMethod.ReadWrite.All"}, For: "remove authentication methods"},
			},
			Endpoints: []string{"PATCH /v1.0/users/{id}", "POST /v1.0/users/{id}/revokeSignInSessions",
				"DELETE /v1.0/groups/{id}/members/{memberId}/$ref", "DELETE /v1.0/users/{id}/authentication/{method}/{id}"},
			Lost:       "leavers cannot be disabled, signed out, or removed from groups and authentication methods",
			Seeds:      []SeedRef{{"000", "Deprovisioning: User.ReadWrite.All, GroupMember.ReadWrite.All, UserAuthenticationMethod.ReadWrite.All"}},
			DefaultOff: true,
		},
		{
			Feature: Provision, Title: "Provisioning access", Kind: Action,
			Requires: []Requirement{
				{AnyOf: []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}, For: "add group memberships"},
				{AnyOf: []string{"RoleManagement.ReadWrite.Directory"}, For: "assign directory roles"},
				{AnyOf: []string{"AppRoleAssignment.ReadWrite.All"}, For: "assign users to enterprise apps"},
			},
			ARMRole: "Owner or User Access Administrator",
			Endpoints: []string{"POST /v1.0/groups/{id}/members/$ref", "POST /v1.0/roleManagement/directory/roleAssignments",
				"POST /v1.0/servicePrincipals/{id}/appRoleAssignedTo", "PUT /{scope}/providers/Microsoft.Authorization/roleAssignments/{id}"},
			Lost: "group memberships, directory roles, app assignments and Azure roles cannot be granted",
			Seeds: []SeedRef{{"000", "Provisioning: RoleManagement.ReadWrite.Directory (additional to Deprovisioning)"},
				{"002", "To sync access data and provision access"}},
			DefaultOff: true,
		},
	}
}

// NotNeededList returns the permissions vendor guides ask for that no
// tenantscope feature needs.
func NotNeededList() []NotNeeded {
	return []NotNeeded{
		{"AppRoleAssignment.ReadWrite.All", []string{"000", "002"}, "only to write app role assignments (feature provision); reading them needs just Application.Read.All"},
		{"User.ReadBasic.All", []string{"002"}, "User.Read.All, which users needs, includes it"},
		{"RoleManagementAlert.Read.Directory", []string{"002"}, "PIM alerts are not read"},
		{"RoleManagementPolicy.Read.Directory", []string{"002"}, "PIM activation policies are not read"},
		{"RoleManagementPolicy.Read.AzureADGroup", []string{"002"}, "PIM for Groups policies are not read"},
		{"PrivilegedAccess.Read.AzureAD", []string{"002"}, "the retired PIM (privilegedAccess) API; PIM is read through roleManagement"},
		{"PrivilegedAccess.Read.AzureADGroup", []string{"002"}, "the retired PIM (privilegedAccess) API; PIM is read through roleManagement"},
		{"PrivilegedAccess.Read.AzureResources", []string{"002"}, "the retired PIM (privilegedAccess) API; Azure roles are read through ARM"},
		{"ServicePrincipalEndpoint.Read.All", []string{"002"}, "service principal endpoints are not read"},
		{"ServicePrincipalEndpoint.ReadWrite.All", []string{"002"}, "service principal endpoints are not written"},
		{"Application.ReadWrite.All", []string{"002"}, "tenantscope never changes app registrations"},
		{"MailboxSettings.ReadWrite", []string{"002"}, "mailbox settings are only read (MailboxSettings.Read)"},
		{"Directory.ReadWrite.All", []string{"002"}, "every write has a narrower permission (see reclaim, deprovision, provision)"},
		{"Group.ReadWrite.All", []string{"002"}, "memberships are written with GroupMember.ReadWrite.All; groups themselves are not changed"},
		{"Exchange.ManageAsApp", []string{"000"}, "an Exchange Online API permission; mailbox purpose comes from Graph (MailboxSettings.Read)"},
		{"offline_access", []string{"001", "003"}, "a delegated permission; client credentials never use refresh tokens"},
		{"User.Read", []string{"001", "003"}, "a delegated permission (the guides say to clear it); app-only tokens never use it"},
	}
}

// Lookup returns the catalogue entry of f.
func Lookup(f Feature) (Entry, bool) {
	for _, e := range Catalogue() {
		if e.Feature == f {
			return e, true
		}
	}
	return Entry{}, false
}

// Features returns the features of the given kind, in catalogue order.
func Features(k Kind) []Feature {
	var fs []Feature
	for _, e := range Catalogue() {
		if e.Kind == k {
			fs = append(fs, e.Feature)
		}
	}
	return fs
}

// DefaultFeatures are the features enabled when the configuration names none:
// every read feature not marked DefaultOff.
func DefaultFeatures() []Feature {
	var fs []Feature
	for _, e := range Catalogue() {
		if e.Kind == Read && !e.DefaultOff {
			fs = append(fs, e.Feature)
		}
	}
	return fs
}

// SyncResources returns the sync engine resources that collect the given
// features' data, in catalogue order without duplicates. Features with no
// resource yet (Azure) contribute none.
func SyncResources(fs []Feature) []string {
	var out []string
	for _, e := range Catalogue() {
		if !slices.Contains(fs, e.Feature) {
			continue
		}
		for _, r := range e.SyncResources {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// IsKind reports whether name is a feature of kind k.
func IsKind(name string, k Kind) bool {
	return slices.Contains(Features(k), Feature(name))
}
