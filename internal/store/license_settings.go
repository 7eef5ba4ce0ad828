package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LicenseTerm is a licence term entered with `licenses terms set`: what the
// organisation pays for a SKU. Dates are YYYY-MM-DD ("" = unknown) and the
// cost is exact decimal text.
type LicenseTerm struct {
	SkuPartNumber    string
	EffectiveDate    string
	ExpirationDate   string
	CostPerUnit      string
	Currency         string
	PaymentFrequency string
	UpdatedAt        time.Time
}

// SetLicenseTerm stores (or replaces) the connection's term for a SKU.
func (d *DB) SetLicenseTerm(ctx context.Context, conn Connection, t LicenseTerm) error {
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO license_terms (connection_id, sku_part_number, effective_date, expiration_date, cost_per_unit, currency, payment_frequency, updated_at)
		VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (connection_id, sku_part_number) DO UPDATE SET effective_date = excluded.effective_date, expiration_date = excluded.expiration_date,
		cost_per_unit = excluded.cost_per_unit, currency = excluded.currency, payment_frequency = excluded.payment_frequency, updated_at = excluded.updated_at`,
		conn.ID, strings.ToUpper(t.SkuPartNumber), null(t.EffectiveDate), null(t.ExpirationDate), t.CostPerUnit, t.Currency, t.PaymentFrequency,
		d.stamp())
	if err != nil {
		return fmt.Errorf("store licence term for %s: %w", t.SkuPartNumber, err)
	}
	return nil
}

// DeleteLicenseTerm removes the connection's term for a SKU; it reports
// whether there was one.
func (d *DB) DeleteLicenseTerm(ctx context.Context, conn Connection, skuPartNumber string) (bool, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM license_terms WHERE connection_id = ? AND sku_part_number = ?`, conn.ID, strings.ToUpper(skuPartNumber))
	if err != nil {
		return false, fmt.Errorf("delete licence term for %s: %w", skuPartNumber, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// LicenseTerms returns the connection's stored terms by part number.
func (d *DB) LicenseTerms(ctx context.Context, conn Connection) ([]LicenseTerm, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT sku_part_number, effective_date, expiration_date, cost_per_unit, currency, payment_frequency, updated_at
		FROM license_terms WHERE connection_id = ? ORDER BY sku_part_number`, conn.ID)
	if err != nil {
		return nil, fmt.Errorf("read licence terms of %q: %w", conn.Name, err)
	}
	defer rows.Close()
	var out []LicenseTerm
	for rows.Next() {
		var t LicenseTerm
		var eff, exp sql.NullString
		var at string
		if err := rows.Scan(&t.SkuPartNumber, &eff, &exp, &t.CostPerUnit, &t.Currency, &t.PaymentFrequency, &at); err != nil {
			return nil, fmt.Errorf("read licence terms of %q: %w", conn.Name, err)
		}
		t.EffectiveDate, t.ExpirationDate = eff.String, exp.String
		t.UpdatedAt, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, t)
	}
	return out, rows.Err()
}

// SaveLicenseCatalog keeps a newer copy of Microsoft's licensing table (the
// raw file, already validated by the caller) for every connection.
func (d *DB) SaveLicenseCatalog(ctx context.Context, data []byte, sha256 string, products int) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO license_catalog (id, imported_at, sha256, products, data) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET imported_at = excluded.imported_at, sha256 = excluded.sha256, products = excluded.products, data = excluded.data`,
		d.stamp(), sha256, products, data)
	if err != nil {
		return fmt.Errorf("store licence catalogue: %w", err)
	}
	return nil
}

// LicenseCatalog returns the imported catalogue file; ok is false when none
// was imported (the embedded one applies).
func (d *DB) LicenseCatalog(ctx context.Context) (data []byte, importedAt time.Time, ok bool, err error) {
	var at string
	err = d.db.QueryRowContext(ctx, `SELECT data, imported_at FROM license_catalog WHERE id = 1`).Scan(&data, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("read licence catalogue: %w", err)
	}
	importedAt, _ = time.Parse(time.RFC3339Nano, at)
	return data, importedAt, true, nil
}
