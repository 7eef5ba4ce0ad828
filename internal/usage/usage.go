// Package usage reads the Microsoft 365 usage reports that Microsoft Graph
// serves as CSV (reportRoot functions such as getOffice365ActiveUserDetail):
// it parses them by header name into typed per-user rows and detects reports
// whose identifiers Microsoft has concealed. It does no HTTP; the Graph client
// downloads the report and hands the body to Parse.
package usage

import "time"

// Report names a reportRoot function whose CSV this package parses.
type Report string

// The per-user detail reports the usage analysis reads.
const (
	ActiveUserDetail            Report = "getOffice365ActiveUserDetail"
	EmailActivityUserDetail     Report = "getEmailActivityUserDetail"
	TeamsUserActivityUserDetail Report = "getTeamsUserActivityUserDetail"
	M365AppUserDetail           Report = "getM365AppUserDetail"
	ActivationsUserDetail       Report = "getOffice365ActivationsUserDetail"
	MailboxUsageDetail          Report = "getMailboxUsageDetail"
	// CopilotUsageUserDetail is Microsoft 365 Copilot's last activity per
	// user and app (Microsoft Graph docs, "reportRoot:
	// getMicrosoft365CopilotUsageUserDetail"): beta only, global cloud
	// only, listing only users who hold a Copilot licence; its CSV is asked
	// for with ?$format=text/csv (JSON is its default).
	CopilotUsageUserDetail Report = "getMicrosoft365CopilotUsageUserDetail"
)

// Reports lists every report Parse understands, in a stable order.
func Reports() []Report {
	return []Report{ActiveUserDetail, EmailActivityUserDetail, TeamsUserActivityUserDetail,
		M365AppUserDetail, ActivationsUserDetail, MailboxUsageDetail, CopilotUsageUserDetail}
}

// BetaOnly reports whether Microsoft serves the function only under /beta
// (and in the global cloud only): the Copilot report.
func (r Report) BetaOnly() bool { return r == CopilotUsageUserDetail }

// HasPeriod reports whether the function takes a period parameter (D7, D30,
// D90, D180); getOffice365ActivationsUserDetail takes none.
func (r Report) HasPeriod() bool { return r != ActivationsUserDetail }

// Service is a Microsoft 365 workload whose last activity a report carries.
type Service int

// The seven workloads of the active-users and app reports, plus Microsoft 365
// apps (Word, Excel, ... from getM365AppUserDetail).
const (
	Exchange Service = iota
	OneDrive
	SharePoint
	SkypeForBusiness
	Yammer
	Teams
	Outlook
	M365Apps
	NumServices
)

var serviceNames = [NumServices]string{"Exchange", "OneDrive", "SharePoint", "Skype For Business",
	"Yammer", "Teams", "Outlook", "Microsoft 365 Apps"}

func (s Service) String() string {
	if s < 0 || s >= NumServices {
		return "Service(?)"
	}
	return serviceNames[s]
}

// Services returns the workloads whose last activity date the report carries.
func (r Report) Services() []Service {
	switch r {
	case ActiveUserDetail:
		return []Service{Exchange, OneDrive, SharePoint, SkypeForBusiness, Yammer, Teams}
	case EmailActivityUserDetail, MailboxUsageDetail:
		return []Service{Exchange}
	case TeamsUserActivityUserDetail:
		return []Service{Teams}
	case M365AppUserDetail:
		return []Service{M365Apps}
	}
	return nil
}

// CopilotApp indexes UserActivity.Copilot: the Copilot report's overall
// last activity date and its per-app dates.
type CopilotApp int

const (
	CopilotAny CopilotApp = iota // Last Activity Date: any app
	CopilotTeams
	CopilotWord
	CopilotExcel
	CopilotPowerPoint
	CopilotOutlook
	CopilotOneNote
	CopilotLoop
	CopilotChat
	NumCopilotApps
)

var copilotAppNames = [NumCopilotApps]string{"any app", "Teams", "Word", "Excel", "PowerPoint", "Outlook", "OneNote", "Loop", "Copilot Chat"}

func (a CopilotApp) String() string {
	if a < 0 || a >= NumCopilotApps {
		return "CopilotApp(?)"
	}
	return copilotAppNames[a]
}

// Platform bits of UserActivity.Platforms (getM365AppUserDetail).
const (
	PlatformWindows uint8 = 1 << iota
	PlatformMac
	PlatformMobile
	PlatformWeb
)

// App bits of UserActivity.Apps (getM365AppUserDetail): the app was used in
// the report period on at least one platform.
const (
	AppOutlook uint8 = 1 << iota
	AppWord
	AppExcel
	AppPowerPoint
	AppOneNote
	AppTeams
)

// UserActivity is one row of a per-user usage report. Fields a report does
// not carry stay zero; Meta.Columns says which columns were present. Zero
// times mean the report left the date empty (no activity ever recorded).
type UserActivity struct {
	// UserPrincipalName and DisplayName are as the report shows them: 32
	// hex digits when the tenant conceals names (see Concealed).
	UserPrincipalName string
	DisplayName       string
	UserID            string // Teams report only
	// Concealed is set when this row's user principal name is a concealed
	// hash: it must not be joined to a directory user.
	Concealed bool

	IsDeleted   bool
	DeletedDate time.Time

	// Last is the last activity date per workload (the last ever, not only
	// within the period: Microsoft shows older dates too).
	Last [NumServices]time.Time
	// HasLicense per workload: getOffice365ActiveUserDetail's Has ...
	// License columns and the Teams report's Is Licensed.
	HasLicense [NumServices]bool
	// LicenseAssigned per workload (getOffice365ActiveUserDetail).
	LicenseAssigned  [NumServices]time.Time
	AssignedProducts []string

	// Email activity over the period.
	SendCount, ReceiveCount, ReadCount          int64
	MeetingCreatedCount, MeetingInteractedCount int64

	// Teams activity over the period.
	TeamChatMessages, PrivateChatMessages, Calls, Meetings int64
	MeetingsOrganized, MeetingsAttended                    int64

	// Microsoft 365 apps.
	LastActivation time.Time
	Platforms      uint8 // PlatformWindows | ...
	Apps           uint8 // AppOutlook | ...

	// Mailbox usage.
	CreatedDate                                         time.Time
	ItemCount, StorageUsedBytes                         int64
	IssueWarningQuota, ProhibitSendQuota                int64
	ProhibitSendReceiveQuota                            int64
	DeletedItemCount, DeletedItemSize, DeletedItemQuota int64
	HasArchive                                          bool

	// Activation (getOffice365ActivationsUserDetail has one row per user and
	// product type).
	Activation Activation

	// Copilot is the Copilot report's last activity date overall
	// (CopilotAny) and per app; zero = never used.
	Copilot [NumCopilotApps]time.Time

	// RefreshDate is the report's Report Refresh Date (the same on every
	// row; Meta.RefreshDate too).
	RefreshDate time.Time

	// ReportPeriod is the row's Report Period in days (0 when absent).
	ReportPeriod int
}

// Activation is a row of getOffice365ActivationsUserDetail.
type Activation struct {
	ProductType                                 string // e.g. MICROSOFT 365 APPS FOR ENTERPRISE
	LastActivated                               time.Time
	Windows, Mac, Windows10Mobile, IOS, Android int64
	SharedComputer                              bool
}

// Meta describes a parsed report.
type Meta struct {
	Report Report
	// Columns are the header names as read (BOM removed), in file order.
	Columns []string
	// RefreshDate is the report's Report Refresh Date (from its first row;
	// zero for an empty report). Microsoft's data lags it by about two days.
	RefreshDate time.Time
	// Period is the Report Period in days (0 when the report has none).
	Period int
	Rows   int
	// ConcealedRows counts rows whose user principal name is a concealed
	// hash; Concealed is set when most rows are.
	ConcealedRows int
	Concealed     bool
}

// Lag is how far the report's data trails now: Microsoft refreshes usage
// reports about two days behind. Zero for a report without rows.
func (m Meta) Lag(now time.Time) time.Duration {
	if m.RefreshDate.IsZero() {
		return 0
	}
	return now.Sub(m.RefreshDate)
}

// LastActive is the latest last-activity date over every workload the row
// carries; zero when it shows none.
func (u UserActivity) LastActive() time.Time {
	var last time.Time
	for _, t := range u.Last {
		if t.After(last) {
			last = t
		}
	}
	return last
}
