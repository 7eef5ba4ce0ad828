package graphsim

import "time"

// getMicrosoft365CopilotUsageUserDetail, as the Microsoft Graph docs
// describe it ("reportRoot: getMicrosoft365CopilotUsageUserDetail", beta,
// and its newer alias under /beta/copilot/reports/):
//   - beta only; period D7, D30, D90, D180 or ALL; Reports.Read.All; global
//     cloud only;
//   - JSON by default (200, value[] paged with @odata.nextLink), CSV with
//     ?$format=text/csv (302 to a short-lived pre-authenticated download);
//   - lists only users who hold a Microsoft 365 Copilot licence, with their
//     last Copilot activity overall and per app; names are concealed like
//     the other usage reports'.

// copilotApps are the report's per-app columns: the CSV header, the JSON
// property and the model's app, in the CSV's documented order.
var copilotApps = []struct {
	header, js string
	app        CopilotApp
}{
	{"Microsoft Teams Copilot Last Activity Date", "microsoftTeamsCopilotLastActivityDate", CopilotTeams},
	{"Word Copilot Last Activity Date", "wordCopilotLastActivityDate", CopilotWord},
	{"Excel Copilot Last Activity Date", "excelCopilotLastActivityDate", CopilotExcel},
	{"PowerPoint Copilot Last Activity Date", "powerPointCopilotLastActivityDate", CopilotPowerPoint},
	{"Outlook Copilot Last Activity Date", "outlookCopilotLastActivityDate", CopilotOutlook},
	{"OneNote Copilot Last Activity Date", "oneNoteCopilotLastActivityDate", CopilotOneNote},
	{"Loop Copilot Last Activity Date", "loopCopilotLastActivityDate", CopilotLoop},
	{"Copilot Chat Last Activity Date", "copilotChatLastActivityDate", CopilotChat},
}

// copilotJSONOrder is the property order of the documented JSON example:
// Copilot Chat comes right after the overall date there, last in the CSV.
var copilotJSONOrder = []string{
	"reportRefreshDate", "userPrincipalName", "displayName", "lastActivityDate",
	"copilotChatLastActivityDate", "microsoftTeamsCopilotLastActivityDate", "wordCopilotLastActivityDate",
	"excelCopilotLastActivityDate", "powerPointCopilotLastActivityDate", "outlookCopilotLastActivityDate",
	"oneNoteCopilotLastActivityDate", "loopCopilotLastActivityDate",
}

// copilotLast is the user's last Copilot use in app as of the refresh date
// (zero: never).
func (c *rowCtx) copilotLast(app CopilotApp) time.Time {
	t := c.u.Activity.Copilot[app]
	if t.IsZero() || reportDay(t).After(c.w.refresh) {
		return time.Time{}
	}
	return t
}

// copilotLastAny is the latest Copilot use in any app as of the refresh date.
func (c *rowCtx) copilotLastAny() time.Time {
	var last time.Time
	for app := CopilotApp(0); app < NumCopilotApps; app++ {
		if t := c.copilotLast(app); t.After(last) {
			last = t
		}
	}
	return last
}

func copilotUsageUserDetail() *reportDef {
	cols := []reportColumn{refreshCol(),
		// The JSON form nests the period in copilotActivityUserDetailsByPeriod.
		{"Report Period", "reportPeriod", kindInt, (*rowCtx).period},
		upnCol(), displayNameCol(),
		{"Last Activity Date", "lastActivityDate", kindDate, func(c *rowCtx) string { return reportDate(c.copilotLastAny()) }}}
	for _, a := range copilotApps {
		app := a.app
		cols = append(cols, reportColumn{a.header, a.js, kindDate, func(c *rowCtx) string { return reportDate(c.copilotLast(app)) }})
	}
	return &reportDef{
		name: "getMicrosoft365CopilotUsageUserDetail", odataType: "copilotUsageUserDetail",
		takesPeriod: true, takesAll: true, betaOnly: true, jsonDefault: true, copilotRoot: true,
		columns: cols,
		covers:  func(c *rowCtx) bool { return !c.deleted && c.lic.copilot },
	}
}

// copilotJSON is the JSON shape of a Copilot usage row: the documented
// properties in their documented order, then
// copilotActivityUserDetailsByPeriod with the period in days.
func copilotJSON(def *reportDef, c *rowCtx) entity {
	byName := make(map[string]reportColumn, len(def.columns))
	for _, col := range def.columns {
		byName[col.json] = col
	}
	e := make(entity, 0, len(copilotJSONOrder)+1)
	for _, name := range copilotJSONOrder {
		col := byName[name]
		e = append(e, property{name, jsonValue(col.kind, col.value(c))})
	}
	return append(e, property{"copilotActivityUserDetailsByPeriod", []entity{{{"reportPeriod", c.w.days}}}})
}
