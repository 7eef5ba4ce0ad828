package analysis

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/tenantscope/tenantscope/internal/license"
)

// Results is the part of an analysis the summary reports (licenses, spend,
// recommendations, inactive) read: everything but the verdicts of active
// and excluded users, plus the few attributes the reports filter by for the
// users that findings and kept verdicts name. It is kept after each sync so
// those reports do not read the whole tenant.
type Results struct {
	Analysis license.Analysis
	Users    []license.User // ID, UPN, department, enabled, licences only
}

// Condense keeps what Results holds.
func Condense(a *license.Analysis, in license.Input) *Results {
	r := &Results{Analysis: *a}
	r.Analysis.Verdicts = nil
	named := map[string]bool{}
	for _, v := range a.Verdicts {
		if v.Verdict == license.Inactive || v.Verdict == license.Unknown {
			r.Analysis.Verdicts = append(r.Analysis.Verdicts, v)
			named[v.UserID] = true
		}
	}
	for _, f := range a.Findings {
		if f.UserID != "" {
			named[f.UserID] = true
		}
	}
	for _, u := range in.Users {
		if !named[u.ID] {
			continue
		}
		lu := license.User{ID: u.ID, UserPrincipalName: u.UserPrincipalName, Department: u.Department,
			AccountEnabled: u.AccountEnabled, UserType: u.UserType}
		for _, l := range u.Licenses {
			lu.Licenses = append(lu.Licenses, license.Assignment{SkuID: l.SkuID})
		}
		r.Users = append(r.Users, lu)
	}
	return r
}

// Encode serialises results for the store.
func (r *Results) Encode() ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(r); err != nil {
		return nil, fmt.Errorf("encode analysis results: %w", err)
	}
	return b.Bytes(), nil
}

// DecodeResults reads what Encode wrote.
func DecodeResults(data []byte) (*Results, error) {
	var r Results
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&r); err != nil {
		return nil, fmt.Errorf("decode analysis results: %w", err)
	}
	return &r, nil
}

// resultsFormat changes whenever Results or the analysis rules change
// meaning, so results kept by an older binary are recomputed.
const resultsFormat = "results-v3" // v2: evidence names the count reports; v3: Copilot seats of active users

// Fingerprint identifies the settings an analysis used: kept results are
// reused only when the fingerprint (and the generation) still match.
func Fingerprint(o Options) string {
	days, window := o.InactiveDays, o.RenewalWindowDays
	if days <= 0 {
		days = 90
	}
	if window <= 0 {
		window = 60
	}
	var b strings.Builder
	// The day is part of it: verdicts are relative to "now", so kept
	// results serve the day they were made on.
	fmt.Fprintf(&b, "%s|day=%s|days=%d|window=%d|catalog=%s|rules=%d", resultsFormat, o.Now.UTC().Format("2006-01-02"), days, window, o.CatalogVersion, len(o.Rules))
	terms := slices.Clone(o.Terms)
	slices.SortFunc(terms, func(x, y license.Term) int { return strings.Compare(x.SkuPartNumber, y.SkuPartNumber) })
	for _, t := range terms {
		fmt.Fprintf(&b, "|%s,%s,%s,%s,%s,%s", strings.ToUpper(t.SkuPartNumber), t.CostPerUnit, t.Currency, t.PaymentFrequency,
			t.EffectiveDate.Format("2006-01-02"), t.ExpirationDate.Format("2006-01-02"))
	}
	for _, r := range o.Rules {
		fmt.Fprintf(&b, "|%+v", r)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:12])
}
