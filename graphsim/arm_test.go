package graphsim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const (
	ownerRoleID  = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	readerRoleID = "acdd72a7-3356-4e35-b5e6-3d4c5d6f23cd"
)

// connectorAssignments are the ARM role assignments the connector holds.
func connectorAssignments(ten *Tenant) []*AzRoleAssignment {
	var out []*AzRoleAssignment
	for _, a := range ten.Azure.RoleAssignments {
		if a.PrincipalID == ten.Connector.ServicePrincipalID {
			out = append(out, a)
		}
	}
	return out
}

func TestARMSubscriptionsAndResourceGroups(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{PageSizeCap: 1})
	ten := e.tenant
	tok := e.armToken()
	e.expectError("GET", "/subscriptions", tok, nil, http.StatusBadRequest, "MissingApiVersionParameter",
		"The api-version query parameter (?api-version=) is required for all requests.")
	// A Graph token is not accepted by ARM.
	if status, _, _ := e.call("GET", "/subscriptions?api-version=2022-12-01", e.graphToken(), nil); status != http.StatusUnauthorized {
		t.Fatalf("Graph token on ARM: %d, want 401", status)
	}

	subs, pages := e.listAll("/subscriptions?api-version=2022-12-01", tok)
	var want []string
	for _, s := range ten.Azure.Subscriptions {
		want = append(want, s.SubscriptionID)
	}
	if !slices.Equal(ids(subs, "subscriptionId"), want) || len(want) < 2 {
		t.Fatalf("subscriptions = %v, want %v", ids(subs, "subscriptionId"), want)
	}
	if pages != len(want) {
		t.Fatalf("pages = %d under PageSizeCap 1, want %d", pages, len(want))
	}
	sameShape(t, exampleJSON(t, "arm_subscriptions_list.json")["value"].([]any)[0], subs[0], append(armTagKeys, "tags")...)

	for _, s := range ten.Azure.Subscriptions {
		rgs, _ := e.listAll("/subscriptions/"+s.SubscriptionID+"/resourcegroups?api-version=2021-04-01", tok)
		var wantRG []string
		for _, g := range ten.Azure.ResourceGroups {
			if g.SubscriptionID == s.SubscriptionID {
				wantRG = append(wantRG, g.Name)
			}
		}
		if !slices.Equal(ids(rgs, "name"), wantRG) {
			t.Fatalf("resource groups of %s = %v, want %v", s.SubscriptionID, ids(rgs, "name"), wantRG)
		}
		if len(rgs) > 0 {
			sameShape(t, exampleJSON(t, "arm_resourceGroup_createOrUpdate_response.json"), rgs[0], armTagKeys...)
			one := e.getJSON("/subscriptions/"+s.SubscriptionID+"/resourceGroups/"+strings.ToUpper(wantRG[0])+"?api-version=2021-04-01", tok, http.StatusOK)
			if one["name"] != wantRG[0] {
				t.Fatalf("GET resource group = %v", one)
			}
		}
	}
	sub := ten.Azure.Subscriptions[0].SubscriptionID
	e.expectError("GET", "/subscriptions/"+sub+"/resourceGroups/no-such-rg?api-version=2021-04-01", tok, nil,
		http.StatusNotFound, "ResourceGroupNotFound", "Resource group 'no-such-rg' could not be found.")
	e.expectError("GET", "/subscriptions/00000000-0000-0000-0000-0000000000aa?api-version=2022-12-01", tok, nil,
		http.StatusNotFound, "SubscriptionNotFound", "The subscription '00000000-0000-0000-0000-0000000000aa' could not be found.")

	// Without a role on a subscription it disappears from the list and its
	// resource groups are refused.
	for _, a := range connectorAssignments(ten) {
		if scopeCovers(a.Scope, "/subscriptions/"+sub) {
			if err := ten.DeleteARMRoleAssignment(a.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	subs, _ = e.listAll("/subscriptions?api-version=2022-12-01", tok)
	if slices.Contains(ids(subs, "subscriptionId"), sub) || len(subs) != len(want)-1 {
		t.Fatalf("subscriptions after losing Reader = %v", ids(subs, "subscriptionId"))
	}
	sp := ten.Connector.ServicePrincipalID
	e.expectError("GET", "/subscriptions/"+sub+"/resourcegroups?api-version=2021-04-01", tok, nil, http.StatusForbidden, "AuthorizationFailed",
		"The client '"+sp+"' with object id '"+sp+"' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/read' over scope '/subscriptions/"+sub+"' or the scope is invalid. If access was recently granted, please refresh your credentials.")
}

func TestARMRoleDefinitionsAndAssignments(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	tok := e.armToken()
	sub := ten.Azure.Subscriptions[0].SubscriptionID
	base := "/subscriptions/" + sub + "/providers/Microsoft.Authorization/"

	builtIn := 0
	for _, d := range ten.Azure.RoleDefinitions {
		if d.Type == "BuiltInRole" {
			builtIn++
		}
	}
	defs, _ := e.listAll(base+"roleDefinitions?api-version=2022-04-01&$filter="+url.QueryEscape("type eq 'BuiltInRole'"), tok)
	if len(defs) != builtIn || builtIn == 0 {
		t.Fatalf("built-in role definitions: %d, want %d", len(defs), builtIn)
	}
	reader, _ := e.listAll(base+"roleDefinitions?api-version=2022-04-01&$filter="+url.QueryEscape("roleName eq 'Reader'"), tok)
	if len(reader) != 1 || reader[0]["name"] != readerRoleID ||
		reader[0]["id"] != "/subscriptions/"+sub+"/providers/Microsoft.Authorization/roleDefinitions/"+readerRoleID {
		t.Fatalf("Reader = %v", reader)
	}
	sameShape(t, exampleJSON(t, "arm_roleDefinition_get.json"), reader[0], armTagKeys...)
	one := e.getJSON(base+"roleDefinitions/"+ownerRoleID+"?api-version=2022-04-01", tok, http.StatusOK)
	if one["properties"].(map[string]any)["roleName"] != "Owner" {
		t.Fatalf("Owner = %v", one)
	}

	// atScope(): at the subscription and above; no filter adds those below.
	var atOrAbove, all []string
	for _, a := range ten.Azure.RoleAssignments {
		if scopeCovers(a.Scope, "/subscriptions/"+sub) {
			atOrAbove = append(atOrAbove, a.ID)
			all = append(all, a.ID)
		} else if scopeCovers("/subscriptions/"+sub, a.Scope) {
			all = append(all, a.ID)
		}
	}
	got, _ := e.listAll(base+"roleAssignments?api-version=2022-04-01&$filter=atScope()", tok)
	if !slices.Equal(ids(got, "id"), atOrAbove) || len(atOrAbove) == 0 {
		t.Fatalf("atScope() = %v, want %v", ids(got, "id"), atOrAbove)
	}
	sameShape(t, exampleJSON(t, "arm_roleAssignments_listForScope.json")["value"].([]any)[0], got[0], armTagKeys...)
	got, _ = e.listAll(base+"roleAssignments?api-version=2022-04-01", tok)
	if !slices.Equal(ids(got, "id"), all) {
		t.Fatalf("roleAssignments = %v, want %v", ids(got, "id"), all)
	}
	sp := ten.Connector.ServicePrincipalID
	got, _ = e.listAll(base+"roleAssignments?api-version=2022-04-01&$filter="+url.QueryEscape("principalId eq '"+sp+"'"), tok)
	if len(got) == 0 {
		t.Fatal("the connector holds no role on the subscription")
	}
	for _, a := range got {
		if a["properties"].(map[string]any)["principalId"] != sp {
			t.Fatalf("principalId filter returned %v", a)
		}
	}
}

func TestARMRoleAssignmentWritesRoundTrip(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	tok := e.armToken()
	sub := ten.Azure.Subscriptions[0].SubscriptionID
	scope := "/subscriptions/" + sub
	name := "2f2e8f2a-6d0b-4a53-9e3b-8f1c1d0e5a77"
	path := scope + "/providers/Microsoft.Authorization/roleAssignments/" + name + "?api-version=2022-04-01"
	user := ten.Users[0]
	body := map[string]any{"properties": map[string]string{
		"roleDefinitionId": scope + "/providers/Microsoft.Authorization/roleDefinitions/" + readerRoleID,
		"principalId":      user.ID,
	}}
	sp := ten.Connector.ServicePrincipalID
	// Reader may not write role assignments.
	e.expectError("PUT", path, tok, body, http.StatusForbidden, "AuthorizationFailed",
		"The client '"+sp+"' with object id '"+sp+"' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '"+scope+"' or the scope is invalid. If access was recently granted, please refresh your credentials.")

	if _, err := ten.AddARMRoleAssignment(AzRoleAssignment{
		ID:               scope + "/providers/Microsoft.Authorization/roleAssignments/0c7c1f7e-6f2b-4a8e-9a51-3d2b7e9f0a11",
		Name:             "0c7c1f7e-6f2b-4a8e-9a51-3d2b7e9f0a11",
		Scope:            scope,
		RoleDefinitionID: "/providers/Microsoft.Authorization/roleDefinitions/" + ownerRoleID,
		PrincipalID:      sp,
		PrincipalType:    "ServicePrincipal",
	}); err != nil {
		t.Fatal(err)
	}
	status, _, out := e.call("PUT", path, tok, body)
	if status != http.StatusCreated {
		t.Fatalf("PUT: %d %s", status, out)
	}
	created := e.decode(out)
	props := created["properties"].(map[string]any)
	if created["name"] != name || props["principalId"] != user.ID || props["principalType"] != "User" || props["scope"] != scope {
		t.Fatalf("created = %v", created)
	}
	listed, _ := e.listAll(scope+"/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter="+url.QueryEscape("principalId eq '"+user.ID+"'"), tok)
	if !slices.Contains(ids(listed, "name"), name) {
		t.Fatalf("new assignment not listed: %v", ids(listed, "name"))
	}
	e.expectError("PUT", scope+"/providers/Microsoft.Authorization/roleAssignments/not-a-guid?api-version=2022-04-01", tok, body,
		http.StatusBadRequest, "InvalidRoleAssignmentId", "The role assignment ID 'not-a-guid' is not valid. The role assignment ID must be a GUID.")
	ghost := map[string]any{"properties": map[string]string{"roleDefinitionId": readerRoleID, "principalId": "11111111-2222-3333-4444-555555555555"}}
	e.expectError("PUT", scope+"/providers/Microsoft.Authorization/roleAssignments/3a3e8f2a-6d0b-4a53-9e3b-8f1c1d0e5a77?api-version=2022-04-01", tok, ghost,
		http.StatusBadRequest, "PrincipalNotFound", "")

	status, _, out = e.call("DELETE", path, tok, nil)
	if status != http.StatusOK || e.decode(out)["name"] != name {
		t.Fatalf("DELETE: %d %s", status, out)
	}
	if status, _, _ := e.call("DELETE", path, tok, nil); status != http.StatusNoContent {
		t.Fatalf("second DELETE: %d, want 204", status)
	}
	e.expectError("GET", path, tok, nil, http.StatusNotFound, "RoleAssignmentNotFound", "The role assignment '"+name+"' is not found.")
}

func TestARMStorageAndIdentities(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	tok := e.armToken()
	total := 0
	for _, s := range ten.Azure.Subscriptions {
		accts, _ := e.listAll("/subscriptions/"+s.SubscriptionID+"/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01", tok)
		var want []string
		for _, a := range ten.Azure.StorageAccounts {
			if a.SubscriptionID == s.SubscriptionID {
				want = append(want, a.Name)
			}
		}
		if !slices.Equal(ids(accts, "name"), want) {
			t.Fatalf("storage accounts of %s = %v, want %v", s.SubscriptionID, ids(accts, "name"), want)
		}
		if len(accts) > 0 {
			// The example's isHnsEnabled, routingPreference and
			// internet/Microsoft routing endpoints are optional features the
			// generated accounts do not use.
			ex := exampleJSON(t, "arm_storageAccounts_list.json")["value"].([]any)[0].(map[string]any)
			p := ex["properties"].(map[string]any)
			for _, k := range []string{"isHnsEnabled", "routingPreference", "secondaryLocation", "statusOfSecondary"} {
				delete(p, k)
			}
			pe := p["primaryEndpoints"].(map[string]any)
			delete(pe, "microsoftEndpoints")
			delete(pe, "internetEndpoints")
			sameShape(t, ex, accts[0], armTagKeys...)
		}
		ids2, _ := e.listAll("/subscriptions/"+s.SubscriptionID+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=2023-01-31", tok)
		for _, it := range ids2 {
			total++
			props := it["properties"].(map[string]any)
			if ten.ServicePrincipalByID(props["principalId"].(string)) == nil {
				t.Fatalf("identity %v has no service principal", it["name"])
			}
		}
		if len(ids2) > 0 {
			sameShape(t, exampleJSON(t, "arm_userAssignedIdentities_listBySubscription.json")["value"].([]any)[0], ids2[0], armTagKeys...)
		}
	}
	if total != len(ten.Azure.UserAssignedIdentities) {
		t.Fatalf("identities: %d, want %d", total, len(ten.Azure.UserAssignedIdentities))
	}

	// Containers of each account, paged with $maxpagesize.
	containers := 0
	for _, a := range ten.Azure.StorageAccounts {
		var want []string
		for _, c := range ten.Azure.BlobContainers {
			if c.SubscriptionID == a.SubscriptionID && c.ResourceGroup == a.ResourceGroup && c.AccountName == a.Name {
				want = append(want, c.Name)
			}
		}
		path := "/subscriptions/" + a.SubscriptionID + "/resourceGroups/" + a.ResourceGroup + "/providers/Microsoft.Storage/storageAccounts/" + a.Name + "/blobServices/default/containers?api-version=2023-05-01&$maxpagesize=2"
		got, pages := e.listAll(path, tok)
		if !slices.Equal(ids(got, "name"), want) || pages != max(1, (len(want)+1)/2) {
			t.Fatalf("containers of %s = %v in %d pages, want %v", a.Name, ids(got, "name"), pages, want)
		}
		if len(got) > 0 {
			sameShape(t, exampleJSON(t, "arm_blobContainers_list.json")["value"].([]any)[0], got[0], armTagKeys...)
		}
		containers += len(got)
	}
	if containers != len(ten.Azure.BlobContainers) || containers == 0 {
		t.Fatalf("containers: %d, want %d (>0)", containers, len(ten.Azure.BlobContainers))
	}
	a := ten.Azure.StorageAccounts[0]
	e.expectError("GET", "/subscriptions/"+a.SubscriptionID+"/resourceGroups/"+a.ResourceGroup+"/providers/Microsoft.Storage/storageAccounts/nosuchacct?api-version=2023-05-01", tok, nil,
		http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.Storage/storageAccounts/nosuchacct' under resource group '"+a.ResourceGroup+"' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
}

func TestARMActionMatch(t *testing.T) {
	cases := []struct {
		pattern, action string
		want            bool
	}{
		{"*", "Microsoft.Authorization/roleAssignments/write", true},
		{"*/read", "Microsoft.Resources/subscriptions/resourceGroups/read", true},
		{"*/read", "Microsoft.Authorization/roleAssignments/write", false},
		{"Microsoft.Authorization/*", "microsoft.authorization/roleassignments/delete", true},
		{"Microsoft.Storage/*/read", "Microsoft.Storage/storageAccounts/blobServices/containers/read", true},
		{"Microsoft.Storage/*/read", "Microsoft.Storage/storageAccounts/write", false},
		{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/roleAssignments/delete", true},
		{"", "x", false},
	}
	for _, c := range cases {
		if got := armActionMatch(c.pattern, c.action); got != c.want {
			t.Errorf("armActionMatch(%q, %q) = %v, want %v", c.pattern, c.action, got, c.want)
		}
	}
}

func TestParseARMFilter(t *testing.T) {
	f, ok := parseARMFilter("atScope() and principalId eq 'a''b'")
	if !ok || f.eq["principalid"] != "a'b" {
		t.Fatalf("parse = %+v %v", f, ok)
	}
	if _, has := f.calls["atscope"]; !has {
		t.Fatalf("atScope() not parsed: %+v", f)
	}
	f, ok = parseARMFilter("assignedTo('11111111-2222-3333-4444-555555555555')")
	if !ok || f.calls["assignedto"] != "11111111-2222-3333-4444-555555555555" {
		t.Fatalf("assignedTo = %+v %v", f, ok)
	}
	for _, bad := range []string{"principalId ne 'x'", "roleName eq Reader", "eq"} {
		if _, ok := parseARMFilter(bad); ok {
			t.Errorf("parseARMFilter(%q) accepted", bad)
		}
	}
}

// TestARMOddPathsAnswerInARMFormat: malformed or partial ARM paths get an
// ARM error, never a panic or Go's default page.
func TestARMOddPathsAnswerInARMFormat(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	tok := e.armToken()
	sub := e.tenant.Azure.Subscriptions[0].SubscriptionID
	cases := []struct {
		path   string
		status int
		code   string
	}{
		{"/subscriptions/" + sub + "/providers/Microsoft.Authorization", http.StatusNotFound, "InvalidResourceType"},
		{"/subscriptions/" + sub + "/providers/Microsoft.Authorization/", http.StatusNotFound, "InvalidResourceType"},
		{"/providers/Microsoft.Authorization", http.StatusNotFound, "InvalidResourceType"},
		{"/subscriptions/" + sub + "/providers/Microsoft.Storage", http.StatusNotFound, "InvalidResourceType"},
		{"/subscriptions/" + sub + "/providers/Microsoft.Compute/virtualMachines", http.StatusNotFound, "InvalidResourceType"},
		{"/subscriptions/" + sub + "/resourceGroups/nope/providers/Microsoft.Authorization/roleAssignments", http.StatusNotFound, "ResourceGroupNotFound"},
		{"/subscriptions/not-a-sub/providers/Microsoft.Authorization/roleDefinitions", http.StatusNotFound, "SubscriptionNotFound"},
		{"/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleAssignments?$filter=" + url.QueryEscape("principalId ne 'x'"), http.StatusBadRequest, "InvalidFilterInQueryString"},
		{"/subscriptions/" + sub + "/resourcegroups?$skiptoken=garbage", http.StatusBadRequest, "InvalidSkipToken"},
	}
	for _, c := range cases {
		path := c.path
		if strings.Contains(path, "?") {
			path += "&api-version=2022-04-01"
		} else {
			path += "?api-version=2022-04-01"
		}
		e.expectError("GET", path, tok, nil, c.status, c.code, "")
	}
	e.expectError("GET", "/subscriptions?api-version=latest", tok, nil, http.StatusBadRequest, "InvalidApiVersionParameter", "")
}

// FuzzParseARMFilter: any $filter text parses or is rejected, never panics,
// and what parses round-trips its principalId.
func FuzzParseARMFilter(f *testing.F) {
	for _, s := range []string{"atScope()", "principalId eq 'x'", "atScope() and assignedTo('a')", "roleName eq 'O''Brien'", "type eq 'BuiltInRole'", "tagName eq 'env' and tagValue eq 'prod'", "(", "eq eq eq", "' and '"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		fl, ok := parseARMFilter(src)
		if !ok {
			return
		}
		if p, has := fl.eq["principalid"]; has && strings.Contains(p, "''") {
			t.Fatalf("unescaped quote left in %q", p)
		}
	})
}

// TestARMGroupAssignmentsGrantAccess: a role held through a group counts,
// as Azure RBAC evaluates it, and assignedTo() lists it.
func TestARMGroupAssignmentsGrantAccess(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	tok := e.armToken()
	sp := ten.Connector.ServicePrincipalID
	sub := ten.Azure.Subscriptions[0].SubscriptionID
	scope := "/subscriptions/" + sub
	for _, a := range connectorAssignments(ten) {
		if err := ten.DeleteARMRoleAssignment(a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if subs, _ := e.listAll("/subscriptions?api-version=2022-12-01", tok); len(subs) != 0 {
		t.Fatalf("without roles the connector sees %d subscriptions", len(subs))
	}
	group := ten.Groups[0]
	if err := ten.AddGroupMember(group.ID, sp); err != nil {
		t.Fatal(err)
	}
	ga, err := ten.AddARMRoleAssignment(AzRoleAssignment{Scope: scope, RoleDefinitionID: readerRoleID, PrincipalID: group.ID})
	if err != nil {
		t.Fatal(err)
	}
	subs, _ := e.listAll("/subscriptions?api-version=2022-12-01", tok)
	if !slices.Equal(ids(subs, "subscriptionId"), []string{sub}) {
		t.Fatalf("subscriptions through the group = %v, want [%s]", ids(subs, "subscriptionId"), sub)
	}
	e.getJSON(scope+"/resourcegroups?api-version=2021-04-01", tok, http.StatusOK)
	got, _ := e.listAll(scope+"/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter="+url.QueryEscape("assignedTo('"+sp+"')"), tok)
	var want []string
	ten.Snapshot(func(t *Tenant) {
		mine := principalAndGroupsLocked(t, sp)
		for _, a := range t.Azure.RoleAssignments {
			if mine[strings.ToLower(a.PrincipalID)] && (scopeCovers(a.Scope, scope) || scopeCovers(scope, a.Scope)) {
				want = append(want, a.Name)
			}
		}
	})
	if !slices.Equal(ids(got, "name"), want) || !slices.Contains(want, ga.Name) {
		t.Fatalf("assignedTo(connector) = %v, want %v (with %s)", ids(got, "name"), want, ga.Name)
	}
	got, _ = e.listAll(scope+"/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter="+url.QueryEscape("principalId eq '"+sp+"'"), tok)
	if len(got) != 0 {
		t.Fatalf("principalId eq (direct only) = %v, want none", ids(got, "name"))
	}
}

// TestARMResourceGroupScope: lists under a resource group, and role
// assignments there include those inherited from the subscription.
func TestARMResourceGroupScope(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	tok := e.armToken()
	rg := ten.Azure.ResourceGroups[0]
	scope := "/subscriptions/" + rg.SubscriptionID + "/resourceGroups/" + rg.Name

	var accts, idents []string
	for _, a := range ten.Azure.StorageAccounts {
		if a.SubscriptionID == rg.SubscriptionID && a.ResourceGroup == rg.Name {
			accts = append(accts, a.Name)
		}
	}
	for _, id := range ten.Azure.UserAssignedIdentities {
		if id.SubscriptionID == rg.SubscriptionID && id.ResourceGroup == rg.Name {
			idents = append(idents, id.Name)
		}
	}
	got, _ := e.listAll(scope+"/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01", tok)
	if !slices.Equal(ids(got, "name"), accts) {
		t.Fatalf("storage accounts in %s = %v, want %v", rg.Name, ids(got, "name"), accts)
	}
	got, _ = e.listAll(scope+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=2023-01-31", tok)
	if !slices.Equal(ids(got, "name"), idents) {
		t.Fatalf("identities in %s = %v, want %v", rg.Name, ids(got, "name"), idents)
	}
	if len(accts) > 0 {
		one := e.getJSON(scope+"/providers/Microsoft.Storage/storageAccounts/"+accts[0]+"?api-version=2023-05-01", tok, http.StatusOK)
		if one["name"] != accts[0] {
			t.Fatalf("GET storage account = %v", one["name"])
		}
	}

	var want []string
	inherited := 0
	for _, a := range ten.Azure.RoleAssignments {
		if scopeCovers(a.Scope, scope) {
			want = append(want, a.ID)
			if !strings.EqualFold(a.Scope, scope) {
				inherited++
			}
		}
	}
	got, _ = e.listAll(scope+"/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()", tok)
	if !slices.Equal(ids(got, "id"), want) || inherited == 0 {
		t.Fatalf("atScope() at %s = %v, want %v (%d inherited)", rg.Name, ids(got, "id"), want, inherited)
	}
}

func TestARMTenants(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	m := e.getJSON("/tenants?api-version=2022-12-01", e.armToken(), http.StatusOK)
	items := m["value"].([]any)
	if len(items) != 1 {
		t.Fatalf("tenants: %d, want 1", len(items))
	}
	it := items[0].(map[string]any)
	var verified []any
	for _, d := range ten.Domains {
		if d.IsVerified {
			verified = append(verified, d.ID)
		}
	}
	if it["tenantId"] != ten.ID || it["id"] != "/tenants/"+ten.ID || it["defaultDomain"] != ten.DefaultDomain ||
		it["tenantCategory"] != "Home" || !slices.Equal(it["domains"].([]any), verified) {
		t.Fatalf("tenant = %v", it)
	}
	e.expectError("GET", "/tenants", e.armToken(), nil, http.StatusBadRequest, "MissingApiVersionParameter", "")
}

// FuzzARMPaths: any GET path under the ARM roots is answered in ARM's
// format (a list, an object or an error), never with a panic or a 5xx.
func FuzzARMPaths(f *testing.F) {
	p, err := ProfileByName("small", 7)
	if err != nil {
		f.Fatal(err)
	}
	ten, err := Generate(p)
	if err != nil {
		f.Fatal(err)
	}
	srv := New(Options{}, ten)
	tok, err := srv.IssueToken(ten.ID, ten.Connector.AppID, "https://management.azure.com", nil)
	if err != nil {
		f.Fatal(err)
	}
	sub := ten.Azure.Subscriptions[0].SubscriptionID
	rg := ten.Azure.ResourceGroups[0].Name
	for _, s := range []string{
		"/subscriptions", "/subscriptions/" + sub, "/subscriptions/" + sub + "/resourcegroups/" + rg,
		"/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleAssignments",
		"/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Storage/storageAccounts/x/blobServices/default/containers",
		"/providers/Microsoft.Authorization/roleDefinitions/" + readerRoleID, "/subscriptions//providers/",
		"/subscriptions/" + sub + "/providers/Microsoft.Authorization/providers/Microsoft.Authorization/roleAssignments/a",
	} {
		f.Add(s, "")
		f.Add(s, "atScope()")
	}
	f.Fuzz(func(t *testing.T, path, filter string) {
		if !strings.HasPrefix(path, "/subscriptions") && !strings.HasPrefix(path, "/providers/") {
			path = "/subscriptions/" + strings.TrimPrefix(path, "/")
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = path
		q := url.Values{"api-version": {"2022-04-01"}}
		if filter != "" {
			q.Set("$filter", filter)
		}
		req.URL.RawQuery = q.Encode()
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET %q $filter=%q: %d %s", path, filter, rec.Code, rec.Body.Bytes())
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil && rec.Code != http.StatusMovedPermanently && rec.Code != http.StatusTemporaryRedirect {
			t.Fatalf("GET %q: %d non-JSON body %q", path, rec.Code, rec.Body.Bytes())
		}
	})
}
