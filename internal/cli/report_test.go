package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/analysis"
	"github.com/tenantscope/tenantscope/internal/license"
	"github.com/tenantscope/tenantscope/internal/store"
)

// runAt runs tenantscope in-process with the clock at now.
func runAt(t *testing.T, now time.Time, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: func() time.Time { return now }})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// syncedSim is a small simulated tenant synced into a fresh database.
func syncedSim(t *testing.T) (*simulator, []string) {
	t.Helper()
	sim := startSim(t, func(p *graphsim.Profile) { p.Tier = graphsim.TierP2 })
	base := []string{"--config", sim.config, "--db", filepath.Join(t.TempDir(), "ts.db")}
	if r := runAt(t, sim.tenant.Now, append(base, "sync")...); r.code != ExitOK {
		t.Fatalf("sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	return sim, base
}

func TestReportLicensesMatchesTheTenant(t *testing.T) {
	sim, base := syncedSim(t)
	r := runAt(t, sim.tenant.Now, append(base, "report", "licenses", "-o", "json")...)
	if r.code != ExitOK {
		t.Fatalf("report licenses: %d %s", r.code, r.stderr)
	}
	var rows []struct {
		SkuID            string   `json:"skuId"`
		SkuPartNumber    string   `json:"skuPartNumber"`
		Enabled          int      `json:"enabled"`
		Suspended        int      `json:"suspended"`
		Warning          int      `json:"warning"`
		ConsumedUnits    int      `json:"consumedUnits"`
		Available        int      `json:"available"`
		AssignedDirect   int      `json:"assignedDirect"`
		AssignedByGroup  int      `json:"assignedByGroup"`
		AssigningGroups  []string `json:"assigningGroups"`
		PriceIsDefault   bool     `json:"priceIsDefault"`
		AnnualSpendField *string  `json:"annualSpend"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	skus := sim.tenant.SubscribedSKUs
	if len(rows) != len(skus) {
		t.Fatalf("%d SKUs reported, tenant has %d", len(rows), len(skus))
	}
	prices, err := license.EmbeddedListPrices()
	if err != nil {
		t.Fatal(err)
	}
	listPrice := map[string]license.Money{}
	for _, p := range prices {
		listPrice[p.SkuPartNumber] = license.MustMoney(p.USDPerUserMonth)
	}
	assignedByGroups := 0
	for _, row := range rows {
		var want *graphsim.SubscribedSKU
		for _, s := range skus {
			if strings.EqualFold(s.SkuID, row.SkuID) {
				want = s
			}
		}
		if want == nil {
			t.Fatalf("reported SKU %s is not the tenant's", row.SkuID)
		}
		consumed := sim.tenant.ConsumedUnits(want.SkuID)
		if row.SkuPartNumber != want.SkuPartNumber || row.Enabled != want.Enabled || row.Suspended != want.Suspended ||
			row.Warning != want.Warning || row.ConsumedUnits != consumed || row.Available != max(want.Enabled-consumed, 0) {
			t.Errorf("%s: reported %+v; tenant enabled %d suspended %d warning %d consumed %d", want.SkuPartNumber, row, want.Enabled, want.Suspended, want.Warning, consumed)
		}
		// Direct and group holders, counted from the ground truth.
		direct, group := 0, 0
		for _, u := range sim.tenant.Users {
			d, g := false, false
			for _, s := range u.LicenseAssignmentStates {
				if strings.EqualFold(s.SkuID, want.SkuID) {
					d = d || s.AssignedByGroup == ""
					g = g || s.AssignedByGroup != ""
				}
			}
			if d {
				direct++
			}
			if g {
				group++
			}
		}
		if row.AssignedDirect != direct || row.AssignedByGroup != group {
			t.Errorf("%s: direct %d group %d, tenant %d %d", want.SkuPartNumber, row.AssignedDirect, row.AssignedByGroup, direct, group)
		}
		// Which groups assign it, by name.
		var names []string
		seen := map[string]bool{}
		for _, u := range sim.tenant.Users {
			for _, st := range u.LicenseAssignmentStates {
				if g := sim.tenant.GroupByID(st.AssignedByGroup); g != nil && strings.EqualFold(st.SkuID, want.SkuID) && !seen[g.ID] {
					seen[g.ID] = true
					names = append(names, g.DisplayName)
				}
			}
		}
		sort.Strings(names)
		if strings.Join(row.AssigningGroups, "|") != strings.Join(names, "|") {
			t.Errorf("%s: assigning groups %q, tenant %q", want.SkuPartNumber, row.AssigningGroups, names)
		}
		if group > 0 {
			assignedByGroups++
		}
		// Spend: purchased units × 12 × the list price, exactly.
		if p, ok := listPrice[want.SkuPartNumber]; ok {
			spend := p.Mul(12).Mul(int64(want.Enabled)).String()
			if row.AnnualSpendField == nil || *row.AnnualSpendField != spend || !row.PriceIsDefault {
				t.Errorf("%s: annual spend %v, want %s from the list price", want.SkuPartNumber, row.AnnualSpendField, spend)
			}
		} else if row.AnnualSpendField != nil {
			t.Errorf("%s: spend %s without any price", want.SkuPartNumber, *row.AnnualSpendField)
		}
	}
	if assignedByGroups == 0 {
		t.Fatal("no SKU is assigned through a group in this tenant: the assigning groups were not checked")
	}
}

func TestReportFiltersFormatsAndTerms(t *testing.T) {
	sim, base := syncedSim(t)
	now := sim.tenant.Now

	// A licence term replaces the list price and is not marked default.
	b, err := os.ReadFile(sim.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), "      ca_file:", "      license_terms:\n        - sku: SPE_E3\n          cost_per_unit: \"30.10\"\n          currency: EUR\n          payment_frequency: monthly\n          expiration_date: \"2026-12-01\"\n      ca_file:", 1)
	if err := os.WriteFile(sim.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runAt(t, now, append(base, "report", "spend", "--sku", "SPE_E3", "-o", "csv")...)
	if r.code != ExitOK {
		t.Fatalf("spend: %d %s", r.code, r.stderr)
	}
	var e3 *graphsim.SubscribedSKU
	for _, s := range sim.tenant.SubscribedSKUs {
		if s.SkuPartNumber == "SPE_E3" {
			e3 = s
		}
	}
	if e3 == nil {
		t.Skip("this tenant has no SPE_E3")
	}
	annual := license.MustMoney("30.10").Mul(12).Mul(int64(e3.Enabled)).String()
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "SPE_E3,") || !strings.Contains(lines[1], ","+annual+",") ||
		!strings.Contains(lines[1], ",EUR,false,2026-12-01,licence term") || !strings.HasPrefix(lines[2], "TOTAL,") {
		t.Fatalf("spend csv:\n%s\nwant SPE_E3 annual %s EUR", r.stdout, annual)
	}

	// Unknown SKU filter: a usage error naming the flag.
	if r := runAt(t, now, append(base, "report", "licenses", "--sku", "NOPE")...); r.code != ExitConfig || !strings.Contains(r.stderr, "--sku") {
		t.Fatalf("bad --sku: %d %s", r.code, r.stderr)
	}

	// xlsx: a real workbook with a row per user of the roster.
	file := filepath.Join(t.TempDir(), "roster.xlsx")
	if r := runAt(t, now, append(base, "report", "roster", "-o", "xlsx", "--file", file)...); r.code != ExitOK {
		t.Fatalf("roster xlsx: %d %s", r.code, r.stderr)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("Roster")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(sim.tenant.Users)+1 || rows[0][0] != "userPrincipalName" {
		t.Fatalf("roster has %d rows for %d users; header %v", len(rows), len(sim.tenant.Users), rows[0])
	}
}

func TestReportHistoryKeepsEveryRun(t *testing.T) {
	sim, base := syncedSim(t)
	now := sim.tenant.Now

	// Reclaim one directly assigned licence in the tenant, then sync again.
	var userID, skuID string
	sim.tenant.Snapshot(func(tn *graphsim.Tenant) {
		for _, u := range tn.Users {
			for _, s := range u.LicenseAssignmentStates {
				if s.AssignedByGroup == "" && userID == "" {
					userID, skuID = u.ID, s.SkuID
				}
			}
		}
	})
	before := sim.tenant.ConsumedUnits(skuID)
	if _, err := sim.tenant.AssignLicense(userID, nil, []string{skuID}); err != nil {
		t.Fatal(err)
	}
	after := sim.tenant.ConsumedUnits(skuID)
	if after != before-1 {
		t.Fatalf("consumed %d -> %d", before, after)
	}
	if r := runAt(t, now, append(base, "sync")...); r.code != ExitOK {
		t.Fatalf("second sync: %d %s", r.code, r.stderr)
	}

	r := runAt(t, now, append(base, "report", "history", "--sku", skuID, "-o", "json")...)
	if r.code != ExitOK {
		t.Fatalf("history: %d %s", r.code, r.stderr)
	}
	var rows []struct {
		Generation    int64 `json:"generation"`
		ConsumedUnits int   `json:"consumedUnits"`
		Available     int   `json:"available"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if len(rows) != 2 || rows[0].Generation >= rows[1].Generation || rows[0].ConsumedUnits != before || rows[1].ConsumedUnits != after ||
		rows[1].Available != rows[0].Available+1 {
		t.Fatalf("history of %s: %+v; consumed %d then %d", skuID, rows, before, after)
	}

	r = runAt(t, now, append(base, "report", "history", "--findings", "-o", "csv")...)
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "generation,analysedAt,kind,findings,seats,annualSavings,currency\n") || !strings.Contains(r.stdout, "unassigned-seats") {
		t.Fatalf("findings history: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestKeptAnalysisGivesTheSameReports compares the summary reports written
// from the analysis the sync kept with the same reports computed from the
// whole copy.
func TestKeptAnalysisGivesTheSameReports(t *testing.T) {
	sim, base := syncedSim(t)
	a := newApp(Env{Getenv: func(string) string { return "" }, Now: func() time.Time { return sim.tenant.Now }})
	a.ConfigPath, a.DBPath = base[1], base[3]
	ctx := context.Background()
	render := func(summary bool) map[string]string {
		out := map[string]string{}
		for name, write := range map[string]func(context.Context, *App, *reportData, reportFlags, io.Writer, Format) error{
			"licenses": writeLicensesReport, "spend": writeSpendReport, "recommendations": writeRecommendationsReport, "inactive": writeInactiveReport,
		} {
			d, err := a.loadReportData(ctx, summary)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := write(ctx, a, d, reportFlags{}, &b, JSON); err != nil {
				t.Fatal(err)
			}
			d.db.Close()
			out[name] = b.String()
		}
		return out
	}
	// The sync kept the analysis for today's settings.
	db, conn, err := a.openSynced(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := a.analysisOptions(ctx, db, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.AnalysisResults(ctx, conn, conn.Generation, analysis.Fingerprint(opts)); err != nil || !ok {
		t.Fatalf("the sync kept no analysis: %v", err)
	}
	db.Close()
	kept, full := render(true), render(false)
	for name := range full {
		if kept[name] != full[name] {
			t.Errorf("%s from the kept analysis differs from the full one:\nkept %.400s\nfull %.400s", name, kept[name], full[name])
		}
		if len(full[name]) < 10 {
			t.Errorf("%s is empty: %q", name, full[name])
		}
	}
}

// TestKeptRowsGiveTheSameReports: activity and roster written from the rows
// the sync kept are byte for byte what the whole-tenant path writes, in
// every format and under every filter, with deactivation dates from a
// history of several runs.
func TestKeptRowsGiveTheSameReports(t *testing.T) {
	sim, base := syncedSim(t)
	now := sim.tenant.Now
	ctx := context.Background()

	// History: two users disabled in the second run; a third disabled,
	// enabled again and disabled again, so only its last stretch counts.
	var enabled []string
	var department, domain, sku string
	sim.tenant.Snapshot(func(tn *graphsim.Tenant) {
		for _, u := range tn.Users {
			if u.AccountEnabled && len(u.AssignedLicenses) > 0 && len(enabled) < 3 {
				enabled = append(enabled, u.ID)
			}
			if department == "" && u.Department != "" {
				department = strings.ToUpper(u.Department) // the filter ignores case
			}
			if domain == "" && len(u.AssignedLicenses) > 0 {
				domain = u.UserPrincipalName[strings.LastIndexByte(u.UserPrincipalName, '@')+1:]
				for _, s := range tn.SubscribedSKUs {
					if strings.EqualFold(s.SkuID, u.AssignedLicenses[0].SkuID) {
						sku = strings.ToLower(s.SkuPartNumber)
					}
				}
			}
		}
	})
	if len(enabled) < 3 || department == "" || domain == "" || sku == "" {
		t.Fatalf("the tenant lacks users to test with: %v %q %q %q", enabled, department, domain, sku)
	}
	// Two Copilot holders, so the Copilot column carries values: the report
	// lists them (never used: the licence is new).
	var copilotSKU string
	sim.tenant.Snapshot(func(tn *graphsim.Tenant) {
		for _, s := range tn.SubscribedSKUs {
			if s.SkuPartNumber == "Microsoft_365_Copilot" {
				copilotSKU = s.SkuID
			}
		}
	})
	for _, id := range enabled[1:3] {
		if _, err := sim.tenant.AssignLicense(id, []graphsim.AssignedLicense{{SkuID: copilotSKU}}, nil); err != nil {
			t.Fatalf("assign Copilot: %v", err)
		}
	}
	syncOnce := func() {
		t.Helper()
		if r := runAt(t, now, append(base, "sync", "--full")...); r.code != ExitOK {
			t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
		}
	}
	for _, step := range [][]struct {
		id int
		on bool
	}{{{0, false}, {1, false}, {2, false}}, {{2, true}}, {{2, false}}} {
		for _, s := range step {
			if err := sim.tenant.SetAccountEnabled(enabled[s.id], s.on); err != nil {
				t.Fatal(err)
			}
		}
		syncOnce()
	}

	a := newApp(Env{Getenv: func(string) string { return "" }, Now: func() time.Time { return now }})
	a.ConfigPath, a.DBPath = base[1], base[3]
	db, conn, err := a.openSynced(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// One pass over the history gives what the per-user walk gives.
	since, err := db.DeactivatedSince(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	users, err := db.Users(ctx, conn, store.UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	disabled, dated := 0, 0
	for _, u := range users {
		if u.AccountEnabled {
			if _, ok := since[u.ID]; ok {
				t.Errorf("enabled user %s has a deactivation date", u.UserPrincipalName)
			}
			continue
		}
		disabled++
		want, err := deactivatedSince(ctx, db, conn, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := since[u.ID]
		if !ok || !got.Equal(want) {
			t.Errorf("%s: deactivated since %v (listed %v), history says %v", u.UserPrincipalName, got, ok, want)
		}
		if !want.IsZero() {
			dated++
		}
	}
	if dated != 3 || disabled <= 3 {
		t.Fatalf("%d disabled users, %d with a known deactivation date; want more than 3 and exactly 3", disabled, dated)
	}
	rs, ok, err := analysis.LoadRows(ctx, db, conn)
	if err != nil || !ok {
		t.Fatalf("the sync kept no report rows: %v", err)
	}

	render := func(report string, format string, filters []string) string {
		t.Helper()
		args := append(append([]string{}, base...), "report", report, "-o", format)
		if format == "xlsx" {
			file := filepath.Join(t.TempDir(), report+".xlsx")
			args = append(args, "--file", file)
			defer os.Remove(file)
			if r := runAt(t, now, append(args, filters...)...); r.code != ExitOK {
				t.Fatalf("%v: exit %d %s", args, r.code, r.stderr)
			}
			f, err := excelize.OpenFile(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows(f.GetSheetName(0))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(rows)
			return string(b)
		}
		r := runAt(t, now, append(args, filters...)...)
		if r.code != ExitOK {
			t.Fatalf("%v %v: exit %d %s", args, filters, r.code, r.stderr)
		}
		return r.stdout
	}
	filterSets := [][]string{nil, {"--sku", sku}, {"--domain", "@" + domain}, {"--department", department},
		{"--sku", sku, "--domain", domain, "--department", department}}
	type key struct{ report, format, filters string }
	outputs := func() map[key]string {
		out := map[key]string{}
		for _, report := range []string{"activity", "roster"} {
			sets := filterSets
			if report == "activity" { // --service is the activity report's
				sets = append(sets[:len(sets):len(sets)], []string{"--service", "teams"}, []string{"--service", "apps", "--domain", domain})
			}
			for _, format := range []string{"json", "csv", "table", "xlsx"} {
				for _, fs := range sets {
					out[key{report, format, strings.Join(fs, " ")}] = render(report, format, fs)
				}
			}
		}
		return out
	}
	kept := outputs()
	for _, report := range []string{"activity", "roster"} {
		if out := kept[key{report, "csv", ""}]; strings.Count(out, ",never,") != 2 {
			t.Errorf("%s: the two Copilot holders do not show \"never\":\n%.600s", report, out)
		}
	}

	// The kept rows are what was written: a marked row shows up.
	marked := *rs
	marked.Rows = append([]analysis.UserRow{}, rs.Rows...)
	marked.Rows[0].GivenName = "Kept-Row-Marker"
	if err := analysis.KeepRows(ctx, db, conn, &marked); err != nil {
		t.Fatal(err)
	}
	if out := render("roster", "json", nil); !strings.Contains(out, "Kept-Row-Marker") {
		t.Fatal("roster was not written from the kept rows")
	}
	// Without kept rows the reports take the whole-tenant path.
	if err := db.SaveReportRows(ctx, conn, conn.Generation, "an older format", []byte("x")); err != nil {
		t.Fatal(err)
	}
	full := outputs()
	for k, want := range full {
		if len(want) < 200 && k.filters == "" {
			t.Errorf("%v is nearly empty: %q", k, want)
		}
		if got := kept[k]; got != want {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("%v from kept rows differs from the whole-tenant path at byte %d:\nkept %.300q\nfull %.300q", k, i, got[max(0, i-100):], want[max(0, i-100):])
		}
	}
	// The filters filter: each narrows the unfiltered JSON.
	for _, fs := range filterSets[1:] {
		k := key{"activity", "json", strings.Join(fs, " ")}
		if len(full[k]) >= len(full[key{"activity", "json", ""}]) || len(full[k]) < 10 {
			t.Errorf("%v: %d bytes of %d unfiltered", k, len(full[k]), len(full[key{"activity", "json", ""}]))
		}
	}
}

// deactivatedSince walks one user's history, as the roster did before
// store.DeactivatedSince: when the local history first saw the account
// disabled in its current stretch of being disabled: the Since of the
// earliest version of the trailing run of disabled versions. It is zero when
// the account was already disabled at the first sync (the date is unknown).
func deactivatedSince(ctx context.Context, db *store.DB, conn store.Connection, id string) (time.Time, error) {
	hist, err := db.UserHistory(ctx, conn, id)
	if err != nil {
		return time.Time{}, err
	}
	since := time.Time{}
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].AccountEnabled {
			break
		}
		if i == 0 {
			return time.Time{}, nil // disabled since before the first sync
		}
		since = hist[i].Since
	}
	return since, nil
}
