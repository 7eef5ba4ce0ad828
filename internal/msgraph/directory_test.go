package msgraph

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestDirectoryFixtures(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	rec.bodies["/v1.0/organization"] = fixture(t, "v1.0_organization_list.json", "")
	rec.bodies["/v1.0/domains"] = fixture(t, "v1.0_domains_list.json", "")
	rec.bodies["/v1.0/identity/identityProviders"] = fixture(t, "v1.0_identity_identityProviders_list.json", "")
	ctx := context.Background()

	org, err := env.c.Organization(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if org.DisplayName != "Contoso" || org.CountryLetterCode != "US" || len(org.AssignedPlans) != 1 ||
		org.AssignedPlans[0].ServicePlanID != "5dbe027f-2339-4123-9542-606e4d348a72" ||
		!org.AssignedPlans[0].AssignedDateTime.Equal(time.Date(2017, 7, 29, 2, 16, 28, 0, time.UTC)) {
		t.Fatalf("organization = %+v", org)
	}

	domains, err := env.c.Domains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := domains[0]
	d.Raw = nil
	want := Domain{ID: "contoso.com", AuthenticationType: "authenticationType-value", IsDefault: true, IsInitial: true,
		IsAdminManaged: true, IsRoot: true, SupportedServices: []string{"Email", "OfficeCommunicationsOnline"}}
	if len(domains) != 1 || !reflect.DeepEqual(d, want) {
		t.Fatalf("domains = %+v", domains)
	}

	idps, err := env.c.IdentityProviders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(idps) != 2 || idps[0].ODataType != "microsoft.graph.builtInIdentityProvider" || idps[0].ID != "MSASignup-OAUTH" ||
		idps[1].IdentityProviderType != "Facebook" || idps[1].ClientID != "test" {
		t.Fatalf("identity providers = %+v", idps)
	}
	if fmt.Sprint(rec.lines) != "[GET /v1.0/organization GET /v1.0/domains GET /v1.0/identity/identityProviders]" {
		t.Fatalf("requests = %v", rec.lines)
	}
}

func TestAppsAndRolesFixtures(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	rec.bodies["/v1.0/servicePrincipals?$top=999"] = fixture(t, "v1.0_servicePrincipals_list.json", "")
	rec.bodies["/v1.0/servicePrincipals/sp1/synchronization/jobs"] = fixture(t, "v1.0_servicePrincipals_synchronization_jobs_list.json", "")
	rec.bodies["/v1.0/roleManagement/directory/roleDefinitions"] = fixture(t, "v1.0_roleManagement_directory_roleDefinitions_list.json", "")
	rec.bodies["/v1.0/roleManagement/directory/roleAssignments?$filter=principalId%20eq%20'f1847572-48aa-47aa-96a3-2ec61904f41f'"] = fixture(t, "v1.0_roleManagement_directory_roleAssignments_list.json", "")
	rec.bodies["/v1.0/roleManagement/directory/roleEligibilitySchedules"] = fixture(t, "v1.0_roleManagement_directory_roleEligibilitySchedules_list.json", "")
	rec.bodies["/v1.0/deviceManagement/managedDevices?$select=id,deviceName"] = fixture(t, "v1.0_deviceManagement_managedDevices_list.json", "")
	ctx := context.Background()

	sps, err := collect(env.c.ServicePrincipals(ctx, ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(sps) != 1 || sps[0].DisplayName != "amasf" || sps[0].ServicePrincipalType != "Application" ||
		sps[0].AccountEnabled == nil || !*sps[0].AccountEnabled {
		t.Fatalf("service principals = %+v", sps)
	}

	jobs, err := env.c.SynchronizationJobs(ctx, "sp1")
	if err != nil {
		t.Fatal(err)
	}
	j := jobs[0]
	if len(jobs) != 1 || j.ID != "{jobId}" || j.TemplateID != "BoxOutDelta" || j.Schedule.State != "Disabled" ||
		j.Schedule.Interval != "P10675199DT2H48M5.4775807S" || j.Schedule.Expiration != nil ||
		j.Status.Code != "Paused" || j.Status.LastExecution != nil || j.Status.Quarantine != nil {
		t.Fatalf("jobs = %+v", jobs)
	}

	defs, err := collect(env.c.RoleDefinitions(ctx, ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if defs[0].ID != "729827e3-9c14-49f7-bb1b-9608f156bbb8" || defs[0].DisplayName != "Helpdesk Administrator" ||
		!defs[0].IsBuiltIn || defs[0].TemplateID != defs[0].ID || len(defs[0].RolePermissions) != 1 ||
		defs[0].RolePermissions[0].AllowedResourceActions[0] != "microsoft.directory/users/invalidateAllRefreshTokens" {
		t.Fatalf("role definition = %+v", defs[0])
	}

	ras, err := collect(env.c.RoleAssignments(ctx, ListOptions{Filter: "principalId eq 'f1847572-48aa-47aa-96a3-2ec61904f41f'"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(ras) != 2 || ras[1].ID != "LJnv8vs6uUa3z6Em7nTEUXJ1hPGqSKpHlqMuxhkE9B8-1" || ras[1].RoleDefinitionID != "f2ef992c-3afb-46b9-b7cf-a126ee74c451" ||
		ras[1].DirectoryScopeID != "/" {
		t.Fatalf("role assignments = %+v", ras)
	}

	els, err := collect(env.c.RoleEligibilitySchedules(ctx, ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	e := els[0]
	if len(els) != 1 || e.PrincipalID != "071cc716-8147-4397-a5ba-b2105951cc0b" || e.AppScopeID != nil || e.MemberType != "Direct" ||
		e.ScheduleInfo.Expiration == nil || e.ScheduleInfo.Expiration.Type != "afterDateTime" ||
		!e.ScheduleInfo.Expiration.EndDateTime.Equal(time.Date(2024, 4, 10, 0, 0, 0, 0, time.UTC)) ||
		!e.CreatedDateTime.Equal(time.Date(2022, 4, 12, 14, 44, 50, 287e6, time.UTC)) {
		t.Fatalf("eligibility = %+v", e)
	}

	devs, err := collect(env.c.ManagedDevices(ctx, ListOptions{Select: []string{"id", "deviceName"}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].ID != "705c034c-034c-705c-4c03-5c704c035c70" || devs[0].ManagedDeviceOwnerType != "company" ||
		devs[0].ComplianceState != "compliant" || !devs[0].LastSyncDateTime.Equal(time.Date(2017, 1, 1, 8, 2, 49, 320597600, time.UTC)) {
		t.Fatalf("devices = %+v", devs)
	}
}

func TestApplicationByAppID(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	rec.bodies["/v1.0/applications?$filter=appId%20eq%20'11111111-2222-3333-4444-555555555555'"] = []byte(`{"value":[{"id":"o1","appId":"11111111-2222-3333-4444-555555555555",
	"passwordCredentials":[{"keyId":"k1","hint":"abc","displayName":"tenantscope","endDateTime":"2027-01-01T00:00:00Z","secretText":null}]}]}`)
	rec.bodies["/v1.0/applications?$filter=appId%20eq%20'nope'"] = []byte(`{"value":[]}`)
	app, err := env.c.ApplicationByAppID(context.Background(), "11111111-2222-3333-4444-555555555555")
	if err != nil {
		t.Fatal(err)
	}
	if app.ID != "o1" || len(app.PasswordCredentials) != 1 || app.PasswordCredentials[0].Hint != "abc" ||
		!app.PasswordCredentials[0].EndDateTime.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("app = %+v", app)
	}
	if _, err := env.c.ApplicationByAppID(context.Background(), "nope"); !IsNotFound(err) {
		t.Fatalf("missing app: %v", err)
	}
}

func TestSignInsFixture(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	rec.bodies["/v1.0/auditLogs/signIns?$filter=createdDateTime%20ge%202020-03-01T00:00:00Z&$top=1000"] = fixture(t, "v1.0_auditLogs_signIns_list.json", env.srv.URL)
	rec.bodies["/v1.0/auditLogs/signIns?$top=1&$skiptoken=9177f2e3532fcd4c4d225f68f7b9bdf7_1"] = []byte(`{"value":[]}`)
	ins, err := collect(env.c.SignIns(context.Background(), ListOptions{Filter: "createdDateTime ge 2020-03-01T00:00:00Z"}))
	if err != nil {
		t.Fatal(err)
	}
	s := ins[0]
	if len(ins) != 1 || s.ID != "66ea54eb-6301-4ee5-be62-ff5a759b0100" || s.UserPrincipalName != "testaccount1@contoso.com" ||
		s.AppDisplayName != "Graph explorer" || !s.IsInteractive || s.Status.ErrorCode != 0 || s.Status.FailureReason != nil ||
		s.Location == nil || s.Location.City != "Redmond" || s.DeviceDetail.OperatingSystem != "Windows 10" ||
		!s.CreatedDateTime.Equal(time.Date(2020, 3, 13, 19, 15, 41, 619583300, time.UTC)) {
		t.Fatalf("sign-ins = %+v", ins)
	}
	if len(rec.lines) != 2 {
		t.Fatalf("requests = %v", rec.lines)
	}
}
