package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// Organization is the tenant's organization object.
type Organization struct {
	ID              string // tenant id
	DisplayName     string
	CreatedDateTime time.Time
	Raw             json.RawMessage
}

// PutOrganization writes the organization.
func (b *Batch) PutOrganization(o *Organization) {
	b.put(tOrganization, []any{o.ID}, []any{o.DisplayName, timeCol(o.CreatedDateTime)}, o.Raw)
}

// Organization returns the current organization, nil before the first sync.
func (d *DB) Organization(ctx context.Context, conn Connection) (*Organization, error) {
	var out *Organization
	err := d.selectCurrent(ctx, conn, "organization", "o", `SELECT o.id, o.display_name, o.created_at, o.raw FROM organization o
		WHERE o.connection_id = ? AND {cur} ORDER BY o.id LIMIT 1`, nil, func(rows *sql.Rows) error {
		var o Organization
		var created *string
		var raw sql.NullString
		if err := rows.Scan(&o.ID, &o.DisplayName, &created, &raw); err != nil {
			return err
		}
		o.CreatedDateTime = parseTimeCol(created)
		o.Raw = rawOf(raw)
		out = &o
		return nil
	})
	return out, err
}

// Domain is one of the tenant's domains.
type Domain struct {
	ID                 string
	AuthenticationType string
	IsDefault          bool
	IsInitial          bool
	IsVerified         bool
	Raw                json.RawMessage
}

// PutDomain writes a domain.
func (b *Batch) PutDomain(dm *Domain) {
	b.put(tDomains, []any{dm.ID}, []any{dm.AuthenticationType, dm.IsDefault, dm.IsInitial, dm.IsVerified}, dm.Raw)
}

// Domains returns the current domains by name.
func (d *DB) Domains(ctx context.Context, conn Connection) ([]Domain, error) {
	var out []Domain
	err := d.selectCurrent(ctx, conn, "domains", "d", `SELECT d.id, d.authentication_type, d.is_default, d.is_initial, d.is_verified, d.raw
		FROM domains d WHERE d.connection_id = ? AND {cur} ORDER BY d.id`, nil, func(rows *sql.Rows) error {
		var dm Domain
		var raw sql.NullString
		if err := rows.Scan(&dm.ID, &dm.AuthenticationType, &dm.IsDefault, &dm.IsInitial, &dm.IsVerified, &raw); err != nil {
			return err
		}
		dm.Raw = rawOf(raw)
		out = append(out, dm)
		return nil
	})
	return out, err
}

// IdentityProvider is one of /identity/identityProviders.
type IdentityProvider struct {
	ID                   string
	ODataType            string
	DisplayName          string
	IdentityProviderType string
	Raw                  json.RawMessage
}

// PutIdentityProvider writes an identity provider.
func (b *Batch) PutIdentityProvider(p *IdentityProvider) {
	b.put(tIdentityProviders, []any{p.ID}, []any{p.ODataType, p.DisplayName, p.IdentityProviderType}, p.Raw)
}

// IdentityProviders returns the current identity providers by id.
func (d *DB) IdentityProviders(ctx context.Context, conn Connection) ([]IdentityProvider, error) {
	var out []IdentityProvider
	err := d.selectCurrent(ctx, conn, "identity providers", "p", `SELECT p.id, p.odata_type, p.display_name, p.identity_provider_type, p.raw
		FROM identity_providers p WHERE p.connection_id = ? AND {cur} ORDER BY p.id`, nil, func(rows *sql.Rows) error {
		var p IdentityProvider
		var raw sql.NullString
		if err := rows.Scan(&p.ID, &p.ODataType, &p.DisplayName, &p.IdentityProviderType, &raw); err != nil {
			return err
		}
		p.Raw = rawOf(raw)
		out = append(out, p)
		return nil
	})
	return out, err
}
