package msgraph

import (
	"context"
	"encoding/json"
	"time"
)

// SubscribedSKU is microsoft.graph.subscribedSku: a product the tenant has
// bought, with purchased (PrepaidUnits) and consumed seats.
type SubscribedSKU struct {
	ID               string            `json:"id"` // "{tenantId}_{skuId}"
	SkuID            string            `json:"skuId"`
	SkuPartNumber    string            `json:"skuPartNumber"`
	CapabilityStatus string            `json:"capabilityStatus"` // Enabled, Warning, Suspended, Deleted, LockedOut
	AppliesTo        string            `json:"appliesTo"`        // User, Company
	ConsumedUnits    int               `json:"consumedUnits"`
	PrepaidUnits     LicenseUnits      `json:"prepaidUnits"`
	ServicePlans     []ServicePlanInfo `json:"servicePlans"`
	AccountID        string            `json:"accountId"`
	AccountName      string            `json:"accountName"`
	SubscriptionIDs  []string          `json:"subscriptionIds"`

	Raw json.RawMessage `json:"-"`
}

func (s *SubscribedSKU) setRaw(r json.RawMessage) { s.Raw = r }
func (s *SubscribedSKU) objectID() string         { return s.ID }

// LicenseUnits is subscribedSku.prepaidUnits.
type LicenseUnits struct {
	Enabled   int `json:"enabled"`
	Suspended int `json:"suspended"`
	Warning   int `json:"warning"`
	LockedOut int `json:"lockedOut"`
}

// ServicePlanInfo is one service plan of a SKU.
type ServicePlanInfo struct {
	ServicePlanID      string `json:"servicePlanId"`
	ServicePlanName    string `json:"servicePlanName"`
	ProvisioningStatus string `json:"provisioningStatus"`
	AppliesTo          string `json:"appliesTo"`
}

// CompanySubscription is microsoft.graph.companySubscription
// (/directory/subscriptions): the commerce subscription behind a SKU, with
// trial flag and renewal date.
type CompanySubscription struct {
	ID                     string     `json:"id"`
	CommerceSubscriptionID string     `json:"commerceSubscriptionId"`
	SkuID                  string     `json:"skuId"`
	SkuPartNumber          string     `json:"skuPartNumber"`
	Status                 string     `json:"status"`
	IsTrial                bool       `json:"isTrial"`
	TotalLicenses          int        `json:"totalLicenses"`
	CreatedDateTime        *time.Time `json:"createdDateTime"`
	NextLifecycleDateTime  *time.Time `json:"nextLifecycleDateTime"`
	OwnerID                string     `json:"ownerId"`
	OwnerTenantID          string     `json:"ownerTenantId"`
	OwnerType              string     `json:"ownerType"`

	Raw json.RawMessage `json:"-"`
}

func (s *CompanySubscription) setRaw(r json.RawMessage) { s.Raw = r }
func (s *CompanySubscription) objectID() string         { return s.ID }

// SubscribedSKUs lists /subscribedSkus (no paging, no $top).
func (c *Client) SubscribedSKUs(ctx context.Context) ([]SubscribedSKU, error) {
	return collect(listPath[SubscribedSKU](ctx, c, "/subscribedSkus", ListOptions{}, 0))
}

// CompanySubscriptions lists /directory/subscriptions.
func (c *Client) CompanySubscriptions(ctx context.Context) ([]CompanySubscription, error) {
	return collect(listPath[CompanySubscription](ctx, c, "/directory/subscriptions", ListOptions{}, 0))
}
