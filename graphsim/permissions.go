package graphsim

import (
	"slices"
	"strings"
)

// MicrosoftGraphAppID is the well-known application (client) id of Microsoft
// Graph, the same in every tenant.
const MicrosoftGraphAppID = "00000003-0000-0000-c000-000000000000"

// Office 365 Exchange Online's application id and its Exchange.ManageAsApp
// app role, which seed 000 asks admins to grant for mailbox features
// (Exchange Online app-only authentication, learn.microsoft.com/powershell/
// exchange/app-only-auth-powershell-v2).
const (
	ExchangeOnlineAppID          = "00000002-0000-0ff1-ce00-000000000000"
	ExchangeManageAsAppAppRoleID = "dc50a0fb-09a3-484d-be87-e023b12c6440"
)

// GraphAppRole is one Microsoft Graph application permission: the app role
// whose id lands in an app role assignment and whose value lands in an
// app-only token's roles claim.
type GraphAppRole struct {
	ID          string
	Value       string
	DisplayName string
}

// graphAppRoles are Microsoft Graph's application permissions that the
// connector, the seeds (../shared/seeds) and issue 2 item 6 name, plus a few
// that third-party apps in generated tenants hold. Ids and display texts are
// Microsoft's, from the Microsoft Graph permissions reference
// (learn.microsoft.com/graph/permissions-reference), each checked against
// graphpermissions.merill.net or iam-specialist.com's transcriptions of
// Microsoft Graph's appRoles (2026-11); each id is the same in every tenant.
var graphAppRoles = [...]GraphAppRole{
	{"9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Application.Read.All", "Read all applications"},
	{"1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", "Read and write all applications"},
	{"06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All", "Manage app permission grants and app role assignments"},
	{"b0afded3-3588-46d8-8b3d-9842eff778da", "AuditLog.Read.All", "Read all audit log data"},
	{"798ee544-9d2d-430c-a058-570e29e34338", "Calendars.Read", "Read calendars in all mailboxes"},
	{"8e8e4742-1d95-4f68-9d56-6ee75648c72a", "DelegatedPermissionGrant.ReadWrite.All", "Manage all delegated permission grants"},
	{"7438b122-aefc-4978-80ed-43db9fcc7715", "Device.Read.All", "Read all devices"},
	{"2f51be20-0bb4-4fed-bf7b-db946066c75e", "DeviceManagementManagedDevices.Read.All", "Read Microsoft Intune devices"},
	{"7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All", "Read directory data"},
	{"19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Directory.ReadWrite.All", "Read and write directory data"},
	{"dbb9058a-0e50-45d7-ae91-66909b5d4664", "Domain.Read.All", "Read domains"},
	{"01d4889c-1287-42c6-ac1f-5d1e02578ef6", "Files.Read.All", "Read files in all site collections"},
	{"5b567255-7703-4780-807c-7be8301ae99b", "Group.Read.All", "Read all groups"},
	{"62a82d76-70ea-41e2-9197-370581804d09", "Group.ReadWrite.All", "Read and write all groups"},
	{"98830695-27a2-44f7-8c18-0c3ebc9698f6", "GroupMember.Read.All", "Read all group memberships"},
	{"dbaae8cf-10b5-4b86-a4a1-f871c94c6695", "GroupMember.ReadWrite.All", "Read and write all group memberships"},
	{"e321f0bb-e7f7-481e-bb28-e3b0b32d4bd0", "IdentityProvider.Read.All", "Read identity providers"},
	{"e2f98668-2877-4f38-a2f4-8202e0717aa1", "LicenseAssignment.Read.All", "Read all license assignments"},
	{"5facf0c1-8979-4e95-abcf-ff3d079771c0", "LicenseAssignment.ReadWrite.All", "Manage all license assignments"},
	{"810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Mail.Read", "Read mail in all mailboxes"},
	{"40f97065-369a-49f4-947c-6a255697ae91", "MailboxSettings.Read", "Read all user mailbox settings"},
	{"6931bccd-447a-43d1-b442-00a195474933", "MailboxSettings.ReadWrite", "Read and write all user mailbox settings"},
	{"498476ce-e0fe-48b0-b801-37ba7e2685c6", "Organization.Read.All", "Read organization information"},
	{"246dd0d5-5bd0-4def-940b-0421030a5b68", "Policy.Read.All", "Read your organization's policies"},
	{"4cdc2547-9148-4295-8d11-be0db1391d6b", "PrivilegedAccess.Read.AzureAD", "Read privileged access to Azure AD roles"},
	{"01e37dc9-c035-40bd-b438-b2879c4870a6", "PrivilegedAccess.Read.AzureADGroup", "Read privileged access to Azure AD groups"},
	{"5df6fe86-1be0-44eb-b916-7bd443a71236", "PrivilegedAccess.Read.AzureResources", "Read privileged access to Azure resources"},
	{"230c1aed-a721-4c5d-9cb4-a90514e508ef", "Reports.Read.All", "Read all usage reports"},
	{"ee353f83-55ef-4b78-82da-555bfa2b4b95", "ReportSettings.Read.All", "Read all admin report settings"},
	{"2a60023f-3219-47ad-baa4-40e17cd02a1d", "ReportSettings.ReadWrite.All", "Read and write all admin report settings"},
	{"d5fe8ce8-684c-4c83-a52c-46e882ce4be1", "RoleAssignmentSchedule.Read.Directory", "Read all active role assignments for your company's directory"},
	{"ff278e11-4a33-4d0c-83d2-d01dc58929a5", "RoleEligibilitySchedule.Read.Directory", "Read all eligible role assignments for your company's directory"},
	{"c7fbd983-d9aa-4fa7-84b8-17382c103bc4", "RoleManagement.Read.All", "Read role management data for all RBAC providers"},
	{"483bed4a-2ad3-4361-a73b-c83ccdbdc53c", "RoleManagement.Read.Directory", "Read all directory RBAC settings"},
	{"9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "RoleManagement.ReadWrite.Directory", "Read and write all directory RBAC settings"},
	{"ef31918f-2d50-4755-8943-b8638c0a077e", "RoleManagementAlert.Read.Directory", "Read all alert data for your company's directory"},
	{"69e67828-780e-47fd-b28c-7b27d14864e6", "RoleManagementPolicy.Read.AzureADGroup", "Read all PIM group policies"},
	{"fdc4c997-9942-4479-bfcb-75a36d1138df", "RoleManagementPolicy.Read.Directory", "Read all policies for privileged role assignments of your company's directory"},
	{"5256681e-b7f6-40c0-8447-2d9db68797a0", "ServicePrincipalEndpoint.Read.All", "Read service principal endpoints"},
	{"89c8469c-83ad-45f7-8ff2-6e3d4285709e", "ServicePrincipalEndpoint.ReadWrite.All", "Read and update service principal endpoints"},
	{"332a536c-c7ef-4017-ab91-336970924f0d", "Sites.Read.All", "Read items in all site collections"},
	{"5ba43d2f-fa88-4db2-bd1c-a67c5f0fb1ce", "Synchronization.Read.All", "Read all Azure AD synchronization data"},
	{"df021288-bdef-4463-88db-98f22de89214", "User.Read.All", "Read all users' full profiles"},
	{"97235f07-e226-4f63-ace3-39588e11d3a1", "User.ReadBasic.All", "Read all users' basic profiles"},
	{"741f803b-c850-494e-b5df-cde7c675a1ca", "User.ReadWrite.All", "Read and write all users' full profiles"},
	{"3011c876-62b7-4ada-afa2-506cbbecc68c", "User.EnableDisableAccount.All", "Enable and disable user accounts"},
	{"77f3a031-c388-4f99-b373-dc68676a979e", "User.RevokeSessions.All", "Revoke all sign in sessions for a user"},
	{"38d9df27-64da-44fd-b7c5-a6fbac20248f", "UserAuthenticationMethod.Read.All", "Read all users' authentication methods"},
	{"50483e42-d915-4231-9639-7fdb7fd190e5", "UserAuthenticationMethod.ReadWrite.All", "Read and write all users' authentication methods"},
}

// GraphAppRoles returns the Microsoft Graph application permissions the
// simulator knows, sorted by value.
func GraphAppRoles() []GraphAppRole {
	out := slices.Clone(graphAppRoles[:])
	slices.SortFunc(out, func(a, b GraphAppRole) int { return strings.Compare(a.Value, b.Value) })
	return out
}

// GraphAppRoleByValue finds a permission by its value, e.g. User.Read.All
// (case-insensitive, as Entra ID matches them).
func GraphAppRoleByValue(value string) (GraphAppRole, bool) {
	for _, r := range graphAppRoles {
		if strings.EqualFold(r.Value, value) {
			return r, true
		}
	}
	return GraphAppRole{}, false
}

// GraphAppRoleByID finds a permission by its app role id.
func GraphAppRoleByID(id string) (GraphAppRole, bool) {
	for _, r := range graphAppRoles {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return GraphAppRole{}, false
}

// graphServicePrincipalAppRoles are the app roles Microsoft Graph's service
// principal carries in every tenant.
func graphServicePrincipalAppRoles() []AppRole {
	out := make([]AppRole, len(graphAppRoles))
	for i, r := range graphAppRoles {
		out[i] = AppRole{
			ID:                 r.ID,
			Value:              r.Value,
			DisplayName:        r.DisplayName,
			Description:        "Allows the app to " + strings.ToLower(r.DisplayName[:1]) + r.DisplayName[1:] + " without a signed-in user.",
			AllowedMemberTypes: []string{"Application"},
			IsEnabled:          true,
		}
	}
	return out
}

// exchangeServicePrincipalAppRoles are the app roles of Office 365 Exchange
// Online's service principal that the connector's seeds name.
func exchangeServicePrincipalAppRoles() []AppRole {
	return []AppRole{{
		ID: ExchangeManageAsAppAppRoleID, Value: "Exchange.ManageAsApp", DisplayName: "Manage Exchange As Application",
		Description:        "Allows the app to manage the organization's Exchange environment without any user interaction. This includes mailboxes, groups, and other configuration objects. To enable management actions, an admin must assign the appropriate roles directly to the app.",
		AllowedMemberTypes: []string{"Application"}, IsEnabled: true,
	}}
}
