package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/permission"
)

func TestCheckAllPermissionsExitsZero(t *testing.T) {
	s := startSim(t, nil)
	r := runCLI(t, nil, "--config", s.config, "check")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"Tenant            " + s.tenant.DisplayName + " (" + s.tenant.ID + ")",
		"Entra ID tier     P2",
		"Result: ok",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, f := range []string{"users", "licenses", "usage_reports", "sign_in_activity", "groups", "roles", "pim", "apps", "azure"} {
		if l := featureLine(t, r.stdout, f); strings.Fields(l)[1] != "ok" {
			t.Errorf("%s: %s", f, l)
		}
	}

	// -o json carries the same verdicts with Microsoft's identifiers.
	r = runCLI(t, nil, "--config", s.config, "check", "-o", "json")
	var rep CheckReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	if rep.Tenant.ID != s.tenant.ID || rep.Tenant.Tier != "p2" || rep.App.ClientID != s.tenant.Connector.AppID ||
		rep.Status != permission.OK || len(rep.App.Roles) != len(graphsim.GraphAppRoles()) {
		t.Fatalf("json report = %+v", rep)
	}
	var verified []string
	s.tenant.Snapshot(func(t *graphsim.Tenant) {
		for _, d := range t.Domains {
			if d.IsVerified {
				verified = append(verified, d.ID)
			}
		}
	})
	slices.Sort(verified)
	if !slices.Equal(rep.Tenant.VerifiedDomains, verified) {
		t.Fatalf("verified domains %v, want %v", rep.Tenant.VerifiedDomains, verified)
	}
	inUse := slices.IndexFunc(rep.App.Credentials, func(c CheckCredential) bool { return c.InUse })
	if inUse < 0 || rep.App.Credentials[inUse].Status != "ok" || rep.App.Credentials[inUse].Type != "password" {
		t.Fatalf("credentials = %+v", rep.App.Credentials)
	}
}

func TestCheckReportsWithheldIsDegraded(t *testing.T) {
	s := startSim(t, func(p *graphsim.Profile) { p.Granted = allPermissionsExcept("Reports.Read.All") })
	r := runCLI(t, nil, "--config", s.config, "check")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	csv := runCLI(t, nil, "--config", s.config, "check", "-o", "csv")
	if csv.code != 1 || !strings.HasPrefix(csv.stdout, "connection,feature,kind,status,using,missing,reasons\n") ||
		!strings.Contains(csv.stdout, "\nsim,usage_reports,read,degraded,ReportSettings.Read.All;ReportSettings.ReadWrite.All,Reports.Read.All,\"missing Reports.Read.All;without it: no last activity per service") {
		t.Fatalf("csv: exit %d\n%s", csv.code, csv.stdout)
	}
	l := featureLine(t, r.stdout, "usage_reports")
	if !strings.Contains(l, "degraded") || !strings.Contains(l, "missing Reports.Read.All") || !strings.Contains(l, "without it: no last activity per service") {
		t.Fatalf("usage_reports line: %s", l)
	}
	for _, e := range permission.Catalogue() {
		if e.Feature == permission.UsageReports {
			continue
		}
		st := strings.Fields(featureLine(t, r.stdout, string(e.Feature)))[1]
		want := "ok"
		if e.DefaultOff {
			want = "off"
		}
		if st != want {
			t.Errorf("%s = %s, want %s", e.Feature, st, want)
		}
	}
	if !strings.Contains(r.stdout, "Result: degraded") {
		t.Fatalf("no degraded result:\n%s", r.stdout)
	}
}

func TestCheckTierFromSKUs(t *testing.T) {
	s := startSim(t, func(p *graphsim.Profile) { p.Tier = graphsim.TierP1 })
	r := runCLI(t, nil, "--config", s.config, "check")
	if r.code != 1 || !strings.Contains(r.stdout, "Entra ID tier     P1") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if l := featureLine(t, r.stdout, "pim"); !strings.Contains(l, "the tenant has Entra ID P1; this needs P2") {
		t.Fatalf("pim: %s", l)
	}
	// sync.skip_p2_features turns PIM off, and the check is clean again.
	s.rewrite(t, "ca_file: sim-ca.pem", "ca_file: sim-ca.pem\n      sync: {skip_p2_features: true}")
	r = runCLI(t, nil, "--config", s.config, "check")
	if r.code != 0 || !strings.Contains(featureLine(t, r.stdout, "pim"), "off") {
		t.Fatalf("with skip_p2_features: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestCheckWrongSecret(t *testing.T) {
	s := startSim(t, nil)
	const wrong = "Wr0ng~secret-value-that-must-not-leak"
	s.rewrite(t, "client_secret: file:sim.secret", "client_secret: env:SIM_SECRET")
	r := runCLI(t, map[string]string{"SIM_SECRET": wrong}, "--config", s.config, "check")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "the client secret is wrong (AADSTS7000215: invalid client secret)") || !strings.Contains(r.stderr, "fix: copy the secret's Value") {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, wrong) || strings.Contains(r.stdout+r.stderr, s.secret) {
		t.Fatal("a secret was printed")
	}
}

func TestCheckSignInFailures(t *testing.T) {
	cases := []struct {
		name       string
		edit       func(*graphsim.Profile)
		old, new   string
		wantStderr []string
	}{
		{name: "unknown tenant", old: "tenant: ", new: "tenant: nosuchtenant.onmicrosoft.com #",
			wantStderr: []string{`tenant "nosuchtenant.onmicrosoft.com" was not found`, "AADSTS90002", "fix: check tenant"}},
		{name: "app not in tenant", old: "client_id: ", new: "client_id: 0badc0de-0000-4000-8000-000000000000 #",
			wantStderr: []string{"application 0badc0de-0000-4000-8000-000000000000 was not found in tenant", "AADSTS700016", "fix: check client_id"}},
		{name: "no admin consent", edit: func(p *graphsim.Profile) { p.Granted = []string{} },
			wantStderr: []string{"no application permissions (no roles claim): admin consent has not been granted", `fix: in the app registration's API permissions`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, tc.edit)
			if tc.old != "" {
				s.rewrite(t, tc.old, tc.new)
			}
			r := runCLI(t, nil, "--config", s.config, "check")
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stdout+r.stderr, s.secret) {
				t.Fatal("the secret was printed")
			}
		})
	}
}

func TestCheckUntrustedCAAndUnreachable(t *testing.T) {
	s := startSim(t, nil)
	s.rewrite(t, "    ca_file: sim-ca.pem\n", "")
	r := runCLI(t, nil, "--config", s.config, "check")
	if r.code != 2 || !strings.Contains(r.stderr, "TLS certificate is not trusted") || !strings.Contains(r.stderr, "set ca_file") {
		t.Fatalf("untrusted: exit %d\n%s", r.code, r.stderr)
	}
	s2 := startSim(t, nil)
	s2.run.Close()
	r = runCLI(t, nil, "--config", s2.config, "check")
	if r.code != 2 || !strings.Contains(r.stderr, "connection refused") {
		t.Fatalf("unreachable: exit %d\n%s", r.code, r.stderr)
	}
}

func TestCheckExpiringSecretWarns(t *testing.T) {
	s := startSim(t, nil)
	const fresh = "Exp1ring~secret-value-0123456789abcdef"
	now := time.Now().UTC()
	s.tenant.AddPasswordCredential(s.tenant.Connector.AppID, graphsim.PasswordCredential{
		DisplayName: "rotating soon", StartDateTime: now.Add(-time.Hour), EndDateTime: now.Add(10*24*time.Hour + time.Hour), SecretText: fresh,
	})
	if err := os.WriteFile(filepath.Join(s.dir, "sim.secret"), []byte(fresh+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "--config", s.config, "check")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	want := `the client secret "rotating soon" expires on ` + now.Add(10*24*time.Hour+time.Hour).Format(time.DateOnly) + " (in 10 days)"
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "in 10 days: renew it") {
		t.Fatalf("no expiry warning %q:\n%s", want, r.stdout)
	}
	// Every feature is still ok: the warning alone makes it exit 1.
	if strings.Contains(r.stdout, " degraded ") {
		t.Fatalf("a feature is degraded:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, fresh) {
		t.Fatal("secret printed")
	}
}

// newCertificate makes an RSA certificate valid for a year.
func newCertificate(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "tenantscope check test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func TestCheckCertificateCredential(t *testing.T) {
	cert, key := newCertificate(t)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	legacy, err := pkcs12.Legacy.Encode(key, cert, nil, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	modern, err := pkcs12.Modern.Encode(key, cert, nil, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"app.pem": pemBytes, "legacy.pfx": legacy, "modern.pfx": modern} {
		t.Run(name, func(t *testing.T) {
			s := startSim(t, nil)
			s.tenant.AddKeyCredential(s.tenant.Connector.AppID, graphsim.KeyCredential{Certificate: cert})
			if err := os.WriteFile(filepath.Join(s.dir, name), body, 0o600); err != nil {
				t.Fatal(err)
			}
			ref := "{path: " + name + ", send_x5c: true}"
			if strings.HasSuffix(name, ".pfx") {
				ref = "{path: " + name + ", password: env:PFX_PASSWORD}"
			}
			s.rewrite(t, "client_secret: file:sim.secret", "client_certificate: "+ref)
			r := runCLI(t, map[string]string{"PFX_PASSWORD": "pfx-pass"}, "--config", s.config, "check", "-o", "json")
			if r.code != 0 {
				t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			var rep CheckReport
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(rep.App.Credentials, func(c CheckCredential) bool { return c.InUse })
			if rep.App.Credential != "certificate" || i < 0 || rep.App.Credentials[i].Type != "certificate" {
				t.Fatalf("credential report = %+v", rep.App)
			}
		})
	}
}

func TestCheckConcealedReportNamesDegradeUsageReports(t *testing.T) {
	s := startSim(t, func(p *graphsim.Profile) { p.Concealed = true })
	r := runCLI(t, nil, "--config", s.config, "check")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if l := featureLine(t, r.stdout, "usage_reports"); !strings.Contains(l, "degraded") || !strings.Contains(l, "usage reports conceal user names") {
		t.Fatalf("usage_reports: %s", l)
	}
	// Turning concealment off in the tenant makes the check clean.
	s.tenant.SetDisplayConcealedNames(false)
	if r := runCLI(t, nil, "--config", s.config, "check"); r.code != 0 {
		t.Fatalf("after turning concealment off: exit %d\n%s", r.code, r.stdout)
	}
	// Without ReportSettings.Read.All (and its ReadWrite twin) it is a note, not a finding.
	s = startSim(t, func(p *graphsim.Profile) {
		p.Concealed = true
		p.Granted = allPermissionsExcept("ReportSettings.Read.All", "ReportSettings.ReadWrite.All")
	})
	r = runCLI(t, nil, "--config", s.config, "check")
	if r.code != 0 || !strings.Contains(r.stdout, "whether usage reports conceal user names is not readable: Authorization_RequestDenied") {
		t.Fatalf("without ReportSettings.Read.All: exit %d\n%s", r.code, r.stdout)
	}
}

func TestCheckAllConnections(t *testing.T) {
	good := startSim(t, nil)
	degraded := startSim(t, func(p *graphsim.Profile) { p.Granted = allPermissionsExcept("Reports.Read.All") })
	// One file with both simulators' connections (absolute paths) and a
	// third that cannot sign in.
	conf := func(s *simulator, name string) string {
		b, _ := os.ReadFile(s.config)
		body := strings.SplitN(string(b), "connections:\n", 2)[1]
		body = strings.Replace(body, "name: sim", "name: "+name, 1)
		body = strings.Replace(body, "file:sim.secret", "file:"+filepath.Join(s.dir, "sim.secret"), 1)
		return strings.Replace(body, "ca_file: sim-ca.pem", "ca_file: "+filepath.Join(s.dir, "sim-ca.pem"), 1)
	}
	broken := strings.Replace(conf(good, "broken"), "client_secret: file:", "client_secret: file:/nonexistent", 1)
	path := filepath.Join(t.TempDir(), "all.yaml")
	os.WriteFile(path, []byte("connections:\n"+conf(good, "good")+conf(degraded, "degraded")), 0o644)

	r := runCLI(t, nil, "--config", path, "check", "--all", "-o", "json")
	var reps []CheckReport
	if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil || r.code != 1 || len(reps) != 2 {
		t.Fatalf("exit %d, %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	if reps[0].Connection != "good" || reps[0].Status != permission.OK || reps[1].Connection != "degraded" || reps[1].Status != permission.Degraded {
		t.Fatalf("reports: %s %s, %s %s", reps[0].Connection, reps[0].Status, reps[1].Connection, reps[1].Status)
	}

	os.WriteFile(path, []byte("connections:\n"+conf(good, "good")+broken+conf(degraded, "degraded")), 0o644)
	r = runCLI(t, nil, "--config", path, "check", "--all")
	if r.code != 2 || strings.Count(r.stdout, "Result: ") != 2 || !strings.Contains(r.stderr, `connection "broken": client_secret: secret unavailable`) {
		t.Fatalf("with a broken connection: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestCheckWarnsAboutUnverifiedDomainFilter(t *testing.T) {
	s := startSim(t, nil)
	s.rewrite(t, "ca_file: sim-ca.pem", "ca_file: sim-ca.pem\n      domains: ["+s.tenant.InitialDomain+", fabrikam.example]")
	r := runCLI(t, nil, "--config", s.config, "check")
	if r.code != 1 || !strings.Contains(r.stdout, "domains: fabrikam.example is not a verified domain of the tenant, so no user will match it") ||
		strings.Contains(r.stdout, "domains: "+s.tenant.InitialDomain) {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
}

func TestCheckWithoutDirectoryReadsKeepsGoing(t *testing.T) {
	// Only the roster: tenant, tier, expiry and report settings are
	// unreadable notes; users is ok, the rest degraded.
	s := startSim(t, func(p *graphsim.Profile) { p.Granted = []string{"User.Read.All"} })
	r := runCLI(t, nil, "--config", s.config, "check", "-o", "json")
	var rep CheckReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 {
		t.Fatalf("exit %d %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	if rep.Tenant.Tier != "" || rep.Tenant.DisplayName != "" || rep.Tenant.ID != s.tenant.ID || len(rep.Notes) != 3 {
		t.Fatalf("tenant %+v notes %q", rep.Tenant, rep.Notes)
	}
	for _, want := range []string{"tenant name and domains not readable: Authorization_RequestDenied", "Entra ID tier not readable: Authorization_RequestDenied", "credential expiry not readable: Authorization_RequestDenied"} {
		if !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.HasPrefix(n, want) }) {
			t.Errorf("no note %q in %q", want, rep.Notes)
		}
	}
	si, _ := permission.Report{Features: rep.Features}.Result(permission.SignInActivity)
	if si.Status != permission.Degraded || !slices.Contains(si.Reasons, "needs Entra ID P1; the tenant's tier could not be read") {
		t.Fatalf("sign-in activity %+v", si)
	}
	if u, _ := (permission.Report{Features: rep.Features}).Result(permission.Users); u.Status != permission.OK {
		t.Fatalf("users %+v", u)
	}
}

func TestCheckAzureWithoutSubscriptionRoles(t *testing.T) {
	s := startSim(t, nil)
	var ids []string
	s.tenant.Snapshot(func(ten *graphsim.Tenant) {
		for _, ra := range ten.Azure.RoleAssignments {
			if ra.PrincipalID == ten.Connector.ServicePrincipalID {
				ids = append(ids, ra.ID)
			}
		}
	})
	if len(ids) == 0 {
		t.Fatal("the simulated connector holds no Azure role to remove")
	}
	for _, id := range ids {
		if err := s.tenant.DeleteARMRoleAssignment(id); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(t, nil, "--config", s.config, "check")
	l := featureLine(t, r.stdout, "azure")
	if r.code != 1 || !strings.Contains(l, "degraded") || !strings.Contains(l, "the app holds no role on any Azure subscription: assign it Reader") {
		t.Fatalf("exit %d, azure: %s", r.code, l)
	}
	// Leaving azure out of sync.resources makes the check clean again.
	s.rewrite(t, "ca_file: sim-ca.pem", "ca_file: sim-ca.pem\n      sync: {resources: [organization, users, licenses, groups]}")
	if r := runCLI(t, nil, "--config", s.config, "check"); r.code != 0 || !strings.Contains(featureLine(t, r.stdout, "azure"), "off") {
		t.Fatalf("without azure: exit %d\n%s", r.code, r.stdout)
	}
}
