// Package analysis joins the stored copy of a tenant to the licence
// analysis: it loads users, licences, sign-ins, mailbox purposes and usage
// report activity from the store into a license.Input, runs it, and keeps
// the result beside the sync run that produced the data.
package analysis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tenantscope/tenantscope/internal/license"
	"github.com/tenantscope/tenantscope/internal/store"
)

// Resource names whose status in the current run decides what the data can
// prove (see internal/sync).
const (
	ResourceSignIns = "signIns"
	ResourceUsage   = "usageReports"
)

// Platform rows the usage syncer writes for Microsoft 365 Apps (see
// internal/sync/usage.go).
const (
	serviceDesktopApps = "m365apps:desktop"
	serviceWebApps     = "m365apps:web"
	serviceMailbox     = "mailbox"
	// serviceCopilot rows list the Copilot report's users (undated: never
	// used); serviceCopilotPrefix + app rows date each app's last use.
	serviceCopilot       = "copilot"
	serviceCopilotPrefix = "copilot:"
)

// copilotServiceApp maps the store's per-app Copilot service names to apps.
var copilotServiceApp = map[string]license.CopilotApp{
	"copilot:teams": license.CopilotTeams, "copilot:word": license.CopilotWord, "copilot:excel": license.CopilotExcel,
	"copilot:powerpoint": license.CopilotPowerPoint, "copilot:outlook": license.CopilotOutlook, "copilot:onenote": license.CopilotOneNote,
	"copilot:loop": license.CopilotLoop, "copilot:chat": license.CopilotChat,
}

// Options are the analysis settings of a connection.
type Options struct {
	Now               time.Time // zero = time.Now()
	InactiveDays      int       // default 90
	RenewalWindowDays int       // default 60
	Terms             []license.Term
	Catalog           *license.Catalog // nil = the embedded catalogue
	// CatalogVersion names an imported catalogue (its checksum), so kept
	// results made with another catalogue are not reused.
	CatalogVersion string
	Rules          []license.DowngradeRule
}

// Reader is what Load needs of the store.
type Reader interface {
	Runs(ctx context.Context, conn store.Connection, limit int) ([]store.SyncRun, error)
	EachUser(ctx context.Context, conn store.Connection, withoutRaw bool, fn func(*store.User) error) error
	SubscribedSKUs(ctx context.Context, conn store.Connection) ([]store.SubscribedSKU, error)
	CompanySubscriptions(ctx context.Context, conn store.Connection) ([]store.CompanySubscription, error)
	UserSignIns(ctx context.Context, conn store.Connection) ([]store.UserSignIn, error)
	UserMailboxes(ctx context.Context, conn store.Connection) ([]store.UserMailbox, error)
	EachUserActivity(ctx context.Context, conn store.Connection, fn func(*store.UserActivity) error) error
	UserEmailActivity(ctx context.Context, conn store.Connection) ([]store.UserEmailActivity, error)
	UserTeamsActivity(ctx context.Context, conn store.Connection) ([]store.UserTeamsActivity, error)
	UserActivations(ctx context.Context, conn store.Connection) ([]store.UserActivation, error)
}

// serviceWorkload maps the store's activity service names to workloads.
var serviceWorkload = map[string]license.Workload{
	"exchange": license.Exchange, "onedrive": license.OneDrive, "sharepoint": license.SharePoint,
	"skype": license.Skype, "yammer": license.Yammer, "teams": license.Teams,
	"outlook": license.Outlook, "m365apps": license.M365Apps,
}

// Load builds the analysis input from the connection's current copy.
func Load(ctx context.Context, r Reader, conn store.Connection, o Options) (license.Input, error) {
	in, _, err := load(ctx, r, conn, o)
	return in, err
}

// load is Load that also returns what the report rows take from the
// stored users beyond the input, in the order of in.Users.
func load(ctx context.Context, r Reader, conn store.Connection, o Options) (in license.Input, users []RowUser, err error) {
	if conn.Generation == 0 {
		return in, nil, fmt.Errorf("analyse %s: the tenant has not been synced yet: run `tenantscope sync`", conn.Name)
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	cat := o.Catalog
	if cat == nil {
		c, err := license.Embedded()
		if err != nil {
			return in, nil, fmt.Errorf("analyse %s: licence catalogue: %w", conn.Name, err)
		}
		cat = c
	}
	list, err := license.EmbeddedListPrices()
	if err != nil {
		return in, nil, fmt.Errorf("analyse %s: list prices: %w", conn.Name, err)
	}
	pricing, err := license.NewPricing(o.Terms, list)
	if err != nil {
		return in, nil, fmt.Errorf("analyse %s: %w", conn.Name, err)
	}
	in = license.Input{
		Now: now, InactiveDays: o.InactiveDays, RenewalWindowDays: o.RenewalWindowDays,
		Pricing: pricing, Rules: o.Rules,
	}

	run, err := currentRun(ctx, r, conn)
	if err != nil {
		return in, nil, err
	}
	for _, res := range run.Resources {
		switch res.Resource {
		case ResourceSignIns:
			in.SignInKnown = res.Status == store.StatusOK
		case ResourceUsage:
			in.ActivityKnown = res.Status == store.StatusOK
		}
	}

	skus, err := r.SubscribedSKUs(ctx, conn)
	if err != nil {
		return in, nil, fmt.Errorf("analyse %s: read subscribed SKUs: %w", conn.Name, err)
	}
	for _, s := range skus {
		sku := license.SKU{
			SkuID: strings.ToLower(s.SkuID), SkuPartNumber: s.SkuPartNumber, CapabilityStatus: s.CapabilityStatus,
			Enabled: s.Enabled, Suspended: s.Suspended, Warning: s.Warning, Consumed: s.ConsumedUnits,
			AppliesTo: s.AppliesTo,
		}
		if p, ok := cat.ProductBySkuID(s.SkuID); ok {
			sku.DisplayName = p.DisplayName
		}
		for _, sp := range s.ServicePlans {
			sku.ServicePlanNames = append(sku.ServicePlanNames, sp.ServicePlanName)
		}
		in.SKUs = append(in.SKUs, sku)
	}
	subs, err := r.CompanySubscriptions(ctx, conn)
	if err != nil {
		return in, nil, fmt.Errorf("analyse %s: read subscriptions: %w", conn.Name, err)
	}
	for _, s := range subs {
		in.Subscriptions = append(in.Subscriptions, license.Subscription{
			SkuID: strings.ToLower(s.SkuID), Status: s.Status, IsTrial: s.IsTrial, TotalLicenses: s.TotalLicenses, NextLifecycle: s.NextLifecycleDateTime,
		})
	}

	signIns, err := r.UserSignIns(ctx, conn)
	if err != nil {
		return in, nil, fmt.Errorf("analyse %s: read sign-ins: %w", conn.Name, err)
	}
	mailboxes, err := r.UserMailboxes(ctx, conn)
	if err != nil {
		return in, nil, fmt.Errorf("analyse %s: read mailboxes: %w", conn.Name, err)
	}

	signInBy := make(map[string]store.UserSignIn, len(signIns))
	for _, s := range signIns {
		signInBy[s.UserID] = s
	}
	purposeBy := make(map[string]string, len(mailboxes))
	for _, m := range mailboxes {
		purposeBy[m.UserID] = m.Purpose
	}
	index := map[string]int{} // lower-case UPN -> position
	// Users are streamed: a large tenant's []store.User would double what
	// the analysis holds.
	err = r.EachUser(ctx, conn, true, func(u *store.User) error {
		lu := license.User{
			ID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName, Department: u.Department,
			AccountEnabled: u.AccountEnabled, UserType: u.UserType, Created: u.CreatedDateTime,
			MailboxPurpose: purposeBy[u.ID], Licenses: assignments(u.Licenses),
		}
		if s, ok := signInBy[u.ID]; ok {
			lu.LastSuccessfulSignIn = s.LastSuccessfulSignInDateTime
			lu.LastSignIn = s.LastSignInDateTime
			lu.LastNonInteractive = s.LastNonInteractiveSignInDateTime
		}
		index[strings.ToLower(u.UserPrincipalName)] = len(in.Users)
		in.Users = append(in.Users, lu)
		users = append(users, RowUser{ID: u.ID, Mail: u.Mail, GivenName: u.GivenName, Surname: u.Surname})
		return nil
	})
	if err != nil {
		return in, nil, fmt.Errorf("analyse %s: read users: %w", conn.Name, err)
	}
	copilotRead := false
	// A million rows in a large tenant: folded into the users as they are
	// read, never held.
	err = r.EachUserActivity(ctx, conn, func(a *store.UserActivity) error {
		if a.Service == serviceCopilot {
			// The Copilot report was read (the syncer writes these only
			// from a complete report), even when it lists nobody we know.
			copilotRead = true
		}
		i, ok := index[strings.ToLower(a.UserPrincipalName)]
		if !ok {
			return nil // a deleted user, or a row from a concealed report
		}
		u := &in.Users[i]
		if a.Service == serviceCopilot || strings.HasPrefix(a.Service, serviceCopilotPrefix) {
			if u.Copilot == nil {
				u.Copilot = &license.CopilotUse{}
			}
			if a.Service == serviceCopilot {
				u.Copilot.Last = a.LastActivityDate
			} else if app, ok := copilotServiceApp[a.Service]; ok {
				u.Copilot.Apps[app] = a.LastActivityDate
			}
			return nil
		}
		u.InReports = true
		switch a.Service {
		case serviceMailbox:
			u.MailboxKnown, u.MailboxBytes = true, a.Amount
			return nil
		case serviceDesktopApps:
			u.DesktopApps = true
			return nil
		case serviceWebApps:
			u.WebOrMobileApps = true
			return nil
		}
		w, ok := serviceWorkload[a.Service]
		if !ok {
			return nil
		}
		if a.LastActivityDate.After(u.LastActivity[w]) {
			u.LastActivity[w] = a.LastActivityDate
		}
		if a.ReportRefreshDate.After(in.ReportRefreshDate) {
			in.ReportRefreshDate = a.ReportRefreshDate
		}
		return nil
	})
	if err != nil {
		return in, nil, fmt.Errorf("analyse %s: read usage activity: %w", conn.Name, err)
	}
	// Copilot use is known when the usage reports are (current run, not
	// concealed) and the Copilot report was among them.
	in.CopilotKnown = in.ActivityKnown && copilotRead
	if !in.CopilotKnown {
		for i := range in.Users {
			in.Users[i].Copilot = nil
		}
	}
	if err := loadCounts(ctx, r, conn, &in, index); err != nil {
		return in, nil, err
	}
	return in, users, nil
}

// loadCounts joins the e-mail and Teams counts and the Office activations
// to the users (by lower-case UPN, like the activity rows).
func loadCounts(ctx context.Context, r Reader, conn store.Connection, in *license.Input, index map[string]int) error {
	email, err := r.UserEmailActivity(ctx, conn)
	if err != nil {
		return fmt.Errorf("analyse %s: read e-mail activity: %w", conn.Name, err)
	}
	teams, err := r.UserTeamsActivity(ctx, conn)
	if err != nil {
		return fmt.Errorf("analyse %s: read Teams activity: %w", conn.Name, err)
	}
	acts, err := r.UserActivations(ctx, conn)
	if err != nil {
		return fmt.Errorf("analyse %s: read Office activations: %w", conn.Name, err)
	}
	period := func(days int) {
		if days > in.ReportPeriodDays {
			in.ReportPeriodDays = days
		}
	}
	for _, a := range email {
		if i, ok := index[strings.ToLower(a.UserPrincipalName)]; ok {
			in.Users[i].Email = &license.EmailCounts{Sent: a.SendCount, Received: a.ReceiveCount, Read: a.ReadCount,
				MeetingsCreated: a.MeetingCreatedCount, MeetingsInteracted: a.MeetingInteractedCount}
			period(a.ReportPeriod)
		}
	}
	for _, a := range teams {
		if i, ok := index[strings.ToLower(a.UserPrincipalName)]; ok {
			in.Users[i].Teams = &license.TeamsCounts{TeamChatMessages: a.TeamChatMessageCount, PrivateChatMessages: a.PrivateChatMessageCount,
				Calls: a.CallCount, Meetings: a.MeetingCount, MeetingsOrganized: a.MeetingsOrganizedCount, MeetingsAttended: a.MeetingsAttendedCount}
			period(a.ReportPeriod)
		}
	}
	for _, a := range acts {
		if i, ok := index[strings.ToLower(a.UserPrincipalName)]; ok {
			u := &in.Users[i]
			u.Activations = append(u.Activations, license.Activation{ProductType: a.ProductType, LastActivated: a.LastActivatedDate,
				Windows: a.Windows, Mac: a.Mac, Windows10Mobile: a.Windows10Mobile, IOS: a.IOS, Android: a.Android, SharedComputer: a.SharedComputer})
		}
	}
	return nil
}

// assignments folds licenseAssignmentStates (one per SKU and assigning
// group) into one assignment per SKU.
func assignments(ls []store.UserLicense) []license.Assignment {
	var out []license.Assignment
	pos := map[string]int{}
	for _, l := range ls {
		key := strings.ToLower(l.SkuID)
		i, ok := pos[key]
		if !ok {
			i = len(out)
			pos[key] = i
			out = append(out, license.Assignment{SkuID: key, DisabledPlans: l.DisabledPlans})
		}
		// Held at least since the earliest state's last change.
		if t := l.LastUpdatedDateTime; !t.IsZero() && (out[i].Since.IsZero() || t.Before(out[i].Since)) {
			out[i].Since = t
		}
		if l.AssignedByGroup == "" {
			out[i].Direct = true
		} else {
			out[i].Groups = append(out[i].Groups, l.AssignedByGroup)
		}
	}
	return out
}

func currentRun(ctx context.Context, r Reader, conn store.Connection) (store.SyncRun, error) {
	runs, err := r.Runs(ctx, conn, 50)
	if err != nil {
		return store.SyncRun{}, fmt.Errorf("analyse %s: read runs: %w", conn.Name, err)
	}
	for _, run := range runs {
		if run.Current {
			return run, nil
		}
	}
	return store.SyncRun{}, fmt.Errorf("analyse %s: no committed sync run: run `tenantscope sync`", conn.Name)
}
