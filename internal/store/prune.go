package store

import (
	"context"
	"database/sql"
	"errors"
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

// defaultPruneChunk bounds one delete transaction, so a first prune of a
// large history never holds the write lock for long: a chunk is the rows
// (open or closed) between two keys that many rows apart.
const defaultPruneChunk = 50000

// deleteClosed deletes t's versions of connID closed at or before limit, a
// chunk of the key at a time in key order, so the table is read once. (A
// chunk of "the first 50,000 closed rows" read the open rows before them
// again for every chunk: the 847,000 superseded versions a large daily
// sync leaves took 6.8 s to prune instead of 2.5.)
func (d *DB) deleteClosed(ctx context.Context, t *table, connID, limit int64) (int64, error) {
	cols, list, tuple := t.versionKey()
	var total int64
	var lo []any
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		hi := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range hi {
			ptrs[i] = &hi[i]
		}
		err := d.db.QueryRowContext(ctx, t.sqlPruneBound(lo != nil, d.pruneChunk), append([]any{connID}, lo...)...).Scan(ptrs...)
		if errors.Is(err, sql.ErrNoRows) {
			hi = nil // the last chunk runs to the end
		} else if err != nil {
			return total, err
		}
		q := fmt.Sprintf(`DELETE FROM %s WHERE connection_id = ? AND valid_to IS NOT NULL AND valid_to <= ?`, t.name)
		args := []any{connID, limit}
		if lo != nil {
			q += " AND (" + list + ") > " + tuple
			args = append(args, lo...)
		}
		if hi != nil {
			q += " AND (" + list + ") <= " + tuple
			args = append(args, hi...)
		}
		res, err := d.db.ExecContext(ctx, q, args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if hi == nil {
			return total, nil
		}
		lo = hi
	}
}

// versionKey names the columns that identify a version of t after
// connection_id (its keys and valid_from), as a list and as a row value of
// placeholders.
func (t *table) versionKey() (cols []string, list, tuple string) {
	cols = append(append([]string{}, t.keys...), "valid_from")
	list = strings.Join(cols, ", ")
	tuple = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	return cols, list, tuple
}

// sqlPruneBound finds the version key chunk rows on, from the start or
// after the version key in the arguments: (connection_id[, version
// key...]). Every
// versioned table has a unique index on (connection_id, keys...,
// valid_from), its primary key or one beside a rowid, so this walks that
// index and each chunk's delete is a range of it.
func (t *table) sqlPruneBound(after bool, chunk int) string {
	_, list, tuple := t.versionKey()
	w := ""
	if after {
		w = " AND (" + list + ") > " + tuple
	}
	return fmt.Sprintf(`SELECT %s FROM %s WHERE connection_id = ?%s ORDER BY %s LIMIT 1 OFFSET %d`, list, t.name, w, list, chunk-1)
}
