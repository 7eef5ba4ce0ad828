package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// selectCurrent runs query (which must contain the placeholder {cur} for the
// current-rows predicate of alias and take connection id as its first
// argument) at the connection's current generation and calls scan per row.
func (d *DB) selectCurrent(ctx context.Context, conn Connection, what, alias, query string, args []any, scan func(*sql.Rows) error) error {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return err
	}
	return d.selectAt(ctx, conn, g, what, alias, query, args, scan)
}

func (d *DB) selectAt(ctx context.Context, conn Connection, g int64, what, alias, query string, args []any, scan func(*sql.Rows) error) error {
	query = strings.ReplaceAll(query, "{cur}", current(alias))
	all := append([]any{conn.ID, g, g}, args...)
	rows, err := d.db.QueryContext(ctx, query, all...)
	if err != nil {
		return fmt.Errorf("read %s of %q: %w", what, conn.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("read %s of %q: %w", what, conn.Name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s of %q: %w", what, conn.Name, err)
	}
	return nil
}

// jsonStrings encodes a string list column ([] rather than null when empty,
// so equal lists hash equal).
func jsonStrings(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func parseStrings(s string) []string {
	var v []string
	if s == "" {
		return nil
	}
	_ = json.Unmarshal([]byte(s), &v)
	if len(v) == 0 {
		return nil
	}
	return v
}

func rawOf(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

func nullBool(b sql.NullBool) *bool {
	if !b.Valid {
		return nil
	}
	v := b.Bool
	return &v
}
