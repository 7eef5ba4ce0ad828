package cli

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/store"
)

// The list commands read the current copy in the database; they never call
// Graph. Columns carry Microsoft's property names.

// openSynced opens the store for a list command and refuses a connection
// that has never completed a sync (an empty list would look like an empty
// tenant).
func (a *App) openSynced(ctx context.Context) (*store.DB, store.Connection, error) {
	db, conn, err := a.openStore(ctx)
	if err != nil {
		return nil, conn, err
	}
	if conn.Generation == 0 {
		db.Close()
		return nil, conn, ConfigError(fmt.Errorf("connection %q has no completed sync in %s: run tenantscope sync first", conn.Name, a.DBPath))
	}
	return db, conn, nil
}

// readCopy is the RunE of a command that reads the synced copy: it parses
// -o, opens the copy (refusing one never synced), runs read with them and
// closes the copy.
func (a *App) readCopy(out *string, read func(cmd *cobra.Command, args []string, f Format, db *store.DB, conn store.Connection) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		f, err := ParseFormat(*out)
		if err != nil {
			return err
		}
		db, conn, err := a.openSynced(cmd.Context())
		if err != nil {
			return err
		}
		defer db.Close()
		return read(cmd, args, f, db, conn)
	}
}

// skuPartNumbers maps the connection's SKU ids (lower case) to their part
// numbers, for commands that name licences.
func skuPartNumbers(ctx context.Context, db *store.DB, conn store.Connection) (map[string]string, error) {
	skus, err := db.SubscribedSKUs(ctx, conn)
	if err != nil {
		return nil, err
	}
	parts := make(map[string]string, len(skus))
	for _, s := range skus {
		parts[strings.ToLower(s.SkuID)] = s.SkuPartNumber
	}
	return parts, nil
}

func optBool(cmd *cobra.Command, name string, v bool) *bool {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	return &v
}

func newUsersCommand(a *App) *cobra.Command {
	var q store.UserQuery
	var enabled, licensed bool
	var sku string
	cmd := &cobra.Command{
		Use:   "users",
		Short: "List users from the local copy, with their licences",
		Args:  cobra.NoArgs,
	}
	out := AddOutputFlag(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&enabled, "enabled", true, "only enabled (--enabled) or disabled (--enabled=false) accounts")
	fl.BoolVar(&licensed, "licensed", true, "only users with (--licensed) or without (--licensed=false) a licence")
	fl.StringVar(&sku, "sku", "", "only users holding this SKU (skuPartNumber or skuId)")
	fl.StringVar(&q.UserType, "user-type", "", "Member or Guest")
	fl.StringVar(&q.Department, "department", "", "exact department")
	fl.StringVar(&q.Search, "search", "", "substring of the UPN or display name")
	fl.IntVar(&q.Limit, "limit", 0, "at most this many rows")
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, _ []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		skus, err := db.SubscribedSKUs(ctx, conn)
		if err != nil {
			return err
		}
		parts := map[string]string{}
		for _, s := range skus {
			parts[s.SkuID] = s.SkuPartNumber
			if sku != "" && strings.EqualFold(s.SkuPartNumber, sku) {
				q.SkuID = s.SkuID
			}
		}
		if sku != "" && q.SkuID == "" {
			q.SkuID = sku
		}
		q.Enabled, q.Licensed = optBool(cmd, "enabled", enabled), optBool(cmd, "licensed", licensed)
		users, err := db.Users(ctx, conn, q)
		if err != nil {
			return err
		}
		ss, err := db.UserSignIns(ctx, conn)
		if err != nil {
			return err
		}
		signIns := make(map[string]store.UserSignIn, len(ss))
		for _, s := range ss {
			signIns[s.UserID] = s
		}
		return WriteSlice(a.Stdout, f, userColumns(parts, signIns), users)
	})
	cmd.AddCommand(newUserHistoryCommand(a))
	return cmd
}

// userColumns are the users list's columns; signIns holds the users'
// sign-in activity (none without Entra ID P1: the columns are then empty).
func userColumns(parts map[string]string, signIns map[string]store.UserSignIn) []Column[store.User] {
	return []Column[store.User]{
		{Name: "id", Value: func(u store.User) any { return u.ID }},
		{Name: "userPrincipalName", Header: "UPN", Value: func(u store.User) any { return u.UserPrincipalName }},
		{Name: "displayName", Header: "name", Value: func(u store.User) any { return u.DisplayName }},
		{Name: "accountEnabled", Header: "enabled", Value: func(u store.User) any { return u.AccountEnabled }},
		{Name: "userType", Header: "type", Value: func(u store.User) any { return u.UserType }},
		{Name: "department", Value: func(u store.User) any { return u.Department }},
		{Name: "jobTitle", Header: "job title", Value: func(u store.User) any { return u.JobTitle }},
		{Name: "usageLocation", Header: "usage", Value: func(u store.User) any { return u.UsageLocation }},
		{Name: "onPremisesSyncEnabled", Header: "on-prem", Value: func(u store.User) any { return u.OnPremisesSyncEnabled }},
		{Name: "createdDateTime", Header: "created", Value: func(u store.User) any { return dateOrEmpty(u.CreatedDateTime) }},
		{Name: "managerId", Header: "manager", Value: func(u store.User) any { return u.ManagerID }},
		{Name: "lastSignInDateTime", Header: "last sign-in", Value: func(u store.User) any { return dateOrEmpty(signIns[u.ID].LastSignInDateTime) }},
		{Name: "lastNonInteractiveSignInDateTime", Header: "last non-interactive", Value: func(u store.User) any {
			return dateOrEmpty(signIns[u.ID].LastNonInteractiveSignInDateTime)
		}},
		{Name: "assignedLicenses", Header: "licences", Value: func(u store.User) any { return licenceNames(u, parts) }},
	}
}

// licenceNames lists a user's SKUs by part number, each once, marking those
// that come only through a group.
func licenceNames(u store.User, parts map[string]string) []string {
	direct := map[string]bool{}
	seen := map[string]bool{}
	for _, l := range u.Licenses {
		seen[l.SkuID] = true
		if l.AssignedByGroup == "" {
			direct[l.SkuID] = true
		}
	}
	var out []string
	for id := range seen {
		n := parts[id]
		if n == "" {
			n = id
		}
		if !direct[id] {
			n += " (group)"
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func dateOrEmpty(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func newGroupsCommand(a *App) *cobra.Command {
	var q store.GroupQuery
	var onPrem, unified, licensed bool
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "List groups from the local copy, with member counts",
		Args:  cobra.NoArgs,
	}
	out := AddOutputFlag(cmd)
	fl := cmd.Flags()
	fl.StringVar(&q.Search, "search", "", "substring of the display name or mail")
	fl.BoolVar(&onPrem, "on-premises", true, "only groups synced (--on-premises) or not synced (=false) from on-premises AD")
	fl.BoolVar(&unified, "unified", true, "only Microsoft 365 groups (--unified) or other groups (=false)")
	fl.BoolVar(&licensed, "licensed", true, "only groups that assign licences (--licensed) or not (=false)")
	fl.IntVar(&q.Limit, "limit", 0, "at most this many rows")
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, _ []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		q.OnPrem, q.Unified, q.Licensed = optBool(cmd, "on-premises", onPrem), optBool(cmd, "unified", unified), optBool(cmd, "licensed", licensed)
		groups, err := db.Groups(ctx, conn, q)
		if err != nil {
			return err
		}
		counts, err := db.GroupMemberCounts(ctx, conn)
		if err != nil {
			return err
		}
		parts, err := skuPartNumbers(ctx, db, conn)
		if err != nil {
			return err
		}
		cols := []Column[store.Group]{
			{Name: "id", Value: func(g store.Group) any { return g.ID }},
			{Name: "displayName", Header: "name", Value: func(g store.Group) any { return g.DisplayName }},
			{Name: "mail", Value: func(g store.Group) any { return g.Mail }},
			{Name: "groupTypes", Header: "types", Value: func(g store.Group) any { return g.GroupTypes }},
			{Name: "securityEnabled", Header: "security", Value: func(g store.Group) any { return g.SecurityEnabled }},
			{Name: "mailEnabled", Header: "mail-enabled", Value: func(g store.Group) any { return g.MailEnabled }},
			{Name: "onPremisesSyncEnabled", Header: "on-prem", Value: func(g store.Group) any { return g.OnPremisesSyncEnabled }},
			{Name: "memberCount", Header: "members", Value: func(g store.Group) any { return counts[g.ID] }},
			// By part number, as users shows them (the SKU id when the
			// tenant no longer has the subscription).
			{Name: "assignedLicenses", Header: "licences", Value: func(g store.Group) any {
				var s []string
				for _, l := range g.AssignedLicenses {
					s = append(s, cmp.Or(parts[strings.ToLower(l.SkuID)], l.SkuID))
				}
				sort.Strings(s)
				return s
			}},
		}
		return WriteSlice(a.Stdout, f, cols, groups)
	})
	cmd.AddCommand(newGroupMembersCommand(a), newGroupOwnersCommand(a))
	return cmd
}

func newGroupMembersCommand(a *App) *cobra.Command {
	var transitive bool
	cmd := &cobra.Command{
		Use:   "members GROUP",
		Short: "List a group's members from the local copy (GROUP: id, display name or mail)",
		Long: `List a group's members from the local copy: its direct members, or with
--transitive everyone in it through nested groups too (the nested groups
included, each member once). GROUP is the group's id, or its display name
or mail address when exactly one group has it.`,
		Args: cobra.ExactArgs(1),
	}
	out := AddOutputFlag(cmd)
	cmd.Flags().BoolVar(&transitive, "transitive", false, "include the members of nested groups")
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, args []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		g, err := findGroup(ctx, db, conn, args[0])
		if err != nil {
			return err
		}
		ms, err := db.GroupMemberDetails(ctx, conn, g.ID, transitive)
		if err != nil {
			return err
		}
		return WriteSlice(a.Stdout, f, memberColumns(), ms)
	})
	return cmd
}

func newGroupOwnersCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "owners GROUP",
		Short: "List a group's owners from the local copy (GROUP: id, display name or mail)",
		Args:  cobra.ExactArgs(1),
	}
	out := AddOutputFlag(cmd)
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, args []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		g, err := findGroup(ctx, db, conn, args[0])
		if err != nil {
			return err
		}
		owners, err := db.GroupOwnerDetails(ctx, conn, g.ID)
		if err != nil {
			return err
		}
		return WriteSlice(a.Stdout, f, memberColumns(), owners)
	})
	return cmd
}

// memberColumns are the columns of a group's members or owners.
func memberColumns() []Column[store.Member] {
	return []Column[store.Member]{
		{Name: "id", Value: func(m store.Member) any { return m.ID }},
		{Name: "@odata.type", Header: "type", Value: func(m store.Member) any { return "#microsoft.graph." + m.Type }},
		{Name: "displayName", Header: "name", Value: func(m store.Member) any { return m.DisplayName }},
		{Name: "userPrincipalName", Header: "upn", Value: func(m store.Member) any { return m.UserPrincipalName }},
		{Name: "mail", Value: func(m store.Member) any { return m.Mail }},
		{Name: "accountEnabled", Header: "enabled", Value: func(m store.Member) any { return m.AccountEnabled }},
	}
}

// findGroup resolves a group named on the command line: by id, else by
// display name or mail (case-insensitive) when exactly one group has it.
func findGroup(ctx context.Context, db *store.DB, conn store.Connection, name string) (store.Group, error) {
	gs, err := db.Groups(ctx, conn, store.GroupQuery{ID: name})
	if err != nil {
		return store.Group{}, err
	}
	if len(gs) == 1 {
		return gs[0], nil
	}
	gs, err = db.Groups(ctx, conn, store.GroupQuery{Search: name})
	if err != nil {
		return store.Group{}, err
	}
	var found []store.Group
	for _, g := range gs {
		if strings.EqualFold(g.DisplayName, name) || (g.Mail != "" && strings.EqualFold(g.Mail, name)) {
			found = append(found, g)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return store.Group{}, usageError{fmt.Errorf("no group %q in the local copy of %s: give its id, display name or mail (tenantscope groups --search lists them)", name, conn.Name)}
	}
	var ids []string
	for _, g := range found[:min(len(found), 5)] {
		ids = append(ids, g.ID)
	}
	more := ""
	if len(found) > 5 {
		more = fmt.Sprintf(" and %d more", len(found)-5)
	}
	return store.Group{}, usageError{fmt.Errorf("%d groups are named %q (%s%s): give the group's id", len(found), name, strings.Join(ids, ", "), more)}
}

func newAppsCommand(a *App) *cobra.Command {
	var registrations bool
	var typ string
	cmd := &cobra.Command{
		Use:   "apps",
		Short: "List enterprise applications and managed identities (or app registrations)",
		Args:  cobra.NoArgs,
	}
	out := AddOutputFlag(cmd)
	cmd.Flags().BoolVar(&registrations, "registrations", false, "list app registrations with their credentials' expiry instead")
	cmd.Flags().StringVar(&typ, "type", "", "servicePrincipalType: Application, ManagedIdentity, Legacy, SocialIdp")
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, _ []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		if registrations {
			apps, err := db.Applications(ctx, conn)
			if err != nil {
				return err
			}
			return WriteSlice(a.Stdout, f, applicationColumns(a.now()), apps)
		}
		sps, err := db.ServicePrincipals(ctx, conn)
		if err != nil {
			return err
		}
		if typ != "" {
			kept := sps[:0]
			for _, s := range sps {
				if strings.EqualFold(s.ServicePrincipalType, typ) {
					kept = append(kept, s)
				}
			}
			sps = kept
		}
		ara, err := db.AppRoleAssignments(ctx, conn)
		if err != nil {
			return err
		}
		assigned := map[string]int{}
		for _, x := range ara {
			assigned[x.ResourceID]++
		}
		cols := []Column[store.ServicePrincipal]{
			{Name: "id", Value: func(s store.ServicePrincipal) any { return s.ID }},
			{Name: "appId", Value: func(s store.ServicePrincipal) any { return s.AppID }},
			{Name: "displayName", Header: "name", Value: func(s store.ServicePrincipal) any { return s.DisplayName }},
			{Name: "servicePrincipalType", Header: "type", Value: func(s store.ServicePrincipal) any { return s.ServicePrincipalType }},
			{Name: "accountEnabled", Header: "enabled", Value: func(s store.ServicePrincipal) any { return s.AccountEnabled }},
			{Name: "appOwnerOrganizationId", Header: "owner tenant", Value: func(s store.ServicePrincipal) any { return s.AppOwnerOrganizationID }},
			{Name: "appRoleAssignmentRequired", Header: "assignment required", Value: func(s store.ServicePrincipal) any { return s.AppRoleAssignmentRequired }},
			{Name: "appRoleAssignmentCount", Header: "assignments", Value: func(s store.ServicePrincipal) any { return assigned[s.ID] }},
		}
		return WriteSlice(a.Stdout, f, cols, sps)
	})
	return cmd
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func applicationColumns(now time.Time) []Column[store.Application] {
	next := func(x store.Application) *store.AppCredential {
		var best *store.AppCredential
		for i := range x.Credentials {
			c := &x.Credentials[i]
			if c.EndDateTime.IsZero() || c.EndDateTime.Before(now) {
				continue
			}
			if best == nil || c.EndDateTime.Before(best.EndDateTime) {
				best = c
			}
		}
		return best
	}
	return []Column[store.Application]{
		{Name: "id", Value: func(x store.Application) any { return x.ID }},
		{Name: "appId", Value: func(x store.Application) any { return x.AppID }},
		{Name: "displayName", Header: "name", Value: func(x store.Application) any { return x.DisplayName }},
		{Name: "signInAudience", Header: "audience", Value: func(x store.Application) any { return x.SignInAudience }},
		{Name: "credentialCount", Header: "credentials", Value: func(x store.Application) any { return len(x.Credentials) }},
		{Name: "expiredCredentials", Header: "expired", Value: func(x store.Application) any {
			n := 0
			for _, c := range x.Credentials {
				if !c.EndDateTime.IsZero() && c.EndDateTime.Before(now) {
					n++
				}
			}
			return n
		}},
		{Name: "nextExpiry", Header: "next expiry", Value: func(x store.Application) any {
			if c := next(x); c != nil {
				return c.EndDateTime.UTC()
			}
			return nil
		}},
		{Name: "nextExpiryKeyId", Header: "key id", Value: func(x store.Application) any {
			if c := next(x); c != nil {
				return c.KeyID
			}
			return nil
		}},
	}
}

func newLicensesCommand(a *App) *cobra.Command {
	var at string
	cmd := &cobra.Command{
		Use:   "licenses",
		Short: "List subscribed SKUs with purchased, consumed and available seats",
		Long: `licenses lists the tenant's subscribed SKUs from the local copy. Seat counts
are tenant-wide even when the connection's domains filter limits users.
--at shows the counts as the last sync before that time recorded them.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newLicenseTermsCommand(a), newLicenseCatalogCommand(a))
	out := AddOutputFlag(cmd)
	cmd.Flags().StringVar(&at, "at", "", "date or RFC 3339 time: show the seats as of then")
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, _ []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		var skus []store.SubscribedSKU
		var err error
		if at != "" {
			t, err := parseAt(at)
			if err != nil {
				return usageError{err}
			}
			if skus, err = db.SubscribedSKUsAt(ctx, conn, t); err != nil {
				return err
			}
		} else if skus, err = db.SubscribedSKUs(ctx, conn); err != nil {
			return err
		}
		cols := []Column[store.SubscribedSKU]{
			{Name: "skuId", Value: func(s store.SubscribedSKU) any { return s.SkuID }},
			{Name: "skuPartNumber", Header: "SKU", Value: func(s store.SubscribedSKU) any { return s.SkuPartNumber }},
			{Name: "capabilityStatus", Header: "status", Value: func(s store.SubscribedSKU) any { return s.CapabilityStatus }},
			{Name: "enabled", Header: "purchased", Value: func(s store.SubscribedSKU) any { return s.Enabled }},
			{Name: "consumedUnits", Header: "consumed", Value: func(s store.SubscribedSKU) any { return s.ConsumedUnits }},
			{Name: "available", Value: func(s store.SubscribedSKU) any { return s.Enabled - s.ConsumedUnits }},
			{Name: "warning", Value: func(s store.SubscribedSKU) any { return s.Warning }},
			{Name: "suspended", Value: func(s store.SubscribedSKU) any { return s.Suspended }},
			{Name: "appliesTo", Header: "applies to", Value: func(s store.SubscribedSKU) any { return s.AppliesTo }},
		}
		return WriteSlice(a.Stdout, f, cols, skus)
	})
	return cmd
}

// parseAt reads --at: a date (end of that day, UTC) or an RFC 3339 time.
func parseAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(24*time.Hour - time.Nanosecond), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at %q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t, nil
}
