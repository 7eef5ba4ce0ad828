package analysis_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/license"
)

// checkCounts compares the e-mail and Teams counts and the Office
// activations the analysis loaded with the generator's ground truth: counts
// are the user's activity when their last use of the workload falls in the
// D180 period, zero otherwise; activations are the products the user
// activated, with their platforms.
func checkCounts(t *testing.T, tn *graphsim.Tenant, in license.Input) {
	t.Helper()
	if in.ReportPeriodDays != 180 {
		t.Errorf("report period = %d days, want 180", in.ReportPeriodDays)
	}
	type truth struct {
		email, teams string
		acts         []string
		recentMail   bool
		recentTeams  bool
	}
	want := map[string]truth{}
	tn.Snapshot(func(t *graphsim.Tenant) {
		refresh := t.ReportRefreshDate()
		in := func(d time.Time) bool {
			return !d.IsZero() && !d.After(refresh) && d.After(refresh.AddDate(0, 0, -180))
		}
		for _, u := range t.Users {
			a := u.Activity
			var tr truth
			tr.recentMail, tr.recentTeams = in(a.Last[graphsim.ServiceExchange]), in(a.Last[graphsim.ServiceTeams])
			if tr.recentMail {
				tr.email = fmt.Sprint(a.SendCount, a.ReceiveCount, a.ReadCount, a.Meetings/4, a.Meetings)
			} else {
				tr.email = "0 0 0 0 0"
			}
			if tr.recentTeams {
				tr.teams = fmt.Sprint(a.TeamChatMessages, a.PrivateChatMessages, a.Calls, a.Meetings, a.Meetings/4, a.Meetings-a.Meetings/4)
			} else {
				tr.teams = "0 0 0 0 0 0"
			}
			for _, x := range a.ActivatedProducts {
				tr.acts = append(tr.acts, fmt.Sprint(x.ProductType, x.LastActivated.Format(time.DateOnly), x.Windows, x.Mac, x.Windows10Mobile, x.IOS, x.Android, x.SharedComputer))
			}
			want[u.ID] = tr
		}
	})
	var emails, teams, acts int
	for _, u := range in.Users {
		tr := want[u.ID]
		switch {
		case u.Email != nil:
			emails++
			e := u.Email
			if got := fmt.Sprint(e.Sent, e.Received, e.Read, e.MeetingsCreated, e.MeetingsInteracted); got != tr.email {
				t.Fatalf("%s: e-mail counts %s, want %s", u.UserPrincipalName, got, tr.email)
			}
		case tr.recentMail:
			t.Fatalf("%s used e-mail in the period but has no e-mail counts", u.UserPrincipalName)
		}
		switch {
		case u.Teams != nil:
			teams++
			m := u.Teams
			if got := fmt.Sprint(m.TeamChatMessages, m.PrivateChatMessages, m.Calls, m.Meetings, m.MeetingsOrganized, m.MeetingsAttended); got != tr.teams {
				t.Fatalf("%s: Teams counts %s, want %s", u.UserPrincipalName, got, tr.teams)
			}
		case tr.recentTeams:
			t.Fatalf("%s used Teams in the period but has no Teams counts", u.UserPrincipalName)
		}
		var got []string
		for _, x := range u.Activations {
			got = append(got, fmt.Sprint(x.ProductType, x.LastActivated.Format(time.DateOnly), x.Windows, x.Mac, x.Windows10Mobile, x.IOS, x.Android, x.SharedComputer))
		}
		acts += len(got)
		if strings.Join(got, "|") != strings.Join(tr.acts, "|") {
			t.Fatalf("%s: activations %q, want %q", u.UserPrincipalName, got, tr.acts)
		}
	}
	if emails < 1000 || teams < 1000 || acts < 500 {
		t.Fatalf("the medium tenant should have thousands of count rows: %d e-mail, %d Teams, %d activations", emails, teams, acts)
	}
}

// checkCountEvidence: every inactive finding names the e-mail counts of a
// user the e-mail report lists, and whether Office is activated on a
// desktop when their licence includes the desktop apps.
func checkCountEvidence(t *testing.T, in license.Input, a *license.Analysis) {
	t.Helper()
	users := map[string]*license.User{}
	for i := range in.Users {
		users[in.Users[i].ID] = &in.Users[i]
	}
	named := 0
	for _, f := range a.Findings {
		if f.Kind != license.FindInactiveUser {
			continue
		}
		u := users[f.UserID]
		if u.Email != nil {
			want := fmt.Sprintf("e-mail %d sent, %d read, %d received", u.Email.Sent, u.Email.Read, u.Email.Received)
			if !strings.Contains(f.Evidence, want) {
				t.Fatalf("inactive %s: evidence %q does not name %q", u.UserPrincipalName, f.Evidence, want)
			}
			named++
		}
		if n, _ := u.DesktopActivations(); n > 0 && !strings.Contains(f.Evidence, fmt.Sprintf("Office activated on %d Windows or Mac", n)) &&
			!strings.Contains(f.Evidence, "no Office desktop activation") {
			t.Fatalf("inactive %s: evidence %q says nothing about %d desktop activations", u.UserPrincipalName, f.Evidence, n)
		}
	}
	if named == 0 {
		t.Fatal("no inactive finding names e-mail counts")
	}
}
