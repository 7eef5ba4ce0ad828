package graphsim

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// This file holds the six per-user usage reports (the Copilot report is in
// reports_copilot.go): which users each covers,
// its columns in Microsoft's documented order (microsoft-graph-docs-contrib
// api-reference/v1.0/api/reportroot-get*.md, copied in graph-examples/
// reports_*.csv) and how each cell is rendered from the tenant model.

// colKind says how a cell is typed in the beta JSON form.
type colKind int

const (
	kindString colKind = iota
	kindDate           // "" = null
	kindBool
	kindInt
	kindProducts // '+'-joined in CSV, an array in JSON
	kindPeriod   // a string in beta JSON ("reportPeriod": "7")
)

// reportColumn is one documented column.
type reportColumn struct {
	header string
	json   string // camelCase property of the beta JSON form
	kind   colKind
	value  func(c *rowCtx) string
}

// reportDef is one reportRoot function.
type reportDef struct {
	name string
	// odataType is the element type of the JSON form.
	odataType string
	// takesPeriod / takesDate: the parameter forms the function accepts.
	takesPeriod, takesDate bool
	columns                []reportColumn
	// covers reports whether the user has a row (deleted users are offered
	// only when deleted within the window).
	covers func(c *rowCtx) bool
	// perActivation: one row per user and activated product.
	perActivation bool
	// takesAll: period='ALL' is accepted too (the Copilot report).
	takesAll bool
	// betaOnly: the function exists only under /beta; v1.0 answers as for
	// any unknown function.
	betaOnly bool
	// jsonDefault: the JSON form is the default and the CSV is asked for
	// with ?$format=text/csv (the Copilot report).
	jsonDefault bool
	// copilotRoot: also served under /beta/copilot/reports/.
	copilotRoot bool
}

// reportWindow is the span a report aggregates: the days up to and including
// the refresh date.
type reportWindow struct {
	refresh time.Time // date only, UTC
	days    int       // 7, 30, 90, 180; 1 for the date form; 0 for no period
}

// in reports whether t falls within the window.
func (w reportWindow) in(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	d := reportDay(t)
	if d.After(w.refresh) {
		return false
	}
	days := w.days
	if days == 0 {
		return true
	}
	return d.After(w.refresh.AddDate(0, 0, -days))
}

func reportDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// rowCtx is what a cell renderer sees. Built with the tenant read-locked.
type rowCtx struct {
	t         *Tenant
	u         *User
	deleted   bool
	w         reportWindow
	concealed bool
	lic       *userLicences
	act       *Activation // perActivation reports
	cat       *productNames
}

// reportDate formats a date as the reports do: yyyy-MM-dd, "" for never.
func reportDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// lastActivity is the last activity date a report shows for a workload: the
// last ever known as of the refresh date. Microsoft shows dates older than
// the period too (a D7 report lists last activity dates years back; Microsoft
// Q&A "Office 365 usage reports in Microsoft Graph over specific period").
func (c *rowCtx) lastActivity(s Service) time.Time {
	t := c.u.Activity.Last[s]
	if t.IsZero() || reportDay(t).After(c.w.refresh) {
		return time.Time{}
	}
	return t
}

// activeIn reports whether the user used the workload within the period.
func (c *rowCtx) activeIn(s Service) bool { return c.w.in(c.lastActivity(s)) }

// identity is the user principal name as the report shows it.
func (c *rowCtx) upn() string {
	if c.concealed {
		return concealedName(c.t, c.u)
	}
	return c.u.UserPrincipalName
}

func (c *rowCtx) displayName() string {
	if c.concealed {
		return concealedName(c.t, c.u)
	}
	return c.u.DisplayName
}

// concealedName is the 32-digit uppercase hex stand-in Microsoft shows when
// reportSettings.displayConcealedNames is on (graph-facts §10, e.g.
// FE7CC8C15246EDCCA289C9A4022762F7): stable per user and tenant, derived
// here as MD5 of the tenant id and the user's object id so that renaming a
// user keeps the stand-in.
func concealedName(t *Tenant, u *User) string {
	sum := md5.Sum([]byte(t.ID + "/" + u.ID))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func reportBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// reportYesNo is the Yes/No form the app and Teams reports use for flags.
func reportYesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func (c *rowCtx) period() string { return strconv.Itoa(c.w.days) }

// reportDuration renders seconds as an ISO 8601 duration (PT1H2M3S, PT0S), as
// the Teams report's duration columns do.
func reportDuration(sec int) string {
	if sec <= 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := sec / 3600; h > 0 {
		b.WriteString(strconv.Itoa(h) + "H")
	}
	if m := sec % 3600 / 60; m > 0 {
		b.WriteString(strconv.Itoa(m) + "M")
	}
	if s := sec % 60; s > 0 {
		b.WriteString(strconv.Itoa(s) + "S")
	}
	return b.String()
}

func refreshCol() reportColumn {
	return reportColumn{"Report Refresh Date", "reportRefreshDate", kindDate, func(c *rowCtx) string { return reportDate(c.w.refresh) }}
}
func upnCol() reportColumn {
	return reportColumn{"User Principal Name", "userPrincipalName", kindString, (*rowCtx).upn}
}
func displayNameCol() reportColumn {
	return reportColumn{"Display Name", "displayName", kindString, (*rowCtx).displayName}
}
func isDeletedCol() reportColumn {
	return reportColumn{"Is Deleted", "isDeleted", kindBool, func(c *rowCtx) string { return reportBool(c.deleted) }}
}
func deletedDateCol() reportColumn {
	return reportColumn{"Deleted Date", "deletedDate", kindDate, func(c *rowCtx) string {
		if !c.deleted {
			return ""
		}
		return reportDate(c.u.DeletedDateTime)
	}}
}
func productsCol() reportColumn {
	return reportColumn{"Assigned Products", "assignedProducts", kindProducts, func(c *rowCtx) string {
		return c.cat.assignedProducts(c.t, c.u)
	}}
}
func periodCol() reportColumn {
	return reportColumn{"Report Period", "reportPeriod", kindPeriod, (*rowCtx).period}
}

// inPeriod returns n when the workload was used in the period, else 0:
// the counts the model holds are the user's activity over the period they
// were last active in.
func (c *rowCtx) inPeriod(s Service, n int) int {
	if !c.activeIn(s) {
		return 0
	}
	return n
}

// The workloads of getOffice365ActiveUserDetail, with the word its headers
// and JSON properties use.
var activeUserWorkloads = []struct {
	s          Service
	header, js string
}{
	{ServiceExchange, "Exchange", "exchange"},
	{ServiceOneDrive, "OneDrive", "oneDrive"},
	{ServiceSharePoint, "SharePoint", "sharePoint"},
	{ServiceSkype, "Skype For Business", "skypeForBusiness"},
	{ServiceYammer, "Yammer", "yammer"},
	{ServiceTeams, "Teams", "teams"},
}

func activeUserDetail() *reportDef {
	cols := []reportColumn{refreshCol(), upnCol(), displayNameCol(), isDeletedCol(), deletedDateCol()}
	for _, w := range activeUserWorkloads {
		s := w.s
		cols = append(cols, reportColumn{"Has " + w.header + " License", "has" + strings.ToUpper(w.js[:1]) + w.js[1:] + "License", kindBool,
			func(c *rowCtx) string { return reportBool(c.lic.has[s]) }})
	}
	for _, w := range activeUserWorkloads {
		s := w.s
		cols = append(cols, reportColumn{w.header + " Last Activity Date", w.js + "LastActivityDate", kindDate,
			func(c *rowCtx) string { return reportDate(c.lastActivity(s)) }})
	}
	for _, w := range activeUserWorkloads {
		s := w.s
		cols = append(cols, reportColumn{w.header + " License Assign Date", w.js + "LicenseAssignDate", kindDate,
			func(c *rowCtx) string { return reportDate(c.lic.assigned[s]) }})
	}
	cols = append(cols, productsCol())
	return &reportDef{
		name: "getOffice365ActiveUserDetail", odataType: "office365ActiveUserDetail",
		takesPeriod: true, takesDate: true, columns: cols,
		covers: func(c *rowCtx) bool { return len(c.u.AssignedLicenses) > 0 },
	}
}

func emailActivityUserDetail() *reportDef {
	ex := ServiceExchange
	return &reportDef{
		name: "getEmailActivityUserDetail", odataType: "emailActivityUserDetail",
		takesPeriod: true, takesDate: true,
		columns: []reportColumn{refreshCol(), upnCol(), displayNameCol(), isDeletedCol(), deletedDateCol(),
			{"Last Activity Date", "lastActivityDate", kindDate, func(c *rowCtx) string { return reportDate(c.lastActivity(ex)) }},
			{"Send Count", "sendCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.inPeriod(ex, c.u.Activity.SendCount)) }},
			{"Receive Count", "receiveCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.inPeriod(ex, c.u.Activity.ReceiveCount)) }},
			{"Read Count", "readCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.inPeriod(ex, c.u.Activity.ReadCount)) }},
			// The model keeps one meeting count; the email report splits it
			// into meetings the user created and meetings they acted on.
			{"Meeting Created Count", "meetingCreatedCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.inPeriod(ex, c.u.Activity.Meetings/4)) }},
			{"Meeting Interacted Count", "meetingInteractedCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.inPeriod(ex, c.u.Activity.Meetings)) }},
			productsCol(), periodCol()},
		covers: func(c *rowCtx) bool { return c.lic.has[ServiceExchange] },
	}
}

// teamsSplit derives the Teams report's finer meeting and duration columns
// from the model's totals, deterministically, so they add up the way
// Microsoft's do (organized + attended = meetings; unclassified meetings are
// left out of the three kinds, as the documentation notes).
type teamsSplit struct {
	organized, attended                int
	adHocOrg, oneTimeOrg, recurOrg     int
	adHocAtt, oneTimeAtt, recurAtt     int
	posts, replies                     int
	audioSec, videoSec, screenShareSec int
}

func (c *rowCtx) teams() teamsSplit {
	if !c.activeIn(ServiceTeams) {
		return teamsSplit{}
	}
	a := c.u.Activity
	var s teamsSplit
	s.organized = a.Meetings / 4
	s.attended = a.Meetings - s.organized
	s.adHocOrg, s.oneTimeOrg = s.organized/4, s.organized/4
	s.recurOrg = s.organized - s.adHocOrg - s.oneTimeOrg
	s.adHocAtt, s.oneTimeAtt = s.attended/4, s.attended/3
	s.recurAtt = s.attended - s.adHocAtt - s.oneTimeAtt
	s.posts = a.TeamChatMessages / 3
	s.replies = a.TeamChatMessages - s.posts
	s.audioSec = (a.Calls*12 + a.Meetings*35) * 60
	s.videoSec = a.Meetings * 20 * 60
	s.screenShareSec = a.Meetings * 6 * 60
	return s
}

// concealedUserID is what the Teams report shows as User Id when names are
// concealed (Microsoft Q&A 1166473: "why my user Ids are 0 always", answered
// by the concealed-names setting).
const concealedUserID = "00000000-0000-0000-0000-000000000000"

func teamsUserActivityUserDetail() *reportDef {
	tm := ServiceTeams
	split := func(f func(teamsSplit) int) func(*rowCtx) string {
		return func(c *rowCtx) string { return strconv.Itoa(f(c.teams())) }
	}
	return &reportDef{
		name: "getTeamsUserActivityUserDetail", odataType: "teamsUserActivityUserDetail",
		takesPeriod: true, takesDate: true,
		columns: []reportColumn{refreshCol(),
			{"Tenant Display Name", "tenantDisplayName", kindString, func(c *rowCtx) string { return c.t.DisplayName }},
			{"Shared Channel Tenant Display Names", "sharedChannelTenantDisplayNames", kindString, func(*rowCtx) string { return "" }},
			{"User Id", "userId", kindString, func(c *rowCtx) string {
				if c.concealed {
					return concealedUserID
				}
				return c.u.ID
			}},
			upnCol(),
			{"Last Activity Date", "lastActivityDate", kindDate, func(c *rowCtx) string { return reportDate(c.lastActivity(tm)) }},
			isDeletedCol(), deletedDateCol(), productsCol(),
			{"Team Chat Message Count", "teamChatMessageCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.inPeriod(tm, c.u.Activity.TeamChatMessages)) }},
			{"Private Chat Message Count", "privateChatMessageCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.inPeriod(tm, c.u.Activity.PrivateChatMessages)) }},
			{"Call Count", "callCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.inPeriod(tm, c.u.Activity.Calls)) }},
			{"Meeting Count", "meetingCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.inPeriod(tm, c.u.Activity.Meetings)) }},
			{"Post Messages", "postMessages", kindInt, split(func(s teamsSplit) int { return s.posts })},
			{"Reply Messages", "replyMessages", kindInt, split(func(s teamsSplit) int { return s.replies })},
			{"Urgent Messages", "urgentMessages", kindInt, func(*rowCtx) string { return "0" }},
			{"Meetings Organized Count", "meetingsOrganizedCount", kindInt, split(func(s teamsSplit) int { return s.organized })},
			{"Meetings Attended Count", "meetingsAttendedCount", kindInt, split(func(s teamsSplit) int { return s.attended })},
			{"Ad Hoc Meetings Organized Count", "adHocMeetingsOrganizedCount", kindInt, split(func(s teamsSplit) int { return s.adHocOrg })},
			{"Ad Hoc Meetings Attended Count", "adHocMeetingsAttendedCount", kindInt, split(func(s teamsSplit) int { return s.adHocAtt })},
			{"Scheduled One-time Meetings Organized Count", "scheduledOneTimeMeetingsOrganizedCount", kindInt, split(func(s teamsSplit) int { return s.oneTimeOrg })},
			{"Scheduled One-time Meetings Attended Count", "scheduledOneTimeMeetingsAttendedCount", kindInt, split(func(s teamsSplit) int { return s.oneTimeAtt })},
			{"Scheduled Recurring Meetings Organized Count", "scheduledRecurringMeetingsOrganizedCount", kindInt, split(func(s teamsSplit) int { return s.recurOrg })},
			{"Scheduled Recurring Meetings Attended Count", "scheduledRecurringMeetingsAttendedCount", kindInt, split(func(s teamsSplit) int { return s.recurAtt })},
			{"Audio Duration", "audioDuration", kindString, func(c *rowCtx) string { return reportDuration(c.teams().audioSec) }},
			{"Video Duration", "videoDuration", kindString, func(c *rowCtx) string { return reportDuration(c.teams().videoSec) }},
			{"Screen Share Duration", "screenShareDuration", kindString, func(c *rowCtx) string { return reportDuration(c.teams().screenShareSec) }},
			{"Audio Duration In Seconds", "audioDurationInSeconds", kindInt, split(func(s teamsSplit) int { return s.audioSec })},
			{"Video Duration In Seconds", "videoDurationInSeconds", kindInt, split(func(s teamsSplit) int { return s.videoSec })},
			{"Screen Share Duration In Seconds", "screenShareDurationInSeconds", kindInt, split(func(s teamsSplit) int { return s.screenShareSec })},
			{"Has Other Action", "hasOtherAction", kindBool, func(c *rowCtx) string {
				a := c.u.Activity
				return reportYesNo(c.activeIn(tm) && a.TeamChatMessages+a.PrivateChatMessages+a.Calls+a.Meetings == 0)
			}},
			{"Is Licensed", "isLicensed", kindBool, func(c *rowCtx) string { return reportYesNo(c.lic.has[ServiceTeams]) }},
			periodCol()},
		// Licensed users, and unlicensed ones who used Teams (Is Licensed No).
		covers: func(c *rowCtx) bool { return c.lic.has[ServiceTeams] || !c.lastActivity(tm).IsZero() },
	}
}

// m365Apps lists getM365AppUserDetail's app columns with their model bit.
var m365Apps = []struct {
	name, js string
	bit      uint8
}{
	{"Outlook", "outlook", AppOutlook}, {"Word", "word", AppWord}, {"Excel", "excel", AppExcel},
	{"PowerPoint", "powerPoint", AppPowerPoint}, {"OneNote", "oneNote", AppOneNote}, {"Teams", "teams", AppTeams},
}

var m365Platforms = []struct {
	name, js string
	bit      uint8
}{
	{"Windows", "windows", PlatformWindows}, {"Mac", "mac", PlatformMac},
	{"Mobile", "mobile", PlatformMobile}, {"Web", "web", PlatformWeb},
}

// appsLast is the last Microsoft 365 apps activity: any app, Outlook included.
func (c *rowCtx) appsLast() time.Time {
	a, o := c.lastActivity(ServiceM365Apps), c.lastActivity(ServiceOutlook)
	if o.After(a) {
		return o
	}
	return a
}

// usedApp reports whether the app was used in the period (on any platform).
func (c *rowCtx) usedApp(bit uint8) bool {
	if c.u.Activity.Apps&bit == 0 {
		return false
	}
	if bit == AppOutlook {
		return c.activeIn(ServiceOutlook)
	}
	return c.activeIn(ServiceM365Apps)
}

// usedPlatform reports whether any app was used on the platform in the period.
func (c *rowCtx) usedPlatform(bit uint8) bool {
	return c.u.Activity.Platforms&bit != 0 && c.w.in(c.appsLast())
}

func lastActivationDate(u *User) time.Time {
	var last time.Time
	for _, a := range u.Activity.ActivatedProducts {
		if a.LastActivated.After(last) {
			last = a.LastActivated
		}
	}
	return last
}

func m365AppUserDetail() *reportDef {
	cols := []reportColumn{refreshCol(), upnCol(),
		{"Last Activation Date", "lastActivationDate", kindDate, func(c *rowCtx) string { return reportDate(lastActivationDate(c.u)) }},
		{"Last Activity Date", "lastActivityDate", kindDate, func(c *rowCtx) string { return reportDate(c.appsLast()) }},
		periodCol()}
	for _, p := range m365Platforms {
		bit := p.bit
		cols = append(cols, reportColumn{p.name, p.js, kindBool, func(c *rowCtx) string { return reportYesNo(c.usedPlatform(bit)) }})
	}
	for _, a := range m365Apps {
		bit := a.bit
		cols = append(cols, reportColumn{a.name, a.js, kindBool, func(c *rowCtx) string { return reportYesNo(c.usedApp(bit)) }})
	}
	for _, p := range m365Platforms {
		for _, a := range m365Apps {
			pb, ab := p.bit, a.bit
			cols = append(cols, reportColumn{a.name + " (" + p.name + ")", a.js + p.name, kindBool,
				func(c *rowCtx) string { return reportYesNo(c.usedPlatform(pb) && c.usedApp(ab)) }})
		}
	}
	return &reportDef{
		name: "getM365AppUserDetail", odataType: "m365AppUserDetail",
		takesPeriod: true, takesDate: true, columns: cols,
		covers: func(c *rowCtx) bool {
			return !c.deleted && (c.lic.has[ServiceM365Apps] || !c.appsLast().IsZero())
		},
	}
}

func activationsUserDetail() *reportDef {
	act := func(f func(a *Activation) string) func(*rowCtx) string {
		return func(c *rowCtx) string { return f(c.act) }
	}
	return &reportDef{
		name: "getOffice365ActivationsUserDetail", odataType: "office365ActivationsUserDetail",
		columns: []reportColumn{refreshCol(), upnCol(), displayNameCol(),
			{"Product Type", "productType", kindString, act(func(a *Activation) string { return a.ProductType })},
			{"Last Activated Date", "lastActivatedDate", kindDate, act(func(a *Activation) string { return reportDate(a.LastActivated) })},
			{"Windows", "windows", kindInt, act(func(a *Activation) string { return strconv.Itoa(a.Windows) })},
			{"Mac", "mac", kindInt, act(func(a *Activation) string { return strconv.Itoa(a.Mac) })},
			{"Windows 10 Mobile", "windows10Mobile", kindInt, act(func(a *Activation) string { return strconv.Itoa(a.Windows10Mobile) })},
			{"iOS", "ios", kindInt, act(func(a *Activation) string { return strconv.Itoa(a.IOS) })},
			{"Android", "android", kindInt, act(func(a *Activation) string { return strconv.Itoa(a.Android) })},
			{"Activated On Shared Computer", "activatedOnSharedComputer", kindBool, act(func(a *Activation) string { return reportBool(a.SharedComputer) })}},
		covers:        func(c *rowCtx) bool { return !c.deleted && len(c.u.Activity.ActivatedProducts) > 0 },
		perActivation: true,
	}
}

// mailboxQuota is an Exchange Online mailbox's quotas in bytes: issue
// warning, prohibit send, prohibit send/receive (98/99/100 GB for Exchange
// Online Plan 2, 49/49.5/50 GB for Plan 1, shared and resource mailboxes,
// 1.9/1.95/2 GB for Kiosk), and the Recoverable Items quota (30 GB).
type mailboxQuota struct{ warn, send, sendReceive, deletedItems int64 }

const (
	mib = 1 << 20
	gib = 1 << 30
)

func (c *rowCtx) quota() mailboxQuota {
	switch {
	case c.lic.exchangePlan == "EXCHANGE_S_ENTERPRISE":
		return mailboxQuota{98 * gib, 99 * gib, 100 * gib, 30 * gib}
	case c.lic.exchangePlan == "EXCHANGE_S_DESKLESS":
		return mailboxQuota{1945 * mib, 1996 * mib, 2 * gib, 30 * gib}
	}
	return mailboxQuota{49 * gib, 49.5 * gib, 50 * gib, 30 * gib}
}

func mailboxUsageDetail() *reportDef {
	ex := ServiceExchange
	return &reportDef{
		name: "getMailboxUsageDetail", odataType: "mailboxUsageDetail",
		takesPeriod: true,
		columns: []reportColumn{refreshCol(), upnCol(), displayNameCol(), isDeletedCol(), deletedDateCol(),
			{"Created Date", "createdDate", kindDate, func(c *rowCtx) string { return reportDate(c.u.CreatedDateTime) }},
			{"Last Activity Date", "lastActivityDate", kindDate, func(c *rowCtx) string { return reportDate(c.lastActivity(ex)) }},
			{"Item Count", "itemCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.u.Activity.MailboxItemCount) }},
			{"Storage Used (Byte)", "storageUsedInBytes", kindInt, func(c *rowCtx) string { return strconv.FormatInt(c.u.Activity.MailboxStorage, 10) }},
			{"Issue Warning Quota (Byte)", "issueWarningQuotaInBytes", kindInt, func(c *rowCtx) string { return strconv.FormatInt(c.quota().warn, 10) }},
			{"Prohibit Send Quota (Byte)", "prohibitSendQuotaInBytes", kindInt, func(c *rowCtx) string { return strconv.FormatInt(c.quota().send, 10) }},
			{"Prohibit Send/Receive Quota (Byte)", "prohibitSendReceiveQuotaInBytes", kindInt, func(c *rowCtx) string { return strconv.FormatInt(c.quota().sendReceive, 10) }},
			// The model has no Recoverable Items folder; a mailbox keeps
			// about one item in 25 there, at its average item size.
			{"Deleted Item Count", "deletedItemCount", kindInt, func(c *rowCtx) string { return strconv.Itoa(c.u.Activity.MailboxItemCount / 25) }},
			{"Deleted Item Size (Byte)", "deletedItemSizeInBytes", kindInt, func(c *rowCtx) string { return strconv.FormatInt(c.u.Activity.MailboxStorage/25, 10) }},
			{"Deleted Item Quota (Byte)", "deletedItemQuotaInBytes", kindInt, func(c *rowCtx) string { return strconv.FormatInt(c.quota().deletedItems, 10) }},
			{"Has Archive", "hasArchive", kindBool, func(c *rowCtx) string { return reportBool(c.u.Activity.HasArchive) }},
			periodCol()},
		// Every mailbox: users', shared, room and equipment mailboxes alike.
		covers: func(c *rowCtx) bool { return c.u.MailboxPurpose != "" },
	}
}

// reportDefs are the served reports by function name (lower-case, as
// Graph matches function names case-insensitively).
func reportDefs() map[string]*reportDef {
	m := map[string]*reportDef{}
	for _, d := range []*reportDef{activeUserDetail(), emailActivityUserDetail(), teamsUserActivityUserDetail(),
		m365AppUserDetail(), activationsUserDetail(), mailboxUsageDetail(), copilotUsageUserDetail()} {
		m[strings.ToLower(d.name)] = d
	}
	return m
}
