package graphsim

import (
	"reflect"
	"testing"
	"time"
)

// AdvanceDays: deterministic; the clock and report date move; active
// people sign in and work again on the new days; disabled accounts and
// people inactive for more than 30 days stay as they were; nothing shows
// in delta queries.
func TestAdvanceDays(t *testing.T) {
	a := mustGenerate(t, "medium", 31, "")
	b := mustGenerate(t, "medium", 31, "")
	before := mustGenerate(t, "medium", 31, "")
	now, refresh, seq := a.Now, a.ReportRefreshDate(), a.Seq()
	sa := a.AdvanceDays(2, 7)
	sb := b.AdvanceDays(2, 7)
	if sa != sb || !reflect.DeepEqual(a, b) {
		t.Fatal("AdvanceDays with the same seed differs between equal tenants")
	}
	if !a.Now.Equal(now.AddDate(0, 0, 2)) || !a.ReportRefreshDate().Equal(refresh.AddDate(0, 0, 2)) || a.Seq() != seq {
		t.Fatalf("now %v (was %v), refresh %v (was %v), seq %d (was %d)", a.Now, now, a.ReportRefreshDate(), refresh, a.Seq(), seq)
	}
	if sa.SignIns < len(a.Users)/4 || sa.Activity < len(a.Users)/2 || sa.Copilot == 0 {
		t.Fatalf("too little happened in two days: %+v for %d users", sa, len(a.Users))
	}
	moved, worked := 0, 0
	for i, u := range a.Users {
		old := before.Users[i]
		if u.ID != old.ID {
			t.Fatalf("user order changed at %d", i)
		}
		signInMoved := !u.SignIn.LastSuccessfulSignInDateTime.Equal(old.SignIn.LastSuccessfulSignInDateTime)
		activityMoved := u.Activity.Last != old.Activity.Last || u.Activity.Copilot != old.Activity.Copilot
		if !u.AccountEnabled && (signInMoved || activityMoved) {
			t.Errorf("disabled %s changed", u.UserPrincipalName)
		}
		if signInMoved {
			moved++
			if old.SignIn.LastSuccessfulSignInDateTime.IsZero() || now.Sub(old.SignIn.LastSuccessfulSignInDateTime) >= activeWindow {
				t.Errorf("%s signed in again after %v away", u.UserPrincipalName, now.Sub(old.SignIn.LastSuccessfulSignInDateTime))
			}
			if at := u.SignIn.LastSuccessfulSignInDateTime; !at.After(now) || at.After(a.Now) || u.SignIn.LastSignInDateTime != at {
				t.Errorf("%s: new sign-in %v outside (%v, %v]", u.UserPrincipalName, at, now, a.Now)
			}
		}
		for s := Service(0); s < NumServices; s++ {
			n, o := u.Activity.Last[s], old.Activity.Last[s]
			if n.Equal(o) {
				continue
			}
			worked++
			if o.IsZero() || refresh.Sub(o) >= activeWindow {
				t.Errorf("%s used %v again after it was last used %v", u.UserPrincipalName, s, o)
			}
			if !n.Equal(refresh.AddDate(0, 0, 1)) && !n.Equal(refresh.AddDate(0, 0, 2)) {
				t.Errorf("%s %v: new date %v is not one of the new report days", u.UserPrincipalName, s, n)
			}
		}
		if u.Activity.SendCount < old.Activity.SendCount || u.Activity.TeamChatMessages < old.Activity.TeamChatMessages {
			t.Errorf("%s: counts went down", u.UserPrincipalName)
		}
	}
	if moved > sa.SignIns { // a user can sign in on both days: counted twice
		t.Errorf("%d users' sign-ins moved, summary says %d", moved, sa.SignIns)
	}
	if moved == 0 || worked == 0 {
		t.Fatalf("nothing moved: %d sign-ins, %d workloads", moved, worked)
	}
	if s := a.AdvanceDays(0, 7); s != (DaysSummary{}) || !a.Now.Equal(now.Add(48*time.Hour)) {
		t.Fatalf("AdvanceDays(0) changed something: %+v", s)
	}
}
