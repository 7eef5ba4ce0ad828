package graphsim

import (
	"fmt"
	"time"
)

// DaysSummary says what AdvanceDays changed.
type DaysSummary struct {
	Days     int
	SignIns  int // users whose last sign-in moved
	Activity int // (user, workload) last-activity dates that moved
	Copilot  int // (user, app) Copilot dates that moved
}

// Daily habits of people who are at work: the chance that an active user
// signs in on a given day, and that they use a workload they have been
// using (within the last 30 days) again that day.
const (
	dailySignInChance   = 0.85
	dailyWorkloadChance = 0.7
	dailyCopilotChance  = 0.5
	activeWindow        = 30 * 24 * time.Hour
)

// AdvanceDays moves the tenant's clock forward and lets its people work, as
// a real tenant changes between two daily syncs: users active in the last 30
// days sign in again and use again the workloads (and Copilot apps) they had
// been using, so their sign-in activity and report dates move; the report
// refresh date follows the clock; the period counts grow. Inactive,
// disabled and deleted accounts stay as they were, so the reclaim
// candidates keep their verdicts. Nothing here is tracked by delta queries,
// as Graph's users/delta does not report signInActivity or usage.
// Deterministic for a seed.
func (t *Tenant) AdvanceDays(days int, seed int64) DaysSummary {
	t.mu.Lock()
	defer t.mu.Unlock()
	sum := DaysSummary{Days: days}
	if days <= 0 {
		return sum
	}
	r := streamRand(seed, fmt.Sprintf("days %s %d", t.ID, days))
	for d := 1; d <= days; d++ {
		now := t.Now.Add(24 * time.Hour)
		refresh := now.Truncate(24*time.Hour).AddDate(0, 0, -2) // reportRefreshDateLocked after the move
		oldRefresh := t.reportRefreshDateLocked()
		for _, u := range t.Users {
			if !u.AccountEnabled {
				continue
			}
			signedIn := !u.SignIn.LastSuccessfulSignInDateTime.IsZero() && t.Now.Sub(u.SignIn.LastSuccessfulSignInDateTime) < activeWindow
			if signedIn && chance(r, dailySignInChance) {
				at := now.Add(-time.Duration(between(r, 1, 20*60)) * time.Minute)
				id := newGUID(r)
				u.SignIn.LastSignInDateTime, u.SignIn.LastSignInRequestID = at, id
				u.SignIn.LastSuccessfulSignInDateTime, u.SignIn.LastSuccessfulSignInRequestID = at, id
				if !u.SignIn.LastNonInteractiveSignInDateTime.IsZero() {
					u.SignIn.LastNonInteractiveSignInDateTime = now.Add(-time.Duration(between(r, 1, 60)) * time.Minute)
					u.SignIn.LastNonInteractiveSignInRequestID = newGUID(r)
				}
				sum.SignIns++
			}
			a := &u.Activity
			for s := Service(0); s < NumServices; s++ {
				last := a.Last[s]
				if last.IsZero() || oldRefresh.Sub(last) >= activeWindow || !chance(r, dailyWorkloadChance) {
					continue
				}
				a.Last[s] = refresh
				sum.Activity++
				switch s {
				case ServiceExchange:
					a.SendCount += between(r, 0, 15)
					a.ReceiveCount += between(r, 5, 60)
					a.ReadCount += between(r, 3, 50)
				case ServiceTeams:
					a.TeamChatMessages += between(r, 0, 10)
					a.PrivateChatMessages += between(r, 0, 30)
					a.Calls += between(r, 0, 3)
					a.Meetings += between(r, 0, 4)
				}
			}
			for app := range a.Copilot {
				last := a.Copilot[app]
				if last.IsZero() || oldRefresh.Sub(last) >= activeWindow || !chance(r, dailyCopilotChance) {
					continue
				}
				a.Copilot[app] = refresh
				sum.Copilot++
			}
		}
		t.Now = now
	}
	return sum
}
