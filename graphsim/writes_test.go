package graphsim

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// cloudUser returns the first cloud-only user (PATCH refuses synchronised
// ones) that satisfies pred.
func cloudUser(f *simFixture, pred func(u *User) bool) string {
	f.t.Helper()
	var id string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			if (u.OnPremisesSyncEnabled == nil || !*u.OnPremisesSyncEnabled) && (pred == nil || pred(u)) {
				id = u.ID
				return
			}
		}
	})
	if id == "" {
		f.t.Fatal("no cloud-only user fits")
	}
	return id
}

func TestAssignLicenseRoundTrip(t *testing.T) {
	f := smallFixture(t)
	// A user with a usage location and a SKU with free seats they lack.
	var uid, sku string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, s := range t.SubscribedSKUs {
			if s.AppliesTo != "User" || s.Enabled-t.consumedLocked(s.SkuID) <= 0 {
				continue
			}
			for _, u := range t.Users {
				has := false
				for _, l := range u.AssignedLicenses {
					has = has || strings.EqualFold(l.SkuID, s.SkuID)
				}
				if !has && u.UsageLocation != "" {
					uid, sku = u.ID, s.SkuID
					return
				}
			}
		}
	})
	if uid == "" {
		t.Fatal("no user/SKU pair to assign")
	}
	code, _, body := f.do("POST", "/v1.0/users/"+uid+"/assignLicense", `{"addLicenses":[{"skuId":"`+sku+`","disabledPlans":[]}],"removeLicenses":[]}`)
	if code != 200 {
		t.Fatalf("assignLicense: %d %s", code, body)
	}
	assertSameShape(t, readExample(t, "v1.0_assignLicense_response.json"), body)
	var pg graphPage
	f.getOK("/v1.0/users?$select=id,assignedLicenses&$filter=assignedLicenses/any(x:x/skuId+eq+"+sku+")&$top=999", &pg)
	if !slices.Contains(idsOf(pg.Value), uid) {
		t.Error("assigned licence does not show in a later read")
	}
	code, _, body = f.do("POST", "/v1.0/users/"+uid+"/assignLicense", `{"addLicenses":[]}`)
	wantGraphError(t, code, body, 400, "Request_BadRequest", "One or more parameters of the function import 'assignLicense' are missing from the request payload. The missing parameters are: removeLicenses.")
	code, _, body = f.do("POST", "/v1.0/users/"+uid+"/assignLicense", `{"addLicenses":[{"skuId":"00000000-0000-0000-0000-0000000000aa"}],"removeLicenses":[]}`)
	wantGraphError(t, code, body, 400, "Request_BadRequest", "License 00000000-0000-0000-0000-0000000000aa does not correspond to a valid company License.")
	// Remove it again; removing it twice is an error.
	code, _, body = f.do("POST", "/v1.0/users/"+uid+"/assignLicense", `{"addLicenses":[],"removeLicenses":["`+sku+`"]}`)
	if code != 200 {
		t.Fatalf("remove: %d %s", code, body)
	}
	code, _, body = f.do("POST", "/v1.0/users/"+uid+"/assignLicense", `{"addLicenses":[],"removeLicenses":["`+sku+`"]}`)
	wantGraphError(t, code, body, 400, "Request_BadRequest", "User does not have a corresponding license.")
	// A user without a usage location cannot be licensed.
	var noLoc string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			if u.UsageLocation == "" {
				noLoc = u.ID
				return
			}
		}
	})
	if noLoc != "" {
		code, _, body = f.do("POST", "/v1.0/users/"+noLoc+"/assignLicense", `{"addLicenses":[{"skuId":"`+sku+`"}],"removeLicenses":[]}`)
		wantGraphError(t, code, body, 400, "Request_BadRequest", "License assignment cannot be done for user with invalid usage location.")
	}
	ro := f.withRoles("User.Read.All")
	code, _, body = ro.do("POST", "/v1.0/users/"+uid+"/assignLicense", `{"addLicenses":[],"removeLicenses":[]}`)
	wantGraphError(t, code, body, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func TestPatchUserAndRevoke(t *testing.T) {
	f := smallFixture(t)
	uid := cloudUser(f, func(u *User) bool { return u.AccountEnabled })
	code, _, body := f.do("PATCH", "/v1.0/users/"+uid, `{"accountEnabled":false}`)
	if code != 204 || len(body) != 0 {
		t.Fatalf("PATCH: %d %s", code, body)
	}
	var u map[string]any
	f.getOK("/v1.0/users/"+uid+"?$select=accountEnabled", &u)
	if u["accountEnabled"] != false {
		t.Errorf("accountEnabled after PATCH = %v", u["accountEnabled"])
	}
	// User.EnableDisableAccount.All may change only accountEnabled.
	ed := f.withRoles("User.EnableDisableAccount.All", "User.Read.All")
	if code, _, body := ed.do("PATCH", "/v1.0/users/"+uid, `{"accountEnabled":true}`); code != 204 {
		t.Errorf("EnableDisableAccount PATCH: %d %s", code, body)
	}
	code, _, body = ed.do("PATCH", "/v1.0/users/"+uid, `{"department":"X"}`)
	wantGraphError(t, code, body, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	code, _, body = f.do("PATCH", "/v1.0/users/"+uid, `{"id":"x"}`)
	wantGraphError(t, code, body, 400, "Request_BadRequest", "Property 'id' is read-only or not supported and cannot be set.")

	code, _, body = f.do("POST", "/v1.0/users/"+uid+"/revokeSignInSessions", "")
	if code != 200 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	assertSameShape(t, readExample(t, "v1.0_users_revokeSignInSessions_response.json"), body)
	var rv map[string]any
	_ = json.Unmarshal(body, &rv)
	if rv["value"] != true || rv["@odata.context"] != f.run.URL+"/v1.0/$metadata#Edm.Boolean" {
		t.Errorf("revoke body %s", body)
	}
	var after map[string]any
	f.getOK("/v1.0/users/"+uid+"?$select=signInSessionsValidFromDateTime", &after)
	if after["signInSessionsValidFromDateTime"] != formatGraphTime(f.tenant.Now) {
		t.Errorf("signInSessionsValidFromDateTime after revoke = %v, want %s", after["signInSessionsValidFromDateTime"], formatGraphTime(f.tenant.Now))
	}
	code, _, body = f.do("POST", "/v1.0/users/00000000-0000-0000-0000-000000000009/revokeSignInSessions", "")
	wantGraphError(t, code, body, 404, "Request_ResourceNotFound", "Resource '00000000-0000-0000-0000-000000000009' does not exist or one of its queried reference-property objects are not present.")
}

func TestGroupMemberRefWrites(t *testing.T) {
	f := smallFixture(t)
	var gid, uid string
	f.tenant.Snapshot(func(t *Tenant) {
		g := t.Groups[0]
		gid = g.ID
		for _, u := range t.Users {
			if !slices.Contains(g.Members, u.ID) {
				uid = u.ID
				return
			}
		}
	})
	ref := `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/` + uid + `"}`
	if code, _, body := f.do("POST", "/v1.0/groups/"+gid+"/members/$ref", ref); code != 204 {
		t.Fatalf("add: %d %s", code, body)
	}
	items, _ := f.all("/v1.0/groups/" + gid + "/members?$select=id")
	if !slices.Contains(idsOf(items), uid) {
		t.Error("added member not listed")
	}
	code, _, body := f.do("POST", "/v1.0/groups/"+gid+"/members/$ref", ref)
	wantGraphError(t, code, body, 400, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.")
	code, _, body = f.do("POST", "/v1.0/groups/"+gid+"/members/$ref", `{"@odata.id":"not a url"}`)
	wantGraphError(t, code, body, 400, "Request_BadRequest", "Invalid URL format specified in @odata.id.")
	if code, _, body := f.do("DELETE", "/v1.0/groups/"+gid+"/members/"+uid+"/$ref", ""); code != 204 {
		t.Fatalf("remove: %d %s", code, body)
	}
	items, _ = f.all("/v1.0/groups/" + gid + "/members?$select=id")
	if slices.Contains(idsOf(items), uid) {
		t.Error("removed member still listed")
	}
	ro := f.withRoles("GroupMember.Read.All")
	code, _, body = ro.do("DELETE", "/v1.0/groups/"+gid+"/members/"+uid+"/$ref", "")
	wantGraphError(t, code, body, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func TestAuthenticationMethods(t *testing.T) {
	f := smallFixture(t)
	var uid, mid, kind string
	var n int
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			for _, m := range u.AuthMethods {
				if m.ODataType != "#microsoft.graph.passwordAuthenticationMethod" {
					for seg, typ := range authMethodSegments {
						if typ == m.ODataType {
							uid, mid, kind, n = u.ID, m.ID, seg, len(u.AuthMethods)
							return
						}
					}
				}
			}
		}
	})
	if uid == "" {
		t.Fatal("no user with a deletable authentication method")
	}
	var pg graphPage
	f.getOK("/v1.0/users/"+uid+"/authentication/methods", &pg)
	if len(pg.Value) != n {
		t.Fatalf("methods: %d, tenant %d", len(pg.Value), n)
	}
	ro := f.withRoles("UserAuthenticationMethod.Read.All")
	code, _, body := ro.do("DELETE", "/v1.0/users/"+uid+"/authentication/"+kind+"/"+mid, "")
	wantGraphError(t, code, body, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	if code, _, body := f.do("DELETE", "/v1.0/users/"+uid+"/authentication/"+kind+"/"+mid, ""); code != 204 {
		t.Fatalf("delete: %d %s", code, body)
	}
	f.getOK("/v1.0/users/"+uid+"/authentication/methods", &pg)
	if len(pg.Value) != n-1 || slices.Contains(idsOf(pg.Value), mid) {
		t.Errorf("after delete: %d methods", len(pg.Value))
	}
	none := f.withRoles("User.Read.All")
	code, body = none.get("/v1.0/users/" + uid + "/authentication/methods")
	wantGraphError(t, code, body, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func TestPatchGroupBindsMembersAndRenames(t *testing.T) {
	f := smallFixture(t)
	var gid string
	var add []string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, g := range t.Groups {
			if g.MembershipRule == "" && (g.OnPremisesSyncEnabled == nil || !*g.OnPremisesSyncEnabled) {
				gid = g.ID
				for _, u := range t.Users {
					if !slices.Contains(g.Members, u.ID) && len(add) < 3 {
						add = append(add, u.ID)
					}
				}
				return
			}
		}
	})
	var refs []string
	for _, id := range add {
		refs = append(refs, `"https://graph.microsoft.com/v1.0/directoryObjects/`+id+`"`)
	}
	body := `{"displayName":"Renamed","members@odata.bind":[` + strings.Join(refs, ",") + `]}`
	if code, _, b := f.do("PATCH", "/v1.0/groups/"+gid, body); code != 204 {
		t.Fatalf("PATCH group: %d %s", code, b)
	}
	var g map[string]any
	f.getOK("/v1.0/groups/"+gid+"?$select=displayName", &g)
	if g["displayName"] != "Renamed" {
		t.Errorf("displayName = %v", g["displayName"])
	}
	items, _ := f.all("/v1.0/groups/" + gid + "/members?$select=id")
	for _, id := range add {
		if !slices.Contains(idsOf(items), id) {
			t.Errorf("bound member %s not listed", id)
		}
	}
	var many []string
	for i := 0; i < 21; i++ {
		many = append(many, `"https://graph.microsoft.com/v1.0/directoryObjects/`+add[0]+`"`)
	}
	code, _, b := f.do("PATCH", "/v1.0/groups/"+gid, `{"members@odata.bind":[`+strings.Join(many, ",")+`]}`)
	wantGraphError(t, code, b, 400, "Request_BadRequest", "The maximum number of members that can be added in a single request is 20.")
	code, _, b = f.do("PATCH", "/v1.0/groups/"+gid, `{"members@odata.bind":[`+refs[0]+`]}`)
	wantGraphError(t, code, b, 400, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.")
}

func TestPatchSynchronisedUser(t *testing.T) {
	f := smallFixture(t)
	var uid string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			if u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled {
				uid = u.ID
				return
			}
		}
	})
	if uid == "" {
		t.Skip("the small tenant has no synchronised users")
	}
	for _, body := range []string{`{"accountEnabled":false}`, `{"department":"X"}`} {
		code, _, b := f.do("PATCH", "/v1.0/users/"+uid, body)
		wantGraphError(t, code, b, 400, "Request_BadRequest", "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.")
	}
	if code, _, b := f.do("PATCH", "/v1.0/users/"+uid, `{"usageLocation":"GB"}`); code != 204 {
		t.Errorf("usageLocation on a synchronised user: %d %s", code, b)
	}
}
