package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Fan-out syncers need the ids of objects as this run sees them (what it has
// written so far plus what it carried over): rows still open for the
// connection. The caller must have had its own batches applied first; the
// reads commit the run's open write transaction so they see them.

// UserIDs returns the ids of the users open in the run's view; withMail
// limits them to users with a mail address (the only ones with a mailbox).
func (r *sqliteRun) UserIDs(ctx context.Context, withMail bool) ([]string, error) {
	q := `SELECT id FROM users WHERE connection_id = ? AND valid_to IS NULL`
	if withMail {
		q += ` AND mail <> ''`
	}
	return r.ids(ctx, "users", q+` ORDER BY id`)
}

// GroupIDs returns the ids of the groups open in the run's view.
func (r *sqliteRun) GroupIDs(ctx context.Context) ([]string, error) {
	return r.ids(ctx, "groups", `SELECT id FROM groups WHERE connection_id = ? AND valid_to IS NULL ORDER BY id`)
}

// ServicePrincipalIDs returns the ids of the service principals open in the
// run's view.
func (r *sqliteRun) ServicePrincipalIDs(ctx context.Context) ([]string, error) {
	return r.ids(ctx, "service principals", `SELECT id FROM service_principals WHERE connection_id = ? AND valid_to IS NULL ORDER BY id`)
}

func (r *sqliteRun) ids(ctx context.Context, what, q string) ([]string, error) {
	if err := r.Flush(ctx); err != nil {
		return nil, fmt.Errorf("list %s ids: %w", what, err)
	}
	rows, err := r.d.db.QueryContext(ctx, q, r.conn.ID)
	if err != nil {
		return nil, fmt.Errorf("list %s ids: %w", what, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list %s ids: %w", what, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// LastRefreshed is when resource last completed a full listing in a
// committed run (zero: never); delta runs use it to decide whether a costly
// fan-out resource is due.
func (d *DB) LastRefreshed(ctx context.Context, conn Connection, resource string) (time.Time, error) {
	var s *string
	err := d.db.QueryRowContext(ctx, `SELECT MAX(s.finished_at) FROM sync_run_resources r JOIN sync_runs s ON s.id = r.run_id
		WHERE s.connection_id = ? AND s.status = 'succeeded' AND r.resource = ? AND r.status = 'ok' AND r.mode = 'full'`, conn.ID, resource).Scan(&s)
	if err != nil {
		return time.Time{}, fmt.Errorf("last refresh of %s/%s: %w", conn.Name, resource, err)
	}
	return parseTimeCol(s), nil
}

// ExistingUsers returns which of ids have a user row open in the run's view
// (known before this round), so a delta round can tell new users from
// changed ones.
func (r *sqliteRun) ExistingUsers(ctx context.Context, ids []string) (map[string]bool, error) {
	if err := r.Flush(ctx); err != nil {
		return nil, fmt.Errorf("look up users: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, r.conn.ID)
		for _, id := range chunk {
			args = append(args, id)
		}
		q := `SELECT id FROM users WHERE connection_id = ? AND valid_to IS NULL AND id IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
		rows, err := r.d.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("look up users: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up users: %w", err)
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up users: %w", err)
		}
	}
	return out, nil
}
