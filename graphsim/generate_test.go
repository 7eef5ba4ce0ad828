package graphsim

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func mustGenerate(t testing.TB, name string, seed int64, tier Tier) *Tenant {
	t.Helper()
	p, err := ProfileByName(name, seed)
	if err != nil {
		t.Fatal(err)
	}
	if tier != "" {
		p.Tier = tier
	}
	ten, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

func TestGenerateDeterministic(t *testing.T) {
	a := mustGenerate(t, "medium", 7, "")
	b := mustGenerate(t, "medium", 7, "")
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two Generates of the same profile differ")
	}
	c := mustGenerate(t, "medium", 8, "")
	if a.ID == c.ID || a.Users[10].ID == c.Users[10].ID || a.Users[10].UserPrincipalName == c.Users[10].UserPrincipalName && a.Users[11].UserPrincipalName == c.Users[11].UserPrincipalName {
		t.Fatal("different seeds gave the same tenant")
	}
}

func TestProfileCounts(t *testing.T) {
	for _, tc := range []struct {
		name                                   string
		users, groups, sps, devices, subs, uai int
	}{
		{"small", 50, 12, 40, 30, 2, 1},
		{"medium", 5000, 600, 400, 2500, 5, 19},
	} {
		ten := mustGenerate(t, tc.name, 1, "")
		got := []int{len(ten.Users), len(ten.Groups), len(ten.ServicePrincipals), len(ten.ManagedDevices), len(ten.Devices), len(ten.Azure.Subscriptions), len(ten.Azure.UserAssignedIdentities)}
		want := []int{tc.users, tc.groups, tc.sps, tc.devices, tc.devices, tc.subs, tc.uai}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: users, groups, SPs, managed devices, devices, subscriptions, identities = %v, want %v", tc.name, got, want)
		}
	}
	p := Profile{Name: "explicit", Seed: 3, Users: 300, Groups: 40, ServicePrincipals: 17, Devices: 0}
	ten, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(ten.Users) != 300 || len(ten.Groups) != 40 || len(ten.ServicePrincipals) != 17 || len(ten.ManagedDevices) != 0 || len(ten.Azure.Subscriptions) != 1 {
		t.Errorf("explicit counts: %d users, %d groups, %d SPs, %d devices, %d subscriptions", len(ten.Users), len(ten.Groups), len(ten.ServicePrincipals), len(ten.ManagedDevices), len(ten.Azure.Subscriptions))
	}
}

func TestProfileErrors(t *testing.T) {
	if _, err := ProfileByName("huge", 1); err == nil || err.Error() != `unknown tenant profile "huge" (want small, medium or large)` {
		t.Errorf("ProfileByName(huge) = %v", err)
	}
	for _, tc := range []struct {
		p    Profile
		want string
	}{
		{Profile{Name: "x", Users: 0, ServicePrincipals: 20}, `generate tenant: profile "x": counts must be non-negative and users at least 1 (users 0, groups 0, service principals 20, devices 0, subscriptions 0)`},
		{Profile{Name: "x", Users: 5, ServicePrincipals: 3}, `generate tenant: profile "x": at least 16 service principals are needed (Microsoft's first-party apps and the connector), got 3`},
		{Profile{Name: "x", Users: 5, ServicePrincipals: 20, Tier: "p3"}, `generate tenant: profile "x": unknown tier "p3" (want free, p1 or p2)`},
		{Profile{Name: "x", Users: 5, ServicePrincipals: 20, Granted: []string{"User.Read.All", "Mail.Fly"}}, `generate tenant: profile "x": "Mail.Fly" is not a Microsoft Graph application permission known to the simulator`},
	} {
		if _, err := Generate(tc.p); err == nil || err.Error() != tc.want {
			t.Errorf("Generate(%+v) = %v, want %q", tc.p, err, tc.want)
		}
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// tierFromPlans derives the Entra ID tier the way a client does: from the
// service plans of the subscribed SKUs.
func tierFromPlans(ten *Tenant) Tier {
	tier := TierFree
	for _, s := range ten.SubscribedSKUs {
		if s.CapabilityStatus == "Suspended" {
			continue
		}
		for _, sp := range s.ServicePlans {
			switch sp.ServicePlanName {
			case "AAD_PREMIUM_P2":
				tier = TierP2
			case "AAD_PREMIUM":
				if tier == TierFree {
					tier = TierP1
				}
			}
		}
	}
	return tier
}

func TestGeneratedInvariants(t *testing.T) {
	for _, tier := range []Tier{TierFree, TierP1, TierP2} {
		t.Run(string(tier), func(t *testing.T) {
			ten := mustGenerate(t, "medium", 42, tier)
			checkInvariants(t, ten, true)
			if got := tierFromPlans(ten); got != tier {
				t.Errorf("tier from service plans = %s, want %s", got, tier)
			}
			if tier != TierP2 && (len(ten.RoleEligibilities) != 0 || len(ten.RoleAssignmentScheds) != 0) {
				t.Errorf("PIM data on a %s tenant: %d eligibilities, %d schedules", tier, len(ten.RoleEligibilities), len(ten.RoleAssignmentScheds))
			}
			if tier == TierP2 && (len(ten.RoleEligibilities) == 0 || len(ten.RoleAssignmentScheds) < len(ten.RoleAssignments)) {
				t.Errorf("p2 tenant: %d eligibilities, %d schedules for %d assignments", len(ten.RoleEligibilities), len(ten.RoleAssignmentScheds), len(ten.RoleAssignments))
			}
		})
	}
}

// checkInvariants asserts what must hold in any tenant; generated adds what
// holds only as generated (after a licence is removed, the usage reports
// still show the service's last activity, as Microsoft's do).
func checkInvariants(t *testing.T, ten *Tenant, generated bool) {
	t.Helper()
	refresh := ten.ReportRefreshDate()
	if want := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC); !refresh.Equal(want) {
		t.Errorf("ReportRefreshDate = %v, want %v", refresh, want)
	}
	// Consumption: counted from users equals the index, within prepaid units.
	counted := map[string]int{}
	upns := map[string]bool{}
	verified := map[string]bool{}
	for _, d := range ten.Domains {
		verified[d.ID] = d.IsVerified
	}
	for _, u := range ten.Users {
		if dom := u.UserPrincipalName[strings.LastIndex(u.UserPrincipalName, "@")+1:]; !verified[dom] {
			t.Fatalf("%s is not in a verified domain", u.UserPrincipalName)
		}
		if !guidRE.MatchString(u.ID) {
			t.Fatalf("user id %q is not a v4 GUID", u.ID)
		}
		if upns[strings.ToLower(u.UserPrincipalName)] {
			t.Fatalf("duplicate UPN %s", u.UserPrincipalName)
		}
		upns[strings.ToLower(u.UserPrincipalName)] = true
		if ten.User(u.UserPrincipalName) != u || ten.User(strings.ToUpper(u.ID)) != u {
			t.Fatalf("User(%s) does not resolve", u.UserPrincipalName)
		}
		seen := map[string]bool{}
		for _, al := range u.AssignedLicenses {
			if seen[al.SkuID] {
				t.Fatalf("%s holds %s twice in assignedLicenses", u.UserPrincipalName, al.SkuID)
			}
			seen[al.SkuID] = true
			counted[al.SkuID]++
			if ten.skuBySkuIDGen(al.SkuID) == nil {
				t.Fatalf("%s holds unknown SKU %s", u.UserPrincipalName, al.SkuID)
			}
		}
		if len(u.AssignedLicenses) > 0 && u.UsageLocation == "" {
			t.Errorf("licensed user %s has no usage location", u.UserPrincipalName)
		}
		for _, s := range u.LicenseAssignmentStates {
			// An active assignment is in assignedLicenses; one in error
			// (e.g. CountViolation: no seat left) gives no licence.
			if s.State == "Active" && !seen[s.SkuID] || s.State == "Error" && s.Error == "None" {
				t.Errorf("%s: assignment state %+v does not match assignedLicenses", u.UserPrincipalName, s)
			}
			if s.AssignedByGroup != "" {
				g := ten.GroupByID(s.AssignedByGroup)
				if g == nil || !containsString(g.Members, u.ID) || len(g.AssignedLicenses) != 1 || g.AssignedLicenses[0].SkuID != s.SkuID {
					t.Errorf("%s: licence %s from group %s that does not license it to them", u.UserPrincipalName, s.SkuID, s.AssignedByGroup)
				}
			}
		}
		for sku := range seen {
			if d, g := licenceSources(u, sku); !d && !g {
				t.Errorf("%s holds %s with no assignment state", u.UserPrincipalName, sku)
			}
		}
		if u.ManagerID != "" && ten.User(u.ManagerID) == nil {
			t.Errorf("%s: manager %s does not resolve", u.UserPrincipalName, u.ManagerID)
		}
		// Activity only for services the licences include, never after the
		// report date, never before the account existed.
		rights := ten.rightsOf(u)
		for s := Service(0); s < NumServices; s++ {
			last := u.Activity.Last[s]
			if last.IsZero() {
				continue
			}
			if generated && !rights.services[s] {
				t.Fatalf("%s has activity for service %d without a licence for it", u.UserPrincipalName, s)
			}
			if last.After(refresh) || last.Before(u.CreatedDateTime.Truncate(24*time.Hour)) {
				t.Fatalf("%s: service %d last activity %v outside [%v, %v]", u.UserPrincipalName, s, last, u.CreatedDateTime, refresh)
			}
		}
		si := u.SignIn
		if last := si.LastSuccessfulSignInDateTime; !last.IsZero() && !last.Equal(si.LastNonInteractiveSignInDateTime) && last.After(si.LastSignInDateTime) {
			t.Errorf("%s: last successful sign-in %v after both the interactive %v and non-interactive %v ones", u.UserPrincipalName, last, si.LastSignInDateTime, si.LastNonInteractiveSignInDateTime)
		}
		if si.LastNonInteractiveSignInDateTime.After(si.LastSuccessfulSignInDateTime) {
			t.Errorf("%s: non-interactive sign-in after the last successful one", u.UserPrincipalName)
		}
		if si.LastSignInDateTime.After(ten.Now) || si.LastNonInteractiveSignInDateTime.After(ten.Now) {
			t.Errorf("%s: sign-in in the future", u.UserPrincipalName)
		}
	}
	for _, sku := range ten.SubscribedSKUs {
		c := ten.ConsumedUnits(sku.SkuID)
		if c != counted[sku.SkuID] {
			t.Errorf("%s: ConsumedUnits %d, users hold %d", sku.SkuPartNumber, c, counted[sku.SkuID])
		}
		if c > sku.Enabled+sku.Warning {
			t.Errorf("%s: consumed %d > enabled %d + warning %d", sku.SkuPartNumber, c, sku.Enabled, sku.Warning)
		}
		if len(sku.ServicePlans) == 0 || len(sku.SubscriptionIDs) == 0 {
			t.Errorf("%s: %d service plans, %d subscriptions", sku.SkuPartNumber, len(sku.ServicePlans), len(sku.SubscriptionIDs))
		}
	}
	// Memberships and owners resolve.
	for _, g := range ten.Groups {
		set := map[string]bool{}
		for _, m := range g.Members {
			if set[m] {
				t.Fatalf("group %s lists %s twice", g.DisplayName, m)
			}
			set[m] = true
			if ten.KindOf(m) == KindUnknown {
				t.Fatalf("group %s member %s does not resolve", g.DisplayName, m)
			}
			if m == g.ID {
				t.Fatalf("group %s contains itself", g.DisplayName)
			}
		}
		for _, o := range g.Owners {
			if ten.KindOf(o) != KindUser {
				t.Fatalf("group %s owner %s is not a user", g.DisplayName, o)
			}
		}
	}
	araSeen := map[[3]string]bool{}
	for _, a := range ten.AppRoleAssignments {
		if ten.ServicePrincipalByID(a.ResourceID) == nil || ten.KindOf(a.PrincipalID) == KindUnknown {
			t.Fatalf("app role assignment %+v does not resolve", a)
		}
		k := [3]string{a.PrincipalID, a.ResourceID, a.AppRoleID}
		if araSeen[k] {
			t.Fatalf("duplicate app role assignment %+v", a)
		}
		araSeen[k] = true
	}
	unique := map[string]bool{}
	once := func(what string, key ...string) {
		k := what + " " + strings.Join(key, " ")
		if unique[k] {
			t.Fatalf("duplicate %s", k)
		}
		unique[k] = true
	}
	for _, ra := range ten.RoleAssignments {
		if ten.KindOf(ra.PrincipalID) == KindUnknown {
			t.Fatalf("role assignment principal %s does not resolve", ra.PrincipalID)
		}
		once("role assignment", ra.PrincipalID, ra.RoleDefinitionID, ra.DirectoryScopeID)
	}
	for _, e := range ten.RoleEligibilities {
		once("eligibility", e.PrincipalID, e.RoleDefinitionID)
	}
	for _, gr := range ten.OAuth2PermissionGrant {
		once("OAuth2 grant", gr.ClientID, gr.ConsentType, gr.PrincipalID, gr.ResourceID)
	}
	// The connector: all permissions, as app role assignments to Graph, and
	// Reader on every subscription.
	csp := ten.ServicePrincipalByID(ten.Connector.ServicePrincipalID)
	if csp == nil || ten.ApplicationByAppID(ten.Connector.AppID) == nil {
		t.Fatal("connector service principal or application missing")
	}
	if len(ten.Connector.Granted) != len(GraphAppRoles()) {
		t.Errorf("connector granted %d permissions, want all %d", len(ten.Connector.Granted), len(GraphAppRoles()))
	}
	if n := countConnectorGraphRoles(ten); n != len(ten.Connector.Granted) {
		t.Errorf("connector has %d Graph app role assignments for %d granted permissions", n, len(ten.Connector.Granted))
	}
	readers := 0
	for _, ra := range ten.Azure.RoleAssignments {
		if ra.PrincipalID == csp.ID && strings.HasSuffix(ra.RoleDefinitionID, "/"+armReaderRoleID) && ra.Scope == subscriptionScope(subscriptionOfScope(ra.Scope)) {
			readers++
		}
	}
	if readers != len(ten.Azure.Subscriptions) {
		t.Errorf("connector is Reader on %d of %d subscriptions", readers, len(ten.Azure.Subscriptions))
	}
	for _, mi := range ten.Azure.UserAssignedIdentities {
		sp := ten.ServicePrincipalByID(mi.PrincipalID)
		if sp == nil || sp.ServicePrincipalType != "ManagedIdentity" || sp.AppID != mi.ClientID {
			t.Errorf("identity %s has no matching managed identity service principal", mi.Name)
		}
	}
}

func countConnectorGraphRoles(ten *Tenant) int {
	n := 0
	ten.Snapshot(func(ten *Tenant) {
		for _, a := range ten.AppRoleAssignments {
			if a.PrincipalID == ten.Connector.ServicePrincipalID && ten.spByID[a.ResourceID].AppID == MicrosoftGraphAppID {
				n++
			}
		}
	})
	return n
}

// TestGeneratedMix checks that every situation the product must handle is
// present, with the shares the generator promises.
func TestGeneratedMix(t *testing.T) {
	ten := mustGenerate(t, "medium", 42, TierP2)
	n := len(ten.Users)
	var guests, licensedGuests, rooms, equipment, shared, licensedShared, disabledLicensed, synced, recent, both, dup, noUsage, withManager, neverSignedIn, webOnly, noMail, subsidiary, excelAA int
	e3, e5 := sku(t, ten, "SPE_E3"), sku(t, ten, "SPE_E5")
	for _, u := range ten.Users {
		switch {
		case u.UserType == "Guest":
			guests++
			if want := strings.Replace(u.Mail, "@", "_", 1) + "#EXT#@" + ten.InitialDomain; u.UserPrincipalName != want {
				t.Errorf("guest UPN %s, want %s", u.UserPrincipalName, want)
			}
			if len(u.AssignedLicenses) > 0 {
				licensedGuests++
			}
		case u.MailboxPurpose == "room":
			rooms++
		case u.MailboxPurpose == "equipment":
			equipment++
		case u.MailboxPurpose == "shared":
			shared++
			if len(u.AssignedLicenses) > 0 {
				licensedShared++
			}
		}
		if !u.AccountEnabled && u.UserType == "Member" && u.MailboxPurpose == "user" && len(u.AssignedLicenses) > 0 {
			disabledLicensed++
		}
		if u.OnPremisesSyncEnabled != nil {
			synced++
		}
		if strings.HasSuffix(u.UserPrincipalName, "@corp."+strings.TrimSuffix(ten.DefaultDomain, ".com")+".com") {
			subsidiary++
			if u.OnPremisesSyncEnabled == nil {
				t.Errorf("%s is in the federated domain but not synchronised", u.UserPrincipalName)
			}
		}
		if u.UserType == "Member" && u.Mail == "" {
			noMail++
			if u.OnPremisesSyncEnabled != nil || ten.rightsOf(u).mailbox || u.MailboxPurpose != "" {
				t.Errorf("%s has no mail address but a mailbox or an on-premises account", u.UserPrincipalName)
			}
		}
		if ten.Now.Sub(u.CreatedDateTime) < 90*24*time.Hour {
			recent++
		}
		for _, al := range u.AssignedLicenses {
			if d, g := licenceSources(u, al.SkuID); d && g {
				both++
			}
		}
		if holdsSKU(u, e3.SkuID) && holdsSKU(u, e5.SkuID) {
			dup++
		}
		if u.UsageLocation == "" {
			noUsage++
		}
		if u.ManagerID != "" {
			withManager++
		}
		if u.UserType == "Member" && u.MailboxPurpose != "room" && u.MailboxPurpose != "shared" && u.MailboxPurpose != "equipment" && u.SignIn.LastSignInDateTime.IsZero() {
			neverSignedIn++
		}
		if p := u.Activity.Platforms; p != 0 && p&(PlatformWindows|PlatformMac) == 0 {
			webOnly++
		}
		for _, act := range u.Activity.ActivatedProducts {
			if act.ProductType == "MICROSOFT EXCEL ADVANCED ANALYTICS" {
				excelAA++
				if !ten.rightsOf(u).excelPremium {
					t.Errorf("%s activated Excel advanced analytics without an E5 licence", u.UserPrincipalName)
				}
			}
		}
	}
	if guests != n*guestShare/1000 || rooms != n*roomShare/1000 || equipment != n*equipmentShare/1000 || shared != n*sharedShare/1000 {
		t.Errorf("guests %d rooms %d equipment %d shared %d", guests, rooms, equipment, shared)
	}
	if recent != n*recentShare/1000 {
		t.Errorf("users created within 90 days = %d, want %d", recent, n*recentShare/1000)
	}
	for name, c := range map[string]int{"licensed guests": licensedGuests, "licensed shared mailboxes": licensedShared,
		"disabled users holding licences": disabledLicensed, "synced users": synced, "same SKU direct and via group": both,
		"E3+E5 duplicates": dup, "users without usage location": noUsage, "users with a manager": withManager,
		"members never signed in": neverSignedIn, "web/mobile-only app users": webOnly, "cloud employees without a mailbox": noMail, "federated-domain employees": subsidiary, "E5 users of Excel advanced analytics": excelAA} {
		if c == 0 {
			t.Errorf("no %s", name)
		}
	}
	// Leavers deleted in the last 45 days: 1% of the users, not in the
	// directory, soft-deleted within 30 days, with activity before deletion.
	if len(ten.Deleted) != n/100 {
		t.Errorf("%d deleted users, want %d", len(ten.Deleted), n/100)
	}
	var hard, withActivity int
	for _, u := range ten.Deleted {
		age := ten.Now.Sub(u.DeletedDateTime)
		if ten.User(u.ID) != nil || ten.User(u.UserPrincipalName) != nil || age <= 0 || age > 45*24*time.Hour || u.HardDeleted != (age > 30*24*time.Hour) {
			t.Errorf("deleted user %s: resolves %v, deleted %v, hard %v", u.UserPrincipalName, ten.User(u.ID) != nil, u.DeletedDateTime, u.HardDeleted)
		}
		if u.HardDeleted {
			hard++
		}
		for _, last := range u.Activity.Last {
			if !last.IsZero() {
				withActivity++
				if last.After(u.DeletedDateTime) {
					t.Errorf("deleted user %s active after deletion", u.UserPrincipalName)
				}
				break
			}
		}
	}
	if hard == 0 || hard == len(ten.Deleted) || withActivity == 0 {
		t.Errorf("%d of %d deleted users hard-deleted, %d with activity", hard, len(ten.Deleted), withActivity)
	}

	// SKU states: full, many spare, warning, suspended.
	var full, spare, warning, suspended int
	for _, s := range ten.SubscribedSKUs {
		c := ten.ConsumedUnits(s.SkuID)
		switch {
		case s.CapabilityStatus == "Suspended" && s.Suspended > 0:
			suspended++
		case s.Warning > 0 && c > s.Enabled:
			warning++
		case c > 0 && c == s.Enabled:
			full++
		case s.Enabled-c >= 20:
			spare++
		}
	}
	if full == 0 || spare == 0 || warning == 0 || suspended == 0 {
		t.Errorf("SKU states: %d full, %d spare, %d warning, %d suspended", full, spare, warning, suspended)
	}
	// Inactive everywhere for more than 90 days (no workload use and no
	// successful sign-in), among enabled licensed employees.
	inactive, active := 0, 0
	cut := ten.ReportRefreshDate().AddDate(0, 0, -90)
	signInCut := ten.Now.AddDate(0, 0, -90)
	for _, u := range ten.Users {
		if u.UserType != "Member" || u.MailboxPurpose != "user" || !u.AccountEnabled || len(u.AssignedLicenses) == 0 {
			continue
		}
		any := false
		for _, last := range u.Activity.Last {
			if last.After(cut) {
				any = true
			}
		}
		switch signedIn := u.SignIn.LastSuccessfulSignInDateTime.After(signInCut); {
		case !any && !signedIn:
			inactive++
		case !any && signedIn && u.CreatedDateTime.Before(signInCut):
			// Signed in but used nothing: only unlicensed-for-workload users.
			if r := ten.rightsOf(u); r.services != [NumServices]bool{} {
				t.Errorf("%s signed in %v but shows no activity in 90 days", u.UserPrincipalName, u.SignIn.LastSuccessfulSignInDateTime)
			}
			active++
		default:
			active++
		}
	}
	if share := float64(inactive) / float64(inactive+active); share < 0.07 || share > 0.16 {
		t.Errorf("inactive everywhere share %.3f (%d of %d), want about 0.10", share, inactive, inactive+active)
	}
	// Roles: at least 15 built-in definitions, Global Administrator assigned,
	// some roles unused.
	used := map[string]bool{}
	for _, ra := range ten.RoleAssignments {
		used[ra.RoleDefinitionID] = true
	}
	if len(ten.RoleDefinitions) < 15 || !used[RoleGlobalAdministrator] || len(used) >= len(ten.RoleDefinitions) {
		t.Errorf("%d role definitions, %d used, Global Administrator used %v", len(ten.RoleDefinitions), len(used), used[RoleGlobalAdministrator])
	}
	// Domains: initial, default, federated.
	var initial, def, fed int
	for _, d := range ten.Domains {
		if d.IsInitial && d.ID == ten.InitialDomain {
			initial++
		}
		if d.IsDefault && d.ID == ten.DefaultDomain {
			def++
		}
		if d.AuthenticationType == "Federated" {
			fed++
		}
	}
	if initial != 1 || def != 1 || fed != 1 {
		t.Errorf("domains: %d initial, %d default, %d federated", initial, def, fed)
	}
	if len(ten.SynchronizationJobs) == 0 || len(ten.OAuth2PermissionGrant) == 0 || len(ten.CompanySubscriptions) < len(ten.SubscribedSKUs) {
		t.Errorf("%d sync jobs, %d grants, %d company subscriptions", len(ten.SynchronizationJobs), len(ten.OAuth2PermissionGrant), len(ten.CompanySubscriptions))
	}
	var soon30, soon60 int
	for _, cs := range ten.CompanySubscriptions {
		switch d := cs.NextLifecycleDateTime.Sub(ten.Now); {
		case d <= 30*24*time.Hour:
			soon30++
		case d <= 60*24*time.Hour:
			soon60++
		}
	}
	if soon30 == 0 || soon60 == 0 {
		t.Errorf("renewals within 30 days %d, within 60 days %d", soon30, soon60)
	}
	kinds := map[ObjectKind]int{}
	for _, g := range ten.Groups {
		for _, m := range g.Members {
			kinds[ten.KindOf(m)]++
		}
	}
	if kinds[KindGroup] == 0 || kinds[KindServicePrincipal] == 0 || kinds[KindDevice] == 0 || kinds[KindUser] < 10*n*8/10 {
		t.Errorf("member kinds %v", kinds)
	}
}

func sku(t *testing.T, ten *Tenant, part string) *SubscribedSKU {
	t.Helper()
	for _, s := range ten.SubscribedSKUs {
		if s.SkuPartNumber == part {
			return s
		}
	}
	t.Fatalf("no SKU %s", part)
	return nil
}

func TestConnectorProfile(t *testing.T) {
	p, _ := ProfileByName("small", 5)
	p.ClientSecret = "abc8Q~not-a-real-secret-just-a-test-0000"
	p.SecretExpiry = 10 * 24 * time.Hour
	p.Granted = []string{"user.read.all", "Reports.Read.All", "User.Read.All"}
	p.Tier = TierP1
	p.Concealed = false
	ten, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := ten.ConnectorSecret(); got != p.ClientSecret {
		t.Errorf("ConnectorSecret = %q", got)
	}
	if !reflect.DeepEqual(ten.Connector.Granted, []string{"User.Read.All", "Reports.Read.All"}) {
		t.Errorf("Granted = %v", ten.Connector.Granted)
	}
	if n := countConnectorGraphRoles(ten); n != 2 {
		t.Errorf("connector Graph app role assignments = %d, want 2", n)
	}
	app := ten.ApplicationByAppID(ten.Connector.AppID)
	pc := app.PasswordCredentials[0]
	if !pc.EndDateTime.Equal(defaultNow().Add(10*24*time.Hour)) || pc.Hint != "abc" {
		t.Errorf("secret ends %v hint %q", pc.EndDateTime, pc.Hint)
	}
	if ten.ReportSettings.DisplayConcealedNames {
		t.Error("concealed names on")
	}
	// An expired secret (AADSTS7000222 tests) and no consent at all.
	p.SecretExpiry = -24 * time.Hour
	p.Granted = []string{}
	ten, err = Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	pc = ten.ApplicationByAppID(ten.Connector.AppID).PasswordCredentials[0]
	if !pc.EndDateTime.Equal(defaultNow().Add(-24*time.Hour)) || !pc.StartDateTime.Before(pc.EndDateTime) {
		t.Errorf("expired secret %v .. %v", pc.StartDateTime, pc.EndDateTime)
	}
	if len(ten.Connector.Granted) != 0 || countConnectorGraphRoles(ten) != 0 {
		t.Errorf("Granted = %v, %d assignments; want none", ten.Connector.Granted, countConnectorGraphRoles(ten))
	}

	// A derived secret has Entra's shape and differs by seed.
	a, b := mustGenerate(t, "small", 1, ""), mustGenerate(t, "small", 2, "")
	sa, sb := a.ConnectorSecret(), b.ConnectorSecret()
	if len(sa) != 40 || sa[3:6] != "8Q~" || sa == sb {
		t.Errorf("derived secrets %q %q", sa, sb)
	}
}

func TestGraphAppRoles(t *testing.T) {
	roles := GraphAppRoles()
	ids := map[string]bool{}
	for i, r := range roles {
		if !guidRE.MatchString(r.ID) && !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(r.ID) {
			t.Errorf("%s: bad id %q", r.Value, r.ID)
		}
		if ids[r.ID] {
			t.Errorf("duplicate id %s", r.ID)
		}
		ids[r.ID] = true
		if i > 0 && roles[i-1].Value >= r.Value {
			t.Errorf("not sorted at %s", r.Value)
		}
	}
	// Every permission issue 2 item 6 and the seeds name.
	for _, p := range []string{"User.Read.All", "LicenseAssignment.Read.All", "Directory.Read.All", "Reports.Read.All", "AuditLog.Read.All",
		"Group.Read.All", "GroupMember.Read.All", "RoleManagement.Read.Directory", "RoleEligibilitySchedule.Read.Directory",
		"RoleAssignmentSchedule.Read.Directory", "Application.Read.All", "Synchronization.Read.All", "DeviceManagementManagedDevices.Read.All",
		"MailboxSettings.Read", "IdentityProvider.Read.All", "Organization.Read.All", "User.ReadWrite.All", "LicenseAssignment.ReadWrite.All",
		"GroupMember.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All", "RoleManagement.ReadWrite.Directory", "AppRoleAssignment.ReadWrite.All",
		"User.ReadBasic.All", "RoleManagement.Read.All", "PrivilegedAccess.Read.AzureAD", "PrivilegedAccess.Read.AzureADGroup",
		"PrivilegedAccess.Read.AzureResources", "RoleManagementAlert.Read.Directory", "RoleManagementPolicy.Read.AzureADGroup",
		"RoleManagementPolicy.Read.Directory", "ServicePrincipalEndpoint.Read.All", "ServicePrincipalEndpoint.ReadWrite.All",
		"Application.ReadWrite.All", "Directory.ReadWrite.All", "Group.ReadWrite.All", "ReportSettings.Read.All", "ReportSettings.ReadWrite.All",
		"UserAuthenticationMethod.Read.All", "Domain.Read.All", "User.RevokeSessions.All", "User.EnableDisableAccount.All"} {
		if _, ok := GraphAppRoleByValue(p); !ok {
			t.Errorf("%s missing", p)
		}
	}
	if r, ok := GraphAppRoleByID("DF021288-BDEF-4463-88DB-98F22DE89214"); !ok || r.Value != "User.Read.All" {
		t.Errorf("GraphAppRoleByID(User.Read.All) = %+v, %v", r, ok)
	}
}

// TestTinyProfiles: the smallest tenants generate, satisfy the invariants
// and survive heavy churn (no panics on edge sizes: one user, no groups, no
// room for managed identities).
func TestTinyProfiles(t *testing.T) {
	for users := 1; users <= 4; users++ {
		for _, groups := range []int{0, 2, 3} {
			for _, sps := range []int{minServicePrincipals, minServicePrincipals + 1} {
				for _, tier := range []Tier{TierFree, TierP1, TierP2} {
					p := Profile{Name: "tiny", Seed: int64(users*100 + groups*10 + sps), Users: users, Groups: groups, ServicePrincipals: sps, Devices: groups, Tier: tier}
					ten, err := Generate(p)
					if err != nil {
						t.Fatalf("%+v: %v", p, err)
					}
					if len(ten.Users) != users || len(ten.Groups) != groups || len(ten.ServicePrincipals) != sps {
						t.Fatalf("%+v: %d users, %d groups, %d SPs", p, len(ten.Users), len(ten.Groups), len(ten.ServicePrincipals))
					}
					checkInvariants(t, ten, true)
					ten.Churn(0.5, 1)
					checkInvariants(t, ten, false)
				}
			}
		}
	}
}

// TestSmallProfilePopulated: every collection other packages serve has
// objects in a small tenant, whatever the seed.
func TestSmallProfilePopulated(t *testing.T) {
	for seed := int64(0); seed < 12; seed++ {
		ten := mustGenerate(t, "small", seed, TierP2)
		for name, n := range map[string]int{
			"domains": len(ten.Domains), "identity providers": len(ten.IdentityProviders), "users": len(ten.Users),
			"deleted users": len(ten.Deleted), "groups": len(ten.Groups), "subscribed SKUs": len(ten.SubscribedSKUs),
			"company subscriptions": len(ten.CompanySubscriptions), "applications": len(ten.Applications),
			"service principals": len(ten.ServicePrincipals), "role definitions": len(ten.RoleDefinitions),
			"role assignments": len(ten.RoleAssignments), "role eligibilities": len(ten.RoleEligibilities),
			"role assignment schedules": len(ten.RoleAssignmentScheds), "app role assignments": len(ten.AppRoleAssignments),
			"OAuth2 grants": len(ten.OAuth2PermissionGrant), "synchronization jobs": len(ten.SynchronizationJobs),
			"managed devices": len(ten.ManagedDevices), "devices": len(ten.Devices), "subscriptions": len(ten.Azure.Subscriptions),
			"resource groups": len(ten.Azure.ResourceGroups), "ARM role definitions": len(ten.Azure.RoleDefinitions),
			"ARM role assignments": len(ten.Azure.RoleAssignments), "storage accounts": len(ten.Azure.StorageAccounts),
			"blob containers": len(ten.Azure.BlobContainers), "user-assigned identities": len(ten.Azure.UserAssignedIdentities),
		} {
			if n == 0 {
				t.Errorf("seed %d: no %s", seed, name)
			}
		}
	}
}
