package config

import (
	"crypto/x509"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tenantscope/tenantscope/internal/cloud"
	"github.com/tenantscope/tenantscope/internal/permission"
)

// Problem is one thing wrong with a configuration, in words a person can act
// on. It never contains a secret value.
type Problem struct {
	Line       int    // 0 when unknown
	Connection string // connection name, when the problem is inside one
	Field      string // key path inside the connection, e.g. client_certificate.path
	Message    string
	Fix        string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Connection != "" {
		fmt.Fprintf(&b, "connection %q: ", p.Connection)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	if p.Fix != "" {
		b.WriteString(" (fix: " + p.Fix + ")")
	}
	return b.String()
}

// Error lists every problem found in one configuration.
type Error struct {
	Path     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		loc := e.Path
		if loc == "" {
			loc = "config"
		}
		if p.Line > 0 {
			loc += fmt.Sprintf(":%d", p.Line)
		}
		b.WriteString(loc + ": " + p.String())
	}
	return b.String()
}

var (
	guidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	domainRE = regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))+$`)
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	decimal  = regexp.MustCompile(`^\d{1,12}(\.\d{1,6})?$`)
	currency = regexp.MustCompile(`^[A-Z]{3}$`)
)

// IsGUID reports whether s is a GUID in its canonical 8-4-4-4-12 form.
func IsGUID(s string) bool { return guidRE.MatchString(s) }

// Validate checks every connection and returns an *Error listing all
// problems, or nil. It checks files it refers to (CA, certificate) exist but
// does not read secrets; see CheckSecrets.
func (f *File) Validate() error {
	var ps []Problem
	add := func(c *Connection, field, msg, fix string) {
		p := Problem{Field: field, Message: msg, Fix: fix}
		if c != nil {
			p.Connection = c.Name
			if p.Connection == "" {
				p.Connection = fmt.Sprintf("#%d", c.index+1)
			}
			key := fmt.Sprintf("connections[%d]", c.index)
			if field != "" {
				key += "." + field
			}
			p.Line = f.line(key)
		}
		ps = append(ps, p)
	}
	if len(f.Connections) == 0 {
		ps = append(ps, Problem{Line: f.line("connections"), Message: "no connections defined",
			Fix: "add a connections: list with at least one connection (see docs/configuration.md)"})
	}
	seen := map[string]bool{}
	for i := range f.Connections {
		c := &f.Connections[i]
		switch {
		case c.Name == "":
			add(c, "name", "is required", "give the connection a short name such as contoso")
		case !nameRE.MatchString(c.Name):
			add(c, "name", "must be letters, digits, '.', '_' or '-' (at most 63)", "rename it, e.g. contoso-prod")
		case seen[c.Name]:
			add(c, "name", "is used by another connection", "give each connection a unique name")
		}
		seen[c.Name] = true
		f.validateConnection(c, add)
	}
	if len(ps) > 0 {
		return &Error{Path: f.Path, Problems: ps}
	}
	return nil
}

type addFunc func(c *Connection, field, msg, fix string)

func (f *File) validateConnection(c *Connection, add addFunc) {
	switch t := strings.ToLower(c.Tenant); {
	case t == "":
		add(c, "tenant", "is required", "copy the Directory (tenant) ID from the app registration's Overview page")
	case t == "common" || t == "organizations" || t == "consumers":
		add(c, "tenant", fmt.Sprintf("%q cannot be used with client credentials", c.Tenant), "use the tenant ID (GUID) or a verified domain")
	case !IsGUID(c.Tenant) && !domainRE.MatchString(c.Tenant):
		add(c, "tenant", fmt.Sprintf("%q is neither a GUID nor a domain name", c.Tenant), "use the Directory (tenant) ID or a verified domain such as contoso.onmicrosoft.com")
	}
	switch {
	case c.ClientID == "":
		add(c, "client_id", "is required", "copy the Application (client) ID from the app registration's Overview page")
	case !IsGUID(c.ClientID):
		add(c, "client_id", fmt.Sprintf("%q is not a GUID", c.ClientID), "copy the Application (client) ID from the app registration's Overview page")
	}

	switch {
	case c.ClientSecret.IsZero() && c.ClientCertificate == nil:
		add(c, "client_secret", "no credential: set client_secret or client_certificate", "create a client secret and write client_secret: env:NAME")
	case !c.ClientSecret.IsZero() && c.ClientCertificate != nil:
		add(c, "client_certificate", "both client_secret and client_certificate are set", "keep one of them")
	}
	if !c.ClientSecret.IsZero() {
		if p := c.ClientSecret.problem(); p != "" {
			add(c, "client_secret", p, secretFix)
		}
	}
	if cc := c.ClientCertificate; cc != nil {
		if cc.Path == "" {
			add(c, "client_certificate.path", "is required", "point it at the certificate's PEM or PFX file")
		} else if _, err := os.Stat(f.Resolve(cc.Path)); err != nil {
			add(c, "client_certificate.path", fmt.Sprintf("%s: %v", f.Resolve(cc.Path), pathErr(err)), "check the path (relative paths start at the config file's directory)")
		}
		if !cc.Password.IsZero() {
			if p := cc.Password.problem(); p != "" {
				add(c, "client_certificate.password", p, secretFix)
			}
		}
	}

	f.validateCloud(c, add)

	if c.CAFile != "" {
		path := f.Resolve(c.CAFile)
		if b, err := os.ReadFile(path); err != nil {
			add(c, "ca_file", fmt.Sprintf("%s: %v", path, pathErr(err)), "check the path (relative paths start at the config file's directory)")
		} else if !x509.NewCertPool().AppendCertsFromPEM(b) {
			add(c, "ca_file", path+" holds no PEM certificate", "give a PEM file with one or more -----BEGIN CERTIFICATE----- blocks")
		}
	}

	for i, d := range c.Domains {
		field := fmt.Sprintf("domains[%d]", i)
		switch {
		case d == "*" && len(c.Domains) > 1:
			add(c, field, `"*" (all domains) cannot be combined with other domains`, `keep either "*" or the list of domains`)
		case d != "*" && !domainRE.MatchString(d):
			add(c, field, fmt.Sprintf("%q is not a domain name", d), "write domains as contoso.com, one per item")
		}
	}
	if c.InactiveDays < 1 || c.InactiveDays > 3650 {
		add(c, "inactive_days", fmt.Sprintf("%d is out of range", c.InactiveDays), "use a number of days between 1 and 3650 (default 90)")
	}
	f.validateSync(c, add)
	for i, a := range c.Actions {
		if !permission.IsKind(a, permission.Action) {
			add(c, fmt.Sprintf("actions[%d]", i), fmt.Sprintf("unknown action %q", a), "use "+joinFeatures(permission.Features(permission.Action)))
		}
	}
	for i := range c.LicenseTerms {
		validateTerm(c, i, add)
	}
}

const secretFix = "put the secret in an environment variable and write env:NAME, or in a file only you can read and write file:PATH"

func (f *File) validateCloud(c *Connection, add addFunc) {
	name := c.Cloud
	if c.GraphDomain != "" {
		p, err := cloud.ByGraphDomain(c.GraphDomain)
		switch {
		case err != nil:
			add(c, "graph_domain", err.Error(), "remove graph_domain or use a Graph deployment host")
		case name != "" && name != p.Name:
			add(c, "graph_domain", fmt.Sprintf("%s belongs to cloud %s, but cloud is %s", c.GraphDomain, p.Name, name), "remove one of them")
		default:
			name = p.Name
		}
	}
	switch {
	case name == "" || cloud.IsBuiltin(name):
		if c.Endpoints != nil {
			add(c, "endpoints", "endpoints are used only with cloud: custom", "remove endpoints, or set cloud: custom")
		}
	case name == cloud.Custom:
		if c.Endpoints == nil {
			add(c, "endpoints", "cloud custom needs endpoints (login, graph, arm)", "add endpoints: {login: https://..., graph: https://..., arm: https://...}")
		} else if _, err := cloud.NewCustom(c.Endpoints.custom()); err != nil {
			add(c, "endpoints", err.Error(), "give absolute https URLs")
		}
	default:
		add(c, "cloud", fmt.Sprintf("unknown cloud %q", name), "use one of "+strings.Join(cloud.Names(), ", "))
	}
}

func (e *Endpoints) custom() cloud.CustomEndpoints {
	return cloud.CustomEndpoints{Login: e.Login, Graph: e.Graph, ARM: e.ARM, GraphScope: e.GraphScope,
		ARMScope: e.ARMScope, StorageSuffix: e.StorageSuffix}
}

// Profile returns the connection's cloud profile.
func (c *Connection) Profile() (cloud.Profile, error) {
	name := c.Cloud
	if name == "" && c.GraphDomain != "" {
		return cloud.ByGraphDomain(c.GraphDomain)
	}
	if name == "" {
		name = cloud.Global
	}
	if name == cloud.Custom {
		if c.Endpoints == nil {
			return cloud.Profile{}, fmt.Errorf("connection %q: cloud custom needs endpoints", c.Name)
		}
		return cloud.NewCustom(c.Endpoints.custom())
	}
	return cloud.ByName(name)
}

func (f *File) validateSync(c *Connection, add addFunc) {
	s := c.Sync
	if s.Concurrency < 1 || s.Concurrency > 64 {
		add(c, "sync.concurrency", fmt.Sprintf("%d is out of range", s.Concurrency), "use 1 to 64 (default 8)")
	}
	if s.HistoryDays < 1 {
		add(c, "sync.history_days", fmt.Sprintf("%d is out of range", s.HistoryDays), "use the number of days of history to keep, at least 1 (default 400)")
	}
	reads := permission.Features(permission.Read)
	for i, r := range s.Resources {
		if !slices.Contains(reads, permission.Feature(r)) {
			add(c, fmt.Sprintf("sync.resources[%d]", i), fmt.Sprintf("unknown resource %q", r), "use "+joinFeatures(reads))
		}
	}
	if s.SkipP2Features && slices.Contains(s.Resources, string(permission.PIM)) {
		add(c, "sync.skip_p2_features", "skips pim, which sync.resources names", "drop one of them")
	}
}

func validateTerm(c *Connection, i int, add addFunc) {
	t := c.LicenseTerms[i]
	field := func(k string) string { return fmt.Sprintf("license_terms[%d].%s", i, k) }
	if t.SKU == "" {
		add(c, field("sku"), "is required", "write the skuPartNumber (e.g. ENTERPRISEPACK) or the skuId GUID")
	}
	var eff, exp time.Time
	var err error
	if t.EffectiveDate != "" {
		if eff, err = time.Parse(time.DateOnly, t.EffectiveDate); err != nil {
			add(c, field("effective_date"), fmt.Sprintf("%q is not a date", t.EffectiveDate), "write it as YYYY-MM-DD")
		}
	}
	if t.ExpirationDate != "" {
		if exp, err = time.Parse(time.DateOnly, t.ExpirationDate); err != nil {
			add(c, field("expiration_date"), fmt.Sprintf("%q is not a date", t.ExpirationDate), "write it as YYYY-MM-DD")
		}
	}
	if !eff.IsZero() && !exp.IsZero() && !exp.After(eff) {
		add(c, field("expiration_date"), "is not after effective_date", "check the two dates")
	}
	if !decimal.MatchString(t.CostPerUnit) {
		add(c, field("cost_per_unit"), fmt.Sprintf("%q is not a decimal amount", t.CostPerUnit), `write it as a quoted decimal such as "32.00" (no currency sign, '.' for decimals)`)
	}
	if !currency.MatchString(t.Currency) {
		add(c, field("currency"), fmt.Sprintf("%q is not an ISO 4217 code", t.Currency), "write a three-letter code such as USD or EUR")
	}
	if t.PaymentFrequency != "monthly" && t.PaymentFrequency != "annual" {
		add(c, field("payment_frequency"), fmt.Sprintf("%q is not monthly or annual", t.PaymentFrequency), "write monthly or annual")
	}
}

func joinFeatures(fs []permission.Feature) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// CheckSecrets resolves every secret reference of c (without keeping the
// values) and returns an *Error naming each one that cannot be read.
func (f *File) CheckSecrets(c *Connection, getenv func(string) string) error {
	var ps []Problem
	check := func(field string, s SecretRef) {
		if s.IsZero() {
			return
		}
		if _, err := s.Resolve(f.Dir(), getenv); err != nil {
			ps = append(ps, Problem{Line: f.line(fmt.Sprintf("connections[%d].%s", c.index, field)), Connection: c.Name,
				Field: field, Message: err.Error()})
		}
	}
	check("client_secret", c.ClientSecret)
	if c.ClientCertificate != nil {
		check("client_certificate.password", c.ClientCertificate.Password)
	}
	if len(ps) > 0 {
		return &Error{Path: f.Path, Problems: ps}
	}
	return nil
}
