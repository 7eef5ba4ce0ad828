package permission

import "slices"

// Service plans that carry the Entra ID tiers, by their servicePlanName in
// subscribedSkus (Microsoft's "Product names and service plan identifiers for
// licensing" table: AAD_PREMIUM 41781fb2-bc02-4b7c-bd55-b576c07bb09d,
// AAD_PREMIUM_P2 eec0eb4f-6444-4f95-aba0-50c24d67f998).
const (
	PlanEntraP1 = "AAD_PREMIUM"
	PlanEntraP2 = "AAD_PREMIUM_P2"
	// PlanEntraIDGovernance (e866a266-3cff-43a3-acca-0c90a7e00c8b, in SKU
	// Microsoft_Entra_ID_Governance) unlocks PIM like P2 does: Microsoft
	// documents PIM as needing "Microsoft Entra ID P2 or Microsoft Entra ID
	// Governance", and seed 002 says the same.
	PlanEntraIDGovernance = "Entra_Identity_Governance"
)

// SKU is the part of a subscribed SKU that decides the tenant's tier.
type SKU struct {
	SkuPartNumber string
	// EnabledUnits is prepaidUnits.enabled: seats the tenant has paid for
	// and may use.
	EnabledUnits     int
	ServicePlanNames []string
}

// TierFromSKUs derives the tenant's Entra ID tier: P2 when any SKU with
// enabled units carries AAD_PREMIUM_P2 or Entra ID Governance, P1 when one
// carries AAD_PREMIUM, Free otherwise.
func TierFromSKUs(skus []SKU) Tier {
	tier := TierFree
	for _, s := range skus {
		if s.EnabledUnits <= 0 {
			continue
		}
		if slices.Contains(s.ServicePlanNames, PlanEntraP2) || slices.Contains(s.ServicePlanNames, PlanEntraIDGovernance) {
			return TierP2
		}
		if slices.Contains(s.ServicePlanNames, PlanEntraP1) {
			tier = TierP1
		}
	}
	return tier
}
