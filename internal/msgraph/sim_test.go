package msgraph

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tenantscope/tenantscope/graphsim"
)

// These tests run the client against graphsim with a generated tenant and
// compare what it reads with the tenant itself, the ground truth.

type simEnv struct {
	c   *Client
	tn  *graphsim.Tenant
	sim *graphsim.Running
}

func newSimEnv(t *testing.T, opts graphsim.Options, profile string) *simEnv {
	t.Helper()
	p, err := graphsim.ProfileByName(profile, 7)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := graphsim.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := graphsim.Start(opts, tn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	var appID string
	var roles []string
	tn.Snapshot(func(t *graphsim.Tenant) {
		appID, roles = t.Connector.AppID, slices.Clone(t.Connector.Granted)
	})
	tok, err := sim.Server.IssueToken(tn.ID, appID, "https://graph.microsoft.com", roles)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{BaseURL: sim.URL, HTTPClient: sim.Client(), Concurrency: 8,
		Tokens: TokenFunc(func(context.Context) (string, error) { return tok, nil })})
	if err != nil {
		t.Fatal(err)
	}
	return &simEnv{c: c, tn: tn, sim: sim}
}

var simUserSelect = []string{"id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "accountEnabled",
	"userType", "createdDateTime", "department", "jobTitle", "usageLocation", "onPremisesSyncEnabled",
	"assignedLicenses", "licenseAssignmentStates", "signInActivity"}

func TestSimUsersEqualTenant(t *testing.T) {
	env := newSimEnv(t, graphsim.Options{PageSizeCap: 7}, "small")
	got := map[string]User{}
	for u, err := range env.c.Users(context.Background(), ListOptions{Select: simUserSelect}) {
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := got[u.ID]; dup {
			t.Fatalf("user %s listed twice", u.ID)
		}
		got[u.ID] = u
	}
	env.tn.Snapshot(func(tn *graphsim.Tenant) {
		if len(got) != len(tn.Users) {
			t.Fatalf("listed %d users, tenant has %d", len(got), len(tn.Users))
		}
		for _, want := range tn.Users {
			u, ok := got[want.ID]
			if !ok {
				t.Fatalf("user %s missing", want.ID)
			}
			if d := diffUser(u, want); d != "" {
				t.Fatalf("user %s: %s", want.ID, d)
			}
		}
	})
	// 50 users at 7 per page.
	if st := env.c.Stats(); st.Requests != 8 {
		t.Fatalf("stats = %+v", st)
	}
	n, err := env.c.Count(context.Background(), "users", "")
	if err != nil || n != int64(len(got)) {
		t.Fatalf("$count = %d, %v; want %d", n, err, len(got))
	}
}

func diffUser(u User, w *graphsim.User) string {
	switch {
	case u.UserPrincipalName != w.UserPrincipalName, u.DisplayName != w.DisplayName, u.GivenName != w.GivenName,
		u.Surname != w.Surname, u.Mail != w.Mail, u.UserType != w.UserType, u.Department != w.Department,
		u.JobTitle != w.JobTitle, u.UsageLocation != w.UsageLocation:
		return fmt.Sprintf("strings differ: %+v", u)
	case u.AccountEnabled == nil || *u.AccountEnabled != w.AccountEnabled:
		return "accountEnabled differs"
	case u.CreatedDateTime == nil || !u.CreatedDateTime.Equal(w.CreatedDateTime):
		return fmt.Sprintf("createdDateTime %v, want %v", u.CreatedDateTime, w.CreatedDateTime)
	case (u.OnPremisesSyncEnabled == nil) != (w.OnPremisesSyncEnabled == nil) ||
		u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled != *w.OnPremisesSyncEnabled:
		return "onPremisesSyncEnabled differs"
	}
	if len(u.AssignedLicenses) != len(w.AssignedLicenses) {
		return fmt.Sprintf("%d licences, want %d", len(u.AssignedLicenses), len(w.AssignedLicenses))
	}
	for i, l := range u.AssignedLicenses {
		if l.SkuID != w.AssignedLicenses[i].SkuID || !slices.Equal(l.DisabledPlans, w.AssignedLicenses[i].DisabledPlans) &&
			len(l.DisabledPlans)+len(w.AssignedLicenses[i].DisabledPlans) > 0 {
			return fmt.Sprintf("licence %d = %+v, want %+v", i, l, w.AssignedLicenses[i])
		}
	}
	if len(u.LicenseAssignmentStates) != len(w.LicenseAssignmentStates) {
		return "licenseAssignmentStates length differs"
	}
	for i, s := range u.LicenseAssignmentStates {
		ws := w.LicenseAssignmentStates[i]
		by := ""
		if s.AssignedByGroup != nil {
			by = *s.AssignedByGroup
		}
		if s.SkuID != ws.SkuID || by != ws.AssignedByGroup || s.State != ws.State {
			return fmt.Sprintf("licenseAssignmentState %d = %+v, want %+v", i, s, ws)
		}
	}
	si := u.SignInActivity
	last := w.SignIn.LastSignInDateTime
	switch {
	case last.IsZero() && si != nil && !Never(si.LastSignInDateTime):
		return "sign-in where there was none"
	case !last.IsZero() && (si == nil || si.LastSignInDateTime == nil || !si.LastSignInDateTime.Equal(last)):
		return fmt.Sprintf("lastSignInDateTime %+v, want %v", si, last)
	}
	return ""
}

func TestSimGroupsAndMembersEqualTenant(t *testing.T) {
	env := newSimEnv(t, graphsim.Options{PageSizeCap: 7}, "small")
	ctx := context.Background()
	groups, err := collect(env.c.Groups(ctx, ListOptions{Select: []string{"id", "displayName", "groupTypes", "mailEnabled", "securityEnabled", "mail", "membershipRule"}}))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []BatchRequest
	for _, g := range groups {
		reqs = append(reqs, BatchRequest{ID: g.ID, Method: "GET", URL: GroupMembersURL(g.ID, []string{"id"})})
	}
	members := map[string][]string{}
	err = env.c.CollectBatched(ctx, reqs, func(id string, item json.RawMessage) error {
		var o DirectoryObject
		if err := json.Unmarshal(item, &o); err != nil {
			return err
		}
		members[id] = append(members[id], o.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var biggest string
	env.tn.Snapshot(func(tn *graphsim.Tenant) {
		if len(groups) != len(tn.Groups) {
			t.Fatalf("listed %d groups, tenant has %d", len(groups), len(tn.Groups))
		}
		for i, g := range groups {
			w := tn.Groups[i]
			if g.ID != w.ID || g.DisplayName != w.DisplayName || g.Mail != w.Mail || *g.MailEnabled != w.MailEnabled ||
				*g.SecurityEnabled != w.SecurityEnabled || g.MembershipRule != w.MembershipRule || !slices.Equal(g.GroupTypes, w.GroupTypes) && len(w.GroupTypes) > 0 {
				t.Fatalf("group %d = %+v, want %+v", i, g, w)
			}
			if !sameSet(members[w.ID], w.Members) {
				t.Fatalf("group %s members = %d, want %d", w.ID, len(members[w.ID]), len(w.Members))
			}
			if biggest == "" || len(w.Members) > len(members[biggest]) {
				biggest = w.ID
			}
		}
	})
	// The same membership through the plain iterator.
	var ids []string
	for m, err := range env.c.GroupMembers(ctx, biggest, ListOptions{Select: []string{"id"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if m.ODataType == "" {
			t.Fatalf("member %s without @odata.type", m.ID)
		}
		ids = append(ids, m.ID)
	}
	if !sameSet(ids, members[biggest]) || len(ids) <= 7 {
		t.Fatalf("GroupMembers(%s) = %d members, batch gave %d", biggest, len(ids), len(members[biggest]))
	}
	if st := env.c.Stats(); st.BatchInnerRequests <= int64(len(groups)) {
		t.Fatalf("member pages beyond the first were not batched: %+v", st)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

func TestSimSubscribedSKUsEqualTenant(t *testing.T) {
	env := newSimEnv(t, graphsim.Options{}, "small")
	skus, err := env.c.SubscribedSKUs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var want []*graphsim.SubscribedSKU
	env.tn.Snapshot(func(tn *graphsim.Tenant) { want = tn.SubscribedSKUs })
	if len(skus) != len(want) || len(skus) == 0 {
		t.Fatalf("%d SKUs, want %d", len(skus), len(want))
	}
	for i, s := range skus {
		w := want[i]
		if s.SkuID != w.SkuID || s.SkuPartNumber != w.SkuPartNumber || s.CapabilityStatus != w.CapabilityStatus ||
			s.AppliesTo != w.AppliesTo || s.ID != env.tn.ID+"_"+w.SkuID ||
			s.PrepaidUnits != (LicenseUnits{Enabled: w.Enabled, Suspended: w.Suspended, Warning: w.Warning, LockedOut: w.LockedOut}) ||
			s.ConsumedUnits != env.tn.ConsumedUnits(w.SkuID) || len(s.ServicePlans) != len(w.ServicePlans) {
			t.Fatalf("SKU %d = %+v, want %+v (consumed %d)", i, s, w, env.tn.ConsumedUnits(w.SkuID))
		}
		for j, p := range s.ServicePlans {
			if p.ServicePlanID != w.ServicePlans[j].ServicePlanID || p.ServicePlanName != w.ServicePlans[j].ServicePlanName {
				t.Fatalf("SKU %s plan %d = %+v", s.SkuPartNumber, j, p)
			}
		}
	}
}

// deltaMirror is what a delta consumer keeps: users and groups (with
// members) as the rounds describe them.
type deltaMirror struct {
	users   map[string]User
	groups  map[string]string              // id -> displayName
	members map[string]map[string]struct{} // group -> members
}

func (m *deltaMirror) applyUsers(p DeltaPage[User]) error {
	for _, u := range p.Items {
		m.users[u.ID] = u
	}
	for _, r := range p.Removed {
		delete(m.users, r.ID)
	}
	return nil
}

func (m *deltaMirror) applyGroups(p DeltaPage[Group]) error {
	for _, g := range p.Items {
		m.groups[g.ID] = g.DisplayName
		set := m.members[g.ID]
		if set == nil {
			set = map[string]struct{}{}
			m.members[g.ID] = set
		}
		for _, md := range g.MembersDelta {
			if md.Removed {
				delete(set, md.ID)
			} else {
				set[md.ID] = struct{}{}
			}
		}
	}
	for _, r := range p.Removed {
		delete(m.groups, r.ID)
		delete(m.members, r.ID)
	}
	return nil
}

func (m *deltaMirror) check(t *testing.T, tn *graphsim.Tenant) {
	t.Helper()
	tn.Snapshot(func(tn *graphsim.Tenant) {
		if len(m.users) != len(tn.Users) {
			t.Fatalf("mirror has %d users, tenant %d", len(m.users), len(tn.Users))
		}
		for _, w := range tn.Users {
			u, ok := m.users[w.ID]
			if !ok {
				t.Fatalf("user %s missing", w.ID)
			}
			if u.DisplayName != w.DisplayName || u.Department != w.Department || u.JobTitle != w.JobTitle ||
				u.AccountEnabled == nil || *u.AccountEnabled != w.AccountEnabled || len(u.AssignedLicenses) != len(w.AssignedLicenses) {
				t.Fatalf("user %s = %+v, want %+v", w.ID, u, w)
			}
		}
		if len(m.groups) != len(tn.Groups) {
			t.Fatalf("mirror has %d groups, tenant %d", len(m.groups), len(tn.Groups))
		}
		for _, w := range tn.Groups {
			if m.groups[w.ID] != w.DisplayName {
				t.Fatalf("group %s = %q, want %q", w.ID, m.groups[w.ID], w.DisplayName)
			}
			if !sameSet(slices.Collect(maps.Keys(m.members[w.ID])), w.Members) {
				t.Fatalf("group %s members = %d, want %d", w.ID, len(m.members[w.ID]), len(w.Members))
			}
		}
	})
}

func TestSimDeltaRoundTripAfterChurn(t *testing.T) {
	env := newSimEnv(t, graphsim.Options{PageSizeCap: 7}, "small")
	ctx := context.Background()
	m := &deltaMirror{users: map[string]User{}, groups: map[string]string{}, members: map[string]map[string]struct{}{}}
	userSel := []string{"displayName", "department", "jobTitle", "accountEnabled", "assignedLicenses"}
	groupSel := []string{"displayName", "members"}

	userLink, err := env.c.UsersDelta(ctx, "", userSel, m.applyUsers)
	if err != nil {
		t.Fatal(err)
	}
	groupLink, err := env.c.GroupsDelta(ctx, "", groupSel, m.applyGroups)
	if err != nil {
		t.Fatal(err)
	}
	m.check(t, env.tn)

	sum := env.tn.Churn(0.2, 42)
	if sum.UsersChanged+sum.UsersAdded+sum.UsersDeleted == 0 || sum.MembersAdded+sum.MembersRemoved == 0 {
		t.Fatalf("churn changed nothing: %+v", sum)
	}
	before := env.c.Stats().Requests
	var changed int
	userLink2, err := env.c.UsersDelta(ctx, userLink, nil, func(p DeltaPage[User]) error {
		changed += len(p.Items) + len(p.Removed)
		return m.applyUsers(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.GroupsDelta(ctx, groupLink, nil, m.applyGroups); err != nil {
		t.Fatal(err)
	}
	m.check(t, env.tn)
	if changed == 0 || changed >= len(m.users) {
		t.Fatalf("second round carried %d user changes for %d users", changed, len(m.users))
	}
	if env.c.Stats().Requests-before > 6 {
		t.Fatalf("delta rounds took %d requests", env.c.Stats().Requests-before)
	}
	// Nothing changed since: an empty round.
	var none int
	if _, err := env.c.UsersDelta(ctx, userLink2, nil, func(p DeltaPage[User]) error {
		none += len(p.Items) + len(p.Removed)
		return nil
	}); err != nil || none != 0 {
		t.Fatalf("unchanged round: %d changes, %v", none, err)
	}
}

func TestSimFaultsConvergeToTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("waits real backoff")
	}
	env := newSimEnv(t, graphsim.Options{PageSizeCap: 7, FaultRate: 0.05, ResetRate: 0.03, TruncateRate: 0.03,
		ExpireSkipTokens: 0.05, FaultSeed: 5}, "small")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for range 3 {
		users, err := collect(env.c.Users(ctx, ListOptions{Select: simUserSelect}))
		if err != nil {
			t.Fatal(err)
		}
		env.tn.Snapshot(func(tn *graphsim.Tenant) {
			if len(users) != len(tn.Users) {
				t.Fatalf("%d users, want %d", len(users), len(tn.Users))
			}
			for i, u := range users {
				if d := diffUser(u, tn.Users[i]); d != "" {
					t.Fatalf("user %d: %s", i, d)
				}
			}
		})
	}
	m := &deltaMirror{users: map[string]User{}, groups: map[string]string{}, members: map[string]map[string]struct{}{}}
	if _, err := env.c.UsersDelta(ctx, "", []string{"displayName", "department", "jobTitle", "accountEnabled", "assignedLicenses"}, m.applyUsers); err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.GroupsDelta(ctx, "", []string{"displayName", "members"}, m.applyGroups); err != nil {
		t.Fatal(err)
	}
	m.check(t, env.tn)
	if st := env.c.Stats(); st.Retries == 0 {
		t.Fatalf("no faults were retried: %+v", st)
	}
}

// TestSimAzureTokenSource signs in with azidentity against the simulator's
// token endpoint, lists through the client, and refreshes past the cache.
func TestSimAzureTokenSource(t *testing.T) {
	env := newSimEnv(t, graphsim.Options{}, "small")
	var appID string
	env.tn.Snapshot(func(t *graphsim.Tenant) { appID = t.Connector.AppID })
	cred, err := azidentity.NewClientSecretCredential(env.tn.ID, appID, env.tn.ConnectorSecret(),
		&azidentity.ClientSecretCredentialOptions{
			ClientOptions: azcore.ClientOptions{Transport: env.sim.Client(),
				Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: env.sim.URL + "/"}},
			DisableInstanceDiscovery: true,
		})
	if err != nil {
		t.Fatal(err)
	}
	src := AzureTokenSource(cred, "https://graph.microsoft.com/.default")
	c, err := New(Options{BaseURL: env.sim.URL, HTTPClient: env.sim.Client(), Tokens: src})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	skus, err := c.SubscribedSKUs(ctx)
	if err != nil || len(skus) == 0 {
		t.Fatalf("skus = %d, %v", len(skus), err)
	}
	first, _ := src.Token(ctx)
	again, _ := src.Token(ctx)
	fresh, err := src.(TokenRefresher).RefreshToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first != again || fresh == first || fresh == "" {
		t.Fatal("cache not used, or refresh returned the cached token")
	}
	org, err := c.Organization(ctx)
	if err != nil || org.ID != env.tn.ID {
		t.Fatalf("organization = %+v, %v", org, err)
	}
	// The connector's own registration, for its secrets' expiry.
	app, err := c.ApplicationByAppID(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	want := env.tn.ApplicationByAppID(appID)
	if app.ID != want.ID || len(app.PasswordCredentials) != len(want.PasswordCredentials) || len(app.PasswordCredentials) == 0 {
		t.Fatalf("application = %+v", app)
	}
	last := app.PasswordCredentials[len(app.PasswordCredentials)-1]
	wantLast := want.PasswordCredentials[len(want.PasswordCredentials)-1]
	if last.KeyID != wantLast.KeyID || last.EndDateTime == nil || !last.EndDateTime.Equal(wantLast.EndDateTime) ||
		strings.Contains(string(app.Raw), env.tn.ConnectorSecret()) {
		t.Fatalf("password credential = %+v", last)
	}
	if _, err := c.ApplicationByAppID(ctx, "00000000-0000-0000-0000-00000000beef"); !IsNotFound(err) {
		t.Fatalf("unknown appId: %v", err)
	}
}

// TestSimThrottlingConverges drives more resource units than the tenant's
// budget (5,000 per 10 s for 50 users, refilled at 500 a second) and expects
// every call to succeed after honouring the 429s, with the client's counters
// matching the simulator's.
func TestSimThrottlingConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the throttling window")
	}
	env := newSimEnv(t, graphsim.Options{Throttle: true}, "small")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var group string
	env.tn.Snapshot(func(t *graphsim.Tenant) { group = t.Groups[0].ID })
	// transitiveMembers costs 5 units: 7,500 in all, so about 5 s beyond
	// the bucket.
	const calls = 1500
	errs := make(chan error, calls)
	sem := make(chan struct{}, 16)
	start := time.Now()
	for range calls {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			_, err := collect(env.c.GroupTransitiveMembers(ctx, group, ListOptions{}))
			errs <- err
		}()
	}
	for range calls {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	st := env.c.Stats()
	sim := env.sim.Server.Stats()
	t.Logf("%d calls in %v: client %+v; simulator requests %d, throttled %d", calls, elapsed.Round(time.Millisecond), st, sim.Requests, sim.Throttled)
	if st.Throttled == 0 || st.Throttled != sim.Throttled || st.Requests != sim.Requests || st.Requests != calls+st.Retries {
		t.Fatalf("client %+v vs simulator %+v", st, sim)
	}
	// The bucket refills 500 units a second: 2,500 units over it need 5 s.
	if elapsed < 4*time.Second {
		t.Fatalf("finished in %v, faster than the quota allows", elapsed)
	}
}
