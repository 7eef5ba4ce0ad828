package sync

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/store"
)

// truthActivity is what the usage syncer must store for the tenant, from
// the generator's per-user activity and the reports' documented meaning:
// getOffice365ActiveUserDetail's last date per workload; getM365AppUserDetail's
// Last Activity Date (any app, Outlook included) and the platforms used in
// the D180 period.
func truthActivity(tn *graphsim.Tenant) []string {
	services := []struct {
		s    graphsim.Service
		name string
	}{{graphsim.ServiceExchange, "exchange"}, {graphsim.ServiceOneDrive, "onedrive"}, {graphsim.ServiceSharePoint, "sharepoint"},
		{graphsim.ServiceSkype, "skype"}, {graphsim.ServiceYammer, "yammer"}, {graphsim.ServiceTeams, "teams"}}
	refreshDay := tn.ReportRefreshDate()
	refresh := refreshDay.Format(time.DateOnly)
	periodStart := refreshDay.AddDate(0, 0, -180)
	copilot := map[string]bool{}
	for _, u := range tn.CopilotHolders() {
		copilot[u.ID] = true
	}
	var out []string
	tn.Snapshot(func(t *graphsim.Tenant) {
		for _, u := range t.Users {
			upn := strings.ToLower(u.UserPrincipalName)
			line := func(service string, d time.Time) {
				out = append(out, upn+" "+service+" "+d.Format(time.DateOnly)+" "+refresh)
			}
			if copilot[u.ID] {
				// getMicrosoft365CopilotUsageUserDetail lists every holder:
				// an undated row for those who never used Copilot.
				out = append(out, upn+" "+ServiceCopilot+" "+dateOrNever(u.Activity.CopilotLast())+" "+refresh)
				for app, name := range copilotTruthNames {
					if d := u.Activity.Copilot[app]; !d.IsZero() {
						line(name, d)
					}
				}
			}
			for _, s := range services {
				if d := u.Activity.Last[s.s]; !d.IsZero() {
					line(s.name, d)
				}
			}
			if u.MailboxPurpose != "" { // getMailboxUsageDetail covers every mailbox
				d := ""
				if last := u.Activity.Last[graphsim.ServiceExchange]; !last.IsZero() {
					d = last.Format(time.DateOnly)
				}
				out = append(out, upn+" "+ServiceMailbox+" "+d+" "+refresh+" "+strconv.FormatInt(u.Activity.MailboxStorage, 10))
			}
			apps := u.Activity.Last[graphsim.ServiceM365Apps]
			if o := u.Activity.Last[graphsim.ServiceOutlook]; o.After(apps) {
				apps = o
			}
			if apps.IsZero() {
				continue
			}
			line("m365apps", apps)
			if !apps.After(periodStart) {
				continue // platforms are reported only for use within the period
			}
			if u.Activity.Platforms&(graphsim.PlatformWindows|graphsim.PlatformMac) != 0 {
				line(ServiceDesktopApps, apps)
			}
			if u.Activity.Platforms&(graphsim.PlatformWeb|graphsim.PlatformMobile) != 0 {
				line(ServiceWebApps, apps)
			}
		}
	})
	sort.Strings(out)
	return out
}

// copilotTruthNames are the service names the syncer stores per Copilot app.
var copilotTruthNames = map[graphsim.CopilotApp]string{
	graphsim.CopilotTeams: "copilot:teams", graphsim.CopilotWord: "copilot:word", graphsim.CopilotExcel: "copilot:excel",
	graphsim.CopilotPowerPoint: "copilot:powerpoint", graphsim.CopilotOutlook: "copilot:outlook", graphsim.CopilotOneNote: "copilot:onenote",
	graphsim.CopilotLoop: "copilot:loop", graphsim.CopilotChat: "copilot:chat",
}

func dateOrNever(d time.Time) string {
	if d.IsZero() {
		return "never"
	}
	return d.Format(time.DateOnly)
}

func storedActivity(t testing.TB, db *store.DB, c store.Connection) []string {
	t.Helper()
	rows, err := db.UserActivity(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range rows {
		line := a.UserPrincipalName + " " + a.Service + " " + a.LastActivityDate.Format(time.DateOnly) + " " + a.ReportRefreshDate.Format(time.DateOnly)
		if a.Service == ServiceCopilot {
			line = a.UserPrincipalName + " " + a.Service + " " + dateOrNever(a.LastActivityDate) + " " + a.ReportRefreshDate.Format(time.DateOnly)
		}
		if a.Service == ServiceMailbox {
			d := ""
			if !a.LastActivityDate.IsZero() {
				d = a.LastActivityDate.Format(time.DateOnly)
			}
			line = a.UserPrincipalName + " " + a.Service + " " + d + " " + a.ReportRefreshDate.Format(time.DateOnly) + " " + strconv.FormatInt(a.Amount, 10)
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

func TestUsageReportsMatchTheTenant(t *testing.T) {
	e := newSimEnv(t, "medium", 3, func(p *graphsim.Profile) { p.Concealed = false }, graphsim.Options{})
	o := e.options()
	o.Only = []string{"usageReports"}
	res := e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOK {
		t.Fatalf("usageReports: %s %v", st, res.Warnings())
	}
	want := truthActivity(e.tenant)
	if len(want) < 1000 {
		t.Fatalf("the medium tenant should have thousands of activity lines, has %d", len(want))
	}
	sameLines(t, "user activity", storedActivity(t, e.db, e.conn(t)), want)

	// Rows are queued in sorted runs; with runs far shorter than a report
	// (the large tenant's are a quarter of one), a forced full pass stores
	// the same rows and counts the same users.
	o.Full, o.activitySortRun = true, 97
	again := e.sync(t, o)
	if got, want := resourceItems(again)["usageReports"], resourceItems(res)["usageReports"]; got != want || want == 0 {
		t.Errorf("usageReports items with short sorted runs: %d, want %d", got, want)
	}
	sameLines(t, "user activity (short sorted runs)", storedActivity(t, e.db, e.conn(t)), want)
}

func resourceItems(r Result) map[string]int64 {
	m := map[string]int64{}
	for _, rr := range r.Resources {
		m[rr.Resource] = rr.Items
	}
	return m
}

func TestConcealedUsageReportsAreNotJoined(t *testing.T) {
	e := newSimEnv(t, "small", 5, func(p *graphsim.Profile) { p.Concealed = true }, graphsim.Options{})
	o := e.options()
	o.Only = []string{"usageReports"}
	res := e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOff {
		t.Fatalf("usageReports on a concealed tenant: %s", st)
	}
	w := strings.Join(res.Warnings(), "\n")
	if !strings.Contains(w, "conceals user names") || !strings.Contains(w, "admin/reportSettings") {
		t.Fatalf("warning does not name the cause and the remedy: %s", w)
	}
	if got := storedActivity(t, e.db, e.conn(t)); len(got) != 0 {
		t.Fatalf("concealed activity stored: %d rows", len(got))
	}

	// The admin turns concealment off; the next run reads the reports.
	e.tenant.SetDisplayConcealedNames(false)
	res = e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOK {
		t.Fatalf("usageReports after unconcealing: %s %v", st, res.Warnings())
	}
	sameLines(t, "user activity", storedActivity(t, e.db, e.conn(t)), truthActivity(e.tenant))
}

func TestUsageReportsWithoutPermissionTurnOff(t *testing.T) {
	var granted []string
	for _, r := range graphsim.GraphAppRoles() {
		if r.Value != "Reports.Read.All" {
			granted = append(granted, r.Value)
		}
	}
	e := newSimEnv(t, "small", 5, func(p *graphsim.Profile) { p.Concealed = false; p.Granted = granted }, graphsim.Options{})
	o := e.options()
	o.Only = []string{"usageReports"}
	res := e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOff {
		t.Fatalf("usageReports without Reports.Read.All: %s", st)
	}
	if w := strings.Join(res.Warnings(), "\n"); !strings.Contains(w, "Reports.Read.All") {
		t.Fatalf("warning does not name the permission: %s", w)
	}
}

func TestFixConcealedNamesIsOptIn(t *testing.T) {
	e := newSimEnv(t, "small", 5, func(p *graphsim.Profile) { p.Concealed = true }, graphsim.Options{})
	o := e.options()
	o.Only = []string{"usageReports"}
	o.FixConcealedNames = true
	res := e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOK {
		t.Fatalf("usageReports with --fix-concealed-names: %s %v", st, res.Warnings())
	}
	var concealed bool
	e.tenant.Snapshot(func(t *graphsim.Tenant) { concealed = t.ReportSettings.DisplayConcealedNames })
	if concealed {
		t.Fatal("the tenant still conceals names")
	}
	if w := strings.Join(res.Warnings(), "\n"); !strings.Contains(w, "turned off concealed user names") {
		t.Fatalf("the change to a tenant-wide setting is not recorded: %s", w)
	}
	sameLines(t, "user activity", storedActivity(t, e.db, e.conn(t)), truthActivity(e.tenant))
}

func TestFixConcealedNamesWithoutWritePermissionWarns(t *testing.T) {
	var granted []string
	for _, r := range graphsim.GraphAppRoles() {
		if r.Value != "ReportSettings.ReadWrite.All" {
			granted = append(granted, r.Value)
		}
	}
	e := newSimEnv(t, "small", 5, func(p *graphsim.Profile) { p.Concealed = true; p.Granted = granted }, graphsim.Options{})
	o := e.options()
	o.Only = []string{"usageReports"}
	o.FixConcealedNames = true
	res := e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOff {
		t.Fatalf("usageReports: %s", st)
	}
	if w := strings.Join(res.Warnings(), "\n"); !strings.Contains(w, "ReportSettings.ReadWrite.All") {
		t.Fatalf("warning does not name the missing permission: %s", w)
	}
}
