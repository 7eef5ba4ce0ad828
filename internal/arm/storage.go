package arm

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// StorageAccount is a Microsoft.Storage account.
type StorageAccount struct {
	ID         string                   `json:"id"`
	Name       string                   `json:"name"`
	Type       string                   `json:"type"`
	Location   string                   `json:"location"`
	Kind       string                   `json:"kind"` // StorageV2, BlobStorage, Storage ...
	Sku        StorageSku               `json:"sku"`
	Tags       map[string]string        `json:"tags"`
	Properties StorageAccountProperties `json:"properties"`

	Raw json.RawMessage `json:"-"`
}

func (a *StorageAccount) setRaw(r json.RawMessage) { a.Raw = r }

// StorageSku is the account's redundancy and tier (Standard_LRS ...).
type StorageSku struct {
	Name string `json:"name"`
	Tier string `json:"tier"`
}

// StorageAccountProperties are the properties tenantscope reads.
type StorageAccountProperties struct {
	CreationTime          *time.Time       `json:"creationTime"`
	ProvisioningState     string           `json:"provisioningState"`
	PrimaryLocation       string           `json:"primaryLocation"`
	PrimaryEndpoints      StorageEndpoints `json:"primaryEndpoints"`
	AllowBlobPublicAccess *bool            `json:"allowBlobPublicAccess"`
	IsHnsEnabled          *bool            `json:"isHnsEnabled"`
	MinimumTLSVersion     string           `json:"minimumTlsVersion"`
}

// StorageEndpoints are an account's service URLs; their host suffix is the
// cloud's storage suffix (core.windows.net in the global cloud).
type StorageEndpoints struct {
	Blob  string `json:"blob"`
	DFS   string `json:"dfs"`
	File  string `json:"file"`
	Queue string `json:"queue"`
	Table string `json:"table"`
	Web   string `json:"web"`
}

// ResourceGroupName is the account's resource group, from its id.
func (a *StorageAccount) ResourceGroupName() string { return idPart(a.ID, "resourceGroups") }

// BlobContainer is a container of a storage account's blob service.
type BlobContainer struct {
	ID         string                  `json:"id"`
	Name       string                  `json:"name"`
	Type       string                  `json:"type"`
	Etag       string                  `json:"etag"`
	Properties BlobContainerProperties `json:"properties"`

	Raw json.RawMessage `json:"-"`
}

func (b *BlobContainer) setRaw(r json.RawMessage) { b.Raw = r }

// BlobContainerProperties: PublicAccess is None, Blob or Container.
type BlobContainerProperties struct {
	PublicAccess          string     `json:"publicAccess"`
	LeaseStatus           string     `json:"leaseStatus"`
	LeaseState            string     `json:"leaseState"`
	LastModifiedTime      *time.Time `json:"lastModifiedTime"`
	HasImmutabilityPolicy bool       `json:"hasImmutabilityPolicy"`
	HasLegalHold          bool       `json:"hasLegalHold"`
	Deleted               bool       `json:"deleted"`
}

// StorageAccounts lists a subscription's storage accounts.
func (c *Client) StorageAccounts(ctx context.Context, subscriptionID string) iter.Seq2[StorageAccount, error] {
	return list[StorageAccount](ctx, c, c.url("/subscriptions/"+segment(subscriptionID)+"/providers/Microsoft.Storage/storageAccounts", apiStorage, nil))
}

// BlobContainers lists an account's blob containers. maxPageSize (0 = the
// service's default) is ARM's $maxpagesize.
func (c *Client) BlobContainers(ctx context.Context, subscriptionID, resourceGroup, account string, maxPageSize int) iter.Seq2[BlobContainer, error] {
	q := url.Values{}
	if maxPageSize > 0 {
		q.Set("$maxpagesize", strconv.Itoa(maxPageSize))
	}
	p := "/subscriptions/" + segment(subscriptionID) + "/resourceGroups/" + segment(resourceGroup) +
		"/providers/Microsoft.Storage/storageAccounts/" + segment(account) + "/blobServices/default/containers"
	return list[BlobContainer](ctx, c, c.url(p, apiStorage, q))
}
