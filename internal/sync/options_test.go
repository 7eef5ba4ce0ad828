package sync

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/store"
)

func allPermsExcept(except ...string) []string {
	var out []string
	for _, r := range graphsim.GraphAppRoles() {
		skip := false
		for _, e := range except {
			if r.Value == e {
				skip = true
			}
		}
		if !skip {
			out = append(out, r.Value)
		}
	}
	return out
}

func TestMissingPermissionsTurnResourcesOffWithWarnings(t *testing.T) {
	e := newSimEnv(t, "small", 2, func(p *graphsim.Profile) {
		p.Tier = graphsim.TierP2
		p.Granted = allPermsExcept("AuditLog.Read.All", "Synchronization.Read.All", "MailboxSettings.Read", "MailboxSettings.ReadWrite", "DeviceManagementManagedDevices.Read.All")
	}, graphsim.Options{})
	o := e.options()
	o.MailboxPurpose = true
	res := e.sync(t, o)
	st := resourceStatus(res)
	for _, r := range []string{"signIns", "syncJobs", "mailboxes", "managedDevices"} {
		if st[r] != store.StatusOff {
			t.Errorf("%s: status %q, want off", r, st[r])
		}
	}
	for _, r := range []string{"users", "groups", "groupOwners", "subscribedSkus", "servicePrincipals", "appRoleAssignments", "roleEligibility"} {
		if st[r] != store.StatusOK {
			t.Errorf("%s: status %q, want ok", r, st[r])
		}
	}
	ws := strings.Join(res.Warnings(), "\n")
	for _, want := range []string{"signIns: turned off: missing permission", "AuditLog.Read.All", "syncJobs: turned off", "Synchronization.Read.All", "mailboxes: turned off", "managedDevices: turned off"} {
		if !strings.Contains(ws, want) {
			t.Errorf("warnings lack %q:\n%s", want, ws)
		}
	}
	// The run succeeded and recorded the warnings.
	runs, err := e.db.Runs(context.Background(), e.conn(t), 1)
	if err != nil || len(runs) != 1 || runs[0].Status != "succeeded" || len(runs[0].Messages) != 4 {
		t.Fatalf("run record: %+v %v", runs, err)
	}
	devs, _ := e.db.ManagedDevices(context.Background(), e.conn(t))
	if len(devs) != 0 {
		t.Errorf("managed devices stored without permission: %d", len(devs))
	}
}

func TestFreeTenantTurnsOffPremiumResources(t *testing.T) {
	e := newSimEnv(t, "small", 3, func(p *graphsim.Profile) { p.Tier = graphsim.TierFree }, graphsim.Options{})
	res := e.sync(t, e.options())
	st := resourceStatus(res)
	if st["signIns"] != store.StatusOff || st["roleEligibility"] != store.StatusOff || st["roleAssignmentSchedules"] != store.StatusOff {
		t.Fatalf("statuses %v", st)
	}
	ws := strings.Join(res.Warnings(), "\n")
	if !strings.Contains(ws, "signIns: turned off: the tenant lacks Microsoft Entra ID P1 or P2") ||
		!strings.Contains(ws, "roleEligibility: turned off: the tenant lacks Microsoft Entra ID P2") {
		t.Fatalf("warnings:\n%s", ws)
	}
}

func TestOptionsChangeTheResult(t *testing.T) {
	e := newSimEnv(t, "small", 4, func(p *graphsim.Profile) { p.Tier = graphsim.TierP2 }, graphsim.Options{})
	ctx := context.Background()
	base := e.options()
	e.sync(t, base)
	c := e.conn(t)
	allRoles, _ := e.db.RoleDefinitions(ctx, c)
	allGroups, _ := e.db.Groups(ctx, c, store.GroupQuery{})
	el, _ := e.db.RoleSchedules(ctx, c, store.ScheduleEligibility)
	if len(el) == 0 {
		t.Fatal("p2 tenant has no eligibility schedules to skip")
	}

	o := base
	o.SkipOnPremGroups, o.SkipUnusedRoles, o.SkipP2Features = true, true, true
	o.Domains = []string{e.tenant.InitialDomain}
	res := e.sync(t, o)
	st := resourceStatus(res)
	if st["roleEligibility"] != store.StatusSkipped || st["mailboxes"] != store.StatusSkipped {
		t.Fatalf("statuses %v", st)
	}
	assertMatchesTenant(t, e, o)
	// A full run lists the groups for their owners itself: the same copy.
	full := o
	full.Full = true
	e.sync(t, full)
	assertMatchesTenant(t, e, full)

	// On-premises groups are gone, and only those.
	onPrem := 0
	for _, g := range allGroups {
		if g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled {
			onPrem++
		}
	}
	gs, _ := e.db.Groups(ctx, c, store.GroupQuery{})
	if onPrem == 0 || len(gs) != len(allGroups)-onPrem {
		t.Errorf("groups: %d of %d kept with %d on-premises", len(gs), len(allGroups), onPrem)
	}
	// Only assigned roles remain.
	used := map[string]bool{}
	e.tenant.Snapshot(func(t *graphsim.Tenant) {
		for _, a := range t.RoleAssignments {
			used[strings.ToLower(a.RoleDefinitionID)] = true
		}
	})
	rds, _ := e.db.RoleDefinitions(ctx, c)
	if len(rds) != len(used) || len(rds) >= len(allRoles) {
		t.Errorf("role definitions: %d kept of %d, %d in use", len(rds), len(allRoles), len(used))
	}
	for _, r := range rds {
		if !used[strings.ToLower(r.ID)] {
			t.Errorf("unused role %s kept", r.DisplayName)
		}
	}
	// PIM rows are closed, not left stale.
	el, _ = e.db.RoleSchedules(ctx, c, store.ScheduleEligibility)
	if len(el) != 0 {
		t.Errorf("%d eligibility schedules left with skip_p2_features", len(el))
	}
	// SKU totals stay tenant-wide under the domain filter (assertMatchesTenant
	// compared consumed units with the tenant's).
	us, _ := e.db.Users(ctx, c, store.UserQuery{})
	for _, u := range us {
		if !strings.HasSuffix(strings.ToLower(u.UserPrincipalName), "@"+strings.ToLower(e.tenant.InitialDomain)) {
			t.Fatalf("user %s outside the domain filter", u.UserPrincipalName)
		}
	}
}

func TestOnlySelectsResourcesAndKeepsTheRest(t *testing.T) {
	e := newSimEnv(t, "small", 5, nil, graphsim.Options{})
	e.sync(t, e.options())
	o := e.options()
	o.Only = []string{"licenses"}
	res := e.sync(t, o)
	var names []string
	for _, r := range res.Resources {
		names = append(names, r.Resource)
	}
	if strings.Join(names, ",") != "subscribedSkus,subscriptions" {
		t.Fatalf("--only licenses ran %v", names)
	}
	// Users were not selected: the previous copy stays current.
	sameLines(t, "users", storedUsers(t, e.db, e.conn(t)), truthUsers(e.tenant, nil))
	if _, err := Run(context.Background(), e.g, e.db, Options{Connection: "contoso", Only: []string{"nosuch"}}); err == nil ||
		!strings.Contains(err.Error(), `unknown resource "nosuch"`) {
		t.Fatalf("unknown resource: %v", err)
	}
}
