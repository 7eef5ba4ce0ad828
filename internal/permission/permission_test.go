package permission

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// allCatalogued returns every permission the catalogue names.
func allCatalogued() []string {
	var out []string
	for _, e := range Catalogue() {
		for _, r := range e.Requires {
			out = append(out, r.AnyOf...)
		}
		for _, x := range e.Extras {
			out = append(out, x.Permission)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func statuses(r Report) map[Feature]Status {
	m := map[Feature]Status{}
	for _, f := range r.Features {
		m[f.Feature] = f.Status
	}
	return m
}

func TestEvaluateAllGranted(t *testing.T) {
	r := Evaluate(allCatalogued(), TierP2, DefaultFeatures())
	if r.Degraded() {
		t.Fatalf("degraded with everything granted: %+v", r.Features)
	}
	st := statuses(r)
	for _, f := range DefaultFeatures() {
		if st[f] != OK {
			t.Errorf("%s = %s, want ok", f, st[f])
		}
	}
	for _, f := range []Feature{MailboxPurpose, Reclaim, Deprovision, Provision} {
		if st[f] != Off {
			t.Errorf("%s = %s, want off", f, st[f])
		}
	}
	users, _ := r.Result(Users)
	if !slices.Equal(users.Using, []string{"User.Read.All"}) {
		t.Errorf("users using %v", users.Using)
	}
	// With every default feature on, the write permissions and the narrower
	// alternatives' broader twins are the least-privilege warnings.
	var unneeded []string
	for _, u := range r.Unneeded {
		unneeded = append(unneeded, u.Permission)
	}
	for _, p := range []string{"User.ReadWrite.All", "RoleManagement.ReadWrite.Directory", "MailboxSettings.Read", "Group.Read.All", "RoleManagement.Read.All"} {
		if !slices.Contains(unneeded, p) {
			t.Errorf("%s not reported unneeded; unneeded = %v", p, unneeded)
		}
	}
	for _, p := range []string{"User.Read.All", "Directory.Read.All", "Reports.Read.All", "ReportSettings.Read.All", "AuditLog.Read.All",
		"Application.Read.All", "LicenseAssignment.Read.All", "Organization.Read.All", "RoleEligibilitySchedule.Read.Directory"} {
		if slices.Contains(unneeded, p) {
			t.Errorf("%s reported unneeded", p)
		}
	}
}

func TestEvaluateReportsWithheld(t *testing.T) {
	granted := slices.DeleteFunc(allCatalogued(), func(p string) bool { return p == "Reports.Read.All" })
	r := Evaluate(granted, TierP2, DefaultFeatures())
	for f, s := range statuses(r) {
		want := OK
		switch {
		case f == UsageReports:
			want = Degraded
		case !slices.Contains(DefaultFeatures(), f):
			want = Off
		}
		if s != want {
			t.Errorf("%s = %s, want %s", f, s, want)
		}
	}
	u, _ := r.Result(UsageReports)
	if !slices.Equal(u.Missing, []string{"Reports.Read.All"}) || u.Reasons[0] != "missing Reports.Read.All" ||
		!strings.HasPrefix(u.Reasons[len(u.Reasons)-1], "without it: no last activity per service") {
		t.Fatalf("usage reports = %+v", u)
	}
	// The extras are still granted and still serve usage reports.
	if !slices.Contains(u.Using, "ReportSettings.Read.All") {
		t.Fatalf("extras not counted: %+v", u)
	}
}

func TestEvaluateTiers(t *testing.T) {
	g := allCatalogued()
	r := Evaluate(g, TierP1, DefaultFeatures())
	if st := statuses(r); st[PIM] != Degraded || st[SignInActivity] != OK {
		t.Fatalf("P1: pim %s sign-in %s", st[PIM], st[SignInActivity])
	}
	pim, _ := r.Result(PIM)
	if !slices.Contains(pim.Reasons, "the tenant has Entra ID P1; this needs P2") {
		t.Fatalf("pim reasons %v", pim.Reasons)
	}
	r = Evaluate(g, TierFree, DefaultFeatures())
	if st := statuses(r); st[PIM] != Degraded || st[SignInActivity] != Degraded {
		t.Fatalf("free: %v", st)
	}
	r = Evaluate(g, TierUnknown, DefaultFeatures())
	si, _ := r.Result(SignInActivity)
	if si.Status != OK || !slices.Contains(si.Reasons, "needs Entra ID P1; the tenant's tier could not be read") {
		t.Fatalf("unknown tier: %+v", si)
	}
}

func TestEvaluateLeastPrivilege(t *testing.T) {
	// Directory.Read.All covers users, but User.Read.All is granted and
	// narrower, so Directory.Read.All is unneeded while OAuth2 grants are off.
	r := Evaluate([]string{"user.read.all", "Directory.Read.All"}, TierP2, []Feature{Users})
	if len(r.Unneeded) != 1 || r.Unneeded[0].Permission != "Directory.Read.All" {
		t.Fatalf("unneeded = %+v", r.Unneeded)
	}
	u, _ := r.Result(Users)
	if u.Status != OK || !slices.Equal(u.Using, []string{"user.read.all"}) {
		t.Fatalf("users = %+v", u)
	}
	if r.Unneeded[0].Why != "redundant: user.read.all already covers users" {
		t.Fatalf("reason = %q", r.Unneeded[0].Why)
	}
	// With OAuth2 grants on, Directory.Read.All is required; User.Read.All
	// stays the narrower one serving users, and nothing is flagged.
	r = Evaluate([]string{"User.Read.All", "Directory.Read.All"}, TierP2, []Feature{Users, OAuth2Grants})
	if len(r.Unneeded) != 0 {
		t.Fatalf("unneeded with oauth2 grants on = %+v", r.Unneeded)
	}
	if u, _ := r.Result(Users); !slices.Equal(u.Using, []string{"User.Read.All"}) {
		t.Fatalf("users using %v", u.Using)
	}
	// A write permission serves only the (off) actions.
	r = Evaluate([]string{"User.Read.All", "UserAuthenticationMethod.ReadWrite.All"}, TierP2, []Feature{Users})
	if r.Unneeded[0].Why != "serves only features that are off: deprovision" {
		t.Fatalf("action permission reason = %q", r.Unneeded[0].Why)
	}
	// Only Directory.Read.All: it serves users, nothing unneeded.
	r = Evaluate([]string{"Directory.Read.All"}, TierP2, []Feature{Users})
	if u, _ := r.Result(Users); u.Status != OK || len(r.Unneeded) != 0 || !slices.Equal(u.Using, []string{"Directory.Read.All"}) {
		t.Fatalf("directory only: %+v %+v", u, r.Unneeded)
	}
	// A permission the guides ask for but nothing uses carries its reason.
	r = Evaluate([]string{"User.Read.All", "AppRoleAssignment.ReadWrite.All", "Mail.Read"}, TierP2, []Feature{Users})
	want := []Unneeded{
		{"AppRoleAssignment.ReadWrite.All", "only to write app role assignments (feature provision); reading them needs just Application.Read.All"},
		{"Mail.Read", "tenantscope never uses it"},
	}
	if !slices.Equal(r.Unneeded, want) {
		t.Fatalf("unneeded = %+v", r.Unneeded)
	}
	// PIM: RoleManagement.Read.Directory alone serves both requirements.
	r = Evaluate([]string{"RoleManagement.Read.Directory"}, TierP2, []Feature{PIM, Roles})
	if st := statuses(r); st[PIM] != OK || st[Roles] != OK || len(r.Unneeded) != 0 {
		t.Fatalf("pim via RoleManagement.Read.Directory: %v %v", st, r.Unneeded)
	}
}

func TestEvaluateActionsAndSetDegraded(t *testing.T) {
	r := Evaluate([]string{"User.ReadWrite.All", "GroupMember.ReadWrite.All"}, TierP2, []Feature{Deprovision})
	d, _ := r.Result(Deprovision)
	if d.Status != Degraded || !slices.Equal(d.Missing, []string{"UserAuthenticationMethod.ReadWrite.All"}) ||
		d.Reasons[0] != "missing UserAuthenticationMethod.ReadWrite.All (remove authentication methods)" {
		t.Fatalf("deprovision = %+v", d)
	}
	r = Evaluate(nil, TierP2, []Feature{Azure})
	if r.Degraded() {
		t.Fatal("azure needs no Graph permission")
	}
	r.SetDegraded(Azure, "no subscriptions")
	r.SetDegraded(Users, "ignored: off")
	if st := statuses(r); st[Azure] != Degraded || st[Users] != Off || !r.Degraded() {
		t.Fatalf("after SetDegraded: %v", st)
	}
}

func TestTierFromSKUs(t *testing.T) {
	cases := []struct {
		skus []SKU
		want Tier
	}{
		{nil, TierFree},
		{[]SKU{{SkuPartNumber: "ENTERPRISEPACK", EnabledUnits: 25, ServicePlanNames: []string{"EXCHANGE_S_ENTERPRISE"}}}, TierFree},
		{[]SKU{{SkuPartNumber: "SPE_E3", EnabledUnits: 10, ServicePlanNames: []string{"AAD_PREMIUM", "EXCHANGE_S_ENTERPRISE"}}}, TierP1},
		{[]SKU{{SkuPartNumber: "SPE_E3", EnabledUnits: 10, ServicePlanNames: []string{"AAD_PREMIUM"}}, {SkuPartNumber: "SPE_E5", EnabledUnits: 5, ServicePlanNames: []string{"AAD_PREMIUM", "AAD_PREMIUM_P2"}}}, TierP2},
		{[]SKU{{SkuPartNumber: "Microsoft_Entra_ID_Governance", EnabledUnits: 3, ServicePlanNames: []string{"Entra_Identity_Governance"}}}, TierP2},
		// A suspended or lapsed SKU has no enabled units and gives nothing.
		{[]SKU{{SkuPartNumber: "AAD_PREMIUM_P2", EnabledUnits: 0, ServicePlanNames: []string{"AAD_PREMIUM_P2"}}}, TierFree},
	}
	for i, c := range cases {
		if got := TierFromSKUs(c.skus); got != c.want {
			t.Errorf("case %d: %s, want %s", i, got, c.want)
		}
	}
	if !TierP2.AtLeast(TierP1) || TierP1.AtLeast(TierP2) || TierUnknown.AtLeast(TierP1) || !TierFree.AtLeast("") {
		t.Fatal("AtLeast ordering")
	}
}

func TestCatalogueIntegrity(t *testing.T) {
	perm := regexp.MustCompile(`^[A-Z][A-Za-z]+(\.[A-Z][A-Za-z]+)+$`)
	seen := map[Feature]bool{}
	for _, e := range Catalogue() {
		if seen[e.Feature] {
			t.Errorf("duplicate feature %s", e.Feature)
		}
		seen[e.Feature] = true
		if e.Title == "" || e.Lost == "" || len(e.Endpoints) == 0 || len(e.Seeds) == 0 {
			t.Errorf("%s lacks title, loss, endpoints or seeds", e.Feature)
		}
		if len(e.Requires) == 0 && e.ARMRole == "" {
			t.Errorf("%s requires nothing", e.Feature)
		}
		for _, r := range e.Requires {
			for _, p := range r.AnyOf {
				if !perm.MatchString(p) {
					t.Errorf("%s: %q is not a permission name", e.Feature, p)
				}
			}
		}
	}
	for _, n := range NotNeededList() {
		if slices.Contains(allCatalogued(), n.Permission) && n.Permission != "AppRoleAssignment.ReadWrite.All" &&
			n.Permission != "Directory.ReadWrite.All" && n.Permission != "Group.ReadWrite.All" {
			t.Errorf("%s is both catalogued and not needed", n.Permission)
		}
	}
}

// seedPermissions are the Graph application permissions each vendor guide
// in ../shared/seeds names (transcribed; TestSeedFilesMatchTranscription
// re-reads the guides when they are present).
var seedPermissions = map[string][]string{
	"000": {"Application.Read.All", "RoleManagement.Read.Directory", "Synchronization.Read.All", "Group.Read.All", "GroupMember.Read.All",
		"Directory.Read.All", "User.Read.All", "AuditLog.Read.All", "DeviceManagementManagedDevices.Read.All", "Reports.Read.All",
		"LicenseAssignment.Read.All", "AppRoleAssignment.ReadWrite.All", "IdentityProvider.Read.All", "Organization.Read.All",
		"User.ReadWrite.All", "GroupMember.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All", "RoleManagement.ReadWrite.Directory",
		"Exchange.ManageAsApp"},
	"001": {"Directory.Read.All", "Organization.Read.All", "User.Read.All", "Reports.Read.All", "offline_access", "User.Read"},
	"002": {"Application.Read.All", "AppRoleAssignment.ReadWrite.All", "AuditLog.Read.All", "Directory.Read.All", "Group.Read.All",
		"GroupMember.Read.All", "MailboxSettings.Read", "RoleAssignmentSchedule.Read.Directory", "RoleEligibilitySchedule.Read.Directory",
		"RoleManagement.Read.All", "RoleManagement.Read.Directory", "RoleManagementAlert.Read.Directory", "RoleManagementPolicy.Read.AzureADGroup",
		"RoleManagementPolicy.Read.Directory", "ServicePrincipalEndpoint.Read.All", "User.Read.All", "User.ReadBasic.All",
		"PrivilegedAccess.Read.AzureAD", "PrivilegedAccess.Read.AzureADGroup", "PrivilegedAccess.Read.AzureResources",
		"Application.ReadWrite.All", "Directory.ReadWrite.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All", "MailboxSettings.ReadWrite",
		"RoleManagement.ReadWrite.Directory", "ServicePrincipalEndpoint.ReadWrite.All", "User.ReadWrite.All"},
	"003": {"LicenseAssignment.Read.All", "User.Read.All", "AuditLog.Read.All", "Reports.Read.All", "offline_access", "User.Read"},
	"004": {"Directory.Read.All", "Reports.Read.All", "User.ReadWrite.All"},
}

func TestCatalogueCoversEverySeedPermission(t *testing.T) {
	known := map[string]bool{}
	for _, p := range allCatalogued() {
		known[p] = true
	}
	for _, n := range NotNeededList() {
		known[n.Permission] = true
	}
	for seed, perms := range seedPermissions {
		for _, p := range perms {
			if !known[p] {
				t.Errorf("seed %s asks for %s, which the catalogue neither uses nor explains", seed, p)
			}
		}
	}
	// Every feature names seeds that exist.
	for _, e := range Catalogue() {
		for _, s := range e.Seeds {
			if _, ok := seedPermissions[s.Seed]; !ok {
				t.Errorf("%s cites unknown seed %s", e.Feature, s.Seed)
			}
		}
	}
}

// TestSeedFilesMatchTranscription re-reads the vendor guides, when the
// shared directory is present beside the repository, so the transcription
// above cannot miss a permission.
func TestSeedFilesMatchTranscription(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/seeds/0*.txt")
	if len(files) == 0 {
		t.Skip("../shared/seeds not present")
	}
	// The guides run words together ("Application.Read.AllRead
	// applications"), so the pattern spells out the suffixes; Go's regexp
	// prefers the leftmost alternative, hence the longer names first.
	re := regexp.MustCompile(`[A-Z][A-Za-z]+\.(?:ReadWrite|ReadBasic|Read|ManageAsApp)(?:\.(?:AzureADGroup|AzureAD|AzureResources|Directory|All))?`)
	for _, f := range files {
		seed := filepath.Base(f)[:3]
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllString(string(b), -1) {
			if !slices.Contains(seedPermissions[seed], m) {
				t.Errorf("seed %s names %s, missing from seedPermissions", seed, m)
			}
		}
	}
}

func TestPermissionsDocIsFresh(t *testing.T) {
	got, err := os.ReadFile("../../docs/permissions.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Markdown()) {
		t.Fatal("docs/permissions.md is stale: run go generate ./internal/permission")
	}
}
