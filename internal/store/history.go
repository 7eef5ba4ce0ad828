package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LicenseSnapshot is one SKU as the licence analysis of one generation saw
// it. Money is exact decimal text, "" when no price was known.
type LicenseSnapshot struct {
	Generation    int64
	AnalysedAt    time.Time
	SkuID         string
	SkuPartNumber string
	Enabled       int
	Consumed      int
	Available     int
	ActiveUsers   int
	InactiveUsers int
	UnknownUsers  int
	AnnualSpend   string
	Currency      string
	PriceDefault  bool
}

// FindingSnapshot counts one kind of finding in one generation's analysis,
// per currency of its savings.
type FindingSnapshot struct {
	Generation    int64
	AnalysedAt    time.Time
	Kind          string
	Currency      string
	Findings      int
	Seats         int
	AnnualSavings string
}

// SaveLicenseHistory replaces the analysis history of one generation.
func (d *DB) SaveLicenseHistory(ctx context.Context, conn Connection, generation int64, at time.Time, skus []LicenseSnapshot, findings []FindingSnapshot) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save licence history of %q: %w", conn.Name, err)
	}
	defer tx.Rollback()
	stamp := at.UTC().Format(time.RFC3339Nano)
	for _, q := range []string{`DELETE FROM license_history WHERE connection_id = ? AND generation = ?`, `DELETE FROM finding_history WHERE connection_id = ? AND generation = ?`} {
		if _, err := tx.ExecContext(ctx, q, conn.ID, generation); err != nil {
			return fmt.Errorf("save licence history of %q: %w", conn.Name, err)
		}
	}
	for _, s := range skus {
		var spend any
		if s.AnnualSpend != "" {
			spend = s.AnnualSpend
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO license_history (connection_id, generation, analysed_at, sku_id, sku_part_number, enabled, consumed, available,
			active_users, inactive_users, unknown_users, annual_spend, currency, price_default) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			conn.ID, generation, stamp, s.SkuID, s.SkuPartNumber, s.Enabled, s.Consumed, s.Available, s.ActiveUsers, s.InactiveUsers, s.UnknownUsers,
			spend, s.Currency, s.PriceDefault); err != nil {
			return fmt.Errorf("save licence history of %q: %s: %w", conn.Name, s.SkuPartNumber, err)
		}
	}
	for _, f := range findings {
		if _, err := tx.ExecContext(ctx, `INSERT INTO finding_history (connection_id, generation, analysed_at, kind, currency, findings, seats, annual_savings)
			VALUES (?,?,?,?,?,?,?,?)`, conn.ID, generation, stamp, f.Kind, f.Currency, f.Findings, f.Seats, f.AnnualSavings); err != nil {
			return fmt.Errorf("save licence history of %q: %s: %w", conn.Name, f.Kind, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save licence history of %q: %w", conn.Name, err)
	}
	return nil
}

// LicenseHistory returns every analysed generation's SKUs, oldest first.
func (d *DB) LicenseHistory(ctx context.Context, conn Connection) ([]LicenseSnapshot, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT generation, analysed_at, sku_id, sku_part_number, enabled, consumed, available,
		active_users, inactive_users, unknown_users, annual_spend, currency, price_default
		FROM license_history WHERE connection_id = ? ORDER BY generation, sku_part_number`, conn.ID)
	if err != nil {
		return nil, fmt.Errorf("read licence history of %q: %w", conn.Name, err)
	}
	defer rows.Close()
	var out []LicenseSnapshot
	for rows.Next() {
		var s LicenseSnapshot
		var at string
		var spend sql.NullString
		if err := rows.Scan(&s.Generation, &at, &s.SkuID, &s.SkuPartNumber, &s.Enabled, &s.Consumed, &s.Available,
			&s.ActiveUsers, &s.InactiveUsers, &s.UnknownUsers, &spend, &s.Currency, &s.PriceDefault); err != nil {
			return nil, fmt.Errorf("read licence history of %q: %w", conn.Name, err)
		}
		s.AnalysedAt, _ = time.Parse(time.RFC3339Nano, at)
		s.AnnualSpend = spend.String
		out = append(out, s)
	}
	return out, rows.Err()
}

// FindingHistory returns every analysed generation's finding counts,
// oldest first.
func (d *DB) FindingHistory(ctx context.Context, conn Connection) ([]FindingSnapshot, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT generation, analysed_at, kind, currency, findings, seats, annual_savings
		FROM finding_history WHERE connection_id = ? ORDER BY generation, kind, currency`, conn.ID)
	if err != nil {
		return nil, fmt.Errorf("read finding history of %q: %w", conn.Name, err)
	}
	defer rows.Close()
	var out []FindingSnapshot
	for rows.Next() {
		var f FindingSnapshot
		var at string
		if err := rows.Scan(&f.Generation, &at, &f.Kind, &f.Currency, &f.Findings, &f.Seats, &f.AnnualSavings); err != nil {
			return nil, fmt.Errorf("read finding history of %q: %w", conn.Name, err)
		}
		f.AnalysedAt, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, f)
	}
	return out, rows.Err()
}
