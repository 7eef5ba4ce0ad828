package analysis_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/analysis"
	"github.com/tenantscope/tenantscope/internal/license"
	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
	tsync "github.com/tenantscope/tenantscope/internal/sync"
)

// synced generates a tenant, serves it, syncs everything into a fresh
// database and returns the tenant and the loaded analysis input.
func synced(t *testing.T, edit func(*graphsim.Profile)) (*graphsim.Tenant, license.Input) {
	t.Helper()
	p, err := graphsim.ProfileByName("medium", 11)
	if err != nil {
		t.Fatal(err)
	}
	p.Concealed = false
	if edit != nil {
		edit(&p)
	}
	tn, err := graphsim.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := graphsim.Start(graphsim.Options{}, tn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	var roles []string
	tn.Snapshot(func(t *graphsim.Tenant) { roles = t.Connector.Granted })
	token, err := sim.Server.IssueToken(tn.ID, tn.Connector.AppID, "https://graph.microsoft.com", roles)
	if err != nil {
		t.Fatal(err)
	}
	g, err := msgraph.New(msgraph.Options{BaseURL: sim.URL, HTTPClient: sim.Client(),
		Tokens: msgraph.TokenFunc(func(context.Context) (string, error) { return token, nil })})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "ts.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	res, err := tsync.Run(ctx, g, db, tsync.Options{Connection: "contoso", GraphBaseURL: sim.URL, MailboxPurpose: true, Now: func() time.Time { return tn.Now }})
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	for _, r := range res.Resources {
		if r.Status == store.StatusFailed {
			t.Fatalf("resource %s failed: %s", r.Resource, r.Message)
		}
	}
	conn, err := db.Connection(ctx, "contoso")
	if err != nil {
		t.Fatal(err)
	}
	in, err := analysis.Load(ctx, db, conn, analysis.Options{Now: tn.Now})
	if err != nil {
		t.Fatal(err)
	}
	return tn, in
}

// truthVerdicts states the inactivity rule over the generator's ground
// truth: licensed people whose every workload and successful sign-in is
// older than 90 days, in accounts older than that, are inactive; shared,
// room and equipment mailboxes are excluded; everyone else is active.
func truthVerdicts(tn *graphsim.Tenant, signIns bool) map[string]license.Verdict {
	out := map[string]license.Verdict{}
	cat, err := license.Embedded()
	if err != nil {
		panic(err)
	}
	tn.Snapshot(func(t *graphsim.Tenant) {
		cutoff := t.Now.AddDate(0, 0, -90)
		free := map[string]bool{}
		for _, s := range t.SubscribedSKUs {
			p, _ := cat.ProductBySkuID(s.SkuID)
			free[s.SkuID] = license.IsFreeOrTrial(s.SkuPartNumber, p.DisplayName)
		}
		for _, u := range t.Users {
			paid := false
			for _, l := range u.AssignedLicenses {
				paid = paid || !free[l.SkuID]
			}
			if !paid {
				continue // only paid licences get a verdict
			}
			switch u.MailboxPurpose {
			case "shared", "room", "equipment":
				out[u.ID] = license.Excluded
				continue
			}
			recent := u.CreatedDateTime.After(cutoff)
			for s := graphsim.Service(0); s < graphsim.NumServices; s++ {
				if s != graphsim.ServiceOutlook && u.Activity.Last[s].After(cutoff) {
					recent = true
				}
			}
			if signIns && u.SignIn.LastSuccessfulSignInDateTime.After(cutoff) {
				recent = true
			}
			switch {
			case recent:
				out[u.ID] = license.Active
			case signIns:
				out[u.ID] = license.Inactive
			default:
				out[u.ID] = license.Unknown
			}
		}
	})
	return out
}

func checkVerdicts(t *testing.T, tn *graphsim.Tenant, in license.Input, signIns bool) *license.Analysis {
	t.Helper()
	a, err := license.Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	want := truthVerdicts(tn, signIns)
	got := map[string]license.Verdict{}
	for _, v := range a.Verdicts {
		got[v.UserID] = v.Verdict
	}
	var diffs []string
	for id, w := range want {
		if got[id] != w {
			diffs = append(diffs, id+": got "+string(got[id])+", want "+string(w))
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			diffs = append(diffs, id+": verdict for a user the tenant does not license")
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("%d verdicts differ from the ground truth:\n%s", len(diffs), strings.Join(diffs[:min(len(diffs), 20)], "\n"))
	}
	return a
}

func TestVerdictsMatchTheGroundTruth(t *testing.T) {
	tn, in := synced(t, func(p *graphsim.Profile) { p.Tier = graphsim.TierP2 })
	if !in.SignInKnown || !in.ActivityKnown {
		t.Fatalf("a P2 tenant with readable reports: sign-ins known %v, activity known %v", in.SignInKnown, in.ActivityKnown)
	}
	// Mailbox storage from getMailboxUsageDetail reaches the analysis (the
	// F3 downgrade rule needs it) for exactly the users with a mailbox.
	storage := map[string]int64{}
	tn.Snapshot(func(t *graphsim.Tenant) {
		for _, u := range t.Users {
			if u.MailboxPurpose != "" {
				storage[u.ID] = u.Activity.MailboxStorage
			}
		}
	})
	for _, u := range in.Users {
		want, has := storage[u.ID]
		if u.MailboxKnown != has || u.MailboxBytes != want {
			t.Fatalf("%s: mailbox known %v bytes %d; tenant has mailbox %v with %d bytes", u.UserPrincipalName, u.MailboxKnown, u.MailboxBytes, has, want)
		}
	}
	checkCounts(t, tn, in)
	a := checkVerdicts(t, tn, in, true)
	checkCountEvidence(t, in, a)
	checkCopilotSeats(t, tn, in, a)
	inactive := 0
	for _, v := range a.Verdicts {
		if v.Verdict == license.Inactive {
			inactive++
		}
	}
	if inactive == 0 {
		t.Fatal("the generator makes about 10% of licensed employees inactive; none found")
	}
}

func TestWithoutP1SignInsVerdictsAreUnknownNotInactive(t *testing.T) {
	tn, in := synced(t, func(p *graphsim.Profile) { p.Tier = graphsim.TierFree })
	if in.SignInKnown {
		t.Fatal("a free tenant cannot have sign-in activity")
	}
	a := checkVerdicts(t, tn, in, false)
	for _, f := range a.Findings {
		if f.Kind == license.FindInactiveUser {
			t.Fatalf("inactive finding without sign-in data: %+v", f)
		}
	}
}

func TestConcealedReportsYieldUnknownAndAWarning(t *testing.T) {
	_, in := synced(t, func(p *graphsim.Profile) { p.Concealed = true; p.Tier = graphsim.TierP2 })
	if in.ActivityKnown || in.CopilotKnown {
		t.Fatal("concealed reports must not count as activity data")
	}
	a, err := license.Analyze(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range a.Verdicts {
		if v.Verdict == license.Inactive {
			t.Fatalf("inactive verdict from concealed reports: %+v", v)
		}
	}
	for _, f := range a.Findings {
		if f.Kind == license.FindUnusedAddOn && f.AnnualSavings.Sign() != 0 {
			t.Fatalf("Copilot seat judged from concealed reports: %+v", f)
		}
	}
	if len(a.Warnings) == 0 || !strings.Contains(strings.Join(a.Warnings, " "), "concealed") {
		t.Fatalf("warnings: %v", a.Warnings)
	}
}
