package graphsim

// ARM resources: subscriptions, resource groups, storage accounts, blob
// containers and user-assigned managed identities.

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (ar *armRequest) listSubscriptions() {
	var items []entity
	for _, sub := range ar.t.Azure.Subscriptions {
		if ar.visible(sub) {
			items = append(items, renderAzSubscription(sub))
		}
	}
	ar.writePage(items, 0)
}

func renderAzSubscription(sub *AzSubscription) entity {
	e := entity{
		{"id", "/subscriptions/" + sub.SubscriptionID},
		{"subscriptionId", sub.SubscriptionID},
		{"tenantId", sub.TenantID},
		{"displayName", sub.DisplayName},
		{"state", sub.State},
		{"subscriptionPolicies", entity{
			{"locationPlacementId", "Public_2014-09-01"},
			{"quotaId", "PayAsYouGo_2014-09-01"},
			{"spendingLimit", "Off"},
		}},
		{"authorizationSource", "RoleBased"},
		{"managedByTenants", []any{}},
	}
	if len(sub.Tags) > 0 {
		e = append(e, property{"tags", sub.Tags})
	}
	return e
}

func (ar *armRequest) serveResourceGroups(sub *AzSubscription, rest []string) {
	subScope := "/subscriptions/" + sub.SubscriptionID
	if !ar.visible(sub) {
		ar.denied(actResourceGroupRead, subScope)
		return
	}
	if len(rest) == 0 {
		f, ok := ar.filter()
		if !ok {
			return
		}
		top, ok := ar.topParam("$top")
		if !ok {
			return
		}
		var items []entity
		for _, g := range ar.t.Azure.ResourceGroups {
			if !strings.EqualFold(g.SubscriptionID, sub.SubscriptionID) || !ar.allowed(actResourceGroupRead, rgScope(g)) {
				continue
			}
			if name, ok := f.eq["tagname"]; ok {
				v, has := g.Tags[name]
				if !has {
					continue
				}
				if want, ok := f.eq["tagvalue"]; ok && v != want {
					continue
				}
			}
			items = append(items, renderResourceGroup(g))
		}
		// ARM's $top limits the whole result, not the page.
		if top > 0 && len(items) > top {
			items = items[:top]
		}
		ar.writePage(items, 0)
		return
	}
	g := armResourceGroupLocked(ar.t, sub.SubscriptionID, rest[0])
	if g == nil {
		ar.resourceGroupNotFound(rest[0])
		return
	}
	if len(rest) == 1 {
		if !ar.allowed(actResourceGroupRead, rgScope(g)) {
			ar.denied(actResourceGroupRead, rgScope(g))
			return
		}
		ar.writeJSON(http.StatusOK, renderResourceGroup(g))
		return
	}
	if strings.EqualFold(rest[1], "providers") && len(rest) >= 4 {
		ar.serveProvider(sub, g, rest[2], rest[3:])
		return
	}
	ar.notFoundPath()
}

func rgScope(g *AzResourceGroup) string {
	return "/subscriptions/" + g.SubscriptionID + "/resourceGroups/" + g.Name
}

func renderResourceGroup(g *AzResourceGroup) entity {
	e := entity{
		{"id", rgScope(g)},
		{"name", g.Name},
		{"type", "Microsoft.Resources/resourceGroups"},
		{"location", g.Location},
	}
	if len(g.Tags) > 0 {
		e = append(e, property{"tags", g.Tags})
	}
	return append(e, property{"properties", entity{{"provisioningState", "Succeeded"}}})
}

// serveProvider serves resource-provider collections in a subscription
// (rg nil) or a resource group.
func (ar *armRequest) serveProvider(sub *AzSubscription, rg *AzResourceGroup, namespace string, rest []string) {
	scope := "/subscriptions/" + sub.SubscriptionID
	if rg != nil {
		scope = rgScope(rg)
	}
	if !ar.visible(sub) {
		ar.denied(providerReadAction(namespace, rest), scope)
		return
	}
	inScope := func(subID, group string) bool {
		return strings.EqualFold(subID, sub.SubscriptionID) && (rg == nil || strings.EqualFold(group, rg.Name))
	}
	switch {
	case strings.EqualFold(namespace, "Microsoft.Storage") && strings.EqualFold(rest[0], "storageAccounts"):
		if len(rest) == 1 {
			var items []entity
			for _, a := range ar.t.Azure.StorageAccounts {
				if inScope(a.SubscriptionID, a.ResourceGroup) && ar.allowed(actStorageRead, storageAccountID(a)) {
					items = append(items, renderStorageAccount(ar.t, a))
				}
			}
			ar.writePage(items, 0)
			return
		}
		if rg == nil {
			ar.notFoundPath()
			return
		}
		acct := ar.storageAccount(rg, rest[1])
		if acct == nil {
			ar.resourceNotFound("Microsoft.Storage/storageAccounts", rest[1], rg.Name)
			return
		}
		switch {
		case len(rest) == 2:
			if !ar.allowed(actStorageRead, storageAccountID(acct)) {
				ar.denied(actStorageRead, storageAccountID(acct))
				return
			}
			ar.writeJSON(http.StatusOK, renderStorageAccount(ar.t, acct))
		case len(rest) == 5 && strings.EqualFold(rest[2], "blobServices") && strings.EqualFold(rest[3], "default") && strings.EqualFold(rest[4], "containers"):
			ar.listContainers(acct)
		default:
			ar.notFoundPath()
		}
	case strings.EqualFold(namespace, "Microsoft.ManagedIdentity") && strings.EqualFold(rest[0], "userAssignedIdentities"):
		if len(rest) == 1 {
			var items []entity
			for _, id := range ar.t.Azure.UserAssignedIdentities {
				if inScope(id.SubscriptionID, id.ResourceGroup) && ar.allowed(actIdentityRead, identityID(id)) {
					items = append(items, renderUserAssignedIdentity(ar.t, id))
				}
			}
			ar.writePage(items, 0)
			return
		}
		if rg == nil || len(rest) != 2 {
			ar.notFoundPath()
			return
		}
		for _, id := range ar.t.Azure.UserAssignedIdentities {
			if inScope(id.SubscriptionID, id.ResourceGroup) && strings.EqualFold(id.Name, rest[1]) {
				if !ar.allowed(actIdentityRead, identityID(id)) {
					ar.denied(actIdentityRead, identityID(id))
					return
				}
				ar.writeJSON(http.StatusOK, renderUserAssignedIdentity(ar.t, id))
				return
			}
		}
		ar.resourceNotFound("Microsoft.ManagedIdentity/userAssignedIdentities", rest[1], rg.Name)
	default:
		ar.notFoundPath()
	}
}

// providerReadAction names the read action of a provider path, for
// AuthorizationFailed messages.
func providerReadAction(namespace string, rest []string) string {
	if strings.EqualFold(namespace, "Microsoft.ManagedIdentity") {
		return actIdentityRead
	}
	if len(rest) > 2 {
		return actContainerRead
	}
	return actStorageRead
}

func (ar *armRequest) storageAccount(rg *AzResourceGroup, name string) *AzStorageAccount {
	for _, a := range ar.t.Azure.StorageAccounts {
		if strings.EqualFold(a.SubscriptionID, rg.SubscriptionID) && strings.EqualFold(a.ResourceGroup, rg.Name) && strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

func storageAccountID(a *AzStorageAccount) string {
	return "/subscriptions/" + a.SubscriptionID + "/resourceGroups/" + a.ResourceGroup + "/providers/Microsoft.Storage/storageAccounts/" + a.Name
}

func identityID(id *AzUserAssignedIdentity) string {
	// Managed identity ids come back with "resourcegroups" in lower case.
	return "/subscriptions/" + id.SubscriptionID + "/resourcegroups/" + id.ResourceGroup + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + id.Name
}

// pairedRegion is the geo-redundant secondary of a primary region.
func pairedRegion(loc string) string {
	pairs := map[string]string{
		"eastus": "westus", "westus": "eastus", "eastus2": "centralus", "centralus": "eastus2",
		"westus2": "westcentralus", "northeurope": "westeurope", "westeurope": "northeurope",
		"uksouth": "ukwest", "ukwest": "uksouth", "germanywestcentral": "germanynorth",
		"francecentral": "francesouth", "swedencentral": "swedensouth", "japaneast": "japanwest",
		"australiaeast": "australiasoutheast", "southeastasia": "eastasia", "canadacentral": "canadaeast",
	}
	if p, ok := pairs[strings.ToLower(loc)]; ok {
		return p
	}
	return ""
}

func renderStorageAccount(t *Tenant, a *AzStorageAccount) entity {
	endpoint := func(svc string) string { return "https://" + a.Name + "." + svc + ".core.windows.net/" }
	tier := "Standard"
	if strings.HasPrefix(a.SkuName, "Premium") {
		tier = "Premium"
	}
	// A storage account allows public blob access when any of its
	// containers is public.
	public := false
	for _, c := range t.Azure.BlobContainers {
		if c.AccountName == a.Name && c.ResourceGroup == a.ResourceGroup && c.PublicAccess != "" && c.PublicAccess != "None" {
			public = true
			break
		}
	}
	created := a.CreationTime.UTC().Format("2006-01-02T15:04:05.0000000Z")
	props := entity{
		{"keyCreationTime", entity{{"key1", created}, {"key2", created}}},
		{"allowBlobPublicAccess", public},
		{"minimumTlsVersion", "TLS1_2"},
		{"creationTime", created},
		{"primaryEndpoints", entity{
			{"dfs", endpoint("dfs")},
			{"web", endpoint("web")},
			{"blob", endpoint("blob")},
			{"queue", endpoint("queue")},
			{"table", endpoint("table")},
			{"file", endpoint("file")},
		}},
		{"primaryLocation", a.Location},
		{"provisioningState", "Succeeded"},
		{"encryption", entity{
			{"services", entity{
				{"file", entity{{"keyType", "Account"}, {"enabled", true}, {"lastEnabledTime", created}}},
				{"blob", entity{{"keyType", "Account"}, {"enabled", true}, {"lastEnabledTime", created}}},
			}},
			{"keySource", "Microsoft.Storage"},
		}},
	}
	if tier == "Standard" && a.Kind != "Storage" {
		// Only standard general-purpose v2 and blob accounts have a default
		// access tier.
		props = append(props, property{"accessTier", "Hot"})
	}
	if geo := strings.Contains(a.SkuName, "GRS"); geo && pairedRegion(a.Location) != "" {
		props = append(props, property{"secondaryLocation", pairedRegion(a.Location)}, property{"statusOfPrimary", "available"}, property{"statusOfSecondary", "available"})
	} else {
		props = append(props, property{"statusOfPrimary", "available"})
	}
	props = append(props, property{"supportsHttpsTrafficOnly", true})
	return entity{
		{"id", storageAccountID(a)},
		{"kind", a.Kind},
		{"location", a.Location},
		{"name", a.Name},
		{"properties", props},
		{"sku", entity{{"name", a.SkuName}, {"tier", tier}}},
		{"tags", map[string]string{}},
		{"type", "Microsoft.Storage/storageAccounts"},
	}
}

func (ar *armRequest) listContainers(acct *AzStorageAccount) {
	if !ar.allowed(actContainerRead, storageAccountID(acct)) {
		ar.denied(actContainerRead, storageAccountID(acct))
		return
	}
	size, ok := ar.topParam("$maxpagesize")
	if !ok {
		return
	}
	if size == 0 {
		// Without $maxpagesize the storage provider returns up to 5,000.
		size = 5000
	}
	var items []entity
	for _, c := range ar.t.Azure.BlobContainers {
		if strings.EqualFold(c.SubscriptionID, acct.SubscriptionID) && strings.EqualFold(c.ResourceGroup, acct.ResourceGroup) && strings.EqualFold(c.AccountName, acct.Name) {
			items = append(items, renderBlobContainer(acct, c))
		}
	}
	ar.writePage(items, size)
}

// dotNetTicks is a time as .NET ticks, which storage ETags encode.
func dotNetTicks(t time.Time) int64 {
	return t.UTC().UnixNano()/100 + 621355968000000000
}

func renderBlobContainer(acct *AzStorageAccount, c *AzBlobContainer) entity {
	access := c.PublicAccess
	if access == "" {
		access = "None"
	}
	return entity{
		{"id", storageAccountID(acct) + "/blobServices/default/containers/" + c.Name},
		{"name", c.Name},
		{"type", "Microsoft.Storage/storageAccounts/blobServices/containers"},
		{"etag", "\"0x" + strings.ToUpper(strconv.FormatInt(dotNetTicks(c.LastModified), 16)) + "\""},
		{"properties", entity{
			{"deleted", false},
			{"remainingRetentionDays", 0},
			{"defaultEncryptionScope", "$account-encryption-key"},
			{"denyEncryptionScopeOverride", false},
			{"publicAccess", access},
			{"leaseStatus", "Unlocked"},
			{"leaseState", "Available"},
			{"lastModifiedTime", c.LastModified.UTC().Format(time.RFC3339)},
			{"hasImmutabilityPolicy", false},
			{"hasLegalHold", false},
		}},
	}
}

func renderUserAssignedIdentity(t *Tenant, id *AzUserAssignedIdentity) entity {
	return entity{
		{"id", identityID(id)},
		{"location", id.Location},
		{"name", id.Name},
		{"properties", entity{
			{"clientId", id.ClientID},
			{"principalId", id.PrincipalID},
			{"tenantId", t.ID},
		}},
		{"tags", map[string]string{}},
		{"type", "Microsoft.ManagedIdentity/userAssignedIdentities"},
	}
}
