package msgraph

import (
	"context"
	"encoding/json"
	"iter"
	"time"
)

// RoleDefinition is a directory (Entra) role: built-in ones have ID equal
// to TemplateID.
type RoleDefinition struct {
	ID              string           `json:"id"`
	DisplayName     string           `json:"displayName"`
	Description     string           `json:"description"`
	IsBuiltIn       bool             `json:"isBuiltIn"`
	IsEnabled       bool             `json:"isEnabled"`
	TemplateID      string           `json:"templateId"`
	RolePermissions []RolePermission `json:"rolePermissions"`

	Raw json.RawMessage `json:"-"`
}

func (r *RoleDefinition) setRaw(raw json.RawMessage) { r.Raw = raw }
func (r *RoleDefinition) objectID() string           { return r.ID }

// RolePermission lists the actions a role allows.
type RolePermission struct {
	AllowedResourceActions []string `json:"allowedResourceActions"`
	Condition              *string  `json:"condition"`
}

// RoleAssignment is an active (permanent) directory role assignment.
type RoleAssignment struct {
	ID               string `json:"id"`
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId"` // "/" = tenant-wide
	AppScopeID       string `json:"appScopeId"`

	Raw json.RawMessage `json:"-"`
}

func (r *RoleAssignment) setRaw(raw json.RawMessage) { r.Raw = raw }
func (r *RoleAssignment) objectID() string           { return r.ID }

// RoleScheduleInfo is when a PIM schedule applies.
type RoleScheduleInfo struct {
	StartDateTime *time.Time          `json:"startDateTime"`
	Expiration    *RoleExpirationInfo `json:"expiration"`
}

// RoleExpirationInfo: Type is noExpiration, afterDateTime or afterDuration.
type RoleExpirationInfo struct {
	Type        string     `json:"type"`
	EndDateTime *time.Time `json:"endDateTime"`
	Duration    *string    `json:"duration"`
}

// RoleEligibilitySchedule is a PIM eligible assignment (needs Entra ID P2 or
// ID Governance; without it Graph answers AadPremiumLicenseRequired).
type RoleEligibilitySchedule struct {
	ID               string           `json:"id"`
	PrincipalID      string           `json:"principalId"`
	RoleDefinitionID string           `json:"roleDefinitionId"`
	DirectoryScopeID string           `json:"directoryScopeId"`
	AppScopeID       *string          `json:"appScopeId"`
	CreatedUsing     string           `json:"createdUsing"`
	CreatedDateTime  *time.Time       `json:"createdDateTime"`
	ModifiedDateTime *time.Time       `json:"modifiedDateTime"`
	Status           string           `json:"status"`
	MemberType       string           `json:"memberType"` // Direct, Group, Inherited
	ScheduleInfo     RoleScheduleInfo `json:"scheduleInfo"`

	Raw json.RawMessage `json:"-"`
}

func (r *RoleEligibilitySchedule) setRaw(raw json.RawMessage) { r.Raw = raw }
func (r *RoleEligibilitySchedule) objectID() string           { return r.ID }

// RoleAssignmentSchedule is a PIM active assignment: permanent (Assigned) or
// activated from an eligibility (Activated).
type RoleAssignmentSchedule struct {
	ID               string           `json:"id"`
	PrincipalID      string           `json:"principalId"`
	RoleDefinitionID string           `json:"roleDefinitionId"`
	DirectoryScopeID string           `json:"directoryScopeId"`
	AppScopeID       *string          `json:"appScopeId"`
	CreatedUsing     string           `json:"createdUsing"`
	CreatedDateTime  *time.Time       `json:"createdDateTime"`
	ModifiedDateTime *time.Time       `json:"modifiedDateTime"`
	Status           string           `json:"status"`
	MemberType       string           `json:"memberType"`
	AssignmentType   string           `json:"assignmentType"` // Assigned, Activated
	ScheduleInfo     RoleScheduleInfo `json:"scheduleInfo"`

	Raw json.RawMessage `json:"-"`
}

func (r *RoleAssignmentSchedule) setRaw(raw json.RawMessage) { r.Raw = raw }
func (r *RoleAssignmentSchedule) objectID() string           { return r.ID }

const rbacDirectory = "/roleManagement/directory"

// RoleDefinitions lists the directory's role definitions. The endpoint does
// not page by $top, so none is sent unless asked.
func (c *Client) RoleDefinitions(ctx context.Context, o ListOptions) iter.Seq2[RoleDefinition, error] {
	return listPath[RoleDefinition](ctx, c, rbacDirectory+"/roleDefinitions", o, 0)
}

// RoleAssignments lists active directory role assignments.
func (c *Client) RoleAssignments(ctx context.Context, o ListOptions) iter.Seq2[RoleAssignment, error] {
	return listPath[RoleAssignment](ctx, c, rbacDirectory+"/roleAssignments", o, 0)
}

// RoleEligibilitySchedules lists PIM eligibility schedules.
func (c *Client) RoleEligibilitySchedules(ctx context.Context, o ListOptions) iter.Seq2[RoleEligibilitySchedule, error] {
	return listPath[RoleEligibilitySchedule](ctx, c, rbacDirectory+"/roleEligibilitySchedules", o, 0)
}

// RoleAssignmentSchedules lists PIM assignment schedules.
func (c *Client) RoleAssignmentSchedules(ctx context.Context, o ListOptions) iter.Seq2[RoleAssignmentSchedule, error] {
	return listPath[RoleAssignmentSchedule](ctx, c, rbacDirectory+"/roleAssignmentSchedules", o, 0)
}
