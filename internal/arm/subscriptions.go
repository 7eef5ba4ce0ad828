package arm

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"strconv"
)

// Subscription is an Azure subscription the caller can see.
type Subscription struct {
	ID                   string               `json:"id"` // /subscriptions/{subscriptionId}
	SubscriptionID       string               `json:"subscriptionId"`
	TenantID             string               `json:"tenantId"`
	DisplayName          string               `json:"displayName"`
	State                string               `json:"state"` // Enabled, Warned, PastDue, Disabled, Deleted
	SubscriptionPolicies SubscriptionPolicies `json:"subscriptionPolicies"`
	AuthorizationSource  string               `json:"authorizationSource"`
	ManagedByTenants     []ManagedByTenant    `json:"managedByTenants"`
	Tags                 map[string]string    `json:"tags"`

	Raw json.RawMessage `json:"-"`
}

func (s *Subscription) setRaw(r json.RawMessage) { s.Raw = r }

// SubscriptionPolicies describes the subscription's offer.
type SubscriptionPolicies struct {
	LocationPlacementID string `json:"locationPlacementId"`
	QuotaID             string `json:"quotaId"`
	SpendingLimit       string `json:"spendingLimit"`
}

// ManagedByTenant is a tenant that manages the subscription (Lighthouse).
type ManagedByTenant struct {
	TenantID string `json:"tenantId"`
}

// ResourceGroup is a resource group.
type ResourceGroup struct {
	ID         string                  `json:"id"`
	Name       string                  `json:"name"`
	Type       string                  `json:"type"`
	Location   string                  `json:"location"`
	ManagedBy  string                  `json:"managedBy"`
	Tags       map[string]string       `json:"tags"`
	Properties ResourceGroupProperties `json:"properties"`

	Raw json.RawMessage `json:"-"`
}

func (g *ResourceGroup) setRaw(r json.RawMessage) { g.Raw = r }

// ResourceGroupProperties holds the group's provisioning state.
type ResourceGroupProperties struct {
	ProvisioningState string `json:"provisioningState"`
}

// Subscriptions lists the subscriptions the caller holds a role on.
func (c *Client) Subscriptions(ctx context.Context) iter.Seq2[Subscription, error] {
	return list[Subscription](ctx, c, c.url("/subscriptions", apiSubscriptions, nil))
}

// ResourceGroups lists a subscription's resource groups. filter (ARM's
// $filter, e.g. "tagName eq 'env'") and top are optional.
func (c *Client) ResourceGroups(ctx context.Context, subscriptionID, filter string, top int) iter.Seq2[ResourceGroup, error] {
	q := url.Values{}
	if filter != "" {
		q.Set("$filter", filter)
	}
	if top > 0 {
		q.Set("$top", strconv.Itoa(top))
	}
	return list[ResourceGroup](ctx, c, c.url("/subscriptions/"+segment(subscriptionID)+"/resourcegroups", apiResourceGroups, q))
}
