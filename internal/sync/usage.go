package sync

import (
	"context"
	"fmt"
	"io"
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
)

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
// getOffice365ActivationsUserDetail. Reports whose names are concealed are
// never joined to users: the resource turns off with a warning naming the
// remedy, and the analysis then says "unknown" instead of "inactive".
func usageReportsResource() *resource {
	return &resource{
		name: "usageReports", group: "usage", alias: "usage_reports",
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
					j.discard()
					msg := fmt.Sprintf("turned off: %s conceals user names (%d of %d rows are hashes), so activity cannot be joined to users and counts as unknown; "+
						"turn off \"Display concealed user, group, and site names in all reports\" in the Microsoft 365 admin centre (Settings > Org settings > Reports), "+
						"or PATCH /admin/reportSettings with ReportSettings.ReadWrite.All", rep, meta.ConcealedRows, meta.Rows)
					j.res.Status, j.res.Message, j.res.Mode = store.StatusOff, msg, ""
					j.e.warn(j.r.name, "%s", msg)
					return j.sweepAll(ctx)
				}
				if meta.RefreshDate.After(refresh) {
					refresh = meta.RefreshDate
				}
			}
			if !refresh.IsZero() {
				j.res.Message = fmt.Sprintf("report refresh date %s (%d days behind)", refresh.Format(time.DateOnly), int(j.e.o.Now().Sub(refresh).Hours()/24))
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
	meta, err := usage.Parse(rep, body, func(row usage.UserActivity) error {
		if row.Concealed || row.IsDeleted || !filter.admits(row.UserPrincipalName) {
			return nil
		}
		upn := strings.ToLower(row.UserPrincipalName)
		refresh := row.RefreshDate
		var acts []store.UserActivity
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
			a := store.UserActivity{UserPrincipalName: upn, Service: ServiceMailbox, LastActivityDate: row.Last[usage.Exchange],
				ReportRefreshDate: refresh, Amount: row.StorageUsedBytes}
			return j.add(ctx, 1, func(b *store.Batch) { b.PutUserActivity(&a) })
		}
		for _, s := range services {
			if row.Last[s].IsZero() {
				continue
			}
			acts = append(acts, store.UserActivity{UserPrincipalName: upn, Service: usageServiceNames[s], LastActivityDate: row.Last[s], ReportRefreshDate: refresh})
		}
		if rep == usage.M365AppUserDetail && !row.Last[usage.M365Apps].IsZero() {
			if row.Platforms&(usage.PlatformWindows|usage.PlatformMac) != 0 {
				acts = append(acts, store.UserActivity{UserPrincipalName: upn, Service: ServiceDesktopApps, LastActivityDate: row.Last[usage.M365Apps], ReportRefreshDate: refresh})
			}
			if row.Platforms&(usage.PlatformWeb|usage.PlatformMobile) != 0 {
				acts = append(acts, store.UserActivity{UserPrincipalName: upn, Service: ServiceWebApps, LastActivityDate: row.Last[usage.M365Apps], ReportRefreshDate: refresh})
			}
		}
		if len(acts) == 0 {
			return nil
		}
		return j.add(ctx, 1, func(b *store.Batch) {
			for i := range acts {
				b.PutUserActivity(&acts[i])
			}
		})
	})
	if err != nil {
		return meta, fmt.Errorf("%s: %w", rep, err)
	}
	return meta, nil
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
