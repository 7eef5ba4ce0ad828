package arm

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// RoleDefinition is an Azure RBAC role (built-in or custom).
type RoleDefinition struct {
	ID         string                   `json:"id"`
	Name       string                   `json:"name"` // the role's GUID
	Type       string                   `json:"type"`
	Properties RoleDefinitionProperties `json:"properties"`

	Raw json.RawMessage `json:"-"`
}

func (d *RoleDefinition) setRaw(r json.RawMessage) { d.Raw = r }

// RoleDefinitionProperties: RoleType is "BuiltInRole" or "CustomRole" (the
// wire's properties.type).
type RoleDefinitionProperties struct {
	RoleName         string       `json:"roleName"`
	RoleType         string       `json:"type"`
	Description      string       `json:"description"`
	AssignableScopes []string     `json:"assignableScopes"`
	Permissions      []Permission `json:"permissions"`
	CreatedOn        *time.Time   `json:"createdOn"`
	UpdatedOn        *time.Time   `json:"updatedOn"`
}

// Permission is one permission block of a role definition.
type Permission struct {
	Actions        []string `json:"actions"`
	NotActions     []string `json:"notActions"`
	DataActions    []string `json:"dataActions"`
	NotDataActions []string `json:"notDataActions"`
}

// RoleAssignment grants a principal a role at a scope.
type RoleAssignment struct {
	ID         string                   `json:"id"` // {scope}/providers/Microsoft.Authorization/roleAssignments/{name}
	Name       string                   `json:"name"`
	Type       string                   `json:"type"`
	Properties RoleAssignmentProperties `json:"properties"`

	Raw json.RawMessage `json:"-"`
}

func (a *RoleAssignment) setRaw(r json.RawMessage) { a.Raw = r }

// RoleAssignmentProperties: RoleDefinitionID is the definition's full id.
type RoleAssignmentProperties struct {
	RoleDefinitionID string     `json:"roleDefinitionId"`
	PrincipalID      string     `json:"principalId"`
	PrincipalType    string     `json:"principalType"` // User, Group, ServicePrincipal, ForeignGroup, Device
	Scope            string     `json:"scope"`
	Condition        string     `json:"condition,omitempty"`
	Description      string     `json:"description,omitempty"`
	CreatedOn        *time.Time `json:"createdOn,omitempty"`
	UpdatedOn        *time.Time `json:"updatedOn,omitempty"`
	CreatedBy        string     `json:"createdBy,omitempty"`
}

const authz = "/providers/Microsoft.Authorization"

// RoleDefinitions lists role definitions usable at scope. filter is ARM's
// $filter: "roleName eq 'Reader'" or "type eq 'BuiltInRole'" (optional).
func (c *Client) RoleDefinitions(ctx context.Context, scope, filter string) iter.Seq2[RoleDefinition, error] {
	if err := checkScope(scope); err != nil {
		return failed[RoleDefinition](err)
	}
	return list[RoleDefinition](ctx, c, c.url(scopePath(scope, authz+"/roleDefinitions"), apiAuthorization, filterQuery(filter)))
}

// RoleDefinition gets one role definition by its full id
// ("/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
// or the tenant-level "/providers/Microsoft.Authorization/roleDefinitions/{guid}").
func (c *Client) RoleDefinition(ctx context.Context, id string) (*RoleDefinition, error) {
	if err := checkScope(id); err != nil {
		return nil, err
	}
	return get[RoleDefinition](ctx, c, c.url(id, apiAuthorization, nil))
}

// RoleAssignments lists role assignments for scope. filter is ARM's
// $filter: "atScope()" (at the scope and above, not below) or
// "principalId eq '{id}'" (optional; empty lists the scope and below).
func (c *Client) RoleAssignments(ctx context.Context, scope, filter string) iter.Seq2[RoleAssignment, error] {
	if err := checkScope(scope); err != nil {
		return failed[RoleAssignment](err)
	}
	return list[RoleAssignment](ctx, c, c.url(scopePath(scope, authz+"/roleAssignments"), apiAuthorization, filterQuery(filter)))
}

// CreateRoleAssignment grants principalID the role roleDefinitionID (full
// id) at scope, PUTting a new assignment named by a fresh GUID. principalType
// ("User", "Group", "ServicePrincipal") spares ARM a directory lookup that
// can fail for a just-created principal. ARM answers 409
// RoleAssignmentExists when the same grant already exists.
func (c *Client) CreateRoleAssignment(ctx context.Context, scope, roleDefinitionID, principalID, principalType string) (*RoleAssignment, error) {
	if err := checkScope(scope); err != nil {
		return nil, err
	}
	if roleDefinitionID == "" || principalID == "" {
		return nil, fmt.Errorf("arm: create role assignment: roleDefinitionId and principalId are required")
	}
	name := uuid.NewString()
	body := map[string]any{"properties": map[string]string{
		"roleDefinitionId": roleDefinitionID,
		"principalId":      principalID,
		"principalType":    principalType,
	}}
	if principalType == "" {
		delete(body["properties"].(map[string]string), "principalType")
	}
	var raw json.RawMessage
	u := c.url(scopePath(scope, authz+"/roleAssignments/"+name), apiAuthorization, nil)
	if err := c.c.SendJSON(ctx, http.MethodPut, u, body, &raw); err != nil {
		return nil, err
	}
	a, err := decode[RoleAssignment](raw)
	if err != nil {
		return nil, fmt.Errorf("arm: decode role assignment: %w", err)
	}
	return &a, nil
}

// DeleteRoleAssignment deletes a role assignment by its full id. ARM answers
// 200 with the deleted assignment, or 204 when it was already gone; both
// are success.
func (c *Client) DeleteRoleAssignment(ctx context.Context, id string) error {
	if err := checkScope(id); err != nil {
		return err
	}
	if !strings.Contains(id, authz+"/roleAssignments/") {
		return fmt.Errorf("arm: %q is not a role assignment id", id)
	}
	return c.c.SendJSON(ctx, http.MethodDelete, c.url(id, apiAuthorization, nil), nil, nil)
}

func filterQuery(filter string) url.Values {
	if filter == "" {
		return nil
	}
	return url.Values{"$filter": {filter}}
}

// failed is an iterator that yields err once.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
