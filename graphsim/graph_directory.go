package graphsim

// Directory-wide Graph resources other than users and groups: the
// organization, its domains and identity providers, subscribed SKUs and
// commerce subscriptions; this file also registers the managed devices
// (graph_devices.go), sign-in log (graph_signins.go) and mailbox settings
// (graph_mailbox.go) routes. Shapes and property order follow the documented
// payloads in shared/graph-examples (v1.0_organization_list.json,
// v1.0_domains_list.json, v1.0_identity_identityProviders_list.json,
// v1.0_subscribedSkus.json).

import (
	"strings"
	"time"
)

// Application permissions per endpoint, from each API's Microsoft Graph
// reference page ("Permissions" table, least privileged first).
var (
	permsOrganization     = []string{"Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"}
	permsDomains          = []string{"Domain.Read.All", "Directory.Read.All", "Domain.ReadWrite.All", "Directory.ReadWrite.All"}
	permsIdentityProvider = []string{"IdentityProvider.Read.All", "IdentityProvider.ReadWrite.All"}
	// subscribedsku-list: LicenseAssignment.Read.All is least privileged in
	// the current docs; Organization.Read.All and Directory.Read.All remain.
	permsSubscribedSkus = []string{"LicenseAssignment.Read.All", "Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"}
	permsCompanySubs    = []string{"LicenseAssignment.Read.All", "Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"}
	permsManagedDevices = []string{"DeviceManagementManagedDevices.Read.All", "DeviceManagementManagedDevices.ReadWrite.All"}
)

// zeroDateTime is how Graph (and Intune) serialise an unset non-nullable
// DateTimeOffset.
const zeroDateTime = "0001-01-01T00:00:00Z"

// dateTimeOrNull renders an optional timestamp: null when unset.
func dateTimeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// dateTimeOrZero renders a non-nullable timestamp: 0001-01-01 when unset.
func dateTimeOrZero(t time.Time) string {
	if t.IsZero() {
		return zeroDateTime
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// stringOrNull renders an optional string property: Graph sends null, not "".
func stringOrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// stringsOrEmpty keeps collection properties as [] rather than null, as
// Graph always sends collections.
func stringsOrEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) registerDirectoryRoutes() {
	s.registerEntitySet(&entitySet{
		Path:         "/organization",
		Perms:        permsOrganization,
		Cost:         1,
		ODataContext: "organization",
		Items: func(rs requestScope) ([]any, *APIError) {
			return []any{rs.Tenant}, nil
		},
		Render: func(t *Tenant, obj any) entity { return renderOrganization(t) },
		Get: func(rs requestScope, key string) any {
			if strings.EqualFold(key, rs.Tenant.ID) {
				return rs.Tenant
			}
			return nil
		},
	})
	s.registerEntitySet(&entitySet{
		Path:         "/domains",
		Perms:        permsDomains,
		Cost:         1,
		ODataContext: "domains",
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.Domains), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderDomain(obj.(*Domain)) },
		Get: func(rs requestScope, key string) any {
			for _, d := range rs.Tenant.Domains {
				if strings.EqualFold(d.ID, key) {
					return d
				}
			}
			return nil
		},
	})
	s.registerEntitySet(&entitySet{
		Path:         "/identity/identityProviders",
		Perms:        permsIdentityProvider,
		Cost:         1,
		ODataContext: "identity/identityProviders",
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.IdentityProviders), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderIdentityProvider(obj.(*IdentityProvider)) },
		Get: func(rs requestScope, key string) any {
			for _, p := range rs.Tenant.IdentityProviders {
				if p.ID == key {
					return p
				}
			}
			return nil
		},
	})
	// subscribedSkus: no paging, only $select (graph-facts §5); resource-unit
	// cost 3 (graph-facts §3).
	s.registerEntitySet(&entitySet{
		Path:         "/subscribedSkus",
		Perms:        permsSubscribedSkus,
		Cost:         3,
		ODataContext: "subscribedSkus",
		Type:         "microsoft.graph.subscribedSku",
		// Only $select is supported: no property can be filtered.
		Filter: map[string]filterRule{},
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.SubscribedSKUs), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderSubscribedSKU(t, obj.(*SubscribedSKU)) },
		// GET /subscribedSkus/{tenantId}_{skuId}
		Get: func(rs requestScope, key string) any {
			tid, skuID, ok := strings.Cut(key, "_")
			if !ok || !strings.EqualFold(tid, rs.Tenant.ID) {
				return nil
			}
			for _, sku := range rs.Tenant.SubscribedSKUs {
				if strings.EqualFold(sku.SkuID, skuID) {
					return sku
				}
			}
			return nil
		},
	})
	s.registerEntitySet(&entitySet{
		Path:         "/directory/subscriptions",
		Perms:        permsCompanySubs,
		Cost:         1,
		ODataContext: "directory/subscriptions",
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.CompanySubscriptions), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderCompanySubscription(t, obj.(*CompanySubscription)) },
	})
	// Intune pages managed devices 1,000 at a time.
	s.registerEntitySet(&entitySet{
		Path:         "/deviceManagement/managedDevices",
		Perms:        permsManagedDevices,
		DefaultTop:   1000,
		MaxTop:       1000,
		Cost:         1,
		ODataContext: "deviceManagement/managedDevices",
		Items: func(rs requestScope) ([]any, *APIError) {
			return anySlice(rs.Tenant.ManagedDevices), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderManagedDevice(t, obj.(*ManagedDevice)) },
	})
	s.registerSignInRoutes() // graph_signins.go
	s.graph("GET /users/{id}/mailboxSettings", 1, s.getMailboxSettings)
	s.graph("GET /users/{id}/mailboxSettings/userPurpose", 1, s.getMailboxUserPurpose)
}

// anySlice converts a typed slice for entitySet.Items.
func anySlice[T any](in []T) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}

func renderOrganization(t *Tenant) entity {
	var plans []any
	for _, sku := range t.SubscribedSKUs {
		for _, sp := range sku.ServicePlans {
			plans = append(plans, entity{
				{"assignedDateTime", dateTimeOrZero(t.Created)},
				{"capabilityStatus", sku.CapabilityStatus},
				{"service", serviceOfPlan(sp.ServicePlanName)},
				{"servicePlanId", sp.ServicePlanID},
			})
		}
	}
	if plans == nil {
		plans = []any{}
	}
	var verified []any
	for _, d := range t.Domains {
		if !d.IsVerified {
			continue
		}
		verified = append(verified, entity{
			{"capabilities", strings.Join(d.SupportedServices, ", ")},
			{"isDefault", d.IsDefault},
			{"isInitial", d.IsInitial},
			{"name", d.ID},
			{"type", d.AuthenticationType},
		})
	}
	if verified == nil {
		verified = []any{}
	}
	o := t.Organization
	// onPremisesSyncEnabled is true for a synchronised directory and null
	// for one that never was.
	var syncEnabled any
	if o.OnPremisesSyncEnabled {
		syncEnabled = true
	}
	return entity{
		{"id", t.ID},
		{"deletedDateTime", nil},
		{"assignedPlans", plans},
		{"businessPhones", stringsOrEmpty(o.BusinessPhones)},
		{"city", stringOrNull(o.City)},
		{"country", stringOrNull(o.Country)},
		{"countryLetterCode", stringOrNull(o.CountryLetterCode)},
		{"createdDateTime", dateTimeOrNull(t.Created)},
		{"defaultUsageLocation", nil},
		{"displayName", t.DisplayName},
		{"marketingNotificationEmails", []string{}},
		{"onPremisesLastSyncDateTime", dateTimeOrNull(o.OnPremisesLastSyncDateTime)},
		{"onPremisesSyncEnabled", syncEnabled},
		{"postalCode", stringOrNull(o.PostalCode)},
		{"preferredLanguage", stringOrNull(o.PreferredLanguage)},
		{"securityComplianceNotificationMails", []string{}},
		{"securityComplianceNotificationPhones", []string{}},
		{"state", stringOrNull(o.State)},
		{"street", stringOrNull(o.Street)},
		{"technicalNotificationMails", stringsOrEmpty(o.TechnicalNotificationMails)},
		{"tenantType", "AAD"},
		{"provisionedPlans", []any{}},
		{"verifiedDomains", verified},
	}
}

// serviceOfPlan names the service an assigned plan belongs to, as
// organization.assignedPlans[].service does (e.g. "exchange", "SharePoint",
// "MicrosoftOffice"). Prefixes follow Microsoft's service-plan naming.
func serviceOfPlan(planName string) string {
	prefixes := []struct{ prefix, service string }{
		{"EXCHANGE", "exchange"},
		{"SHAREPOINT", "SharePoint"},
		{"ONEDRIVE", "SharePoint"},
		{"TEAMS", "TeamspaceAPI"},
		{"MCO", "MicrosoftCommunicationsOnline"},
		{"OFFICESUBSCRIPTION", "MicrosoftOffice"},
		{"OFFICE_BUSINESS", "MicrosoftOffice"},
		{"SHAREPOINTWAC", "SharePoint"},
		{"AAD_PREMIUM", "AADPremiumService"},
		{"MFA_PREMIUM", "MultiFactorService"},
		{"INTUNE", "SCO"},
		{"YAMMER", "YammerEnterprise"},
		{"POWER_BI", "PowerBI"},
		{"BI_AZURE", "ProcessSimple"},
		{"FLOW", "ProcessSimple"},
		{"POWERAPPS", "PowerAppsService"},
		{"PROJECT", "ProjectWorkManagement"},
		{"VISIO", "Visio"},
		{"RMS", "RMSOnline"},
		{"ATP", "exchange"},
		{"MIP", "RMSOnline"},
		{"ADALLOM", "Adallom"},
		{"WINDEF", "WindowsDefenderATP"},
		{"SWAY", "Sway"},
		{"FORMS", "OfficeForms"},
		{"STREAM", "MicrosoftStream"},
		{"BPOS_S_TODO", "To-Do"},
		{"DESKLESS", "Deskless"},
		{"WHITEBOARD", "WhiteboardServices"},
		{"M365_COPILOT", "M365CopilotService"},
	}
	for _, p := range prefixes {
		if strings.HasPrefix(planName, p.prefix) {
			return p.service
		}
	}
	return planName
}

func renderDomain(d *Domain) entity {
	return entity{
		{"id", d.ID},
		{"authenticationType", d.AuthenticationType},
		{"availabilityStatus", nil},
		{"isAdminManaged", d.IsAdminManaged},
		{"isDefault", d.IsDefault},
		{"isInitial", d.IsInitial},
		{"isRoot", d.IsRoot},
		{"isVerified", d.IsVerified},
		{"supportedServices", stringsOrEmpty(d.SupportedServices)},
		// 2147483647 means "passwords never expire", Entra's default.
		{"passwordValidityPeriodInDays", 2147483647},
		{"passwordNotificationWindowInDays", 14},
		{"state", nil},
	}
}

// renderIdentityProvider follows identitycontainer-list-identityproviders:
// built-in providers carry no client credentials; social providers do, with
// the secret always masked.
func renderIdentityProvider(p *IdentityProvider) entity {
	odataType := p.ODataType
	if !strings.HasPrefix(odataType, "#") {
		odataType = "#" + odataType
	}
	if strings.HasSuffix(odataType, "builtInIdentityProvider") {
		return entity{
			{"@odata.type", odataType},
			{"id", p.ID},
			{"displayName", p.DisplayName},
			{"identityProviderType", p.IdentityProviderType},
		}
	}
	return entity{
		{"@odata.type", odataType},
		{"id", p.ID},
		{"displayName", p.DisplayName},
		{"identityProviderType", p.IdentityProviderType},
		{"clientId", p.ClientID},
		{"clientSecret", "******"},
	}
}

// renderSubscribedSKU renders a SKU with its consumed units: the users
// holding it directly or through a group, from the tenant's index.
func renderSubscribedSKU(t *Tenant, sku *SubscribedSKU) entity {
	plans := make([]any, len(sku.ServicePlans))
	for i, sp := range sku.ServicePlans {
		plans[i] = entity{
			{"servicePlanId", sp.ServicePlanID},
			{"servicePlanName", sp.ServicePlanName},
			{"provisioningStatus", sp.ProvisioningStatus},
			{"appliesTo", sp.AppliesTo},
		}
	}
	return entity{
		{"accountName", sku.AccountName},
		{"accountId", sku.AccountID},
		{"appliesTo", sku.AppliesTo},
		{"capabilityStatus", sku.CapabilityStatus},
		{"consumedUnits", t.consumedLocked(sku.SkuID)},
		{"id", t.ID + "_" + sku.SkuID},
		{"prepaidUnits", entity{
			{"enabled", sku.Enabled},
			{"lockedOut", sku.LockedOut},
			{"suspended", sku.Suspended},
			{"warning", sku.Warning},
		}},
		{"servicePlans", plans},
		{"skuId", sku.SkuID},
		{"skuPartNumber", sku.SkuPartNumber},
		{"subscriptionIds", stringsOrEmpty(sku.SubscriptionIDs)},
	}
}

// renderCompanySubscription follows the companySubscription resource
// (GET /directory/subscriptions).
func renderCompanySubscription(t *Tenant, cs *CompanySubscription) entity {
	// serviceStatus lists the service plans the subscription provides: its
	// SKU's plans.
	plans := []any{}
	for _, sku := range t.SubscribedSKUs {
		if strings.EqualFold(sku.SkuID, cs.SkuID) {
			for _, sp := range sku.ServicePlans {
				plans = append(plans, entity{
					{"servicePlanId", sp.ServicePlanID},
					{"servicePlanName", sp.ServicePlanName},
					{"provisioningStatus", sp.ProvisioningStatus},
					{"appliesTo", sp.AppliesTo},
				})
			}
			break
		}
	}
	return entity{
		{"id", cs.ID},
		{"commerceSubscriptionId", cs.CommerceSubscriptionID},
		{"createdDateTime", dateTimeOrNull(cs.CreatedDateTime)},
		{"isTrial", cs.IsTrial},
		{"nextLifecycleDateTime", dateTimeOrNull(cs.NextLifecycleDateTime)},
		{"ownerId", nil},
		{"ownerTenantId", nil},
		{"ownerType", nil},
		{"serviceStatus", plans},
		{"skuId", cs.SkuID},
		{"skuPartNumber", cs.SkuPartNumber},
		{"status", cs.Status},
		{"totalLicenses", cs.TotalLicenses},
	}
}
