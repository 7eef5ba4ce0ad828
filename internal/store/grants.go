package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PermissionGrant is one permission an application holds on an API: an
// application permission (an app role of the API's service principal
// assigned to the application's service principal, used without a user)
// or a delegated permission (a scope of an OAuth2 permission grant, used
// on behalf of a signed-in user: all users after an admin's consent, or
// one user after their own).
type PermissionGrant struct {
	Kind         string // application | delegated
	ClientID     string // the application's service principal
	ClientName   string
	ResourceID   string // the API's service principal
	ResourceName string
	// Permission is the app role's value (e.g. User.Read.All) or the
	// scope (e.g. Mail.Read); "" for an app role the copy has no name for
	// (PermissionID then says which).
	Permission   string
	PermissionID string // application: the app role id
	ConsentType  string // delegated: AllPrincipals | Principal
	Principal    Member // delegated with Principal consent: the user
	Created      time.Time
}

// Permission kinds.
const (
	GrantApplication = "application"
	GrantDelegated   = "delegated"
)

// PermissionGrants returns every application and delegated permission the
// tenant's service principals hold, by client name, kind, API and
// permission; a delegated grant of several scopes gives a row per scope.
// One generation answers all of it.
func (d *DB) PermissionGrants(ctx context.Context, conn Connection) ([]PermissionGrant, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	var out []PermissionGrant
	// Application permissions: app role assignments whose principal is a
	// service principal, named by the API's app roles.
	q := `SELECT a.principal_id, a.principal_display_name, a.resource_id, a.resource_display_name, a.app_role_id, COALESCE(r.value, ''), a.created_at
		FROM app_role_assignments a
		LEFT JOIN service_principal_app_roles r ON r.connection_id = a.connection_id AND r.service_principal_id = a.resource_id
			AND r.app_role_id = lower(a.app_role_id) AND ` + current("r") + `
		WHERE a.connection_id = ? AND ` + current("a") + ` AND a.principal_type = 'ServicePrincipal'`
	if err := d.scan(ctx, q, []any{g, g, conn.ID, g, g}, func(rows *sql.Rows) error {
		p := PermissionGrant{Kind: GrantApplication}
		var created *string
		if err := rows.Scan(&p.ClientID, &p.ClientName, &p.ResourceID, &p.ResourceName, &p.PermissionID, &p.Permission, &created); err != nil {
			return err
		}
		p.Created = parseTimeCol(created)
		out = append(out, p)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read application permissions of %q: %w", conn.Name, err)
	}
	// Delegated permissions: a row per scope of each grant.
	q = `SELECT o.client_id, COALESCE(c.display_name, ''), o.resource_id, COALESCE(r.display_name, ''), o.consent_type, o.principal_id, o.scope
		FROM oauth2_permission_grants o
		LEFT JOIN service_principals c ON c.connection_id = o.connection_id AND c.id = o.client_id AND ` + current("c") + `
		LEFT JOIN service_principals r ON r.connection_id = o.connection_id AND r.id = o.resource_id AND ` + current("r") + `
		WHERE o.connection_id = ? AND ` + current("o")
	var principals []string
	if err := d.scan(ctx, q, []any{g, g, g, g, conn.ID, g, g}, func(rows *sql.Rows) error {
		var p PermissionGrant
		var scope string
		if err := rows.Scan(&p.ClientID, &p.ClientName, &p.ResourceID, &p.ResourceName, &p.ConsentType, &p.Principal.ID, &scope); err != nil {
			return err
		}
		p.Kind = GrantDelegated
		if p.Principal.ID != "" {
			principals = append(principals, p.Principal.ID)
		}
		for _, s := range strings.Fields(scope) {
			p.Permission = s
			out = append(out, p)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read delegated permissions of %q: %w", conn.Name, err)
	}
	known, err := d.describeObjects(ctx, conn, g, principals, nil)
	if err != nil {
		return nil, fmt.Errorf("read delegated permissions of %q: %w", conn.Name, err)
	}
	for i := range out {
		if m, ok := known[out[i].Principal.ID]; ok {
			out[i].Principal = m
		}
	}
	slices.SortStableFunc(out, func(a, b PermissionGrant) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.ClientName), strings.ToLower(b.ClientName)), strings.Compare(a.ClientID, b.ClientID),
			strings.Compare(a.Kind, b.Kind), strings.Compare(strings.ToLower(a.ResourceName), strings.ToLower(b.ResourceName)),
			strings.Compare(a.ResourceID, b.ResourceID), strings.Compare(a.Permission, b.Permission), strings.Compare(a.PermissionID, b.PermissionID),
			strings.Compare(a.Principal.ID, b.Principal.ID))
	})
	return out, nil
}
