package graphsim

import (
	"math/rand/v2"
	"strings"
	"time"
)

// Usage shares, in per mille of users who could use the service.
const (
	// inactiveEverywhereShare of licensed, enabled employees have used
	// nothing for more than 90 days (the classic reclaim candidates).
	inactiveEverywhereShare = 100
	// webMobileOnlyShare of Microsoft 365 Apps users with desktop rights use
	// only the web and mobile apps (downgrade candidates).
	webMobileOnlyShare = 120
)

// serviceInactiveShare is, per service, the share of otherwise active
// users who have not used it within the report's 30 days.
func serviceInactiveShare(s Service) float64 {
	switch s {
	case ServiceExchange:
		return 0.05
	case ServiceOneDrive:
		return 0.22
	case ServiceSharePoint:
		return 0.30
	case ServiceSkype:
		return 0.70
	case ServiceYammer:
		return 0.80
	case ServiceTeams:
		return 0.10
	case ServiceOutlook:
		return 0.12
	}
	return 0.18 // Microsoft 365 Apps
}

// userRights is what a user's licences let them use.
type userRights struct {
	services [NumServices]bool
	desktop  bool // Microsoft 365 Apps desktop rights (OFFICESUBSCRIPTION, OFFICE_BUSINESS)
	// excelPremium: E5's Excel advanced analytics (EXCEL_PREMIUM), which the
	// activations report lists as its own product, one of the few E5
	// features a usage report shows.
	excelPremium bool
	product      string // activation product type when desktop
	mailbox      bool
	// copilot: a Microsoft 365 Copilot service plan (M365_COPILOT*) is
	// enabled, so getMicrosoft365CopilotUsageUserDetail lists the user.
	copilot bool
}

// rightsOf derives services from the enabled service plans of a user's
// licences. Plan names are Microsoft's (ms-licensing.csv).
func (t *Tenant) rightsOf(u *User) userRights {
	var ur userRights
	for _, al := range u.AssignedLicenses {
		sku := t.skuBySkuIDGen(al.SkuID)
		if sku == nil {
			continue
		}
		for _, sp := range sku.ServicePlans {
			if containsString(al.DisabledPlans, sp.ServicePlanID) {
				continue
			}
			if strings.HasPrefix(sp.ServicePlanName, "M365_COPILOT") {
				ur.copilot = true
			}
			switch sp.ServicePlanName {
			case "EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_DESKLESS":
				ur.services[ServiceExchange] = true
				ur.services[ServiceOutlook] = true
				ur.mailbox = true
			case "SHAREPOINTSTANDARD", "SHAREPOINTENTERPRISE", "SHAREPOINTDESKLESS":
				ur.services[ServiceSharePoint] = true
				ur.services[ServiceOneDrive] = true
			case "MCOSTANDARD", "MCOIMP":
				ur.services[ServiceSkype] = true
			case "YAMMER_ENTERPRISE":
				ur.services[ServiceYammer] = true
			case "TEAMS1":
				ur.services[ServiceTeams] = true
			case "OFFICESUBSCRIPTION":
				ur.services[ServiceM365Apps] = true
				ur.desktop = true
				ur.product = "MICROSOFT 365 APPS FOR ENTERPRISE"
			case "OFFICE_BUSINESS":
				ur.services[ServiceM365Apps] = true
				ur.desktop = true
				if ur.product == "" {
					ur.product = "MICROSOFT 365 APPS FOR BUSINESS"
				}
			case "EXCEL_PREMIUM":
				ur.excelPremium = true
			case "SHAREPOINTWAC", "OFFICEMOBILE_SUBSCRIPTION":
				ur.services[ServiceM365Apps] = true // web and mobile apps only
			}
		}
	}
	return ur
}

// skuBySkuIDGen finds a subscribed SKU by linear scan; the generator uses it
// before the indexes exist (there are at most a few dozen SKUs).
func (t *Tenant) skuBySkuIDGen(id string) *SubscribedSKU {
	if t.skuByID != nil {
		return t.skuByID[id]
	}
	for _, s := range t.SubscribedSKUs {
		if s.SkuID == id {
			return s
		}
	}
	return nil
}

// activity fills what the usage reports and sign-in logs say about each
// user, only for services their licences include, and their sign-in
// activity consistent with it.
func (g *gen) activity() error {
	r := g.rng("activity")
	t := g.t
	refresh := t.reportRefreshDateLocked()
	for i, u := range t.Users {
		ur := t.rightsOf(u)
		if g.ukind[i] == userShared || g.ukind[i] == userRoom || g.ukind[i] == userEquipment {
			ur.mailbox = true // resource mailboxes exist without a licence
		}
		if ur.mailbox && u.MailboxPurpose == "" {
			u.MailboxPurpose = "user"
		}
		// Without a mailbox a cloud-only employee has no mail address;
		// synced ones keep the one on-premises AD gives them.
		if !ur.mailbox && g.ukind[i] == userPerson && u.OnPremisesSyncEnabled == nil {
			u.Mail = ""
		}
		a := &u.Activity
		created := u.CreatedDateTime
		person := g.ukind[i] == userPerson || g.ukind[i] == userGuest
		// Who is active: enabled people, except the inactive-everywhere share.
		active := person && u.AccountEnabled && !chance(r, inactiveEverywhereShare/1000.0)
		var latest time.Time
		for s := Service(0); s < NumServices; s++ {
			if !ur.services[s] || !person {
				continue
			}
			var last time.Time
			switch {
			case active && !chance(r, serviceInactiveShare(s)):
				// Recent: skewed towards the last few days.
				d := int(r.ExpFloat64() * 3)
				if d > 29 {
					d = 29
				}
				last = refresh.AddDate(0, 0, -d)
			case chance(r, 0.5):
				// Used once, long ago (more than 90 days for inactive users).
				lo := 31
				if !active {
					lo = 91
				}
				last = refresh.AddDate(0, 0, -between(r, lo, 400))
			}
			if !last.IsZero() && last.Before(created.Truncate(24*time.Hour)) {
				last = time.Time{} // cannot use a service before the account existed
			}
			a.Last[s] = last
			if last.After(latest) {
				latest = last
			}
		}
		if !a.Last[ServiceM365Apps].IsZero() {
			switch {
			case !ur.desktop || chance(r, webMobileOnlyShare/1000.0):
				a.Platforms = PlatformWeb
				if chance(r, 0.6) {
					a.Platforms |= PlatformMobile
				}
			default:
				a.Platforms = PlatformWindows
				if chance(r, 0.15) {
					a.Platforms = PlatformMac
				}
				if chance(r, 0.5) {
					a.Platforms |= PlatformMobile
				}
				if chance(r, 0.4) {
					a.Platforms |= PlatformWeb
				}
			}
			a.Apps = AppWord
			if chance(r, 0.8) {
				a.Apps |= AppExcel
			}
			if chance(r, 0.6) {
				a.Apps |= AppPowerPoint
			}
			if chance(r, 0.2) {
				a.Apps |= AppOneNote
			}
		}
		if !a.Last[ServiceOutlook].IsZero() {
			a.Apps |= AppOutlook
		}
		if !a.Last[ServiceTeams].IsZero() {
			a.Apps |= AppTeams
		}
		if recent(a.Last[ServiceExchange], refresh) {
			a.ReceiveCount = between(r, 50, 2500)
			a.ReadCount = a.ReceiveCount * between(r, 40, 95) / 100
			a.SendCount = between(r, 0, 400)
		}
		if recent(a.Last[ServiceTeams], refresh) {
			a.TeamChatMessages = between(r, 0, 300)
			a.PrivateChatMessages = between(r, 0, 900)
			a.Calls = between(r, 0, 60)
			a.Meetings = between(r, 0, 80)
		}
		if ur.mailbox {
			a.MailboxItemCount = between(r, 200, 120000)
			a.MailboxStorage = int64(a.MailboxItemCount) * int64(between(r, 20, 180)) * 1024
			a.HasArchive = chance(r, 0.2)
		}
		if ur.desktop && person && chance(r, 0.8) {
			act := Activation{ProductType: ur.product, LastActivated: randomTimeBetween(r, maxTime(created, refresh.AddDate(0, 0, -700)), refresh)}
			act.Windows = between(r, 0, 3)
			act.Mac = between(r, 0, 1)
			act.IOS = between(r, 0, 2)
			act.Android = between(r, 0, 1)
			if act.Windows+act.Mac+act.IOS+act.Android == 0 {
				act.Windows = 1
			}
			act.SharedComputer = chance(r, 0.02)
			a.ActivatedProducts = []Activation{act}
			// A minority of E5 holders use an E5-only feature the reports
			// can see; the rest use nothing beyond E3 (downgrade candidates).
			// Product type as the activations report writes it (CLI for
			// Microsoft 365's documented sample).
			if ur.excelPremium && chance(r, 0.3) {
				a.ActivatedProducts = append(a.ActivatedProducts, Activation{ProductType: "MICROSOFT EXCEL ADVANCED ANALYTICS",
					LastActivated: randomTimeBetween(r, maxTime(created, refresh.AddDate(0, 0, -365)), refresh), Windows: 1})
			}
		}
		g.signIn(r, u, i, latest, active)
	}
	return nil
}

// recent reports whether a last-activity date is within the report's 30
// days.
func recent(last, refresh time.Time) bool {
	return !last.IsZero() && refresh.Sub(last) < 30*24*time.Hour
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// signIn sets sign-in activity: after the latest workload use when there
// is one, otherwise by population (some never signed in). Users drawn as
// inactive have not signed in for more than 90 days either, so sign-in
// data and the usage reports agree about who is inactive.
func (g *gen) signIn(r *rand.Rand, u *User, i int, latest time.Time, active bool) {
	t := g.t
	s := &u.SignIn
	refreshSpan := 72 * time.Hour
	if !active {
		refreshSpan = 24 * time.Hour // keeps the newest sign-in over 90 days old
	}
	switch {
	case g.ukind[i] == userShared || g.ukind[i] == userRoom || g.ukind[i] == userEquipment:
		return // nobody signs in to a resource mailbox
	case !latest.IsZero():
		s.LastSignInDateTime = latest.Add(time.Duration(r.IntN(20*3600)) * time.Second)
	case g.ukind[i] == userGuest && chance(r, 0.45), chance(r, 0.08):
		return // never signed in
	case active:
		s.LastSignInDateTime = daysAgo(r, t.Now, between(r, 1, 60))
	default:
		s.LastSignInDateTime = daysAgo(r, t.Now, between(r, 95, 500))
	}
	if s.LastSignInDateTime.Before(u.CreatedDateTime) {
		s.LastSignInDateTime = u.CreatedDateTime.Add(time.Hour)
	}
	if s.LastSignInDateTime.After(t.Now) {
		s.LastSignInDateTime = t.Now.Add(-time.Duration(1+r.IntN(3600)) * time.Second)
	}
	s.LastSignInRequestID = newGUID(r)
	// Token refreshes by apps keep non-interactive sign-ins more recent.
	if chance(r, 0.85) {
		ni := s.LastSignInDateTime.Add(time.Duration(r.Int64N(int64(refreshSpan/time.Second))) * time.Second)
		if ni.After(t.Now) {
			ni = t.Now.Add(-time.Duration(1+r.IntN(600)) * time.Second)
		}
		s.LastNonInteractiveSignInDateTime = ni
		s.LastNonInteractiveSignInRequestID = newGUID(r)
	}
	// lastSuccessfulSignInDateTime is the latest successful interactive or
	// non-interactive sign-in. For a few the last interactive attempt failed
	// (wrong password, MFA denied), so their last interactive success is
	// earlier.
	s.LastSuccessfulSignInDateTime, s.LastSuccessfulSignInRequestID = s.LastSignInDateTime, s.LastSignInRequestID
	if chance(r, 0.05) {
		s.LastSuccessfulSignInDateTime = s.LastSignInDateTime.Add(-time.Duration(1+r.IntN(10*24)) * time.Hour)
		s.LastSuccessfulSignInRequestID = newGUID(r)
		if s.LastSuccessfulSignInDateTime.Before(u.CreatedDateTime) {
			s.LastSuccessfulSignInDateTime, s.LastSuccessfulSignInRequestID = time.Time{}, ""
		}
	}
	if s.LastNonInteractiveSignInDateTime.After(s.LastSuccessfulSignInDateTime) {
		s.LastSuccessfulSignInDateTime, s.LastSuccessfulSignInRequestID = s.LastNonInteractiveSignInDateTime, s.LastNonInteractiveSignInRequestID
	}
}
