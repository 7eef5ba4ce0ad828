package sync

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
	"github.com/tenantscope/tenantscope/internal/usage"
)

// planOf reports whether the user holds an enabled service plan that
// matches: the reports list users licensed for their workload.
func planOf(t *graphsim.Tenant, u *graphsim.User, match func(plan string) bool) bool {
	for _, al := range u.AssignedLicenses {
		for _, s := range t.SubscribedSKUs {
			if !strings.EqualFold(s.SkuID, al.SkuID) {
				continue
			}
		plans:
			for _, p := range s.ServicePlans {
				for _, d := range al.DisabledPlans {
					if strings.EqualFold(d, p.ServicePlanID) {
						continue plans
					}
				}
				if match(p.ServicePlanName) {
					return true
				}
			}
		}
	}
	return false
}

// Microsoft's workload plans, as the reports decide whom they list
// (Exchange Online plans, not the foundation or archive ones; Teams).
func exchangePlan(p string) bool {
	if p == "EXCHANGE_S_FOUNDATION" || strings.Contains(p, "ARCHIVE") || p == "EXCHANGE_ANALYTICS" {
		return false
	}
	return strings.HasPrefix(p, "EXCHANGE_S_") || strings.HasPrefix(p, "EXCHANGE_B_") || strings.HasPrefix(p, "EXCHANGE_L_")
}

func teamsPlan(p string) bool {
	return p == "TEAMS1" || p == "TEAMS_FREE" || strings.HasPrefix(p, "TEAMS_AR_") || p == "TEAMS_GOV"
}

// truthCounts is what the usage syncer must store from the e-mail, Teams
// and activations reports, from the generator's per-user activity and the
// reports' documented meaning: counts are the user's activity over the
// D180 period (zero when their last use of the workload is older); the
// e-mail report splits the model's meetings into created (a quarter) and
// interacted; Teams splits them into organized (a quarter) and attended.
func truthCounts(tn *graphsim.Tenant, admit func(upn string) bool) []string {
	refresh := tn.ReportRefreshDate()
	ref := refresh.Format(time.DateOnly)
	in := func(d time.Time) bool {
		return !d.IsZero() && !d.After(refresh) && d.After(refresh.AddDate(0, 0, -180))
	}
	date := func(d time.Time) string {
		if d.IsZero() || d.After(refresh) {
			return "-"
		}
		return d.Format(time.DateOnly)
	}
	var out []string
	tn.Snapshot(func(t *graphsim.Tenant) {
		for _, u := range t.Users {
			if !admit(u.UserPrincipalName) {
				continue
			}
			upn := strings.ToLower(u.UserPrincipalName)
			a := u.Activity
			if planOf(t, u, exchangePlan) {
				n := func(v int) int {
					if !in(a.Last[graphsim.ServiceExchange]) {
						return 0
					}
					return v
				}
				out = append(out, fmt.Sprintf("email %s %s sent=%d received=%d read=%d created=%d interacted=%d period=180 %s", upn,
					date(a.Last[graphsim.ServiceExchange]), n(a.SendCount), n(a.ReceiveCount), n(a.ReadCount), n(a.Meetings/4), n(a.Meetings), ref))
			}
			teamsLast := a.Last[graphsim.ServiceTeams]
			if planOf(t, u, teamsPlan) || date(teamsLast) != "-" {
				n := func(v int) int {
					if !in(teamsLast) {
						return 0
					}
					return v
				}
				org := a.Meetings / 4
				out = append(out, fmt.Sprintf("teams %s %s chat=%d private=%d calls=%d meetings=%d organized=%d attended=%d period=180 %s", upn,
					date(teamsLast), n(a.TeamChatMessages), n(a.PrivateChatMessages), n(a.Calls), n(a.Meetings), n(org), n(a.Meetings-org), ref))
			}
			for _, x := range a.ActivatedProducts {
				// Activations have no period: the report shows the last
				// activation date as the service has it.
				last := "-"
				if !x.LastActivated.IsZero() {
					last = x.LastActivated.UTC().Format(time.DateOnly)
				}
				out = append(out, fmt.Sprintf("activation %s %s %s win=%d mac=%d w10m=%d ios=%d android=%d shared=%v %s", upn, x.ProductType,
					last, x.Windows, x.Mac, x.Windows10Mobile, x.IOS, x.Android, x.SharedComputer, ref))
			}
		}
	})
	sort.Strings(out)
	return out
}

func storedCounts(t testing.TB, db *store.DB, c store.Connection) []string {
	t.Helper()
	ctx := context.Background()
	date := func(d time.Time) string {
		if d.IsZero() {
			return "-"
		}
		return d.Format(time.DateOnly)
	}
	var out []string
	email, err := db.UserEmailActivity(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range email {
		out = append(out, fmt.Sprintf("email %s %s sent=%d received=%d read=%d created=%d interacted=%d period=%d %s", a.UserPrincipalName,
			date(a.LastActivityDate), a.SendCount, a.ReceiveCount, a.ReadCount, a.MeetingCreatedCount, a.MeetingInteractedCount, a.ReportPeriod, date(a.ReportRefreshDate)))
	}
	teams, err := db.UserTeamsActivity(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range teams {
		out = append(out, fmt.Sprintf("teams %s %s chat=%d private=%d calls=%d meetings=%d organized=%d attended=%d period=%d %s", a.UserPrincipalName,
			date(a.LastActivityDate), a.TeamChatMessageCount, a.PrivateChatMessageCount, a.CallCount, a.MeetingCount, a.MeetingsOrganizedCount,
			a.MeetingsAttendedCount, a.ReportPeriod, date(a.ReportRefreshDate)))
	}
	acts, err := db.UserActivations(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range acts {
		out = append(out, fmt.Sprintf("activation %s %s %s win=%d mac=%d w10m=%d ios=%d android=%d shared=%v %s", x.UserPrincipalName, x.ProductType,
			date(x.LastActivatedDate), x.Windows, x.Mac, x.Windows10Mobile, x.IOS, x.Android, x.SharedComputer, date(x.ReportRefreshDate)))
	}
	sort.Strings(out)
	return out
}

func TestUsageCountsMatchTheTenant(t *testing.T) {
	e := newSimEnv(t, "medium", 3, func(p *graphsim.Profile) { p.Concealed = false }, graphsim.Options{})
	o := e.options()
	o.Only = []string{"usageReports"}
	res := e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOK {
		t.Fatalf("usageReports: %s %v", st, res.Warnings())
	}
	want := truthCounts(e.tenant, func(string) bool { return true })
	kinds := map[string]int{}
	nonzero := 0
	for _, l := range want {
		kinds[strings.Fields(l)[0]]++
		if strings.Contains(l, "sent=") && !strings.Contains(l, "sent=0 received=0") {
			nonzero++
		}
	}
	if kinds["email"] < 1000 || kinds["teams"] < 1000 || kinds["activation"] < 500 || nonzero < 500 {
		t.Fatalf("the medium tenant should have thousands of count rows, has %v (%d with e-mail)", kinds, nonzero)
	}
	sameLines(t, "usage counts", storedCounts(t, e.db, e.conn(t)), want)

	// A run under a domain filter keeps only that domain's rows and closes
	// the others, like every other synced table.
	var domain string
	e.tenant.Snapshot(func(t *graphsim.Tenant) {
		for _, d := range t.Domains {
			if !d.IsInitial {
				domain = strings.ToLower(d.ID)
				break
			}
		}
	})
	o.Domains = []string{domain}
	o.Full = true // a delta run does not re-read the reports until they are due
	res = e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOK {
		t.Fatalf("usageReports with a domain filter: %s %v", st, res.Warnings())
	}
	inDomain := func(upn string) bool { return strings.HasSuffix(strings.ToLower(upn), "@"+domain) }
	want = truthCounts(e.tenant, inDomain)
	if len(want) == 0 {
		t.Fatalf("no user in %s", domain)
	}
	sameLines(t, "usage counts in "+domain, storedCounts(t, e.db, e.conn(t)), want)
}

func TestConcealedUsageCountsAreNotStored(t *testing.T) {
	e := newSimEnv(t, "small", 5, func(p *graphsim.Profile) { p.Concealed = false }, graphsim.Options{})
	o := e.options()
	o.Only = []string{"usageReports"}
	e.sync(t, o)
	if len(storedCounts(t, e.db, e.conn(t))) == 0 {
		t.Fatal("no counts stored from readable reports")
	}
	// The tenant starts concealing names: the next run turns the resource
	// off and the copy no longer shows the counts it cannot confirm.
	e.tenant.SetDisplayConcealedNames(true)
	o.Full = true
	res := e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOff {
		t.Fatalf("usageReports on a concealed tenant: %s", st)
	}
	if got := storedCounts(t, e.db, e.conn(t)); len(got) != 0 {
		t.Fatalf("%d count rows left current after the reports were concealed: %q", len(got), got[:min(3, len(got))])
	}
}

// fileReports is the real client except that reports are the documented
// examples of graph-examples (copied into internal/usage/testdata: header
// lines) with rows a test adds, written the way Microsoft does (BOM, CRLF).
type fileReports struct {
	*msgraph.Client
	rows    map[usage.Report][]string
	periods map[string]string
}

func (f *fileReports) Report(_ context.Context, name, period string) (io.ReadCloser, error) {
	raw, err := os.ReadFile(filepath.Join("..", "usage", "testdata", "reports_"+name+".csv"))
	if err != nil {
		return nil, err
	}
	f.periods[name] = period
	body := "\ufeff" + strings.TrimRight(string(raw), "\r\n") + "\r\n" + strings.Join(f.rows[usage.Report(name)], "\r\n")
	return io.NopCloser(strings.NewReader(body)), nil
}

// The documented column layouts of the e-mail, Teams and activations
// reports reach the store: counts, dates, products and flags by header
// name; deleted and concealed rows are skipped; the activations report is
// asked for without a period.
func TestDocumentedCountReportsReachTheStore(t *testing.T) {
	e := newSimEnv(t, "small", 5, nil, graphsim.Options{})
	f := &fileReports{Client: e.g, periods: map[string]string{}, rows: map[usage.Report][]string{
		usage.EmailActivityUserDetail: {
			"2026-10-30,Adele.Vance@contoso.com,Adele Vance,False,,2026-10-29,12,340,301,2,9,OFFICE 365 E3,180",
			"2026-10-30,lee@contoso.com,Lee Gu,True,2026-10-20,2026-10-01,5,5,5,0,0,,180",
			"2026-10-30,FE7CC8C15246EDCCA289C9A4022762F7,FE7CC8C15246EDCCA289C9A4022762F7,False,,2026-10-29,1,1,1,0,0,,180",
			"2026-10-30,megan@contoso.com,Megan Bowen,False,,,0,4,0,0,0,OFFICE 365 E3,180",
		},
		usage.TeamsUserActivityUserDetail: {
			"2026-10-30,Contoso,,00000000-0000-0000-0000-000000000001,adele.vance@contoso.com,2026-10-28,False,,OFFICE 365 E3,7,31,4,10,2,5,0,3,7,1,2,1,2,1,3,PT1H,PT20M,PT5M,3600,1200,300,No,Yes,180",
		},
		usage.ActivationsUserDetail: {
			"2026-10-30,adele.vance@contoso.com,Adele Vance,MICROSOFT 365 APPS FOR ENTERPRISE,2025-03-14,2,1,0,1,0,False",
			"2026-10-30,adele.vance@contoso.com,Adele Vance,\"VISIO ONLINE PLAN 2\",,1,0,0,0,0,True",
		},
	}}
	o := e.options()
	o.Only = []string{"usageReports"}
	res, err := Run(context.Background(), f, e.db, o)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOK {
		t.Fatalf("usageReports: %s %v", st, res.Warnings())
	}
	want := []string{
		"activation adele.vance@contoso.com MICROSOFT 365 APPS FOR ENTERPRISE 2025-03-14 win=2 mac=1 w10m=0 ios=1 android=0 shared=false 2026-10-30",
		"activation adele.vance@contoso.com VISIO ONLINE PLAN 2 - win=1 mac=0 w10m=0 ios=0 android=0 shared=true 2026-10-30",
		"email adele.vance@contoso.com 2026-10-29 sent=12 received=340 read=301 created=2 interacted=9 period=180 2026-10-30",
		"email megan@contoso.com - sent=0 received=4 read=0 created=0 interacted=0 period=180 2026-10-30",
		"teams adele.vance@contoso.com 2026-10-28 chat=7 private=31 calls=4 meetings=10 organized=3 attended=7 period=180 2026-10-30",
	}
	sameLines(t, "counts from the documented layouts", storedCounts(t, e.db, e.conn(t)), want)
	for name, p := range f.periods {
		if wantP := "D180"; name == string(usage.ActivationsUserDetail) && p != "" || name != string(usage.ActivationsUserDetail) && p != wantP {
			t.Errorf("%s asked with period %q", name, p)
		}
	}
	classic := 0
	for _, r := range usage.Reports() {
		if !r.BetaOnly() {
			classic++
		}
	}
	if len(f.periods) != classic {
		t.Errorf("reports read: %v, want all %d", f.periods, classic)
	}
}
