package analysis_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/license"
)

// truthCopilotSeats states the Copilot rule over the generator's ground
// truth: Copilot holders who are otherwise active (verdicts from
// truthVerdicts), whose last Copilot use in any app is older than 90 days
// or never, in accounts and assignments older than that.
func truthCopilotSeats(tn *graphsim.Tenant, verdicts map[string]license.Verdict) []string {
	holders := tn.CopilotHolders()
	var out []string
	tn.Snapshot(func(t *graphsim.Tenant) {
		cutoff := t.Now.AddDate(0, 0, -90)
		copilotSKU := map[string]bool{}
		for _, s := range t.SubscribedSKUs {
			if s.SkuPartNumber == "Microsoft_365_Copilot" {
				copilotSKU[strings.ToLower(s.SkuID)] = true
			}
		}
		for _, u := range holders {
			if !u.AccountEnabled || verdicts[u.ID] != license.Active || u.Activity.CopilotLast().After(cutoff) || u.CreatedDateTime.After(cutoff) {
				continue
			}
			var since time.Time
			for _, st := range u.LicenseAssignmentStates {
				if copilotSKU[strings.ToLower(st.SkuID)] && (since.IsZero() || st.LastUpdatedDateTime.Before(since)) {
					since = st.LastUpdatedDateTime
				}
			}
			if since.After(cutoff) {
				continue
			}
			out = append(out, u.ID)
		}
	})
	sort.Strings(out)
	return out
}

// checkCopilotSeats: the analysis flags exactly the ground truth's unused
// Copilot seats of active users, each saving the Copilot list price.
func checkCopilotSeats(t *testing.T, tn *graphsim.Tenant, in license.Input, a *license.Analysis) {
	t.Helper()
	if !in.CopilotKnown {
		t.Fatal("the Copilot report was read but the analysis does not know it")
	}
	var got []string
	for _, f := range a.Findings {
		if f.Kind != license.FindUnusedAddOn || f.SkuPartNumber != "Microsoft_365_Copilot" || f.AnnualSavings.Sign() == 0 {
			continue
		}
		got = append(got, f.UserID)
		if f.AnnualSavings.String() != "360.00" || !f.PriceIsDefault || f.Currency != "USD" ||
			!strings.Contains(f.Evidence, "last Copilot use per app: Teams ") || !strings.Contains(f.Evidence, "the user is otherwise active: ") ||
			!strings.Contains(f.Evidence, "; licence held since ") {
			t.Errorf("Copilot finding: %+v", f)
		}
	}
	sort.Strings(got)
	want := truthCopilotSeats(tn, truthVerdicts(tn, in.SignInKnown))
	if len(want) < 5 {
		t.Fatalf("the generator should leave some active holders without Copilot use; found %d", len(want))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("unused Copilot seats: got %d %v\nwant %d %v", len(got), got, len(want), want)
	}
	for _, w := range a.Warnings {
		if strings.Contains(w, "Copilot") {
			t.Errorf("warning with the Copilot report read: %s", w)
		}
	}
}
