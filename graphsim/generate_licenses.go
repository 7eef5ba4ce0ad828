package graphsim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// seatPolicy decides a SKU's prepaid units from what is consumed, so that
// every kind of subscription Microsoft reports exists in each tenant.
type seatPolicy uint8

const (
	seatsSpare     seatPolicy = iota // many unassigned seats (over-bought)
	seatsFew                         // a few spare seats
	seatsFull                        // every seat assigned (enabled == consumed)
	seatsWarning                     // part of the units in the warning (grace) state
	seatsSuspended                   // lapsed: all units suspended, none assigned
	seatsViral                       // free self-service SKU with a huge unit count
)

// skuSpec is one SKU the tenant buys, by Microsoft's skuPartNumber.
type skuSpec struct {
	part    string
	seats   seatPolicy
	minTier Tier // lowest tier whose tenants buy it (because it carries Entra ID P1/P2)
}

// tenantSKUs are the SKUs generated tenants buy, in subscribedSkus order.
// Those carrying the AAD_PREMIUM (P1) or AAD_PREMIUM_P2 service plan exist
// only in tenants of that tier, so the tier a client derives from the
// service plans is the profile's tier.
var tenantSKUs = [...]skuSpec{
	{"ENTERPRISEPACK", seatsFew, TierFree},            // Office 365 E3
	{"ENTERPRISEPREMIUM", seatsSpare, TierFree},       // Office 365 E5
	{"SPE_E3", seatsFew, TierP1},                      // Microsoft 365 E3
	{"SPE_E5", seatsSpare, TierP2},                    // Microsoft 365 E5
	{"O365_BUSINESS_ESSENTIALS", seatsFull, TierFree}, // Microsoft 365 Business Basic
	{"O365_BUSINESS_PREMIUM", seatsFew, TierFree},     // Microsoft 365 Business Standard
	{"SPB", seatsSpare, TierP1},                       // Microsoft 365 Business Premium
	{"SPE_F1", seatsFew, TierP1},                      // Microsoft 365 F3
	{"DESKLESSPACK", seatsFew, TierFree},              // Office 365 F3
	{"EXCHANGESTANDARD", seatsFew, TierFree},          // Exchange Online (Plan 1)
	{"VISIOCLIENT", seatsSpare, TierFree},             // Visio Plan 2
	{"PROJECTPROFESSIONAL", seatsFull, TierFree},      // Project Plan 3
	{"POWER_BI_PRO", seatsWarning, TierFree},          // Power BI Pro
	{"Microsoft_365_Copilot", seatsSpare, TierFree},   // Microsoft 365 Copilot
	{"AAD_PREMIUM", seatsSpare, TierP1},               // Entra ID P1
	{"EMS", seatsFull, TierP1},                        // Enterprise Mobility + Security E3
	{"AAD_PREMIUM_P2", seatsFew, TierP2},              // Entra ID P2
	{"STANDARDPACK", seatsSuspended, TierFree},        // Office 365 E1, lapsed
	{"FLOW_FREE", seatsViral, TierFree},               // Power Automate Free
	{"POWER_BI_STANDARD", seatsViral, TierFree},       // Microsoft Fabric (Free)
}

func tierRank(t Tier) int {
	switch t {
	case TierP1:
		return 1
	case TierP2:
		return 2
	}
	return 0
}

// skus subscribes the tenant to the SKUs of its tier, with Microsoft's
// service plans from the catalogue. Units are set by licences, once
// consumption is known.
func (g *gen) skus() error {
	r := g.rng("skus")
	t := g.t
	g.skuByPart = map[string]int{}
	accountID := newGUID(r)
	for i := range tenantSKUs {
		spec := &tenantSKUs[i]
		if tierRank(spec.minTier) > tierRank(g.p.Tier) {
			continue
		}
		prod, ok := g.cat.ProductByPartNumber(spec.part)
		if !ok {
			return fmt.Errorf("SKU %s is not in Microsoft's licensing table", spec.part)
		}
		sku := &SubscribedSKU{
			SkuID: prod.SkuID, SkuPartNumber: prod.SkuPartNumber,
			CapabilityStatus: "Enabled", AppliesTo: "User",
			AccountID: accountID, AccountName: t.DisplayName,
		}
		for _, pl := range prod.Plans {
			sku.ServicePlans = append(sku.ServicePlans, ServicePlan{
				ServicePlanID: pl.ServicePlanID, ServicePlanName: pl.ServicePlanName,
				ProvisioningStatus: "Success", AppliesTo: "User",
			})
		}
		if spec.seats == seatsSuspended {
			sku.CapabilityStatus = "Suspended"
			for k := range sku.ServicePlans {
				sku.ServicePlans[k].ProvisioningStatus = "Disabled"
			}
		}
		g.skuByPart[spec.part] = len(t.SubscribedSKUs)
		t.SubscribedSKUs = append(t.SubscribedSKUs, sku)
		g.skuSpecs = append(g.skuSpecs, spec)
	}
	return nil
}

// licenceItem is one licence a user will hold.
type licenceItem struct {
	sku      uint8 // index into t.SubscribedSKUs
	direct   bool
	viaGroup bool
	// disabled are service plan ids switched off on the direct assignment.
	disabled []string
}

// licencePlan is everything a user will hold; nil = unlicensed.
type licencePlan []licenceItem

func (p licencePlan) has(sku uint8) bool {
	for _, it := range p {
		if it.sku == sku {
			return true
		}
	}
	return false
}

// licencePlans decides who holds what before groups exist, so licensing
// groups can be given exactly the members that inherit from them.
func (g *gen) licencePlans() error {
	r := g.rng("licence plans")
	t := g.t
	g.plans = make([]licencePlan, len(t.Users))
	sku := func(part string) (uint8, bool) {
		i, ok := g.skuByPart[part]
		return uint8(i), ok
	}
	add := func(p licencePlan, part string) licencePlan {
		if i, ok := sku(part); ok && !p.has(i) {
			p = append(p, licenceItem{sku: i, direct: true})
		}
		return p
	}
	// The tenant's main suite is assigned through a licensing group for
	// part of its holders, as is Power BI Pro.
	main := "SPE_E3"
	if g.p.Tier == TierFree {
		main = "ENTERPRISEPACK"
	}
	g.groupLicensed = []string{main, "POWER_BI_PRO"}

	for i, u := range t.Users {
		var p licencePlan
		switch g.ukind[i] {
		case userPerson:
			if !u.AccountEnabled && chance(r, 0.4) {
				break // a leaver whose licences were reclaimed
			}
			if chance(r, 0.12) {
				break // an unlicensed employee
			}
			p = add(p, g.primarySKU(r, u))
			primary := t.SubscribedSKUs[p[0].sku].SkuPartNumber
			isSuite := strings.HasPrefix(primary, "SPE_E") || strings.HasPrefix(primary, "ENTERPRISE")
			// Duplicates: an E3 holder also given E5 (an upgrade never cleaned up).
			if chance(r, 0.03) {
				switch primary {
				case "SPE_E3":
					p = add(p, "SPE_E5")
				case "ENTERPRISEPACK":
					p = add(p, "ENTERPRISEPREMIUM")
				}
			}
			if chance(r, 0.05) {
				p = add(p, "VISIOCLIENT")
			}
			if chance(r, 0.04) {
				p = add(p, "PROJECTPROFESSIONAL")
			}
			if chance(r, 0.14) && (!strings.HasSuffix(primary, "E5") && primary != "ENTERPRISEPREMIUM" || chance(r, 0.1)) {
				p = add(p, "POWER_BI_PRO") // E5 includes it; a few get it anyway
			}
			if isSuite && chance(r, 0.08) {
				p = add(p, "Microsoft_365_Copilot")
			}
			if primary == "ENTERPRISEPACK" && chance(r, 0.25) {
				p = add(p, "EMS")
			} else if primary == "ENTERPRISEPACK" && chance(r, 0.2) {
				p = add(p, "AAD_PREMIUM")
			}
			if primary == "SPE_E3" && chance(r, 0.1) {
				p = add(p, "AAD_PREMIUM_P2")
			}
			if chance(r, 0.15) {
				p = add(p, "FLOW_FREE")
			}
			if chance(r, 0.1) {
				p = add(p, "POWER_BI_STANDARD")
			}
		case userGuest:
			if chance(r, 0.1) {
				p = add(p, pick(r, []string{"O365_BUSINESS_ESSENTIALS", "POWER_BI_PRO"}))
			}
		case userShared:
			// Shared mailboxes need no licence under 50 GB; some have one anyway.
			if chance(r, 0.25) {
				p = add(p, pick(r, []string{"EXCHANGESTANDARD", "ENTERPRISEPACK"}))
			}
		case userRoom, userEquipment:
			if chance(r, 0.15) {
				p = add(p, "ENTERPRISEPACK")
			}
		}
		// Group-based licensing for part of the main suite's and Power BI
		// Pro's holders; a few hold the same SKU directly as well.
		for k := range p {
			part := t.SubscribedSKUs[p[k].sku].SkuPartNumber
			if g.ukind[i] == userPerson && isGroupLicensed(g.groupLicensed, part) && g.p.Groups >= len(g.groupLicensed) && chance(r, 0.45) {
				p[k].viaGroup = true
				p[k].direct = chance(r, 0.06)
			}
			if p[k].direct && (part == "ENTERPRISEPACK" || part == "SPE_E3" || part == "SPE_E5") && chance(r, 0.1) {
				p[k].disabled = g.planIDs(p[k].sku, "YAMMER_ENTERPRISE", "KAIZALA_O365_P3", "KAIZALA_STANDALONE")
			}
		}
		g.plans[i] = p
		switch {
		case len(p) > 0 && u.UsageLocation == "":
			// Microsoft refuses a licence without a usage location.
			u.UsageLocation = offices[weightedOffice(r)].Country
		case len(p) == 0 && g.ukind[i] == userPerson && chance(r, 0.3):
			u.UsageLocation = "" // allowed for unlicensed users
		}
	}
	return nil
}

func isGroupLicensed(parts []string, part string) bool {
	for _, p := range parts {
		if p == part {
			return true
		}
	}
	return false
}

// primarySKU draws a user's main licence by department and tier.
func (g *gen) primarySKU(r *rand.Rand, u *User) string {
	if isFrontline(u.Department) && chance(r, 0.8) {
		if g.p.Tier == TierFree {
			return "DESKLESSPACK"
		}
		return "SPE_F1"
	}
	var parts []string
	var weights []int
	switch g.p.Tier {
	case TierP2:
		parts = []string{"SPE_E5", "SPE_E3", "ENTERPRISEPACK", "ENTERPRISEPREMIUM", "O365_BUSINESS_ESSENTIALS", "O365_BUSINESS_PREMIUM", "SPB"}
		weights = []int{14, 38, 14, 4, 12, 8, 5}
	case TierP1:
		parts = []string{"SPE_E3", "ENTERPRISEPACK", "ENTERPRISEPREMIUM", "O365_BUSINESS_ESSENTIALS", "O365_BUSINESS_PREMIUM", "SPB"}
		weights = []int{45, 15, 5, 14, 10, 6}
	default:
		parts = []string{"ENTERPRISEPACK", "ENTERPRISEPREMIUM", "O365_BUSINESS_ESSENTIALS", "O365_BUSINESS_PREMIUM"}
		weights = []int{50, 10, 22, 18}
	}
	return parts[weighted(r, weights)]
}

// planIDs returns the ids of the named service plans that a SKU has.
func (g *gen) planIDs(sku uint8, names ...string) []string {
	var out []string
	for _, sp := range g.t.SubscribedSKUs[sku].ServicePlans {
		for _, n := range names {
			if sp.ServicePlanName == n {
				out = append(out, sp.ServicePlanID)
			}
		}
	}
	return out
}

// licences applies the plans: assignedLicenses and licenseAssignmentStates
// as Graph shows them, consumption, and then the prepaid units that make
// each SKU's seat policy true.
func (g *gen) licences() error {
	r := g.rng("licences")
	t := g.t
	consumed := make([]int, len(t.SubscribedSKUs))
	for i, u := range t.Users {
		p := g.plans[i]
		if len(p) == 0 {
			continue
		}
		u.AssignedLicenses = make([]AssignedLicense, 0, len(p))
		when := u.CreatedDateTime.Add(time.Duration(1+r.IntN(72)) * time.Hour)
		if when.After(t.Now) {
			when = t.Now.Add(-time.Hour)
		}
		for _, it := range p {
			sku := t.SubscribedSKUs[it.sku]
			u.AssignedLicenses = append(u.AssignedLicenses, AssignedLicense{SkuID: sku.SkuID, DisabledPlans: nonNil(it.disabled)})
			if it.direct {
				u.LicenseAssignmentStates = append(u.LicenseAssignmentStates, LicenseAssignmentState{
					SkuID: sku.SkuID, DisabledPlans: nonNil(it.disabled), State: "Active", Error: "None", LastUpdatedDateTime: when,
				})
			}
			if it.viaGroup {
				grp := g.licGroups[sku.SkuPartNumber]
				u.LicenseAssignmentStates = append(u.LicenseAssignmentStates, LicenseAssignmentState{
					SkuID: sku.SkuID, DisabledPlans: []string{}, AssignedByGroup: grp.ID, State: "Active", Error: "None", LastUpdatedDateTime: when,
				})
			}
			consumed[it.sku]++
		}
	}
	for i, sku := range t.SubscribedSKUs {
		c := consumed[i]
		switch g.skuSpecs[i].seats {
		case seatsSpare:
			sku.Enabled = roundUp5(c + max(5, c*40/100))
		case seatsFew:
			sku.Enabled = c + max(1, c*4/100)
		case seatsFull:
			sku.Enabled = c
		case seatsWarning:
			// One of two subscriptions lapsed into its grace period: its
			// units are "warning"; consumption runs past the enabled ones.
			sku.Enabled = c * 85 / 100
			sku.Warning = c - sku.Enabled + max(2, c*10/100)
		case seatsSuspended:
			sku.Suspended = 25
		case seatsViral:
			if sku.SkuPartNumber == "POWER_BI_STANDARD" {
				sku.Enabled = 1000000
			} else {
				sku.Enabled = 10000
			}
		}
	}
	return nil
}

func roundUp5(n int) int { return (n + 4) / 5 * 5 }

// nonNil keeps JSON arrays as [] rather than null, as Graph sends them.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
