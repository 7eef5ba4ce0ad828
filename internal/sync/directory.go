package sync

import (
	"context"

	"github.com/tenantscope/tenantscope/internal/store"
)

func organizationResource() *resource {
	return &resource{
		name: "organization", group: "directory", alias: "organization",
		perms:  []string{"Organization.Read.All", "Directory.Read.All"},
		tables: []store.Table{store.TableOrganization},
		run: func(ctx context.Context, j *job) error {
			o, err := j.e.g.Organization(ctx)
			if err != nil {
				return err
			}
			j.e.state.setTenant(o.ID)
			return j.add(ctx, 1, func(b *store.Batch) {
				b.PutOrganization(&store.Organization{ID: o.ID, DisplayName: o.DisplayName, CreatedDateTime: tv(o.CreatedDateTime), Raw: o.Raw})
				b.Sweep(store.TableOrganization)
			})
		},
	}
}

func domainsResource() *resource {
	return &resource{
		name: "domains", group: "directory", alias: "organization",
		perms:  []string{"Domain.Read.All", "Directory.Read.All"},
		tables: []store.Table{store.TableDomains},
		run: func(ctx context.Context, j *job) error {
			ds, err := j.e.g.Domains(ctx)
			if err != nil {
				return err
			}
			for _, d := range ds {
				err := j.add(ctx, 1, func(b *store.Batch) {
					b.PutDomain(&store.Domain{ID: d.ID, AuthenticationType: d.AuthenticationType, IsDefault: d.IsDefault,
						IsInitial: d.IsInitial, IsVerified: d.IsVerified, Raw: d.Raw})
				})
				if err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableDomains) })
		},
	}
}

func identityProvidersResource() *resource {
	return &resource{
		name: "identityProviders", group: "directory", alias: "identity_providers",
		perms:  []string{"IdentityProvider.Read.All"},
		tables: []store.Table{store.TableIdentityProviders},
		run: func(ctx context.Context, j *job) error {
			ps, err := j.e.g.IdentityProviders(ctx)
			if err != nil {
				return err
			}
			for _, p := range ps {
				err := j.add(ctx, 1, func(b *store.Batch) {
					b.PutIdentityProvider(&store.IdentityProvider{ID: p.ID, ODataType: p.ODataType, DisplayName: p.DisplayName,
						IdentityProviderType: p.IdentityProviderType, Raw: p.Raw})
				})
				if err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableIdentityProviders) })
		},
	}
}
