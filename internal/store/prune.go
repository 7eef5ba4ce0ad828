package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// latestOnly tables hold values whose newest version answers every question
// asked of them: last sign-in and last activity dates, period counts,
// activations. They change for most users on every daily sync, so their
// closed versions would soon outnumber everything else; Prune drops them as
// soon as no reader of a current generation can see them.
var latestOnly = map[*table]bool{
	tUserSignIns: true, tUserActivity: true,
	tUserEmailActivity: true, tUserTeamsActivity: true, tUserActivations: true,
}

// PruneStats counts what Prune deleted.
type PruneStats struct {
	// Superseded: closed versions of latest-only tables (sign-in and
	// activity dates, usage counts).
	Superseded int64
	// Expired: versions closed by runs that finished before the cut-off.
	Expired int64
}

// Prune deletes versions nothing needs any more, for one connection:
//   - of the latest-only tables, every version closed before the current
//     generation (readers of the current or the previous generation still
//     see theirs);
//   - of every other versioned table, the versions closed by a run that
//     finished before keepSince (zero keepSince keeps all history), so
//     "when was this user disabled" and "what did we hold on date X" stay
//     answerable for the retention period.
//
// It runs after a run commits, in transactions of its own; it never touches
// open rows, so it cannot change what the current generation shows.
func (d *DB) Prune(ctx context.Context, conn Connection, keepSince time.Time) (PruneStats, error) {
	var st PruneStats
	cur, err := d.generation(ctx, conn)
	if err != nil {
		return st, err
	}
	// The newest generation whose run closed its rows before keepSince:
	// versions with valid_to at or below it ended before the cut-off.
	var expired int64
	if !keepSince.IsZero() {
		var g *int64
		err := d.db.QueryRowContext(ctx, `SELECT MAX(generation) FROM sync_runs WHERE connection_id = ? AND status = 'succeeded' AND finished_at < ?`,
			conn.ID, keepSince.UTC().Format(time.RFC3339Nano)).Scan(&g)
		if err != nil {
			return st, fmt.Errorf("prune %q: find the retention cut-off: %w", conn.Name, err)
		}
		if g != nil {
			expired = min(*g, cur)
		}
	}
	for _, t := range allTables {
		limit, counter := expired, &st.Expired
		if latestOnly[t] {
			// Closed at the current generation: the previous one's readers
			// may still be reading them.
			limit, counter = cur-1, &st.Superseded
		}
		if limit <= 0 {
			continue
		}
		n, err := d.deleteClosed(ctx, t, conn.ID, limit)
		if err != nil {
			return st, fmt.Errorf("prune %q: %s: %w", conn.Name, t.name, err)
		}
		*counter += n
	}
	return st, nil
}

// pruneChunk bounds one delete transaction, so a first prune of a large
// history never holds the write lock for long.
const pruneChunk = 50000

func (d *DB) deleteClosed(ctx context.Context, t *table, connID, limit int64) (int64, error) {
	// rowid tables and clustered ones alike: delete by the full key.
	keyCols := "connection_id, " + strings.Join(t.keys, ", ") + ", valid_from"
	q := fmt.Sprintf(`DELETE FROM %s WHERE (%s) IN (SELECT %s FROM %s WHERE connection_id = ? AND valid_to IS NOT NULL AND valid_to <= ? LIMIT %d)`,
		t.name, keyCols, keyCols, t.name, pruneChunk)
	var total int64
	for {
		res, err := d.db.ExecContext(ctx, q, connID, limit)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < pruneChunk {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}
