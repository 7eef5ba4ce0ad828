package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SubscribedSKU is one of the tenant's subscribedSkus with its seat counts.
type SubscribedSKU struct {
	SkuID            string
	SkuPartNumber    string
	CapabilityStatus string
	AppliesTo        string
	ConsumedUnits    int
	Enabled          int // prepaidUnits.enabled
	Suspended        int
	Warning          int
	LockedOut        int
	ServicePlans     []ServicePlan
	Raw              json.RawMessage
	// Generation is the generation the row was read at.
	Generation int64
}

// ServicePlan is one service plan of a SKU.
type ServicePlan struct {
	ServicePlanID      string
	ServicePlanName    string
	ProvisioningStatus string
	AppliesTo          string
}

// PutSubscribedSKU writes a SKU and replaces its service plans.
func (b *Batch) PutSubscribedSKU(s *SubscribedSKU) {
	sku := strings.ToLower(s.SkuID)
	b.put(tSubscribedSKUs, []any{sku}, []any{
		s.SkuPartNumber, s.CapabilityStatus, s.AppliesTo, int64(s.ConsumedUnits),
		int64(s.Enabled), int64(s.Suspended), int64(s.Warning), int64(s.LockedOut),
	}, s.Raw)
	for _, p := range s.ServicePlans {
		b.put(tSkuServicePlans, []any{sku, strings.ToLower(p.ServicePlanID)}, []any{p.ServicePlanName, p.ProvisioningStatus, p.AppliesTo}, nil)
	}
	b.sweepChildren(tSkuServicePlans, sku)
}

// SubscribedSKUs returns the current SKUs, by part number, with their plans.
func (d *DB) SubscribedSKUs(ctx context.Context, conn Connection) ([]SubscribedSKU, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	return d.skusAt(ctx, conn, g)
}

// SubscribedSKUsAt returns the SKUs as the last run that succeeded at or
// before t recorded them: "how many seats were used on date X". It returns
// nil when no run had succeeded by then.
func (d *DB) SubscribedSKUsAt(ctx context.Context, conn Connection, at time.Time) ([]SubscribedSKU, error) {
	var g sql.NullInt64
	err := d.db.QueryRowContext(ctx, `SELECT MAX(generation) FROM sync_runs WHERE connection_id = ? AND status = 'succeeded' AND finished_at <= ?`,
		conn.ID, at.UTC().Format(time.RFC3339Nano)).Scan(&g)
	if err != nil {
		return nil, fmt.Errorf("find generation of %q at %s: %w", conn.Name, at.Format(time.RFC3339), err)
	}
	if !g.Valid {
		return nil, nil
	}
	return d.skusAt(ctx, conn, g.Int64)
}

func (d *DB) skusAt(ctx context.Context, conn Connection, g int64) ([]SubscribedSKU, error) {
	var out []SubscribedSKU
	idx := map[string]int{}
	err := d.selectAt(ctx, conn, g, "subscribed SKUs", "s", `SELECT s.sku_id, s.sku_part_number, s.capability_status, s.applies_to, s.consumed_units,
		s.prepaid_enabled, s.prepaid_suspended, s.prepaid_warning, s.prepaid_locked_out, s.raw
		FROM subscribed_skus s WHERE s.connection_id = ? AND {cur} ORDER BY s.sku_part_number, s.sku_id`, nil, func(rows *sql.Rows) error {
		var s SubscribedSKU
		var raw sql.NullString
		if err := rows.Scan(&s.SkuID, &s.SkuPartNumber, &s.CapabilityStatus, &s.AppliesTo, &s.ConsumedUnits,
			&s.Enabled, &s.Suspended, &s.Warning, &s.LockedOut, &raw); err != nil {
			return err
		}
		s.Raw = rawOf(raw)
		s.Generation = g
		idx[s.SkuID] = len(out)
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = d.selectAt(ctx, conn, g, "service plans", "p", `SELECT p.sku_id, p.service_plan_id, p.service_plan_name, p.provisioning_status, p.applies_to
		FROM sku_service_plans p WHERE p.connection_id = ? AND {cur} ORDER BY p.sku_id, p.service_plan_name, p.service_plan_id`, nil, func(rows *sql.Rows) error {
		var sku string
		var p ServicePlan
		if err := rows.Scan(&sku, &p.ServicePlanID, &p.ServicePlanName, &p.ProvisioningStatus, &p.AppliesTo); err != nil {
			return err
		}
		if i, ok := idx[sku]; ok {
			out[i].ServicePlans = append(out[i].ServicePlans, p)
		}
		return nil
	})
	return out, err
}

// CompanySubscription is one of /directory/subscriptions (renewal dates).
type CompanySubscription struct {
	ID                     string
	CommerceSubscriptionID string
	SkuID                  string
	SkuPartNumber          string
	Status                 string
	IsTrial                bool
	TotalLicenses          int
	CreatedDateTime        time.Time
	NextLifecycleDateTime  time.Time
	Raw                    json.RawMessage
}

// PutCompanySubscription writes a commerce subscription.
func (b *Batch) PutCompanySubscription(s *CompanySubscription) {
	b.put(tCompanySubscriptions, []any{s.ID}, []any{
		s.CommerceSubscriptionID, strings.ToLower(s.SkuID), s.SkuPartNumber, s.Status, s.IsTrial, int64(s.TotalLicenses),
		timeCol(s.CreatedDateTime), timeCol(s.NextLifecycleDateTime),
	}, s.Raw)
}

// CompanySubscriptions returns the current subscriptions by renewal date.
func (d *DB) CompanySubscriptions(ctx context.Context, conn Connection) ([]CompanySubscription, error) {
	var out []CompanySubscription
	err := d.selectCurrent(ctx, conn, "company subscriptions", "c", `SELECT c.id, c.commerce_subscription_id, c.sku_id, c.sku_part_number, c.status,
		c.is_trial, c.total_licenses, c.created_at, c.next_lifecycle_at, c.raw
		FROM company_subscriptions c WHERE c.connection_id = ? AND {cur} ORDER BY c.next_lifecycle_at, c.id`, nil, func(rows *sql.Rows) error {
		var s CompanySubscription
		var created, next *string
		var raw sql.NullString
		if err := rows.Scan(&s.ID, &s.CommerceSubscriptionID, &s.SkuID, &s.SkuPartNumber, &s.Status, &s.IsTrial, &s.TotalLicenses,
			&created, &next, &raw); err != nil {
			return err
		}
		s.CreatedDateTime, s.NextLifecycleDateTime = parseTimeCol(created), parseTimeCol(next)
		s.Raw = rawOf(raw)
		out = append(out, s)
		return nil
	})
	return out, err
}
