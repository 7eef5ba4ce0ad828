package license

import (
	"fmt"
	"strings"
	"time"
)

// Microsoft 365 Copilot is an add-on of about 360 USD a year per seat, and
// the one whose use the other reports cannot show: a holder may use
// Exchange and Teams every day and never ask Copilot anything. Its own
// usage report (getMicrosoft365CopilotUsageUserDetail, beta, global cloud
// only) dates each holder's last Copilot use per app.

// CopilotApp is an app whose Copilot use the Copilot usage report dates.
type CopilotApp int

const (
	CopilotTeams CopilotApp = iota
	CopilotWord
	CopilotExcel
	CopilotPowerPoint
	CopilotOutlook
	CopilotOneNote
	CopilotLoop
	CopilotChat
	NumCopilotApps
)

var copilotAppNames = [NumCopilotApps]string{"Teams", "Word", "Excel", "PowerPoint", "Outlook", "OneNote", "Loop", "Copilot Chat"}

func (a CopilotApp) String() string {
	if a < 0 || a >= NumCopilotApps {
		return fmt.Sprintf("CopilotApp(%d)", int(a))
	}
	return copilotAppNames[a]
}

// CopilotUse is a user's row of the Copilot usage report; zero times mean
// never.
type CopilotUse struct {
	Last time.Time // any app
	Apps [NumCopilotApps]time.Time
}

// copilotSeatFinding flags a Copilot add-on seat held by an otherwise active
// user who has not used Copilot in any app for InactiveDays (or never),
// when the licence is older than that. It saves the seat's price. Nothing
// is judged when the report was not read (CopilotKnown false) or does not
// list the user (assigned after the report's refresh date).
func copilotSeatFinding(u *User, v UserVerdict, in Input, l Assignment, sum *SKUSummary, cutoff time.Time) (Finding, bool) {
	if !in.CopilotKnown || u.Copilot == nil || u.Copilot.Last.After(cutoff) {
		return Finding{}, false
	}
	if !u.Created.IsZero() && u.Created.After(cutoff) {
		return Finding{}, false // the account, hence the seat, is younger than the window
	}
	held := "when it was assigned is unknown"
	if !l.Since.IsZero() {
		if l.Since.After(cutoff) {
			return Finding{}, false // a fresh assignment: give it time
		}
		held = "held since " + l.Since.Format("2006-01-02") + " or earlier"
	}
	f := Finding{Kind: FindUnusedAddOn, UserID: u.ID, UserPrincipalName: u.UserPrincipalName,
		SkuID: l.SkuID, SkuPartNumber: sum.SkuPartNumber, Seats: 1}
	if u.Copilot.Last.IsZero() {
		f.Evidence = fmt.Sprintf("%s never used in any app", sum.Name())
	} else {
		f.Evidence = fmt.Sprintf("%s not used in any app for %d days (last use %s)", sum.Name(),
			int(in.Now.Sub(u.Copilot.Last).Hours()/24), u.Copilot.Last.Format("2006-01-02"))
	}
	f.Evidence += "; last Copilot use per app: " + copilotAppsText(u.Copilot)
	f.Evidence += "; the user is otherwise active: " + v.Reason
	if c := countsEvidence(u, in, map[Capability]bool{CapExchange: true, CapTeams: true}); c != "" {
		f.Evidence += "; " + c
	}
	f.Evidence += "; licence " + held
	f.Action = "reclaim the Copilot seat, or ask the user whether they need it"
	priced(&f, sum, 1)
	return f, true
}

// copilotAppsText lists the last Copilot use per app, "never" for apps
// without one.
func copilotAppsText(c *CopilotUse) string {
	parts := make([]string, 0, NumCopilotApps)
	for a := CopilotApp(0); a < NumCopilotApps; a++ {
		d := "never"
		if t := c.Apps[a]; !t.IsZero() {
			d = t.Format("2006-01-02")
		}
		parts = append(parts, a.String()+" "+d)
	}
	return strings.Join(parts, ", ")
}
