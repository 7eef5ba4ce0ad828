package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Member is a group member as the local copy knows it: the directory
// object's id and type, and the names of the user, group or service
// principal it is (a device or organizational contact has its id only:
// the copy keeps neither).
type Member struct {
	ID                string
	Type              string // user | group | servicePrincipal | device | orgContact
	DisplayName       string
	UserPrincipalName string // users
	Mail              string // users and groups
	AccountEnabled    *bool  // users and service principals
}

// GroupMemberDetails returns a group's current members, by id, with their
// names: direct members, or with transitive everyone reached through
// nested groups (nested groups included, each once). One generation
// answers all of it.
func (d *DB) GroupMemberDetails(ctx context.Context, conn Connection, groupID string, transitive bool) ([]Member, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	refs, err := d.membersAt(ctx, conn, g, groupID, transitive)
	if err != nil {
		return nil, err
	}
	out := make([]Member, len(refs))
	byType := map[string][]string{}
	at := map[string]int{}
	for i, r := range refs {
		out[i] = Member{ID: r.ID, Type: r.Type}
		at[r.ID] = i
		byType[r.Type] = append(byType[r.Type], r.ID)
	}
	lookups := []struct {
		typ, table, cols string
		scan             func(*sql.Rows, *Member) error
	}{
		{"user", "users", "id, display_name, user_principal_name, mail, account_enabled", func(rows *sql.Rows, m *Member) error {
			var enabled bool
			if err := rows.Scan(&m.ID, &m.DisplayName, &m.UserPrincipalName, &m.Mail, &enabled); err != nil {
				return err
			}
			m.AccountEnabled = &enabled
			return nil
		}},
		{"group", "groups", "id, display_name, mail", func(rows *sql.Rows, m *Member) error {
			return rows.Scan(&m.ID, &m.DisplayName, &m.Mail)
		}},
		{"servicePrincipal", "service_principals", "id, display_name, account_enabled", func(rows *sql.Rows, m *Member) error {
			var enabled bool
			if err := rows.Scan(&m.ID, &m.DisplayName, &enabled); err != nil {
				return err
			}
			m.AccountEnabled = &enabled
			return nil
		}},
	}
	for _, l := range lookups {
		ids := byType[l.typ]
		for lo := 0; lo < len(ids); lo += 500 {
			chunk := ids[lo:min(lo+500, len(ids))]
			args := []any{conn.ID, g, g}
			for _, id := range chunk {
				args = append(args, id)
			}
			q := fmt.Sprintf(`SELECT %s FROM %s x WHERE x.connection_id = ? AND %s AND x.id IN (?%s)`,
				l.cols, l.table, current("x"), strings.Repeat(", ?", len(chunk)-1))
			if err := d.scan(ctx, q, args, func(rows *sql.Rows) error {
				var m Member
				if err := l.scan(rows, &m); err != nil {
					return err
				}
				i, ok := at[m.ID]
				if !ok {
					return nil
				}
				m.Type = out[i].Type
				out[i] = m
				return nil
			}); err != nil {
				return nil, fmt.Errorf("read members of %s: %s: %w", groupID, l.table, err)
			}
		}
	}
	return out, nil
}
