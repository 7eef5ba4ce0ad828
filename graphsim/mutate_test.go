package graphsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// wantAPIError fails unless err is an *APIError with exactly this status,
// code and message.
func wantAPIError(t *testing.T, err error, status int, code, msg string) {
	t.Helper()
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError %d %s", err, status, code)
	}
	if ae.Status != status || ae.Code != code || ae.Message != msg {
		t.Fatalf("err = %d %s %q, want %d %s %q", ae.Status, ae.Code, ae.Message, status, code, msg)
	}
}

// findUser returns the first user matching pred.
func findUser(t *testing.T, ten *Tenant, what string, pred func(u *User) bool) *User {
	t.Helper()
	for _, u := range ten.Users {
		if pred(u) {
			return u
		}
	}
	t.Fatalf("no user %s", what)
	return nil
}

func TestAssignLicense(t *testing.T) {
	ten := mustGenerate(t, "medium", 11, TierP2)
	visio := sku(t, ten, "VISIOCLIENT")
	project := sku(t, ten, "PROJECTPROFESSIONAL") // every seat assigned
	u := findUser(t, ten, "employee with usage location, no Visio", func(u *User) bool {
		return u.UserType == "Member" && u.UsageLocation != "" && !holdsSKU(u, visio.SkuID) && !holdsSKU(u, project.SkuID)
	})
	before, seq := ten.ConsumedUnits(visio.SkuID), ten.Seq()

	got, err := ten.AssignLicense(strings.ToUpper(u.UserPrincipalName), []AssignedLicense{{SkuID: strings.ToUpper(visio.SkuID)}}, []string{})
	if err != nil {
		t.Fatal(err)
	}
	if got != u || !holdsSKU(u, visio.SkuID) || ten.ConsumedUnits(visio.SkuID) != before+1 {
		t.Fatalf("after assign: holds %v, consumed %d (was %d)", holdsSKU(u, visio.SkuID), ten.ConsumedUnits(visio.SkuID), before)
	}
	if d, g := licenceSources(u, visio.SkuID); !d || g || u.Seq != seq+1 || ten.Seq() != seq+1 {
		t.Fatalf("direct %v group %v, user seq %d, tenant seq %d (was %d)", d, g, u.Seq, ten.Seq(), seq)
	}

	// Updating disabled plans of a held licence takes no new seat.
	plan := visio.ServicePlans[0].ServicePlanID
	if _, err := ten.AssignLicense(u.ID, []AssignedLicense{{SkuID: visio.SkuID, DisabledPlans: []string{plan}}}, []string{}); err != nil {
		t.Fatal(err)
	}
	if ten.ConsumedUnits(visio.SkuID) != before+1 || !reflect.DeepEqual(u.AssignedLicenses[len(u.AssignedLicenses)-1].DisabledPlans, []string{plan}) {
		t.Fatalf("disabled plans update: consumed %d, licences %+v", ten.ConsumedUnits(visio.SkuID), u.AssignedLicenses)
	}

	// Errors, each leaving the user untouched.
	snapshot := slices.Clone(u.AssignedLicenses)
	cases := []struct {
		name   string
		user   string
		add    []AssignedLicense
		remove []string
		status int
		code   string
		msg    string
	}{
		{"unknown user", "00000000-0000-0000-0000-00000000abcd", nil, nil, 404, "Request_ResourceNotFound",
			"Resource '00000000-0000-0000-0000-00000000abcd' does not exist or one of its queried reference-property objects are not present."},
		{"SKU not in tenant", u.ID, []AssignedLicense{{SkuID: "11111111-2222-3333-4444-555555555555"}}, nil, 400, "Request_BadRequest",
			"License 11111111-2222-3333-4444-555555555555 does not correspond to a valid company License."},
		{"no seats left", u.ID, []AssignedLicense{{SkuID: project.SkuID}}, nil, 400, "Request_BadRequest",
			"Subscription with SKU " + project.SkuID + " does not have any available licenses."},
		{"plan not in SKU", u.ID, []AssignedLicense{{SkuID: visio.SkuID, DisabledPlans: []string{"11111111-2222-3333-4444-555555555555"}}}, nil, 400, "Request_BadRequest",
			"License " + visio.SkuID + " does not contain service plan 11111111-2222-3333-4444-555555555555."},
		{"removing unassigned", u.ID, nil, []string{project.SkuID}, 400, "Request_BadRequest", "User does not have a corresponding license."},
		// A valid add with an invalid remove changes nothing.
		{"atomic", u.ID, []AssignedLicense{{SkuID: sku(t, ten, "Microsoft_365_Copilot").SkuID}}, []string{project.SkuID}, 400, "Request_BadRequest", "User does not have a corresponding license."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ten.AssignLicense(tc.user, tc.add, tc.remove)
			wantAPIError(t, err, tc.status, tc.code, tc.msg)
			if !reflect.DeepEqual(u.AssignedLicenses, snapshot) {
				t.Fatalf("licences changed on error: %+v", u.AssignedLicenses)
			}
		})
	}

	noLocation := findUser(t, ten, "unlicensed employee without usage location", func(u *User) bool {
		return u.UserType == "Member" && u.UsageLocation == "" && len(u.AssignedLicenses) == 0
	})
	_, err = ten.AssignLicense(noLocation.ID, []AssignedLicense{{SkuID: visio.SkuID}}, nil)
	wantAPIError(t, err, 400, "Request_BadRequest", "License assignment cannot be done for user with invalid usage location.")

	// Inherited from a group: cannot be removed directly.
	inherited := findUser(t, ten, "group-only licence holder", func(u *User) bool {
		for _, s := range u.LicenseAssignmentStates {
			if d, g := licenceSources(u, s.SkuID); g && !d {
				return true
			}
		}
		return false
	})
	var skuID string
	for _, s := range inherited.LicenseAssignmentStates {
		if s.AssignedByGroup != "" {
			skuID = s.SkuID
		}
	}
	_, err = ten.AssignLicense(inherited.ID, nil, []string{skuID})
	wantAPIError(t, err, 400, "Request_BadRequest", "User license is inherited from a group membership and it cannot be removed directly from the user.")

	// Held both ways: removing the direct one keeps the licence and the seat.
	both := findUser(t, ten, "licence held directly and via group", func(u *User) bool {
		for _, al := range u.AssignedLicenses {
			if d, g := licenceSources(u, al.SkuID); d && g {
				skuID = al.SkuID
				return true
			}
		}
		return false
	})
	c := ten.ConsumedUnits(skuID)
	if _, err := ten.AssignLicense(both.ID, nil, []string{skuID}); err != nil {
		t.Fatal(err)
	}
	if d, g := licenceSources(both, skuID); d || !g || !holdsSKU(both, skuID) || ten.ConsumedUnits(skuID) != c {
		t.Fatalf("after removing the direct copy: direct %v group %v holds %v consumed %d (was %d)", d, g, holdsSKU(both, skuID), ten.ConsumedUnits(skuID), c)
	}

	// Removing a direct-only licence frees the seat.
	if _, err := ten.AssignLicense(u.ID, nil, []string{visio.SkuID}); err != nil {
		t.Fatal(err)
	}
	if holdsSKU(u, visio.SkuID) || ten.ConsumedUnits(visio.SkuID) != before {
		t.Fatalf("after removal: holds %v consumed %d", holdsSKU(u, visio.SkuID), ten.ConsumedUnits(visio.SkuID))
	}
	checkInvariants(t, ten, false)
}

func TestGroupMembership(t *testing.T) {
	ten := mustGenerate(t, "medium", 12, TierP2)
	var lic *Group
	for _, g := range ten.Groups {
		if len(g.AssignedLicenses) == 1 && ten.skuBySkuIDGen(g.AssignedLicenses[0].SkuID).SkuPartNumber == "POWER_BI_PRO" {
			lic = g
		}
	}
	if lic == nil {
		t.Fatal("no Power BI Pro licensing group")
	}
	pbi := lic.AssignedLicenses[0].SkuID
	// Leave exactly one free seat: the first new member takes it, the
	// second finds none.
	sku := ten.skuBySkuIDGen(pbi)
	sku.Enabled = ten.ConsumedUnits(pbi) + 1

	u := findUser(t, ten, "employee without Power BI Pro", func(u *User) bool {
		return u.UserType == "Member" && u.MailboxPurpose == "user" && !holdsSKU(u, pbi)
	})
	seq := ten.Seq()
	if err := ten.AddGroupMember(strings.ToUpper(lic.ID), strings.ToUpper(u.ID)); err != nil {
		t.Fatal(err)
	}
	if !holdsSKU(u, pbi) || ten.ConsumedUnits(pbi) != sku.Enabled {
		t.Fatalf("member did not inherit the licence: holds %v consumed %d", holdsSKU(u, pbi), ten.ConsumedUnits(pbi))
	}
	changes := ten.MemberChangesSince(seq)
	if len(changes) != 1 || changes[0] != (MemberChange{GroupID: lic.ID, MemberID: u.ID, Seq: seq + 1}) || lic.Seq != seq+1 || u.Seq != seq+2 {
		t.Fatalf("changes %+v, group seq %d, user seq %d, from %d", changes, lic.Seq, u.Seq, seq)
	}
	ten.Snapshot(func(ten *Tenant) {
		if gs := ten.memberOfLocked(u.ID); !slices.Contains(gs, lic) {
			t.Fatal("memberOf index misses the new group")
		}
	})

	wantAPIError(t, ten.AddGroupMember(lic.ID, u.ID), 400, "Request_BadRequest",
		"One or more added object references already exist for the following modified properties: 'members'.")
	wantAPIError(t, ten.AddGroupMember(lic.ID, "9d1e2f3a-0000-4000-8000-000000000000"), 404, "Request_ResourceNotFound",
		"Resource '9d1e2f3a-0000-4000-8000-000000000000' does not exist or one of its queried reference-property objects are not present.")
	wantAPIError(t, ten.AddGroupMember("9d1e2f3a-0000-4000-8000-000000000001", u.ID), 404, "Request_ResourceNotFound",
		"Resource '9d1e2f3a-0000-4000-8000-000000000001' does not exist or one of its queried reference-property objects are not present.")

	// The licence ran out of seats: the next member gets the error state.
	v := findUser(t, ten, "another employee without Power BI Pro", func(x *User) bool {
		return x != u && x.UserType == "Member" && x.MailboxPurpose == "user" && !holdsSKU(x, pbi)
	})
	if err := ten.AddGroupMember(lic.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	last := v.LicenseAssignmentStates[len(v.LicenseAssignmentStates)-1]
	if holdsSKU(v, pbi) || last.State != "Error" || last.Error != "CountViolation" || last.AssignedByGroup != lic.ID {
		t.Fatalf("over-seat member: holds %v, state %+v", holdsSKU(v, pbi), last)
	}

	// Removal takes the inherited licence away.
	if err := ten.RemoveGroupMember(lic.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if holdsSKU(u, pbi) || ten.ConsumedUnits(pbi) != sku.Enabled-1 || slices.Contains(lic.Members, u.ID) {
		t.Fatalf("after removal: holds %v consumed %d", holdsSKU(u, pbi), ten.ConsumedUnits(pbi))
	}
	if ch := ten.MemberChangesSince(seq); len(ch) != 3 || !ch[2].Removed || ch[2].MemberID != u.ID {
		t.Fatalf("changes %+v", ch)
	}
	wantAPIError(t, ten.RemoveGroupMember(lic.ID, u.ID), 404, "Request_ResourceNotFound",
		"Resource '"+u.ID+"' does not exist or one of its queried reference-property objects are not present.")

	// Groups mastered on-premises refuse cloud changes.
	var synced *Group
	for _, g := range ten.Groups {
		if g.OnPremisesSyncEnabled != nil && len(g.Members) > 0 {
			synced = g
			break
		}
	}
	wantAPIError(t, ten.AddGroupMember(synced.ID, u.ID), 400, "Request_BadRequest",
		"Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.")
	wantAPIError(t, ten.RemoveGroupMember(synced.ID, synced.Members[0]), 400, "Request_BadRequest",
		"Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.")
	var dynamic *Group
	for _, g := range ten.Groups {
		if g.MembershipRule != "" {
			dynamic = g
			break
		}
	}
	wantAPIError(t, ten.AddGroupMember(dynamic.ID, u.ID), 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func TestUserMutations(t *testing.T) {
	ten := mustGenerate(t, "small", 13, "")
	u := findUser(t, ten, "enabled employee with Authenticator", func(u *User) bool {
		return u.AccountEnabled && len(u.AuthMethods) > 1
	})
	seq := ten.Seq()
	if err := ten.SetAccountEnabled(u.UserPrincipalName, false); err != nil || u.AccountEnabled || u.Seq != seq+1 {
		t.Fatalf("disable: err %v enabled %v seq %d", err, u.AccountEnabled, u.Seq)
	}
	if err := ten.RevokeSignInSessions(u.ID); err != nil || !u.SignInSessionsValidFromDateTime.Equal(ten.Now) || u.Seq != seq+2 {
		t.Fatalf("revoke: err %v valid from %v seq %d", err, u.SignInSessionsValidFromDateTime, u.Seq)
	}
	missing := "0f0f0f0f-0000-4000-8000-000000000000"
	notFound := "Resource '" + missing + "' does not exist or one of its queried reference-property objects are not present."
	wantAPIError(t, ten.SetAccountEnabled(missing, true), 404, "Request_ResourceNotFound", notFound)
	wantAPIError(t, ten.RevokeSignInSessions(missing), 404, "Request_ResourceNotFound", notFound)

	m := u.AuthMethods[1]
	n := len(u.AuthMethods)
	if err := ten.DeleteAuthMethod(u.ID, m.ID); err != nil || len(u.AuthMethods) != n-1 {
		t.Fatalf("delete method: %v, %d methods", err, len(u.AuthMethods))
	}
	wantAPIError(t, ten.DeleteAuthMethod(u.ID, m.ID), 404, "Request_ResourceNotFound",
		"Resource '"+m.ID+"' does not exist or one of its queried reference-property objects are not present.")
	wantAPIError(t, ten.DeleteAuthMethod(u.ID, passwordMethodID), 400, "Request_BadRequest", "The password authentication method cannot be deleted.")
	wantAPIError(t, ten.DeleteAuthMethod(missing, passwordMethodID), 404, "Request_ResourceNotFound", notFound)
	ten.SetDisplayConcealedNames(false)
	if ten.ReportSettings.DisplayConcealedNames {
		t.Fatal("concealed names still on")
	}
}

func TestRoleAssignmentMutations(t *testing.T) {
	ten := mustGenerate(t, "small", 14, TierP2)
	u := findUser(t, ten, "employee without roles", func(u *User) bool {
		return u.UserType == "Member" && !ten.holdsRoleLocked(u.ID)
	})
	n, s := len(ten.RoleAssignments), len(ten.RoleAssignmentScheds)
	ra, err := ten.AddRoleAssignment(RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: RoleReportsReader})
	if err != nil {
		t.Fatal(err)
	}
	if ra.DirectoryScopeID != "/" || ra.RoleDefinitionID != RoleReportsReader || len(ra.ID) != 43 || len(ten.RoleAssignments) != n+1 || len(ten.RoleAssignmentScheds) != s+1 {
		t.Fatalf("created %+v; %d assignments, %d schedules", ra, len(ten.RoleAssignments), len(ten.RoleAssignmentScheds))
	}
	_, err = ten.AddRoleAssignment(RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: RoleReportsReader, DirectoryScopeID: "/"})
	wantAPIError(t, err, 400, "Request_BadRequest", "A conflicting object with one or more of the specified property values is present in the directory.")
	_, err = ten.AddRoleAssignment(RoleAssignment{PrincipalID: u.ID, RoleDefinitionID: "99999999-0000-4000-8000-000000000000"})
	wantAPIError(t, err, 404, "Request_ResourceNotFound", "Resource '99999999-0000-4000-8000-000000000000' does not exist or one of its queried reference-property objects are not present.")
	var plain *Group
	for _, g := range ten.Groups {
		if !g.IsAssignableToRole {
			plain = g
			break
		}
	}
	_, err = ten.AddRoleAssignment(RoleAssignment{PrincipalID: plain.ID, RoleDefinitionID: RoleReportsReader})
	wantAPIError(t, err, 400, "Request_BadRequest", "Principal "+plain.ID+" is a group that is not role-assignable.")

	if err := ten.DeleteRoleAssignment(ra.ID); err != nil || len(ten.RoleAssignments) != n || len(ten.RoleAssignmentScheds) != s {
		t.Fatalf("delete: %v; %d assignments, %d schedules", err, len(ten.RoleAssignments), len(ten.RoleAssignmentScheds))
	}
	wantAPIError(t, ten.DeleteRoleAssignment(ra.ID), 404, "Request_ResourceNotFound",
		"Resource '"+ra.ID+"' does not exist or one of its queried reference-property objects are not present.")
}

func TestAppRoleAssignmentMutations(t *testing.T) {
	p, _ := ProfileByName("small", 15)
	p.Granted = []string{"User.Read.All"}
	ten, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	var graph, gallery *ServicePrincipal
	for _, sp := range ten.ServicePrincipals {
		if sp.AppID == MicrosoftGraphAppID {
			graph = sp
		}
		if gallery == nil && len(sp.AppRoles) == 2 && sp.AppOwnerOrganizationID != ten.ID && sp.AppOwnerOrganizationID != microsoftServicesTenantID {
			gallery = sp
		}
	}
	u := ten.Users[0]
	a, err := ten.AddAppRoleAssignment(AppRoleAssignment{PrincipalID: u.ID, ResourceID: gallery.ID, AppRoleID: defaultAccessRoleID})
	if err != nil {
		t.Fatal(err)
	}
	if a.PrincipalType != "User" || a.PrincipalDisplayName != u.DisplayName || a.ResourceDisplayName != gallery.DisplayName || !a.CreatedDateTime.Equal(ten.Now) {
		t.Fatalf("created %+v", a)
	}
	_, err = ten.AddAppRoleAssignment(AppRoleAssignment{PrincipalID: u.ID, ResourceID: gallery.ID, AppRoleID: defaultAccessRoleID})
	wantAPIError(t, err, 400, "Request_BadRequest", "Permission being assigned already exists on the object")
	_, err = ten.AddAppRoleAssignment(AppRoleAssignment{PrincipalID: u.ID, ResourceID: gallery.ID, AppRoleID: "12345678-0000-4000-8000-000000000000"})
	wantAPIError(t, err, 400, "Request_BadRequest", "Permission being assigned was not found on application '"+gallery.AppID+"'.")
	_, err = ten.AddAppRoleAssignment(AppRoleAssignment{PrincipalID: "12345678-0000-4000-8000-000000000001", ResourceID: gallery.ID})
	wantAPIError(t, err, 404, "Request_ResourceNotFound", "Resource '12345678-0000-4000-8000-000000000001' does not exist or one of its queried reference-property objects are not present.")

	// Granting the connector a Graph permission shows in Granted (tokens).
	reports, _ := GraphAppRoleByValue("Reports.Read.All")
	g, err := ten.AddAppRoleAssignment(AppRoleAssignment{PrincipalID: ten.Connector.ServicePrincipalID, ResourceID: graph.ID, AppRoleID: reports.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ten.Connector.Granted, []string{"User.Read.All", "Reports.Read.All"}) {
		t.Fatalf("Granted = %v", ten.Connector.Granted)
	}
	if err := ten.DeleteAppRoleAssignment(g.ID); err != nil || !reflect.DeepEqual(ten.Connector.Granted, []string{"User.Read.All"}) {
		t.Fatalf("delete: %v, Granted %v", err, ten.Connector.Granted)
	}
	wantAPIError(t, ten.DeleteAppRoleAssignment(g.ID), 404, "Request_ResourceNotFound",
		"Resource '"+g.ID+"' does not exist or one of its queried reference-property objects are not present.")

	// Exchange.ManageAsApp on Office 365 Exchange Online (seed 000's mailbox
	// features) is an app role of Exchange, not a Graph permission.
	var exo *ServicePrincipal
	for _, sp := range ten.ServicePrincipals {
		if sp.AppID == ExchangeOnlineAppID {
			exo = sp
		}
	}
	if _, err := ten.AddAppRoleAssignment(AppRoleAssignment{PrincipalID: ten.Connector.ServicePrincipalID, ResourceID: exo.ID, AppRoleID: ExchangeManageAsAppAppRoleID}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ten.Connector.Granted, []string{"User.Read.All"}) {
		t.Fatalf("Granted = %v after an Exchange app role", ten.Connector.Granted)
	}

	ten.SetGranted([]string{"reports.read.all", "Application.Read.All", "No.Such.Permission"})
	if !reflect.DeepEqual(ten.Connector.Granted, []string{"Reports.Read.All", "Application.Read.All"}) || countConnectorGraphRoles(ten) != 2 {
		t.Fatalf("SetGranted: %v, %d assignments", ten.Connector.Granted, countConnectorGraphRoles(ten))
	}
	ten.SetGranted(nil)
	if len(ten.Connector.Granted) != 0 || countConnectorGraphRoles(ten) != 0 {
		t.Fatalf("SetGranted(nil): %v, %d assignments", ten.Connector.Granted, countConnectorGraphRoles(ten))
	}
}

func TestCredentials(t *testing.T) {
	ten := mustGenerate(t, "small", 16, "")
	old := ten.ConnectorSecret()
	expired := PasswordCredential{DisplayName: "old", SecretText: "xyz8Q~expired-secret-for-tests-000000000", StartDateTime: ten.Now.AddDate(-1, 0, 0), EndDateTime: ten.Now.AddDate(0, 0, -1)}
	ten.AddPasswordCredential(ten.Connector.AppID, expired)
	app := ten.ApplicationByAppID(ten.Connector.AppID)
	pc := app.PasswordCredentials[len(app.PasswordCredentials)-1]
	if ten.ConnectorSecret() != expired.SecretText || pc.Hint != "xyz" || !guidRE.MatchString(pc.KeyID) || old == expired.SecretText {
		t.Fatalf("after AddPasswordCredential: secret %q, credential %+v", ten.ConnectorSecret(), pc)
	}
	ten.AddPasswordCredential("no-such-app", expired) // ignored
	if len(app.PasswordCredentials) != 2 {
		t.Fatalf("%d credentials", len(app.PasswordCredentials))
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tenantscope"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ten.AddKeyCredential(app.ID, KeyCredential{Certificate: cert}) // by object id
	kc := app.KeyCredentials[0]
	sum := sha1.Sum(der)
	if kc.CustomKeyIdentifier != base64.StdEncoding.EncodeToString(sum[:]) || !kc.EndDateTime.Equal(tmpl.NotAfter) || !kc.StartDateTime.Equal(tmpl.NotBefore) ||
		kc.Type != "AsymmetricX509Cert" || kc.Usage != "Verify" || kc.DisplayName != "CN=tenantscope" || !guidRE.MatchString(kc.KeyID) {
		t.Fatalf("key credential %+v", kc)
	}
}

func TestARMRoleAssignmentMutations(t *testing.T) {
	ten := mustGenerate(t, "small", 17, "")
	sub := ten.Azure.Subscriptions[0].SubscriptionID
	u := ten.Users[0]
	scope := "/subscriptions/" + sub
	a, err := ten.AddARMRoleAssignment(AzRoleAssignment{Scope: scope + "/", RoleDefinitionID: "/providers/Microsoft.Authorization/roleDefinitions/" + armReaderRoleID, PrincipalID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if a.PrincipalType != "User" || a.Scope != scope || a.ID != scope+"/providers/Microsoft.Authorization/roleAssignments/"+a.Name ||
		a.RoleDefinitionID != armRoleDefinitionID(sub, armReaderRoleID) || !guidRE.MatchString(a.Name) {
		t.Fatalf("created %+v", a)
	}
	_, err = ten.AddARMRoleAssignment(AzRoleAssignment{Scope: scope, RoleDefinitionID: armReaderRoleID, PrincipalID: u.ID})
	wantAPIError(t, err, 409, "RoleAssignmentExists", "The role assignment already exists.")
	_, err = ten.AddARMRoleAssignment(AzRoleAssignment{Scope: scope, RoleDefinitionID: "aaaaaaaa-0000-4000-8000-000000000000", PrincipalID: u.ID})
	wantAPIError(t, err, 404, "RoleDefinitionDoesNotExist", "The specified role definition with ID 'aaaaaaaa-0000-4000-8000-000000000000' does not exist.")
	_, err = ten.AddARMRoleAssignment(AzRoleAssignment{Scope: scope, RoleDefinitionID: armOwnerRoleID, PrincipalID: "aaaaaaaa-0000-4000-8000-000000000001"})
	wantAPIError(t, err, 400, "PrincipalNotFound", "Principal aaaaaaaa000040008000000000000001 does not exist in the directory "+ten.ID+".")
	_, err = ten.AddARMRoleAssignment(AzRoleAssignment{Scope: "/subscriptions/aaaaaaaa-0000-4000-8000-000000000002", RoleDefinitionID: armOwnerRoleID, PrincipalID: u.ID})
	wantAPIError(t, err, 404, "SubscriptionNotFound", "The subscription 'aaaaaaaa-0000-4000-8000-000000000002' could not be found.")

	if err := ten.DeleteARMRoleAssignment(a.Name); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, ten.DeleteARMRoleAssignment(a.ID), 404, "RoleAssignmentNotFound", "The role assignment '"+a.ID+"' is not found.")
}

func TestChurn(t *testing.T) {
	a := mustGenerate(t, "medium", 21, "")
	b := mustGenerate(t, "medium", 21, "")
	users, deleted, groups, seq := len(a.Users), len(a.Deleted), len(a.Groups), a.Seq()
	sa := a.Churn(0.02, 99)
	sb := b.Churn(0.02, 99)
	if sa != sb || !reflect.DeepEqual(a, b) {
		t.Fatal("Churn with the same seed differs between equal tenants")
	}
	want := ChurnSummary{UsersChanged: sa.UsersChanged, UsersAdded: 10, UsersDeleted: sa.UsersDeleted, GroupsChanged: sa.GroupsChanged, MembersAdded: sa.MembersAdded, MembersRemoved: sa.MembersRemoved}
	if sa != want || sa.UsersChanged < 80 || sa.UsersChanged > 100 || sa.UsersDeleted == 0 || sa.GroupsChanged == 0 || sa.MembersAdded == 0 {
		t.Fatalf("summary %+v", sa)
	}
	if len(a.Users) != users+sa.UsersAdded-sa.UsersDeleted || len(a.Deleted) != deleted+sa.UsersDeleted || len(a.Groups) != groups {
		t.Fatalf("%d users (was %d), %d deleted", len(a.Users), users, len(a.Deleted))
	}
	changed := 0
	for _, u := range a.Users {
		if u.Seq > seq {
			changed++
		}
	}
	if changed < sa.UsersChanged+sa.UsersAdded {
		t.Fatalf("%d users with a new sequence, want at least %d", changed, sa.UsersChanged+sa.UsersAdded)
	}
	for _, u := range a.Deleted[deleted:] {
		if a.User(u.ID) != nil || a.KindOf(u.ID) != KindUnknown || !u.DeletedDateTime.Equal(a.Now) || u.Seq <= seq {
			t.Fatalf("deleted user %s still resolves or lacks its deletion", u.UserPrincipalName)
		}
	}
	if n := len(a.MemberChangesSince(seq)); n < sa.MembersAdded+sa.MembersRemoved {
		t.Fatalf("%d member changes, summary says %d", n, sa.MembersAdded+sa.MembersRemoved)
	}
	checkInvariants(t, a, false)
	if c := a.Churn(0, 1); c != (ChurnSummary{}) {
		t.Fatalf("Churn(0) = %+v", c)
	}
}

// TestConcurrentMutations runs writers and readers together; run with -race
// it proves the exported methods lock what they touch.
func TestConcurrentMutations(t *testing.T) {
	ten := mustGenerate(t, "small", 23, "")
	var users []string
	var grp string
	ten.Snapshot(func(ten *Tenant) {
		for _, u := range ten.Users {
			users = append(users, u.ID)
		}
		for _, g := range ten.Groups {
			if cloudManaged(g) == nil {
				grp = g.ID
				break
			}
		}
	})
	visio := sku(t, ten, "VISIOCLIENT").SkuID
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			id := users[i%len(users)]
			_, _ = ten.AssignLicense(id, []AssignedLicense{{SkuID: visio}}, nil)
			_ = ten.AddGroupMember(grp, id)
			_ = ten.RemoveGroupMember(grp, id)
			_ = ten.SetAccountEnabled(id, i%2 == 0)
			if i%50 == 0 {
				ten.Churn(0.05, int64(i))
			}
		}
	}()
	reads := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		_ = ten.User(users[reads%len(users)])
		_ = ten.ConsumedUnits(visio)
		_ = ten.MemberChangesSince(0)
		ten.Snapshot(func(ten *Tenant) {
			for _, u := range ten.Users {
				_ = u.AccountEnabled
				_ = len(u.AssignedLicenses)
			}
		})
		reads++
	}
	checkInvariants(t, ten, false)
}
