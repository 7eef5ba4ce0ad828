package license

import (
	"slices"
	"strings"
	"testing"
)

// The count reports add evidence to findings without changing which
// findings there are.
func TestEvidenceNamesTheCountReports(t *testing.T) {
	in := scenario(t)
	in.ReportRefreshDate, in.ReportPeriodDays = day("2026-10-30"), 180
	before, err := Analyze(scenario(t))
	if err != nil {
		t.Fatal(err)
	}
	byUPN := map[string]*User{}
	for i := range in.Users {
		byUPN[in.Users[i].UserPrincipalName] = &in.Users[i]
	}
	// bob is inactive: his mailbox still receives mail nobody reads.
	byUPN["bob@contoso.com"].Email = &EmailCounts{Received: 412}
	byUPN["bob@contoso.com"].Teams = &TeamsCounts{}
	// frank uses only web apps but Office is installed on two PCs.
	byUPN["frank@contoso.com"].Activations = []Activation{{ProductType: "MICROSOFT 365 APPS FOR ENTERPRISE", LastActivated: day("2025-05-01"), Windows: 2, IOS: 1}}
	// A user active by sign-in who never touched an E1 workload.
	in.Users = append(in.Users, User{ID: "u13", UserPrincipalName: "jo@contoso.com", AccountEnabled: true, UserType: "Member", Created: day("2024-01-15"),
		Licenses: direct(skuE1), InReports: true, LastSuccessfulSignIn: day("2026-10-30"), Email: &EmailCounts{Received: 3}, Teams: &TeamsCounts{}})
	a, err := Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	got := findingKeys(a)
	want := append(findingKeys(before), "assigned-never-used jo@contoso.com STANDARDPACK 120.00 USD")
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("findings changed:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	evidence := map[string]string{}
	for _, f := range a.Findings {
		evidence[string(f.Kind)+" "+f.UserPrincipalName+" "+f.SkuPartNumber] = f.Evidence
	}
	for key, want := range map[string]string{
		"inactive-licensed-user bob@contoso.com ENTERPRISEPACK": "no activity in any service and no successful sign-in since 2026-06-02 (152 days); " +
			"180 days to 2026-10-30: e-mail 0 sent, 0 read, 412 received; Teams 0 chat messages, 0 calls, 0 meetings; no Office desktop activation",
		"downgrade-candidate frank@contoso.com ENTERPRISEPACK": "Office 365 E3 user who uses only web and mobile apps; Office activated on 2 Windows or Mac device(s), last on 2025-05-01 " +
			"but its desktop apps were not used in the 180 days to 2026-10-30: they stop working after the switch",
		"assigned-never-used jo@contoso.com STANDARDPACK": "no recorded use of any workload Office 365 E1 provides; " +
			"180 days to 2026-10-30: e-mail 0 sent, 0 read, 3 received; Teams 0 chat messages, 0 calls, 0 meetings",
		// hank is in no count report: nothing to name but his missing activation.
		"inactive-licensed-user hank@contoso.com ENTERPRISEPREMIUM": "no recorded activity in any service and no successful sign-in; no Office desktop activation",
	} {
		if evidence[key] != want {
			t.Errorf("%s:\n got %q\nwant %q", key, evidence[key], want)
		}
	}

	// Without Office installed, the downgrade says so.
	for i := range in.Users { // in.Users grew since byUPN was made
		if in.Users[i].UserPrincipalName == "frank@contoso.com" {
			in.Users[i].Activations = nil
		}
	}
	a, err = Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.Findings {
		if f.Kind == FindDowngrade && f.UserPrincipalName == "frank@contoso.com" &&
			f.Evidence != "Office 365 E3 user who uses only web and mobile apps; no Office desktop activation on Windows or Mac" {
			t.Errorf("frank's downgrade evidence: %q", f.Evidence)
		}
	}

	// Without usage reports, nothing is claimed from them.
	in.ActivityKnown = false
	a, err = Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.Findings {
		if strings.Contains(f.Evidence, "activation") || strings.Contains(f.Evidence, "e-mail") {
			t.Errorf("evidence from reports that were not read: %+v", f)
		}
	}
}

func TestDesktopAndMobileActivations(t *testing.T) {
	u := User{Activations: []Activation{
		{ProductType: "MICROSOFT 365 APPS FOR ENTERPRISE", LastActivated: day("2025-01-02"), Windows: 2, Mac: 1, IOS: 3},
		{ProductType: "VISIO", LastActivated: day("2026-01-02"), Android: 1},
		{ProductType: "PROJECT", LastActivated: day("2025-06-01"), Windows: 1, Windows10Mobile: 1},
	}}
	n, last := u.DesktopActivations()
	if n != 4 || !last.Equal(day("2025-06-01")) {
		t.Errorf("desktop activations = %d, last %s; want 4, 2025-06-01 (the mobile-only product does not count)", n, last)
	}
	if m := u.MobileActivations(); m != 5 {
		t.Errorf("mobile activations = %d, want 5", m)
	}
}
