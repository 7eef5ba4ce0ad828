package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
	"github.com/tenantscope/tenantscope/internal/usage"
)

// reportGraph is the slice of the Graph client the usage syncer needs:
// *msgraph.Client implements it.
type reportGraph interface {
	Report(ctx context.Context, name, period string) (io.ReadCloser, error)
	ReportWith(ctx context.Context, name, period string, o msgraph.ReportOptions) (io.ReadCloser, error)
	ReportSettings(ctx context.Context) (concealed bool, err error)
	SetReportSettings(ctx context.Context, concealed bool) error
}

// usagePeriod is the widest window the reports offer; the last-activity
// columns carry the last date ever, the period only bounds the counts.
const usagePeriod = "D180"

// Activity service names in the store; "m365apps:desktop" and
// "m365apps:web" record which Microsoft 365 Apps platforms a user ran in the
// period (Windows or Mac; web or mobile), dated with the user's last app
// activity, because the downgrade rules turn on them.
const (
	ServiceDesktopApps = "m365apps:desktop"
	ServiceWebApps     = "m365apps:web"
	// ServiceMailbox rows come from getMailboxUsageDetail: the mailbox's
	// last activity and, as the row's amount, its storage in bytes.
	ServiceMailbox = "mailbox"
	// ServiceCopilot rows come from getMicrosoft365CopilotUsageUserDetail:
	// one per user the report lists (every Copilot licence holder), dated
	// with their last Copilot use in any app, or undated when they never
	// used it. ServiceCopilotPrefix + app ("copilot:teams" ...) rows carry
	// the per-app dates that are set. No "copilot" rows at all means the
	// report could not be read: Copilot use is unknown.
	ServiceCopilot       = "copilot"
	ServiceCopilotPrefix = "copilot:"
)

// copilotServiceNames are the per-app service names of Copilot activity.
var copilotServiceNames = map[usage.CopilotApp]string{
	usage.CopilotTeams: "copilot:teams", usage.CopilotWord: "copilot:word", usage.CopilotExcel: "copilot:excel",
	usage.CopilotPowerPoint: "copilot:powerpoint", usage.CopilotOutlook: "copilot:outlook", usage.CopilotOneNote: "copilot:onenote",
	usage.CopilotLoop: "copilot:loop", usage.CopilotChat: "copilot:chat",
}

var usageServiceNames = map[usage.Service]string{
	usage.Exchange: "exchange", usage.OneDrive: "onedrive", usage.SharePoint: "sharepoint",
	usage.SkypeForBusiness: "skype", usage.Yammer: "yammer", usage.Teams: "teams",
	usage.Outlook: "outlook", usage.M365Apps: "m365apps",
}

// usageReports are the per-user reports the syncer reads, one download
// each per run (graphsim and Graph allow 14 per report and 40 per tenant in
// ten minutes).
var usageReports = []usage.Report{usage.ActiveUserDetail, usage.EmailActivityUserDetail, usage.TeamsUserActivityUserDetail,
	usage.M365AppUserDetail, usage.ActivationsUserDetail, usage.MailboxUsageDetail}

// usageTables are the tables the usage syncer owns.
var usageTables = []store.Table{store.TableUserActivity, store.TableUserEmailActivity, store.TableUserTeamsActivity, store.TableUserActivations}

// usageReportsResource reads the per-user usage reports (Reports.Read.All):
// last activity per workload from getOffice365ActiveUserDetail, Microsoft
// 365 Apps use from getM365AppUserDetail, mailbox storage from
// getMailboxUsageDetail, e-mail and Teams counts over the period from
// getEmailActivityUserDetail and getTeamsUserActivityUserDetail, and Office
// activations per product and platform from
// getOffice365ActivationsUserDetail, and Microsoft 365 Copilot use per app
// from getMicrosoft365CopilotUsageUserDetail (beta; unknown where it is
// missing). Reports whose names are concealed are
// never joined to users: the resource turns off with a warning naming the
// remedy, and the analysis then says "unknown" instead of "inactive".
func usageReportsResource() *resource {
	return &resource{
		name: "usageReports", group: "usage", alias: "usage_reports", long: true,
		perms:  []string{"Reports.Read.All"},
		tables: usageTables,
		run: func(ctx context.Context, j *job) error {
			rg, ok := j.e.g.(reportGraph)
			if !ok {
				return fmt.Errorf("the Graph client cannot download reports")
			}
			if j.e.o.FixConcealedNames {
				if err := fixConcealedNames(ctx, j, rg); err != nil {
					return err
				}
			}
			filter := newDomainFilter(j.e.o.Domains)
			var refresh time.Time
			for _, rep := range usageReports {
				meta, err := j.ingestReport(ctx, rg, rep, filter)
				if err != nil {
					return err
				}
				if meta.Concealed {
					return j.concealedOff(ctx, meta)
				}
				if meta.RefreshDate.After(refresh) {
					refresh = meta.RefreshDate
				}
			}
			// The Copilot report last: it is beta and global-only, so it
			// may be missing where the others work.
			meta, copilot, err := j.ingestCopilot(ctx, rg, filter)
			if err != nil {
				return err
			}
			if meta.Concealed {
				return j.concealedOff(ctx, meta)
			}
			if !refresh.IsZero() {
				j.res.Message = fmt.Sprintf("report refresh date %s (%d days behind)", refresh.Format(time.DateOnly), int(j.e.o.Now().Sub(refresh).Hours()/24))
			}
			if !copilot {
				j.res.Message = strings.TrimPrefix(j.res.Message+"; Microsoft 365 Copilot usage unknown", "; ")
			}
			return j.add(ctx, 0, func(b *store.Batch) {
				for _, t := range usageTables {
					b.Sweep(t)
				}
			})
		},
	}
}

// ingestReport downloads one report and queues its activity rows.
func (j *job) ingestReport(ctx context.Context, rg reportGraph, rep usage.Report, filter domainFilter) (usage.Meta, error) {
	period := usagePeriod
	if !rep.HasPeriod() {
		period = "" // getOffice365ActivationsUserDetail takes no period
	}
	body, err := rg.Report(ctx, string(rep), period)
	if err != nil {
		return usage.Meta{}, fmt.Errorf("%s: %w", rep, err)
	}
	defer body.Close()
	services := rep.Services()
	acts := activitySorter{j: j, run: j.e.o.activitySortRun}
	meta, err := usage.Parse(rep, body, func(row usage.UserActivity) error {
		if row.Concealed || row.IsDeleted || !filter.admits(row.UserPrincipalName) {
			return nil
		}
		upn := strings.ToLower(row.UserPrincipalName)
		refresh := row.RefreshDate
		switch rep {
		case usage.EmailActivityUserDetail:
			a := store.UserEmailActivity{UserPrincipalName: upn, LastActivityDate: row.Last[usage.Exchange],
				SendCount: row.SendCount, ReceiveCount: row.ReceiveCount, ReadCount: row.ReadCount,
				MeetingCreatedCount: row.MeetingCreatedCount, MeetingInteractedCount: row.MeetingInteractedCount,
				ReportPeriod: reportPeriod(row), ReportRefreshDate: refresh}
			return j.add(ctx, 1, func(b *store.Batch) { b.PutUserEmailActivity(&a) })
		case usage.TeamsUserActivityUserDetail:
			a := store.UserTeamsActivity{UserPrincipalName: upn, LastActivityDate: row.Last[usage.Teams],
				TeamChatMessageCount: row.TeamChatMessages, PrivateChatMessageCount: row.PrivateChatMessages, CallCount: row.Calls,
				MeetingCount: row.Meetings, MeetingsOrganizedCount: row.MeetingsOrganized, MeetingsAttendedCount: row.MeetingsAttended,
				ReportPeriod: reportPeriod(row), ReportRefreshDate: refresh}
			return j.add(ctx, 1, func(b *store.Batch) { b.PutUserTeamsActivity(&a) })
		case usage.ActivationsUserDetail:
			x := row.Activation
			if strings.TrimSpace(x.ProductType) == "" {
				return nil // a row without a product names no activation
			}
			a := store.UserActivation{UserPrincipalName: upn, ProductType: x.ProductType, LastActivatedDate: x.LastActivated,
				Windows: x.Windows, Mac: x.Mac, Windows10Mobile: x.Windows10Mobile, IOS: x.IOS, Android: x.Android,
				SharedComputer: x.SharedComputer, ReportRefreshDate: refresh}
			return j.add(ctx, 1, func(b *store.Batch) { b.PutUserActivation(&a) })
		}
		if rep == usage.MailboxUsageDetail {
			// One row per mailbox, used or not: its storage is what the
			// F3 downgrade rule needs. Exchange activity comes from the
			// active-users report.
			return acts.add(ctx, store.UserActivity{UserPrincipalName: upn, Service: ServiceMailbox, LastActivityDate: row.Last[usage.Exchange],
				ReportRefreshDate: refresh, Amount: row.StorageUsedBytes})
		}
		n := len(acts.buf)
		for _, s := range services {
			if row.Last[s].IsZero() {
				continue
			}
			acts.buf = append(acts.buf, store.UserActivity{UserPrincipalName: upn, Service: usageServiceNames[s], LastActivityDate: row.Last[s], ReportRefreshDate: refresh})
		}
		if rep == usage.M365AppUserDetail && !row.Last[usage.M365Apps].IsZero() {
			if row.Platforms&(usage.PlatformWindows|usage.PlatformMac) != 0 {
				acts.buf = append(acts.buf, store.UserActivity{UserPrincipalName: upn, Service: ServiceDesktopApps, LastActivityDate: row.Last[usage.M365Apps], ReportRefreshDate: refresh})
			}
			if row.Platforms&(usage.PlatformWeb|usage.PlatformMobile) != 0 {
				acts.buf = append(acts.buf, store.UserActivity{UserPrincipalName: upn, Service: ServiceWebApps, LastActivityDate: row.Last[usage.M365Apps], ReportRefreshDate: refresh})
			}
		}
		if len(acts.buf) == n {
			return nil
		}
		acts.users++
		return acts.spill(ctx, false)
	})
	if err != nil {
		return meta, fmt.Errorf("%s: %w", rep, err)
	}
	if err := acts.spill(ctx, true); err != nil {
		return meta, fmt.Errorf("%s: %w", rep, err)
	}
	return meta, nil
}

// activitySorter queues a report's activity rows in key order (service,
// then user principal name), a bounded run at a time. A report lists users
// in no useful order, so its rows, written as they come, land all over
// their service's range of user_activity: with a table larger than the
// writer's page cache, every commit rewrote most of its pages. Sorted runs
// of run rows write each page about once per run instead, at a few
// megabytes of memory whatever the tenant's size. (The Copilot report,
// held whole until it has parsed, is queued as one run.)
type activitySorter struct {
	j     *job
	run   int // rows per sorted run
	buf   []store.UserActivity
	users int // users the buffered rows belong to (the resource's items)
}

// activitySortRun is how many rows a sorted run holds (about 100 bytes
// each), by default.
const activitySortRun = 64 << 10

// add queues one user's single row.
func (s *activitySorter) add(ctx context.Context, a store.UserActivity) error {
	s.buf = append(s.buf, a)
	s.users++
	return s.spill(ctx, false)
}

// spill sends the buffered rows, sorted, once there are a run's worth (or
// at the end of the report, all).
func (s *activitySorter) spill(ctx context.Context, all bool) error {
	if len(s.buf) == 0 || (!all && len(s.buf) < s.run) {
		return nil
	}
	slices.SortFunc(s.buf, func(a, b store.UserActivity) int {
		if c := strings.Compare(a.Service, b.Service); c != 0 {
			return c
		}
		return strings.Compare(a.UserPrincipalName, b.UserPrincipalName)
	})
	const chunk = 1024
	for i := 0; i < len(s.buf); i += chunk {
		part := s.buf[i:min(i+chunk, len(s.buf))]
		users := 0
		if i+chunk >= len(s.buf) {
			users = s.users // the items count once, with the last chunk
		}
		if err := s.j.add(ctx, users, func(b *store.Batch) {
			for k := range part {
				b.PutUserActivity(&part[k])
			}
		}); err != nil {
			return err
		}
	}
	// The batch keeps pointers into nothing of buf (PutUserActivity
	// copies the values), so the buffer can be reused.
	s.buf, s.users = s.buf[:0], 0
	return nil
}

// concealedOff turns the resource off because a report conceals user
// names: nothing it read can be joined to users.
func (j *job) concealedOff(ctx context.Context, meta usage.Meta) error {
	j.discard()
	msg := fmt.Sprintf("turned off: %s conceals user names (%d of %d rows are hashes), so activity cannot be joined to users and counts as unknown; "+
		"turn off \"Display concealed user, group, and site names in all reports\" in the Microsoft 365 admin centre (Settings > Org settings > Reports), "+
		"or PATCH /admin/reportSettings with ReportSettings.ReadWrite.All", meta.Report, meta.ConcealedRows, meta.Rows)
	j.res.Status, j.res.Message, j.res.Mode = store.StatusOff, msg, ""
	j.e.warn(j.r.name, "%s", msg)
	return j.sweepAll(ctx)
}

// ingestCopilot reads getMicrosoft365CopilotUsageUserDetail (Microsoft
// Graph docs, "reportRoot: getMicrosoft365CopilotUsageUserDetail": beta
// only, global cloud only, CSV with $format=text/csv) and queues a
// "copilot" row per listed user plus one per app they used. known is false
// when the report could not be read: national clouds and tenants without
// the API answer 400 or 404, and a beta API may fail in other ways too;
// that is a warning and Copilot use stays unknown, never a failed sync.
// Rows are queued only once the whole report has parsed, so a report cut
// short cannot pass for a complete one.
func (j *job) ingestCopilot(ctx context.Context, rg reportGraph, filter domainFilter) (meta usage.Meta, known bool, err error) {
	rep := usage.CopilotUsageUserDetail
	unknown := func(err error) (usage.Meta, bool, error) {
		if ctx.Err() != nil {
			return meta, false, fmt.Errorf("%s: %w", rep, ctx.Err())
		}
		why := "the report could not be read"
		var ge *msgraph.Error
		if errors.As(err, &ge) && (ge.StatusCode == http.StatusBadRequest || ge.StatusCode == http.StatusNotFound || ge.StatusCode == http.StatusNotImplemented) {
			why = "the API is not available here (it is beta and global-cloud only)"
		}
		j.e.warn(j.r.name, "Microsoft 365 Copilot usage not read: %s: %v; Copilot seats are not judged (use unknown)", why, err)
		return meta, false, nil
	}
	body, err := rg.ReportWith(ctx, string(rep), usagePeriod, msgraph.ReportOptions{Beta: true, Format: "text/csv"})
	if err != nil {
		return unknown(err)
	}
	defer body.Close()
	// Held whole until the report has parsed, then queued in key order;
	// one item per user listed (their "copilot" row), as the other
	// reports count.
	acts := activitySorter{j: j}
	meta, err = usage.Parse(rep, body, func(row usage.UserActivity) error {
		if row.Concealed || !filter.admits(row.UserPrincipalName) {
			return nil
		}
		upn := strings.ToLower(row.UserPrincipalName)
		acts.users++
		acts.buf = append(acts.buf, store.UserActivity{UserPrincipalName: upn, Service: ServiceCopilot,
			LastActivityDate: row.Copilot[usage.CopilotAny], ReportRefreshDate: row.RefreshDate})
		for app := usage.CopilotApp(1); app < usage.NumCopilotApps; app++ {
			if !row.Copilot[app].IsZero() {
				acts.buf = append(acts.buf, store.UserActivity{UserPrincipalName: upn, Service: copilotServiceNames[app],
					LastActivityDate: row.Copilot[app], ReportRefreshDate: row.RefreshDate})
			}
		}
		return nil
	})
	if err != nil {
		return unknown(err)
	}
	if meta.Concealed {
		return meta, false, nil
	}
	if err := acts.spill(ctx, true); err != nil {
		return meta, false, err
	}
	return meta, true, nil
}

// fixConcealedNames shows real names in the usage reports when they are
// concealed, as seed 004 asks admins to do by hand. Without
// ReportSettings.ReadWrite.All it records a warning and the reports are read
// as they are.
func fixConcealedNames(ctx context.Context, j *job, rg reportGraph) error {
	concealed, err := rg.ReportSettings(ctx)
	if err != nil {
		if msgraph.IsForbidden(err) {
			j.e.warn(j.r.name, "cannot read report settings (grant ReportSettings.Read.All or ReportSettings.ReadWrite.All): concealed names left as they are")
			return nil
		}
		return fmt.Errorf("read report settings: %w", err)
	}
	if !concealed {
		return nil
	}
	if err := rg.SetReportSettings(ctx, false); err != nil {
		if msgraph.IsForbidden(err) {
			j.e.warn(j.r.name, "cannot turn off concealed names (grant ReportSettings.ReadWrite.All or change the admin-centre setting)")
			return nil
		}
		return fmt.Errorf("turn off concealed report names: %w", err)
	}
	j.e.warn(j.r.name, "turned off concealed user names in the usage reports (admin/reportSettings displayConcealedNames=false), as --fix-concealed-names asked")
	return nil
}

// reportPeriod is the row's period in days: the Report Period column, or
// the period asked for when a report leaves it out.
func reportPeriod(row usage.UserActivity) int {
	if row.ReportPeriod > 0 {
		return row.ReportPeriod
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(usagePeriod, "D"))
	return n
}
