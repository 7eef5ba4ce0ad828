// Package config owns tenantscope's configuration: the YAML file of named
// connections (tenant, app registration, credential reference, cloud, CA,
// sync options, licence terms), its strict loading (unknown keys are errors),
// validation with errors that name the connection, field and fix, environment
// and flag overrides, and secret references (env:NAME, file:PATH), which it
// resolves without ever echoing a secret.
package config

import (
	"github.com/tenantscope/tenantscope/internal/permission"
)

// File is a loaded configuration file.
type File struct {
	Connections []Connection `yaml:"connections"`

	// Path is the file it was read from ("" when built from the
	// environment); relative paths inside resolve against its directory.
	Path string `yaml:"-"`
	// lines maps a key path ("connections[0].sync.concurrency") to its line.
	lines map[string]int
}

// Connection is one tenant and the app registration tenantscope signs in
// with.
type Connection struct {
	Name string `yaml:"name"`
	// Tenant is the directory (tenant) ID or one of its verified domains.
	Tenant   string `yaml:"tenant"`
	ClientID string `yaml:"client_id"`
	// ClientSecret and ClientCertificate: exactly one is set.
	ClientSecret      SecretRef          `yaml:"client_secret,omitempty"`
	ClientCertificate *ClientCertificate `yaml:"client_certificate,omitempty"`
	// Cloud is a cloud profile name (internal/cloud); default global.
	Cloud string `yaml:"cloud,omitempty"`
	// GraphDomain is the "Graph domain" some connectors ask for
	// (graph.microsoft.us ...); it selects the cloud when Cloud is empty.
	GraphDomain string     `yaml:"graph_domain,omitempty"`
	Endpoints   *Endpoints `yaml:"endpoints,omitempty"`
	// CAFile is an extra PEM CA bundle to trust, relative to the config file.
	CAFile string `yaml:"ca_file,omitempty"`
	// Domains limits users to those whose UPN is in one of these domains;
	// ["*"] (the default) means every user.
	Domains []string `yaml:"domains,omitempty"`
	// InactiveDays is when a user counts as inactive (default 90).
	InactiveDays int           `yaml:"inactive_days,omitempty"`
	Sync         Sync          `yaml:"sync,omitempty"`
	LicenseTerms []LicenseTerm `yaml:"license_terms,omitempty"`
	// Actions enables the changing features (reclaim, deprovision,
	// provision), so `check` verifies their permissions.
	Actions []string `yaml:"actions,omitempty"`

	index int // position in File.Connections, for error lines
}

// ClientCertificate is a certificate credential.
type ClientCertificate struct {
	// Path to a PEM file (certificate and unencrypted private key) or a
	// PKCS#12 (.pfx/.p12) file, relative to the config file.
	Path string `yaml:"path"`
	// Password of the PFX, as a secret reference.
	Password SecretRef `yaml:"password,omitempty"`
	// SendX5C sends the certificate chain with each token request (needed
	// for subject name/issuer authentication).
	SendX5C bool `yaml:"send_x5c,omitempty"`
}

// Endpoints are the explicit URLs of a custom cloud.
type Endpoints struct {
	Login         string `yaml:"login"`
	Graph         string `yaml:"graph"`
	ARM           string `yaml:"arm,omitempty"`
	GraphScope    string `yaml:"graph_scope,omitempty"`
	ARMScope      string `yaml:"arm_scope,omitempty"`
	StorageSuffix string `yaml:"storage_suffix,omitempty"`
}

// Sync holds the per-connection sync options the vendor guides name.
type Sync struct {
	// SkipOnPremGroups skips groups synced from on-premises Active Directory.
	SkipOnPremGroups bool `yaml:"skip_onprem_groups,omitempty"`
	// SkipUnusedRoles skips role definitions nobody holds.
	SkipUnusedRoles bool `yaml:"skip_unused_roles,omitempty"`
	// SkipP2Features skips what needs Entra ID P2 (PIM) on tenants without it.
	SkipP2Features bool `yaml:"skip_p2_features,omitempty"`
	// MailboxPurpose reads each user's mailbox purpose (user, shared, room,
	// equipment) to tell people from other mailboxes.
	MailboxPurpose bool `yaml:"mailbox_purpose,omitempty"`
	// SkipStorageContainers skips listing blob containers per storage account.
	SkipStorageContainers bool `yaml:"skip_storage_containers,omitempty"`
	// Resources limits sync to these read features (permission.Features(Read));
	// empty means the defaults.
	Resources []string `yaml:"resources,omitempty"`
	// Concurrency bounds in-flight Graph requests (default 8).
	Concurrency int `yaml:"concurrency,omitempty"`
	// HistoryDays is how long superseded versions are kept (who was
	// disabled when, what was held on a date); default 400.
	HistoryDays int `yaml:"history_days,omitempty"`
}

// LicenseTerm is what the tenant pays for a SKU, which Graph does not know.
type LicenseTerm struct {
	// SKU is the skuPartNumber (ENTERPRISEPACK) or the skuId GUID.
	SKU            string `yaml:"sku"`
	EffectiveDate  string `yaml:"effective_date,omitempty"`  // YYYY-MM-DD
	ExpirationDate string `yaml:"expiration_date,omitempty"` // YYYY-MM-DD
	// CostPerUnit is a decimal string per seat per payment period, kept as
	// text so no float rounding creeps into spend figures.
	CostPerUnit      string `yaml:"cost_per_unit"`
	Currency         string `yaml:"currency"`          // ISO 4217, e.g. EUR
	PaymentFrequency string `yaml:"payment_frequency"` // monthly | annual
}

// Defaults applied by Load when a key is absent.
const (
	DefaultInactiveDays = 90
	DefaultConcurrency  = 8
	DefaultHistoryDays  = 400
)

// Features returns the features enabled for the connection: the read
// features named by sync.resources (or the defaults), with mailbox purpose
// when sync.mailbox_purpose is set and without PIM when sync.skip_p2_features
// is, plus the actions.
func (c *Connection) Features() []permission.Feature {
	var fs []permission.Feature
	if len(c.Sync.Resources) > 0 {
		for _, r := range c.Sync.Resources {
			fs = append(fs, permission.Feature(r))
		}
	} else {
		fs = permission.DefaultFeatures()
		if c.Sync.MailboxPurpose {
			fs = append(fs, permission.MailboxPurpose)
		}
	}
	out := fs[:0:0]
	for _, f := range fs {
		if f == permission.PIM && c.Sync.SkipP2Features {
			continue
		}
		if f == permission.MailboxPurpose && !c.Sync.MailboxPurpose && len(c.Sync.Resources) == 0 {
			continue
		}
		out = append(out, f)
	}
	for _, a := range c.Actions {
		out = append(out, permission.Feature(a))
	}
	return out
}

// SyncOnly returns the sync engine resources (sync.Options.Only) that
// sync.resources selects, or nil when it is empty (everything, with the
// sync options deciding mailbox purpose and PIM).
func (c *Connection) SyncOnly() []string {
	if len(c.Sync.Resources) == 0 {
		return nil
	}
	return permission.SyncResources(c.Features())
}

// AllDomains reports whether the domain filter lets every user through.
func (c *Connection) AllDomains() bool {
	return len(c.Domains) == 0 || (len(c.Domains) == 1 && c.Domains[0] == "*")
}
