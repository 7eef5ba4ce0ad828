package store

import (
	"context"
	"fmt"
	"time"
)

// SaveReportRows keeps the connection's per-user report rows (an encoded
// blob the analysis package owns) for a generation, replacing earlier ones.
func (d *DB) SaveReportRows(ctx context.Context, conn Connection, generation int64, format string, data []byte) error {
	return d.saveKept(ctx, keptReportRows, conn, generation, format, data)
}

// ReportRows returns the kept report rows when they were made for this
// generation in this format; ok is false otherwise.
func (d *DB) ReportRows(ctx context.Context, conn Connection, generation int64, format string) (data []byte, ok bool, err error) {
	return d.kept(ctx, keptReportRows, conn, generation, format)
}

// DeactivatedSince returns, for every user disabled in the current
// generation, when the local history first saw the account disabled in its
// current stretch of being disabled: the Since (the committing run's finish
// time) of the earliest version of the trailing run of disabled versions,
// as UserHistory would give it. Users already disabled in their first
// stored version map to the zero time (disabled before the first sync).
// One query over the history instead of one per user.
func (d *DB) DeactivatedSince(ctx context.Context, conn Connection) (map[string]time.Time, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT u.id, u.account_enabled,
		(SELECT finished_at FROM sync_runs r WHERE r.connection_id = u.connection_id AND r.generation = u.valid_from)
		FROM users u WHERE u.connection_id = ? AND u.valid_from <= ? AND u.id IN
			(SELECT c.id FROM users c WHERE c.connection_id = ? AND `+current("c")+` AND NOT c.account_enabled)
		ORDER BY u.id, u.valid_from`, conn.ID, g, conn.ID, g, g)
	if err != nil {
		return nil, fmt.Errorf("read deactivation dates of %q: %w", conn.Name, err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	// Versions come oldest first per user; the answer is the Since of the
	// first version after the user's last enabled one.
	var id string
	var since time.Time
	first, afterEnabled := false, false
	flush := func() {
		if id != "" {
			if first {
				out[id] = time.Time{}
			} else {
				out[id] = since
			}
		}
	}
	for rows.Next() {
		var uid string
		var enabled bool
		var finished *string
		if err := rows.Scan(&uid, &enabled, &finished); err != nil {
			return nil, fmt.Errorf("read deactivation dates of %q: %w", conn.Name, err)
		}
		if uid != id {
			flush()
			id, since, first, afterEnabled = uid, time.Time{}, true, true
		}
		switch {
		case enabled:
			first, afterEnabled = false, true
		case afterEnabled:
			// The first disabled version of a stretch: its Since.
			since, afterEnabled = parseTimeCol(finished), false
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read deactivation dates of %q: %w", conn.Name, err)
	}
	flush()
	return out, nil
}
