package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/graphsim"
)

// runStoreCLI runs tenantscope like Main, with the sync, runs and list
// commands registered even before commands() lists them.
func runStoreCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runStoreCLIAt(t, nil, env, args...)
}

// runStoreCLIAt is runStoreCLI with the clock now (nil: time.Now).
func runStoreCLIAt(t *testing.T, now func() time.Time, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := newApp(Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Now: now})
	root := NewRootCommand(a)
	for _, mk := range []func(*App) *cobra.Command{newSyncCommand, newRunsCommand, newUsersCommand, newGroupsCommand, newRolesCommand,
		newDevicesCommand, newAppsCommand, newGrantsCommand, newLicensesCommand} {
		c := mk(a)
		if found, _, err := root.Find([]string{c.Name()}); err != nil || found == root {
			root.AddCommand(c)
		}
	}
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	code := exitCode(err)
	if err != nil {
		errb.WriteString("Error: " + err.Error() + "\n")
		if isUsageError(err) {
			code = ExitConfig
		}
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func TestSyncRunsAndListCommands(t *testing.T) {
	sim := startSim(t, func(p *graphsim.Profile) { p.Tier = graphsim.TierP1 })
	db := filepath.Join(t.TempDir(), "ts.db")
	env := map[string]string{}
	base := []string{"--config", sim.config, "--db", db}

	// Before any sync, list commands refuse rather than show an empty tenant.
	// Two levels of nesting among cloud security groups, which the small
	// profile's generator may not have made.
	var plain []*graphsim.Group
	for _, g := range sim.tenant.Groups {
		if len(g.GroupTypes) == 0 && g.MembershipRule == "" && (g.OnPremisesSyncEnabled == nil || !*g.OnPremisesSyncEnabled) && len(g.Members) > 0 {
			plain = append(plain, g)
		}
	}
	if len(plain) < 3 {
		t.Fatalf("the small tenant has %d cloud security groups with members, the test needs 3", len(plain))
	}
	nestedID := plain[0].ID
	for _, pair := range [][2]*graphsim.Group{{plain[0], plain[1]}, {plain[1], plain[2]}} {
		if err := sim.tenant.AddGroupMember(pair[0].ID, pair[1].ID); err != nil {
			t.Fatal(err)
		}
	}

	r := runStoreCLI(t, env, append(base, "users")...)
	if r.code != ExitConfig || !strings.Contains(r.stderr, "no completed sync") {
		t.Fatalf("users before sync: %d %s", r.code, r.stderr)
	}

	r = runStoreCLI(t, env, append(base, "sync")...)
	if r.code != ExitOK {
		t.Fatalf("sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"users", "ok", "full", "run 1 (generation 1, full)"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("sync output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, sim.secret) {
		t.Fatal("sync output contains the client secret")
	}

	// users -o json: one object per user, Microsoft property names.
	r = runStoreCLI(t, env, append(base, "users", "-o", "json")...)
	if r.code != ExitOK {
		t.Fatalf("users: %d %s", r.code, r.stderr)
	}
	var users []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &users); err != nil {
		t.Fatalf("users json: %v\n%s", err, r.stdout)
	}
	if len(users) != len(sim.tenant.Users) {
		t.Fatalf("users: %d rows, tenant has %d", len(users), len(sim.tenant.Users))
	}
	want := sim.tenant.User(users[0]["id"].(string))
	if users[0]["userPrincipalName"] != want.UserPrincipalName || users[0]["accountEnabled"] != want.AccountEnabled {
		t.Fatalf("first user %v, tenant %s %v", users[0], want.UserPrincipalName, want.AccountEnabled)
	}
	// Sign-in activity (the tenant has P1): every user's, as the tenant has it.
	signedIn := 0
	for _, u := range users {
		tu := sim.tenant.User(u["id"].(string))
		for col, at := range map[string]time.Time{"lastSignInDateTime": tu.SignIn.LastSignInDateTime,
			"lastNonInteractiveSignInDateTime": tu.SignIn.LastNonInteractiveSignInDateTime} {
			var wantAt any
			if !at.IsZero() {
				wantAt = at.UTC().Format(time.RFC3339)
				signedIn++
			}
			if u[col] != wantAt {
				t.Fatalf("user %s: %s %v, tenant %v", tu.UserPrincipalName, col, u[col], wantAt)
			}
		}
	}
	if signedIn == 0 {
		t.Fatal("no user of the P1 tenant has signed in: the sign-in columns are not tested")
	}

	// Filters: disabled users only.
	r = runStoreCLI(t, env, append(base, "users", "--enabled=false", "-o", "csv")...)
	disabled := 0
	for _, u := range sim.tenant.Users {
		if !u.AccountEnabled {
			disabled++
		}
	}
	if lines := strings.Count(strings.TrimSpace(r.stdout), "\n"); r.code != ExitOK || lines != disabled {
		t.Fatalf("disabled users: %d rows, tenant has %d (exit %d)\n%s", lines, disabled, r.code, r.stdout)
	}

	r = runStoreCLI(t, env, append(base, "licenses", "-o", "json")...)
	var skus []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &skus); err != nil || len(skus) != len(sim.tenant.SubscribedSKUs) {
		t.Fatalf("licenses: %v %d rows\n%s", err, len(skus), r.stdout)
	}
	for _, s := range skus {
		id := s["skuId"].(string)
		if int(s["consumedUnits"].(float64)) != sim.tenant.ConsumedUnits(id) {
			t.Fatalf("sku %s consumed %v, tenant %d", id, s["consumedUnits"], sim.tenant.ConsumedUnits(id))
		}
	}

	// groups: every group, each with its direct member count.
	r = runStoreCLI(t, env, append(base, "groups", "-o", "json")...)
	var groups []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &groups); r.code != ExitOK || err != nil || len(groups) != len(sim.tenant.Groups) {
		t.Fatalf("groups: exit %d, %v, %d rows, tenant has %d\n%s", r.code, err, len(groups), len(sim.tenant.Groups), r.stderr)
	}
	partOf := map[string]string{}
	for _, s := range sim.tenant.SubscribedSKUs {
		partOf[strings.ToLower(s.SkuID)] = s.SkuPartNumber
	}
	licensed := 0
	for _, g := range groups {
		id := g["id"].(string)
		tg := sim.tenant.GroupByID(id)
		if n, want := int(g["memberCount"].(float64)), len(tg.Members); n != want {
			t.Fatalf("group %s: memberCount %d, tenant %d", id, n, want)
		}
		var want []string
		for _, l := range tg.AssignedLicenses {
			want = append(want, partOf[strings.ToLower(l.SkuID)])
		}
		slices.Sort(want)
		if got := fmt.Sprint(g["assignedLicenses"]); (len(want) > 0 || got != "<nil>") && got != fmt.Sprint(want) {
			t.Fatalf("group %s: assignedLicenses %s, tenant %v", id, got, want)
		}
		licensed += len(want)
	}
	if licensed == 0 {
		t.Fatal("no group of the small tenant assigns licences: the licences column is not tested")
	}

	// groups members: a group nesting a group that nests another (set up
	// before the first sync), direct and transitive, against the tenant;
	// named by id or by display name.
	nested := sim.tenant.GroupByID(nestedID)
	transitive := map[string]bool{}
	var walk func(g *graphsim.Group)
	walk = func(g *graphsim.Group) {
		for _, m := range g.Members {
			if transitive[m] {
				continue
			}
			transitive[m] = true
			if sub := sim.tenant.GroupByID(m); sub != nil {
				walk(sub)
			}
		}
	}
	walk(nested)
	oneLevel := map[string]bool{}
	for _, g := range []*graphsim.Group{plain[0], plain[1]} {
		for _, m := range g.Members {
			oneLevel[m] = true
		}
	}
	if len(transitive) <= len(oneLevel) {
		t.Fatalf("test setup: the third group adds no member the first two lack (%d, %d)", len(transitive), len(oneLevel))
	}
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{nested.ID}, len(nested.Members)},
		{[]string{nested.DisplayName, "--transitive"}, len(transitive)},
	} {
		r = runStoreCLI(t, env, append(append(base, "groups", "members"), append(tc.args, "-o", "json")...)...)
		var ms []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &ms); r.code != ExitOK || err != nil || len(ms) != tc.want {
			t.Fatalf("groups members %v: exit %d, %v, %d rows, want %d\n%s", tc.args, r.code, err, len(ms), tc.want, r.stderr)
		}
		for _, m := range ms {
			id := m["id"].(string)
			if !transitive[id] {
				t.Fatalf("groups members %v: %s is not a member", tc.args, id)
			}
			if u := sim.tenant.User(id); u != nil {
				if m["@odata.type"] != "#microsoft.graph.user" || m["userPrincipalName"] != u.UserPrincipalName || m["accountEnabled"] != u.AccountEnabled {
					t.Fatalf("member %v, tenant user %s %v", m, u.UserPrincipalName, u.AccountEnabled)
				}
			}
			if g := sim.tenant.GroupByID(id); g != nil && (m["@odata.type"] != "#microsoft.graph.group" || m["displayName"] != g.DisplayName) {
				t.Fatalf("member %v, tenant group %s", m, g.DisplayName)
			}
		}
	}
	// groups owners: a group with owners, named by id, against the tenant.
	var owned *graphsim.Group
	for _, g := range sim.tenant.Groups {
		if len(g.Owners) > 1 && owned == nil {
			owned = g
		}
	}
	if owned == nil {
		t.Fatal("no group of the small tenant has two owners or more")
	}
	r = runStoreCLI(t, env, append(base, "groups", "owners", owned.ID, "-o", "json")...)
	var owners []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &owners); r.code != ExitOK || err != nil || len(owners) != len(owned.Owners) {
		t.Fatalf("groups owners: exit %d, %v, %d rows, want %d\n%s", r.code, err, len(owners), len(owned.Owners), r.stderr)
	}
	for _, o := range owners {
		u := sim.tenant.User(o["id"].(string))
		if !slices.Contains(owned.Owners, o["id"].(string)) || u == nil || o["userPrincipalName"] != u.UserPrincipalName {
			t.Fatalf("owner %v of %s, tenant owners %v", o, owned.DisplayName, owned.Owners)
		}
	}

	r = runStoreCLI(t, env, append(base, "groups", "members", "no such group")...)
	if r.code != ExitConfig || !strings.Contains(r.stderr, `no group "no such group"`) {
		t.Fatalf("groups members of an unknown group: exit %d\n%s", r.code, r.stderr)
	}

	for _, cmd := range [][]string{{"apps"}, {"apps", "--registrations"}, {"runs"}, {"runs", "--resources"}} {
		r = runStoreCLI(t, env, append(append(base, cmd...), "-o", "json")...)
		var rows []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &rows); r.code != ExitOK || err != nil || len(rows) == 0 {
			t.Fatalf("%v: exit %d, %v, %d rows\n%s", cmd, r.code, err, len(rows), r.stderr)
		}
	}

	// A second sync is a delta run and shows in the history.
	r = runStoreCLI(t, env, append(base, "sync")...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "(generation 2, delta)") {
		t.Fatalf("second sync: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runStoreCLI(t, env, append(base, "runs", "-o", "json")...)
	var runs []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || len(runs) != 2 || runs[0]["mode"] != "delta" || runs[0]["current"] != true {
		t.Fatalf("runs: %v\n%s", err, r.stdout)
	}
}

// roles: every active assignment and PIM eligibility of a P2 tenant, with
// the principals' names and the PIM schedules, against the tenant.
func TestRolesCommand(t *testing.T) {
	sim, base := syncedSim(t)
	env := map[string]string{}
	ten := sim.tenant
	if len(ten.RoleAssignments) == 0 || len(ten.RoleEligibilities) == 0 || len(ten.RoleAssignmentScheds) == 0 {
		t.Fatalf("the P2 tenant has %d assignments, %d eligibilities, %d assignment schedules: the test needs some of each",
			len(ten.RoleAssignments), len(ten.RoleEligibilities), len(ten.RoleAssignmentScheds))
	}
	roleName := map[string]string{}
	for _, d := range ten.RoleDefinitions {
		roleName[d.ID] = d.DisplayName
	}
	type key struct{ principal, role, scope string }
	schedType := map[key]string{}
	for _, s := range ten.RoleAssignmentScheds {
		schedType[key{s.PrincipalID, s.RoleDefinitionID, s.DirectoryScopeID}] = s.AssignmentType
	}
	want := map[string]int{} // "state role principal scope" -> count
	for _, a := range ten.RoleAssignments {
		want[fmt.Sprintf("active %s %s %s %s", roleName[a.RoleDefinitionID], a.PrincipalID, a.DirectoryScopeID, schedType[key{a.PrincipalID, a.RoleDefinitionID, a.DirectoryScopeID}])]++
	}
	for _, e := range ten.RoleEligibilities {
		want[fmt.Sprintf("eligible %s %s %s ", roleName[e.RoleDefinitionID], e.PrincipalID, e.DirectoryScopeID)]++
	}

	r := runStoreCLI(t, env, append(base, "roles", "-o", "json")...)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); r.code != ExitOK || err != nil {
		t.Fatalf("roles: exit %d, %v\n%s", r.code, err, r.stderr)
	}
	got := map[string]int{}
	for _, row := range rows {
		assigned, _ := row["assignmentType"].(string)
		got[fmt.Sprintf("%s %s %s %s %s", row["state"], row["roleDisplayName"], row["principalId"], row["directoryScopeId"], assigned)]++
		if u := ten.User(row["principalId"].(string)); u != nil &&
			(row["principalType"] != "#microsoft.graph.user" || row["userPrincipalName"] != u.UserPrincipalName || row["principalDisplayName"] != u.DisplayName) {
			t.Fatalf("role holder %v, tenant user %s %s", row, u.UserPrincipalName, u.DisplayName)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("roles:\n%v\nwant\n%v", got, want)
	}

	// Filters: one role's eligibilities, by display name.
	ga := 0
	for _, e := range ten.RoleEligibilities {
		if roleName[e.RoleDefinitionID] == "Global Administrator" {
			ga++
		}
	}
	r = runStoreCLI(t, env, append(base, "roles", "--role", "global administrator", "--state", "eligible", "-o", "json")...)
	rows = nil
	if err := json.Unmarshal([]byte(r.stdout), &rows); r.code != ExitOK || err != nil || len(rows) != ga {
		t.Fatalf("Global Administrator eligibilities: exit %d, %v, %d rows, want %d\n%s", r.code, err, len(rows), ga, r.stderr)
	}
	for _, c := range [][]string{{"--role", "No Such Role"}, {"--state", "pending"}} {
		if r := runStoreCLI(t, env, append(append(base, "roles"), c...)...); r.code != ExitConfig {
			t.Fatalf("roles %v: exit %d, want %d\n%s", c, r.code, ExitConfig, r.stderr)
		}
	}
}

// devices: every managed device, and the filters, against the tenant at
// its own clock.
func TestDevicesCommand(t *testing.T) {
	sim, base := syncedSim(t)
	env := map[string]string{}
	ten := sim.tenant
	now := func() time.Time { return ten.Now }
	count := func(keep func(d *graphsim.ManagedDevice) bool) int {
		n := 0
		for _, d := range ten.ManagedDevices {
			if keep(d) {
				n++
			}
		}
		return n
	}
	stale := ten.Now.AddDate(0, 0, -30)
	someUser := ten.ManagedDevices[0].UserPrincipalName
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, len(ten.ManagedDevices)},
		{[]string{"--compliance", "NonCompliant"}, count(func(d *graphsim.ManagedDevice) bool { return d.ComplianceState == "noncompliant" })},
		{[]string{"--os", "windows"}, count(func(d *graphsim.ManagedDevice) bool { return strings.EqualFold(d.OperatingSystem, "Windows") })},
		{[]string{"--stale", "30"}, count(func(d *graphsim.ManagedDevice) bool {
			return d.LastSyncDateTime.IsZero() || !d.LastSyncDateTime.After(stale)
		})},
		{[]string{"--user", strings.ToUpper(someUser)}, count(func(d *graphsim.ManagedDevice) bool { return strings.EqualFold(d.UserPrincipalName, someUser) })},
	} {
		r := runStoreCLIAt(t, now, env, append(append(base, "devices", "-o", "json"), tc.args...)...)
		var rows []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &rows); r.code != ExitOK || err != nil || len(rows) != tc.want {
			t.Fatalf("devices %v: exit %d, %v, %d rows, want %d\n%s", tc.args, r.code, err, len(rows), tc.want, r.stderr)
		}
		if tc.want == 0 || tc.want == len(ten.ManagedDevices) && tc.args != nil {
			t.Fatalf("devices %v: the filter keeps %d of %d devices in the tenant: it tests nothing", tc.args, tc.want, len(ten.ManagedDevices))
		}
		for _, row := range rows {
			id := row["id"].(string)
			var d *graphsim.ManagedDevice
			for _, x := range ten.ManagedDevices {
				if x.ID == id {
					d = x
				}
			}
			if d == nil || row["deviceName"] != d.DeviceName || row["complianceState"] != d.ComplianceState || row["isEncrypted"] != d.IsEncrypted {
				t.Fatalf("device %v, tenant %+v", row, d)
			}
		}
	}
	if r := runStoreCLI(t, env, append(base, "devices", "--stale", "-1")...); r.code != ExitConfig {
		t.Fatalf("devices --stale -1: exit %d, want %d", r.code, ExitConfig)
	}
}

// grants: every application permission and delegated scope the tenant's
// applications hold, named as the APIs' app roles name them, against the
// tenant; and the filters.
func TestGrantsCommand(t *testing.T) {
	sim, base := syncedSim(t)
	env := map[string]string{}
	ten := sim.tenant
	roleValue := map[string]string{} // resource id + app role id -> value
	for _, sp := range ten.ServicePrincipals {
		for _, r := range sp.AppRoles {
			roleValue[sp.ID+"|"+strings.ToLower(r.ID)] = r.Value
		}
	}
	var want []string
	apps, delegated, readWriteAll := 0, 0, 0
	for _, a := range ten.AppRoleAssignments {
		if a.PrincipalType != "ServicePrincipal" {
			continue
		}
		v := roleValue[a.ResourceID+"|"+strings.ToLower(a.AppRoleID)]
		want = append(want, fmt.Sprintf("application|%s|%s|%s||", a.PrincipalID, a.ResourceID, v))
		apps++
		if strings.HasSuffix(strings.ToLower(v), ".readwrite.all") {
			readWriteAll++
		}
	}
	for _, g := range ten.OAuth2PermissionGrant {
		upn := ""
		if u := ten.User(g.PrincipalID); u != nil {
			upn = u.UserPrincipalName
		}
		for _, s := range strings.Fields(g.Scope) {
			want = append(want, fmt.Sprintf("delegated|%s|%s|%s|%s|%s", g.ClientID, g.ResourceID, s, g.ConsentType, upn))
			delegated++
		}
	}
	if apps == 0 || delegated == 0 || readWriteAll == 0 {
		t.Fatalf("the tenant has %d application permissions (%d *.ReadWrite.All) and %d delegated scopes: the test needs some of each", apps, readWriteAll, delegated)
	}
	grants := func(args ...string) []map[string]any {
		t.Helper()
		r := runStoreCLI(t, env, append(append(base, "grants", "-o", "json"), args...)...)
		var rows []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &rows); r.code != ExitOK || err != nil {
			t.Fatalf("grants %v: exit %d, %v\n%s", args, r.code, err, r.stderr)
		}
		return rows
	}
	var got []string
	for _, row := range grants() {
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s|%s", row["kind"], row["clientId"], row["resourceId"], row["permission"], row["consentType"], row["principalUserPrincipalName"]))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("grants:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(grants("--kind", "application")); n != apps {
		t.Fatalf("--kind application: %d rows, want %d", n, apps)
	}
	if n := len(grants("--permission", "*.readwrite.ALL")); n != readWriteAll {
		t.Fatalf("--permission *.ReadWrite.All: %d rows, want %d", n, readWriteAll)
	}
	for _, c := range [][]string{{"--kind", "both"}, {"--permission", "["}} {
		if r := runStoreCLI(t, env, append(append(base, "grants"), c...)...); r.code != ExitConfig {
			t.Fatalf("grants %v: exit %d, want %d", c, r.code, ExitConfig)
		}
	}
}

// users history: a user disabled and stripped of a direct licence between
// two syncs shows both changes at the second run, after what the first
// saw.
func TestUserHistoryCommand(t *testing.T) {
	sim, base := syncedSim(t)
	env := map[string]string{}
	ten := sim.tenant
	var u *graphsim.User
	var sku string
	for _, x := range ten.Users {
		if !x.AccountEnabled || u != nil {
			continue
		}
		for _, s := range x.LicenseAssignmentStates {
			if s.AssignedByGroup == "" && s.State == "Active" {
				u, sku = x, s.SkuID
				break
			}
		}
	}
	if u == nil {
		t.Fatal("no enabled user with an active direct licence in the small tenant")
	}
	part := ""
	for _, s := range ten.SubscribedSKUs {
		if strings.EqualFold(s.SkuID, sku) {
			part = s.SkuPartNumber
		}
	}
	if err := ten.SetAccountEnabled(u.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ten.AssignLicense(u.ID, nil, []string{sku}); err != nil {
		t.Fatal(err)
	}
	if r := runStoreCLI(t, env, append(base, "sync")...); r.code != ExitOK || !strings.Contains(r.stdout, "(generation 2, delta)") {
		t.Fatalf("second sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r := runStoreCLI(t, env, append(base, "users", "history", strings.ToUpper(u.UserPrincipalName), "-o", "json")...)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); r.code != ExitOK || err != nil {
		t.Fatalf("users history: exit %d, %v\n%s", r.code, err, r.stderr)
	}
	var got []string
	for _, row := range rows {
		got = append(got, fmt.Sprintf("%v %s: %s -> %s", row["generation"], row["property"], row["from"], row["to"]))
	}
	lic := "licence " + part + " (direct)"
	for _, want := range []string{
		"1 user:  -> first seen: " + u.UserPrincipalName,
		"1 " + lic + ":  -> assigned: Active",
		"2 accountEnabled: true -> false",
		"2 " + lic + ": Active -> removed",
	} {
		if !slices.Contains(got, want) {
			t.Fatalf("history lacks %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	if r := runStoreCLI(t, env, append(base, "users", "history", "nobody@nowhere.test")...); r.code != ExitConfig {
		t.Fatalf("history of an unknown user: exit %d, want %d\n%s", r.code, ExitConfig, r.stderr)
	}
}
