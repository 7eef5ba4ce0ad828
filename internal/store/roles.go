package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// RoleDefinition is a directory role definition (built-in or custom).
type RoleDefinition struct {
	ID          string
	DisplayName string
	Description string
	IsBuiltIn   bool
	IsEnabled   bool
	TemplateID  string
	Raw         json.RawMessage
}

// PutRoleDefinition writes a role definition.
func (b *Batch) PutRoleDefinition(r *RoleDefinition) {
	b.put(tRoleDefinitions, []any{r.ID}, []any{r.DisplayName, r.Description, r.IsBuiltIn, r.IsEnabled, r.TemplateID}, r.Raw)
}

// RoleDefinitions returns the current role definitions by name.
func (d *DB) RoleDefinitions(ctx context.Context, conn Connection) ([]RoleDefinition, error) {
	var out []RoleDefinition
	err := d.selectCurrent(ctx, conn, "role definitions", "r", `SELECT r.id, r.display_name, r.description, r.is_built_in, r.is_enabled, r.template_id, r.raw
		FROM role_definitions r WHERE r.connection_id = ? AND {cur} ORDER BY r.display_name, r.id`, nil, func(rows *sql.Rows) error {
		var r RoleDefinition
		var raw sql.NullString
		if err := rows.Scan(&r.ID, &r.DisplayName, &r.Description, &r.IsBuiltIn, &r.IsEnabled, &r.TemplateID, &raw); err != nil {
			return err
		}
		r.Raw = rawOf(raw)
		out = append(out, r)
		return nil
	})
	return out, err
}

// RoleAssignment is a directory role assignment (unifiedRoleAssignment).
type RoleAssignment struct {
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string
	Raw              json.RawMessage
}

// PutRoleAssignment writes a role assignment.
func (b *Batch) PutRoleAssignment(r *RoleAssignment) {
	b.put(tRoleAssignments, []any{r.ID}, []any{r.PrincipalID, r.RoleDefinitionID, r.DirectoryScopeID}, r.Raw)
}

// RoleAssignments returns the current role assignments by id.
func (d *DB) RoleAssignments(ctx context.Context, conn Connection) ([]RoleAssignment, error) {
	var out []RoleAssignment
	err := d.selectCurrent(ctx, conn, "role assignments", "r", `SELECT r.id, r.principal_id, r.role_definition_id, r.directory_scope_id, r.raw
		FROM role_assignments r WHERE r.connection_id = ? AND {cur} ORDER BY r.id`, nil, func(rows *sql.Rows) error {
		var r RoleAssignment
		var raw sql.NullString
		if err := rows.Scan(&r.ID, &r.PrincipalID, &r.RoleDefinitionID, &r.DirectoryScopeID, &raw); err != nil {
			return err
		}
		r.Raw = rawOf(raw)
		out = append(out, r)
		return nil
	})
	return out, err
}

// PIM schedule kinds.
const (
	ScheduleEligibility = "eligibility" // roleEligibilitySchedules
	ScheduleAssignment  = "assignment"  // roleAssignmentSchedules
)

// RoleSchedule is a PIM role eligibility or assignment schedule.
type RoleSchedule struct {
	Kind             string // ScheduleEligibility | ScheduleAssignment
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string
	MemberType       string // Direct | Group
	AssignmentType   string // Assigned | Activated (assignment schedules)
	Status           string
	StartDateTime    time.Time
	EndDateTime      time.Time // zero: no expiration
	Raw              json.RawMessage
}

// PutRoleSchedule writes a PIM schedule.
func (b *Batch) PutRoleSchedule(r *RoleSchedule) {
	b.put(tRoleSchedules, []any{r.Kind, r.ID}, []any{r.PrincipalID, r.RoleDefinitionID, r.DirectoryScopeID, r.MemberType,
		r.AssignmentType, r.Status, timeCol(r.StartDateTime), timeCol(r.EndDateTime)}, r.Raw)
}

// RoleSchedules returns the current PIM schedules of a kind by id.
func (d *DB) RoleSchedules(ctx context.Context, conn Connection, kind string) ([]RoleSchedule, error) {
	var out []RoleSchedule
	err := d.selectCurrent(ctx, conn, "role schedules", "r", `SELECT r.kind, r.id, r.principal_id, r.role_definition_id, r.directory_scope_id,
		r.member_type, r.assignment_type, r.status, r.start_at, r.end_at, r.raw
		FROM role_schedules r WHERE r.connection_id = ? AND {cur} AND r.kind = ? ORDER BY r.id`, []any{kind}, func(rows *sql.Rows) error {
		var r RoleSchedule
		var start, end *string
		var raw sql.NullString
		if err := rows.Scan(&r.Kind, &r.ID, &r.PrincipalID, &r.RoleDefinitionID, &r.DirectoryScopeID, &r.MemberType, &r.AssignmentType,
			&r.Status, &start, &end, &raw); err != nil {
			return err
		}
		r.StartDateTime, r.EndDateTime = parseTimeCol(start), parseTimeCol(end)
		r.Raw = rawOf(raw)
		out = append(out, r)
		return nil
	})
	return out, err
}
