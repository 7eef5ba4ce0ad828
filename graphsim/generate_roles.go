package graphsim

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Entra ID built-in role template ids (the same in every tenant; Microsoft
// Entra built-in roles reference, learn.microsoft.com/entra/identity/role-
// based-access-control/permissions-reference).
const (
	RoleGlobalAdministrator               = "62e90394-69f5-4237-9190-012177145e10"
	RoleUserAdministrator                 = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RoleHelpdeskAdministrator             = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	RoleExchangeAdministrator             = "29232cdf-9323-42fd-ade2-1d097af3e4de"
	RoleSharePointAdministrator           = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"
	RoleTeamsAdministrator                = "69091246-20e8-4a56-aa4d-066075b2a7a8"
	RoleSecurityAdministrator             = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	RoleSecurityReader                    = "5d6b6bb7-de71-4623-b4af-96380a352509"
	RoleGlobalReader                      = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
	RoleBillingAdministrator              = "b0f54661-2d74-4c50-afa3-1ec803f12efe"
	RoleLicenseAdministrator              = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
	RoleApplicationAdministrator          = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	RoleCloudApplicationAdministrator     = "158c047a-c907-4556-b7ef-446551a6b5f7"
	RolePrivilegedRoleAdministrator       = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RolePrivilegedAuthAdministrator       = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
	RoleAuthenticationAdministrator       = "c4e39bd9-1100-46d3-8c65-fb160da0071f"
	RoleIntuneAdministrator               = "3a2c62db-5318-420d-8d74-23affee5d9d5"
	RoleConditionalAccessAdministrator    = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"
	RoleReportsReader                     = "4a5d8f65-41da-4de4-8968-e035b65339cf"
	RoleGroupsAdministrator               = "fdd7a751-b60b-444a-984c-02652fe8fa1c"
	RoleDirectoryReaders                  = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
	RoleComplianceAdministrator           = "17315797-102d-40b4-93e0-432062caca18"
	RolePasswordAdministrator             = "966707d0-3269-4727-9be2-8c3a10f19b9d"
	RoleServiceSupportAdministrator       = "f023fd81-a637-4b56-95fd-791ac0226033"
	RoleGuestInviter                      = "95e79109-95c0-4d8e-aee3-d01accf2d47b"
	RoleHybridIdentityAdministrator       = "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2"
	RoleIdentityGovernanceAdministrator   = "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e"
	RoleAuthenticationPolicyAdministrator = "0526716b-113d-4c15-b2c8-68e3c22b9f80"
)

// builtInRoles are the directory roles generated tenants define: Microsoft's
// display names, descriptions and a representative subset of each role's
// allowed resource actions.
func builtInRoles() []*RoleDefinition {
	def := func(id, name, desc string, actions ...string) *RoleDefinition {
		return &RoleDefinition{ID: id, TemplateID: id, DisplayName: name, Description: desc, IsBuiltIn: true, IsEnabled: true, AllowedResourceActions: actions}
	}
	return []*RoleDefinition{
		def(RoleGlobalAdministrator, "Global Administrator", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
			"microsoft.directory/users/allProperties/allTasks", "microsoft.directory/groups/allProperties/allTasks", "microsoft.directory/roleAssignments/allProperties/allTasks"),
		def(RoleUserAdministrator, "User Administrator", "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
			"microsoft.directory/users/create", "microsoft.directory/users/delete", "microsoft.directory/users/assignLicense", "microsoft.directory/groups/members/update"),
		def(RoleHelpdeskAdministrator, "Helpdesk Administrator", "Can reset passwords for non-administrators and Helpdesk Administrators.",
			"microsoft.directory/users/password/update", "microsoft.directory/users/invalidateAllRefreshTokens"),
		def(RoleExchangeAdministrator, "Exchange Administrator", "Can manage all aspects of the Exchange product.",
			"microsoft.office365.exchange/allEntities/basic/allTasks"),
		def(RoleSharePointAdministrator, "SharePoint Administrator", "Can manage all aspects of the SharePoint service.",
			"microsoft.office365.sharePoint/allEntities/allTasks"),
		def(RoleTeamsAdministrator, "Teams Administrator", "Can manage the Microsoft Teams service.",
			"microsoft.teams/allEntities/allProperties/allTasks"),
		def(RoleSecurityAdministrator, "Security Administrator", "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
			"microsoft.directory/policies/create", "microsoft.office365.securityComplianceCenter/allEntities/allTasks"),
		def(RoleSecurityReader, "Security Reader", "Can read security information and reports in Microsoft Entra ID and Office 365.",
			"microsoft.directory/auditLogs/allProperties/read", "microsoft.directory/signInReports/allProperties/read"),
		def(RoleGlobalReader, "Global Reader", "Can read everything that a Global Administrator can, but not update anything.",
			"microsoft.directory/users/allProperties/read", "microsoft.directory/groups/allProperties/read"),
		def(RoleBillingAdministrator, "Billing Administrator", "Can perform common billing related tasks like updating payment information.",
			"microsoft.directory/organization/basic/update", "microsoft.commerce.billing/allEntities/allProperties/allTasks"),
		def(RoleLicenseAdministrator, "License Administrator", "Can manage product licenses on users and groups.",
			"microsoft.directory/users/assignLicense", "microsoft.directory/groups/assignLicense", "microsoft.directory/users/usageLocation/update"),
		def(RoleApplicationAdministrator, "Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps.",
			"microsoft.directory/applications/create", "microsoft.directory/servicePrincipals/appRoleAssignedTo/update"),
		def(RoleCloudApplicationAdministrator, "Cloud Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.",
			"microsoft.directory/applications/create", "microsoft.directory/servicePrincipals/credentials/update"),
		def(RolePrivilegedRoleAdministrator, "Privileged Role Administrator", "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.",
			"microsoft.directory/roleAssignments/allProperties/allTasks", "microsoft.directory/privilegedIdentityManagement/allProperties/allTasks"),
		def(RolePrivilegedAuthAdministrator, "Privileged Authentication Administrator", "Can access to view, set and reset authentication method information for any user (admin or non-admin).",
			"microsoft.directory/users/authenticationMethods/create", "microsoft.directory/users/authenticationMethods/delete"),
		def(RoleAuthenticationAdministrator, "Authentication Administrator", "Can access to view, set and reset authentication method information for any non-admin user.",
			"microsoft.directory/users/authenticationMethods/basic/update"),
		def(RoleIntuneAdministrator, "Intune Administrator", "Can manage all aspects of the Intune product.",
			"microsoft.intune/allEntities/allTasks", "microsoft.directory/devices/basic/update"),
		def(RoleConditionalAccessAdministrator, "Conditional Access Administrator", "Can manage Conditional Access capabilities.",
			"microsoft.directory/conditionalAccessPolicies/create"),
		def(RoleReportsReader, "Reports Reader", "Can read sign-in and audit reports.",
			"microsoft.directory/auditLogs/allProperties/read", "microsoft.office365.usageReports/allEntities/allProperties/read"),
		def(RoleGroupsAdministrator, "Groups Administrator", "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.",
			"microsoft.directory/groups/create", "microsoft.directory/groups/members/update"),
		def(RoleDirectoryReaders, "Directory Readers", "Can read basic directory information. Commonly used to grant directory read access to applications and guests.",
			"microsoft.directory/users/standard/read", "microsoft.directory/groups/standard/read"),
		def(RoleComplianceAdministrator, "Compliance Administrator", "Can read and manage compliance configuration and reports in Microsoft Entra ID and Microsoft 365.",
			"microsoft.office365.complianceManager/allEntities/allTasks"),
		def(RolePasswordAdministrator, "Password Administrator", "Can reset passwords for non-administrators and Password Administrators.",
			"microsoft.directory/users/password/update"),
		def(RoleServiceSupportAdministrator, "Service Support Administrator", "Can read service health information and manage support tickets.",
			"microsoft.office365.serviceHealth/allEntities/allTasks", "microsoft.office365.supportTickets/allEntities/allTasks"),
		def(RoleGuestInviter, "Guest Inviter", "Can invite guest users independent of the 'members can invite guests' setting.",
			"microsoft.directory/users/inviteGuest"),
		def(RoleHybridIdentityAdministrator, "Hybrid Identity Administrator", "Can manage Active Directory to Microsoft Entra cloud provisioning, Microsoft Entra Connect, pass-through authentication (PTA), password hash synchronization (PHS), seamless single sign-on (seamless SSO), and federation settings.",
			"microsoft.directory/onPremisesSynchronization/standard/read"),
		def(RoleIdentityGovernanceAdministrator, "Identity Governance Administrator", "Manage access using Microsoft Entra ID for identity governance scenarios.",
			"microsoft.directory/accessReviews/definitions/allProperties/allTasks"),
		def(RoleAuthenticationPolicyAdministrator, "Authentication Policy Administrator", "Can create and manage the authentication methods policy, tenant-wide MFA settings, password protection policy, and verifiable credentials.",
			"microsoft.directory/authenticationMethodsPolicies/create"),
	}
}

// directoryRoles defines the built-in roles and assigns some: a few Global
// Administrators, service admins, a role-assignable group, an app; many
// roles stay unused. On p2 tenants PIM eligibilities and assignment
// schedules exist too.
func (g *gen) directoryRoles() error {
	r := g.rng("directory roles")
	t := g.t
	t.RoleDefinitions = builtInRoles()
	if len(g.people) == 0 {
		return nil
	}
	person := func() string { return t.Users[g.people[r.IntN(len(g.people))]].ID }
	assign := func(role, principal string) *RoleAssignment {
		for _, ra := range t.RoleAssignments {
			if ra.RoleDefinitionID == role && ra.PrincipalID == principal {
				return nil
			}
		}
		ra := &RoleAssignment{ID: roleAssignmentID(r), PrincipalID: principal, RoleDefinitionID: role, DirectoryScopeID: "/"}
		t.RoleAssignments = append(t.RoleAssignments, ra)
		return ra
	}
	scale := 1 + len(g.people)/2000
	// The founder is always a Global Administrator.
	assign(RoleGlobalAdministrator, t.Users[g.people[0]].ID)
	for k := between(r, 1, 3); k > 0; k-- {
		assign(RoleGlobalAdministrator, person())
	}
	counts := []struct {
		role string
		n    int
	}{
		{RoleUserAdministrator, 2 * scale}, {RoleHelpdeskAdministrator, 3 * scale}, {RoleExchangeAdministrator, 1 + scale/2},
		{RoleSharePointAdministrator, 1}, {RoleTeamsAdministrator, 1}, {RoleSecurityAdministrator, 1 + scale/3},
		{RoleGlobalReader, 2}, {RoleLicenseAdministrator, 1}, {RoleApplicationAdministrator, 1},
		{RoleReportsReader, 1}, {RoleIntuneAdministrator, 1}, {RoleBillingAdministrator, 1},
	}
	for _, c := range counts {
		for k := 0; k < c.n; k++ {
			assign(c.role, person())
		}
	}
	// A disabled account still holding a privileged role (a finding).
	for _, ui := range g.people {
		if !t.Users[ui].AccountEnabled {
			assign(RoleUserAdministrator, t.Users[ui].ID)
			break
		}
	}
	for _, grp := range t.Groups {
		if grp.IsAssignableToRole {
			assign(RoleHelpdeskAdministrator, grp.ID)
		}
	}
	for _, sp := range t.ServicePrincipals {
		if sp.AppOwnerOrganizationID == t.ID && sp.ID != t.Connector.ServicePrincipalID {
			assign(RoleUserAdministrator, sp.ID) // an automation app with a directory role
			break
		}
	}

	if t.Tier != TierP2 {
		return nil
	}
	// PIM: eligibilities (some expiring, some permanent) and the schedules
	// behind the active assignments.
	for _, ra := range t.RoleAssignments {
		created := randomTimeBetween(r, t.Created, t.Now.AddDate(0, 0, -1))
		t.RoleAssignmentScheds = append(t.RoleAssignmentScheds, &RoleAssignmentSchedule{
			ID: ra.ID, PrincipalID: ra.PrincipalID, RoleDefinitionID: ra.RoleDefinitionID, DirectoryScopeID: "/",
			MemberType: "Direct", AssignmentType: "Assigned", Status: "Provisioned", CreatedDateTime: created, StartDateTime: created,
		})
	}
	eligibleRoles := []string{RoleGlobalAdministrator, RolePrivilegedRoleAdministrator, RoleSecurityAdministrator, RoleUserAdministrator, RoleExchangeAdministrator, RoleIntuneAdministrator}
	for k, n := 0, 4+2*scale; k < n; k++ {
		created := randomTimeBetween(r, t.Now.AddDate(-2, 0, 0), t.Now.AddDate(0, 0, -1))
		id := newGUID(r)
		e := &RoleEligibilitySchedule{ID: id, PrincipalID: person(), RoleDefinitionID: pick(r, eligibleRoles), DirectoryScopeID: "/",
			MemberType: "Direct", Status: "Provisioned", CreatedUsing: id, CreatedDateTime: created, StartDateTime: created}
		if slices.ContainsFunc(t.RoleEligibilities, func(x *RoleEligibilitySchedule) bool {
			return x.PrincipalID == e.PrincipalID && x.RoleDefinitionID == e.RoleDefinitionID
		}) {
			continue // one eligibility per principal and role
		}
		if chance(r, 0.6) {
			e.EndDateTime = created.AddDate(1, 0, 0).Truncate(24 * time.Hour)
		}
		t.RoleEligibilities = append(t.RoleEligibilities, e)
		// Some eligible admins activated their role right now.
		if k < 2 && !slices.ContainsFunc(t.RoleAssignments, func(x *RoleAssignment) bool {
			return x.PrincipalID == e.PrincipalID && x.RoleDefinitionID == e.RoleDefinitionID
		}) {
			start := t.Now.Add(-time.Duration(between(r, 10, 120)) * time.Minute)
			ra := &RoleAssignment{ID: roleAssignmentID(r), PrincipalID: e.PrincipalID, RoleDefinitionID: e.RoleDefinitionID, DirectoryScopeID: "/"}
			t.RoleAssignments = append(t.RoleAssignments, ra)
			t.RoleAssignmentScheds = append(t.RoleAssignmentScheds, &RoleAssignmentSchedule{
				ID: ra.ID, PrincipalID: ra.PrincipalID, RoleDefinitionID: ra.RoleDefinitionID, DirectoryScopeID: "/",
				MemberType: "Direct", AssignmentType: "Activated", Status: "Provisioned", CreatedDateTime: start, StartDateTime: start, EndDateTime: start.Add(8 * time.Hour),
			})
		}
	}
	return nil
}

// roleAssignmentID draws an id in the URL-safe base64 form Graph gives
// unified role assignments.
func roleAssignmentID(r *rand.Rand) string { return base64ID(r, 43) }
