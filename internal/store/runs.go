package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Runs returns the connection's most recent runs, newest first, with their
// per-resource results and messages.
func (d *DB) Runs(ctx context.Context, conn Connection, limit int) ([]SyncRun, error) {
	if limit <= 0 {
		limit = 20
	}
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT id, generation, mode, status, started_at, finished_at, requests, batch_requests, throttled, retries, error, heartbeat_at
		FROM sync_runs WHERE connection_id = ? ORDER BY id DESC LIMIT ?`, conn.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("read runs of %q: %w", conn.Name, err)
	}
	var out []SyncRun
	idx := map[int64]int{}
	for rows.Next() {
		var r SyncRun
		var started, hb string
		var finished *string
		var mode string
		if err := rows.Scan(&r.ID, &r.Generation, &mode, &r.Status, &started, &finished, &r.Requests, &r.Batched, &r.Throttled, &r.Retries, &r.Error, &hb); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read runs of %q: %w", conn.Name, err)
		}
		r.Mode = RunMode(mode)
		r.StartedAt = parseTimeCol(&started)
		r.FinishedAt = parseTimeCol(finished)
		r.HeartbeatAt = parseTimeCol(&hb)
		r.Current = r.Status == "succeeded" && r.Generation == g
		idx[r.ID] = len(out)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read runs of %q: %w", conn.Name, err)
	}
	if len(out) == 0 {
		return out, nil
	}
	minID := out[len(out)-1].ID
	err = d.scan(ctx, `SELECT r.run_id, r.resource, r.status, r.mode, r.items, r.removed, r.duration_ms, r.message FROM sync_run_resources r
		JOIN sync_runs s ON s.id = r.run_id WHERE s.connection_id = ? AND r.run_id >= ? ORDER BY r.run_id, r.resource`, []any{conn.ID, minID}, func(rows *sql.Rows) error {
		var id, ms int64
		var rr ResourceResult
		var mode string
		if err := rows.Scan(&id, &rr.Resource, &rr.Status, &mode, &rr.Items, &rr.Removed, &ms, &rr.Message); err != nil {
			return err
		}
		rr.Mode, rr.Duration = RunMode(mode), time.Duration(ms)*time.Millisecond
		if i, ok := idx[id]; ok {
			out[i].Resources = append(out[i].Resources, rr)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read runs of %q: %w", conn.Name, err)
	}
	err = d.scan(ctx, `SELECT m.run_id, m.level, m.resource, m.message FROM sync_run_messages m
		JOIN sync_runs s ON s.id = m.run_id WHERE s.connection_id = ? AND m.run_id >= ? ORDER BY m.run_id, m.seq`, []any{conn.ID, minID}, func(rows *sql.Rows) error {
		var id int64
		var m Message
		if err := rows.Scan(&id, &m.Level, &m.Resource, &m.Text); err != nil {
			return err
		}
		if i, ok := idx[id]; ok {
			out[i].Messages = append(out[i].Messages, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read runs of %q: %w", conn.Name, err)
	}
	return out, nil
}

func (d *DB) scan(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
