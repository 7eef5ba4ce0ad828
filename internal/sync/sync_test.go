package sync

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/store"
)

// assertMatchesTenant compares every stored resource with the simulator's
// ground truth.
func assertMatchesTenant(t *testing.T, e *simEnv, o Options) {
	t.Helper()
	ctx := context.Background()
	c := e.conn(t)
	tn := e.tenant

	sameLines(t, "users", storedUsers(t, e.db, c), truthUsers(tn, o.Domains))
	g, m, ow := storedGroups(t, e.db, c)
	tg, tm, tow := truthGroups(tn, o.SkipOnPremGroups)
	sameLines(t, "groups", g, tg)
	sameLines(t, "group members", m, tm)
	sameLines(t, "group owners", ow, tow)

	// Seat counts are tenant-wide, whatever the domains filter.
	skus, err := e.db.SubscribedSKUs(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	var gotSKUs, wantSKUs []string
	for _, s := range skus {
		var plans []string
		for _, p := range s.ServicePlans {
			plans = append(plans, p.ServicePlanID)
		}
		sort.Strings(plans)
		gotSKUs = append(gotSKUs, fmt.Sprintf("%s|%s|%s|%d|%d|%d|%d|%s", s.SkuID, s.SkuPartNumber, s.CapabilityStatus, s.ConsumedUnits, s.Enabled, s.Suspended, s.Warning, strings.Join(plans, ",")))
	}
	var tskus []*graphsim.SubscribedSKU
	tn.Snapshot(func(t *graphsim.Tenant) { tskus = slices.Clone(t.SubscribedSKUs) })
	for _, s := range tskus {
		var plans []string
		for _, p := range s.ServicePlans {
			plans = append(plans, lower(p.ServicePlanID))
		}
		sort.Strings(plans)
		wantSKUs = append(wantSKUs, fmt.Sprintf("%s|%s|%s|%d|%d|%d|%d|%s", lower(s.SkuID), s.SkuPartNumber, s.CapabilityStatus, tn.ConsumedUnits(s.SkuID), s.Enabled, s.Suspended, s.Warning, strings.Join(plans, ",")))
	}
	sort.Strings(gotSKUs)
	sort.Strings(wantSKUs)
	sameLines(t, "subscribed SKUs", gotSKUs, wantSKUs)

	var want struct {
		sps, apps, creds, ara, grants, jobs, devices, roleDefs, roleAssign, elig, asched, subs, domains, idps int
		purposes                                                                                              map[string]string
		signIns                                                                                               int
	}
	want.purposes = map[string]string{}
	f := newDomainFilter(o.Domains)
	tn.Snapshot(func(t *graphsim.Tenant) {
		want.sps, want.apps = len(t.ServicePrincipals), len(t.Applications)
		for _, a := range t.Applications {
			want.creds += len(a.PasswordCredentials) + len(a.KeyCredentials)
		}
		want.ara, want.grants, want.jobs, want.devices = len(t.AppRoleAssignments), len(t.OAuth2PermissionGrant), len(t.SynchronizationJobs), len(t.ManagedDevices)
		want.roleDefs, want.roleAssign = len(t.RoleDefinitions), len(t.RoleAssignments)
		want.elig, want.asched = len(t.RoleEligibilities), len(t.RoleAssignmentScheds)
		want.subs, want.domains, want.idps = len(t.CompanySubscriptions), len(t.Domains), len(t.IdentityProviders)
		for _, u := range t.Users {
			if f.admits(u.UserPrincipalName) && u.MailboxPurpose != "" {
				want.purposes[u.ID] = u.MailboxPurpose
			}
			if f.admits(u.UserPrincipalName) {
				want.signIns++
			}
		}
	})
	count := func(what string, got, want int) {
		t.Helper()
		if got != want {
			t.Errorf("%s: stored %d, tenant has %d", what, got, want)
		}
	}
	sps, _ := e.db.ServicePrincipals(ctx, c)
	count("service principals", len(sps), want.sps)
	// Every app role of every service principal, exactly.
	var gotRoles, wantRoles []string
	roles, err := e.db.ServicePrincipalAppRoles(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		gotRoles = append(gotRoles, fmt.Sprintf("%s|%s|%s|%s|%s|%v", r.ServicePrincipalID, r.ID, r.Value, r.DisplayName, strings.Join(r.AllowedMemberTypes, ","), r.IsEnabled))
	}
	tn.Snapshot(func(t *graphsim.Tenant) {
		for _, sp := range t.ServicePrincipals {
			for _, r := range sp.AppRoles {
				types := slices.Clone(r.AllowedMemberTypes)
				sort.Strings(types)
				wantRoles = append(wantRoles, fmt.Sprintf("%s|%s|%s|%s|%s|%v", sp.ID, lower(r.ID), r.Value, r.DisplayName, strings.Join(types, ","), r.IsEnabled))
			}
		}
	})
	sort.Strings(gotRoles)
	sort.Strings(wantRoles)
	if len(wantRoles) == 0 {
		t.Error("the tenant's service principals define no app roles: the comparison tests nothing")
	}
	sameLines(t, "service principal app roles", gotRoles, wantRoles)
	apps, _ := e.db.Applications(ctx, c)
	count("applications", len(apps), want.apps)
	creds := 0
	for _, a := range apps {
		creds += len(a.Credentials)
	}
	count("application credentials", creds, want.creds)
	ara, _ := e.db.AppRoleAssignments(ctx, c)
	count("app role assignments", len(ara), want.ara)
	grants, _ := e.db.OAuth2PermissionGrants(ctx, c)
	count("oauth2 grants", len(grants), want.grants)
	jobs, _ := e.db.SynchronizationJobs(ctx, c)
	count("synchronization jobs", len(jobs), want.jobs)
	devs, _ := e.db.ManagedDevices(ctx, c)
	count("managed devices", len(devs), want.devices)
	subs, _ := e.db.CompanySubscriptions(ctx, c)
	count("company subscriptions", len(subs), want.subs)
	doms, _ := e.db.Domains(ctx, c)
	count("domains", len(doms), want.domains)
	idps, _ := e.db.IdentityProviders(ctx, c)
	count("identity providers", len(idps), want.idps)
	ras, _ := e.db.RoleAssignments(ctx, c)
	count("role assignments", len(ras), want.roleAssign)
	if !o.SkipUnusedRoles {
		rds, _ := e.db.RoleDefinitions(ctx, c)
		count("role definitions", len(rds), want.roleDefs)
	}
	if !o.SkipP2Features {
		el, _ := e.db.RoleSchedules(ctx, c, store.ScheduleEligibility)
		count("role eligibility schedules", len(el), want.elig)
		as, _ := e.db.RoleSchedules(ctx, c, store.ScheduleAssignment)
		count("role assignment schedules", len(as), want.asched)
	}
	if o.MailboxPurpose {
		mbs, _ := e.db.UserMailboxes(ctx, c)
		got := map[string]string{}
		for _, mb := range mbs {
			got[mb.UserID] = mb.Purpose
		}
		if len(got) != len(want.purposes) {
			t.Errorf("mailboxes: stored %d, tenant has %d", len(got), len(want.purposes))
		}
		for id, p := range want.purposes {
			if got[id] != p {
				t.Errorf("mailbox purpose of %s: stored %q, tenant %q", id, got[id], p)
				break
			}
		}
	}
	org, _ := e.db.Organization(ctx, c)
	if org == nil || org.ID != tn.ID || org.DisplayName != tn.DisplayName {
		t.Errorf("organization: %+v, tenant %s %s", org, tn.ID, tn.DisplayName)
	}
}

func TestFullSyncSmallMatchesTenant(t *testing.T) {
	e := newSimEnv(t, "small", 1, func(p *graphsim.Profile) { p.Tier = graphsim.TierP2 }, graphsim.Options{})
	o := e.options()
	o.MailboxPurpose = true
	res := e.sync(t, o)
	for _, r := range res.Resources {
		if r.Status != store.StatusOK {
			t.Errorf("resource %s: %s %s", r.Resource, r.Status, r.Message)
		}
	}
	assertMatchesTenant(t, e, o)
	// A second (delta) run over an unchanged tenant changes nothing.
	res2 := e.sync(t, o)
	if res2.Mode != store.ModeDelta {
		t.Fatalf("second run mode %s", res2.Mode)
	}
	assertMatchesTenant(t, e, o)
}

// TestTenantsSyncConcurrentlyIntoOneDatabase: two connections' runs share
// one database file at the same time (each holds the write lock only
// between its commits); both converge to their own tenant, twice over.
func TestTenantsSyncConcurrentlyIntoOneDatabase(t *testing.T) {
	a := newSimEnv(t, "medium", 21, func(p *graphsim.Profile) { p.Tier = graphsim.TierP2 }, graphsim.Options{})
	b := newSimEnv(t, "small", 22, nil, graphsim.Options{})
	b.db, b.dbPath, b.name = a.db, a.dbPath, "fabrikam"
	for round := range 2 {
		if round == 1 {
			a.tenant.Churn(0.05, 1)
			b.tenant.Churn(0.2, 2)
		}
		var wg gosync.WaitGroup
		errs := make([]error, 2)
		for i, e := range []*simEnv{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = Run(context.Background(), e.g, e.db, e.options())
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, tenant %d: %v", round, i, err)
			}
		}
		assertMatchesTenant(t, a, a.options())
		assertMatchesTenant(t, b, b.options())
	}
}

// startOrder records the order in which resources start. The first hold
// of them wait in Start until all hold have started, so none can finish
// and free its slot early: the first hold to start are exactly those the
// engine gave the first slots to.
type startOrder struct {
	mu      gosync.Mutex
	order   []string
	hold    int
	started chan struct{}
}

func newStartOrder(hold int) *startOrder {
	return &startOrder{hold: hold, started: make(chan struct{})}
}

func (s *startOrder) Start(resource string) {
	s.mu.Lock()
	s.order = append(s.order, resource)
	n := len(s.order)
	if n == s.hold {
		close(s.started)
	}
	s.mu.Unlock()
	if n <= s.hold {
		select {
		case <-s.started:
		case <-time.After(10 * time.Second):
			// The engine never filled its slots; the test fails on
			// the order it recorded.
		}
	}
}
func (s *startOrder) Add(string, int)                   {}
func (s *startOrder) Done(string, store.ResourceResult) {}

func (s *startOrder) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// With one slot, resources start in the engine's fixed order: the long
// ones (which bound a full run) first, then the registry's order, each
// after its dependencies. With as many slots as long resources, those take
// the first slots, whatever the goroutines' scheduling.
func TestResourcesStartLongestFirstInAFixedOrder(t *testing.T) {
	e := newSimEnv(t, "small", 2, nil, graphsim.Options{})
	// long: the long resources; readyLong: those of them a full run can
	// start at once (no dependencies, or dependencies only in delta runs).
	var long, readyLong, short []string
	for _, r := range resources() {
		switch {
		case !r.long:
			short = append(short, r.name)
		case len(r.deps) == 0 || r.deltaDeps:
			readyLong = append(readyLong, r.name)
			long = append(long, r.name)
		default:
			long = append(long, r.name)
		}
	}
	if len(readyLong) < 2 {
		t.Fatalf("long resources ready at once: %v", readyLong)
	}
	o := e.options()
	o.Concurrency = 1
	so := newStartOrder(1)
	o.Progress = so
	e.sync(t, o)
	if got, want := so.got(), append(slices.Clone(long), short...); !slices.Equal(got, want) {
		t.Errorf("full run, one slot: started\n%v\nwant\n%v", got, want)
	}

	for range 3 {
		o.Concurrency, o.Full = len(readyLong), true
		so = newStartOrder(len(readyLong))
		o.Progress = so
		e.sync(t, o)
		got := so.got()[:len(readyLong)]
		slices.Sort(got)
		want := slices.Sorted(slices.Values(readyLong))
		if !slices.Equal(got, want) {
			t.Errorf("full run, %d slots: the first to start were %v, want %v", len(readyLong), got, want)
		}
	}
}
