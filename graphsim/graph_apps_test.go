package graphsim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestServicePrincipalsPageThroughTenant(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	tok := e.graphToken("Application.Read.All")
	items, pages := e.listAll("/v1.0/servicePrincipals?$top=15", tok)
	var want []string
	managed := 0
	for _, sp := range ten.ServicePrincipals {
		want = append(want, sp.ID)
		if sp.ServicePrincipalType == "ManagedIdentity" {
			managed++
		}
	}
	if !slices.Equal(ids(items, "id"), want) {
		t.Fatalf("servicePrincipals = %v, want %v", ids(items, "id"), want)
	}
	if wantPages := (len(want) + 14) / 15; pages != wantPages {
		t.Fatalf("pages = %d, want %d", pages, wantPages)
	}
	for i, sp := range ten.ServicePrincipals {
		if items[i]["appId"] != sp.AppID || items[i]["servicePrincipalType"] != sp.ServicePrincipalType || items[i]["accountEnabled"] != sp.AccountEnabled {
			t.Fatalf("servicePrincipal %s = %v", sp.ID, items[i])
		}
	}
	mi, _ := e.listAll("/v1.0/servicePrincipals?$filter=servicePrincipalType%20eq%20'ManagedIdentity'", tok)
	if len(mi) != managed || managed == 0 {
		t.Fatalf("managed identities: %d, want %d (>0)", len(mi), managed)
	}
	m := e.getJSON("/v1.0/servicePrincipals", tok, http.StatusOK)
	listShape(t, "v1.0_servicePrincipals_list.json", m)

	// One object by id, and $count with the advanced-query header.
	sp := ten.ServicePrincipals[len(ten.ServicePrincipals)-1]
	one := e.getJSON("/v1.0/servicePrincipals/"+sp.ID, tok, http.StatusOK)
	if one["appId"] != sp.AppID || !strings.HasSuffix(one["@odata.context"].(string), "$metadata#servicePrincipals/$entity") {
		t.Fatalf("GET servicePrincipals/{id} = %v", one)
	}
	req, _ := http.NewRequest("GET", e.http.URL+"/v1.0/servicePrincipals/$count", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("ConsistencyLevel", "eventual")
	resp, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	countBody := make([]byte, 16)
	n, _ := resp.Body.Read(countBody)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(countBody[:n]) != strconv.Itoa(len(ten.ServicePrincipals)) {
		t.Fatalf("servicePrincipals/$count = %d %q, want %d", resp.StatusCode, countBody[:n], len(ten.ServicePrincipals))
	}
	e.expectError("GET", "/v1.0/servicePrincipals?$top=1000", tok, nil, http.StatusBadRequest, "Request_UnsupportedQuery", "")
	e.expectError("GET", "/v1.0/servicePrincipals", e.graphToken("User.Read.All"), nil, http.StatusForbidden,
		"Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func TestApplicationsNeverRevealSecrets(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	status, _, body := e.call("GET", "/v1.0/applications?$top=999", e.graphToken("Application.Read.All"), nil)
	if status != http.StatusOK {
		t.Fatalf("applications: %d %s", status, body)
	}
	if secret := ten.ConnectorSecret(); secret == "" || strings.Contains(string(body), secret) {
		t.Fatal("applications list contains the connector's client secret")
	}
	items, _ := e.listAll("/v1.0/applications", e.graphToken("Directory.Read.All"))
	if len(items) != len(ten.Applications) {
		t.Fatalf("applications: %d, want %d", len(items), len(ten.Applications))
	}
	var connector map[string]any
	for _, it := range items {
		if it["appId"] == ten.Connector.AppID {
			connector = it
		}
	}
	if connector == nil {
		t.Fatal("the connector's application is not listed")
	}
	app := ten.ApplicationByAppID(ten.Connector.AppID)
	byID := e.getJSON("/v1.0/applications/"+app.ID, e.graphToken("Application.Read.All"), http.StatusOK)
	if byID["appId"] != app.AppID {
		t.Fatalf("GET applications/{id} = %v", byID["appId"])
	}
	filtered, _ := e.listAll("/v1.0/applications?$filter=appId%20eq%20'"+app.AppID+"'", e.graphToken("Application.Read.All"))
	if len(filtered) != 1 || filtered[0]["id"] != app.ID {
		t.Fatalf("$filter=appId eq = %v", ids(filtered, "id"))
	}
	pcs := connector["passwordCredentials"].([]any)
	if len(pcs) != len(app.PasswordCredentials) || len(pcs) == 0 {
		t.Fatalf("passwordCredentials: %d, want %d (>0)", len(pcs), len(app.PasswordCredentials))
	}
	for i, pc := range app.PasswordCredentials {
		got := pcs[i].(map[string]any)
		if got["keyId"] != pc.KeyID || got["hint"] != pc.Hint || got["secretText"] != nil {
			t.Fatalf("passwordCredential %d = %v", i, got)
		}
		if got["endDateTime"] != pc.EndDateTime.UTC().Format("2006-01-02T15:04:05Z07:00") && got["endDateTime"] != dateTimeOrNull(pc.EndDateTime) {
			t.Fatalf("endDateTime = %v, want %v", got["endDateTime"], pc.EndDateTime)
		}
	}
	// The connector requests exactly the Graph permissions it was granted.
	rra := connector["requiredResourceAccess"].([]any)
	if len(rra) != 1 || rra[0].(map[string]any)["resourceAppId"] != MicrosoftGraphAppID {
		t.Fatalf("requiredResourceAccess = %v", rra)
	}
	var requested []string
	for _, ra := range rra[0].(map[string]any)["resourceAccess"].([]any) {
		role, ok := GraphAppRoleByID(ra.(map[string]any)["id"].(string))
		if !ok || ra.(map[string]any)["type"] != "Role" {
			t.Fatalf("resourceAccess %v is not a Graph app role", ra)
		}
		requested = append(requested, role.Value)
	}
	slices.Sort(requested)
	granted := slices.Clone(ten.Connector.Granted)
	slices.Sort(granted)
	if !slices.Equal(requested, granted) {
		t.Fatalf("requested %v, granted %v", requested, granted)
	}
	// Every property of the documented credential except the secret itself.
	sameShape(t, exampleJSON(t, "v1.0_applications_addPassword_response.json"), pcs[0])
}

func TestAppRoleAssignmentsMatchTenant(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	tok := e.graphToken("Application.Read.All")
	// Assignments granted on each resource, and held by each principal.
	byResource := map[string][]string{}
	byPrincipal := map[string][]string{}
	for _, a := range ten.AppRoleAssignments {
		byResource[a.ResourceID] = append(byResource[a.ResourceID], a.ID)
		byPrincipal[a.PrincipalID] = append(byPrincipal[a.PrincipalID], a.ID)
	}
	if len(byResource) == 0 {
		t.Fatal("tenant has no app role assignments")
	}
	for res, want := range byResource {
		items, _ := e.listAll("/v1.0/servicePrincipals/"+res+"/appRoleAssignedTo?$top=5", tok)
		if !slices.Equal(ids(items, "id"), want) {
			t.Fatalf("appRoleAssignedTo %s = %v, want %v", res, ids(items, "id"), want)
		}
		m := e.getJSON("/v1.0/servicePrincipals/"+res+"/appRoleAssignedTo", tok, http.StatusOK)
		if ctx := e.http.URL + "/v1.0/$metadata#servicePrincipals('" + res + "')/appRoleAssignedTo"; m["@odata.context"] != ctx {
			t.Fatalf("@odata.context = %v, want %s", m["@odata.context"], ctx)
		}
	}
	// The connector's own grants.
	items, _ := e.listAll("/v1.0/servicePrincipals/"+ten.Connector.ServicePrincipalID+"/appRoleAssignments", tok)
	if !slices.Equal(ids(items, "id"), byPrincipal[ten.Connector.ServicePrincipalID]) || len(items) != len(ten.Connector.Granted) {
		t.Fatalf("connector appRoleAssignments = %d, want %d granted", len(items), len(ten.Connector.Granted))
	}
	// A user's list also carries the assignments of the groups the user is
	// a direct member of.
	checked, viaGroup := 0, 0
	for _, u := range ten.Users {
		holders := map[string]bool{u.ID: true}
		for _, g := range ten.Groups {
			if slices.Contains(g.Members, u.ID) {
				holders[g.ID] = true
			}
		}
		var want []string
		for _, a := range ten.AppRoleAssignments {
			if holders[a.PrincipalID] {
				want = append(want, a.ID)
				if a.PrincipalID != u.ID {
					viaGroup++
				}
			}
		}
		if len(want) == 0 {
			continue
		}
		got, _ := e.listAll("/v1.0/users/"+u.ID+"/appRoleAssignments", e.graphToken("Directory.Read.All"))
		if !slices.Equal(ids(got, "id"), want) {
			t.Fatalf("user %s appRoleAssignments = %v, want %v", u.ID, ids(got, "id"), want)
		}
		checked++
	}
	if checked == 0 || viaGroup == 0 {
		t.Fatalf("checked %d users, %d group-held assignments: the tenant should have both", checked, viaGroup)
	}
	e.expectError("GET", "/v1.0/users/"+ten.Users[0].ID+"/appRoleAssignments", e.graphToken("User.Read.All"), nil,
		http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	e.expectError("GET", "/v1.0/servicePrincipals/00000000-0000-0000-0000-00000000dead/appRoleAssignedTo", tok, nil,
		http.StatusNotFound, "Request_ResourceNotFound",
		"Resource '00000000-0000-0000-0000-00000000dead' does not exist or one of its queried reference-property objects are not present.")
}

func TestGrantsAndSynchronizationJobs(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	grants, _ := e.listAll("/v1.0/oauth2PermissionGrants", e.graphToken("Directory.Read.All"))
	if len(grants) != len(ten.OAuth2PermissionGrant) {
		t.Fatalf("oauth2PermissionGrants: %d, want %d", len(grants), len(ten.OAuth2PermissionGrant))
	}
	for i, g := range ten.OAuth2PermissionGrant {
		if grants[i]["id"] != g.ID || grants[i]["scope"] != g.Scope || grants[i]["consentType"] != g.ConsentType {
			t.Fatalf("grant %d = %v, want %+v", i, grants[i], g)
		}
		if g.ConsentType == "AllPrincipals" && grants[i]["principalId"] != nil {
			t.Fatalf("AllPrincipals grant has principalId %v", grants[i]["principalId"])
		}
	}
	e.expectError("GET", "/v1.0/oauth2PermissionGrants", e.graphToken("Application.Read.All"), nil,
		http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

	jobsBySP := map[string][]string{}
	for _, j := range ten.SynchronizationJobs {
		jobsBySP[j.ServicePrincipalID] = append(jobsBySP[j.ServicePrincipalID], j.ID)
	}
	if len(jobsBySP) == 0 {
		t.Fatal("tenant has no synchronization jobs")
	}
	tok := e.graphToken("Synchronization.Read.All")
	for sp, want := range jobsBySP {
		m := e.getJSON("/v1.0/servicePrincipals/"+sp+"/synchronization/jobs", tok, http.StatusOK)
		var got []string
		for _, it := range m["value"].([]any) {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("jobs of %s = %v, want %v", sp, got, want)
		}
		listShape(t, "v1.0_servicePrincipals_synchronization_jobs_list.json", m)
	}
	for sp := range jobsBySP {
		e.expectError("GET", "/v1.0/servicePrincipals/"+sp+"/synchronization/jobs", e.graphToken("Application.Read.All"), nil,
			http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		break
	}
}

func TestAppRoleAssignedToWritesRoundTrip(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	// Grant a user the default access role (all-zero app role id) on the
	// first third-party application that accepts user assignments.
	var resource *ServicePrincipal
	for _, sp := range ten.ServicePrincipals {
		if sp.ServicePrincipalType == "Application" && sp.ID != ten.Connector.ServicePrincipalID {
			resource = sp
			break
		}
	}
	user := ten.Users[0]
	path := "/v1.0/servicePrincipals/" + resource.ID + "/appRoleAssignedTo"
	body := map[string]string{"principalId": user.ID, "resourceId": resource.ID, "appRoleId": "00000000-0000-0000-0000-000000000000"}

	e.expectError("POST", path, e.graphToken("Application.Read.All"), body, http.StatusForbidden,
		"Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	// AppRoleAssignment.ReadWrite.All alone is not enough: the docs pair it
	// with Application.Read.All or Directory.Read.All.
	e.expectError("POST", path, e.graphToken("AppRoleAssignment.ReadWrite.All"), body, http.StatusForbidden,
		"Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

	writer := e.graphToken("AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	before := len(ten.AppRoleAssignments)
	status, _, out := e.call("POST", path, writer, body)
	if status != http.StatusCreated {
		t.Fatalf("POST appRoleAssignedTo: %d %s", status, out)
	}
	created := e.decode(out)
	if created["principalId"] != user.ID || created["resourceId"] != resource.ID || created["principalType"] != "User" {
		t.Fatalf("created = %v", created)
	}
	aid := created["id"].(string)
	var n int
	ten.Snapshot(func(t *Tenant) { n = len(t.AppRoleAssignments) })
	if n != before+1 {
		t.Fatalf("tenant has %d assignments, want %d", n, before+1)
	}
	items, _ := e.listAll(path, writer)
	if !slices.Contains(ids(items, "id"), aid) {
		t.Fatalf("new assignment %s not listed", aid)
	}

	bad := map[string]string{"principalId": user.ID, "resourceId": ten.Connector.ServicePrincipalID, "appRoleId": "00000000-0000-0000-0000-000000000000"}
	e.expectError("POST", path, writer, bad, http.StatusBadRequest, "Request_BadRequest",
		"Invalid value specified for property 'resourceId' of resource 'AppRoleAssignment'.")

	if status, _, b := e.call("DELETE", path+"/"+aid, writer, nil); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, b)
	}
	items, _ = e.listAll(path, writer)
	if slices.Contains(ids(items, "id"), aid) {
		t.Fatalf("deleted assignment %s still listed", aid)
	}
	e.expectError("DELETE", path+"/"+aid, writer, nil, http.StatusNotFound, "Request_ResourceNotFound", "")
}
