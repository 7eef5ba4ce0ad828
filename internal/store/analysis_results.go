package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SaveAnalysisResults keeps the connection's latest analysis (an encoded
// blob the analysis package owns), replacing the previous one.
func (d *DB) SaveAnalysisResults(ctx context.Context, conn Connection, generation int64, settings string, data []byte) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO analysis_results (connection_id, generation, settings, analysed_at, data) VALUES (?,?,?,?,?)
		ON CONFLICT (connection_id) DO UPDATE SET generation = excluded.generation, settings = excluded.settings,
		analysed_at = excluded.analysed_at, data = excluded.data`, conn.ID, generation, settings, d.stamp(), data)
	if err != nil {
		return fmt.Errorf("save analysis of %q: %w", conn.Name, err)
	}
	return nil
}

// AnalysisResults returns the kept analysis when it was made for this
// generation and settings fingerprint; ok is false otherwise.
func (d *DB) AnalysisResults(ctx context.Context, conn Connection, generation int64, settings string) (data []byte, ok bool, err error) {
	err = d.db.QueryRowContext(ctx, `SELECT data FROM analysis_results WHERE connection_id = ? AND generation = ? AND settings = ?`,
		conn.ID, generation, settings).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read analysis of %q: %w", conn.Name, err)
	}
	return data, true, nil
}
