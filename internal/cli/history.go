package cli

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/store"
)

func newUserHistoryCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history USER",
		Short: "Show what changed about a user, run by run, from the copy's history (USER: id or UPN)",
		Long: `Show what changed about a user, from the copy's history: when the account was
first seen, disabled or enabled, renamed or moved, when each licence was
assigned, changed or removed, and when the user left the tenant. Each
change is dated by the sync run that saw it (the change happened between
that run and the one before). History is kept for sync.history_days.

USER is the user's id, or the user principal name of a current user.`,
		Args: cobra.ExactArgs(1),
	}
	out := AddOutputFlag(cmd)
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, args []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		id, err := findUserID(ctx, db, conn, args[0])
		if err != nil {
			return err
		}
		versions, err := db.UserHistory(ctx, conn, id)
		if err != nil {
			return err
		}
		if len(versions) == 0 {
			return usageError{fmt.Errorf("no user %q in the copy of %s, current or in its history: give the id (tenantscope users --search lists current users)", args[0], conn.Name)}
		}
		licences, err := db.UserLicenseHistory(ctx, conn, id)
		if err != nil {
			return err
		}
		parts, err := skuPartNumbers(ctx, db, conn)
		if err != nil {
			return err
		}
		// The names of the groups the user's licences came through (a
		// handful), not of every group.
		groupNames := map[string]string{}
		for _, l := range licences {
			if l.AssignedByGroup == "" {
				continue
			}
			if _, done := groupNames[l.AssignedByGroup]; done {
				continue
			}
			gs, err := db.Groups(ctx, conn, store.GroupQuery{ID: l.AssignedByGroup})
			if err != nil {
				return err
			}
			groupNames[l.AssignedByGroup] = ""
			if len(gs) == 1 {
				groupNames[l.AssignedByGroup] = gs[0].DisplayName
			}
		}
		changes := userChanges(versions, licences, parts, groupNames)
		return WriteSlice(a.Stdout, f, changeColumns(), changes)
	})
	return cmd
}

// findUserID resolves a user named on the command line: a current user's
// id or user principal name (case-insensitive); anything else is taken as
// an id, which may name a user that has left the tenant.
func findUserID(ctx context.Context, db *store.DB, conn store.Connection, name string) (string, error) {
	for _, q := range []store.UserQuery{{ID: name, WithoutRaw: true}, {UserPrincipalName: name, WithoutRaw: true}} {
		us, err := db.Users(ctx, conn, q)
		if err != nil {
			return "", err
		}
		if len(us) == 1 {
			return us[0].ID, nil
		}
	}
	return name, nil
}

// userChange is one change the copy's history records about a user.
type userChange struct {
	At         time.Time // when the run that saw it finished
	Generation int64
	What       string // a property, a licence, or "user"
	From, To   string
}

// userFields are the user's properties whose changes the history shows,
// under Microsoft's names.
var userFields = []struct {
	name  string
	value func(u *store.UserVersion) string
}{
	{"userPrincipalName", func(u *store.UserVersion) string { return u.UserPrincipalName }},
	{"displayName", func(u *store.UserVersion) string { return u.DisplayName }},
	{"accountEnabled", func(u *store.UserVersion) string { return strconv.FormatBool(u.AccountEnabled) }},
	{"userType", func(u *store.UserVersion) string { return u.UserType }},
	{"mail", func(u *store.UserVersion) string { return u.Mail }},
	{"department", func(u *store.UserVersion) string { return u.Department }},
	{"jobTitle", func(u *store.UserVersion) string { return u.JobTitle }},
	{"companyName", func(u *store.UserVersion) string { return u.CompanyName }},
	{"officeLocation", func(u *store.UserVersion) string { return u.OfficeLocation }},
	{"usageLocation", func(u *store.UserVersion) string { return u.UsageLocation }},
	{"employeeId", func(u *store.UserVersion) string { return u.EmployeeID }},
}

// userChanges turns a user's stored versions and licence versions into
// the changes between them, oldest first.
func userChanges(versions []store.UserVersion, licences []store.LicenseVersion, parts, groupNames map[string]string) []userChange {
	var out []userChange
	for i := range versions {
		v := &versions[i]
		if i == 0 {
			out = append(out, userChange{At: v.Since, Generation: v.Generation, What: "user", To: "first seen: " + v.UserPrincipalName})
		} else {
			prev := &versions[i-1]
			for _, f := range userFields {
				if a, b := f.value(prev), f.value(v); a != b {
					out = append(out, userChange{At: v.Since, Generation: v.Generation, What: f.name, From: a, To: b})
				}
			}
		}
		if i == len(versions)-1 && v.Ended != 0 {
			out = append(out, userChange{At: v.Until, Generation: v.Ended, What: "user", From: v.UserPrincipalName, To: "removed from the tenant"})
		}
	}
	// Licences: versions of one (SKU, group) key follow one another.
	type key struct{ sku, group string }
	byKey := map[key][]store.LicenseVersion{}
	var keys []key
	for _, l := range licences {
		k := key{l.SkuID, l.AssignedByGroup}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], l)
	}
	for _, k := range keys {
		vs := byKey[k]
		name := "licence " + cmp.Or(parts[k.sku], k.sku)
		if k.group != "" {
			name += " via group " + cmp.Or(groupNames[k.group], k.group)
		} else {
			name += " (direct)"
		}
		for i, l := range vs {
			state := licenceState(l)
			switch {
			case i == 0:
				out = append(out, userChange{At: l.Since, Generation: l.Generation, What: name, To: "assigned: " + state})
			case vs[i-1].Ended != l.Generation:
				// A gap: removed, then assigned again.
				out = append(out, userChange{At: l.Since, Generation: l.Generation, What: name, To: "assigned: " + state})
			default:
				if prev := licenceState(vs[i-1]); prev != state {
					out = append(out, userChange{At: l.Since, Generation: l.Generation, What: name, From: prev, To: state})
				}
			}
			next := i + 1
			if l.Ended != 0 && (next == len(vs) || vs[next].Generation != l.Ended) {
				out = append(out, userChange{At: l.Until, Generation: l.Ended, What: name, From: state, To: "removed"})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b userChange) int { return cmp.Compare(a.Generation, b.Generation) })
	return out
}

// licenceState describes a licence version: its state, error and the
// service plans disabled in it.
func licenceState(l store.LicenseVersion) string {
	s := l.State
	if l.Error != "" && l.Error != "None" {
		s += " (" + l.Error + ")"
	}
	switch n := len(l.DisabledPlans); n {
	case 0:
	case 1:
		s += ", 1 plan disabled"
	default:
		s += fmt.Sprintf(", %d plans disabled", n)
	}
	return s
}

func changeColumns() []Column[userChange] {
	return []Column[userChange]{
		{Name: "dateTime", Header: "seen", Value: func(c userChange) any { return dateOrEmpty(c.At) }},
		{Name: "generation", Value: func(c userChange) any { return c.Generation }},
		{Name: "property", Header: "what", Value: func(c userChange) any { return c.What }},
		{Name: "from", Value: func(c userChange) any { return c.From }},
		{Name: "to", Value: func(c userChange) any { return c.To }},
	}
}
