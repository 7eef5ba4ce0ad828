package msgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Organization is microsoft.graph.organization: the tenant itself.
type Organization struct {
	ID                string           `json:"id"` // the tenant id
	DisplayName       string           `json:"displayName"`
	CountryLetterCode string           `json:"countryLetterCode"`
	TenantType        string           `json:"tenantType"`
	CreatedDateTime   *time.Time       `json:"createdDateTime"`
	VerifiedDomains   []VerifiedDomain `json:"verifiedDomains"`
	AssignedPlans     []AssignedPlan   `json:"assignedPlans"`

	Raw json.RawMessage `json:"-"`
}

func (o *Organization) setRaw(r json.RawMessage) { o.Raw = r }
func (o *Organization) objectID() string         { return o.ID }

// VerifiedDomain is an entry of organization.verifiedDomains.
type VerifiedDomain struct {
	Name         string `json:"name"`
	Type         string `json:"type"`
	Capabilities string `json:"capabilities"`
	IsDefault    bool   `json:"isDefault"`
	IsInitial    bool   `json:"isInitial"`
}

// AssignedPlan is an entry of organization.assignedPlans.
type AssignedPlan struct {
	AssignedDateTime *time.Time `json:"assignedDateTime"`
	CapabilityStatus string     `json:"capabilityStatus"`
	Service          string     `json:"service"`
	ServicePlanID    string     `json:"servicePlanId"`
}

// Domain is microsoft.graph.domain; ID is the domain name.
type Domain struct {
	ID                 string   `json:"id"`
	AuthenticationType string   `json:"authenticationType"` // Managed, Federated
	IsDefault          bool     `json:"isDefault"`
	IsInitial          bool     `json:"isInitial"`
	IsVerified         bool     `json:"isVerified"`
	IsAdminManaged     bool     `json:"isAdminManaged"`
	IsRoot             bool     `json:"isRoot"`
	SupportedServices  []string `json:"supportedServices"`

	Raw json.RawMessage `json:"-"`
}

func (d *Domain) setRaw(r json.RawMessage) { d.Raw = r }
func (d *Domain) objectID() string         { return d.ID }

// IdentityProvider is an entry of /identity/identityProviders. Graph masks
// clientSecret as "******", so it is not kept in a typed field.
type IdentityProvider struct {
	ODataType            string `json:"@odata.type"`
	ID                   string `json:"id"`
	DisplayName          string `json:"displayName"`
	IdentityProviderType string `json:"identityProviderType"`
	ClientID             string `json:"clientId"`

	Raw json.RawMessage `json:"-"`
}

func (p *IdentityProvider) setRaw(r json.RawMessage) { p.Raw = r }
func (p *IdentityProvider) objectID() string         { return p.ID }

// Organization gets the tenant's organization object.
func (c *Client) Organization(ctx context.Context) (*Organization, error) {
	orgs, err := collect(listPath[Organization](ctx, c, "/organization", ListOptions{}, 0))
	if err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, errors.New("graph: GET /v1.0/organization: no organization returned")
	}
	return &orgs[0], nil
}

// Domains lists /domains.
func (c *Client) Domains(ctx context.Context) ([]Domain, error) {
	return collect(listPath[Domain](ctx, c, "/domains", ListOptions{}, 0))
}

// IdentityProviders lists /identity/identityProviders (which replaced the
// deprecated /identityProviders).
func (c *Client) IdentityProviders(ctx context.Context) ([]IdentityProvider, error) {
	return collect(listPath[IdentityProvider](ctx, c, "/identity/identityProviders", ListOptions{}, 0))
}

// ReportSettings reports whether usage reports conceal user, group and site
// names (/admin/reportSettings displayConcealedNames).
func (c *Client) ReportSettings(ctx context.Context) (concealed bool, err error) {
	var raw json.RawMessage
	if err := c.getJSON(ctx, c.url("v1.0", "/admin/reportSettings", nil), false, &raw); err != nil {
		return false, err
	}
	return parseReportSettings(raw)
}

// parseReportSettings accepts the documented example, which wraps the
// object in "value", and the bare object a real tenant is likely to send.
func parseReportSettings(raw json.RawMessage) (bool, error) {
	type settings struct {
		DisplayConcealedNames *bool `json:"displayConcealedNames"`
	}
	var w struct {
		settings
		Value *settings `json:"value"`
	}
	if err := unmarshal(raw, &w); err != nil {
		return false, fmt.Errorf("graph: decode reportSettings: %w", err)
	}
	switch {
	case w.DisplayConcealedNames != nil:
		return *w.DisplayConcealedNames, nil
	case w.Value != nil && w.Value.DisplayConcealedNames != nil:
		return *w.Value.DisplayConcealedNames, nil
	}
	return false, fmt.Errorf("graph: decode reportSettings: no displayConcealedNames in %s", snippet(raw))
}

// SetReportSettings sets displayConcealedNames (ReportSettings.ReadWrite.All).
func (c *Client) SetReportSettings(ctx context.Context, concealed bool) error {
	body := map[string]bool{"displayConcealedNames": concealed}
	return c.sendJSON(ctx, http.MethodPatch, c.url("v1.0", "/admin/reportSettings", nil), body, nil)
}
