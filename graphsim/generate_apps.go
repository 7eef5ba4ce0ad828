package graphsim

import (
	"encoding/base64"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// microsoftServicesTenantID is the tenant that owns Microsoft's first-party
// apps: their service principals' appOwnerOrganizationId.
const microsoftServicesTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

// defaultAccessRoleID is the all-zero app role id of "default access"
// assignments.
const defaultAccessRoleID = "00000000-0000-0000-0000-000000000000"

// firstPartyApp is a Microsoft application present in every tenant, by its
// well-known application id.
type firstPartyApp struct{ appID, name string }

// firstPartyApps are Microsoft service principals every Microsoft 365
// tenant has; their application ids are the same everywhere.
var firstPartyApps = [...]firstPartyApp{
	{MicrosoftGraphAppID, "Microsoft Graph"},
	{ExchangeOnlineAppID, "Office 365 Exchange Online"},
	{"00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"},
	{"00000004-0000-0ff1-ce00-000000000000", "Skype for Business Online"},
	{"00000005-0000-0ff1-ce00-000000000000", "Yammer"},
	{"00000002-0000-0000-c000-000000000000", "Windows Azure Active Directory"},
	{"797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"},
	{"0000000a-0000-0000-c000-000000000000", "Microsoft Intune"},
	{"00000009-0000-0000-c000-000000000000", "Power BI Service"},
	{"c5393580-f805-4401-95e8-94b7a6ef2fc2", "Office 365 Management APIs"},
	{"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"},
	{"c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"},
	{"04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI"},
	{"14d82eec-204b-4c2f-b7e8-296a70dab67e", "Microsoft Graph Command Line Tools"},
	{"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"},
}

// minServicePrincipals: the first-party apps and the connector.
const minServicePrincipals = len(firstPartyApps) + 1

// galleryApp is a third-party SaaS app from the Entra app gallery; scim
// is the provisioning template id when the gallery app supports SCIM
// provisioning (pattern of Microsoft's BoxOutDelta template).
type galleryApp struct{ name, publisher, scim string }

var galleryApps = [...]galleryApp{
	{"Salesforce", "Salesforce", "SalesforceOutDelta"},
	{"ServiceNow", "ServiceNow", "ServiceNowOutDelta"},
	{"Slack", "Slack Technologies", "SlackOutDelta"},
	{"Zoom", "Zoom Video Communications", "ZoomOutDelta"},
	{"Workday", "Workday", ""},
	{"Atlassian Cloud", "Atlassian", "AtlassianOutDelta"},
	{"DocuSign", "DocuSign", ""},
	{"Adobe Identity Management", "Adobe", "AdobeIdentityManagementOutDelta"},
	{"Box", "Box", "BoxOutDelta"},
	{"Dropbox Business", "Dropbox", "DropboxOutDelta"},
	{"GitHub Enterprise Managed User", "GitHub", "GitHubEMUOutDelta"},
	{"AWS IAM Identity Center", "Amazon Web Services", "AWSSingleSignOnOutDelta"},
	{"Google Cloud / G Suite Connector by Microsoft", "Google", "GoogleAppsOutDelta"},
	{"Miro", "Miro", "MiroOutDelta"},
	{"Asana", "Asana", ""},
	{"Zscaler Internet Access", "Zscaler", "ZscalerOutDelta"},
	{"Tableau Cloud", "Salesforce", ""},
	{"LinkedIn Learning", "LinkedIn", ""},
	{"SAP Concur", "SAP", ""},
	{"Cisco Webex", "Cisco", "WebexOutDelta"},
}

var lobAppNames = [...]string{
	"HR Portal", "Expense Reports", "Intranet", "Payroll Sync", "Backup Service", "CI/CD Deployer", "Sales Dashboard",
	"Timesheets", "Inventory API", "Customer Portal", "Mail Archiver", "Onboarding Bot", "Reporting Service",
	"Licence Tracker", "Room Booking", "Visitor Kiosk", "Data Export", "Helpdesk Integration",
}

// applications creates the service principals (exactly
// Profile.ServicePrincipals): Microsoft's first-party apps, the connector,
// managed identities, gallery apps and the tenant's own line-of-business
// apps with their app registrations; then app role assignments, OAuth2
// permission grants and SCIM provisioning jobs.
func (g *gen) applications() error {
	r := g.rng("applications")
	t := g.t
	created := func() time.Time { return randomTimeBetween(r, t.Created, t.Now.Add(-48*time.Hour)) }

	for _, fp := range firstPartyApps {
		sp := &ServicePrincipal{ID: newGUID(r), AppID: fp.appID, DisplayName: fp.name, ServicePrincipalType: "Application",
			AccountEnabled: true, AppOwnerOrganizationID: microsoftServicesTenantID, PublisherName: "Microsoft Services",
			ServicePrincipalNames: []string{fp.appID}, Tags: []string{}}
		if fp.appID == ExchangeOnlineAppID {
			sp.AppRoles = exchangeServicePrincipalAppRoles()
		}
		if fp.appID == MicrosoftGraphAppID {
			sp.AppRoles = graphServicePrincipalAppRoles()
			sp.ServicePrincipalNames = []string{"https://graph.microsoft.com", MicrosoftGraphAppID, "https://graph.microsoft.com/", "https://canary.graph.microsoft.com", "https://ags.windows.net"}
			g.graphSP = sp
		}
		t.ServicePrincipals = append(t.ServicePrincipals, sp)
	}

	// The connector.
	secret := g.p.ClientSecret
	if secret == "" {
		secret = clientSecret(r)
	}
	app := &Application{ID: newGUID(r), AppID: newGUID(r), DisplayName: "tenantscope", SignInAudience: "AzureADMyOrg",
		CreatedDateTime: t.Now.AddDate(0, 0, -40)}
	start := t.Now.AddDate(0, 0, -30)
	end := t.Now.Add(g.p.SecretExpiry)
	if !end.After(start) {
		start = end.AddDate(-1, 0, 0) // an already expired secret had its year
	}
	app.PasswordCredentials = []PasswordCredential{{KeyID: newGUID(r), DisplayName: "tenantscope connector", Hint: secret[:3],
		StartDateTime: start, EndDateTime: end, SecretText: secret}}
	t.Applications = append(t.Applications, app)
	csp := &ServicePrincipal{ID: newGUID(r), AppID: app.AppID, DisplayName: app.DisplayName, ServicePrincipalType: "Application",
		AccountEnabled: true, AppOwnerOrganizationID: t.ID, ServicePrincipalNames: []string{app.AppID},
		Tags: []string{"WindowsAzureActiveDirectoryIntegratedApp"}}
	t.ServicePrincipals = append(t.ServicePrincipals, csp)
	t.Connector = Connector{ApplicationID: app.ID, AppID: app.AppID, ServicePrincipalID: csp.ID}
	granted := g.p.Granted
	if granted == nil {
		for _, ar := range GraphAppRoles() {
			granted = append(granted, ar.Value)
		}
	}
	t.Connector.Granted = canonicalPermissions(granted)
	for _, perm := range t.Connector.Granted {
		g.grantGraph(r, csp, perm, app.CreatedDateTime)
	}

	// Managed identities, matching the Azure user-assigned identities.
	for _, mi := range g.managedIDs {
		resource := resourceGroupScope(mi.SubscriptionID, mi.ResourceGroup) + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + mi.Name
		sp := &ServicePrincipal{ID: mi.PrincipalID, AppID: mi.ClientID, DisplayName: mi.Name, ServicePrincipalType: "ManagedIdentity",
			AccountEnabled: true, AppOwnerOrganizationID: "", ServicePrincipalNames: []string{mi.ClientID, "https://identity.azure.net/" + newGUID(r)},
			AlternativeNames: []string{"isExplicit=True", resource}, Tags: []string{}}
		t.ServicePrincipals = append(t.ServicePrincipals, sp)
		if chance(r, 0.3) {
			g.grantGraph(r, sp, "User.Read.All", created())
		}
	}

	rest := g.p.ServicePrincipals - len(t.ServicePrincipals)
	nGallery := rest * 40 / 100
	vendorTenant := map[string]string{}
	var gallery []*ServicePrincipal
	for k := 0; k < nGallery; k++ {
		ga := galleryApps[k%len(galleryApps)]
		name := ga.name
		if k >= len(galleryApps) {
			name += " - " + []string{"Sandbox", "EU", "Test", "Partner", "Legacy"}[(k/len(galleryApps)-1)%5]
			if k >= 6*len(galleryApps) {
				name += " " + strconv.Itoa(k/len(galleryApps))
			}
		}
		owner, ok := vendorTenant[ga.publisher]
		if !ok {
			owner = newGUID(r)
			vendorTenant[ga.publisher] = owner
		}
		userRole := AppRole{ID: newGUID(r), Value: "", DisplayName: "User", Description: "User", AllowedMemberTypes: []string{"User"}, IsEnabled: true}
		msiam := AppRole{ID: newGUID(r), Value: "", DisplayName: "msiam_access", Description: "msiam_access", AllowedMemberTypes: []string{"User"}, IsEnabled: true}
		appID := newGUID(r)
		sp := &ServicePrincipal{ID: newGUID(r), AppID: appID, DisplayName: name, ServicePrincipalType: "Application",
			AccountEnabled: !chance(r, 0.05), AppOwnerOrganizationID: owner, AppRoleAssignmentRequired: chance(r, 0.7),
			PublisherName: ga.publisher, AppRoles: []AppRole{userRole, msiam}, ServicePrincipalNames: []string{appID},
			Tags: []string{"WindowsAzureActiveDirectoryIntegratedApp", "WindowsAzureActiveDirectoryGalleryApplicationNonPrimaryV1"}}
		t.ServicePrincipals = append(t.ServicePrincipals, sp)
		gallery = append(gallery, sp)
		when := created()
		// Users and groups assigned to the app, each once (Entra refuses a
		// second identical assignment).
		assigned := map[string]bool{}
		for a, n := 0, between(r, 1, 20); a < n && len(g.people) > 0; a++ {
			u := t.Users[g.people[r.IntN(len(g.people))]]
			if !assigned[u.ID] {
				assigned[u.ID] = true
				g.assignApp(r, sp, u.ID, u.DisplayName, "User", pick(r, []string{userRole.ID, msiam.ID, defaultAccessRoleID}), when)
			}
		}
		for a, n := 0, r.IntN(3); a < n && len(t.Groups) > 0; a++ {
			grp := t.Groups[r.IntN(len(t.Groups))]
			if !assigned[grp.ID] {
				assigned[grp.ID] = true
				g.assignApp(r, sp, grp.ID, grp.DisplayName, "Group", userRole.ID, when)
			}
		}
		if chance(r, 0.6) && g.graphSP != nil {
			t.OAuth2PermissionGrant = append(t.OAuth2PermissionGrant, &OAuth2PermissionGrant{ID: grantID(r), ClientID: sp.ID,
				ConsentType: "AllPrincipals", ResourceID: g.graphSP.ID, Scope: "openid profile email offline_access User.Read"})
		}
		if ga.scim != "" && chance(r, 0.7) {
			g.syncJob(r, sp, ga.scim)
		}
	}

	// Line-of-business apps with their registrations.
	for k := 0; len(t.ServicePrincipals) < g.p.ServicePrincipals; k++ {
		name := t.DisplayName + " " + lobAppNames[k%len(lobAppNames)]
		if k >= len(lobAppNames) {
			name += " " + strconv.Itoa(k/len(lobAppNames)+1)
		}
		when := created()
		a := &Application{ID: newGUID(r), AppID: newGUID(r), DisplayName: name, CreatedDateTime: when, SignInAudience: "AzureADMyOrg"}
		g.credentials(r, a, when)
		t.Applications = append(t.Applications, a)
		sp := &ServicePrincipal{ID: newGUID(r), AppID: a.AppID, DisplayName: name, ServicePrincipalType: "Application",
			AccountEnabled: !chance(r, 0.05), AppOwnerOrganizationID: t.ID, ServicePrincipalNames: []string{a.AppID},
			Tags: []string{"WindowsAzureActiveDirectoryIntegratedApp"}}
		t.ServicePrincipals = append(t.ServicePrincipals, sp)
		if chance(r, 0.35) {
			for _, perm := range pickPerms(r) {
				g.grantGraph(r, sp, perm, when)
			}
		}
	}

	// Delegated consents by individual users.
	if len(gallery) > 0 && g.graphSP != nil {
		// One grant per client, user and resource, as Entra keeps them.
		consented := map[[2]string]bool{}
		for k, n := 0, min(len(g.people), 5+len(g.people)/200); k < n; k++ {
			u := t.Users[g.people[r.IntN(len(g.people))]]
			client := pick(r, gallery).ID
			if consented[[2]string{client, u.ID}] {
				continue
			}
			consented[[2]string{client, u.ID}] = true
			t.OAuth2PermissionGrant = append(t.OAuth2PermissionGrant, &OAuth2PermissionGrant{ID: grantID(r), ClientID: client,
				ConsentType: "Principal", PrincipalID: u.ID, ResourceID: g.graphSP.ID, Scope: pick(r, []string{"User.Read", "User.Read Mail.Read Calendars.Read", "User.Read Files.Read.All offline_access"})})
		}
	}
	return nil
}

// grantGraph gives a service principal a Microsoft Graph application
// permission (admin consent), as an app role assignment to Graph's service
// principal.
func (g *gen) grantGraph(r *rand.Rand, sp *ServicePrincipal, perm string, when time.Time) {
	role, ok := GraphAppRoleByValue(perm)
	if !ok || g.graphSP == nil {
		return
	}
	g.t.AppRoleAssignments = append(g.t.AppRoleAssignments, &AppRoleAssignment{
		ID: appRoleAssignmentID(r), AppRoleID: role.ID, CreatedDateTime: when, PrincipalDisplayName: sp.DisplayName,
		PrincipalID: sp.ID, PrincipalType: "ServicePrincipal", ResourceDisplayName: g.graphSP.DisplayName, ResourceID: g.graphSP.ID,
	})
	g.t.appRoleAssignmentsChangedLocked()
}

func (g *gen) assignApp(r *rand.Rand, sp *ServicePrincipal, principal, name, ptype, role string, when time.Time) {
	g.t.AppRoleAssignments = append(g.t.AppRoleAssignments, &AppRoleAssignment{
		ID: appRoleAssignmentID(r), AppRoleID: role, CreatedDateTime: when, PrincipalDisplayName: name,
		PrincipalID: principal, PrincipalType: ptype, ResourceDisplayName: sp.DisplayName, ResourceID: sp.ID,
	})
	g.t.appRoleAssignmentsChangedLocked()
}

// credentials gives an app registration secrets and certificates: some
// expired, some expiring within 30 days, some fine, some none.
func (g *gen) credentials(r *rand.Rand, a *Application, created time.Time) {
	now := g.t.Now
	end := func() time.Time {
		switch weighted(r, []int{15, 15, 70}) {
		case 0:
			return now.AddDate(0, 0, -between(r, 1, 400)) // expired
		case 1:
			return now.AddDate(0, 0, between(r, 1, 30)) // expiring soon
		}
		return now.AddDate(0, 0, between(r, 31, 730))
	}
	if chance(r, 0.65) {
		for k, n := 0, between(r, 1, 2); k < n; k++ {
			e := end()
			s := clientSecret(r)
			a.PasswordCredentials = append(a.PasswordCredentials, PasswordCredential{KeyID: newGUID(r), DisplayName: "secret " + strconv.Itoa(k+1),
				Hint: s[:3], StartDateTime: maxTime(created, e.AddDate(-2, 0, 0)), EndDateTime: e, SecretText: s})
		}
	}
	if chance(r, 0.2) {
		e := end()
		var thumb [20]byte
		for i := range thumb {
			thumb[i] = byte(r.Uint32())
		}
		a.KeyCredentials = append(a.KeyCredentials, KeyCredential{KeyID: newGUID(r), DisplayName: "CN=" + domainLabel(a.DisplayName),
			Type: "AsymmetricX509Cert", Usage: "Verify", StartDateTime: maxTime(created, e.AddDate(-1, 0, 0)), EndDateTime: e,
			CustomKeyIdentifier: base64.StdEncoding.EncodeToString(thumb[:])})
	}
}

// syncJob adds a SCIM provisioning job in one of the states Entra shows.
func (g *gen) syncJob(r *rand.Rand, sp *ServicePrincipal, template string) {
	t := g.t
	j := &SynchronizationJob{ServicePrincipalID: sp.ID, TemplateID: template, ScheduleInterval: "PT40M",
		ID: template + "." + strings.ReplaceAll(t.ID, "-", "") + "." + strings.ReplaceAll(newGUID(r), "-", "")}
	switch weighted(r, []int{60, 20, 10, 10}) {
	case 0:
		j.ScheduleState, j.StatusCode = "Active", "Active"
		j.LastExecution = t.Now.Add(-time.Duration(r.IntN(40*60)) * time.Second)
		j.LastSuccessful = j.LastExecution
	case 1:
		j.ScheduleState, j.StatusCode = "Disabled", "Paused"
		// Microsoft's "never" interval for a paused job (example payload).
		j.ScheduleInterval = "P10675199DT2H48M5.4775807S"
	case 2:
		j.ScheduleState, j.StatusCode, j.Quarantined = "Active", "Quarantine", true
		j.LastExecution = t.Now.Add(-time.Duration(r.IntN(12*3600)) * time.Second)
		j.LastSuccessful = j.LastExecution.AddDate(0, 0, -between(r, 2, 30))
	default:
		j.ScheduleState, j.StatusCode = "Disabled", "NotRun"
	}
	t.SynchronizationJobs = append(t.SynchronizationJobs, j)
}

// pickPerms draws what a line-of-business app was granted in Graph.
func pickPerms(r *rand.Rand) []string {
	return [][]string{
		{"User.Read.All"},
		{"User.Read.All", "Group.Read.All"},
		{"Mail.Read"},
		{"Directory.Read.All"},
		{"Directory.ReadWrite.All"}, // over-privileged
		{"Sites.Read.All", "Files.Read.All"},
		{"User.ReadWrite.All", "GroupMember.ReadWrite.All"},
		{"AuditLog.Read.All", "Reports.Read.All"},
	}[r.IntN(8)]
}

// clientSecret draws a secret in the shape Entra ID issues them: 40
// characters with "8Q~" at positions 3-5.
func clientSecret(r *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
	b := make([]byte, 40)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	copy(b[3:], "8Q~")
	return string(b)
}

// appRoleAssignmentID and grantID draw ids in the 43-character URL-safe
// base64 form Graph gives app role assignments and OAuth2 permission grants.
func appRoleAssignmentID(r *rand.Rand) string { return base64ID(r, 43) }
func grantID(r *rand.Rand) string             { return base64ID(r, 43) }

func base64ID(r *rand.Rand, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// canonicalPermissions returns permissions with Microsoft's spelling, each
// once, in the order given.
func canonicalPermissions(perms []string) []string {
	out := make([]string, 0, len(perms))
	seen := map[string]bool{}
	for _, p := range perms {
		role, ok := GraphAppRoleByValue(p)
		if !ok || seen[role.Value] {
			continue
		}
		seen[role.Value] = true
		out = append(out, role.Value)
	}
	return out
}
