package cli

import (
	"fmt"
	"path"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/store"
)

func newGrantsCommand(a *App) *cobra.Command {
	var kind, permission, client string
	cmd := &cobra.Command{
		Use:   "grants",
		Short: "List the API permissions applications hold (application and delegated) from the local copy",
		Long: `List the API permissions applications hold, from the local copy: application
permissions (app roles of an API such as Microsoft Graph assigned to an
application's service principal, used without a user) and delegated
permissions (OAuth2 permission grants, used on behalf of a signed-in user:
AllPrincipals after an admin's consent, Principal after one user's own).
A delegated grant of several scopes gives a row per scope.

--permission takes a name or a pattern with * (case-insensitive), e.g.
--permission '*.ReadWrite.All' or --permission 'Directory.*'.`,
		Args: cobra.NoArgs,
	}
	out := AddOutputFlag(cmd)
	fl := cmd.Flags()
	fl.StringVar(&kind, "kind", "", "only application or delegated permissions")
	fl.StringVar(&permission, "permission", "", "only this permission, or those matching a pattern with *")
	fl.StringVar(&client, "client", "", "only this application: its display name or service principal id (case-insensitive)")
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, _ []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		if kind != "" && kind != store.GrantApplication && kind != store.GrantDelegated {
			return usageError{fmt.Errorf("--kind %q: want application or delegated", kind)}
		}
		pattern := strings.ToLower(permission)
		if _, err := path.Match(pattern, ""); err != nil {
			return usageError{fmt.Errorf("--permission %q: %v", permission, err)}
		}
		gs, err := db.PermissionGrants(ctx, conn)
		if err != nil {
			return err
		}
		kept := gs[:0]
		for _, g := range gs {
			if kind != "" && g.Kind != kind {
				continue
			}
			if pattern != "" {
				if ok, _ := path.Match(pattern, strings.ToLower(g.Permission)); !ok {
					continue
				}
			}
			if client != "" && !strings.EqualFold(g.ClientName, client) && !strings.EqualFold(g.ClientID, client) {
				continue
			}
			kept = append(kept, g)
		}
		return WriteSlice(a.Stdout, f, grantColumns(), kept)
	})
	return cmd
}

func grantColumns() []Column[store.PermissionGrant] {
	return []Column[store.PermissionGrant]{
		{Name: "clientDisplayName", Header: "application", Value: func(g store.PermissionGrant) any { return g.ClientName }},
		{Name: "kind", Value: func(g store.PermissionGrant) any { return g.Kind }},
		{Name: "resourceDisplayName", Header: "api", Value: func(g store.PermissionGrant) any { return g.ResourceName }},
		{Name: "permission", Value: func(g store.PermissionGrant) any { return g.Permission }},
		{Name: "consentType", Header: "consent", Value: func(g store.PermissionGrant) any { return g.ConsentType }},
		{Name: "principalUserPrincipalName", Header: "user", Value: func(g store.PermissionGrant) any {
			if g.Principal.UserPrincipalName != "" {
				return g.Principal.UserPrincipalName
			}
			return g.Principal.ID // a user no longer in the copy
		}},
		{Name: "createdDateTime", Header: "granted", Value: func(g store.PermissionGrant) any { return dateOrEmpty(g.Created) }},
		{Name: "clientId", Header: "client id", Value: func(g store.PermissionGrant) any { return g.ClientID }},
		{Name: "resourceId", Header: "api id", Value: func(g store.PermissionGrant) any { return g.ResourceID }},
		{Name: "appRoleId", Header: "app role id", Value: func(g store.PermissionGrant) any { return g.PermissionID }},
	}
}
