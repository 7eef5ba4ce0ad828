package graphsim

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/internal/usage"
)

// Microsoft 365 Copilot (Microsoft_365_Copilot) and two of its service
// plans, from Microsoft's licensing table.
const (
	rptSkuCopilot       = "639dec6b-bb19-468b-871c-c5c441c4b0cb"
	rptPlanCopilotTeams = "b95945de-b3bd-46db-8437-f2beb6ea2347"
	rptPlanCopilotApps  = "a62f8878-de10-42f3-b68f-6149a25ceb97"
)

// copilotTenant is rptTenant with a Copilot SKU: Adele holds it and used
// Copilot in Teams, Word and Chat; Lee holds it and never used it; Patti
// (deleted) held it. Nobody else is listed.
func copilotTenant() *Tenant {
	t := rptTenant(0)
	t.SubscribedSKUs = append(t.SubscribedSKUs, &SubscribedSKU{SkuID: rptSkuCopilot, SkuPartNumber: "Microsoft_365_Copilot",
		CapabilityStatus: "Enabled", AppliesTo: "User", Enabled: 10, ServicePlans: []ServicePlan{
			{ServicePlanID: rptPlanCopilotTeams, ServicePlanName: "M365_COPILOT_TEAMS"},
			{ServicePlanID: rptPlanCopilotApps, ServicePlanName: "M365_COPILOT_APPS"}}})
	adele, lee, gone := t.Users[0], t.Users[1], t.Deleted[0]
	for _, u := range []*User{adele, lee, gone} {
		u.AssignedLicenses = append(u.AssignedLicenses, AssignedLicense{SkuID: rptSkuCopilot, DisabledPlans: []string{}})
	}
	adele.Activity.Copilot[CopilotTeams] = rptDay(2026, 10, 28)
	adele.Activity.Copilot[CopilotWord] = rptDay(2026, 9, 2)
	adele.Activity.Copilot[CopilotChat] = rptDay(2026, 10, 29)
	adele.Activity.Copilot[CopilotLoop] = rptDay(2026, 10, 31) // after the refresh date: not reported yet
	gone.Activity.Copilot[CopilotChat] = rptDay(2026, 10, 20)
	return t
}

const copilotPath = "/beta/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')"

func TestCopilotReportCSV(t *testing.T) {
	env := newRptEnv(t, copilotTenant())
	want, err := os.ReadFile("testdata/reports/reports_getMicrosoft365CopilotUsageUserDetail.csv")
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []string{
		"2026-10-30,7,AdeleV@contoso.com,Adele Vance,2026-10-29,2026-10-28,2026-09-02,,,,,,2026-10-29",
		"2026-10-30,7,LeeG@contoso.com,Lee Gu,,,,,,,,,",
	}
	for _, path := range []string{
		copilotPath + "?$format=text/csv",
		"/beta/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')?$format=text/csv",
	} {
		header, rows := rptCSVRows(t, env.download(path))
		if header != strings.TrimSpace(string(want)) {
			t.Errorf("%s header:\n got %s\nwant %s", path, header, strings.TrimSpace(string(want)))
		}
		if !reflect.DeepEqual(rows, wantRows) {
			t.Errorf("%s rows:\n%s\nwant\n%s", path, strings.Join(rows, "\n"), strings.Join(wantRows, "\n"))
		}
	}
	// The client-side parser reads it back.
	var got []usage.UserActivity
	meta, err := usage.Parse(usage.CopilotUsageUserDetail, bytes.NewReader(env.download(copilotPath+"?$format=text/csv")), func(u usage.UserActivity) error {
		got = append(got, u)
		return nil
	})
	if err != nil || meta.Rows != 2 || meta.Period != 7 || !meta.RefreshDate.Equal(rptDay(2026, 10, 30)) {
		t.Fatalf("parse: %+v %v", meta, err)
	}
	a := got[0].Copilot
	if !a[usage.CopilotAny].Equal(rptDay(2026, 10, 29)) || !a[usage.CopilotTeams].Equal(rptDay(2026, 10, 28)) ||
		!a[usage.CopilotWord].Equal(rptDay(2026, 9, 2)) || !a[usage.CopilotLoop].IsZero() || got[1].Copilot != ([usage.NumCopilotApps]time.Time{}) {
		t.Errorf("parsed Copilot dates: %v / %v", a, got[1].Copilot)
	}
}

func TestCopilotReportJSON(t *testing.T) {
	env := newRptEnv(t, copilotTenant())
	tok := env.token("Reports.Read.All")
	f, err := os.Open("testdata/reports/beta_reports_getMicrosoft365CopilotUsageUserDetail_json.json")
	if err != nil {
		t.Fatal(err)
	}
	example := rptReadJSON(t, f)
	f.Close()
	for _, path := range []string{copilotPath, "/beta/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')",
		copilotPath + "?$format=application/json"} {
		resp := env.do("GET", path, tok, nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %s, want 200 JSON (the default form)", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		got := rptReadJSON(t, resp.Body)
		if d := rptShapeDiff("$", got, example, nil); len(d) > 0 {
			t.Errorf("%s differs from the documented example:\n%s", path, strings.Join(d, "\n"))
		}
		rows := got["value"].([]any)
		if len(rows) != 2 {
			t.Fatalf("%s: %d rows, want Adele and Lee", path, len(rows))
		}
		adele := rows[0].(map[string]any)
		want := map[string]any{
			"reportRefreshDate": "2026-10-30", "userPrincipalName": "AdeleV@contoso.com", "displayName": "Adele Vance",
			"lastActivityDate": "2026-10-29", "copilotChatLastActivityDate": "2026-10-29",
			"microsoftTeamsCopilotLastActivityDate": "2026-10-28", "wordCopilotLastActivityDate": "2026-09-02",
			"excelCopilotLastActivityDate": nil, "powerPointCopilotLastActivityDate": nil, "outlookCopilotLastActivityDate": nil,
			"oneNoteCopilotLastActivityDate": nil, "loopCopilotLastActivityDate": nil,
			"copilotActivityUserDetailsByPeriod": []any{map[string]any{"reportPeriod": 7.0}},
		}
		if !reflect.DeepEqual(adele, want) {
			t.Errorf("%s: Adele = %v\nwant %v", path, adele, want)
		}
		if lee := rows[1].(map[string]any); lee["lastActivityDate"] != nil || lee["userPrincipalName"] != "LeeG@contoso.com" {
			t.Errorf("%s: Lee = %v", path, lee)
		}
	}
	// The documented property order, Copilot Chat second to the overall date.
	raw := env.do("GET", copilotPath, tok, nil)
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(raw.Body)
	body := buf.String()
	if i, j := strings.Index(body, `"lastActivityDate"`), strings.Index(body, `"copilotChatLastActivityDate"`); i < 0 || j < i ||
		j > strings.Index(body, `"microsoftTeamsCopilotLastActivityDate"`) {
		t.Errorf("property order: %s", body)
	}
	// The period ALL is accepted here.
	if r := env.do("GET", "/beta/reports/getMicrosoft365CopilotUsageUserDetail(period='ALL')", tok, nil); r.StatusCode != 200 {
		t.Errorf("period ALL: %d", r.StatusCode)
	}
}

func TestCopilotReportErrors(t *testing.T) {
	env := newRptEnv(t, copilotTenant())
	ok := env.token("Reports.Read.All")
	for _, tc := range []struct {
		path, token   string
		status        int
		code, message string
	}{
		{copilotPath, env.token("User.Read.All"), 403, "S2SUnauthorized", "Invalid permission."},
		{"/beta/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')?$format=text/csv", env.token("User.Read.All"), 403, "S2SUnauthorized", "Invalid permission."},
		// Beta only: v1.0 knows no such function, nor a copilot root.
		{"/v1.0/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')", ok, 400, "BadRequest",
			"Resource not found for the segment 'getMicrosoft365CopilotUsageUserDetail'."},
		{"/v1.0/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')?$format=text/csv", env.token("User.Read.All"), 400, "BadRequest",
			"Resource not found for the segment 'getMicrosoft365CopilotUsageUserDetail'."},
		{"/v1.0/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')", ok, 400, "BadRequest",
			"Resource not found for the segment 'copilot'."},
		// Only the Copilot reports live under copilot/reports.
		{"/beta/copilot/reports/getEmailActivityUserDetail(period='D7')", ok, 400, "BadRequest",
			"Resource not found for the segment 'getEmailActivityUserDetail'."},
		{"/beta/reports/getMicrosoft365CopilotUsageUserDetail(period='D8')", ok, 400, "BadRequest",
			"Invalid value 'D8' for parameter 'period'. The supported values are D7, D30, D90, D180 and ALL."},
		{"/beta/reports/getEmailActivityUserDetail(period='ALL')", ok, 400, "BadRequest",
			"Invalid value 'ALL' for parameter 'period'. The supported values are D7, D30, D90 and D180."},
		{"/beta/reports/getMicrosoft365CopilotUsageUserDetail(date=2026-10-29)", ok, 400, "BadRequest",
			"Resource not found for the segment 'getMicrosoft365CopilotUsageUserDetail'."},
	} {
		status, code, msg := rptGraphError(t, env.do("GET", tc.path, tc.token, nil))
		if status != tc.status || code != tc.code || msg != tc.message {
			t.Errorf("%s: %d %s %q\nwant %d %s %q", tc.path, status, code, msg, tc.status, tc.code, tc.message)
		}
	}
}

func TestCopilotReportConcealedNames(t *testing.T) {
	tenant := copilotTenant()
	tenant.SetDisplayConcealedNames(true)
	env := newRptEnv(t, tenant)
	body := env.download(copilotPath + "?$format=text/csv")
	if strings.Contains(string(body), "@contoso") || strings.Contains(string(body), "Adele") {
		t.Errorf("concealed Copilot report leaks a name:\n%s", body)
	}
	meta, err := usage.Parse(usage.CopilotUsageUserDetail, bytes.NewReader(body), func(usage.UserActivity) error { return nil })
	if err != nil || !meta.Concealed || meta.ConcealedRows != 2 {
		t.Errorf("parsed concealed Copilot report: %+v, %v", meta, err)
	}
	json := rptReadJSON(t, env.do("GET", copilotPath, env.token("Reports.Read.All"), nil).Body)
	if upn := json["value"].([]any)[0].(map[string]any)["userPrincipalName"]; upn != concealedName(tenant, tenant.Users[0]) {
		t.Errorf("concealed JSON userPrincipalName = %v", upn)
	}
}

// The CSV form counts against the CSV download limit (14 per report in ten
// minutes), not the beta JSON one.
func TestCopilotReportThrottling(t *testing.T) {
	tenant := copilotTenant()
	now := time.Now()
	srv := New(Options{Throttle: true, Clock: func() time.Time { return now }}, tenant)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tok, err := srv.IssueToken(tenant.ID, rptTestAppID, "https://graph.microsoft.com", []string{"Reports.Read.All"})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := range 14 {
		if r := get(copilotPath + "?$format=text/csv"); r.StatusCode != 302 {
			t.Fatalf("CSV request %d: %d", i+1, r.StatusCode)
		}
	}
	r := get(copilotPath + "?$format=text/csv")
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
		t.Errorf("15th CSV request: %d Retry-After %q, want 429 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	// The JSON form has its own, larger budget.
	if r := get(copilotPath); r.StatusCode != 200 {
		t.Errorf("JSON after the CSV budget: %d", r.StatusCode)
	}
}

// A generated tenant: the report lists exactly the Copilot holders with
// their ground-truth dates, and the generator's promises hold (some active
// holders never used Copilot, some not for over 90 days, some recently).
func TestCopilotReportMatchesGeneratedTenant(t *testing.T) {
	p, err := ProfileByName("small", 11)
	if err != nil {
		t.Fatal(err)
	}
	p.Users = 800 // enough Copilot holders (8% of suite holders) for every kind
	tenant, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	tenant.SetDisplayConcealedNames(false)
	holders := tenant.CopilotHolders()
	if len(holders) < 5 {
		t.Fatalf("only %d Copilot holders in the small profile", len(holders))
	}
	refresh := tenant.ReportRefreshDate()
	want := map[string][usage.NumCopilotApps]time.Time{}
	var never, stale, recent int
	for _, u := range holders {
		var d [usage.NumCopilotApps]time.Time
		for _, a := range copilotApps {
			d[copilotUsageApp(a.app)] = u.Activity.Copilot[a.app]
		}
		d[usage.CopilotAny] = u.Activity.CopilotLast()
		want[u.UserPrincipalName] = d
		last := u.Activity.CopilotLast()
		if last.After(refresh) {
			t.Errorf("%s: Copilot use %s after the refresh date", u.UserPrincipalName, last)
		}
		if !last.IsZero() && last.Before(u.CreatedDateTime.Truncate(24*time.Hour)) {
			t.Errorf("%s: Copilot use before the account existed", u.UserPrincipalName)
		}
		switch {
		case last.IsZero():
			never++
		case refresh.Sub(last) > 90*24*time.Hour:
			stale++
		default:
			recent++
		}
	}
	if never == 0 || stale == 0 || recent == 0 {
		t.Errorf("holders: %d never, %d stale, %d recent; want some of each", never, stale, recent)
	}
	srv := New(Options{}, tenant)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tok, err := srv.IssueToken(tenant.ID, tenant.Connector.AppID, "https://graph.microsoft.com", []string{"Reports.Read.All"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/beta/reports/getMicrosoft365CopilotUsageUserDetail(period='D180')?$format=text/csv", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req) // follows the 302, without the token
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := map[string][usage.NumCopilotApps]time.Time{}
	_, err = usage.Parse(usage.CopilotUsageUserDetail, resp.Body, func(u usage.UserActivity) error {
		got[u.UserPrincipalName] = u.Copilot
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report lists %d holders, want %d (or dates differ)", len(got), len(want))
	}
}

// copilotUsageApp maps the model's app to the parser's.
func copilotUsageApp(a CopilotApp) usage.CopilotApp {
	switch a {
	case CopilotTeams:
		return usage.CopilotTeams
	case CopilotWord:
		return usage.CopilotWord
	case CopilotExcel:
		return usage.CopilotExcel
	case CopilotPowerPoint:
		return usage.CopilotPowerPoint
	case CopilotOutlook:
		return usage.CopilotOutlook
	case CopilotOneNote:
		return usage.CopilotOneNote
	case CopilotLoop:
		return usage.CopilotLoop
	}
	return usage.CopilotChat
}
