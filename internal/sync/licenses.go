package sync

import (
	"context"

	"github.com/tenantscope/tenantscope/internal/store"
)

// subscribedSKUsResource: seat counts stay tenant-wide whatever the domains
// filter says (seed 003: Microsoft counts seats per tenant).
func subscribedSKUsResource() *resource {
	return &resource{
		name: "subscribedSkus", group: "licenses",
		perms:  []string{"LicenseAssignment.Read.All", "Organization.Read.All", "Directory.Read.All"},
		tables: []store.Table{store.TableSubscribedSKUs},
		run: func(ctx context.Context, j *job) error {
			skus, err := j.e.g.SubscribedSKUs(ctx)
			if err != nil {
				return err
			}
			for _, s := range skus {
				sku := &store.SubscribedSKU{SkuID: s.SkuID, SkuPartNumber: s.SkuPartNumber, CapabilityStatus: s.CapabilityStatus,
					AppliesTo: s.AppliesTo, ConsumedUnits: s.ConsumedUnits, Enabled: s.PrepaidUnits.Enabled,
					Suspended: s.PrepaidUnits.Suspended, Warning: s.PrepaidUnits.Warning, LockedOut: s.PrepaidUnits.LockedOut, Raw: s.Raw}
				for _, p := range s.ServicePlans {
					sku.ServicePlans = append(sku.ServicePlans, store.ServicePlan{ServicePlanID: p.ServicePlanID, ServicePlanName: p.ServicePlanName,
						ProvisioningStatus: p.ProvisioningStatus, AppliesTo: p.AppliesTo})
				}
				if err := j.add(ctx, 1, func(b *store.Batch) { b.PutSubscribedSKU(sku) }); err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableSubscribedSKUs) })
		},
	}
}

func companySubscriptionsResource() *resource {
	return &resource{
		name: "subscriptions", group: "licenses",
		perms:  []string{"Directory.Read.All", "Organization.Read.All"},
		tables: []store.Table{store.TableCompanySubscriptions},
		run: func(ctx context.Context, j *job) error {
			subs, err := j.e.g.CompanySubscriptions(ctx)
			if err != nil {
				return err
			}
			for _, s := range subs {
				err := j.add(ctx, 1, func(b *store.Batch) {
					b.PutCompanySubscription(&store.CompanySubscription{ID: s.ID, CommerceSubscriptionID: s.CommerceSubscriptionID,
						SkuID: s.SkuID, SkuPartNumber: s.SkuPartNumber, Status: s.Status, IsTrial: s.IsTrial, TotalLicenses: s.TotalLicenses,
						CreatedDateTime: tv(s.CreatedDateTime), NextLifecycleDateTime: tv(s.NextLifecycleDateTime), Raw: s.Raw})
				})
				if err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableCompanySubscriptions) })
		},
	}
}
