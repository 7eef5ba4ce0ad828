package config

import "fmt"

// Environment variables that override the selected connection (flags
// override them in turn). TENANTSCOPE_CLIENT_SECRET holds the secret itself,
// as environment variables are a secret store; the connection then refers to
// it as env:TENANTSCOPE_CLIENT_SECRET.
const (
	EnvConnection   = "TENANTSCOPE_CONNECTION"
	EnvTenant       = "TENANTSCOPE_TENANT"
	EnvClientID     = "TENANTSCOPE_CLIENT_ID"
	EnvClientSecret = "TENANTSCOPE_CLIENT_SECRET"
	EnvCloud        = "TENANTSCOPE_CLOUD"
)

// Overrides replace fields of the selected connection.
type Overrides struct {
	Tenant   string
	ClientID string
	Cloud    string
	// SecretFromEnv makes the connection use env:TENANTSCOPE_CLIENT_SECRET.
	SecretFromEnv bool
}

// EnvOverrides reads the TENANTSCOPE_* override variables.
func EnvOverrides(getenv func(string) string) Overrides {
	return Overrides{
		Tenant:        getenv(EnvTenant),
		ClientID:      getenv(EnvClientID),
		Cloud:         getenv(EnvCloud),
		SecretFromEnv: getenv(EnvClientSecret) != "",
	}
}

// Merge returns o with every non-empty field of p replacing it (p wins).
func (o Overrides) Merge(p Overrides) Overrides {
	if p.Tenant != "" {
		o.Tenant = p.Tenant
	}
	if p.ClientID != "" {
		o.ClientID = p.ClientID
	}
	if p.Cloud != "" {
		o.Cloud = p.Cloud
	}
	o.SecretFromEnv = o.SecretFromEnv || p.SecretFromEnv
	return o
}

// IsZero reports whether nothing is overridden.
func (o Overrides) IsZero() bool { return o == Overrides{} }

// Apply changes c in place.
func (o Overrides) Apply(c *Connection) {
	if o.Tenant != "" {
		c.Tenant = o.Tenant
	}
	if o.ClientID != "" {
		c.ClientID = o.ClientID
	}
	if o.Cloud != "" {
		c.Cloud = o.Cloud
		c.GraphDomain = ""
	}
	if o.SecretFromEnv {
		c.ClientSecret = SecretRef("env:" + EnvClientSecret)
		c.ClientCertificate = nil
	}
}

// FromOverrides builds a one-connection configuration ("default") when no
// file exists but the environment or flags name a tenant and client ID.
func FromOverrides(o Overrides) (*File, error) {
	if o.Tenant == "" || o.ClientID == "" {
		return nil, fmt.Errorf("%w: and %s/%s are not both set", ErrNoConfig, EnvTenant, EnvClientID)
	}
	f := &File{Connections: []Connection{{Name: "default"}}, lines: map[string]int{}}
	o.Apply(&f.Connections[0])
	c := &f.Connections[0]
	c.InactiveDays, c.Sync.Concurrency, c.Sync.HistoryDays, c.Domains = DefaultInactiveDays, DefaultConcurrency, DefaultHistoryDays, []string{"*"}
	return f, nil
}
