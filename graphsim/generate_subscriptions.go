package graphsim

import (
	"time"
)

// companySubscriptions creates the commerce subscriptions behind the SKUs
// (/directory/subscriptions), with renewal dates: some renew within 30
// days, some within 60, the rest later. A SKU in its grace period has two:
// one enabled and one in warning.
func (g *gen) companySubscriptions() error {
	r := g.rng("company subscriptions")
	t := g.t
	for i, sku := range t.SubscribedSKUs {
		add := func(status string, units int) {
			cs := &CompanySubscription{ID: newGUID(r), CommerceSubscriptionID: newGUID(r), SkuID: sku.SkuID, SkuPartNumber: sku.SkuPartNumber,
				Status: status, TotalLicenses: units, CreatedDateTime: randomTimeBetween(r, t.Created, t.Now.AddDate(0, -1, 0))}
			switch {
			case status == "Suspended":
				cs.NextLifecycleDateTime = t.Now.AddDate(0, 0, between(r, 20, 80)) // deletion date
			case status == "Warning":
				cs.NextLifecycleDateTime = t.Now.AddDate(0, 0, between(r, 3, 25)) // end of grace period
			case g.skuSpecs[i].seats == seatsViral:
				cs.NextLifecycleDateTime = t.Now.AddDate(1, 0, 0).Truncate(24 * time.Hour)
			default:
				switch weighted(r, []int{25, 20, 55}) {
				case 0:
					cs.NextLifecycleDateTime = t.Now.AddDate(0, 0, between(r, 1, 30))
				case 1:
					cs.NextLifecycleDateTime = t.Now.AddDate(0, 0, between(r, 31, 60))
				default:
					cs.NextLifecycleDateTime = t.Now.AddDate(0, 0, between(r, 61, 365))
				}
			}
			cs.NextLifecycleDateTime = cs.NextLifecycleDateTime.Truncate(24 * time.Hour)
			t.CompanySubscriptions = append(t.CompanySubscriptions, cs)
			sku.SubscriptionIDs = append(sku.SubscriptionIDs, cs.ID)
		}
		switch {
		case sku.CapabilityStatus == "Suspended":
			add("Suspended", sku.Suspended)
		case sku.Warning > 0:
			add("Enabled", sku.Enabled)
			add("Warning", sku.Warning)
		default:
			add("Enabled", sku.Enabled)
		}
	}
	return nil
}

// nonUserMembers puts service principals and devices into a few security
// groups, as Conditional Access and Intune targeting groups do.
func (g *gen) nonUserMembers() error {
	r := g.rng("group members beyond users")
	t := g.t
	var security []*Group
	for _, grp := range t.Groups {
		if grp.SecurityEnabled && !grp.MailEnabled && len(grp.GroupTypes) == 0 && grp.OnPremisesSyncEnabled == nil && len(grp.AssignedLicenses) == 0 && !grp.IsAssignableToRole {
			security = append(security, grp)
		}
	}
	if len(security) == 0 {
		return nil
	}
	// Devices: an Autopilot-style group of Windows devices.
	devGroup := security[r.IntN(len(security))]
	for _, d := range t.Devices {
		if d.OperatingSystem == "Windows" && chance(r, 0.5) {
			devGroup.Members = append(devGroup.Members, d.ID)
		}
	}
	// Service principals: workload identities targeted by policies.
	spGroup := security[r.IntN(len(security))]
	for _, sp := range t.ServicePrincipals {
		if sp.AppOwnerOrganizationID == t.ID || sp.ServicePrincipalType == "ManagedIdentity" {
			if sp.ID != t.Connector.ServicePrincipalID && chance(r, 0.3) && !containsString(spGroup.Members, sp.ID) {
				spGroup.Members = append(spGroup.Members, sp.ID)
			}
		}
	}
	return nil
}
