package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/store"
)

func newRolesCommand(a *App) *cobra.Command {
	var role, state string
	cmd := &cobra.Command{
		Use:   "roles",
		Short: "List who holds directory roles (and who may activate them with PIM) from the local copy",
		Long: `List who holds directory roles from the local copy: every active role
assignment and, on tenants with Entra ID P2, every PIM eligibility, with the
principal's names and, with PIM, how the assignment was made and when it
ends. Rows are sorted by role, active before eligible.`,
		Args: cobra.NoArgs,
	}
	out := AddOutputFlag(cmd)
	cmd.Flags().StringVar(&role, "role", "", "only this role: its display name (e.g. \"Global Administrator\"), id or template id")
	cmd.Flags().StringVar(&state, "state", "", "only active assignments (active) or PIM eligibilities (eligible)")
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, _ []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		if state != "" && state != "active" && state != "eligible" {
			return usageError{fmt.Errorf("--state %q: want active or eligible", state)}
		}
		if role != "" {
			defs, err := db.RoleDefinitions(ctx, conn)
			if err != nil {
				return err
			}
			found := false
			for _, d := range defs {
				if strings.EqualFold(d.DisplayName, role) || strings.EqualFold(d.ID, role) || strings.EqualFold(d.TemplateID, role) {
					role, found = d.ID, true
					break
				}
			}
			if !found {
				return usageError{fmt.Errorf("--role %q: no such role definition in the local copy of %s (tenantscope roles lists the roles held)", role, conn.Name)}
			}
		}
		hs, err := db.RoleHolders(ctx, conn)
		if err != nil {
			return err
		}
		kept := hs[:0]
		for _, h := range hs {
			if (role == "" || strings.EqualFold(h.RoleDefinitionID, role)) && (state == "" || h.State == state) {
				kept = append(kept, h)
			}
		}
		return WriteSlice(a.Stdout, f, roleHolderColumns(), kept)
	})
	return cmd
}

func roleHolderColumns() []Column[store.RoleHolder] {
	return []Column[store.RoleHolder]{
		{Name: "roleDisplayName", Header: "role", Value: func(h store.RoleHolder) any { return h.RoleName }},
		{Name: "state", Value: func(h store.RoleHolder) any { return h.State }},
		{Name: "principalId", Value: func(h store.RoleHolder) any { return h.Principal.ID }},
		{Name: "principalType", Header: "type", Value: func(h store.RoleHolder) any {
			if h.Principal.Type == "" {
				return nil // not in the copy (deleted, or a type it does not keep)
			}
			return "#microsoft.graph." + h.Principal.Type
		}},
		{Name: "principalDisplayName", Header: "principal", Value: func(h store.RoleHolder) any { return h.Principal.DisplayName }},
		{Name: "userPrincipalName", Header: "upn", Value: func(h store.RoleHolder) any { return h.Principal.UserPrincipalName }},
		{Name: "accountEnabled", Header: "enabled", Value: func(h store.RoleHolder) any { return h.Principal.AccountEnabled }},
		{Name: "directoryScopeId", Header: "scope", Value: func(h store.RoleHolder) any { return h.DirectoryScopeID }},
		{Name: "memberType", Header: "via", Value: func(h store.RoleHolder) any { return h.MemberType }},
		{Name: "assignmentType", Header: "assigned", Value: func(h store.RoleHolder) any { return h.AssignmentType }},
		{Name: "startDateTime", Header: "start", Value: func(h store.RoleHolder) any { return dateOrEmpty(h.Start) }},
		{Name: "endDateTime", Header: "end", Value: func(h store.RoleHolder) any { return dateOrEmpty(h.End) }},
		{Name: "roleDefinitionId", Value: func(h store.RoleHolder) any { return h.RoleDefinitionID }},
	}
}
