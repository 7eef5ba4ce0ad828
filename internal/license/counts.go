package license

import (
	"fmt"
	"strings"
	"time"
)

// EmailCounts is a user's row of the e-mail activity report
// (getEmailActivityUserDetail): counts over Input.ReportPeriodDays.
type EmailCounts struct {
	Sent, Received, Read                int64
	MeetingsCreated, MeetingsInteracted int64
}

// TeamsCounts is a user's row of the Teams user activity report
// (getTeamsUserActivityUserDetail): counts over Input.ReportPeriodDays.
type TeamsCounts struct {
	TeamChatMessages, PrivateChatMessages int64
	Calls, Meetings                       int64
	MeetingsOrganized, MeetingsAttended   int64
}

// Activation is one Office product a user has activated
// (getOffice365ActivationsUserDetail), with its activations per platform.
type Activation struct {
	ProductType     string
	LastActivated   time.Time
	Windows, Mac    int64
	Windows10Mobile int64
	IOS, Android    int64
	SharedComputer  bool
}

// DesktopActivations counts the user's Office activations on Windows and
// Mac, over every product, and the last activation date among the products
// activated there.
func (u *User) DesktopActivations() (n int64, last time.Time) {
	for _, a := range u.Activations {
		if d := a.Windows + a.Mac; d > 0 {
			n += d
			if a.LastActivated.After(last) {
				last = a.LastActivated
			}
		}
	}
	return n, last
}

// MobileActivations counts the user's Office activations on phones and
// tablets (Windows 10 Mobile, iOS, Android).
func (u *User) MobileActivations() int64 {
	var n int64
	for _, a := range u.Activations {
		n += a.Windows10Mobile + a.IOS + a.Android
	}
	return n
}

// countsEvidence says what the count reports show about the capabilities
// given (a SKU's, or everything a user holds): e-mail and Teams counts over
// the report period, and whether Office desktop apps are activated. It is
// "" when usage reports were not read or show nothing relevant.
func countsEvidence(u *User, in Input, caps map[Capability]bool) string {
	if !in.ActivityKnown {
		return ""
	}
	var counts []string
	if caps[CapExchange] && u.Email != nil {
		e := u.Email
		counts = append(counts, fmt.Sprintf("e-mail %d sent, %d read, %d received", e.Sent, e.Read, e.Received))
	}
	if caps[CapTeams] && u.Teams != nil {
		t := u.Teams
		counts = append(counts, fmt.Sprintf("Teams %d chat messages, %d calls, %d meetings", t.TeamChatMessages+t.PrivateChatMessages, t.Calls, t.Meetings))
	}
	var parts []string
	if len(counts) > 0 {
		parts = append(parts, periodText(in)+": "+strings.Join(counts, "; "))
	}
	if caps[CapDesktopApps] {
		parts = append(parts, activationText(u))
	}
	return strings.Join(parts, "; ")
}

// periodText names the count reports' window.
func periodText(in Input) string {
	switch {
	case in.ReportPeriodDays > 0 && !in.ReportRefreshDate.IsZero():
		return fmt.Sprintf("%d days to %s", in.ReportPeriodDays, in.ReportRefreshDate.Format("2006-01-02"))
	case in.ReportPeriodDays > 0:
		return fmt.Sprintf("last %d days", in.ReportPeriodDays)
	}
	return "report period"
}

// activationText is the desktop activation evidence.
func activationText(u *User) string {
	n, last := u.DesktopActivations()
	if n == 0 {
		return "no Office desktop activation"
	}
	s := fmt.Sprintf("Office activated on %d Windows or Mac device(s)", n)
	if !last.IsZero() {
		s += ", last on " + last.Format("2006-01-02")
	}
	return s
}

// heldCapabilities are the capabilities of every SKU the user holds.
func heldCapabilities(u *User, caps map[string]map[Capability]bool) map[Capability]bool {
	out := map[Capability]bool{}
	for _, l := range u.Licenses {
		for c := range caps[l.SkuID] {
			out[c] = true
		}
	}
	return out
}
