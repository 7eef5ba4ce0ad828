package graphsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/internal/usage"
)

// Real SKU and service plan ids (Microsoft's licensing table,
// internal/license/data/ms-licensing.csv).
const (
	rptSkuE3          = "6fd2c87f-b296-42f0-b197-1e91e994b900" // ENTERPRISEPACK, Office 365 E3
	rptSkuExchangeP1  = "4b9405b0-7788-4568-add1-99614e613b69" // EXCHANGESTANDARD
	rptPlanTeams1     = "57ff2da0-773e-42df-b2af-ffb7a2317929"
	rptPlanExchangeP2 = "efb87545-963c-4e0d-99df-69c6916d9eb0"
	rptTestAppID      = "3f1b4a57-5a1e-4c1d-9a43-1c2a8fd0e7a1"
)

func rptDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// rptTenant is a hand-built tenant whose every report row is known:
// refresh date 2026-10-30 (Now 2026-11-01 less Microsoft's two-day lag).
func rptTenant(extraLicensed int) *Tenant {
	e3 := &SubscribedSKU{SkuID: rptSkuE3, SkuPartNumber: "ENTERPRISEPACK", CapabilityStatus: "Enabled", AppliesTo: "User", Enabled: 1000,
		ServicePlans: []ServicePlan{
			{ServicePlanID: rptPlanTeams1, ServicePlanName: "TEAMS1"},
			{ServicePlanID: "0feaeb32-d00e-4d66-bd5a-43b5b83db82c", ServicePlanName: "MCOSTANDARD"},
			{ServicePlanID: "5dbe027f-2339-4123-9542-606e4d348a72", ServicePlanName: "SHAREPOINTENTERPRISE"},
			{ServicePlanID: "e95bec33-7c88-4a70-8e19-b10bd9d0c014", ServicePlanName: "SHAREPOINTWAC"},
			{ServicePlanID: rptPlanExchangeP2, ServicePlanName: "EXCHANGE_S_ENTERPRISE"},
			{ServicePlanID: "43de0ff5-c92c-492b-9116-175376d08c38", ServicePlanName: "OFFICESUBSCRIPTION"},
			{ServicePlanID: "7547a3fe-08ee-4ccb-b430-5077c5041653", ServicePlanName: "YAMMER_ENTERPRISE"},
		}}
	exo := &SubscribedSKU{SkuID: rptSkuExchangeP1, SkuPartNumber: "EXCHANGESTANDARD", CapabilityStatus: "Enabled", AppliesTo: "User", Enabled: 10,
		ServicePlans: []ServicePlan{{ServicePlanID: "9aaf7827-d63c-4b61-89c3-182f06f82e5c", ServicePlanName: "EXCHANGE_S_STANDARD"}}}
	created := rptDay(2024, 3, 1)
	adele := &User{ID: "a7f3e2d1-0b1c-4d5e-8f90-123456789abc", UserPrincipalName: "AdeleV@contoso.com", DisplayName: "Adele Vance",
		UserType: "Member", AccountEnabled: true, CreatedDateTime: created, MailboxPurpose: "user",
		// Teams disabled in her E3.
		AssignedLicenses: []AssignedLicense{{SkuID: rptSkuE3, DisabledPlans: []string{rptPlanTeams1}}},
		// E3 both directly and, later, through a group: the report shows
		// the last assignment.
		LicenseAssignmentStates: []LicenseAssignmentState{{SkuID: rptSkuE3, State: "Active", Error: "None",
			LastUpdatedDateTime: time.Date(2024, 3, 2, 9, 30, 0, 0, time.UTC)},
			{SkuID: rptSkuE3, State: "Active", Error: "None", AssignedByGroup: "7a7a7a7a-0000-4000-8000-000000000001",
				LastUpdatedDateTime: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}},
		Activity: Activity{
			Last: [NumServices]time.Time{
				ServiceExchange:   time.Date(2026, 10, 29, 17, 5, 0, 0, time.UTC),
				ServiceOneDrive:   rptDay(2026, 9, 15),
				ServiceYammer:     rptDay(2025, 1, 10),
				ServiceOutlook:    rptDay(2026, 10, 29),
				ServiceM365Apps:   rptDay(2026, 10, 27),
				ServiceTeams:      time.Time{},
				ServiceSkype:      time.Time{},
				ServiceSharePoint: rptDay(2026, 10, 31), // after the refresh date: not reported yet
			},
			Platforms: PlatformWindows | PlatformWeb, Apps: AppOutlook | AppWord,
			SendCount: 10, ReceiveCount: 50, ReadCount: 40, Meetings: 8,
			MailboxItemCount: 1000, MailboxStorage: 500_000_000, HasArchive: true,
			ActivatedProducts: []Activation{{ProductType: "MICROSOFT 365 APPS FOR ENTERPRISE", LastActivated: rptDay(2025, 5, 4), Windows: 2, IOS: 1}},
		}}
	lee := &User{ID: "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e", UserPrincipalName: "LeeG@contoso.com", DisplayName: "Lee Gu",
		UserType: "Member", AccountEnabled: true, CreatedDateTime: created, MailboxPurpose: "user",
		AssignedLicenses: []AssignedLicense{{SkuID: rptSkuExchangeP1}},
		Activity: Activity{Last: [NumServices]time.Time{ServiceExchange: rptDay(2026, 6, 1)},
			SendCount: 5, ReceiveCount: 6, ReadCount: 7, MailboxItemCount: 50, MailboxStorage: 1_000_000}}
	room := &User{ID: "c0ffee00-1111-4222-8333-444455556666", UserPrincipalName: "room101@contoso.com", DisplayName: "Room 101",
		UserType: "Member", CreatedDateTime: created, MailboxPurpose: "room", Activity: Activity{MailboxItemCount: 3, MailboxStorage: 20_000}}
	guest := &User{ID: "d0d0d0d0-2222-4333-8444-555566667777", UserPrincipalName: "sam_fabrikam.com#EXT#@contoso.onmicrosoft.com",
		DisplayName: "Sam (Fabrikam)", UserType: "Guest", AccountEnabled: true, CreatedDateTime: created,
		Activity: Activity{Last: [NumServices]time.Time{ServiceTeams: rptDay(2026, 10, 20)}, TeamChatMessages: 4, Calls: 1}}
	gone := &User{ID: "e1e1e1e1-3333-4444-8555-666677778888", UserPrincipalName: "PattiF@contoso.com", DisplayName: "Patti Fernandez",
		UserType: "Member", CreatedDateTime: created, MailboxPurpose: "user", DeletedDateTime: time.Date(2026, 10, 27, 8, 0, 0, 0, time.UTC),
		AssignedLicenses: []AssignedLicense{{SkuID: rptSkuE3}},
		Activity:         Activity{Last: [NumServices]time.Time{ServiceExchange: rptDay(2026, 10, 26), ServiceTeams: rptDay(2026, 10, 25)}, Meetings: 9, Calls: 2}}
	longGone := &User{ID: "f2f2f2f2-4444-4555-8666-777788889999", UserPrincipalName: "OldUser@contoso.com", DisplayName: "Old User",
		UserType: "Member", CreatedDateTime: created, MailboxPurpose: "user", DeletedDateTime: rptDay(2026, 8, 1),
		AssignedLicenses: []AssignedLicense{{SkuID: rptSkuExchangeP1}}}

	t := &Tenant{ID: "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5", DisplayName: "Contoso", InitialDomain: "contoso.onmicrosoft.com",
		DefaultDomain: "contoso.com", Tier: TierP1, Now: rptDay(2026, 11, 1),
		Domains: []*Domain{{ID: "contoso.onmicrosoft.com", IsInitial: true, IsVerified: true}, {ID: "contoso.com", IsDefault: true, IsVerified: true}},
		Users:   []*User{adele, lee, room, guest}, Deleted: []*User{gone, longGone},
		SubscribedSKUs: []*SubscribedSKU{e3, exo},
		Applications:   []*Application{{ID: "11111111-aaaa-4bbb-8ccc-222222222222", AppID: rptTestAppID, DisplayName: "tenantscope"}},
		ServicePrincipals: []*ServicePrincipal{{ID: "33333333-aaaa-4bbb-8ccc-444444444444", AppID: rptTestAppID,
			DisplayName: "tenantscope", ServicePrincipalType: "Application", AccountEnabled: true}},
		Connector: Connector{ApplicationID: "11111111-aaaa-4bbb-8ccc-222222222222", AppID: rptTestAppID,
			ServicePrincipalID: "33333333-aaaa-4bbb-8ccc-444444444444",
			Granted:            []string{"Reports.Read.All", "ReportSettings.ReadWrite.All"}},
	}
	for i := 0; i < extraLicensed; i++ {
		t.Users = append(t.Users, &User{ID: fmt.Sprintf("99999999-0000-4000-8000-%012d", i),
			UserPrincipalName: fmt.Sprintf("user%04d@contoso.com", i), DisplayName: fmt.Sprintf("User %04d", i),
			UserType: "Member", AccountEnabled: true, CreatedDateTime: created, MailboxPurpose: "user",
			AssignedLicenses: []AssignedLicense{{SkuID: rptSkuExchangeP1}},
			Activity:         Activity{Last: [NumServices]time.Time{ServiceExchange: rptDay(2026, 10, 1+i%29)}, SendCount: i}})
	}
	return t
}

// rptEnv is a running simulator for one tenant with a settable clock.
type rptEnv struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	tenant *Tenant
	mu     sync.Mutex
	now    time.Time
}

func newRptEnv(t *testing.T, tenant *Tenant) *rptEnv {
	env := &rptEnv{t: t, tenant: tenant, now: time.Now()}
	env.srv = New(Options{Clock: func() time.Time {
		env.mu.Lock()
		defer env.mu.Unlock()
		return env.now
	}}, tenant)
	env.ts = httptest.NewServer(env.srv)
	t.Cleanup(env.ts.Close)
	return env
}

func (env *rptEnv) advance(d time.Duration) {
	env.mu.Lock()
	env.now = env.now.Add(d)
	env.mu.Unlock()
}

func (env *rptEnv) token(roles ...string) string {
	tok, err := env.srv.IssueToken(env.tenant.ID, rptTestAppID, "https://graph.microsoft.com", roles)
	if err != nil {
		env.t.Fatal(err)
	}
	return tok
}

// do sends a request without following redirects.
func (env *rptEnv) do(method, path, token string, body io.Reader) *http.Response {
	env.t.Helper()
	req, err := http.NewRequest(method, env.ts.URL+path, body)
	if err != nil {
		env.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	env.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// download calls a report and follows its 302 with a plain http.Client
// that, like the Graph client, sends no Authorization to the download URL.
func (env *rptEnv) download(path string) []byte {
	env.t.Helper()
	resp := env.do("GET", path, env.token("Reports.Read.All"), nil)
	if resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(resp.Body)
		env.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	get, err := http.Get(loc)
	if err != nil {
		env.t.Fatal(err)
	}
	defer get.Body.Close()
	body, _ := io.ReadAll(get.Body)
	if get.StatusCode != http.StatusOK {
		env.t.Fatalf("download %s: %d %s", loc, get.StatusCode, body)
	}
	return body
}

// rptCSVRows splits a downloaded CSV (after the BOM) into header and rows by
// CRLF; the test data has no quoted line breaks.
func rptCSVRows(t *testing.T, body []byte) (string, []string) {
	t.Helper()
	if !bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 BOM: %q", body[:min(len(body), 20)])
	}
	s := string(body[3:])
	if strings.Count(s, "\n") != strings.Count(s, "\r\n") {
		t.Fatalf("line ends are not all CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	return lines[0], lines[1:]
}

var rptPaths = map[string]string{
	"getOffice365ActiveUserDetail":      "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')",
	"getEmailActivityUserDetail":        "/v1.0/reports/getEmailActivityUserDetail(period='D7')",
	"getTeamsUserActivityUserDetail":    "/v1.0/reports/getTeamsUserActivityUserDetail(period='D7')",
	"getM365AppUserDetail":              "/v1.0/reports/getM365AppUserDetail(period='D7')",
	"getOffice365ActivationsUserDetail": "/v1.0/reports/getOffice365ActivationsUserDetail",
	"getMailboxUsageDetail":             "/v1.0/reports/getMailboxUsageDetail(period='D7')",
}

// Every report's header line equals Microsoft's documented one, in order.
func TestReportCSVHeadersMatchDocs(t *testing.T) {
	env := newRptEnv(t, rptTenant(0))
	for name, path := range rptPaths {
		want, err := os.ReadFile(filepath.Join("testdata", "reports", "reports_"+name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		header, _ := rptCSVRows(t, env.download(path))
		if header != strings.TrimSpace(string(want)) {
			t.Errorf("%s header:\n got %s\nwant %s", name, header, strings.TrimSpace(string(want)))
		}
	}
}

func TestReportRedirectAndDownload(t *testing.T) {
	env := newRptEnv(t, rptTenant(0))
	resp := env.do("GET", "/v1.0/reports/getEmailActivityUserDetail(period='D30')", env.token("Reports.Read.All"), nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, env.ts.URL+downloadPath) {
		t.Fatalf("Location %q is not an absolute download URL on %s", loc, env.ts.URL)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain" {
		t.Errorf("302 Content-Type %q, want text/plain (as documented)", ct)
	}
	// A real http.Client following the redirect end to end.
	req, _ := http.NewRequest("GET", env.ts.URL+"/v1.0/reports/getEmailActivityUserDetail(period='D30')", nil)
	req.Header.Set("Authorization", "Bearer "+env.token("Reports.Read.All"))
	got, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	body, _ := io.ReadAll(got.Body)
	if got.StatusCode != 200 || got.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("followed: %d %q", got.StatusCode, got.Header.Get("Content-Type"))
	}
	_, rows := rptCSVRows(t, body)
	want := []string{
		"2026-10-30,AdeleV@contoso.com,Adele Vance,False,,2026-10-29,10,50,40,2,8,OFFICE 365 E3,30",
		"2026-10-30,LeeG@contoso.com,Lee Gu,False,,2026-06-01,0,0,0,0,0,EXCHANGE ONLINE (PLAN 1),30",
		"2026-10-30,PattiF@contoso.com,Patti Fernandez,True,2026-10-27,2026-10-26,0,0,0,2,9,OFFICE 365 E3,30",
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// Rows match the tenant: parsed back with the client-side parser.
func TestReportActiveUsersMatchTenant(t *testing.T) {
	tenant := rptTenant(0)
	env := newRptEnv(t, tenant)
	body := env.download("/v1.0/reports/getOffice365ActiveUserDetail(period='D180')")
	byUPN := map[string]usage.UserActivity{}
	meta, err := usage.Parse(usage.ActiveUserDetail, bytes.NewReader(body), func(u usage.UserActivity) error {
		byUPN[u.UserPrincipalName] = u
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !meta.RefreshDate.Equal(rptDay(2026, 10, 30)) || meta.Concealed || meta.Rows != 4 {
		t.Fatalf("meta = %+v", meta)
	}
	// Licensed live users, plus both deleted users (within 180 days);
	// the room mailbox and the unlicensed guest are not in this report.
	var upns []string
	for k := range byUPN {
		upns = append(upns, k)
	}
	sort.Strings(upns)
	if want := []string{"AdeleV@contoso.com", "LeeG@contoso.com", "OldUser@contoso.com", "PattiF@contoso.com"}; !reflect.DeepEqual(upns, want) {
		t.Fatalf("rows for %q, want %q", upns, want)
	}
	a := byUPN["AdeleV@contoso.com"]
	assigned := rptDay(2025, 6, 1)
	want := usage.UserActivity{
		UserPrincipalName: "AdeleV@contoso.com", DisplayName: "Adele Vance",
		HasLicense: [usage.NumServices]bool{usage.Exchange: true, usage.OneDrive: true, usage.SharePoint: true,
			usage.SkypeForBusiness: true, usage.Yammer: true},
		Last: [usage.NumServices]time.Time{usage.Exchange: rptDay(2026, 10, 29), usage.OneDrive: rptDay(2026, 9, 15),
			usage.Yammer: rptDay(2025, 1, 10)},
		LicenseAssigned: [usage.NumServices]time.Time{usage.Exchange: assigned, usage.OneDrive: assigned,
			usage.SharePoint: assigned, usage.SkypeForBusiness: assigned, usage.Yammer: assigned},
		AssignedProducts: []string{"OFFICE 365 E3"},
		RefreshDate:      meta.RefreshDate,
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("Adele:\n got %+v\nwant %+v", a, want)
	}
	if p := byUPN["PattiF@contoso.com"]; !p.IsDeleted || !p.DeletedDate.Equal(rptDay(2026, 10, 27)) || !p.Last[usage.Teams].Equal(rptDay(2026, 10, 25)) {
		t.Errorf("Patti: %+v", p)
	}

	// D7 drops the user deleted in August.
	body = env.download("/v1.0/reports/getOffice365ActiveUserDetail(period='D7')")
	meta, _ = usage.Parse(usage.ActiveUserDetail, bytes.NewReader(body), func(u usage.UserActivity) error {
		if u.UserPrincipalName == "OldUser@contoso.com" {
			t.Errorf("user deleted 2026-08-01 listed in D7")
		}
		return nil
	})
	if meta.Rows != 3 {
		t.Errorf("D7 rows = %d, want 3", meta.Rows)
	}
}

func TestReportTeamsM365AppsMailboxActivations(t *testing.T) {
	env := newRptEnv(t, rptTenant(0))

	_, rows := rptCSVRows(t, env.download(rptPaths["getTeamsUserActivityUserDetail"]))
	want := []string{
		// Adele has Teams disabled and no Teams activity: not listed.
		"2026-10-30,Contoso,,d0d0d0d0-2222-4333-8444-555566667777,sam_fabrikam.com#EXT#@contoso.onmicrosoft.com,2026-10-20,False,,,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,PT0S,PT0S,PT0S,0,0,0,No,No,7",
		"2026-10-30,Contoso,,e1e1e1e1-3333-4444-8555-666677778888,PattiF@contoso.com,2026-10-25,True,2026-10-27,OFFICE 365 E3,0,0,2,9,0,0,0,2,7,0,1,0,2,2,4,PT5H39M,PT3H,PT54M,20340,10800,3240,No,Yes,7",
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("teams rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	_, rows = rptCSVRows(t, env.download(rptPaths["getM365AppUserDetail"]))
	want = []string{
		"2026-10-30,AdeleV@contoso.com,2025-05-04,2026-10-29,7,Yes,No,No,Yes,Yes,Yes,No,No,No,No," +
			"Yes,Yes,No,No,No,No," + "No,No,No,No,No,No," + "No,No,No,No,No,No," + "Yes,Yes,No,No,No,No",
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("m365 rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	_, rows = rptCSVRows(t, env.download(rptPaths["getMailboxUsageDetail"]))
	want = []string{
		"2026-10-30,AdeleV@contoso.com,Adele Vance,False,,2024-03-01,2026-10-29,1000,500000000,105226698752,106300440576,107374182400,40,20000000,32212254720,True,7",
		"2026-10-30,LeeG@contoso.com,Lee Gu,False,,2024-03-01,2026-06-01,50,1000000,52613349376,53150220288,53687091200,2,40000,32212254720,False,7",
		"2026-10-30,room101@contoso.com,Room 101,False,,2024-03-01,,3,20000,52613349376,53150220288,53687091200,0,800,32212254720,False,7",
		"2026-10-30,PattiF@contoso.com,Patti Fernandez,True,2026-10-27,2024-03-01,2026-10-26,0,0,105226698752,106300440576,107374182400,0,0,32212254720,False,7",
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("mailbox rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	_, rows = rptCSVRows(t, env.download(rptPaths["getOffice365ActivationsUserDetail"]))
	want = []string{"2026-10-30,AdeleV@contoso.com,Adele Vance,MICROSOFT 365 APPS FOR ENTERPRISE,2025-05-04,2,0,0,1,0,False"}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("activation rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// The date form reports one day: period 1, refreshed on that date.
func TestReportDateForm(t *testing.T) {
	env := newRptEnv(t, rptTenant(0))
	_, rows := rptCSVRows(t, env.download("/v1.0/reports/getEmailActivityUserDetail(date=2026-10-26)"))
	want := []string{
		"2026-10-26,AdeleV@contoso.com,Adele Vance,False,,,0,0,0,0,0,OFFICE 365 E3,1",
		"2026-10-26,LeeG@contoso.com,Lee Gu,False,,2026-06-01,0,0,0,0,0,EXCHANGE ONLINE (PLAN 1),1",
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestReportConcealedNames(t *testing.T) {
	tenant := rptTenant(0)
	tenant.SetDisplayConcealedNames(true)
	env := newRptEnv(t, tenant)
	adeleHash := concealedName(tenant, tenant.Users[0])
	if len(adeleHash) != 32 || strings.ToUpper(adeleHash) != adeleHash || !usage.IsConcealedName(adeleHash) {
		t.Fatalf("hash %q is not 32 uppercase hex digits", adeleHash)
	}
	for i := 0; i < 2; i++ { // stable across downloads
		_, rows := rptCSVRows(t, env.download(rptPaths["getEmailActivityUserDetail"]))
		if want := "2026-10-30," + adeleHash + "," + adeleHash + ",False,,2026-10-29,10,50,40,2,8,OFFICE 365 E3,7"; rows[0] != want {
			t.Errorf("row = %s\nwant  %s", rows[0], want)
		}
	}
	body := env.download(rptPaths["getTeamsUserActivityUserDetail"])
	if strings.Contains(string(body), "@contoso") || strings.Contains(string(body), "Patti") {
		t.Errorf("concealed Teams report leaks a name:\n%s", body)
	}
	if !strings.Contains(string(body), ","+concealedUserID+",") {
		t.Errorf("concealed Teams report shows real user ids")
	}
	meta, err := usage.Parse(usage.ActiveUserDetail, bytes.NewReader(env.download(rptPaths["getOffice365ActiveUserDetail"])),
		func(usage.UserActivity) error { return nil })
	if err != nil || !meta.Concealed || meta.ConcealedRows != meta.Rows {
		t.Errorf("parsed concealed report: %+v, %v", meta, err)
	}
	// Another tenant's hash for the same object id differs (tenant salt).
	other := rptTenant(0)
	other.ID = "5a5a5a5a-1b1b-4c2c-8d3d-4e4e4e4e4e4e"
	if concealedName(other, other.Users[0]) == adeleHash {
		t.Errorf("hash is not tenant-salted")
	}
}

func TestReportDownloadURLExpiresAndIsTamperProof(t *testing.T) {
	env := newRptEnv(t, rptTenant(0))
	resp := env.do("GET", rptPaths["getMailboxUsageDetail"], env.token("Reports.Read.All"), nil)
	loc := resp.Header.Get("Location")

	get := func(u string) (int, string) {
		r, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if code, _ := get(loc); code != 200 {
		t.Fatalf("fresh URL: %d", code)
	}
	tampered := loc[:len(loc)-2] + "AA"
	if strings.HasSuffix(loc, "AA") {
		tampered = loc[:len(loc)-2] + "BB"
	}
	if code, body := get(tampered); code != 403 || !strings.Contains(body, "<Code>AuthenticationFailed</Code>") {
		t.Errorf("tampered URL: %d %s", code, body)
	}
	env.advance(4 * time.Minute)
	if code, _ := get(loc); code != 200 {
		t.Errorf("after 4 minutes: %d, want 200", code)
	}
	env.advance(61*time.Second + time.Second)
	if code, body := get(loc); code != 403 || !strings.Contains(body, "AuthenticationFailed") {
		t.Errorf("after 5 minutes: %d %s, want 403", code, body)
	}
}

func TestReportETagNotModified(t *testing.T) {
	env := newRptEnv(t, rptTenant(0))
	resp := env.do("GET", rptPaths["getEmailActivityUserDetail"], env.token("Reports.Read.All"), nil)
	loc := resp.Header.Get("Location")
	first, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	first.Body.Close()
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	req, _ := http.NewRequest("GET", loc, nil)
	req.Header.Set("If-None-Match", etag)
	second, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	second.Body.Close()
	if second.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", second.StatusCode)
	}
	// The report call itself honours If-None-Match too.
	call := env.do("GET", rptPaths["getEmailActivityUserDetail"], env.token("Reports.Read.All"), nil)
	if call.StatusCode != http.StatusFound {
		t.Fatalf("report call: %d", call.StatusCode)
	}
	req2, _ := http.NewRequest("GET", env.ts.URL+rptPaths["getEmailActivityUserDetail"], nil)
	req2.Header.Set("Authorization", "Bearer "+env.token("Reports.Read.All"))
	req2.Header.Set("If-None-Match", etag)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	notModified, err := c.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	notModified.Body.Close()
	if notModified.StatusCode != http.StatusNotModified {
		t.Errorf("report call with If-None-Match: %d, want 304", notModified.StatusCode)
	}
	env.tenant.SetDisplayConcealedNames(true)
	third, _ := http.DefaultClient.Do(req)
	third.Body.Close()
	if third.StatusCode != 200 {
		t.Errorf("after the setting changed: %d, want 200", third.StatusCode)
	}
}

func rptGraphError(t *testing.T, resp *http.Response) (int, string, string) {
	t.Helper()
	var body struct {
		Error struct{ Code, Message string }
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%d: not a Graph error: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, body.Error.Code, body.Error.Message
}

func TestReportErrors(t *testing.T) {
	env := newRptEnv(t, rptTenant(0))
	ok := env.token("Reports.Read.All")
	for _, tc := range []struct {
		path, token   string
		status        int
		code, message string
	}{
		{rptPaths["getEmailActivityUserDetail"], env.token("User.Read.All"), 403, "S2SUnauthorized", "Invalid permission."},
		{"/v1.0/reports/getEmailActivityUserDetail(period='D8')", ok, 400, "BadRequest",
			"Invalid value 'D8' for parameter 'period'. The supported values are D7, D30, D90 and D180."},
		{"/v1.0/reports/getEmailActivityUserDetail(period=D7)", ok, 400, "BadRequest",
			"The parameter 'period' must be a string literal, for example period='D7'."},
		{"/v1.0/reports/getEmailActivityUserDetail(date=2026-09-30)", ok, 400, "BadRequest",
			"Invalid value '2026-09-30' for parameter 'date'. The date must be within the last 30 days."},
		{"/v1.0/reports/getEmailActivityUserDetail(date=2026-10-31)", ok, 400, "BadRequest",
			"Invalid value '2026-10-31' for parameter 'date'. The date must be within the last 30 days."},
		{"/v1.0/reports/getEmailActivityUserDetail(date=30-10-2026)", ok, 400, "BadRequest",
			"Invalid value '30-10-2026' for parameter 'date'. The date must have the format YYYY-MM-DD."},
		{"/v1.0/reports/getMailboxUsageDetail(date=2026-10-29)", ok, 400, "BadRequest",
			"Resource not found for the segment 'getMailboxUsageDetail'."},
		{"/v1.0/reports/getEmailActivityUserDetail", ok, 400, "BadRequest",
			"Resource not found for the segment 'getEmailActivityUserDetail'."},
		{"/v1.0/reports/getOffice365ActivationsUserDetail(period='D7')", ok, 400, "BadRequest",
			"Resource not found for the segment 'getOffice365ActivationsUserDetail'."},
		{"/v1.0/reports/getSomethingElse(period='D7')", ok, 400, "BadRequest",
			"Resource not found for the segment 'getSomethingElse'."},
	} {
		status, code, msg := rptGraphError(t, env.do("GET", tc.path, tc.token, nil))
		if status != tc.status || code != tc.code || msg != tc.message {
			t.Errorf("%s: %d %s %q\nwant %d %s %q", tc.path, status, code, msg, tc.status, tc.code, tc.message)
		}
	}
	// Function names match case-insensitively; the date form is accepted
	// on the last day of its 30-day range.
	if r := env.do("GET", "/v1.0/reports/GetEmailActivityUserDetail(date=2026-10-01)", ok, nil); r.StatusCode != 302 {
		t.Errorf("case-insensitive name with date: %d", r.StatusCode)
	}
}

// jsonShape describes v's structure: objects as key -> shape, arrays by
// their first element, scalars by JSON type. null matches any type
// (nullable properties), which rptShapeDiff handles.
func rptShapeDiff(path string, got, want any, extra map[string]bool) []string {
	if got == nil || want == nil {
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{path + ": object expected"}
		}
		var diffs []string
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, path+"."+k+": missing")
				continue
			}
			diffs = append(diffs, rptShapeDiff(path+"."+k, gv, wv, extra)...)
		}
		for k := range g {
			if _, ok := w[k]; !ok && !extra[k] {
				diffs = append(diffs, path+"."+k+": not in the example")
			}
		}
		return diffs
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{path + ": array expected"}
		}
		if len(w) == 0 || len(g) == 0 {
			return nil
		}
		return rptShapeDiff(path+"[0]", g[0], w[0], extra)
	default:
		if reflect.TypeOf(got) != reflect.TypeOf(want) {
			return []string{fmt.Sprintf("%s: %T, example has %T", path, got, want)}
		}
	}
	return nil
}

func rptReadJSON(t *testing.T, r io.Reader) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.NewDecoder(r).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestReportJSONShapesMatchDocs(t *testing.T) {
	env := newRptEnv(t, rptTenant(0))
	tok := env.token("Reports.Read.All")

	f, _ := os.Open("testdata/reports/beta_reports_getEmailActivityUserDetail_json.json")
	example := rptReadJSON(t, f)
	f.Close()
	resp := env.do("GET", "/beta/reports/getEmailActivityUserDetail(period='D7')?$format=application/json", tok, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("beta JSON: %d", resp.StatusCode)
	}
	got := rptReadJSON(t, resp.Body)
	// The newer documentation adds the two meeting counts to the example's
	// properties.
	if d := rptShapeDiff("$", got, example, map[string]bool{"meetingCreatedCount": true, "meetingInteractedCount": true}); len(d) > 0 {
		t.Errorf("beta email JSON differs from the example:\n%s", strings.Join(d, "\n"))
	}
	first := got["value"].([]any)[0].(map[string]any)
	if first["userPrincipalName"] != "AdeleV@contoso.com" || first["sendCount"] != 10.0 || first["reportPeriod"] != "7" ||
		first["deletedDate"] != nil || !reflect.DeepEqual(first["assignedProducts"], []any{"OFFICE 365 E3"}) {
		t.Errorf("first row = %v", first)
	}
	if ctx := got["@odata.context"]; ctx != env.ts.URL+"/beta/$metadata#Collection(microsoft.graph.emailActivityUserDetail)" {
		t.Errorf("@odata.context = %v", ctx)
	}

	f, _ = os.Open("testdata/reports/v1.0_reports_getM365AppUserDetail_json.json")
	example = rptReadJSON(t, f)
	f.Close()
	resp = env.do("GET", "/v1.0/reports/getM365AppUserDetail(period='D7')?$format=application/json", tok, nil)
	got = rptReadJSON(t, resp.Body)
	delete(example, "@odata.nextLink") // one page here
	if d := rptShapeDiff("$", got, example, nil); len(d) > 0 {
		t.Errorf("v1.0 M365 app JSON differs from the example:\n%s", strings.Join(d, "\n"))
	}
	detail := got["value"].([]any)[0].(map[string]any)["details"].([]any)[0].(map[string]any)
	if detail["reportPeriod"] != 7.0 || detail["windows"] != true || detail["mac"] != false || detail["outlookWeb"] != true || detail["wordMac"] != false {
		t.Errorf("details = %v", detail)
	}

	f, _ = os.Open("testdata/reports/beta_reports_getOffice365ActivationsUserDetail_json.json")
	example = rptReadJSON(t, f)
	f.Close()
	got = rptReadJSON(t, env.do("GET", "/beta/reports/getOffice365ActivationsUserDetail?$format=application/json", tok, nil).Body)
	if d := rptShapeDiff("$", got, example, nil); len(d) > 0 {
		t.Errorf("beta activations JSON differs from the example:\n%s", strings.Join(d, "\n"))
	}
	if v := got["value"].([]any); len(v) != 1 || v[0].(map[string]any)["userPrincipalName"] != "AdeleV@contoso.com" {
		t.Errorf("activations = %v", v)
	}
	// Beta's explicit CSV form redirects like v1.0.
	if r := env.do("GET", "/beta/reports/getOffice365ActivationsUserDetail?$format=text/csv", tok, nil); r.StatusCode != 302 {
		t.Errorf("beta text/csv: %d, want 302", r.StatusCode)
	}

	// Other reports have no JSON form on v1.0: the 302 as usual.
	if r := env.do("GET", "/v1.0/reports/getEmailActivityUserDetail(period='D7')?$format=application/json", tok, nil); r.StatusCode != 302 {
		t.Errorf("v1.0 email with $format: %d, want 302", r.StatusCode)
	}
}

func TestReportJSONPaging(t *testing.T) {
	env := newRptEnv(t, rptTenant(450))
	tok := env.token("Reports.Read.All")
	next := env.ts.URL + "/beta/reports/getEmailActivityUserDetail(period='D30')?$format=application/json"
	var pages []int
	seen := map[string]bool{}
	for next != "" {
		if !strings.HasPrefix(next, env.ts.URL+"/beta/reports/") || !strings.Contains(next, "$skiptoken=") && len(pages) > 0 {
			t.Fatalf("nextLink %q", next)
		}
		resp := env.do("GET", strings.TrimPrefix(next, env.ts.URL), tok, nil)
		body := rptReadJSON(t, resp.Body)
		rows := body["value"].([]any)
		pages = append(pages, len(rows))
		for _, r := range rows {
			upn := r.(map[string]any)["userPrincipalName"].(string)
			if seen[upn] {
				t.Fatalf("%s on two pages", upn)
			}
			seen[upn] = true
		}
		next, _ = body["@odata.nextLink"].(string)
	}
	// 450 extra + Adele + Lee + Patti (deleted within 30 days).
	if !reflect.DeepEqual(pages, []int{200, 200, 53}) || len(seen) != 453 {
		t.Errorf("pages %v, %d users", pages, len(seen))
	}
	resp := env.do("GET", "/beta/reports/getEmailActivityUserDetail(period='D30')?$format=application/json&$skiptoken=bogus", tok, nil)
	if status, code, _ := rptGraphError(t, resp); status != 400 || code != "BadRequest" {
		t.Errorf("bad skiptoken: %d %s", status, code)
	}
}

func TestReportSettings(t *testing.T) {
	tenant := rptTenant(0)
	env := newRptEnv(t, tenant)
	rw := env.token("ReportSettings.ReadWrite.All")

	f, _ := os.Open("testdata/reports/v1.0_admin_reportSettings_get.json")
	example := rptReadJSON(t, f)
	f.Close()
	resp := env.do("GET", "/v1.0/admin/reportSettings", env.token("ReportSettings.Read.All"), nil)
	got := rptReadJSON(t, resp.Body)
	if d := rptShapeDiff("$", got, example, nil); len(d) > 0 || resp.StatusCode != 200 {
		t.Errorf("GET reportSettings (%d) differs from the example: %v", resp.StatusCode, d)
	}
	if got["value"].(map[string]any)["displayConcealedNames"] != false {
		t.Errorf("displayConcealedNames = %v, want false", got)
	}

	resp = env.do("PATCH", "/v1.0/admin/reportSettings", rw, strings.NewReader(`{"displayConcealedNames":true}`))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PATCH: %d", resp.StatusCode)
	}
	var concealed bool
	tenant.Snapshot(func(t *Tenant) { concealed = t.ReportSettings.DisplayConcealedNames })
	if !concealed {
		t.Errorf("PATCH did not change the tenant")
	}
	got = rptReadJSON(t, env.do("GET", "/beta/admin/reportSettings", rw, nil).Body)
	if got["value"].(map[string]any)["displayConcealedNames"] != true {
		t.Errorf("after PATCH: %v", got)
	}

	for _, tc := range []struct {
		method, token, body string
		status              int
		code                string
	}{
		{"GET", env.token("Reports.Read.All"), "", 403, "Authorization_RequestDenied"},
		{"PATCH", env.token("ReportSettings.Read.All"), `{"displayConcealedNames":false}`, 403, "Authorization_RequestDenied"},
		{"PATCH", rw, `{"displayConcealedNames":`, 400, "BadRequest"},
		{"PATCH", rw, `{"displayConcealedNames":"no"}`, 400, "BadRequest"},
		{"PATCH", rw, `{"hideNames":true}`, 400, "BadRequest"},
	} {
		var body io.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		status, code, _ := rptGraphError(t, env.do(tc.method, "/v1.0/admin/reportSettings", tc.token, body))
		if status != tc.status || code != tc.code {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.body, status, code, tc.status, tc.code)
		}
	}
	tenant.Snapshot(func(t *Tenant) { concealed = t.ReportSettings.DisplayConcealedNames })
	if !concealed {
		t.Errorf("a refused PATCH changed the setting")
	}
}

func TestReportDuration(t *testing.T) {
	for sec, want := range map[int]string{0: "PT0S", 59: "PT59S", 60: "PT1M", 3600: "PT1H", 4140: "PT1H9M", 3661: "PT1H1M1S", -5: "PT0S"} {
		if got := reportDuration(sec); got != want {
			t.Errorf("reportDuration(%d) = %q, want %q", sec, got, want)
		}
	}
}

// Against a generated tenant: every licensed user's row in the active-users
// report says exactly what the generator decided (licences per workload and
// last activity dates), and every row is a user of the tenant.
func TestReportsMatchGeneratedTenant(t *testing.T) {
	p, err := ProfileByName("small", 7)
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	tenant.SetDisplayConcealedNames(false)
	srv := New(Options{}, tenant)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tok, err := srv.IssueToken(tenant.ID, tenant.Connector.AppID, "https://graph.microsoft.com", []string{"Reports.Read.All"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/v1.0/reports/getOffice365ActiveUserDetail(period='D180')", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("report: %d", resp.StatusCode)
	}
	services := []struct {
		u usage.Service
		g Service
	}{{usage.Exchange, ServiceExchange}, {usage.OneDrive, ServiceOneDrive}, {usage.SharePoint, ServiceSharePoint},
		{usage.SkypeForBusiness, ServiceSkype}, {usage.Yammer, ServiceYammer}, {usage.Teams, ServiceTeams}}
	refresh := tenant.ReportRefreshDate()
	rows := map[string]usage.UserActivity{}
	meta, err := usage.Parse(usage.ActiveUserDetail, resp.Body, func(u usage.UserActivity) error {
		rows[u.UserPrincipalName] = u
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !meta.RefreshDate.Equal(refresh) {
		t.Errorf("refresh date %v, want %v", meta.RefreshDate, refresh)
	}
	var licensed, withActivity int
	tenant.Snapshot(func(tn *Tenant) {
		for _, u := range tn.Users {
			row, ok := rows[u.UserPrincipalName]
			if (len(u.AssignedLicenses) > 0) != ok {
				t.Errorf("%s: listed %v, licences %d", u.UserPrincipalName, ok, len(u.AssignedLicenses))
				continue
			}
			if !ok {
				continue
			}
			licensed++
			rights := tn.rightsOf(u)
			for _, s := range services {
				if row.HasLicense[s.u] != rights.services[s.g] {
					t.Errorf("%s: Has %s License %v, generator %v", u.UserPrincipalName, s.u, row.HasLicense[s.u], rights.services[s.g])
				}
				want := u.Activity.Last[s.g]
				if !want.IsZero() {
					want = reportDay(want)
					withActivity++
				}
				if !row.Last[s.u].Equal(want) {
					t.Errorf("%s: %s last activity %v, generator %v", u.UserPrincipalName, s.u, row.Last[s.u], want)
				}
			}
			delete(rows, u.UserPrincipalName)
		}
		for upn, row := range rows {
			if !row.IsDeleted {
				t.Errorf("row %s is neither a live user nor deleted", upn)
			}
		}
	})
	if licensed == 0 || withActivity == 0 {
		t.Errorf("nothing compared: %d licensed users, %d activity dates", licensed, withActivity)
	}
}

type rptCountingWriter struct{ n int64 }

func (c *rptCountingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkReportCSV100k renders getOffice365ActiveUserDetail for 100,000
// licensed users (streamed in batches under the read lock) and reports rows/s.
func BenchmarkReportCSV100k(b *testing.B) {
	const users = 100_000
	tenant := rptTenant(users)
	rs := &reportState{defs: reportDefs(), key: []byte("bench")}
	def := rs.defs["getoffice365activeuserdetail"]
	win := reportWindow{refresh: rptDay(2026, 10, 30), days: 30}
	b.ReportAllocs()
	b.ResetTimer()
	var w rptCountingWriter
	for i := 0; i < b.N; i++ {
		if err := rs.writeCSV(&w, tenant, def, win); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(users)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.SetBytes(w.n / int64(b.N))
}

// Every report of a generated tenant parses with the client-side parser and
// lists exactly the users Microsoft would: mailboxes (resource ones too)
// for mailbox usage, Exchange-licensed users for email activity, Teams
// licensees and Teams users for Teams, activated users for activations.
func TestReportsRoundTripGeneratedTenant(t *testing.T) {
	p, err := ProfileByName("small", 11)
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	tenant.SetDisplayConcealedNames(false)
	srv := New(Options{}, tenant)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tok, err := srv.IssueToken(tenant.ID, tenant.Connector.AppID, "https://graph.microsoft.com", []string{"Reports.Read.All"})
	if err != nil {
		t.Fatal(err)
	}
	refresh := tenant.ReportRefreshDate()
	win := reportWindow{refresh: refresh, days: 7}
	want := map[usage.Report]func(tn *Tenant, u *User) bool{
		usage.ActiveUserDetail:        func(tn *Tenant, u *User) bool { return len(u.AssignedLicenses) > 0 },
		usage.EmailActivityUserDetail: func(tn *Tenant, u *User) bool { return tn.rightsOf(u).services[ServiceExchange] },
		usage.TeamsUserActivityUserDetail: func(tn *Tenant, u *User) bool {
			return tn.rightsOf(u).services[ServiceTeams] || !u.Activity.Last[ServiceTeams].IsZero()
		},
		usage.M365AppUserDetail: func(tn *Tenant, u *User) bool {
			return tn.rightsOf(u).services[ServiceM365Apps] || !u.Activity.Last[ServiceM365Apps].IsZero() || !u.Activity.Last[ServiceOutlook].IsZero()
		},
		usage.ActivationsUserDetail: func(tn *Tenant, u *User) bool { return len(u.Activity.ActivatedProducts) > 0 },
		usage.MailboxUsageDetail:    func(tn *Tenant, u *User) bool { return u.MailboxPurpose != "" },
	}
	for _, r := range usage.Reports() {
		if r.BetaOnly() {
			continue // the Copilot report: TestCopilotReportMatchesGeneratedTenant
		}
		path := "/v1.0/reports/" + string(r) + "(period='D7')"
		if !r.HasPeriod() {
			path = "/v1.0/reports/" + string(r)
		}
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		meta, err := usage.Parse(r, resp.Body, func(u usage.UserActivity) error {
			got[u.UserPrincipalName]++
			return nil
		})
		resp.Body.Close()
		if err != nil {
			t.Errorf("%s: %v", r, err)
			continue
		}
		t.Logf("%s: %d rows", r, meta.Rows)
		if meta.Rows == 0 || meta.Concealed {
			t.Errorf("%s: %+v", r, meta)
		}
		tenant.Snapshot(func(tn *Tenant) {
			expect := map[string]int{}
			add := func(u *User) {
				if want[r](tn, u) {
					n := 1
					if r == usage.ActivationsUserDetail {
						n = len(u.Activity.ActivatedProducts)
					}
					expect[u.UserPrincipalName] += n
				}
			}
			for _, u := range tn.Users {
				add(u)
			}
			if r != usage.M365AppUserDetail && r != usage.ActivationsUserDetail {
				for _, u := range tn.Deleted {
					if win.in(u.DeletedDateTime) {
						add(u)
					}
				}
			}
			if !reflect.DeepEqual(got, expect) {
				t.Errorf("%s: %d users listed, want %d", r, len(got), len(expect))
				for upn := range expect {
					if got[upn] != expect[upn] {
						t.Errorf("  %s: %d rows, want %d", upn, got[upn], expect[upn])
					}
				}
				for upn := range got {
					if _, ok := expect[upn]; !ok {
						t.Errorf("  unexpected %s", upn)
					}
				}
			}
		})
	}
}

// Reports stream while the tenant changes (churn, the concealed setting):
// every download is a well-formed report. Run with -race to check locking.
func TestReportsDuringChurn(t *testing.T) {
	p, err := ProfileByName("small", 3)
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Options{}, tenant)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tok, err := srv.IssueToken(tenant.ID, tenant.Connector.AppID, "https://graph.microsoft.com", []string{"Reports.Read.All"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var churn, readers sync.WaitGroup
	churn.Add(1)
	go func() {
		defer churn.Done()
		for i := int64(0); ; i++ {
			select {
			case <-done:
				return
			default:
			}
			tenant.Churn(0.05, i)
			tenant.SetDisplayConcealedNames(i%2 == 0)
		}
	}()
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; i < 5; i++ {
				for _, r := range []usage.Report{usage.ActiveUserDetail, usage.TeamsUserActivityUserDetail, usage.MailboxUsageDetail} {
					req, _ := http.NewRequest("GET", ts.URL+"/v1.0/reports/"+string(r)+"(period='D30')", nil)
					req.Header.Set("Authorization", "Bearer "+tok)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						return
					}
					_, err = usage.Parse(r, resp.Body, func(usage.UserActivity) error { return nil })
					resp.Body.Close()
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	readers.Wait()
	close(done)
	churn.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzReportCall feeds arbitrary path segments to the report-call parser:
// it accepts or answers 400, never panics, and what it accepts is a known
// function with a valid parameter.
func FuzzReportCall(f *testing.F) {
	for _, s := range []string{
		"getOffice365ActiveUserDetail(period='D7')", "getEmailActivityUserDetail(date=2026-10-20)",
		"getOffice365ActivationsUserDetail", "getMailboxUsageDetail(period='D180')", "getX(", "(period='D7')",
		"getTeamsUserActivityUserDetail(period='D7'", "microsoft.graph.getM365AppUserDetail(period='D30')",
		"getEmailActivityUserDetail(period='''')", "getEmailActivityUserDetail(date=)", "getEmailActivityUserDetail(=)",
	} {
		f.Add(s)
	}
	rs := &reportState{defs: reportDefs()}
	today := rptDay(2026, 10, 30)
	f.Fuzz(func(t *testing.T, segment string) {
		q, e := rs.parseReportCall(segment, today)
		if e != nil {
			if e.Status != http.StatusBadRequest || e.Code != "BadRequest" || e.Message == "" {
				t.Fatalf("%q: %+v", segment, e)
			}
			return
		}
		if q.def == nil {
			t.Fatalf("%q accepted without a function", segment)
		}
		switch q.mode {
		case "period":
			if w := q.window(today); w.days != 7 && w.days != 30 && w.days != 90 && w.days != 180 {
				t.Fatalf("%q: period of %d days", segment, w.days)
			}
		case "date":
			if w := q.window(today); w.days != 1 || w.refresh.After(today) || !w.refresh.After(today.AddDate(0, 0, -30)) {
				t.Fatalf("%q: date window %+v", segment, w)
			}
		case "":
			if q.def.takesPeriod || q.def.takesDate {
				t.Fatalf("%q: %s accepted without its parameter", segment, q.def.name)
			}
		}
	})
}
