package msgraph

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tenantscope/tenantscope/graphsim"
)

// TestSimDirectoryEndpointsEqualTenant reads every other resource the sync
// needs from graphsim and compares with the tenant.
func TestSimDirectoryEndpointsEqualTenant(t *testing.T) {
	env := newSimEnv(t, graphsim.Options{PageSizeCap: 9}, "small")
	ctx := context.Background()
	var tn *graphsim.Tenant
	env.tn.Snapshot(func(t *graphsim.Tenant) { tn = t })
	check := func(what string, got, want int) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: got %d, want %d", what, got, want)
		}
	}

	domains, err := env.c.Domains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("domains", len(domains), len(tn.Domains))
	for i, d := range domains {
		w := tn.Domains[i]
		if d.ID != w.ID || d.IsDefault != w.IsDefault || d.IsInitial != w.IsInitial || d.AuthenticationType != w.AuthenticationType {
			t.Fatalf("domain %d = %+v, want %+v", i, d, w)
		}
	}
	idps, err := env.c.IdentityProviders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("identity providers", len(idps), len(tn.IdentityProviders))

	subs, err := env.c.CompanySubscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("company subscriptions", len(subs), len(tn.CompanySubscriptions))
	for i, s := range subs {
		w := tn.CompanySubscriptions[i]
		if s.SkuID != w.SkuID || s.TotalLicenses != w.TotalLicenses || s.IsTrial != w.IsTrial || s.Status != w.Status ||
			s.NextLifecycleDateTime == nil || !s.NextLifecycleDateTime.Equal(w.NextLifecycleDateTime) {
			t.Fatalf("subscription %d = %+v, want %+v", i, s, w)
		}
	}

	sps, err := collect(env.c.ServicePrincipals(ctx, ListOptions{Select: []string{"id", "appId", "displayName", "servicePrincipalType", "accountEnabled", "appOwnerOrganizationId", "tags"}}))
	if err != nil {
		t.Fatal(err)
	}
	check("service principals", len(sps), len(tn.ServicePrincipals))
	for i, sp := range sps {
		w := tn.ServicePrincipals[i]
		if sp.ID != w.ID || sp.AppID != w.AppID || sp.ServicePrincipalType != w.ServicePrincipalType || *sp.AccountEnabled != w.AccountEnabled {
			t.Fatalf("service principal %d = %+v, want %+v", i, sp, w)
		}
	}

	// App role assignments per service principal, through $batch.
	var reqs []BatchRequest
	for _, sp := range tn.ServicePrincipals {
		reqs = append(reqs, BatchRequest{ID: sp.ID, Method: http.MethodGet, URL: AppRoleAssignedToURL(sp.ID, nil)})
	}
	assigned := 0
	err = env.c.CollectBatched(ctx, reqs, func(id string, item json.RawMessage) error {
		var a AppRoleAssignment
		if err := json.Unmarshal(item, &a); err != nil {
			return err
		}
		if !strings.EqualFold(a.ResourceID, id) {
			return fmt.Errorf("assignment %s of %s names resource %s", a.ID, id, a.ResourceID)
		}
		assigned++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("app role assignments", assigned, len(tn.AppRoleAssignments))

	grants, err := collect(env.c.OAuth2PermissionGrants(ctx, ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	check("oauth2PermissionGrants", len(grants), len(tn.OAuth2PermissionGrant))

	defs, err := collect(env.c.RoleDefinitions(ctx, ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	check("role definitions", len(defs), len(tn.RoleDefinitions))
	ras, err := collect(env.c.RoleAssignments(ctx, ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	check("role assignments", len(ras), len(tn.RoleAssignments))
	els, err := collect(env.c.RoleEligibilitySchedules(ctx, ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	check("eligibility schedules", len(els), len(tn.RoleEligibilities))
	scheds, err := collect(env.c.RoleAssignmentSchedules(ctx, ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	check("assignment schedules", len(scheds), len(tn.RoleAssignmentScheds))

	devs, err := collect(env.c.ManagedDevices(ctx, ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	check("managed devices", len(devs), len(tn.ManagedDevices))
	for i, d := range devs {
		w := tn.ManagedDevices[i]
		if d.ID != w.ID || d.DeviceName != w.DeviceName || d.ComplianceState != w.ComplianceState || !d.LastSyncDateTime.Equal(w.LastSyncDateTime) {
			t.Fatalf("device %d = %+v, want %+v", i, d, w)
		}
	}

	jobs := 0
	for _, sp := range tn.ServicePrincipals {
		js, err := env.c.SynchronizationJobs(ctx, sp.ID)
		if err != nil {
			t.Fatal(err)
		}
		jobs += len(js)
	}
	check("synchronization jobs", jobs, len(tn.SynchronizationJobs))

	// Mailbox purpose, fanned out through $batch; users without a mailbox
	// answer an error.
	var mreqs []BatchRequest
	for _, u := range tn.Users {
		mreqs = append(mreqs, BatchRequest{ID: u.ID, Method: http.MethodGet, URL: MailboxPurposeURL(u.ID)})
	}
	resps, err := env.c.Batch(ctx, mreqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resps {
		w := tn.Users[i]
		if w.MailboxPurpose == "" {
			if r.Err(mreqs[i]) == nil {
				t.Fatalf("user %s without a mailbox answered %d %s", w.ID, r.Status, r.Body)
			}
			continue
		}
		got, err := ParseMailboxPurpose(r.Body)
		if err != nil || got != w.MailboxPurpose {
			t.Fatalf("user %s purpose = %q (%v), want %q", w.ID, got, err, w.MailboxPurpose)
		}
	}
}

func TestSimReportAndSettings(t *testing.T) {
	env := newSimEnv(t, graphsim.Options{}, "small")
	ctx := context.Background()
	concealed, err := env.c.ReportSettings(ctx)
	if err != nil || !concealed {
		t.Fatalf("concealed = %v, %v", concealed, err)
	}
	if err := env.c.SetReportSettings(ctx, false); err != nil {
		t.Fatal(err)
	}
	var now bool
	env.tn.Snapshot(func(t *graphsim.Tenant) { now = t.ReportSettings.DisplayConcealedNames })
	if now {
		t.Fatal("PATCH did not reach the tenant")
	}
	rc, err := env.c.Report(ctx, "getOffice365ActiveUserDetail", "D30")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	rows := 0
	var header string
	for sc.Scan() {
		if rows == 0 {
			header = strings.TrimPrefix(sc.Text(), "\ufeff")
		}
		rows++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(header, "Report Refresh Date,User Principal Name,") || rows < 2 {
		t.Fatalf("report: %d lines, header %q", rows, header)
	}
}
