package graphsim

import (
	"slices"
	"strings"
	"time"

	"github.com/tenantscope/tenantscope/internal/license"
)

// What the usage reports need from a user's licences: which workloads they
// are licensed for, since when, and the products' display names.

// userLicences is what a user's licences give them, per workload.
type userLicences struct {
	has      [NumServices]bool
	assigned [NumServices]time.Time
	// exchangePlan is the service plan that gives the mailbox (quotas).
	exchangePlan string
	// copilot: an enabled Microsoft 365 Copilot plan (M365_COPILOT*).
	copilot bool
}

// planServices maps a service plan to the workloads (a bit per Service)
// whose usage the reports track. Names are Microsoft's service plan names
// (ms-licensing.csv); SharePoint plans bring OneDrive with them.
func planServices(plan string) uint16 {
	const (
		exchange   = 1<<ServiceExchange | 1<<ServiceOutlook
		sharePoint = 1<<ServiceSharePoint | 1<<ServiceOneDrive
	)
	switch {
	case plan == "EXCHANGE_S_FOUNDATION" || strings.Contains(plan, "ARCHIVE") || plan == "EXCHANGE_ANALYTICS":
		return 0
	case strings.HasPrefix(plan, "EXCHANGE_S_") || strings.HasPrefix(plan, "EXCHANGE_B_") || strings.HasPrefix(plan, "EXCHANGE_L_"):
		return exchange
	case strings.HasPrefix(plan, "SHAREPOINTENTERPRISE") || strings.HasPrefix(plan, "SHAREPOINTSTANDARD") ||
		strings.HasPrefix(plan, "SHAREPOINTDESKLESS") || strings.HasPrefix(plan, "SHAREPOINT_S_"):
		return sharePoint
	case strings.HasPrefix(plan, "ONEDRIVE"):
		return 1 << ServiceOneDrive
	case plan == "MCOSTANDARD" || plan == "MCOIMP" || plan == "MCOLITE":
		return 1 << ServiceSkype
	case strings.HasPrefix(plan, "YAMMER_"):
		return 1 << ServiceYammer
	case plan == "TEAMS1" || plan == "TEAMS_FREE" || strings.HasPrefix(plan, "TEAMS_AR_") || plan == "TEAMS_GOV":
		return 1 << ServiceTeams
	case plan == "OFFICESUBSCRIPTION" || plan == "OFFICE_BUSINESS" || strings.HasPrefix(plan, "OFFICESUBSCRIPTION_"),
		// Office for the web and mobile: the apps report lists their users
		// too (the generator's rightsOf agrees).
		plan == "SHAREPOINTWAC" || plan == "OFFICEMOBILE_SUBSCRIPTION":
		return 1 << ServiceM365Apps
	}
	return 0
}

// licencesOf works out the user's workloads from their assigned SKUs'
// service plans, less disabled plans. Called with the tenant read-locked.
func licencesOf(skus map[string]*SubscribedSKU, planBits map[*SubscribedSKU][]uint16, u *User) userLicences {
	var l userLicences
	for _, al := range u.AssignedLicenses {
		sku := skus[strings.ToLower(al.SkuID)]
		if sku == nil {
			continue
		}
		assigned := licenceAssignDate(u, al.SkuID)
		pb := planBits[sku]
	plans:
		for k, p := range sku.ServicePlans {
			for _, d := range al.DisabledPlans {
				if strings.EqualFold(d, p.ServicePlanID) {
					continue plans
				}
			}
			if strings.HasPrefix(p.ServicePlanName, "M365_COPILOT") {
				l.copilot = true
			}
			var bits uint16
			if k < len(pb) {
				bits = pb[k]
			} else {
				bits = planServices(p.ServicePlanName)
			}
			if bits&(1<<ServiceExchange) != 0 && (l.exchangePlan == "" || p.ServicePlanName == "EXCHANGE_S_ENTERPRISE") {
				l.exchangePlan = p.ServicePlanName
			}
			for s := Service(0); bits != 0 && s < NumServices; s++ {
				if bits&(1<<s) == 0 {
					continue
				}
				l.has[s] = true
				if assigned.After(l.assigned[s]) {
					l.assigned[s] = assigned
				}
			}
		}
	}
	return l
}

// licenceAssignDate is the last date the SKU was assigned to the user ("The
// last date when the user was assigned an Exchange license", beta
// office365ActiveUserDetail): the latest update of its assignment states,
// direct or via a group, else the account's creation.
func licenceAssignDate(u *User, skuID string) time.Time {
	var last time.Time
	for _, st := range u.LicenseAssignmentStates {
		if strings.EqualFold(st.SkuID, skuID) && st.LastUpdatedDateTime.After(last) {
			last = st.LastUpdatedDateTime
		}
	}
	if last.IsZero() {
		return u.CreatedDateTime
	}
	return last
}

// productNames names SKUs the way the reports' Assigned Products column
// does: Microsoft's product display names (the licensing table), in upper
// case as the usage reports print them.
type productNames struct {
	bySkuID map[string]string // lower-case sku id -> name
}

func (rs *reportState) productNames() *productNames {
	rs.namesOnce.Do(func() {
		rs.names = &productNames{bySkuID: map[string]string{}}
		cat, err := license.Embedded()
		if err != nil {
			return // names fall back to the SKU part number
		}
		for _, p := range cat.Products() {
			rs.names.bySkuID[strings.ToLower(p.SkuID)] = strings.ToUpper(p.DisplayName)
		}
	})
	return rs.names
}

// assignedProducts joins the user's products with '+'. Called with the
// tenant read-locked.
func (p *productNames) assignedProducts(t *Tenant, u *User) string {
	var b strings.Builder
	seen := make([]string, 0, len(u.AssignedLicenses))
	for _, al := range u.AssignedLicenses {
		name := p.bySkuID[strings.ToLower(al.SkuID)]
		if name == "" {
			for _, s := range t.SubscribedSKUs {
				if strings.EqualFold(s.SkuID, al.SkuID) {
					name = s.SkuPartNumber
					break
				}
			}
		}
		if name == "" || slices.Contains(seen, name) {
			continue
		}
		seen = append(seen, name)
		if b.Len() > 0 {
			b.WriteByte('+')
		}
		b.WriteString(name)
	}
	return b.String()
}
