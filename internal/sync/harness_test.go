package sync

import (
	"context"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

// simEnv is an in-process simulator, a Graph client on it and a store.
type simEnv struct {
	tenant *graphsim.Tenant
	sim    *graphsim.Running
	g      *msgraph.Client
	db     *store.DB
	dbPath string
	name   string // the store connection; "" = "contoso"
}

func (e *simEnv) connName() string {
	if e.name == "" {
		return "contoso"
	}
	return e.name
}

func newSimEnv(t testing.TB, profile string, seed int64, edit func(*graphsim.Profile), opts graphsim.Options) *simEnv {
	t.Helper()
	p, err := graphsim.ProfileByName(profile, seed)
	if err != nil {
		t.Fatal(err)
	}
	// Report names readable unless a test says otherwise, so usage reports
	// can be joined to users.
	p.Concealed = false
	if edit != nil {
		edit(&p)
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
	e := &simEnv{tenant: tn, sim: sim}
	e.g = newGraph(t, sim, tn)
	e.dbPath = filepath.Join(t.TempDir(), "ts.db")
	e.db, err = store.Open(context.Background(), e.dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	return e
}

// newGraph returns a client with a token minted by the simulator for the
// connector's granted roles (cached, as azidentity would).
func newGraph(t testing.TB, sim *graphsim.Running, tn *graphsim.Tenant) *msgraph.Client {
	t.Helper()
	var mu gosync.Mutex
	var tok string
	src := msgraph.TokenFunc(func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if tok != "" {
			return tok, nil
		}
		var roles []string
		var appID string
		tn.Snapshot(func(t *graphsim.Tenant) {
			roles = slices.Clone(t.Connector.Granted)
			appID = t.Connector.AppID
		})
		var err error
		tok, err = sim.Server.IssueToken(tn.ID, appID, "https://graph.microsoft.com", roles)
		return tok, err
	})
	g, err := msgraph.New(msgraph.Options{BaseURL: sim.URL, Tokens: src, HTTPClient: sim.Client(), Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (e *simEnv) options() Options {
	return Options{Connection: e.connName(), GraphBaseURL: e.sim.URL}
}

func (e *simEnv) sync(t testing.TB, o Options) Result {
	t.Helper()
	res, err := Run(context.Background(), e.g, e.db, o)
	if err != nil {
		t.Fatalf("sync: %v\nresources: %+v", err, res.Resources)
	}
	return res
}

func (e *simEnv) conn(t testing.TB) store.Connection {
	t.Helper()
	c, err := e.db.Connection(context.Background(), e.connName())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func resourceStatus(r Result) map[string]string {
	m := map[string]string{}
	for _, rr := range r.Resources {
		m[rr.Resource] = rr.Status
	}
	return m
}

// --- ground truth, as the simulator's tenant has it ---

func lower(s string) string { return strings.ToLower(s) }

// truthUsers renders the tenant's live users the way the store reads them
// back: one line per user with every stored field and licence.
func truthUsers(tn *graphsim.Tenant, domains []string) []string {
	f := newDomainFilter(domains)
	var out []string
	tn.Snapshot(func(t *graphsim.Tenant) {
		for _, u := range t.Users {
			if !f.admits(u.UserPrincipalName) {
				continue
			}
			var lic []string
			for _, s := range u.LicenseAssignmentStates {
				dp := slices.Clone(s.DisabledPlans)
				for i := range dp {
					dp[i] = lower(dp[i])
				}
				sort.Strings(dp)
				lic = append(lic, lower(s.SkuID)+"/"+lower(s.AssignedByGroup)+"/"+s.State+"/"+s.Error+"/"+strings.Join(dp, ","))
			}
			sort.Strings(lic)
			out = append(out, userLine(u.ID, u.UserPrincipalName, u.DisplayName, u.GivenName, u.Surname, u.Mail, u.AccountEnabled, u.UserType,
				u.CreatedDateTime, u.Department, u.JobTitle, u.CompanyName, u.OfficeLocation, u.UsageLocation, u.EmployeeID,
				u.OnPremisesSyncEnabled, u.ManagerID, lic))
		}
	})
	sort.Strings(out)
	return out
}

func storedUsers(t testing.TB, db *store.DB, c store.Connection) []string {
	t.Helper()
	us, err := db.Users(context.Background(), c, store.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range us {
		var lic []string
		for _, l := range u.Licenses {
			dp := slices.Clone(l.DisabledPlans)
			sort.Strings(dp)
			lic = append(lic, l.SkuID+"/"+l.AssignedByGroup+"/"+l.State+"/"+l.Error+"/"+strings.Join(dp, ","))
		}
		sort.Strings(lic)
		out = append(out, userLine(u.ID, u.UserPrincipalName, u.DisplayName, u.GivenName, u.Surname, u.Mail, u.AccountEnabled, u.UserType,
			u.CreatedDateTime, u.Department, u.JobTitle, u.CompanyName, u.OfficeLocation, u.UsageLocation, u.EmployeeID,
			u.OnPremisesSyncEnabled, u.ManagerID, lic))
	}
	sort.Strings(out)
	return out
}

func userLine(id, upn, dn, gn, sn, mail string, enabled bool, typ string, created time.Time, dept, job, company, office, usage, emp string,
	onPrem *bool, manager string, lic []string) string {
	op := "nil"
	if onPrem != nil {
		op = map[bool]string{true: "true", false: "false"}[*onPrem]
	}
	return strings.Join([]string{id, upn, dn, gn, sn, mail, map[bool]string{true: "enabled", false: "disabled"}[enabled], typ,
		created.UTC().Format(time.RFC3339), dept, job, company, office, usage, emp, op, manager, strings.Join(lic, ";")}, "|")
}

func truthGroups(tn *graphsim.Tenant, skipOnPrem bool) (groups, members, owners []string) {
	type mem struct{ g, m string }
	var ms []mem
	tn.Snapshot(func(t *graphsim.Tenant) {
		for _, g := range t.Groups {
			if skipOnPrem && g.OnPremisesSyncEnabled != nil && *g.OnPremisesSyncEnabled {
				continue
			}
			groups = append(groups, g.ID+"|"+g.DisplayName+"|"+g.Mail+"|"+strings.Join(g.GroupTypes, ",")+"|"+
				map[bool]string{true: "sec", false: ""}[g.SecurityEnabled])
			for _, m := range g.Members {
				ms = append(ms, mem{g.ID, m})
			}
			for _, o := range g.Owners {
				owners = append(owners, g.ID+"|"+o)
			}
		}
	})
	// KindOf takes the tenant's lock itself: outside Snapshot.
	for _, m := range ms {
		members = append(members, m.g+"|"+m.m+"|"+kindName(tn.KindOf(m.m)))
	}
	sort.Strings(groups)
	sort.Strings(members)
	sort.Strings(owners)
	return
}

func storedGroups(t testing.TB, db *store.DB, c store.Connection) (groups, members, owners []string) {
	t.Helper()
	ctx := context.Background()
	gs, err := db.Groups(ctx, c, store.GroupQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		groups = append(groups, g.ID+"|"+g.DisplayName+"|"+g.Mail+"|"+strings.Join(g.GroupTypes, ",")+"|"+
			map[bool]string{true: "sec", false: ""}[g.SecurityEnabled])
	}
	ms, err := db.Memberships(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		members = append(members, m.GroupID+"|"+m.Member.ID+"|"+m.Member.Type)
	}
	os, err := db.GroupOwners(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range os {
		owners = append(owners, o.GroupID+"|"+o.Member.ID)
	}
	sort.Strings(groups)
	sort.Strings(members)
	sort.Strings(owners)
	return
}

func kindName(k graphsim.ObjectKind) string {
	switch k {
	case graphsim.KindUser:
		return "user"
	case graphsim.KindGroup:
		return "group"
	case graphsim.KindServicePrincipal:
		return "servicePrincipal"
	case graphsim.KindDevice:
		return "device"
	}
	return "?"
}

// sameLines fails with the first differences when got and want differ.
func sameLines(t testing.TB, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	gs, ws := map[string]bool{}, map[string]bool{}
	for _, g := range got {
		gs[g] = true
	}
	for _, w := range want {
		ws[w] = true
	}
	var missing, extra []string
	for _, w := range want {
		if !gs[w] && len(missing) < 5 {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !ws[g] && len(extra) < 5 {
			extra = append(extra, g)
		}
	}
	t.Errorf("%s: got %d, want %d\nmissing (first 5): %q\nextra (first 5): %q", what, len(got), len(want), missing, extra)
}
