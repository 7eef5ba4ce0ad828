package graphsim

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Azure built-in role definition ids (the same in every tenant) with the
// permissions Azure publishes for them (learn.microsoft.com, "Azure
// built-in roles").
const (
	armOwnerRoleID                     = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	armContributorRoleID               = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	armReaderRoleID                    = "acdd72a7-3356-4e35-b5e6-3d4c5d6f23cd"
	armUserAccessAdministratorRoleID   = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	armStorageBlobDataReaderRoleID     = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
	armStorageBlobDataContributorID    = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
	armStorageBlobDataOwnerRoleID      = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
	armStorageAccountContributorRoleID = "17d1049b-9a84-46fb-8f53-869881c3d3ab"
	armManagedIdentityOperatorRoleID   = "f1a07417-d97a-45cb-824c-7a7467783830"
	armVirtualMachineContributorRoleID = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"
	armKeyVaultAdministratorRoleID     = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
	armRBACAdministratorRoleID         = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
)

// armBuiltInRoles returns Azure's built-in role definitions the simulator
// serves.
func armBuiltInRoles() []*AzRoleDefinition {
	def := func(id, name, desc string, actions, notActions, dataActions []string) *AzRoleDefinition {
		return &AzRoleDefinition{
			ID: "/providers/Microsoft.Authorization/roleDefinitions/" + id, Name: id, RoleName: name, Description: desc,
			Type: "BuiltInRole", Actions: actions, NotActions: nonNil(notActions), DataActions: nonNil(dataActions), Scopes: []string{"/"},
		}
	}
	return []*AzRoleDefinition{
		def(armOwnerRoleID, "Owner", "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.", []string{"*"}, nil, nil),
		def(armContributorRoleID, "Contributor", "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
			[]string{"*"}, []string{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action", "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete"}, nil),
		def(armReaderRoleID, "Reader", "View all resources, but does not allow you to make any changes.", []string{"*/read"}, nil, nil),
		def(armUserAccessAdministratorRoleID, "User Access Administrator", "Lets you manage user access to Azure resources.",
			[]string{"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"}, nil, nil),
		def(armRBACAdministratorRoleID, "Role Based Access Control Administrator", "Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage access using other ways, such as Azure Policy.",
			[]string{"Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete", "*/read", "Microsoft.Support/*"}, nil, nil),
		def(armStorageBlobDataReaderRoleID, "Storage Blob Data Reader", "Allows for read access to Azure Storage blob containers and data",
			[]string{"Microsoft.Storage/storageAccounts/blobServices/containers/read", "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"}, nil,
			[]string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"}),
		def(armStorageBlobDataContributorID, "Storage Blob Data Contributor", "Allows for read, write and delete access to Azure Storage blob containers and data",
			[]string{"Microsoft.Storage/storageAccounts/blobServices/containers/delete", "Microsoft.Storage/storageAccounts/blobServices/containers/read", "Microsoft.Storage/storageAccounts/blobServices/containers/write", "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"}, nil,
			[]string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action"}),
		def(armStorageBlobDataOwnerRoleID, "Storage Blob Data Owner", "Allows for full access to Azure Storage blob containers and data, including assigning POSIX access control.",
			[]string{"Microsoft.Storage/storageAccounts/blobServices/containers/*", "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"}, nil,
			[]string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"}),
		def(armStorageAccountContributorRoleID, "Storage Account Contributor", "Permits management of storage accounts. Provides access to the account key, which can be used to access data via Shared Key authorization.",
			[]string{"Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Insights/diagnosticSettings/*", "Microsoft.Network/virtualNetworks/subnets/joinViaServiceEndpoint/action", "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Storage/storageAccounts/*", "Microsoft.Support/*"}, nil, nil),
		def(armManagedIdentityOperatorRoleID, "Managed Identity Operator", "Read and Assign User Assigned Identity",
			[]string{"Microsoft.ManagedIdentity/userAssignedIdentities/*/read", "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Resources/deployments/*", "Microsoft.Support/*"}, nil, nil),
		def(armVirtualMachineContributorRoleID, "Virtual Machine Contributor", "Lets you manage virtual machines, but not access to them, and not the virtual network or storage account they're connected to.",
			[]string{"Microsoft.Authorization/*/read", "Microsoft.Compute/virtualMachines/*", "Microsoft.Compute/disks/*", "Microsoft.Network/networkInterfaces/*", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*"}, nil, nil),
		def(armKeyVaultAdministratorRoleID, "Key Vault Administrator", "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.",
			[]string{"Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*", "Microsoft.KeyVault/checkNameAvailability/read", "Microsoft.KeyVault/deletedVaults/read", "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read"}, nil,
			[]string{"Microsoft.KeyVault/vaults/*"}),
	}
}

var (
	subscriptionNames = [...]string{"Production", "Development", "Shared Services", "Sandbox", "Data Platform", "Test", "Identity", "Connectivity", "Management", "Research"}
	workloadNames     = [...]string{"web", "api", "data", "ml", "backup", "logs", "erp", "crm", "iot", "reports", "intranet", "etl"}
	azureLocations    = [...]string{"eastus", "eastus2", "westus2", "westeurope", "northeurope", "uksouth", "centralindia", "japaneast", "australiaeast"}
	containerNames    = [...]string{"logs", "backups", "data", "exports", "images", "archive", "reports", "uploads"}
)

// azure creates subscriptions, resource groups, storage accounts with blob
// containers and user-assigned managed identities. Role assignments come
// later, once users, groups and service principals exist.
func (g *gen) azure() error {
	r := g.rng("azure")
	t := g.t
	az := &t.Azure
	az.RoleDefinitions = armBuiltInRoles()
	// Managed identities take 5% of the service principals beyond the fixed
	// ones, at least one.
	nMI := max(1, (g.p.ServicePrincipals-minServicePrincipals)*5/100)
	if g.p.ServicePrincipals-minServicePrincipals < 1 {
		nMI = 0
	}
	for s := 0; s < g.p.Subscriptions; s++ {
		name := subscriptionNames[s%len(subscriptionNames)]
		if s >= len(subscriptionNames) {
			name += " " + strconv.Itoa(s/len(subscriptionNames)+1)
		}
		sub := &AzSubscription{SubscriptionID: newGUID(r), DisplayName: name, State: "Enabled", TenantID: t.ID,
			Tags: map[string]string{"costCenter": strconv.Itoa(1000 + r.IntN(9000))}}
		if s == 3 {
			sub.State = "Disabled" // a cancelled sandbox
		}
		az.Subscriptions = append(az.Subscriptions, sub)
		env := []string{"prod", "dev", "shared", "sbx", "data", "test", "id", "conn", "mgmt", "rsch"}[s%10]
		for k, n := 0, between(r, 2, 5); k < n; k++ {
			wl := workloadNames[(s*3+k)%len(workloadNames)]
			rg := &AzResourceGroup{SubscriptionID: sub.SubscriptionID, Name: "rg-" + wl + "-" + env, Location: pick(r, azureLocations[:]),
				Tags: map[string]string{"environment": env}}
			az.ResourceGroups = append(az.ResourceGroups, rg)
			na := r.IntN(3)
			if k == 0 && na == 0 {
				na = 1 // every subscription has a storage account in its first group
			}
			for a := 0; a < na; a++ {
				acct := &AzStorageAccount{SubscriptionID: sub.SubscriptionID, ResourceGroup: rg.Name,
					Name:     storageAccountName(r, wl, env),
					Location: rg.Location, Kind: "StorageV2", SkuName: pick(r, []string{"Standard_LRS", "Standard_GRS", "Standard_ZRS", "Premium_LRS"}),
					CreationTime: randomTimeBetween(r, t.Created, t.Now)}
				az.StorageAccounts = append(az.StorageAccounts, acct)
				for c, nc := 0, between(r, 1, 4); c < nc; c++ {
					pa := "None"
					if chance(r, 0.08) {
						pa = pick(r, []string{"Blob", "Container"}) // anonymous read, a finding
					}
					az.BlobContainers = append(az.BlobContainers, &AzBlobContainer{SubscriptionID: sub.SubscriptionID, ResourceGroup: rg.Name,
						AccountName: acct.Name, Name: containerNames[(c+a)%len(containerNames)], PublicAccess: pa,
						LastModified: randomTimeBetween(r, acct.CreationTime, t.Now)})
				}
			}
		}
	}
	for k := 0; k < nMI; k++ {
		rg := az.ResourceGroups[r.IntN(len(az.ResourceGroups))]
		id := &AzUserAssignedIdentity{SubscriptionID: rg.SubscriptionID, ResourceGroup: rg.Name,
			Name: "id-" + strings.TrimPrefix(rg.Name, "rg-") + "-" + strconv.Itoa(k+1), Location: rg.Location,
			ClientID: newGUID(r), PrincipalID: newGUID(r)}
		az.UserAssignedIdentities = append(az.UserAssignedIdentities, id)
	}
	g.managedIDs = az.UserAssignedIdentities
	return nil
}

// storageAccountName makes a globally unique-looking name: 3-24 lower-case
// letters and digits.
func storageAccountName(r *rand.Rand, workload, env string) string {
	name := "st" + workload + env
	const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
	for len(name) < 16 {
		name += string(digits[r.IntN(len(digits))])
	}
	if len(name) > 24 {
		name = name[:24]
	}
	return name
}

// armScope helpers.
func subscriptionScope(sub string) string { return "/subscriptions/" + sub }
func resourceGroupScope(sub, rg string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + rg
}

// armRoleDefinitionID is the role definition id as ARM returns it inside a
// role assignment: scoped to the assignment's subscription.
func armRoleDefinitionID(sub, roleID string) string {
	return "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + roleID
}

// azureRoleAssignments grants Azure roles: the connector holds Reader on
// every subscription (what the Azure infrastructure seed requires), admins
// own subscriptions, groups and apps contribute to resource groups, and
// managed identities read blob data.
func (g *gen) azureRoleAssignments() error {
	r := g.rng("azure role assignments")
	t := g.t
	az := &t.Azure
	add := func(scope, sub, roleID, principal, ptype string) {
		name := newGUID(r)
		az.RoleAssignments = append(az.RoleAssignments, &AzRoleAssignment{
			ID: scope + "/providers/Microsoft.Authorization/roleAssignments/" + name, Name: name, Scope: scope,
			RoleDefinitionID: armRoleDefinitionID(sub, roleID), PrincipalID: principal, PrincipalType: ptype,
			CreatedOn: randomTimeBetween(r, t.Created, t.Now),
		})
	}
	var lob []*ServicePrincipal
	for _, sp := range t.ServicePrincipals {
		if sp.ServicePrincipalType == "Application" && sp.AppOwnerOrganizationID == t.ID && sp.ID != t.Connector.ServicePrincipalID {
			lob = append(lob, sp)
		}
	}
	var securityGroups []*Group
	for _, grp := range t.Groups {
		if grp.SecurityEnabled && len(grp.GroupTypes) == 0 && grp.MembershipRule == "" {
			securityGroups = append(securityGroups, grp)
		}
	}
	for _, sub := range az.Subscriptions {
		scope := subscriptionScope(sub.SubscriptionID)
		add(scope, sub.SubscriptionID, armReaderRoleID, t.Connector.ServicePrincipalID, "ServicePrincipal")
		if len(g.people) > 0 {
			add(scope, sub.SubscriptionID, armOwnerRoleID, t.Users[g.people[r.IntN(len(g.people))]].ID, "User")
			if chance(r, 0.5) {
				add(scope, sub.SubscriptionID, armUserAccessAdministratorRoleID, t.Users[g.people[r.IntN(len(g.people))]].ID, "User")
			}
		}
		if len(securityGroups) > 0 {
			add(scope, sub.SubscriptionID, armReaderRoleID, pick(r, securityGroups).ID, "Group")
		}
	}
	for _, rg := range az.ResourceGroups {
		scope := resourceGroupScope(rg.SubscriptionID, rg.Name)
		if len(securityGroups) > 0 && chance(r, 0.6) {
			add(scope, rg.SubscriptionID, armContributorRoleID, pick(r, securityGroups).ID, "Group")
		}
		if len(lob) > 0 && chance(r, 0.3) {
			add(scope, rg.SubscriptionID, armContributorRoleID, pick(r, lob).ID, "ServicePrincipal")
		}
		if len(g.people) > 0 && chance(r, 0.3) {
			add(scope, rg.SubscriptionID, armVirtualMachineContributorRoleID, t.Users[g.people[r.IntN(len(g.people))]].ID, "User")
		}
	}
	for _, acct := range az.StorageAccounts {
		if len(g.managedIDs) == 0 || !chance(r, 0.6) {
			continue
		}
		mi := pick(r, g.managedIDs)
		scope := resourceGroupScope(acct.SubscriptionID, acct.ResourceGroup) + "/providers/Microsoft.Storage/storageAccounts/" + acct.Name
		add(scope, acct.SubscriptionID, pick(r, []string{armStorageBlobDataReaderRoleID, armStorageBlobDataContributorID}), mi.PrincipalID, "ServicePrincipal")
	}
	return nil
}
