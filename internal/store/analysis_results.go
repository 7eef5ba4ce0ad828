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
	return d.saveKept(ctx, keptAnalysis, conn, generation, settings, data)
}

// AnalysisResults returns the kept analysis when it was made for this
// generation and settings fingerprint; ok is false otherwise.
func (d *DB) AnalysisResults(ctx context.Context, conn Connection, generation int64, settings string) (data []byte, ok bool, err error) {
	return d.kept(ctx, keptAnalysis, conn, generation, settings)
}

// keptBlob is a table holding one blob per connection that the analysis
// package derives from a generation: valid only for that generation and
// the key (settings fingerprint, encoding format) it was made with.
type keptBlob struct {
	what, table, keyCol, atCol string
}

var (
	keptAnalysis   = keptBlob{what: "analysis", table: "analysis_results", keyCol: "settings", atCol: "analysed_at"}
	keptReportRows = keptBlob{what: "report rows", table: "report_rows", keyCol: "format", atCol: "kept_at"}
)

func (d *DB) saveKept(ctx context.Context, k keptBlob, conn Connection, generation int64, key string, data []byte) error {
	q := fmt.Sprintf(`INSERT INTO %[1]s (connection_id, generation, %[2]s, %[3]s, data) VALUES (?,?,?,?,?)
		ON CONFLICT (connection_id) DO UPDATE SET generation = excluded.generation, %[2]s = excluded.%[2]s,
		%[3]s = excluded.%[3]s, data = excluded.data`, k.table, k.keyCol, k.atCol)
	if _, err := d.db.ExecContext(ctx, q, conn.ID, generation, key, d.stamp(), data); err != nil {
		return fmt.Errorf("save %s of %q: %w", k.what, conn.Name, err)
	}
	return nil
}

func (d *DB) kept(ctx context.Context, k keptBlob, conn Connection, generation int64, key string) (data []byte, ok bool, err error) {
	q := fmt.Sprintf(`SELECT data FROM %s WHERE connection_id = ? AND generation = ? AND %s = ?`, k.table, k.keyCol)
	err = d.db.QueryRowContext(ctx, q, conn.ID, generation, key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s of %q: %w", k.what, conn.Name, err)
	}
	return data, true, nil
}
