package graphsim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

func mediumFixture(t *testing.T, opts Options) *simFixture {
	t.Helper()
	if testing.Short() {
		t.Skip("medium tenant in -short mode")
	}
	p, err := ProfileByName("medium", 3)
	if err != nil {
		t.Fatal(err)
	}
	return newSimFixture(t, p, opts, nil)
}

func TestUsersPagingEqualsTenant(t *testing.T) {
	f := mediumFixture(t, Options{})
	var want []string
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			want = append(want, u.ID)
		}
	})
	for _, top := range []string{"999", "100"} {
		items, _ := f.all("/v1.0/users?$select=id,displayName&$top=" + top)
		got := make([]string, len(items))
		for i, it := range items {
			got[i], _ = it["id"].(string)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("$top=%s: paged %d users, tenant has %d (or order differs)", top, len(got), len(want))
		}
	}
}

func TestUsersDefaultAndSelectedProperties(t *testing.T) {
	f := smallFixture(t)
	var pg graphPage
	f.getOK("/v1.0/users?$top=3", &pg)
	if len(pg.Value) != 3 || pg.NextLink == "" {
		t.Fatalf("got %d users, nextLink %q", len(pg.Value), pg.NextLink)
	}
	if got, want := keysOf(pg.Value[0]), sortedCopy(userDefaultProps); !slices.Equal(got, want) {
		t.Errorf("default properties %v, want %v", got, want)
	}
	if want := f.run.URL + "/v1.0/$metadata#users"; pg.Context != want {
		t.Errorf("@odata.context %q, want %q", pg.Context, want)
	}

	code, body := f.get("/v1.0/users?$top=1&$select=userType,id,accountEnabled,assignedLicenses")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	// Properties come back in $select order.
	s := string(body)
	i1, i2, i3 := strings.Index(s, `"userType"`), strings.Index(s, `"id"`), strings.Index(s, `"accountEnabled"`)
	if i1 < 0 || i2 < i1 || i3 < i2 {
		t.Errorf("properties not in $select order: %s", s)
	}
	var sel graphPage
	_ = json.Unmarshal(body, &sel)
	if got := keysOf(sel.Value[0]); !slices.Equal(got, []string{"accountEnabled", "assignedLicenses", "id", "userType"}) {
		t.Errorf("selected properties %v", got)
	}
	if !strings.HasSuffix(sel.Context, "#users(userType,id,accountEnabled,assignedLicenses)") {
		t.Errorf("@odata.context %q", sel.Context)
	}

	code, body = f.get("/v1.0/users?$select=id,favouriteColour")
	wantGraphError(t, code, body, 400, "Request_BadRequest", "Parsing OData Select and Expand failed: Could not find a property named 'favouriteColour' on type 'microsoft.graph.user'.")
}

func TestUsersFilterFormsMatchTenant(t *testing.T) {
	f := smallFixture(t)
	var (
		users []*User
		sku   string
	)
	f.tenant.Snapshot(func(t *Tenant) {
		users = slices.Clone(t.Users)
		sku = t.SubscribedSKUs[0].SkuID
	})
	count := func(pred func(u *User) bool) int {
		n := 0
		for _, u := range users {
			if pred(u) {
				n++
			}
		}
		return n
	}
	hasSku := func(u *User, id string) bool {
		for _, l := range u.AssignedLicenses {
			if strings.EqualFold(l.SkuID, id) {
				return true
			}
		}
		return false
	}
	aq := []string{"ConsistencyLevel", "eventual"}
	cases := []struct {
		filter string
		hdr    []string
		want   int
	}{
		{"accountEnabled eq false", nil, count(func(u *User) bool { return !u.AccountEnabled })},
		{"userType eq 'Guest'", nil, count(func(u *User) bool { return u.UserType == "Guest" })},
		{"userType in ('Guest','Member')", nil, len(users)},
		{"assignedLicenses/any(x:x/skuId eq " + sku + ")", nil, count(func(u *User) bool { return hasSku(u, sku) })},
		{"onPremisesSyncEnabled ne true", aq, count(func(u *User) bool { return u.OnPremisesSyncEnabled == nil || !*u.OnPremisesSyncEnabled })},
		{"not(assignedLicenses/any(x:x/skuId eq " + sku + "))", aq, count(func(u *User) bool { return !hasSku(u, sku) })},
		{"startsWith(displayName,'a')", nil, count(func(u *User) bool { return len(u.DisplayName) > 0 && strings.EqualFold(u.DisplayName[:1], "a") })},
		{"endsWith(userPrincipalName,'#EXT#@" + strings.ToLower(users[0].UserPrincipalName[strings.IndexByte(users[0].UserPrincipalName, '@')+1:]) + "')", aq,
			count(func(u *User) bool {
				return strings.HasSuffix(strings.ToLower(u.UserPrincipalName), "#ext#@"+strings.ToLower(users[0].UserPrincipalName[strings.IndexByte(users[0].UserPrincipalName, '@')+1:]))
			})},
		{"id in ('" + users[1].ID + "','" + users[2].ID + "')", nil, 2},
		{"assignedLicenses/$count eq 0", aq, count(func(u *User) bool { return len(u.AssignedLicenses) == 0 })},
		{"assignedLicenses/$count ge 2", aq, count(func(u *User) bool { return len(u.AssignedLicenses) >= 2 })},
		{"proxyAddresses/any(p:startsWith(p,'SMTP:'))", nil, count(func(u *User) bool { return u.Mail != "" })},
		{"signInActivity/lastSignInDateTime le 2026-10-01T00:00:00Z", nil, count(func(u *User) bool {
			a := u.SignIn
			if a.LastSignInDateTime.IsZero() && a.LastNonInteractiveSignInDateTime.IsZero() && a.LastSuccessfulSignInDateTime.IsZero() {
				return false
			}
			return !a.LastSignInDateTime.After(mustODataTime("2026-10-01T00:00:00Z"))
		})},
	}
	for _, c := range cases {
		path := "/v1.0/users?$select=id&$top=7&$filter=" + url.QueryEscape(c.filter)
		if c.hdr != nil {
			path += "&$count=true"
		}
		items, _ := f.all(path, c.hdr...)
		if len(items) != c.want {
			t.Errorf("%s: %d users, tenant says %d", c.filter, len(items), c.want)
		}
	}
	// Sanity: the filters above are not all trivially empty or full.
	if count(func(u *User) bool { return !u.AccountEnabled }) == 0 || count(func(u *User) bool { return hasSku(u, sku) }) == 0 {
		t.Error("small tenant lacks disabled or licensed users; filter tests prove nothing")
	}
}

func TestUsersAdvancedQueryRules(t *testing.T) {
	f := smallFixture(t)
	code, body := f.get("/v1.0/users?$filter=accountEnabled%20ne%20true")
	wantGraphError(t, code, body, 400, "Request_UnsupportedQuery", "Unsupported Query.")
	code, body = f.get("/v1.0/users?$filter=accountEnabled%20ne%20true&$count=true") // header missing
	wantGraphError(t, code, body, 400, "Request_BadRequest", "$count is not currently supported.")
	code, body = f.get("/v1.0/users?$filter=accountEnabled%20ne%20true", "ConsistencyLevel", "eventual") // $count missing
	wantGraphError(t, code, body, 400, "Request_UnsupportedQuery", "Unsupported Query.")
	code, body = f.get("/v1.0/users?$filter=assignedLicenses/$count%20eq%200")
	wantGraphError(t, code, body, 400, "Request_UnsupportedQuery", "Unsupported Query.")
	code, body = f.get("/v1.0/users?$filter=mobilePhone%20eq%20'1'")
	wantGraphError(t, code, body, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'mobilePhone' of resource 'User'.")
	code, body = f.get("/v1.0/users?$filter=accountEnabled%20eq%20'true")
	wantGraphError(t, code, body, 400, "BadRequest", "Invalid filter clause")
	code, body = f.get("/v1.0/users?$orderby=displayName&$filter=accountEnabled%20eq%20true")
	wantGraphError(t, code, body, 400, "Request_UnsupportedQuery", "Sorting not supported for current query.")
	code, body = f.get("/v1.0/users?$search=%22displayName:a%22")
	wantGraphError(t, code, body, 400, "Request_BadRequest", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
}

func TestUsersTopAndPageSizeCap(t *testing.T) {
	f := smallFixture(t)
	code, body := f.get("/v1.0/users?$top=5&$skip=5")
	wantGraphError(t, code, body, 400, "Request_BadRequest", "'$skip' is not supported by the service.")
	code, body = f.get("/v1.0/users?$top=1000")
	wantGraphError(t, code, body, 400, "Request_UnsupportedQuery", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.")
	var pg graphPage
	f.getOK("/v1.0/users?$top=999", &pg)
	if n := len(f.tenant.Users); len(pg.Value) != n || pg.NextLink != "" {
		t.Errorf("$top=999 on %d users: got %d, nextLink %q", n, len(pg.Value), pg.NextLink)
	}

	p, _ := ProfileByName("small", 7)
	capped := newSimFixture(t, p, Options{PageSizeCap: 7}, nil)
	capped.getOK("/v1.0/users?$top=999", &pg)
	if len(pg.Value) != 7 || pg.NextLink == "" {
		t.Errorf("PageSizeCap 7: page of %d, nextLink %q", len(pg.Value), pg.NextLink)
	}
}

func TestUsersNextLinkIsAbsoluteAndKeepsQuery(t *testing.T) {
	f := smallFixture(t)
	var pg graphPage
	f.getOK("/v1.0/users?$select=id,displayName&$filter=accountEnabled%20eq%20true&$top=2&$count=true", &pg, "ConsistencyLevel", "eventual")
	if pg.Count == nil {
		t.Fatal("no @odata.count on page 1")
	}
	enabled := 0
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			if u.AccountEnabled {
				enabled++
			}
		}
	})
	if *pg.Count != enabled {
		t.Errorf("@odata.count %d, tenant has %d enabled users", *pg.Count, enabled)
	}
	u, err := url.Parse(pg.NextLink)
	if err != nil || u.Scheme+"://"+u.Host != f.run.URL || u.Path != "/v1.0/users" {
		t.Fatalf("nextLink %q not on %s/v1.0/users", pg.NextLink, f.run.URL)
	}
	q := u.Query()
	if q.Get("$select") != "id,displayName" || q.Get("$filter") != "accountEnabled eq true" || q.Get("$count") != "true" || q.Get("$skiptoken") == "" {
		t.Errorf("nextLink query %v", q)
	}
	var next graphPage
	f.getOK(pg.NextLink, &next, "ConsistencyLevel", "eventual")
	if next.Count != nil {
		t.Error("@odata.count repeated on page 2")
	}
	// A skip token does not fit another query.
	code, body := f.get("/v1.0/groups?$skiptoken=" + q.Get("$skiptoken"))
	wantGraphError(t, code, body, 400, "Request_BadRequest", "Invalid Skip Token")
}

func TestExpiredSkipToken(t *testing.T) {
	p, _ := ProfileByName("small", 7)
	f := newSimFixture(t, p, Options{ExpireSkipTokens: 1}, nil)
	var pg graphPage
	f.getOK("/v1.0/users?$top=5", &pg)
	code, body := f.get(pg.NextLink)
	wantGraphError(t, code, body, 400, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
}

func TestUsersCount(t *testing.T) {
	f := smallFixture(t)
	code, hdr, body := f.do("GET", "/v1.0/users/$count", "", "ConsistencyLevel", "eventual")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") || string(body) != strconv.Itoa(len(f.tenant.Users)) {
		t.Errorf("$count: %d %q %q, want 200 text/plain %d", code, hdr.Get("Content-Type"), body, len(f.tenant.Users))
	}
	code, body = f.get("/v1.0/users/$count")
	wantGraphError(t, code, body, 400, "Request_BadRequest", "$count is not currently supported.")
}

func TestSignInActivityGating(t *testing.T) {
	p, _ := ProfileByName("small", 7)
	p.Tier = TierFree
	free := newSimFixture(t, p, Options{}, nil)
	code, body := free.get("/v1.0/users?$select=id,signInActivity")
	if code != 403 {
		t.Fatalf("free tenant: %d %s", code, body)
	}
	assertSameShape(t, readExample(t, "error_signInActivity_no_premium_observed.json"), body)
	wantGraphError(t, code, body, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Tenant is not a B2C tenant and doesn't have premium license")

	f := smallFixture(t).withRoles("User.Read.All")
	code, body = f.get("/v1.0/users?$select=id,signInActivity")
	wantGraphError(t, code, body, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	code, _ = f.get("/v1.0/users?$select=id,displayName")
	if code != 200 {
		t.Errorf("User.Read.All without signInActivity: %d", code)
	}
	ok := smallFixture(t).withRoles("User.Read.All", "AuditLog.Read.All")
	var pg graphPage
	ok.getOK("/v1.0/users?$select=id,signInActivity&$top=999", &pg)
	if len(pg.Value) == 0 {
		t.Fatal("no users")
	}
	if _, has := pg.Value[0]["signInActivity"]; !has {
		t.Error("signInActivity missing when selected with AuditLog.Read.All on p2")
	}
}

func TestUserPermissions(t *testing.T) {
	f := smallFixture(t)
	code, body := f.get("/v1.0/me")
	wantGraphError(t, code, body, 400, "BadRequest", "/me request is only valid with delegated authentication flow.")
	none := f.withRoles("Application.Read.All")
	code, body = none.get("/v1.0/users")
	wantGraphError(t, code, body, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	basic := f.withRoles("User.ReadBasic.All")
	var pg graphPage
	basic.getOK("/v1.0/users?$top=1&$select=id,displayName,department,accountEnabled", &pg)
	if got := keysOf(pg.Value[0]); !slices.Equal(got, []string{"displayName", "id"}) {
		t.Errorf("User.ReadBasic.All sees %v, want only basic properties", got)
	}
}

func TestUserGetByIDAndUPNAndManager(t *testing.T) {
	f := smallFixture(t)
	var u, m *User
	f.tenant.Snapshot(func(t *Tenant) {
		for _, x := range t.Users {
			if x.ManagerID != "" {
				u = x
				m = t.userByID[x.ManagerID]
				break
			}
		}
	})
	if u == nil || m == nil {
		t.Fatal("no user with a manager in the small tenant")
	}
	for _, key := range []string{u.ID, u.UserPrincipalName, strings.ToUpper(u.UserPrincipalName)} {
		var got map[string]any
		f.getOK("/v1.0/users/"+url.PathEscape(key)+"?$select=id,userPrincipalName", &got)
		if got["id"] != u.ID || got["userPrincipalName"] != u.UserPrincipalName {
			t.Errorf("GET /users/%s = %v", key, got)
		}
		if !strings.HasSuffix(got["@odata.context"].(string), "$metadata#users(id,userPrincipalName)/$entity") {
			t.Errorf("context %v", got["@odata.context"])
		}
	}
	// Guests' UPNs carry #EXT#, escaped in the path.
	var guest *User
	f.tenant.Snapshot(func(t *Tenant) {
		for _, x := range t.Users {
			if strings.Contains(x.UserPrincipalName, "#EXT#") {
				guest = x
				break
			}
		}
	})
	if guest == nil {
		t.Fatal("no guest in the small tenant")
	}
	var g map[string]any
	f.getOK("/v1.0/users/"+url.PathEscape(guest.UserPrincipalName)+"?$select=id,userType", &g)
	if g["id"] != guest.ID || g["userType"] != "Guest" {
		t.Errorf("guest by UPN = %v", g)
	}
	var mgr map[string]any
	f.getOK("/v1.0/users/"+u.ID+"/manager", &mgr)
	if mgr["id"] != m.ID || mgr["@odata.type"] != "#microsoft.graph.user" {
		t.Errorf("manager = %v, want %s", mgr, m.ID)
	}
	var exp map[string]any
	f.getOK("/v1.0/users/"+u.ID+"?$select=id&$expand=manager($select=id,displayName)", &exp)
	em, _ := exp["manager"].(map[string]any)
	if em["id"] != m.ID || em["displayName"] != m.DisplayName || len(em) != 3 {
		t.Errorf("$expand=manager = %v", exp)
	}
	var ceo *User
	f.tenant.Snapshot(func(t *Tenant) {
		for _, x := range t.Users {
			if x.ManagerID == "" {
				ceo = x
				break
			}
		}
	})
	code, body := f.get("/v1.0/users/" + ceo.ID + "/manager")
	wantGraphError(t, code, body, 404, "Request_ResourceNotFound", "Resource 'manager' does not exist or one of its queried reference-property objects are not present.")
}

func TestUsersOrderByAndSearch(t *testing.T) {
	f := smallFixture(t)
	items, _ := f.all("/v1.0/users?$orderby=displayName&$select=displayName&$top=10")
	for i := 1; i < len(items); i++ {
		a, _ := items[i-1]["displayName"].(string)
		b, _ := items[i]["displayName"].(string)
		if strings.ToLower(a) > strings.ToLower(b) {
			t.Fatalf("not sorted at %d: %q > %q", i, a, b)
		}
	}
	if len(items) != len(f.tenant.Users) {
		t.Errorf("sorted paging returned %d of %d users", len(items), len(f.tenant.Users))
	}
	var first *User
	f.tenant.Snapshot(func(t *Tenant) { first = t.Users[0] })
	word := strings.Fields(first.DisplayName)[0]
	want := 0
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			if wordPrefix(u.DisplayName, word) {
				want++
			}
		}
	})
	found, _ := f.all("/v1.0/users?$search="+url.QueryEscape(`"displayName:`+word+`"`)+"&$select=id", "ConsistencyLevel", "eventual")
	if len(found) != want || want == 0 {
		t.Errorf("$search displayName:%s found %d, want %d", word, len(found), want)
	}
}

// TestUserPropertiesMatchModel reads every property of a few users, on v1.0
// and beta, and checks each value against the tenant model.
func TestUserPropertiesMatchModel(t *testing.T) {
	f := smallFixture(t)
	var picks []*User
	f.tenant.Snapshot(func(t *Tenant) {
		for _, u := range t.Users {
			if len(u.AssignedLicenses) > 0 && len(picks) < 2 {
				picks = append(picks, u)
			}
			if u.UserType == "Guest" && len(picks) == 2 {
				picks = append(picks, u)
			}
		}
	})
	if len(picks) < 2 {
		t.Fatalf("picked %d users; the small tenant should have licensed users", len(picks))
	}
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	when := func(tm time.Time) any {
		if tm.IsZero() {
			return nil
		}
		return tm.UTC().Format("2006-01-02T15:04:05Z")
	}
	for _, u := range picks {
		for _, version := range []string{"v1.0", "beta"} {
			var got map[string]any
			f.getOK("/"+version+"/users/"+u.ID+"?$select="+strings.Join(userProps, ","), &got)
			var sync any
			if u.OnPremisesSyncEnabled != nil {
				sync = *u.OnPremisesSyncEnabled
			}
			want := map[string]any{
				"id": u.ID, "userPrincipalName": u.UserPrincipalName, "displayName": str(u.DisplayName),
				"givenName": str(u.GivenName), "surname": str(u.Surname), "mail": str(u.Mail),
				"jobTitle": str(u.JobTitle), "department": str(u.Department), "companyName": str(u.CompanyName),
				"officeLocation": str(u.OfficeLocation), "mobilePhone": str(u.MobilePhone), "preferredLanguage": str(u.PreferredLanguage),
				"mailNickname": str(u.MailNickname), "employeeId": str(u.EmployeeID), "usageLocation": str(u.UsageLocation),
				"onPremisesImmutableId": str(u.OnPremisesImmutableID), "accountEnabled": u.AccountEnabled, "userType": u.UserType,
				"onPremisesSyncEnabled": sync, "createdDateTime": when(u.CreatedDateTime), "deletedDateTime": nil,
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s user %s: %s = %#v, want %#v", version, u.ID, k, got[k], w)
				}
			}
			lic, _ := got["assignedLicenses"].([]any)
			if len(lic) != len(u.AssignedLicenses) {
				t.Fatalf("assignedLicenses %d, want %d", len(lic), len(u.AssignedLicenses))
			}
			for i, l := range u.AssignedLicenses {
				m := lic[i].(map[string]any)
				dp, _ := m["disabledPlans"].([]any)
				if m["skuId"] != l.SkuID || len(dp) != len(l.DisabledPlans) {
					t.Errorf("assignedLicenses[%d] = %v, want %+v", i, m, l)
				}
			}
			states, _ := got["licenseAssignmentStates"].([]any)
			if len(states) != len(u.LicenseAssignmentStates) {
				t.Errorf("licenseAssignmentStates %d, want %d", len(states), len(u.LicenseAssignmentStates))
			}
			for i, st := range u.LicenseAssignmentStates {
				m := states[i].(map[string]any)
				if m["skuId"] != st.SkuID || m["assignedByGroup"] != str(st.AssignedByGroup) || m["state"] != st.State || m["error"] != st.Error {
					t.Errorf("licenseAssignmentStates[%d] = %v, want %+v", i, m, st)
				}
			}
			sia, _ := got["signInActivity"].(map[string]any)
			if !u.SignIn.LastSignInDateTime.IsZero() {
				if sia["lastSignInDateTime"] != when(u.SignIn.LastSignInDateTime) || sia["lastSignInRequestId"] != u.SignIn.LastSignInRequestID {
					t.Errorf("signInActivity %v, want %+v", sia, u.SignIn)
				}
			}
		}
	}
}

// TestConcurrentReadsAndWrites pages users, members and deltas while the
// tenant changes underneath; with -race it checks that responses read the
// model only under the tenant lock.
func TestConcurrentReadsAndWrites(t *testing.T) {
	f := smallFixture(t)
	var gid string
	f.tenant.Snapshot(func(t *Tenant) { gid = t.Groups[0].ID })
	done := make(chan struct{})
	errs := make(chan string, 16)
	go func() {
		defer close(done)
		for seed := int64(1); seed <= 20; seed++ {
			f.tenant.Churn(0.2, seed)
		}
	}()
	paths := []string{
		"/v1.0/users?$top=7&$select=id,displayName,assignedLicenses,licenseAssignmentStates,signInActivity,assignedPlans",
		"/v1.0/users/delta?$select=displayName,department",
		"/v1.0/groups/" + gid + "/members?$top=5",
		"/v1.0/groups/delta",
	}
	for {
		select {
		case <-done:
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			return
		default:
		}
		for _, p := range paths {
			for next := p; next != ""; {
				code, body := f.get(next)
				if code != 200 {
					select {
					case errs <- fmt.Sprintf("%s: %d %s", next, code, body):
					default:
					}
					break
				}
				var pg graphPage
				if err := json.Unmarshal(body, &pg); err != nil {
					t.Fatalf("%s: %v", next, err)
				}
				next = pg.NextLink
			}
		}
	}
}
