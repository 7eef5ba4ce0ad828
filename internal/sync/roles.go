package sync

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

// pimSelect is what store.RoleSchedule keeps of a PIM schedule.
var pimSelect = []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "memberType", "status", "createdDateTime", "scheduleInfo"}

var roleReadPerms = []string{"RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All"}

func roleAssignmentsResource() *resource {
	return &resource{
		name: "roleAssignments", group: "roles",
		perms:  roleReadPerms,
		tables: []store.Table{store.TableRoleAssignments},
		run: func(ctx context.Context, j *job) error {
			for a, err := range j.e.g.RoleAssignments(ctx, msgraph.ListOptions{Select: []string{"id", "principalId", "roleDefinitionId", "directoryScopeId"}}) {
				if err != nil {
					return err
				}
				j.e.state.useRole(a.RoleDefinitionID)
				err := j.add(ctx, 1, func(b *store.Batch) {
					b.PutRoleAssignment(&store.RoleAssignment{ID: a.ID, PrincipalID: a.PrincipalID, RoleDefinitionID: a.RoleDefinitionID,
						DirectoryScopeID: a.DirectoryScopeID, Raw: a.Raw})
				})
				if err != nil {
					return err
				}
			}
			j.e.state.mu.Lock()
			j.e.state.rolesKnown++
			j.e.state.mu.Unlock()
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableRoleAssignments) })
		},
	}
}

func skipP2(o *Options) string {
	if o.SkipP2Features {
		return "P2 features are off (sync option skip_p2_features)"
	}
	return ""
}

func roleEligibilityResource() *resource {
	return &resource{
		name: "roleEligibility", group: "pim",
		perms:    []string{"RoleEligibilitySchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All"},
		feature:  "Microsoft Entra ID P2 or ID Governance",
		tables:   []store.Table{store.TableRoleEligibilities},
		excluded: skipP2,
		run: func(ctx context.Context, j *job) error {
			for s, err := range j.e.g.RoleEligibilitySchedules(ctx, msgraph.ListOptions{Select: pimSelect}) {
				if err != nil {
					return err
				}
				j.e.state.useRole(s.RoleDefinitionID)
				rs := &store.RoleSchedule{Kind: store.ScheduleEligibility, ID: s.ID, PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID,
					DirectoryScopeID: s.DirectoryScopeID, MemberType: s.MemberType, Status: s.Status,
					StartDateTime: tv(s.ScheduleInfo.StartDateTime), EndDateTime: endOf(s.ScheduleInfo), Raw: s.Raw}
				if err := j.add(ctx, 1, func(b *store.Batch) { b.PutRoleSchedule(rs) }); err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableRoleEligibilities) })
		},
	}
}

func roleAssignmentSchedulesResource() *resource {
	return &resource{
		name: "roleAssignmentSchedules", group: "pim",
		perms:    []string{"RoleAssignmentSchedule.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All"},
		feature:  "Microsoft Entra ID P2 or ID Governance",
		tables:   []store.Table{store.TableRoleAssignmentScheds},
		excluded: skipP2,
		run: func(ctx context.Context, j *job) error {
			for s, err := range j.e.g.RoleAssignmentSchedules(ctx, msgraph.ListOptions{Select: append(pimSelect, "assignmentType")}) {
				if err != nil {
					return err
				}
				j.e.state.useRole(s.RoleDefinitionID)
				rs := &store.RoleSchedule{Kind: store.ScheduleAssignment, ID: s.ID, PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID,
					DirectoryScopeID: s.DirectoryScopeID, MemberType: s.MemberType, AssignmentType: s.AssignmentType, Status: s.Status,
					StartDateTime: tv(s.ScheduleInfo.StartDateTime), EndDateTime: endOf(s.ScheduleInfo), Raw: s.Raw}
				if err := j.add(ctx, 1, func(b *store.Batch) { b.PutRoleSchedule(rs) }); err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableRoleAssignmentScheds) })
		},
	}
}

func endOf(si msgraph.RoleScheduleInfo) (t time.Time) {
	if si.Expiration == nil {
		return t
	}
	return tv(si.Expiration.EndDateTime)
}

// roleDefinitionsResource runs after the assignment resources so that
// skip_unused_roles can drop definitions nobody holds, actively or as
// eligible.
func roleDefinitionsResource() *resource {
	return &resource{
		name: "roleDefinitions", group: "roles",
		perms:  roleReadPerms,
		deps:   []string{"roleAssignments", "roleEligibility", "roleAssignmentSchedules"},
		tables: []store.Table{store.TableRoleDefinitions},
		run: func(ctx context.Context, j *job) error {
			e := j.e
			var used map[string]bool
			if e.o.SkipUnusedRoles {
				e.state.mu.Lock()
				known := e.state.rolesKnown > 0
				used = e.state.usedRoles
				e.state.mu.Unlock()
				if !known {
					e.warn("roleDefinitions", "skip_unused_roles not applied: role assignments were not read in this run")
					used = nil
				}
			}
			skipped := 0
			for d, err := range e.g.RoleDefinitions(ctx, msgraph.ListOptions{Select: []string{"id", "displayName", "description", "isBuiltIn", "isEnabled", "templateId"}}) {
				if err != nil {
					return err
				}
				if used != nil && !used[strings.ToLower(d.ID)] && !used[strings.ToLower(d.TemplateID)] {
					skipped++
					continue
				}
				err := j.add(ctx, 1, func(b *store.Batch) {
					b.PutRoleDefinition(&store.RoleDefinition{ID: d.ID, DisplayName: d.DisplayName, Description: d.Description,
						IsBuiltIn: d.IsBuiltIn, IsEnabled: d.IsEnabled, TemplateID: d.TemplateID, Raw: d.Raw})
				})
				if err != nil {
					return err
				}
			}
			if skipped > 0 {
				j.res.Message = fmt.Sprintf("%d unused role definitions skipped (skip_unused_roles)", skipped)
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableRoleDefinitions) })
		},
	}
}
