package graphsim

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestDirectoryRolesAreActivatedRolesOnly(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{PageSizeCap: 2})
	ten := e.tenant
	tok := e.graphToken("RoleManagement.Read.Directory")
	m := e.getJSON("/v1.0/directoryRoles", tok, http.StatusOK)
	if _, paged := m["@odata.nextLink"]; paged {
		t.Fatal("directoryRoles must never page, even under a page-size cap")
	}
	assigned := map[string]bool{}
	for _, ra := range ten.RoleAssignments {
		assigned[strings.ToLower(ra.RoleDefinitionID)] = true
	}
	var want []string
	unused := 0
	for _, d := range ten.RoleDefinitions {
		if d.IsBuiltIn && (assigned[strings.ToLower(d.ID)] || assigned[strings.ToLower(d.TemplateID)]) {
			want = append(want, templateOf(d))
		} else if d.IsBuiltIn {
			unused++
		}
	}
	var got []string
	var roleIDs []string
	for _, it := range m["value"].([]any) {
		got = append(got, it.(map[string]any)["roleTemplateId"].(string))
		roleIDs = append(roleIDs, it.(map[string]any)["id"].(string))
	}
	if !slices.Equal(got, want) || len(want) == 0 || unused == 0 {
		t.Fatalf("directoryRoles templates = %v, want %v (and some unused roles: %d)", got, want, unused)
	}
	listShape(t, "v1.0_directoryRoles_list.json", m)

	// Members of the first activated role, by object id and by template id.
	def := roleDefinitionLocked(ten, want[0])
	var members []string
	seen := map[string]bool{}
	for _, ra := range ten.RoleAssignments {
		if roleAssigned(ra, def) && !seen[ra.PrincipalID] {
			seen[ra.PrincipalID] = true
			members = append(members, ra.PrincipalID)
		}
	}
	for _, path := range []string{"/v1.0/directoryRoles/" + roleIDs[0] + "/members", "/v1.0/directoryRoles/roleTemplateId=" + want[0] + "/members"} {
		items, _ := e.listAll(path, tok)
		if !slices.Equal(ids(items, "id"), members) {
			t.Fatalf("%s = %v, want %v", path, ids(items, "id"), members)
		}
		for _, it := range items {
			if !strings.HasPrefix(it["@odata.type"].(string), "#microsoft.graph.") {
				t.Fatalf("member without @odata.type: %v", it)
			}
		}
	}
	expanded := e.getJSON("/v1.0/directoryRoles?$expand=members($select=id)", tok, http.StatusOK)
	first := expanded["value"].([]any)[0].(map[string]any)
	var expandedIDs []string
	for _, m := range first["members"].([]any) {
		mm := m.(map[string]any)
		if len(mm) != 2 { // @odata.type and id
			t.Fatalf("$expand=members($select=id) member = %v", mm)
		}
		expandedIDs = append(expandedIDs, mm["id"].(string))
	}
	if !slices.Equal(expandedIDs, members) {
		t.Fatalf("$expand=members = %v, want %v", expandedIDs, members)
	}
	one := e.getJSON("/v1.0/directoryRoles/"+roleIDs[0], tok, http.StatusOK)
	if one["roleTemplateId"] != want[0] {
		t.Fatalf("GET directoryRoles/{id} = %v", one)
	}
	e.expectError("GET", "/v1.0/directoryRoles", e.graphToken("User.Read.All"), nil, http.StatusForbidden,
		"Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func TestRoleDefinitionsAndAssignmentsMatchTenant(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	tok := e.graphToken("RoleManagement.Read.Directory")
	defs, _ := e.listAll("/v1.0/roleManagement/directory/roleDefinitions", tok)
	var want []string
	builtIn := 0
	for _, d := range ten.RoleDefinitions {
		want = append(want, d.ID)
		if d.IsBuiltIn {
			builtIn++
		}
	}
	if !slices.Equal(ids(defs, "id"), want) {
		t.Fatalf("roleDefinitions = %v, want %v", ids(defs, "id"), want)
	}
	bi, _ := e.listAll("/v1.0/roleManagement/directory/roleDefinitions?$filter=isBuiltIn%20eq%20true", tok)
	if len(bi) != builtIn {
		t.Fatalf("isBuiltIn eq true: %d, want %d", len(bi), builtIn)
	}
	ga, _ := e.listAll("/v1.0/roleManagement/directory/roleDefinitions?$filter=displayName%20eq%20'Global%20Administrator'", tok)
	if len(ga) != 1 || ga[0]["templateId"] != "62e90394-69f5-4237-9190-012177145e10" {
		t.Fatalf("Global Administrator = %v", ga)
	}
	listShape(t, "v1.0_roleManagement_directory_roleDefinitions_list.json", e.getJSON("/v1.0/roleManagement/directory/roleDefinitions", tok, http.StatusOK))

	all, _ := e.listAll("/v1.0/roleManagement/directory/roleAssignments", tok)
	if len(all) != len(ten.RoleAssignments) {
		t.Fatalf("roleAssignments: %d, want %d", len(all), len(ten.RoleAssignments))
	}
	listShape(t, "v1.0_roleManagement_directory_roleAssignments_list.json", e.getJSON("/v1.0/roleManagement/directory/roleAssignments", tok, http.StatusOK))

	// $filter by principal, and $expand=principal.
	p := ten.RoleAssignments[0].PrincipalID
	var wantIDs []string
	for _, ra := range ten.RoleAssignments {
		if ra.PrincipalID == p {
			wantIDs = append(wantIDs, ra.ID)
		}
	}
	q := "/v1.0/roleManagement/directory/roleAssignments?$filter=" + url.QueryEscape("principalId eq '"+p+"'") + "&$expand=principal"
	got, _ := e.listAll(q, tok)
	if !slices.Equal(ids(got, "id"), wantIDs) {
		t.Fatalf("principalId filter = %v, want %v", ids(got, "id"), wantIDs)
	}
	principal, ok := got[0]["principal"].(map[string]any)
	if !ok || principal["id"] != p || principal["@odata.type"] == nil {
		t.Fatalf("$expand=principal = %v", got[0]["principal"])
	}
	e.expectError("GET", "/v1.0/roleManagement/directory/roleAssignments?$filter="+url.QueryEscape("resourceScope eq '/'"), tok, nil,
		http.StatusBadRequest, "Request_UnsupportedQuery", "")
}

func TestRoleAssignmentWritesRoundTrip(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	user := ten.Users[len(ten.Users)-1]
	// Helpdesk Administrator by its template id, as Graph accepts.
	body := map[string]string{
		"@odata.type":      "#microsoft.graph.unifiedRoleAssignment",
		"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
		"principalId":      user.ID,
		"directoryScopeId": "/",
	}
	path := "/v1.0/roleManagement/directory/roleAssignments"
	e.expectError("POST", path, e.graphToken("RoleManagement.Read.Directory"), body, http.StatusForbidden,
		"Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	writer := e.graphToken("RoleManagement.ReadWrite.Directory")
	status, _, out := e.call("POST", path, writer, body)
	if status != http.StatusCreated {
		t.Fatalf("POST roleAssignments: %d %s", status, out)
	}
	created := e.decode(out)
	sameShape(t, exampleJSON(t, "v1.0_roleManagement_directory_roleAssignments_create_response.json"), created)
	id := created["id"].(string)
	if created["principalId"] != user.ID || created["directoryScopeId"] != "/" {
		t.Fatalf("created = %v", created)
	}
	one := e.getJSON(path+"/"+id, writer, http.StatusOK)
	if one["principalId"] != user.ID {
		t.Fatalf("GET created assignment = %v", one)
	}
	missing := map[string]string{"principalId": user.ID, "directoryScopeId": "/"}
	e.expectError("POST", path, writer, missing, http.StatusBadRequest, "Request_BadRequest",
		"Invalid value specified for property 'roleDefinitionId' of resource 'UnifiedRoleAssignment'.")

	if status, _, b := e.call("DELETE", path+"/"+id, writer, nil); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, b)
	}
	e.expectError("GET", path+"/"+id, writer, nil, http.StatusNotFound, "Request_ResourceNotFound", "")
	e.expectError("DELETE", path+"/"+id, writer, nil, http.StatusNotFound, "Request_ResourceNotFound", "")
}

func TestPIMNeedsP2(t *testing.T) {
	paths := []struct {
		path, perm, example string
	}{
		{"/v1.0/roleManagement/directory/roleEligibilitySchedules", "RoleEligibilitySchedule.Read.Directory", "v1.0_roleManagement_directory_roleEligibilitySchedules_list.json"},
		{"/v1.0/roleManagement/directory/roleEligibilityScheduleInstances", "RoleEligibilitySchedule.Read.Directory", "v1.0_roleManagement_directory_roleEligibilityScheduleInstances_list.json"},
		{"/v1.0/roleManagement/directory/roleAssignmentSchedules", "RoleAssignmentSchedule.Read.Directory", ""},
		{"/v1.0/roleManagement/directory/roleAssignmentScheduleInstances", "RoleAssignmentSchedule.Read.Directory", ""},
	}
	p2 := newDirectoryEnv(t, TierP2, Options{})
	ten := p2.tenant
	counts := map[string]int{
		paths[0].path: len(ten.RoleEligibilities),
		paths[2].path: len(ten.RoleAssignmentScheds),
	}
	for _, s := range ten.RoleEligibilities {
		if scheduleActive(ten.Now, s.StartDateTime, s.EndDateTime) {
			counts[paths[1].path]++
		}
	}
	for _, s := range ten.RoleAssignmentScheds {
		if scheduleActive(ten.Now, s.StartDateTime, s.EndDateTime) {
			counts[paths[3].path]++
		}
	}
	if counts[paths[0].path] == 0 {
		t.Fatal("p2 tenant has no eligibility schedules")
	}
	for _, c := range paths {
		items, _ := p2.listAll(c.path, p2.graphToken(c.perm))
		if len(items) != counts[c.path] {
			t.Fatalf("%s: %d, want %d", c.path, len(items), counts[c.path])
		}
		if c.example != "" {
			listShape(t, c.example, p2.getJSON(c.path, p2.graphToken(c.perm), http.StatusOK))
		}
		// RoleManagement.Read.Directory also reads PIM; Directory.Read.All does not.
		p2.getJSON(c.path, p2.graphToken("RoleManagement.Read.Directory"), http.StatusOK)
		p2.expectError("GET", c.path, p2.graphToken("Directory.Read.All"), nil, http.StatusForbidden,
			"Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	}
	// The eligibility instances point at their schedules.
	inst, _ := p2.listAll(paths[1].path, p2.graphToken(paths[1].perm))
	for _, it := range inst {
		if !strings.HasSuffix(it["id"].(string), "-1-e") || it["roleEligibilityScheduleId"] == nil {
			t.Fatalf("instance %v", it)
		}
	}

	p1 := newDirectoryEnv(t, TierP1, Options{})
	for _, c := range paths {
		p1.expectError("GET", c.path, p1.graphToken(c.perm), nil, http.StatusBadRequest, "AadPremiumLicenseRequired",
			"The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.")
	}
}

// TestRoleWritesConcurrentWithReads: role, app role and ARM assignment
// writes interleaved with reads of the same collections leave every read
// consistent and the tenant as it started (run with -race to check the
// locking).
func TestRoleWritesConcurrentWithReads(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	var before int
	ten.Snapshot(func(t *Tenant) { before = len(t.RoleAssignments) })
	writer := e.graphToken("RoleManagement.ReadWrite.Directory", "RoleManagement.Read.Directory")
	done := make(chan struct{})
	errs := make(chan string, 64)
	// The writes start once the reads have, so they overlap even when the
	// scheduler would otherwise run the writer to completion first.
	reading := make(chan struct{})
	go func() {
		defer close(done)
		<-reading
		for i := 0; i < 20; i++ {
			u := ten.Users[i%len(ten.Users)]
			status, _, out := e.call("POST", "/v1.0/roleManagement/directory/roleAssignments", writer, map[string]string{
				"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8", "principalId": u.ID, "directoryScopeId": "/"})
			if status != http.StatusCreated {
				continue // already holds the role: Graph refuses the duplicate
			}
			id := e.decode(out)["id"].(string)
			if status, _, b := e.call("DELETE", "/v1.0/roleManagement/directory/roleAssignments/"+id, writer, nil); status != http.StatusNoContent {
				errs <- "DELETE: " + string(b)
			}
		}
	}()
	reads := 0
	for {
		select {
		case <-done:
			close(errs)
			for msg := range errs {
				t.Error(msg)
			}
			var after int
			ten.Snapshot(func(t *Tenant) { after = len(t.RoleAssignments) })
			if after != before || reads == 0 {
				t.Fatalf("role assignments %d -> %d after %d concurrent reads", before, after, reads)
			}
			return
		default:
		}
		for _, p := range []string{"/v1.0/directoryRoles?$expand=members", "/v1.0/roleManagement/directory/roleAssignments?$expand=principal"} {
			if status, _, b := e.call("GET", p, writer, nil); status != http.StatusOK {
				t.Fatalf("GET %s during writes: %d %s", p, status, b)
			}
			if reads++; reads == 1 {
				close(reading)
			}
		}
	}
}
