package license

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

	e3Plans = []string{"EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1", "MCOSTANDARD", "YAMMER_ENTERPRISE", "OFFICESUBSCRIPTION", "SHAREPOINTWAC", "SWAY"}
	e5Plans = append(slices.Clone(e3Plans), "MCOEV", "MCOMEETADV", "BI_AZURE_P2", "THREAT_INTELLIGENCE")
	e1Plans = []string{"EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD", "TEAMS1", "MCOSTANDARD", "YAMMER_ENTERPRISE", "SHAREPOINTWAC"}
)

const (
	skuE3    = "6fd2c87f-b296-42f0-b197-1e91e994b900"
	skuE5    = "c7df2760-2c81-4ef7-b578-5b5392b571df"
	skuE1    = "18181a46-0d4e-45cd-891e-60aabd171b4e"
	skuVisio = "c5928f49-12ba-48f7-ada3-0d743a3601d5"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func act(pairs ...any) [NumWorkloads]time.Time {
	var a [NumWorkloads]time.Time
	for i := 0; i < len(pairs); i += 2 {
		a[pairs[i].(Workload)] = day(pairs[i+1].(string))
	}
	return a
}

func direct(ids ...string) []Assignment {
	var out []Assignment
	for _, id := range ids {
		out = append(out, Assignment{SkuID: id, Direct: true})
	}
	return out
}

func scenario(t *testing.T) Input {
	t.Helper()
	pricing, err := NewPricing(
		[]Term{{SkuPartNumber: "ENTERPRISEPACK", CostPerUnit: MustMoney("300"), Currency: "USD", PaymentFrequency: Annual, ExpirationDate: now.AddDate(0, 0, 30)}},
		[]ListPrice{{SkuPartNumber: "ENTERPRISEPACK", USDPerUserMonth: "26"}, {SkuPartNumber: "ENTERPRISEPREMIUM", USDPerUserMonth: "41"},
			{SkuPartNumber: "STANDARDPACK", USDPerUserMonth: "10"}, {SkuPartNumber: "VISIOCLIENT", USDPerUserMonth: "15"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	old := day("2024-01-15")
	return Input{
		Now: now, InactiveDays: 90, Pricing: pricing, SignInKnown: true, ActivityKnown: true,
		SKUs: []SKU{
			{SkuID: skuE3, SkuPartNumber: "ENTERPRISEPACK", DisplayName: "Office 365 E3", Enabled: 10, Consumed: 8, ServicePlanNames: e3Plans, AppliesTo: "User", CapabilityStatus: "Enabled"},
			{SkuID: skuE5, SkuPartNumber: "ENTERPRISEPREMIUM", DisplayName: "Office 365 E5", Enabled: 5, Consumed: 4, ServicePlanNames: e5Plans, AppliesTo: "User", CapabilityStatus: "Enabled"},
			{SkuID: skuE1, SkuPartNumber: "STANDARDPACK", DisplayName: "Office 365 E1", Enabled: 2, Consumed: 0, ServicePlanNames: e1Plans, AppliesTo: "User", CapabilityStatus: "Enabled"},
			{SkuID: skuVisio, SkuPartNumber: "VISIOCLIENT", DisplayName: "Visio Plan 2", Enabled: 3, Consumed: 2, ServicePlanNames: []string{"VISIO_CLIENT_SUBSCRIPTION", "VISIOONLINE", "EXCHANGE_S_FOUNDATION"}, AppliesTo: "User", CapabilityStatus: "Enabled"},
		},
		Users: []User{
			{ID: "u1", UserPrincipalName: "alice@contoso.com", AccountEnabled: true, UserType: "Member", Created: old, Licenses: direct(skuE3),
				LastActivity: act(Exchange, "2026-10-30", M365Apps, "2026-10-29"), InReports: true, DesktopApps: true, LastSuccessfulSignIn: day("2026-10-31")},
			{ID: "u2", UserPrincipalName: "bob@contoso.com", AccountEnabled: true, UserType: "Member", Created: old, Licenses: direct(skuE3),
				LastActivity: act(Exchange, "2026-06-01"), InReports: true, LastSuccessfulSignIn: day("2026-06-02")},
			{ID: "u3", UserPrincipalName: "carol@contoso.com", AccountEnabled: false, UserType: "Member", Created: old,
				Licenses: []Assignment{{SkuID: skuE3, Groups: []string{"g1"}}}, LastSuccessfulSignIn: day("2026-01-01")},
			{ID: "u4", UserPrincipalName: "dave@contoso.com", AccountEnabled: true, UserType: "Member", Created: old, Licenses: direct(skuE3, skuE5),
				LastActivity: act(Teams, "2026-10-28"), InReports: true, DesktopApps: true},
			{ID: "u5", UserPrincipalName: "erin@contoso.com", AccountEnabled: true, UserType: "Member", Created: old, Licenses: direct(skuE5),
				LastActivity: act(Exchange, "2026-10-30", Teams, "2026-10-30"), InReports: true, DesktopApps: true},
			{ID: "u6", UserPrincipalName: "frank@contoso.com", AccountEnabled: true, UserType: "Member", Created: old, Licenses: direct(skuE3),
				LastActivity: act(Exchange, "2026-10-20", M365Apps, "2026-10-20"), InReports: true, WebOrMobileApps: true},
			{ID: "u7", UserPrincipalName: "room1@contoso.com", AccountEnabled: true, UserType: "Member", Created: old, MailboxPurpose: "room", Licenses: direct(skuE3), InReports: true},
			{ID: "u8", UserPrincipalName: "guest_fabrikam.com#EXT#@contoso.onmicrosoft.com", AccountEnabled: true, UserType: "Guest", Created: old,
				Licenses: []Assignment{{SkuID: skuE3, Direct: true, Groups: []string{"g2"}}}, LastActivity: act(SharePoint, "2026-10-01"), InReports: true},
			{ID: "u9", UserPrincipalName: "gina@contoso.com", AccountEnabled: true, UserType: "Member", Created: day("2026-10-01"), Licenses: direct(skuE5)},
			{ID: "u10", UserPrincipalName: "hank@contoso.com", AccountEnabled: true, UserType: "Member", Created: old, Licenses: direct(skuE5, skuVisio), InReports: true},
			{ID: "u11", UserPrincipalName: "ivan@contoso.com", AccountEnabled: true, UserType: "Member", Created: old, Licenses: direct(skuE3, skuVisio),
				LastActivity: act(SharePoint, "2026-10-25"), InReports: true, DesktopApps: true},
			{ID: "u12", UserPrincipalName: "unlicensed@contoso.com", AccountEnabled: false, UserType: "Member", Created: old},
		},
	}
}

func findingKeys(a *Analysis) []string {
	var out []string
	for _, f := range a.Findings {
		s := fmt.Sprintf("%s %s %s", f.Kind, f.UserPrincipalName, f.SkuPartNumber)
		if !f.AnnualSavings.IsZero() {
			s += " " + f.AnnualSavings.String() + " " + f.Currency
		}
		out = append(out, s)
	}
	return out
}

func TestAnalyzeFindings(t *testing.T) {
	a, err := Analyze(scenario(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"direct-and-group-assignment guest_fabrikam.com#EXT#@contoso.onmicrosoft.com ENTERPRISEPACK",
		"disabled-licensed-user carol@contoso.com ENTERPRISEPACK 300.00 USD",
		"downgrade-candidate erin@contoso.com ENTERPRISEPREMIUM 192.00 USD",
		"downgrade-candidate frank@contoso.com ENTERPRISEPACK 180.00 USD",
		"inactive-licensed-user bob@contoso.com ENTERPRISEPACK 300.00 USD",
		"inactive-licensed-user hank@contoso.com ENTERPRISEPREMIUM 492.00 USD",
		"inactive-licensed-user hank@contoso.com VISIOCLIENT 180.00 USD",
		"licensed-guest guest_fabrikam.com#EXT#@contoso.onmicrosoft.com ENTERPRISEPACK",
		"licensed-shared-mailbox room1@contoso.com ENTERPRISEPACK 300.00 USD",
		"overlapping-licenses dave@contoso.com ENTERPRISEPACK 300.00 USD",
		"renewal-with-unused-seats  ENTERPRISEPACK 600.00 USD",
		"unassigned-seats  ENTERPRISEPACK 600.00 USD",
		"unassigned-seats  ENTERPRISEPREMIUM 492.00 USD",
		"unassigned-seats  STANDARDPACK 240.00 USD",
		"unassigned-seats  VISIOCLIENT 180.00 USD",
		"unused-add-on hank@contoso.com VISIOCLIENT",
	}
	got := findingKeys(a)
	if !slices.Equal(got, want) {
		t.Fatalf("findings:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestAnalyzeTotalsAndSKUs(t *testing.T) {
	a, err := Analyze(scenario(t))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, m map[string]Money, want string) {
		t.Helper()
		if len(m) != 1 || m["USD"].String() != want {
			t.Errorf("%s = %v, want USD %s", name, m, want)
		}
	}
	check("annual spend", a.AnnualSpend, "6240.00")       // 10*300 + 5*492 + 2*120 + 3*180
	check("unassigned cost", a.UnassignedCost, "1512.00") // 2*300 + 1*492 + 2*120 + 1*180
	check("inactive cost", a.InactiveCost, "1272.00")     // E3 bob+carol, E5 hank, Visio hank
	check("savings", a.Savings, "3756.00")                // each seat once
	var perSKU Money
	for _, s := range a.SKUs {
		perSKU = perSKU.Add(s.AnnualSavings)
	}
	if perSKU.String() != "3756.00" {
		t.Errorf("per-SKU savings add up to %s, want the total 3756.00", perSKU)
	}
	if len(a.Warnings) != 0 {
		t.Errorf("warnings: %v", a.Warnings)
	}

	e3 := a.SKUs[slices.IndexFunc(a.SKUs, func(s SKUSummary) bool { return s.SkuPartNumber == "ENTERPRISEPACK" })]
	if e3.Available != 2 || e3.AssignedDirect != 7 || e3.AssignedGroup != 2 || !slices.Equal(e3.ViaGroups, []string{"g1", "g2"}) {
		t.Errorf("E3 assignment counts: %+v", e3)
	}
	// alice, dave, frank, guest, ivan active; bob, carol inactive; room excluded.
	if e3.ActiveUsers != 5 || e3.InactiveUsers != 2 || e3.UnknownUsers != 0 {
		t.Errorf("E3 activity: active %d inactive %d unknown %d", e3.ActiveUsers, e3.InactiveUsers, e3.UnknownUsers)
	}
	if e3.Price.Default || e3.Price.AnnualPerUnit.String() != "300.00" || !e3.Renewal.Equal(now.AddDate(0, 0, 30)) {
		t.Errorf("E3 price: %+v renewal %v", e3.Price, e3.Renewal)
	}
	e5 := a.SKUs[slices.IndexFunc(a.SKUs, func(s SKUSummary) bool { return s.SkuPartNumber == "ENTERPRISEPREMIUM" })]
	if !e5.Price.Default || e5.Price.AnnualPerUnit.String() != "492.00" {
		t.Errorf("E5 price should be the default list price: %+v", e5.Price)
	}
}

func TestVerdictsWithoutSignInDataAreUnknown(t *testing.T) {
	in := scenario(t)
	in.SignInKnown = false
	a, err := Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	verdict := map[string]Verdict{}
	for _, v := range a.Verdicts {
		verdict[v.UserPrincipalName] = v.Verdict
	}
	want := map[string]Verdict{
		"alice@contoso.com": Active, "bob@contoso.com": Unknown, "carol@contoso.com": Unknown,
		"dave@contoso.com": Active, "erin@contoso.com": Active, "frank@contoso.com": Active,
		"room1@contoso.com": Excluded, "guest_fabrikam.com#EXT#@contoso.onmicrosoft.com": Active,
		"gina@contoso.com": Active, "hank@contoso.com": Unknown, "ivan@contoso.com": Active,
	}
	if fmt.Sprint(verdict) != fmt.Sprint(want) {
		t.Fatalf("verdicts:\n got %v\nwant %v", verdict, want)
	}
	for _, f := range a.Findings {
		if f.Kind == FindInactiveUser {
			t.Errorf("inactive finding without sign-in data: %+v", f)
		}
	}
	if len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "Entra ID P1") {
		t.Errorf("warnings: %v", a.Warnings)
	}
}

func TestConcealedReportsMakeActivityUnknown(t *testing.T) {
	in := scenario(t)
	in.ActivityKnown = false
	a, err := Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range a.Verdicts {
		// Only sign-ins and account age can speak now: bob signed in on
		// 2026-06-02, outside the window, so he is unknown, not inactive.
		if v.UserPrincipalName == "bob@contoso.com" && v.Verdict != Unknown {
			t.Errorf("bob: %s (%s)", v.Verdict, v.Reason)
		}
		if v.UserPrincipalName == "alice@contoso.com" && v.Verdict != Active {
			t.Errorf("alice signed in on 2026-10-31: %s", v.Verdict)
		}
	}
	for _, f := range a.Findings {
		switch f.Kind {
		case FindInactiveUser, FindNeverUsed, FindDowngrade:
			t.Errorf("finding that needs report data: %+v", f)
		}
	}
}

func TestYoungAccountsAreNotInactive(t *testing.T) {
	in := scenario(t)
	in.Users = []User{{ID: "n", UserPrincipalName: "new@contoso.com", AccountEnabled: true, Created: now.AddDate(0, 0, -89), Licenses: direct(skuE3)}}
	a, err := Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Verdicts[0].Verdict != Active {
		t.Fatalf("89-day-old account: %+v", a.Verdicts[0])
	}
	in.Users[0].Created = now.AddDate(0, 0, -91)
	a, _ = Analyze(in)
	if a.Verdicts[0].Verdict != Inactive {
		t.Fatalf("91-day-old account with no activity: %+v", a.Verdicts[0])
	}
}

func TestTermValidation(t *testing.T) {
	_, err := NewPricing([]Term{{SkuPartNumber: "SPE_E3", CostPerUnit: MustMoney("-1"), Currency: "usd", PaymentFrequency: "weekly"}}, nil)
	if err == nil {
		t.Fatal("want error")
	}
	for _, field := range []string{"cost_per_unit", "currency", "payment_frequency"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
}

func TestF3DowngradeNeedsAKnownSmallMailbox(t *testing.T) {
	m365E3 := append(slices.Clone(e3Plans), "AAD_PREMIUM", "INTUNE_A")
	f3 := []string{"EXCHANGE_S_DESKLESS", "SHAREPOINTDESKLESS", "TEAMS1", "MCOIMP", "YAMMER_ENTERPRISE", "SHAREPOINTWAC", "OFFICEMOBILE_SUBSCRIPTION", "AAD_PREMIUM", "INTUNE_A"}
	pricing, err := NewPricing(nil, []ListPrice{{SkuPartNumber: "SPE_E3", USDPerUserMonth: "39"}, {SkuPartNumber: "SPE_F1", USDPerUserMonth: "10"}})
	if err != nil {
		t.Fatal(err)
	}
	user := func(upn string, known bool, bytes int64) User {
		return User{ID: upn, UserPrincipalName: upn, AccountEnabled: true, Created: day("2024-01-01"), Licenses: direct("e3"),
			LastActivity: act(Exchange, "2026-10-30", M365Apps, "2026-10-30"), InReports: true, WebOrMobileApps: true,
			MailboxKnown: known, MailboxBytes: bytes}
	}
	in := Input{
		Now: now, Pricing: pricing, SignInKnown: true, ActivityKnown: true,
		SKUs: []SKU{
			{SkuID: "e3", SkuPartNumber: "SPE_E3", Enabled: 3, Consumed: 3, ServicePlanNames: m365E3},
			{SkuID: "f3", SkuPartNumber: "SPE_F1", Enabled: 0, Consumed: 0, ServicePlanNames: f3},
		},
		Users: []User{user("small@x", true, 1<<30), user("big@x", true, 3<<30), user("unknown@x", false, 0)},
	}
	a, err := Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"downgrade-candidate small@x SPE_E3 348.00 USD"} // (39-10)*12
	if got := findingKeys(a); !slices.Equal(got, want) {
		t.Fatalf("findings = %q, want %q", got, want)
	}
}

func TestFreeAndTrialSKUsHaveNoUnassignedSeatFinding(t *testing.T) {
	in := scenario(t)
	in.SKUs = append(in.SKUs,
		SKU{SkuID: "f30db892-07e9-47e9-837c-80727f46fd3d", SkuPartNumber: "FLOW_FREE", DisplayName: "Microsoft Power Automate Free", Enabled: 10000, Consumed: 5, AppliesTo: "User"},
		SKU{SkuID: "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235", SkuPartNumber: "POWER_BI_STANDARD", DisplayName: "Microsoft Fabric (Free)", Enabled: 1000000, Consumed: 4, AppliesTo: "User"},
		SKU{SkuID: "x", SkuPartNumber: "Dynamics_365_Sales_Premium_Viral_Trial", DisplayName: "Dynamics 365 Sales Premium Viral Trial", Enabled: 10000, AppliesTo: "User"})
	noFreeFindings := func(a *Analysis) {
		t.Helper()
		for _, f := range a.Findings {
			if f.SkuPartNumber == "FLOW_FREE" || f.SkuPartNumber == "POWER_BI_STANDARD" || strings.Contains(f.SkuPartNumber, "Trial") {
				t.Errorf("free SKU reported: %+v", f)
			}
		}
	}
	a, err := Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	noFreeFindings(a) // unassigned free and trial seats
	// bob is inactive and also holds Power Automate Free: only his paid
	// licence is worth reclaiming.
	for i := range in.Users {
		if in.Users[i].UserPrincipalName == "bob@contoso.com" {
			in.Users[i].Licenses = append(in.Users[i].Licenses, Assignment{SkuID: "f30db892-07e9-47e9-837c-80727f46fd3d", Direct: true})
		}
	}
	in.Users = append(in.Users, User{ID: "free", UserPrincipalName: "freeonly@contoso.com", AccountEnabled: true, Created: day("2020-01-01"),
		Licenses: direct("f30db892-07e9-47e9-837c-80727f46fd3d")})
	a, err = Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range a.Verdicts {
		if v.UserID == "free" {
			t.Errorf("a user with only a free licence has a verdict: %+v", v)
		}
	}
	for _, s := range a.SKUs {
		if s.SkuPartNumber == "FLOW_FREE" && s.InactiveUsers != 2 { // bob and the free-only user
			t.Errorf("FLOW_FREE inactive holders = %d, want 2", s.InactiveUsers)
		}
	}
	noFreeFindings(a)
	for _, name := range []string{"Office 365 E3", "Microsoft 365 Business Premium", "Visio Plan 2"} {
		if IsFreeOrTrial("X", name) {
			t.Errorf("%s is not free", name)
		}
	}
}
