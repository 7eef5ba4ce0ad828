package analysis

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/tenantscope/tenantscope/internal/license"
	"github.com/tenantscope/tenantscope/internal/store"
)

// HistoryStore is where Record keeps each generation's analysis.
type HistoryStore interface {
	Reader
	SaveLicenseHistory(ctx context.Context, conn store.Connection, generation int64, at time.Time, skus []store.LicenseSnapshot, findings []store.FindingSnapshot) error
	SaveAnalysisResults(ctx context.Context, conn store.Connection, generation int64, settings string, data []byte) error
	RowsStore
	DeactivatedSince(ctx context.Context, conn store.Connection) (map[string]time.Time, error)
}

// Record analyses the connection's current generation and keeps its licence
// counts and findings per kind beside it, so trends can be shown, with the
// summary reports' part of the analysis and the per-user rows of the
// activity and roster reports. The sync command calls it after every
// committed run.
func Record(ctx context.Context, st HistoryStore, conn store.Connection, o Options) (*license.Analysis, error) {
	in, users, err := load(ctx, st, conn, o)
	if err != nil {
		return nil, err
	}
	a, err := license.Analyze(in)
	if err != nil {
		return nil, err
	}
	skus, findings := Snapshots(a)
	if err := st.SaveLicenseHistory(ctx, conn, conn.Generation, in.Now, skus, findings); err != nil {
		return nil, err
	}
	if err := Keep(ctx, st, conn, o, a, in); err != nil {
		return nil, err
	}
	deactivated, err := st.DeactivatedSince(ctx, conn)
	if err != nil {
		return nil, err
	}
	rows, err := BuildRows(in, users, deactivated, a.Warnings)
	if err != nil {
		return nil, err
	}
	if err := KeepRows(ctx, st, conn, rows); err != nil {
		return nil, err
	}
	return a, nil
}

// Keep stores the summary reports' part of an analysis for reuse while the
// generation and the settings stay the same.
func Keep(ctx context.Context, st interface {
	SaveAnalysisResults(ctx context.Context, conn store.Connection, generation int64, settings string, data []byte) error
}, conn store.Connection, o Options, a *license.Analysis, in license.Input) error {
	data, err := Condense(a, in).Encode()
	if err != nil {
		return err
	}
	return st.SaveAnalysisResults(ctx, conn, conn.Generation, Fingerprint(o), data)
}

// Snapshots condenses an analysis into history rows: one per SKU, and one
// per finding kind and savings currency.
func Snapshots(a *license.Analysis) ([]store.LicenseSnapshot, []store.FindingSnapshot) {
	var skus []store.LicenseSnapshot
	for _, s := range a.SKUs {
		row := store.LicenseSnapshot{SkuID: s.SkuID, SkuPartNumber: s.SkuPartNumber, Enabled: s.Enabled, Consumed: s.Consumed,
			Available: s.Available, ActiveUsers: s.ActiveUsers, InactiveUsers: s.InactiveUsers, UnknownUsers: s.UnknownUsers}
		if s.PriceKnown {
			row.AnnualSpend, row.Currency, row.PriceDefault = s.AnnualSpend.String(), s.Price.Currency, s.Price.Default
		}
		skus = append(skus, row)
	}
	type key struct{ kind, currency string }
	agg := map[key]*store.FindingSnapshot{}
	savings := map[key]license.Money{}
	for _, f := range a.Findings {
		k := key{string(f.Kind), f.Currency}
		s := agg[k]
		if s == nil {
			s = &store.FindingSnapshot{Kind: k.kind, Currency: k.currency}
			agg[k] = s
		}
		s.Findings++
		s.Seats += f.Seats
		savings[k] = savings[k].Add(f.AnnualSavings)
	}
	findings := make([]store.FindingSnapshot, 0, len(agg))
	for k, s := range agg {
		s.AnnualSavings = savings[k].String()
		findings = append(findings, *s)
	}
	sort.Slice(findings, func(i, j int) bool {
		if findings[i].Kind != findings[j].Kind {
			return findings[i].Kind < findings[j].Kind
		}
		return findings[i].Currency < findings[j].Currency
	})
	return skus, findings
}

// ErrNoHistory is returned when no generation has been analysed yet.
var ErrNoHistory = fmt.Errorf("no licence history yet: it is recorded by every tenantscope sync")
