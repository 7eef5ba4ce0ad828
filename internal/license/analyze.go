package license

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Workload is a service whose per-user last activity the usage reports
// carry: the seven of seed 004 plus Microsoft 365 Apps.
type Workload int

const (
	Exchange Workload = iota
	OneDrive
	SharePoint
	Skype
	Yammer
	Teams
	Outlook
	M365Apps
	NumWorkloads
)

var workloadNames = [NumWorkloads]string{"Exchange", "OneDrive", "SharePoint", "Skype for Business", "Yammer", "Teams", "Outlook", "Microsoft 365 Apps"}

func (w Workload) String() string {
	if w < 0 || w >= NumWorkloads {
		return fmt.Sprintf("Workload(%d)", int(w))
	}
	return workloadNames[w]
}

// workloadCapability says which licence capability a workload's activity
// proves is in use.
var workloadCapability = [NumWorkloads]Capability{
	Exchange: CapExchange, OneDrive: CapOneDrive, SharePoint: CapSharePoint, Skype: CapSkype,
	Yammer: CapYammer, Teams: CapTeams, Outlook: CapExchange, M365Apps: CapWebApps,
}

// SKU is a subscribed SKU as the tenant reports it.
type SKU struct {
	SkuID            string
	SkuPartNumber    string
	DisplayName      string // friendly name from the catalogue; "" = use the part number
	CapabilityStatus string
	Enabled          int // prepaidUnits.enabled: purchased and active
	Suspended        int
	Warning          int
	Consumed         int // consumedUnits, tenant-wide
	ServicePlanNames []string
	AppliesTo        string // User | Company
}

// Name is what a person reads for the SKU.
func (s SKU) Name() string {
	if s.DisplayName != "" {
		return s.DisplayName
	}
	return s.SkuPartNumber
}

// Subscription is a commerce subscription behind a SKU (/directory/subscriptions).
type Subscription struct {
	SkuID         string
	Status        string
	IsTrial       bool
	TotalLicenses int
	NextLifecycle time.Time // renewal or expiry
}

// Assignment is one SKU held by a user: directly, through groups, or both.
type Assignment struct {
	SkuID         string
	Direct        bool
	Groups        []string // ids of the groups it is inherited from
	DisabledPlans []string // service plan ids
	// Since is the earliest last change of the SKU's assignment states
	// (licenseAssignmentStates lastUpdatedDateTime): the user has held the
	// licence at least since then. Zero = unknown.
	Since time.Time
}

// User is a person or mailbox as the analysis needs it.
type User struct {
	ID                string
	UserPrincipalName string
	DisplayName       string
	Department        string
	AccountEnabled    bool
	UserType          string // Member | Guest
	Created           time.Time
	MailboxPurpose    string // user, shared, room, equipment, ... ; "" = unknown or none
	Licenses          []Assignment

	// Sign-in activity (Entra ID P1 and AuditLog.Read.All); zero = never.
	LastSuccessfulSignIn time.Time
	LastSignIn           time.Time
	LastNonInteractive   time.Time

	// Usage reports; zero = no activity recorded.
	LastActivity [NumWorkloads]time.Time
	// InReports is true when the user appears in at least one usage report.
	InReports bool
	// DesktopApps / WebOrMobileApps: Microsoft 365 Apps platforms used.
	DesktopApps     bool
	WebOrMobileApps bool
	// MailboxBytes is the mailbox's storage use when MailboxKnown.
	MailboxBytes int64
	MailboxKnown bool
	// Email and Teams are the user's rows of the e-mail and Teams activity
	// reports (nil: the report does not list the user); Activations are
	// the Office products the user activated.
	Email       *EmailCounts
	Teams       *TeamsCounts
	Activations []Activation
	// Copilot is the user's row of the Copilot usage report (nil: not
	// listed, or the report was not read).
	Copilot *CopilotUse
}

// Input is everything the analysis reads. The caller (the store) fills it;
// the analysis itself does no I/O.
type Input struct {
	Now          time.Time
	InactiveDays int // default 90
	// RenewalWindowDays: subscriptions renewing within it are flagged when
	// they carry unused seats (default 60).
	RenewalWindowDays int

	SKUs          []SKU
	Subscriptions []Subscription
	Users         []User
	Pricing       *Pricing
	Rules         []DowngradeRule // nil = DefaultDowngradeRules

	// SignInKnown: the tenant has Entra ID P1 and the app may read
	// signInActivity. Without it, sign-in cannot prove inactivity.
	SignInKnown bool
	// ActivityKnown: usage reports were read and are not concealed.
	ActivityKnown bool
	// CopilotKnown: the Copilot usage report was read too (it is beta and
	// global-only). Without it, Copilot seats of active users are not
	// judged.
	CopilotKnown bool
	// ReportRefreshDate of the usage reports (zero when not read).
	ReportRefreshDate time.Time
	// ReportPeriodDays is the period the e-mail and Teams counts cover (0
	// when unknown).
	ReportPeriodDays int
}

// Verdict is the activity verdict on a licensed user.
type Verdict string

const (
	Active   Verdict = "active"
	Inactive Verdict = "inactive"
	Unknown  Verdict = "unknown"
	// Excluded: shared, room and equipment mailboxes, which nobody signs in
	// to; never counted as inactive.
	Excluded Verdict = "excluded"
)

// UserVerdict is the activity verdict on one licensed user, with evidence.
type UserVerdict struct {
	UserID            string
	UserPrincipalName string
	Verdict           Verdict
	LastActivity      time.Time // latest of any workload and successful sign-in
	Reason            string
}

// FindingKind names a kind of waste or risk.
type FindingKind string

const (
	FindInactiveUser     FindingKind = "inactive-licensed-user"
	FindDisabledLicensed FindingKind = "disabled-licensed-user"
	FindLicensedGuest    FindingKind = "licensed-guest"
	FindNeverUsed        FindingKind = "assigned-never-used"
	FindOverlap          FindingKind = "overlapping-licenses"
	FindDirectAndGroup   FindingKind = "direct-and-group-assignment"
	FindUnusedAddOn      FindingKind = "unused-add-on"
	FindLicensedMailbox  FindingKind = "licensed-shared-mailbox"
	FindDowngrade        FindingKind = "downgrade-candidate"
	FindUnassignedSeats  FindingKind = "unassigned-seats"
	FindRenewalUnused    FindingKind = "renewal-with-unused-seats"
)

// Finding is one piece of waste or risk with its evidence and what fixing it
// saves per year (zero when it saves nothing by itself or the price is
// unknown).
type Finding struct {
	Kind              FindingKind
	UserID            string
	UserPrincipalName string
	SkuID             string
	SkuPartNumber     string
	Seats             int
	Evidence          string
	Action            string
	AnnualSavings     Money
	Currency          string
	PriceIsDefault    bool
}

// SKUSummary is the licence information of one SKU.
type SKUSummary struct {
	SKU
	Available      int // enabled - consumed, not below zero
	AssignedDirect int // users holding it directly
	AssignedGroup  int // users holding it through a group
	ViaGroups      []string
	ActiveUsers    int
	InactiveUsers  int
	UnknownUsers   int
	Price          Price
	PriceKnown     bool
	AnnualSpend    Money // enabled units × annual price
	UnassignedCost Money // available seats × annual price
	InactiveCost   Money // inactive holders × annual price
	// AnnualSavings is what the findings on this SKU save, each seat once.
	AnnualSavings Money
	Renewal       time.Time
}

// Analysis is the result: per-SKU information, per-user verdicts, findings
// and totals by currency.
type Analysis struct {
	GeneratedAt time.Time
	SKUs        []SKUSummary
	Verdicts    []UserVerdict
	Findings    []Finding
	// Totals by currency code.
	AnnualSpend    map[string]Money
	UnassignedCost map[string]Money
	InactiveCost   map[string]Money
	Savings        map[string]Money
	Warnings       []string
}

// Analyze computes licence information, verdicts and findings. It is a pure
// function of its input.
func Analyze(in Input) (*Analysis, error) {
	if in.Now.IsZero() {
		return nil, fmt.Errorf("analyze licences: Now is required")
	}
	if in.InactiveDays <= 0 {
		in.InactiveDays = 90
	}
	if in.RenewalWindowDays <= 0 {
		in.RenewalWindowDays = 60
	}
	if in.Pricing == nil {
		p, err := NewPricing(nil, nil)
		if err != nil {
			return nil, err
		}
		in.Pricing = p
	}
	rules := in.Rules
	if rules == nil {
		rules = DefaultDowngradeRules
	}
	a := &Analysis{
		GeneratedAt:    in.Now,
		AnnualSpend:    map[string]Money{},
		UnassignedCost: map[string]Money{},
		InactiveCost:   map[string]Money{},
		Savings:        map[string]Money{},
	}
	if !in.SignInKnown {
		a.Warnings = append(a.Warnings, "sign-in activity is not available (needs Entra ID P1 and AuditLog.Read.All): users without report activity are \"unknown\", not inactive")
	}
	if !in.ActivityKnown {
		a.Warnings = append(a.Warnings, "usage report activity is not available (reports not read, or names concealed): activity verdicts rest on sign-ins alone and never-used licences are not judged")
	}

	skus := map[string]*SKUSummary{}
	caps := map[string]map[Capability]bool{}
	byPart := map[string]*SKUSummary{}
	copilotSKUs := false
	for _, s := range in.SKUs {
		sum := &SKUSummary{SKU: s}
		sum.Available = max(s.Enabled-s.Consumed, 0)
		sum.Price, sum.PriceKnown = in.Pricing.Price(s.SkuPartNumber)
		if sum.PriceKnown {
			sum.Renewal = sum.Price.Renewal
		}
		skus[s.SkuID] = sum
		byPart[strings.ToUpper(s.SkuPartNumber)] = sum
		caps[s.SkuID] = CapabilitiesOf(s.ServicePlanNames, nil)
		if caps[s.SkuID][CapCopilot] && s.Consumed > 0 {
			copilotSKUs = true
		}
	}
	if copilotSKUs && in.ActivityKnown && !in.CopilotKnown {
		a.Warnings = append(a.Warnings, "Microsoft 365 Copilot usage is not available (its report is beta and global-cloud only, or was not read): "+
			"Copilot seats of active users are unknown, not unused")
	}
	// The renewal date is the entered term's expiration when there is one
	// (the contract the asset manager knows), else the earliest lifecycle
	// date of the SKU's commerce subscriptions.
	for _, sub := range in.Subscriptions {
		sum := skus[sub.SkuID]
		if sum == nil || sub.NextLifecycle.IsZero() || (sum.PriceKnown && !sum.Price.Renewal.IsZero()) {
			continue
		}
		if sum.Renewal.IsZero() || sub.NextLifecycle.Before(sum.Renewal) {
			sum.Renewal = sub.NextLifecycle
		}
	}

	cutoff := in.Now.AddDate(0, 0, -in.InactiveDays)
	groupSets := map[string]map[string]bool{}
	for i := range in.Users {
		u := &in.Users[i]
		if len(u.Licenses) == 0 {
			continue
		}
		v := verdictFor(u, in, cutoff, heldCapabilities(u, caps))
		// Verdicts are about paid licences: a user who holds only free or
		// trial SKUs (Power Automate Free ...) wastes nothing, so is not
		// listed, though the free SKU's own counts still include them.
		paid := false
		for _, l := range u.Licenses {
			if sum := skus[l.SkuID]; sum != nil && !IsFreeOrTrial(sum.SkuPartNumber, sum.DisplayName) {
				paid = true
			}
		}
		if paid {
			a.Verdicts = append(a.Verdicts, v)
		}
		for _, l := range u.Licenses {
			sum := skus[l.SkuID]
			if sum == nil {
				a.Warnings = appendOnce(a.Warnings, fmt.Sprintf("user %s holds SKU %s, which the tenant does not list as subscribed", u.UserPrincipalName, l.SkuID))
				continue
			}
			if l.Direct {
				sum.AssignedDirect++
			}
			if len(l.Groups) > 0 {
				sum.AssignedGroup++
				if groupSets[l.SkuID] == nil {
					groupSets[l.SkuID] = map[string]bool{}
				}
				for _, g := range l.Groups {
					groupSets[l.SkuID][g] = true
				}
			}
			switch v.Verdict {
			case Active:
				sum.ActiveUsers++
			case Inactive:
				sum.InactiveUsers++
			case Unknown:
				sum.UnknownUsers++
			}
		}
		a.Findings = append(a.Findings, userFindings(u, v, in, skus, caps, byPart, rules, cutoff)...)
	}

	for _, s := range in.SKUs {
		sum := skus[s.SkuID]
		for g := range groupSets[s.SkuID] {
			sum.ViaGroups = append(sum.ViaGroups, g)
		}
		sort.Strings(sum.ViaGroups)
		if sum.PriceKnown {
			sum.AnnualSpend = sum.Price.AnnualPerUnit.Mul(int64(s.Enabled))
			sum.UnassignedCost = sum.Price.AnnualPerUnit.Mul(int64(sum.Available))
			sum.InactiveCost = sum.Price.AnnualPerUnit.Mul(int64(sum.InactiveUsers))
			cur := sum.Price.Currency
			a.AnnualSpend[cur] = a.AnnualSpend[cur].Add(sum.AnnualSpend)
			a.UnassignedCost[cur] = a.UnassignedCost[cur].Add(sum.UnassignedCost)
			a.InactiveCost[cur] = a.InactiveCost[cur].Add(sum.InactiveCost)
		}
		if sum.Available > 0 && s.AppliesTo != "Company" && s.CapabilityStatus != "Suspended" && s.CapabilityStatus != "Deleted" &&
			!IsFreeOrTrial(s.SkuPartNumber, s.DisplayName) {
			f := Finding{
				Kind: FindUnassignedSeats, SkuID: s.SkuID, SkuPartNumber: s.SkuPartNumber, Seats: sum.Available,
				Evidence: fmt.Sprintf("%d of %d purchased seats of %s are not assigned", sum.Available, s.Enabled, s.Name()),
				Action:   "reduce the seat count at the next true-up, or assign the seats",
			}
			priced(&f, sum, sum.Available)
			a.Findings = append(a.Findings, f)
			if !sum.Renewal.IsZero() && !sum.Renewal.Before(in.Now) && sum.Renewal.Before(in.Now.AddDate(0, 0, in.RenewalWindowDays+1)) {
				r := f
				r.Kind = FindRenewalUnused
				r.Evidence = fmt.Sprintf("%s renews on %s (in %d days) with %d unassigned seats", s.Name(), sum.Renewal.Format("2006-01-02"), int(sum.Renewal.Sub(in.Now).Hours()/24), sum.Available)
				r.Action = "lower the quantity before the renewal date"
				a.Findings = append(a.Findings, r)
			}
		}
		a.SKUs = append(a.SKUs, *sum)
	}
	// Savings: one seat is saved once, however many findings point at it (an
	// inactive user's E3 may also overlap their E5): count the largest
	// saving per user and SKU, and per SKU for unassigned seats.
	best := map[string]Finding{}
	for _, f := range a.Findings {
		if f.AnnualSavings.Sign() <= 0 || f.Kind == FindRenewalUnused {
			continue // renewal findings are the same seats as unassigned ones
		}
		key := f.UserID + "|" + f.SkuID
		if b, ok := best[key]; !ok || f.AnnualSavings.Cmp(b.AnnualSavings) > 0 {
			best[key] = f
		}
	}
	bySKU := map[string]Money{}
	for _, f := range best {
		a.Savings[f.Currency] = a.Savings[f.Currency].Add(f.AnnualSavings)
		bySKU[f.SkuID] = bySKU[f.SkuID].Add(f.AnnualSavings)
	}
	for i := range a.SKUs {
		a.SKUs[i].AnnualSavings = bySKU[a.SKUs[i].SkuID]
	}
	slices.SortStableFunc(a.SKUs, func(x, y SKUSummary) int { return strings.Compare(x.SkuPartNumber, y.SkuPartNumber) })
	// A total order (ties broken by user id and evidence), so the unstable
	// sort, which moves far fewer of these large structs, is deterministic.
	slices.SortFunc(a.Findings, func(x, y Finding) int {
		for _, c := range [...]int{
			strings.Compare(string(x.Kind), string(y.Kind)),
			strings.Compare(x.UserPrincipalName, y.UserPrincipalName),
			strings.Compare(x.SkuPartNumber, y.SkuPartNumber),
			strings.Compare(x.UserID, y.UserID),
			strings.Compare(x.Evidence, y.Evidence),
		} {
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return a, nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// priced fills a finding's savings from seats × the SKU's annual price.
func priced(f *Finding, sum *SKUSummary, seats int) {
	if !sum.PriceKnown {
		return
	}
	f.AnnualSavings = sum.Price.AnnualPerUnit.Mul(int64(seats))
	f.Currency = sum.Price.Currency
	f.PriceIsDefault = sum.Price.Default
}

// nonPersonMailbox reports the mailbox purposes nobody signs in to.
func nonPersonMailbox(purpose string) bool {
	switch strings.ToLower(purpose) {
	case "shared", "room", "equipment":
		return true
	}
	return false
}

// lastUse is the latest report activity of any workload.
func lastUse(u *User) (time.Time, Workload) {
	var last time.Time
	w := Workload(-1)
	for i, t := range u.LastActivity {
		if t.After(last) {
			last, w = t, Workload(i)
		}
	}
	return last, w
}

// verdictFor decides whether a licensed user is active. A user is inactive
// only when every source that could show use is known and silent for the
// window; any recent use makes them active; otherwise the verdict is
// unknown, never a guess.
//
// held are the capabilities of the user's licences: the evidence of an
// inactive verdict names the counts of the workloads they pay for.
func verdictFor(u *User, in Input, cutoff time.Time, held map[Capability]bool) UserVerdict {
	v := UserVerdict{UserID: u.ID, UserPrincipalName: u.UserPrincipalName}
	if nonPersonMailbox(u.MailboxPurpose) {
		v.Verdict = Excluded
		v.Reason = u.MailboxPurpose + " mailbox: nobody signs in to it"
		return v
	}
	use, w := time.Time{}, Workload(-1)
	if in.ActivityKnown {
		use, w = lastUse(u)
	}
	sign := time.Time{}
	if in.SignInKnown {
		sign = u.LastSuccessfulSignIn
	}
	v.LastActivity = use
	if sign.After(v.LastActivity) {
		v.LastActivity = sign
	}
	switch {
	case in.ActivityKnown && use.After(cutoff):
		v.Verdict = Active
		v.Reason = fmt.Sprintf("%s activity on %s", w, use.Format("2006-01-02"))
	case in.SignInKnown && sign.After(cutoff):
		v.Verdict = Active
		v.Reason = "successful sign-in on " + sign.Format("2006-01-02")
	case !u.Created.IsZero() && u.Created.After(cutoff):
		v.Verdict = Active
		v.Reason = fmt.Sprintf("account created %s, less than %d days ago", u.Created.Format("2006-01-02"), in.InactiveDays)
	case !in.ActivityKnown || !in.SignInKnown:
		v.Verdict = Unknown
		missing := "usage reports"
		if in.ActivityKnown {
			missing = "sign-in activity"
		}
		v.Reason = fmt.Sprintf("no use seen in the last %d days, but %s are not available", in.InactiveDays, missing)
	default:
		v.Verdict = Inactive
		if v.LastActivity.IsZero() {
			v.Reason = "no recorded activity in any service and no successful sign-in"
		} else {
			v.Reason = fmt.Sprintf("no activity in any service and no successful sign-in since %s (%d days)", v.LastActivity.Format("2006-01-02"), int(in.Now.Sub(v.LastActivity).Hours()/24))
		}
		if c := countsEvidence(u, in, held); c != "" {
			v.Reason += "; " + c
		}
	}
	return v
}

func userFindings(u *User, v UserVerdict, in Input, skus map[string]*SKUSummary, caps map[string]map[Capability]bool, byPart map[string]*SKUSummary, rules []DowngradeRule, cutoff time.Time) []Finding {
	var out []Finding
	base := Finding{UserID: u.ID, UserPrincipalName: u.UserPrincipalName}
	each := func(kind FindingKind, evidence, action string) {
		for _, l := range u.Licenses {
			sum := skus[l.SkuID]
			if sum == nil || IsFreeOrTrial(sum.SkuPartNumber, sum.DisplayName) {
				continue // reclaiming a free licence saves nothing
			}
			f := base
			f.Kind, f.SkuID, f.SkuPartNumber, f.Seats = kind, l.SkuID, sum.SkuPartNumber, 1
			f.Evidence, f.Action = evidence, action
			priced(&f, sum, 1)
			out = append(out, f)
		}
	}
	switch {
	case nonPersonMailbox(u.MailboxPurpose):
		each(FindLicensedMailbox, fmt.Sprintf("%s mailbox holds a licence", u.MailboxPurpose),
			"remove the licence unless the mailbox needs more than 50 GB, an archive or a hold")
	case !u.AccountEnabled:
		each(FindDisabledLicensed, "account is disabled (sign-in blocked) but still holds the licence",
			"reclaim the licence")
	case v.Verdict == Inactive:
		each(FindInactiveUser, v.Reason, "reclaim the licence or confirm the user still needs it")
	}
	if strings.EqualFold(u.UserType, "Guest") {
		for _, l := range u.Licenses {
			sum := skus[l.SkuID]
			if sum == nil {
				continue
			}
			f := base
			f.Kind, f.SkuID, f.SkuPartNumber, f.Seats = FindLicensedGuest, l.SkuID, sum.SkuPartNumber, 1
			f.Evidence = "guest account holds a paid licence"
			f.Action = "confirm the guest needs it; guests are usually covered by the host tenant's licences"
			out = append(out, f)
		}
	}
	active := u.AccountEnabled && v.Verdict == Active && !nonPersonMailbox(u.MailboxPurpose)

	// Overlap: a SKU whose capabilities another held SKU fully covers.
	for i, la := range u.Licenses {
		sa := skus[la.SkuID]
		if sa == nil {
			continue
		}
		if la.Direct && len(la.Groups) > 0 {
			f := base
			f.Kind, f.SkuID, f.SkuPartNumber, f.Seats = FindDirectAndGroup, la.SkuID, sa.SkuPartNumber, 0
			f.Evidence = fmt.Sprintf("%s is assigned directly and through %d group(s)", sa.Name(), len(la.Groups))
			f.Action = "remove the direct assignment; the group keeps the licence"
			out = append(out, f)
		}
		ca := caps[la.SkuID]
		if len(ca) == 0 {
			continue
		}
		for j, lb := range u.Licenses {
			if i == j {
				continue
			}
			sb := skus[lb.SkuID]
			if sb == nil {
				continue
			}
			cb := caps[lb.SkuID]
			if !subset(ca, cb) {
				continue
			}
			// When both cover each other, report only the lexically later
			// one so a pair yields one finding.
			if subset(cb, ca) && sa.SkuPartNumber < sb.SkuPartNumber {
				continue
			}
			f := base
			f.Kind, f.SkuID, f.SkuPartNumber, f.Seats = FindOverlap, la.SkuID, sa.SkuPartNumber, 1
			f.Evidence = fmt.Sprintf("everything %s provides is also in %s, which the user holds", sa.Name(), sb.Name())
			f.Action = "remove " + sa.Name()
			priced(&f, sa, 1)
			out = append(out, f)
			break
		}
	}

	// Never used: an active user holding a SKU none of whose observable
	// workloads they have ever used.
	if in.ActivityKnown && u.InReports && active {
		used := usedCapabilities(u, time.Time{})
		for _, l := range u.Licenses {
			sum := skus[l.SkuID]
			if sum == nil {
				continue
			}
			observableCaps := 0
			touched := false
			for c := range caps[l.SkuID] {
				if observable[c] {
					observableCaps++
					if used[c] {
						touched = true
					}
				}
			}
			if observableCaps == 0 || touched {
				continue
			}
			f := base
			f.Kind, f.SkuID, f.SkuPartNumber, f.Seats = FindNeverUsed, l.SkuID, sum.SkuPartNumber, 1
			f.Evidence = fmt.Sprintf("no recorded use of any workload %s provides", sum.Name())
			if c := countsEvidence(u, in, caps[l.SkuID]); c != "" {
				f.Evidence += "; " + c
			}
			f.Action = "reclaim the licence"
			priced(&f, sum, 1)
			out = append(out, f)
		}
	}

	// Add-ons on people who do not use the tenant at all.
	if !active && !nonPersonMailbox(u.MailboxPurpose) && (v.Verdict == Inactive || !u.AccountEnabled) {
		for _, l := range u.Licenses {
			sum := skus[l.SkuID]
			if sum == nil || !isAddOn(caps[l.SkuID]) {
				continue
			}
			f := base
			f.Kind, f.SkuID, f.SkuPartNumber, f.Seats = FindUnusedAddOn, l.SkuID, sum.SkuPartNumber, 1
			state := "disabled"
			if u.AccountEnabled {
				state = "inactive"
			}
			f.Evidence = fmt.Sprintf("add-on %s is held by a user who is %s", sum.Name(), state)
			f.Action = "reclaim the add-on first; it is the most expensive seat per use"
			out = append(out, f) // savings already counted by the reclaim finding
		}
	}

	// Copilot seats of active users who do not use Copilot.
	if active {
		for _, l := range u.Licenses {
			sum := skus[l.SkuID]
			if sum == nil || !caps[l.SkuID][CapCopilot] || !isAddOn(caps[l.SkuID]) {
				continue
			}
			if f, ok := copilotSeatFinding(u, v, in, l, sum, cutoff); ok {
				out = append(out, f)
			}
		}
	}

	// Downgrades, only for active users with report data.
	if in.ActivityKnown && u.InReports && active {
		used := usedCapabilities(u, cutoff)
		for _, r := range rules {
			from, to := byPart[strings.ToUpper(r.From)], byPart[strings.ToUpper(r.To)]
			if from == nil || to == nil {
				continue
			}
			if !holds(u, from.SkuID) || holds(u, to.SkuID) {
				continue
			}
			if r.NoDesktop && (u.DesktopApps || !u.WebOrMobileApps) {
				continue
			}
			if r.MaxMailboxBytes > 0 && (!u.MailboxKnown || u.MailboxBytes >= r.MaxMailboxBytes) {
				continue
			}
			target := caps[to.SkuID]
			fits := true
			for c := range used {
				if !target[c] && !(c == CapDesktopApps && r.NoDesktop) {
					fits = false
				}
			}
			if !fits {
				continue
			}
			lost := []string{}
			for c := range caps[from.SkuID] {
				if !target[c] && !observable[c] {
					lost = append(lost, string(c))
				}
			}
			sort.Strings(lost)
			f := base
			f.Kind, f.SkuID, f.SkuPartNumber, f.Seats = FindDowngrade, from.SkuID, from.SkuPartNumber, 1
			f.Evidence = r.Why
			if r.NoDesktop && in.ActivityKnown {
				// The apps report shows no desktop use in its period; the
				// activations report says whether desktop installs exist
				// that the switch would leave unlicensed.
				if n, _ := u.DesktopActivations(); n == 0 {
					f.Evidence += "; no Office desktop activation on Windows or Mac"
				} else {
					f.Evidence += fmt.Sprintf("; %s but its desktop apps were not used in the %s: they stop working after the switch",
						activationText(u), periodText(in))
				}
			}
			if len(lost) > 0 {
				f.Evidence += "; not observable in reports, confirm before switching: " + strings.Join(lost, ", ")
			}
			f.Action = fmt.Sprintf("switch from %s to %s", from.Name(), to.Name())
			if from.PriceKnown && to.PriceKnown && from.Price.Currency == to.Price.Currency {
				d := from.Price.AnnualPerUnit.Sub(to.Price.AnnualPerUnit)
				if d.Sign() > 0 {
					f.AnnualSavings, f.Currency = d, from.Price.Currency
					f.PriceIsDefault = from.Price.Default || to.Price.Default
				}
			}
			out = append(out, f)
			break
		}
	}
	return out
}

func holds(u *User, skuID string) bool {
	for _, l := range u.Licenses {
		if l.SkuID == skuID {
			return true
		}
	}
	return false
}

func isAddOn(c map[Capability]bool) bool {
	if c[CapExchange] || c[CapSharePoint] || c[CapTeams] {
		return false // a suite, not an add-on
	}
	for _, a := range AddOnCapabilities {
		if c[a] {
			return true
		}
	}
	return false
}

// usedCapabilities are the capabilities a user's report activity shows in
// use after since (zero = ever).
func usedCapabilities(u *User, since time.Time) map[Capability]bool {
	used := map[Capability]bool{}
	for i, t := range u.LastActivity {
		if !t.IsZero() && t.After(since) {
			used[workloadCapability[i]] = true
		}
	}
	if u.DesktopApps {
		used[CapDesktopApps] = true
	}
	return used
}
