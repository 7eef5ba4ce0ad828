package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	return d.roleDefinitionsAt(ctx, conn, g)
}

func (d *DB) roleDefinitionsAt(ctx context.Context, conn Connection, g int64) ([]RoleDefinition, error) {
	var out []RoleDefinition
	err := d.selectAt(ctx, conn, g, "role definitions", "r", `SELECT r.id, r.display_name, r.description, r.is_built_in, r.is_enabled, r.template_id, r.raw
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
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	return d.roleAssignmentsAt(ctx, conn, g)
}

func (d *DB) roleAssignmentsAt(ctx context.Context, conn Connection, g int64) ([]RoleAssignment, error) {
	var out []RoleAssignment
	err := d.selectAt(ctx, conn, g, "role assignments", "r", `SELECT r.id, r.principal_id, r.role_definition_id, r.directory_scope_id, r.raw
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
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	return d.roleSchedulesAt(ctx, conn, g, kind)
}

func (d *DB) roleSchedulesAt(ctx context.Context, conn Connection, g int64, kind string) ([]RoleSchedule, error) {
	var out []RoleSchedule
	err := d.selectAt(ctx, conn, g, "role schedules", "r", `SELECT r.kind, r.id, r.principal_id, r.role_definition_id, r.directory_scope_id,
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

// RoleHolder is a directory role someone holds (active: a role assignment)
// or may activate (eligible: a PIM eligibility schedule), with what the
// copy knows of the principal and, with PIM, of the assignment's schedule.
type RoleHolder struct {
	State            string // active | eligible
	RoleDefinitionID string
	RoleName         string // "" when the definition is not in the copy
	DirectoryScopeID string
	Principal        Member // Type "" when the principal is not in the copy
	MemberType       string // Direct | Group (PIM); "" without PIM data
	AssignmentType   string // Assigned | Activated (active, PIM)
	Start, End       time.Time
}

// RoleHolders returns every current role assignment and PIM eligibility,
// by role name, then state (active first), then principal; one
// generation answers all of it. An active assignment takes its schedule
// (member type, how it was assigned, start and end) from the PIM
// assignment schedule with the same principal, role and scope.
func (d *DB) RoleHolders(ctx context.Context, conn Connection) ([]RoleHolder, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	defs, err := d.roleDefinitionsAt(ctx, conn, g)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, r := range defs {
		names[r.ID] = r.DisplayName
		if r.TemplateID != "" {
			names[r.TemplateID] = r.DisplayName
		}
	}
	active, err := d.roleAssignmentsAt(ctx, conn, g)
	if err != nil {
		return nil, err
	}
	scheds, err := d.roleSchedulesAt(ctx, conn, g, ScheduleAssignment)
	if err != nil {
		return nil, err
	}
	eligible, err := d.roleSchedulesAt(ctx, conn, g, ScheduleEligibility)
	if err != nil {
		return nil, err
	}
	type key struct{ principal, role, scope string }
	bySched := map[key]RoleSchedule{}
	for _, s := range scheds {
		k := key{s.PrincipalID, s.RoleDefinitionID, s.DirectoryScopeID}
		if _, dup := bySched[k]; !dup {
			bySched[k] = s
		}
	}
	var out []RoleHolder
	var ids []string
	for _, a := range active {
		h := RoleHolder{State: "active", RoleDefinitionID: a.RoleDefinitionID, RoleName: names[a.RoleDefinitionID],
			DirectoryScopeID: a.DirectoryScopeID, Principal: Member{ID: a.PrincipalID}}
		if s, ok := bySched[key{a.PrincipalID, a.RoleDefinitionID, a.DirectoryScopeID}]; ok {
			h.MemberType, h.AssignmentType, h.Start, h.End = s.MemberType, s.AssignmentType, s.StartDateTime, s.EndDateTime
		}
		out = append(out, h)
		ids = append(ids, a.PrincipalID)
	}
	for _, e := range eligible {
		out = append(out, RoleHolder{State: "eligible", RoleDefinitionID: e.RoleDefinitionID, RoleName: names[e.RoleDefinitionID],
			DirectoryScopeID: e.DirectoryScopeID, Principal: Member{ID: e.PrincipalID}, MemberType: e.MemberType,
			Start: e.StartDateTime, End: e.EndDateTime})
		ids = append(ids, e.PrincipalID)
	}
	known, err := d.describeObjects(ctx, conn, g, ids, nil)
	if err != nil {
		return nil, fmt.Errorf("read role holders of %q: %w", conn.Name, err)
	}
	for i := range out {
		if m, ok := known[out[i].Principal.ID]; ok {
			out[i].Principal = m
		}
	}
	slices.SortStableFunc(out, func(a, b RoleHolder) int {
		return cmp.Or(strings.Compare(a.RoleName, b.RoleName), strings.Compare(a.RoleDefinitionID, b.RoleDefinitionID),
			strings.Compare(a.State, b.State), strings.Compare(a.Principal.DisplayName, b.Principal.DisplayName),
			strings.Compare(a.Principal.ID, b.Principal.ID), strings.Compare(a.DirectoryScopeID, b.DirectoryScopeID))
	})
	return out, nil
}
