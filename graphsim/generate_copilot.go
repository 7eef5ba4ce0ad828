package graphsim

import (
	"math/rand/v2"
	"time"
)

// Microsoft 365 Copilot use, in per mille of Copilot holders who are
// otherwise active. The licence costs about 360 USD a year, so "who has
// Copilot and never uses it" is the asset manager's first question; the
// generator makes sure the answer is never empty.
const (
	// copilotNeverShare of active holders have never used Copilot in any app.
	copilotNeverShare = 220
	// copilotStaleShare of active holders tried it, but not for more than
	// 90 days.
	copilotStaleShare = 180
)

// copilotAppShare is, per app, the chance that an active Copilot user uses
// Copilot there; Copilot Chat is the usual way in.
var copilotAppShare = [NumCopilotApps]float64{
	CopilotTeams: 0.6, CopilotWord: 0.5, CopilotExcel: 0.3, CopilotPowerPoint: 0.3,
	CopilotOutlook: 0.5, CopilotOneNote: 0.1, CopilotLoop: 0.05, CopilotChat: 0.8,
}

// copilotActivity dates each Copilot holder's last Copilot use per app. It
// draws from its own stream ("copilot"), so adding it changed nothing else
// the generator makes. Holders who use nothing else (inactive or disabled)
// never used Copilot or not for more than 90 days; active holders split
// into never, stale (91 to 300 days ago) and recent (within 30 days) users.
// No use predates the account.
func (g *gen) copilotActivity() error {
	r := g.rng("copilot")
	t := g.t
	refresh := t.reportRefreshDateLocked()
	stale := refresh.AddDate(0, 0, -90)
	for _, u := range t.Users {
		if !t.rightsOf(u).copilot {
			continue
		}
		a := &u.Activity
		var latest time.Time
		for _, l := range a.Last {
			if l.After(latest) {
				latest = l
			}
		}
		active := u.AccountEnabled && latest.After(stale)
		p := r.Float64() * 1000
		switch {
		case !active && p < 500, active && p < copilotNeverShare:
			// never used
		case !active, p < copilotNeverShare+copilotStaleShare:
			// One or two apps, long ago.
			n := 1 + r.IntN(2)
			for range n {
				app := CopilotApp(r.IntN(int(NumCopilotApps)))
				a.Copilot[app] = refresh.AddDate(0, 0, -between(r, 91, 300))
			}
		default:
			used := false
			for app := CopilotApp(0); app < NumCopilotApps; app++ {
				if chance(r, copilotAppShare[app]) {
					a.Copilot[app] = refresh.AddDate(0, 0, -recentDays(r))
					used = true
				}
			}
			if !used {
				a.Copilot[CopilotChat] = refresh.AddDate(0, 0, -recentDays(r))
			}
		}
		created := u.CreatedDateTime.Truncate(24 * time.Hour)
		for app, l := range a.Copilot {
			if !l.IsZero() && l.Before(created) {
				a.Copilot[app] = time.Time{} // cannot use Copilot before the account existed
			}
		}
	}
	return nil
}

// recentDays draws how many days before the refresh date a recent use
// was: skewed towards the last few days, never more than 29.
func recentDays(r *rand.Rand) int {
	return min(int(r.ExpFloat64()*4), 29)
}

// CopilotHolders returns the live users who hold an enabled Microsoft 365
// Copilot service plan (M365_COPILOT*): the users
// getMicrosoft365CopilotUsageUserDetail lists. Their Activity.Copilot is the
// ground truth of the report.
func (t *Tenant) CopilotHolders() []*User {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []*User
	for _, u := range t.Users {
		if t.rightsOf(u).copilot {
			out = append(out, u)
		}
	}
	return out
}
