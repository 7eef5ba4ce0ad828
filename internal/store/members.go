package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Member is a directory object as the local copy knows it: its id and
// type, and the names of the user, group or service principal it is (a
// device or organizational contact has its id only: the copy keeps
// neither).
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
	return d.describeRefs(ctx, conn, g, refs, "members of "+groupID)
}

// GroupOwnerDetails returns a group's current owners, by id, with their
// names.
func (d *DB) GroupOwnerDetails(ctx context.Context, conn Connection, groupID string) ([]Member, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	refs, err := d.readRefs(ctx, "owners of "+groupID, strings.ReplaceAll(groupOwnersSQL, "{cur}", current("m")), []any{conn.ID, g, g, conn.ID, groupID})
	if err != nil {
		return nil, err
	}
	return d.describeRefs(ctx, conn, g, refs, "owners of "+groupID)
}

// describeRefs gives refs the names generation g holds for them.
func (d *DB) describeRefs(ctx context.Context, conn Connection, g int64, refs []DirectoryObjectRef, what string) ([]Member, error) {
	ids := make([]string, len(refs))
	types := make(map[string]string, len(refs))
	for i, r := range refs {
		ids[i], types[r.ID] = r.ID, r.Type
	}
	known, err := d.describeObjects(ctx, conn, g, ids, types)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	out := make([]Member, len(refs))
	for i, r := range refs {
		out[i] = Member{ID: r.ID, Type: r.Type}
		if m, ok := known[r.ID]; ok {
			out[i] = m
		}
	}
	return out, nil
}

// objectTables are where the copy keeps the directory objects it can
// name, by type.
var objectTables = []struct {
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

// describeObjects looks the objects ids name up in generation g, by id:
// the users, groups and service principals among them, Type set from the
// table each was found in. types, when not nil, gives an id's type, and
// the id is looked up in that type's table only.
func (d *DB) describeObjects(ctx context.Context, conn Connection, g int64, ids []string, types map[string]string) (map[string]Member, error) {
	out := map[string]Member{}
	for _, ot := range objectTables {
		var want []string
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] || (types != nil && types[id] != ot.typ) {
				continue
			}
			seen[id] = true
			want = append(want, id)
		}
		for lo := 0; lo < len(want); lo += 500 {
			chunk := want[lo:min(lo+500, len(want))]
			args := []any{conn.ID, g, g}
			for _, id := range chunk {
				args = append(args, id)
			}
			q := fmt.Sprintf(`SELECT %s FROM %s x WHERE x.connection_id = ? AND %s AND x.id IN (?%s)`,
				ot.cols, ot.table, current("x"), strings.Repeat(", ?", len(chunk)-1))
			if err := d.scan(ctx, q, args, func(rows *sql.Rows) error {
				var m Member
				if err := ot.scan(rows, &m); err != nil {
					return err
				}
				m.Type = ot.typ
				out[m.ID] = m
				return nil
			}); err != nil {
				return nil, fmt.Errorf("%s: %w", ot.table, err)
			}
		}
	}
	return out, nil
}
