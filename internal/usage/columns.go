package usage

import (
	"strings"
	"time"
)

// column binds a report header to the UserActivity field it fills.
type column struct {
	header   string
	required bool
	set      func(u *UserActivity, v string) error
}

// Column names as Microsoft documents them (microsoft-graph-docs-contrib,
// api-reference/v1.0/api/reportroot-get*.md); headers match case-insensitively.
const (
	colRefreshDate = "Report Refresh Date"
	colUPN         = "User Principal Name"
	colPeriod      = "Report Period"
)

func dateCol(h string, required bool, f func(*UserActivity) *time.Time) column {
	return column{h, required, func(u *UserActivity, v string) error {
		t, err := parseDate(v)
		*f(u) = t
		return err
	}}
}

func boolCol(h string, required bool, f func(*UserActivity) *bool) column {
	return column{h, required, func(u *UserActivity, v string) error {
		b, err := parseBool(v)
		*f(u) = b
		return err
	}}
}

func intCol(h string, required bool, f func(*UserActivity) *int64) column {
	return column{h, required, func(u *UserActivity, v string) error {
		n, err := parseInt(v)
		*f(u) = n
		return err
	}}
}

func strCol(h string, required bool, f func(*UserActivity) *string) column {
	return column{h, required, func(u *UserActivity, v string) error {
		*f(u) = v
		return nil
	}}
}

// flagCol sets bit in the byte f points to when the column is true.
func flagCol(h string, f func(*UserActivity) *uint8, bit uint8) column {
	return column{h, false, func(u *UserActivity, v string) error {
		b, err := parseBool(v)
		if b {
			*f(u) |= bit
		}
		return err
	}}
}

func lastCol(h string, required bool, s Service) column {
	return dateCol(h, required, func(u *UserActivity) *time.Time { return &u.Last[s] })
}

// identity is what every per-user report starts with: the refresh date, the
// user principal name and the report period.
func identity() []column {
	return []column{
		{colRefreshDate, true, func(*UserActivity, string) error { return nil }}, // read into Meta
		{colUPN, true, func(u *UserActivity, v string) error {
			u.UserPrincipalName = v
			u.Concealed = IsConcealedName(v)
			return nil
		}},
		{colPeriod, false, func(u *UserActivity, v string) error {
			n, err := parseInt(v)
			u.ReportPeriod = int(n)
			return err
		}},
	}
}

func displayName() column {
	return strCol("Display Name", false, func(u *UserActivity) *string { return &u.DisplayName })
}

func deletion() []column {
	return []column{
		boolCol("Is Deleted", false, func(u *UserActivity) *bool { return &u.IsDeleted }),
		dateCol("Deleted Date", false, func(u *UserActivity) *time.Time { return &u.DeletedDate }),
	}
}

func assignedProducts() column {
	return column{"Assigned Products", false, func(u *UserActivity, v string) error {
		u.AssignedProducts = splitProducts(v)
		return nil
	}}
}

// activeUserServices are getOffice365ActiveUserDetail's workloads with the
// word its headers use for each.
var activeUserServices = []struct {
	s    Service
	name string
}{
	{Exchange, "Exchange"}, {OneDrive, "OneDrive"}, {SharePoint, "SharePoint"},
	{SkypeForBusiness, "Skype For Business"}, {Yammer, "Yammer"}, {Teams, "Teams"},
}

// columnsOf returns the columns Parse reads for a report; the bool is false
// for a report this package does not know.
func columnsOf(r Report) ([]column, bool) {
	cols := identity()
	switch r {
	case ActiveUserDetail:
		cols = append(cols, displayName())
		cols = append(cols, deletion()...)
		for _, w := range activeUserServices {
			s := w.s
			cols = append(cols,
				boolCol("Has "+w.name+" License", false, func(u *UserActivity) *bool { return &u.HasLicense[s] }),
				lastCol(w.name+" Last Activity Date", true, s),
				dateCol(w.name+" License Assign Date", false, func(u *UserActivity) *time.Time { return &u.LicenseAssigned[s] }))
		}
		cols = append(cols, assignedProducts())
	case EmailActivityUserDetail:
		cols = append(cols, displayName(), lastCol("Last Activity Date", true, Exchange), assignedProducts(),
			intCol("Send Count", false, func(u *UserActivity) *int64 { return &u.SendCount }),
			intCol("Receive Count", false, func(u *UserActivity) *int64 { return &u.ReceiveCount }),
			intCol("Read Count", false, func(u *UserActivity) *int64 { return &u.ReadCount }),
			intCol("Meeting Created Count", false, func(u *UserActivity) *int64 { return &u.MeetingCreatedCount }),
			intCol("Meeting Interacted Count", false, func(u *UserActivity) *int64 { return &u.MeetingInteractedCount }))
		cols = append(cols, deletion()...)
	case TeamsUserActivityUserDetail:
		cols = append(cols, lastCol("Last Activity Date", true, Teams), assignedProducts(),
			strCol("User Id", false, func(u *UserActivity) *string { return &u.UserID }),
			boolCol("Is Licensed", false, func(u *UserActivity) *bool { return &u.HasLicense[Teams] }),
			intCol("Team Chat Message Count", false, func(u *UserActivity) *int64 { return &u.TeamChatMessages }),
			intCol("Private Chat Message Count", false, func(u *UserActivity) *int64 { return &u.PrivateChatMessages }),
			intCol("Call Count", false, func(u *UserActivity) *int64 { return &u.Calls }),
			intCol("Meeting Count", false, func(u *UserActivity) *int64 { return &u.Meetings }),
			intCol("Meetings Organized Count", false, func(u *UserActivity) *int64 { return &u.MeetingsOrganized }),
			intCol("Meetings Attended Count", false, func(u *UserActivity) *int64 { return &u.MeetingsAttended }))
		cols = append(cols, deletion()...)
	case M365AppUserDetail:
		cols = append(cols, lastCol("Last Activity Date", true, M365Apps),
			dateCol("Last Activation Date", false, func(u *UserActivity) *time.Time { return &u.LastActivation }))
		platforms := func(u *UserActivity) *uint8 { return &u.Platforms }
		apps := func(u *UserActivity) *uint8 { return &u.Apps }
		cols = append(cols,
			flagCol("Windows", platforms, PlatformWindows), flagCol("Mac", platforms, PlatformMac),
			flagCol("Mobile", platforms, PlatformMobile), flagCol("Web", platforms, PlatformWeb),
			flagCol("Outlook", apps, AppOutlook), flagCol("Word", apps, AppWord),
			flagCol("Excel", apps, AppExcel), flagCol("PowerPoint", apps, AppPowerPoint),
			flagCol("OneNote", apps, AppOneNote), flagCol("Teams", apps, AppTeams))
	case ActivationsUserDetail:
		a := func(f func(*Activation) *int64) func(*UserActivity) *int64 {
			return func(u *UserActivity) *int64 { return f(&u.Activation) }
		}
		cols = append(cols, displayName(),
			strCol("Product Type", true, func(u *UserActivity) *string { return &u.Activation.ProductType }),
			dateCol("Last Activated Date", false, func(u *UserActivity) *time.Time { return &u.Activation.LastActivated }),
			intCol("Windows", false, a(func(x *Activation) *int64 { return &x.Windows })),
			intCol("Mac", false, a(func(x *Activation) *int64 { return &x.Mac })),
			intCol("Windows 10 Mobile", false, a(func(x *Activation) *int64 { return &x.Windows10Mobile })),
			intCol("iOS", false, a(func(x *Activation) *int64 { return &x.IOS })),
			intCol("Android", false, a(func(x *Activation) *int64 { return &x.Android })),
			boolCol("Activated On Shared Computer", false, func(u *UserActivity) *bool { return &u.Activation.SharedComputer }))
	case MailboxUsageDetail:
		cols = append(cols, displayName(), lastCol("Last Activity Date", true, Exchange),
			dateCol("Created Date", false, func(u *UserActivity) *time.Time { return &u.CreatedDate }),
			intCol("Item Count", false, func(u *UserActivity) *int64 { return &u.ItemCount }),
			intCol("Storage Used (Byte)", false, func(u *UserActivity) *int64 { return &u.StorageUsedBytes }),
			intCol("Issue Warning Quota (Byte)", false, func(u *UserActivity) *int64 { return &u.IssueWarningQuota }),
			intCol("Prohibit Send Quota (Byte)", false, func(u *UserActivity) *int64 { return &u.ProhibitSendQuota }),
			intCol("Prohibit Send/Receive Quota (Byte)", false, func(u *UserActivity) *int64 { return &u.ProhibitSendReceiveQuota }),
			intCol("Deleted Item Count", false, func(u *UserActivity) *int64 { return &u.DeletedItemCount }),
			intCol("Deleted Item Size (Byte)", false, func(u *UserActivity) *int64 { return &u.DeletedItemSize }),
			intCol("Deleted Item Quota (Byte)", false, func(u *UserActivity) *int64 { return &u.DeletedItemQuota }),
			boolCol("Has Archive", false, func(u *UserActivity) *bool { return &u.HasArchive }))
		cols = append(cols, deletion()...)
	case CopilotUsageUserDetail:
		cols = append(cols, displayName(), copilotCol("Last Activity Date", true, CopilotAny))
		for _, a := range copilotColumns {
			cols = append(cols, copilotCol(a.header, false, a.app))
		}
	default:
		return nil, false
	}
	return cols, true
}

// copilotColumns are the Copilot report's per-app columns (Microsoft Graph
// docs, "reportRoot: getMicrosoft365CopilotUsageUserDetail"). They are
// optional: Microsoft adds and renames Copilot apps often.
var copilotColumns = []struct {
	header string
	app    CopilotApp
}{
	{"Microsoft Teams Copilot Last Activity Date", CopilotTeams},
	{"Word Copilot Last Activity Date", CopilotWord},
	{"Excel Copilot Last Activity Date", CopilotExcel},
	{"PowerPoint Copilot Last Activity Date", CopilotPowerPoint},
	{"Outlook Copilot Last Activity Date", CopilotOutlook},
	{"OneNote Copilot Last Activity Date", CopilotOneNote},
	{"Loop Copilot Last Activity Date", CopilotLoop},
	{"Copilot Chat Last Activity Date", CopilotChat},
}

func copilotCol(h string, required bool, a CopilotApp) column {
	return dateCol(h, required, func(u *UserActivity) *time.Time { return &u.Copilot[a] })
}

// splitProducts splits Assigned Products, which Microsoft joins with '+'.
func splitProducts(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	parts := strings.Split(v, "+")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
