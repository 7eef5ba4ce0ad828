package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/analysis"
	"github.com/tenantscope/tenantscope/internal/cli"
	"github.com/tenantscope/tenantscope/internal/store"
)

// BenchmarkReports answers every report from a database holding the large
// profile (100,000 users) with sign-in activity and usage activity, through
// the real command line (open the database, analyse or read the analysis the
// sync kept, write JSON; activity and roster stream the per-user rows the
// sync kept). Target (issue 5): each under 300 ms. The database
// is filled straight from the generator's ground truth and analysed as the
// sync does after committing, so the benchmark measures reporting, not sync.
//
//	go test ./bench/ -run '^$' -bench Reports -benchtime 5x
//
// TENANTSCOPE_BENCH_PROFILE=medium runs it on 5,000 users;
// TENANTSCOPE_BENCH_FORMAT=csv (or table) writes that format instead of JSON.
func BenchmarkReports(b *testing.B) {
	profile := os.Getenv("TENANTSCOPE_BENCH_PROFILE")
	if profile == "" {
		profile = "large"
	}
	format := os.Getenv("TENANTSCOPE_BENCH_FORMAT")
	if format == "" {
		format = "json"
	}
	ten, db := reportDB(b, profile)
	for _, report := range []string{"licenses", "inactive", "recommendations", "activity", "spend", "roster"} {
		b.Run(report, func(b *testing.B) {
			args := []string{"--db", db, "--connection", "bench", "--config", filepath.Join(b.TempDir(), "none.yaml"), "report", report, "-o", format}
			var out, errb bytes.Buffer
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out.Reset()
				errb.Reset()
				code := cli.Main(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errb,
					Getenv: func(string) string { return "" }, Now: func() time.Time { return ten.Now }})
				if code != 0 {
					b.Fatalf("report %s: exit %d: %s", report, code, errb.String())
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(per.Milliseconds()), "ms/report")
			b.ReportMetric(float64(out.Len())/(1<<20), "MB-out")
			if per > 300*time.Millisecond {
				b.Logf("report %s took %v on %d users; target under 300 ms", report, per, len(ten.Users))
			}
		})
	}
}

// reportDB generates the profile and writes it into a fresh database as one
// committed full run.
func reportDB(b *testing.B, profile string) (*graphsim.Tenant, string) {
	b.Helper()
	p, err := graphsim.ProfileByName(profile, 1)
	if err != nil {
		b.Fatal(err)
	}
	p.Concealed = false
	ten, err := graphsim.Generate(p)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "report.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Connection(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	run, err := db.BeginRun(ctx, conn, store.ModeFull)
	if err != nil {
		b.Fatal(err)
	}
	batch := &store.Batch{}
	flush := func() {
		if batch.Len() < 5000 {
			return
		}
		if _, err := run.Apply(ctx, batch); err != nil {
			b.Fatal(err)
		}
		batch = &store.Batch{}
	}
	ten.Snapshot(func(t *graphsim.Tenant) {
		for _, s := range t.SubscribedSKUs {
			ss := &store.SubscribedSKU{SkuID: s.SkuID, SkuPartNumber: s.SkuPartNumber, CapabilityStatus: s.CapabilityStatus, AppliesTo: s.AppliesTo,
				Enabled: s.Enabled, Suspended: s.Suspended, Warning: s.Warning, LockedOut: s.LockedOut}
			for _, sp := range s.ServicePlans {
				ss.ServicePlans = append(ss.ServicePlans, store.ServicePlan{ServicePlanID: sp.ServicePlanID, ServicePlanName: sp.ServicePlanName, ProvisioningStatus: sp.ProvisioningStatus, AppliesTo: sp.AppliesTo})
			}
			batch.PutSubscribedSKU(ss)
		}
		for _, s := range t.CompanySubscriptions {
			batch.PutCompanySubscription(&store.CompanySubscription{ID: s.ID, SkuID: s.SkuID, SkuPartNumber: s.SkuPartNumber, Status: s.Status,
				TotalLicenses: s.TotalLicenses, NextLifecycleDateTime: s.NextLifecycleDateTime})
		}
		refresh := t.ReportRefreshDate()
		services := map[graphsim.Service]string{graphsim.ServiceExchange: "exchange", graphsim.ServiceOneDrive: "onedrive",
			graphsim.ServiceSharePoint: "sharepoint", graphsim.ServiceSkype: "skype", graphsim.ServiceYammer: "yammer",
			graphsim.ServiceTeams: "teams", graphsim.ServiceM365Apps: "m365apps"}
		for _, u := range t.Users {
			su := &store.User{ID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName, GivenName: u.GivenName,
				Surname: u.Surname, Mail: u.Mail, AccountEnabled: u.AccountEnabled, UserType: u.UserType, CreatedDateTime: u.CreatedDateTime,
				Department: u.Department, JobTitle: u.JobTitle, UsageLocation: u.UsageLocation, ManagerID: u.ManagerID}
			for _, l := range u.LicenseAssignmentStates {
				su.Licenses = append(su.Licenses, store.UserLicense{SkuID: l.SkuID, AssignedByGroup: l.AssignedByGroup, DisabledPlans: l.DisabledPlans, State: l.State})
			}
			batch.PutUser(su)
			batch.PutUserSignIn(&store.UserSignIn{UserID: u.ID, LastSignInDateTime: u.SignIn.LastSignInDateTime,
				LastNonInteractiveSignInDateTime: u.SignIn.LastNonInteractiveSignInDateTime, LastSuccessfulSignInDateTime: u.SignIn.LastSuccessfulSignInDateTime})
			if u.MailboxPurpose != "" {
				batch.PutUserMailbox(&store.UserMailbox{UserID: u.ID, Purpose: u.MailboxPurpose})
			}
			upn := strings.ToLower(u.UserPrincipalName)
			for s, name := range services {
				if last := u.Activity.Last[s]; !last.IsZero() {
					batch.PutUserActivity(&store.UserActivity{UserPrincipalName: upn, Service: name, LastActivityDate: last, ReportRefreshDate: refresh})
				}
			}
			// The count reports, for users who used the workload in the
			// D180 period (what the usage syncer stores).
			a := u.Activity
			if last := a.Last[graphsim.ServiceExchange]; inPeriod(last, refresh) {
				batch.PutUserEmailActivity(&store.UserEmailActivity{UserPrincipalName: upn, LastActivityDate: last, SendCount: int64(a.SendCount),
					ReceiveCount: int64(a.ReceiveCount), ReadCount: int64(a.ReadCount), MeetingCreatedCount: int64(a.Meetings / 4),
					MeetingInteractedCount: int64(a.Meetings), ReportPeriod: 180, ReportRefreshDate: refresh})
			}
			if last := a.Last[graphsim.ServiceTeams]; inPeriod(last, refresh) {
				batch.PutUserTeamsActivity(&store.UserTeamsActivity{UserPrincipalName: upn, LastActivityDate: last, TeamChatMessageCount: int64(a.TeamChatMessages),
					PrivateChatMessageCount: int64(a.PrivateChatMessages), CallCount: int64(a.Calls), MeetingCount: int64(a.Meetings),
					MeetingsOrganizedCount: int64(a.Meetings / 4), MeetingsAttendedCount: int64(a.Meetings - a.Meetings/4), ReportPeriod: 180, ReportRefreshDate: refresh})
			}
			for _, x := range a.ActivatedProducts {
				batch.PutUserActivation(&store.UserActivation{UserPrincipalName: upn, ProductType: x.ProductType, LastActivatedDate: x.LastActivated,
					Windows: int64(x.Windows), Mac: int64(x.Mac), Windows10Mobile: int64(x.Windows10Mobile), IOS: int64(x.IOS), Android: int64(x.Android),
					SharedComputer: x.SharedComputer, ReportRefreshDate: refresh})
			}
			flush()
		}
	})
	if _, err := run.Apply(ctx, batch); err != nil {
		b.Fatal(err)
	}
	res := store.RunResult{TenantID: ten.ID, Resources: []store.ResourceResult{
		{Resource: "users", Status: store.StatusOK}, {Resource: "signIns", Status: store.StatusOK}, {Resource: "usageReports", Status: store.StatusOK},
		{Resource: "subscribedSkus", Status: store.StatusOK}, {Resource: "mailboxes", Status: store.StatusOK},
	}}
	if err := run.Commit(ctx, res); err != nil {
		b.Fatal(err)
	}
	// What `tenantscope sync` does after committing: keep the analysis.
	conn, err = db.Connection(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := analysis.Record(ctx, db, conn, analysis.Options{Now: ten.Now}); err != nil {
		b.Fatal(err)
	}
	b.Logf("analysis.Record (analyse, keep the summary and the report rows) took %v on %d users", time.Since(start).Round(time.Millisecond), len(ten.Users))
	return ten, path
}

// inPeriod reports whether a last-activity date falls in the D180 report
// period ending on the refresh date.
func inPeriod(last, refresh time.Time) bool {
	return !last.IsZero() && !last.After(refresh) && last.After(refresh.AddDate(0, 0, -180))
}
