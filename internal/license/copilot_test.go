package license

import (
	"strings"
	"testing"
)

const skuCopilot = "639dec6b-bb19-468b-871c-c5c441c4b0cb" // Microsoft_365_Copilot

// copilotScenario: six E3 holders with Copilot, all otherwise active.
func copilotScenario(t *testing.T) Input {
	t.Helper()
	pricing, err := NewPricing(nil, []ListPrice{{SkuPartNumber: "ENTERPRISEPACK", USDPerUserMonth: "26"}, {SkuPartNumber: "Microsoft_365_Copilot", USDPerUserMonth: "30"}})
	if err != nil {
		t.Fatal(err)
	}
	old := day("2024-01-15")
	held := func(since string) []Assignment {
		a := []Assignment{{SkuID: skuE3, Direct: true}, {SkuID: skuCopilot, Direct: true}}
		if since != "" {
			a[1].Since = day(since)
		}
		return a
	}
	use := func(last string, apps map[CopilotApp]string) *CopilotUse {
		c := &CopilotUse{}
		if last != "" {
			c.Last = day(last)
		}
		for a, d := range apps {
			c.Apps[a] = day(d)
		}
		return c
	}
	user := func(id, upn string, lic []Assignment, c *CopilotUse) User {
		return User{ID: id, UserPrincipalName: upn, AccountEnabled: true, UserType: "Member", Created: old, Licenses: lic,
			LastActivity: act(Exchange, "2026-10-30"), InReports: true, LastSuccessfulSignIn: day("2026-10-31"), Copilot: c,
			Email: &EmailCounts{Sent: 12, Read: 300, Received: 340}}
	}
	return Input{
		Now: now, InactiveDays: 90, Pricing: pricing, SignInKnown: true, ActivityKnown: true, CopilotKnown: true,
		ReportRefreshDate: day("2026-10-30"), ReportPeriodDays: 180,
		SKUs: []SKU{
			{SkuID: skuE3, SkuPartNumber: "ENTERPRISEPACK", DisplayName: "Office 365 E3", Enabled: 6, Consumed: 6, ServicePlanNames: e3Plans, AppliesTo: "User", CapabilityStatus: "Enabled"},
			{SkuID: skuCopilot, SkuPartNumber: "Microsoft_365_Copilot", DisplayName: "Microsoft 365 Copilot", Enabled: 6, Consumed: 6, AppliesTo: "User", CapabilityStatus: "Enabled",
				ServicePlanNames: []string{"M365_COPILOT_TEAMS", "M365_COPILOT_APPS", "M365_COPILOT_BUSINESS_CHAT", "GRAPH_CONNECTORS_COPILOT"}},
		},
		Users: []User{
			// Never used Copilot, licence two years old: flagged.
			user("c1", "never@contoso.com", held("2024-01-16"), use("", nil)),
			// Last used 150 days ago in Word: flagged.
			user("c2", "stale@contoso.com", held("2024-01-16"), use("2026-06-04", map[CopilotApp]string{CopilotWord: "2026-06-04"})),
			// Uses Copilot Chat: not flagged.
			user("c3", "daily@contoso.com", held("2024-01-16"), use("2026-10-29", map[CopilotApp]string{CopilotChat: "2026-10-29", CopilotTeams: "2026-09-01"})),
			// Never used, but the licence came 20 days ago: not flagged.
			user("c4", "fresh@contoso.com", held("2026-10-12"), use("", nil)),
			// Never used, assignment date unknown: flagged, and said so.
			user("c5", "undated@contoso.com", held(""), use("", nil)),
			// Not in the report (assigned after its refresh date): unknown.
			user("c6", "unlisted@contoso.com", held("2024-01-16"), nil),
		},
	}
}

func copilotFindings(a *Analysis) []Finding {
	var out []Finding
	for _, f := range a.Findings {
		if f.Kind == FindUnusedAddOn && f.SkuID == skuCopilot {
			out = append(out, f)
		}
	}
	return out
}

func TestCopilotSeatsOfActiveUsers(t *testing.T) {
	a, err := Analyze(copilotScenario(t))
	if err != nil {
		t.Fatal(err)
	}
	fs := copilotFindings(a)
	var upns []string
	for _, f := range fs {
		upns = append(upns, f.UserPrincipalName)
	}
	if strings.Join(upns, " ") != "never@contoso.com stale@contoso.com undated@contoso.com" {
		t.Fatalf("Copilot findings for %v", upns)
	}
	never := "Microsoft 365 Copilot never used in any app; last Copilot use per app: Teams never, Word never, Excel never, PowerPoint never, " +
		"Outlook never, OneNote never, Loop never, Copilot Chat never; the user is otherwise active: Exchange activity on 2026-10-30; " +
		"180 days to 2026-10-30: e-mail 12 sent, 300 read, 340 received; licence held since 2024-01-16 or earlier"
	if fs[0].Evidence != never {
		t.Errorf("evidence:\n got %s\nwant %s", fs[0].Evidence, never)
	}
	if !strings.HasPrefix(fs[1].Evidence, "Microsoft 365 Copilot not used in any app for 150 days (last use 2026-06-04); last Copilot use per app: Teams never, Word 2026-06-04,") {
		t.Errorf("stale evidence: %s", fs[1].Evidence)
	}
	if !strings.HasSuffix(fs[2].Evidence, "; licence when it was assigned is unknown") {
		t.Errorf("undated evidence: %s", fs[2].Evidence)
	}
	for _, f := range fs {
		if f.AnnualSavings.String() != "360.00" || f.Currency != "USD" || !f.PriceIsDefault || f.Seats != 1 {
			t.Errorf("%s savings %s %s default %v", f.UserPrincipalName, f.AnnualSavings, f.Currency, f.PriceIsDefault)
		}
	}
	if s := a.Savings["USD"].String(); s != "1080.00" {
		t.Errorf("total savings %s, want three Copilot seats", s)
	}
	for _, sum := range a.SKUs {
		if sum.SkuID == skuCopilot && sum.AnnualSavings.String() != "1080.00" {
			t.Errorf("Copilot SKU savings %s", sum.AnnualSavings)
		}
	}
	for _, w := range a.Warnings {
		if strings.Contains(w, "Copilot") {
			t.Errorf("warning with the report read: %s", w)
		}
	}
}

// Without the Copilot report nothing is judged, and a warning says the
// seats are unknown, not unused.
func TestCopilotUnknownWithoutItsReport(t *testing.T) {
	in := copilotScenario(t)
	in.CopilotKnown = false
	for i := range in.Users {
		in.Users[i].Copilot = nil
	}
	a, err := Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	if fs := copilotFindings(a); len(fs) != 0 {
		t.Fatalf("findings without Copilot data: %+v", fs)
	}
	if w := strings.Join(a.Warnings, "\n"); !strings.Contains(w, "Copilot seats of active users are unknown, not unused") {
		t.Errorf("warnings: %s", w)
	}
}

// An inactive Copilot holder keeps the existing add-on finding (no savings:
// the reclaim finding counts the seat) and gets no second one.
func TestCopilotOfInactiveUserIsTheReclaimCase(t *testing.T) {
	in := copilotScenario(t)
	u := &in.Users[0]
	u.LastActivity = act(Exchange, "2026-03-01")
	u.LastSuccessfulSignIn = day("2026-03-02")
	a, err := Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range copilotFindings(a) {
		if f.UserID == "c1" && (f.Evidence != "add-on Microsoft 365 Copilot is held by a user who is inactive" || f.AnnualSavings.Sign() != 0) {
			t.Errorf("inactive holder: %+v", f)
		}
	}
}
