package arm

import (
	"context"
	"encoding/json"
	"iter"
	"strings"
)

// UserAssignedIdentity is a user-assigned managed identity. Its
// PrincipalID is a service principal (servicePrincipalType
// ManagedIdentity) in the tenant's directory.
type UserAssignedIdentity struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Type       string             `json:"type"`
	Location   string             `json:"location"`
	Tags       map[string]string  `json:"tags"`
	Properties IdentityProperties `json:"properties"`

	Raw json.RawMessage `json:"-"`
}

func (i *UserAssignedIdentity) setRaw(r json.RawMessage) { i.Raw = r }

// IdentityProperties are the identity's directory ids.
type IdentityProperties struct {
	TenantID    string `json:"tenantId"`
	PrincipalID string `json:"principalId"`
	ClientID    string `json:"clientId"`
}

// ResourceGroupName is the identity's resource group, from its id.
func (i *UserAssignedIdentity) ResourceGroupName() string { return idPart(i.ID, "resourceGroups") }

// UserAssignedIdentities lists a subscription's user-assigned identities.
func (c *Client) UserAssignedIdentities(ctx context.Context, subscriptionID string) iter.Seq2[UserAssignedIdentity, error] {
	return list[UserAssignedIdentity](ctx, c, c.url("/subscriptions/"+segment(subscriptionID)+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities", apiIdentities, nil))
}

// idPart returns the segment after key in an ARM resource id, matching key
// case-insensitively as ARM does ("resourcegroups" and "resourceGroups").
func idPart(id, key string) string {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], key) {
			return parts[i+1]
		}
	}
	return ""
}
