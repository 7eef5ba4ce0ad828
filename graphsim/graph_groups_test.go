package graphsim

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// groupWith returns the first group satisfying pred.
func groupWith(f *simFixture, pred func(t *Tenant, g *Group) bool) *Group {
	var out *Group
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			if pred(t, g) {
				out = g
				return
			}
		}
	})
	return out
}

func TestGroupsListAndFilters(t *testing.T) {
	f := smallFixture(t)
	var all []string
	unified := 0
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			all = append(all, g.ID)
			if slices.Contains(g.GroupTypes, "Unified") {
				unified++
			}
		}
	})
	items, _ := f.all("/v1.0/groups?$select=id&$top=5")
	got := make([]string, len(items))
	for i, it := range items {
		got[i], _ = it["id"].(string)
	}
	if !slices.Equal(got, all) {
		t.Errorf("groups paged %v, tenant %v", got, all)
	}
	m365, _ := f.all("/v1.0/groups?$filter=groupTypes/any(c:c+eq+'Unified')&$select=id,groupTypes")
	if len(m365) != unified || unified == 0 {
		t.Errorf("Unified groups: %d, tenant has %d", len(m365), unified)
	}
	code, body := f.get("/v1.0/groups/$count", "ConsistencyLevel", "eventual")
	if code != 200 || string(body) != itoa(len(all)) {
		t.Errorf("groups/$count = %d %s, want %d", code, body, len(all))
	}
	none := f.withRoles("User.Read.All")
	code, body = none.get("/v1.0/groups")
	wantGraphError(t, code, body, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func itoa(n int) string {
	b, _ := appendJSON(nil, n)
	return string(b)
}

func TestGroupMembersAndCasts(t *testing.T) {
	f := smallFixture(t)
	g := groupWith(f, func(t *Tenant, g *Group) bool {
		users, others := 0, 0
		for _, m := range g.Members {
			if t.kindByID[m] == KindUser {
				users++
			} else {
				others++
			}
		}
		return users > 0 && others > 0
	})
	if g == nil {
		g = groupWith(f, func(_ *Tenant, g *Group) bool { return len(g.Members) > 1 })
	}
	if g == nil {
		t.Fatal("no group with members")
	}
	var members []string
	kinds := map[string]ObjectKind{}
	f.tenant.Snapshot(func(t *Tenant) {
		members = slices.Clone(g.Members)
		for _, m := range members {
			kinds[m] = t.kindByID[m]
		}
	})
	items, last := f.all("/v1.0/groups/" + g.ID + "/members?$top=1")
	if len(items) != len(members) {
		t.Fatalf("members: %d, tenant %d", len(items), len(members))
	}
	for i, it := range items {
		if it["id"] != members[i] || it["@odata.type"] != odataTypeOf(kinds[members[i]]) {
			t.Errorf("member %d = %v %v, want %s %s", i, it["id"], it["@odata.type"], members[i], odataTypeOf(kinds[members[i]]))
		}
	}
	if last.Context != f.run.URL+"/v1.0/$metadata#directoryObjects" {
		t.Errorf("context %q", last.Context)
	}
	// The cast needs ConsistencyLevel: eventual.
	code, body := f.get("/v1.0/groups/" + g.ID + "/members/microsoft.graph.user")
	wantGraphError(t, code, body, 400, "Request_UnsupportedQuery", "Unsupported Query.")
	users, _ := f.all("/v1.0/groups/"+g.ID+"/members/microsoft.graph.user?$count=true", "ConsistencyLevel", "eventual")
	wantUsers := 0
	for _, m := range members {
		if kinds[m] == KindUser {
			wantUsers++
		}
	}
	if len(users) != wantUsers {
		t.Errorf("user members: %d, want %d", len(users), wantUsers)
	}
	code, body = f.get("/v1.0/groups/"+g.ID+"/members/$count", "ConsistencyLevel", "eventual")
	if code != 200 || string(body) != itoa(len(members)) {
		t.Errorf("members/$count = %d %s, want %d", code, body, len(members))
	}
	code, body = f.get("/v1.0/groups/"+g.ID+"/members/microsoft.graph.user/$count", "ConsistencyLevel", "eventual")
	if code != 200 || string(body) != itoa(wantUsers) {
		t.Errorf("members/microsoft.graph.user/$count = %d %s, want %d", code, body, wantUsers)
	}
	code, body = f.get("/v1.0/groups/00000000-0000-0000-0000-000000000001/members")
	wantGraphError(t, code, body, 404, "Request_ResourceNotFound", "Resource '00000000-0000-0000-0000-000000000001' does not exist or one of its queried reference-property objects are not present.")
}

func TestTransitiveMembersAndMemberOf(t *testing.T) {
	f := smallFixture(t)
	// Nest a group with members inside another one.
	var parent, child *Group
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			if len(g.Members) > 0 && child == nil {
				child = g
			}
		}
		for _, g := range t.Groups {
			if g != child && !slices.Contains(g.Members, child.ID) {
				parent = g
				return
			}
		}
	})
	if err := f.tenant.AddGroupMember(parent.ID, child.ID); err != nil {
		t.Fatalf("nest %s in %s: %v", child.ID, parent.ID, err)
	}
	var wantTransitive []string
	f.tenant.Snapshot(func(t *Tenant) { wantTransitive = transitiveMemberIDs(t, parent) })
	items, _ := f.all("/v1.0/groups/" + parent.ID + "/transitiveMembers?$select=id")
	got := make([]string, len(items))
	for i, it := range items {
		got[i], _ = it["id"].(string)
	}
	if !slices.Equal(got, wantTransitive) || len(wantTransitive) <= len(parent.Members) {
		t.Errorf("transitiveMembers %d ids, want %d (direct %d)", len(got), len(wantTransitive), len(parent.Members))
	}
	// memberOf of a user in the child group includes the child;
	// transitiveMemberOf also the parent.
	var uid string
	var wantOf []string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, m := range child.Members {
			if t.kindByID[m] == KindUser {
				uid = m
				wantOf = memberOfIDs(t, m)
				break
			}
		}
	})
	if uid == "" {
		t.Fatal("child group has no user member")
	}
	of, _ := f.all("/v1.0/users/" + uid + "/memberOf?$select=id")
	if ids := idsOf(groupsIn(of)); !slices.Equal(ids, wantOf) || !slices.Contains(ids, child.ID) {
		t.Errorf("memberOf %v, want %v", ids, wantOf)
	}
	tof, _ := f.all("/v1.0/users/" + uid + "/transitiveMemberOf?$select=id")
	if ids := idsOf(tof); !slices.Contains(ids, parent.ID) || !slices.Contains(ids, child.ID) {
		t.Errorf("transitiveMemberOf %v lacks %s or %s", ids, parent.ID, child.ID)
	}
}

func TestMemberOfIncludesDirectoryRoles(t *testing.T) {
	f := smallFixture(t)
	var uid string
	var want []string // role template ids held directly
	f.tenant.Snapshot(func(t *Tenant) {
		for _, ra := range t.RoleAssignments {
			if t.kindByID[ra.PrincipalID] == KindUser && scopeOrRoot(ra.DirectoryScopeID) == "/" {
				uid = ra.PrincipalID
				break
			}
		}
		for _, d := range directRolesOf(t, uid) {
			want = append(want, templateOf(d))
		}
	})
	if uid == "" {
		t.Fatal("no user holds a directory role in the small tenant")
	}
	items, _ := f.all("/v1.0/users/" + uid + "/memberOf")
	var got []string
	for _, it := range items {
		if it["@odata.type"] == "#microsoft.graph.directoryRole" {
			got = append(got, it["roleTemplateId"].(string))
		}
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("memberOf roles %v, want %v", got, want)
	}
	groupsOnly, _ := f.all("/v1.0/users/"+uid+"/memberOf/microsoft.graph.group", "ConsistencyLevel", "eventual")
	for _, it := range groupsOnly {
		if it["@odata.type"] != "#microsoft.graph.group" {
			t.Errorf("group cast returned %v", it["@odata.type"])
		}
	}
}

// groupsIn keeps the groups of a directoryObject list (memberOf also lists
// directory roles).
func groupsIn(items []map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range items {
		if it["@odata.type"] == "#microsoft.graph.group" {
			out = append(out, it)
		}
	}
	return out
}

func TestExpandMembersAndMemberOf(t *testing.T) {
	f := smallFixture(t)
	var gid string
	var members []string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			if len(g.Members) > len(members) {
				gid, members = g.ID, slices.Clone(g.Members)
			}
		}
	})
	var g map[string]any
	f.getOK("/v1.0/groups/"+gid+"?$select=id&$expand=members($select=id)", &g)
	got, _ := g["members"].([]any)
	want := members[:min(len(members), maxExpandedObjects)]
	if len(got) != len(want) {
		t.Fatalf("expanded %d members, want %d", len(got), len(want))
	}
	for i, m := range got {
		mm := m.(map[string]any)
		if mm["id"] != want[i] || mm["@odata.type"] == nil || len(mm) != 2 {
			t.Errorf("member %d = %v, want id %s with @odata.type only", i, mm, want[i])
		}
	}
	var uid string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, m := range members {
			if t.kindLocked(m) == KindUser {
				uid = m
				return
			}
		}
	})
	var u map[string]any
	f.getOK("/v1.0/users?$select=id&$filter=id%20eq%20'"+uid+"'&$expand=memberOf($select=id,displayName)", &u)
	vals := u["value"].([]any)
	if len(vals) != 1 {
		t.Fatalf("filter by id returned %d users", len(vals))
	}
	of, _ := vals[0].(map[string]any)["memberOf"].([]any)
	found := false
	for _, o := range of {
		if o.(map[string]any)["id"] == gid {
			found = true
		}
	}
	if !found {
		t.Errorf("$expand=memberOf of %s lacks group %s: %v", uid, gid, of)
	}
}

func TestRegisteredDevices(t *testing.T) {
	f := smallFixture(t)
	var uid string
	var want []string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, d := range t.Devices {
			if d.RegisteredOwnerID != "" {
				uid = d.RegisteredOwnerID
				break
			}
		}
		want = devicesOwnedBy(t, uid)
	})
	if uid == "" {
		t.Fatal("no device with a registered owner in the small tenant")
	}
	items, _ := f.all("/v1.0/users/" + uid + "/registeredDevices")
	if got := idsOf(items); !slices.Equal(got, want) {
		t.Errorf("registeredDevices %v, want %v", got, want)
	}
	for _, it := range items {
		if it["@odata.type"] != "#microsoft.graph.device" || it["deviceId"] == nil {
			t.Errorf("device entry %v", it)
		}
	}
}

// TestInaccessibleMembersHaveLimitedInformation: with GroupMember.Read.All
// only, user members come back as @odata.type and id with null properties.
func TestInaccessibleMembersHaveLimitedInformation(t *testing.T) {
	f := smallFixture(t)
	g := groupWith(f, func(t *Tenant, g *Group) bool {
		for _, m := range g.Members {
			if t.kindLocked(m) == KindUser {
				return true
			}
		}
		return false
	})
	ro := f.withRoles("GroupMember.Read.All")
	items, _ := ro.all("/v1.0/groups/" + g.ID + "/members?$select=id,displayName")
	users := 0
	for _, it := range items {
		if it["@odata.type"] != "#microsoft.graph.user" {
			continue
		}
		users++
		if it["id"] == nil || it["displayName"] != nil {
			t.Errorf("inaccessible user member %v, want id only", it)
		}
	}
	if users == 0 {
		t.Fatal("no user members listed")
	}
	full := f.withRoles("GroupMember.Read.All", "User.Read.All")
	items, _ = full.all("/v1.0/groups/" + g.ID + "/members?$select=id,displayName")
	for _, it := range items {
		if it["@odata.type"] == "#microsoft.graph.user" && it["displayName"] == nil {
			t.Errorf("user member without displayName despite User.Read.All: %v", it)
		}
	}
}

func TestGroupQueryForms(t *testing.T) {
	f := smallFixture(t)
	var pg graphPage
	// Teams-enabled groups (the model has none); the filter is accepted.
	f.getOK("/v1.0/groups?$filter=resourceProvisioningOptions/Any(x:x+eq+'Team')&$select=id", &pg)
	if len(pg.Value) != 0 {
		t.Errorf("Team filter returned %d groups", len(pg.Value))
	}
	items, _ := f.all("/beta/groups?$orderby=displayName+desc&$select=displayName&$top=4")
	for i := 1; i < len(items); i++ {
		if strings.ToLower(items[i-1]["displayName"].(string)) < strings.ToLower(items[i]["displayName"].(string)) {
			t.Fatalf("not in descending order at %d", i)
		}
	}
	var a, b string
	f.tenant.Snapshot(func(t *Tenant) {
		a = strings.Fields(t.Groups[0].DisplayName)[0]
		b = strings.Fields(t.Groups[len(t.Groups)-1].DisplayName)[0]
	})
	want := 0
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			if wordPrefix(g.DisplayName, a) || wordPrefix(g.DisplayName, b) {
				want++
			}
		}
	})
	found, _ := f.all("/v1.0/groups?$search="+url.QueryEscape(`"displayName:`+a+`" OR "displayName:`+b+`"`)+"&$select=id", "ConsistencyLevel", "eventual")
	if len(found) != want {
		t.Errorf("$search OR found %d, want %d", len(found), want)
	}
	code, body := f.get("/v1.0/groups?$expand=favourites")
	wantGraphError(t, code, body, 400, "Request_BadRequest", "Parsing OData Select and Expand failed: Could not find a property named 'favourites' on type 'microsoft.graph.group'.")
}
