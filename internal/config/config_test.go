package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/internal/cloud"
	"github.com/tenantscope/tenantscope/internal/permission"
)

const (
	tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID = "11111111-2222-3333-4444-555555555555"
)

// writeConfig writes body to a config file in a fresh directory, with a CA
// file and a certificate placeholder beside it.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "tenantscope.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadErr(t *testing.T, body string) *Error {
	t.Helper()
	_, err := Load(writeConfig(t, body))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Load: got %v, want *config.Error", err)
	}
	return ce
}

func TestLoadFullConfiguration(t *testing.T) {
	path := writeConfig(t, `connections:
  - name: contoso
    tenant: `+tenantID+`
    client_id: `+clientID+`
    client_secret: env:CONTOSO_SECRET
    cloud: usgov
    domains: [contoso.com, fabrikam.com]
    inactive_days: 60
    sync:
      skip_onprem_groups: true
      skip_unused_roles: true
      skip_p2_features: true
      mailbox_purpose: true
      skip_storage_containers: true
      resources: [users, groups, licenses, mailbox_purpose]
      concurrency: 4
    license_terms:
      - sku: ENTERPRISEPACK
        effective_date: 2026-01-01
        expiration_date: 2026-12-31
        cost_per_unit: "23.00"
        currency: EUR
        payment_frequency: monthly
    actions: [reclaim]
  - name: fabrikam
    tenant: fabrikam.onmicrosoft.com
    client_id: `+clientID+`
    client_secret: file:fabrikam.secret
`)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Connection("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "contoso" || c.Tenant != tenantID || c.ClientSecret.Scheme() != "env" || c.ClientSecret.Target() != "CONTOSO_SECRET" {
		t.Fatalf("first connection = %+v", c)
	}
	if !slices.Equal(c.Domains, []string{"contoso.com", "fabrikam.com"}) || c.InactiveDays != 60 || c.Sync.Concurrency != 4 {
		t.Fatalf("domains/inactive/concurrency = %v %d %d", c.Domains, c.InactiveDays, c.Sync.Concurrency)
	}
	want := Sync{SkipOnPremGroups: true, SkipUnusedRoles: true, SkipP2Features: true, MailboxPurpose: true,
		SkipStorageContainers: true, Resources: []string{"users", "groups", "licenses", "mailbox_purpose"}, Concurrency: 4}
	if !slices.Equal(c.Sync.Resources, want.Resources) || c.Sync.SkipOnPremGroups != want.SkipOnPremGroups ||
		c.Sync.SkipUnusedRoles != want.SkipUnusedRoles || c.Sync.SkipP2Features != want.SkipP2Features ||
		c.Sync.MailboxPurpose != want.MailboxPurpose || c.Sync.SkipStorageContainers != want.SkipStorageContainers {
		t.Fatalf("sync = %+v, want %+v", c.Sync, want)
	}
	term := LicenseTerm{SKU: "ENTERPRISEPACK", EffectiveDate: "2026-01-01", ExpirationDate: "2026-12-31", CostPerUnit: "23.00", Currency: "EUR", PaymentFrequency: "monthly"}
	if len(c.LicenseTerms) != 1 || c.LicenseTerms[0] != term {
		t.Fatalf("license_terms = %+v", c.LicenseTerms)
	}
	p, err := c.Profile()
	if err != nil || p.Name != cloud.USGov || p.GraphURL != "https://graph.microsoft.us" {
		t.Fatalf("profile = %+v, %v", p, err)
	}
	wantFeatures := []permission.Feature{"users", "groups", "licenses", "mailbox_purpose", "reclaim"}
	if got := c.Features(); !slices.Equal(got, wantFeatures) {
		t.Fatalf("features = %v, want %v", got, wantFeatures)
	}

	d, err := f.Connection("fabrikam")
	if err != nil {
		t.Fatal(err)
	}
	if d.InactiveDays != DefaultInactiveDays || d.Sync.Concurrency != DefaultConcurrency || !d.AllDomains() {
		t.Fatalf("defaults not applied: %+v", d)
	}
	if p, _ := d.Profile(); p.Name != cloud.Global {
		t.Fatalf("default cloud = %s", p.Name)
	}
	if _, err := f.Connection("nope"); err == nil || !strings.Contains(err.Error(), "have: contoso, fabrikam") {
		t.Fatalf("unknown connection error = %v", err)
	}
}

func TestDefaultFeatures(t *testing.T) {
	c := Connection{}
	got := c.Features()
	if slices.Contains(got, permission.MailboxPurpose) || !slices.Contains(got, permission.PIM) || !slices.Contains(got, permission.Users) {
		t.Fatalf("default features = %v", got)
	}
	c.Sync.MailboxPurpose, c.Sync.SkipP2Features = true, true
	got = c.Features()
	if !slices.Contains(got, permission.MailboxPurpose) || slices.Contains(got, permission.PIM) {
		t.Fatalf("features with mailbox purpose, without P2 = %v", got)
	}
}

func TestUnknownKeyNamesKeyAndLine(t *testing.T) {
	ce := loadErr(t, `connections:
  - name: contoso
    tenant: `+tenantID+`
    client_id: `+clientID+`
    client_secret: env:X
    sync:
      skip_onprem_group: true
`)
	if len(ce.Problems) != 1 {
		t.Fatalf("problems = %v", ce.Problems)
	}
	p := ce.Problems[0]
	if p.Line != 7 || p.Message != `unknown key "skip_onprem_group" in sync` || !strings.Contains(p.Fix, "skip_onprem_groups") {
		t.Fatalf("problem = %+v", p)
	}
	if !strings.Contains(ce.Error(), "tenantscope.yaml:7: unknown key") {
		t.Fatalf("error text = %q", ce.Error())
	}
}

func TestLiteralSecretIsRejectedWithoutEchoingIt(t *testing.T) {
	const secret = "Zx8Q~verysecretvalue.abc"
	ce := loadErr(t, `connections:
  - name: contoso
    tenant: `+tenantID+`
    client_id: `+clientID+`
    client_secret: `+secret+`
`)
	msg := ce.Error()
	if strings.Contains(msg, secret) || strings.Contains(msg, "Zx8") {
		t.Fatalf("error echoes the secret: %q", msg)
	}
	want := `tenantscope.yaml:5: connection "contoso": client_secret: a literal secret is not allowed in the configuration file (fix: put the secret in an environment variable and write env:NAME`
	if !strings.Contains(msg, want) {
		t.Fatalf("error = %q\nwant it to contain %q", msg, want)
	}
	if s := SecretRef(secret); s.String() != "<literal secret, not shown>" || strings.Contains(s.GoString(), secret) {
		t.Fatalf("SecretRef prints a literal: %q %q", s.String(), s.GoString())
	}
}

func TestTypeErrorDoesNotEchoValue(t *testing.T) {
	ce := loadErr(t, `connections:
  - name: contoso
    tenant: `+tenantID+`
    client_id: `+clientID+`
    client_secret: env:X
    inactive_days: s3cr3tvalue
`)
	if strings.Contains(ce.Error(), "s3cr3tvalue") || ce.Problems[0].Line != 6 {
		t.Fatalf("error = %q", ce.Error())
	}
}

func TestFieldValidation(t *testing.T) {
	base := func(extra string) string {
		return "connections:\n  - name: c1\n    tenant: " + tenantID + "\n    client_id: " + clientID + "\n    client_secret: env:X\n" + extra
	}
	cases := []struct {
		name, body, field, msg string
	}{
		{"no connections", "connections: []\n", "", "no connections defined"},
		{"bad tenant", strings.Replace(base(""), tenantID, "not a tenant", 1), "tenant", `"not a tenant" is neither a GUID nor a domain name`},
		{"common tenant", strings.Replace(base(""), tenantID, "common", 1), "tenant", `"common" cannot be used with client credentials`},
		{"bad client id", strings.Replace(base(""), clientID, "abc", 1), "client_id", `"abc" is not a GUID`},
		{"no credential", strings.Replace(base(""), "    client_secret: env:X\n", "", 1), "client_secret", "no credential: set client_secret or client_certificate"},
		{"both credentials", base("    client_certificate: {path: app.pem}\n"), "client_certificate", "both client_secret and client_certificate are set"},
		{"bad env name", strings.Replace(base(""), "env:X", "env:1BAD", 1), "client_secret", `"1BAD" is not an environment variable name`},
		{"unknown cloud", base("    cloud: mars\n"), "cloud", `unknown cloud "mars"`},
		{"custom without endpoints", base("    cloud: custom\n"), "endpoints", "cloud custom needs endpoints (login, graph, arm)"},
		{"endpoints without custom", base("    endpoints: {login: https://a.example, graph: https://b.example}\n"), "endpoints", "endpoints are used only with cloud: custom"},
		{"plain http endpoint", base("    cloud: custom\n    endpoints: {login: http://sim.example.com, graph: https://b.example}\n"), "endpoints", `endpoints.login "http://sim.example.com": plain http is allowed only on loopback; use https`},
		{"graph domain conflict", base("    cloud: china\n    graph_domain: graph.microsoft.us\n"), "graph_domain", "graph.microsoft.us belongs to cloud usgov, but cloud is china"},
		{"unknown graph domain", base("    graph_domain: graph.example.com\n"), "graph_domain", `graph domain "graph.example.com" is not a Microsoft Graph deployment`},
		{"missing ca file", base("    ca_file: nope.pem\n"), "ca_file", "nope.pem: no such file or directory"},
		{"star with others", base("    domains: ['*', contoso.com]\n"), "domains[0]", `"*" (all domains) cannot be combined with other domains`},
		{"bad domain", base("    domains: ['contoso com']\n"), "domains[0]", `"contoso com" is not a domain name`},
		{"inactive days", base("    inactive_days: -3\n"), "inactive_days", "-3 is out of range"},
		{"concurrency", base("    sync: {concurrency: 100}\n"), "sync.concurrency", "100 is out of range"},
		{"history days", base("    sync: {history_days: -5}\n"), "sync.history_days", "-5 is out of range"},
		{"resource", base("    sync: {resources: [users, mailboxes]}\n"), "sync.resources[1]", `unknown resource "mailboxes"`},
		{"p2 conflict", base("    sync: {skip_p2_features: true, resources: [pim]}\n"), "sync.skip_p2_features", "skips pim, which sync.resources names"},
		{"action", base("    actions: [delete_everyone]\n"), "actions[0]", `unknown action "delete_everyone"`},
		{"term sku", base("    license_terms: [{cost_per_unit: '1', currency: USD, payment_frequency: annual}]\n"), "license_terms[0].sku", "is required"},
		{"term date", base("    license_terms: [{sku: X, effective_date: 01/02/2026, cost_per_unit: '1', currency: USD, payment_frequency: annual}]\n"), "license_terms[0].effective_date", `"01/02/2026" is not a date`},
		{"term order", base("    license_terms: [{sku: X, effective_date: 2026-02-01, expiration_date: 2026-01-01, cost_per_unit: '1', currency: USD, payment_frequency: annual}]\n"), "license_terms[0].expiration_date", "is not after effective_date"},
		{"term cost", base("    license_terms: [{sku: X, cost_per_unit: '$12', currency: USD, payment_frequency: annual}]\n"), "license_terms[0].cost_per_unit", `"$12" is not a decimal amount`},
		{"term currency", base("    license_terms: [{sku: X, cost_per_unit: '12.5', currency: usd, payment_frequency: annual}]\n"), "license_terms[0].currency", `"usd" is not an ISO 4217 code`},
		{"term frequency", base("    license_terms: [{sku: X, cost_per_unit: '12.5', currency: USD, payment_frequency: weekly}]\n"), "license_terms[0].payment_frequency", `"weekly" is not monthly or annual`},
		{"duplicate name", base("  - name: c1\n    tenant: contoso.com\n    client_id: " + clientID + "\n    client_secret: env:Y\n"), "name", "is used by another connection"},
		{"cert password literal", strings.Replace(base(""), "    client_secret: env:X\n", "    client_certificate: {path: tenantscope.yaml, password: hunter2}\n", 1), "client_certificate.password", "a literal secret is not allowed in the configuration file"},
		{"cert missing", strings.Replace(base(""), "    client_secret: env:X\n", "    client_certificate: {path: app.pfx}\n", 1), "client_certificate.path", "app.pfx: no such file or directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ce := loadErr(t, tc.body)
			for _, p := range ce.Problems {
				if p.Field == tc.field && strings.Contains(p.Message, tc.msg) {
					if p.Fix == "" && tc.field != "" {
						t.Errorf("problem has no fix: %+v", p)
					}
					return
				}
			}
			t.Fatalf("problems = %+v\nwant field %q message containing %q", ce.Problems, tc.field, tc.msg)
		})
	}
}

func TestCustomCloudAndRelativePaths(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, testCAPEM(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sim.secret"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sim.yaml")
	body := "connections:\n  - name: sim\n    tenant: " + tenantID + "\n    client_id: " + clientID +
		"\n    client_secret: file:sim.secret\n    cloud: custom\n    endpoints: {login: 'https://127.0.0.1:8443/', graph: https://127.0.0.1:8443, arm: https://127.0.0.1:8443}\n    ca_file: ca.pem\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &f.Connections[0]
	p, err := c.Profile()
	if err != nil {
		t.Fatal(err)
	}
	if p.LoginURL != "https://127.0.0.1:8443" || p.GraphScope != "https://graph.microsoft.com/.default" || !p.DisableInstanceDiscovery {
		t.Fatalf("custom profile = %+v", p)
	}
	if got := f.Resolve(c.CAFile); got != ca {
		t.Fatalf("ca resolves to %s, want %s", got, ca)
	}
	v, err := c.ClientSecret.Resolve(f.Dir(), nil)
	if err != nil || v != "s3cret" {
		t.Fatalf("secret resolve = %q, %v", v, err)
	}
	if err := f.CheckSecrets(c, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
}

func TestSecretResolveErrorsNameTheReference(t *testing.T) {
	_, err := SecretRef("env:MISSING_VAR").Resolve("", func(string) string { return "" })
	if !errors.Is(err, ErrSecretUnavailable) || !strings.Contains(err.Error(), "environment variable MISSING_VAR is not set") {
		t.Fatalf("env error = %v", err)
	}
	v, err := SecretRef("env:SET_VAR").Resolve("", func(k string) string { return map[string]string{"SET_VAR": "value"}[k] })
	if err != nil || v != "value" {
		t.Fatalf("env resolve = %q, %v", v, err)
	}
	dir := t.TempDir()
	_, err = SecretRef("file:none.txt").Resolve(dir, nil)
	if !errors.Is(err, ErrSecretUnavailable) || !strings.Contains(err.Error(), filepath.Join(dir, "none.txt")) {
		t.Fatalf("file error = %v", err)
	}
	os.WriteFile(filepath.Join(dir, "empty"), []byte("\n"), 0o600)
	if _, err = SecretRef("file:empty").Resolve(dir, nil); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("empty file error = %v", err)
	}
}

func TestOverrides(t *testing.T) {
	path := writeConfig(t, "connections:\n  - name: a\n    tenant: "+tenantID+"\n    client_id: "+clientID+"\n    client_secret: env:A\n")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{EnvTenant: "contoso.onmicrosoft.com", EnvClientSecret: "x", EnvCloud: "china"}
	ov := EnvOverrides(func(k string) string { return env[k] }).Merge(Overrides{Cloud: "usgov"})
	c := &f.Connections[0]
	ov.Apply(c)
	if c.Tenant != "contoso.onmicrosoft.com" || c.ClientID != clientID || c.Cloud != "usgov" || c.ClientSecret != "env:"+EnvClientSecret {
		t.Fatalf("after overrides: %+v", c)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}

	if _, err := FromOverrides(Overrides{Tenant: tenantID}); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("FromOverrides without client id = %v", err)
	}
	g, err := FromOverrides(Overrides{Tenant: tenantID, ClientID: clientID, SecretFromEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil || g.Connections[0].Name != "default" {
		t.Fatalf("env-only config: %v %+v", err, g.Connections)
	}
}

func TestLocate(t *testing.T) {
	env := map[string]string{EnvConfig: "/etc/ts.yaml"}
	getenv := func(k string) string { return env[k] }
	if p, _ := Locate("flag.yaml", getenv); p != "flag.yaml" {
		t.Fatalf("flag loses: %s", p)
	}
	if p, _ := Locate("", getenv); p != "/etc/ts.yaml" {
		t.Fatalf("env loses: %s", p)
	}
	t.Chdir(t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	if _, err := Locate("", func(string) string { return "" }); !errors.Is(err, ErrNoConfig) {
		t.Fatalf("no config: %v", err)
	}
	os.WriteFile("tenantscope.yaml", []byte("connections: []\n"), 0o600)
	if p, err := Locate("", func(string) string { return "" }); err != nil || p != "tenantscope.yaml" {
		t.Fatalf("cwd config: %s %v", p, err)
	}
}

func TestSyntaxError(t *testing.T) {
	ce := loadErr(t, "connections:\n  - name: a\n   tenant: x\n")
	if ce.Problems[0].Line != 1 || !strings.HasPrefix(ce.Problems[0].Message, "invalid YAML") {
		t.Fatalf("syntax problem = %+v", ce.Problems[0])
	}
}

// testCAPEM returns a fresh self-signed CA certificate in PEM.
func testCAPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
