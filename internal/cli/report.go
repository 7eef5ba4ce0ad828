package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/analysis"
	"github.com/tenantscope/tenantscope/internal/config"
	"github.com/tenantscope/tenantscope/internal/license"
	"github.com/tenantscope/tenantscope/internal/sheet"
	"github.com/tenantscope/tenantscope/internal/store"
)

// XLSX is the Excel output of reports (a real workbook, streamed).
const XLSX Format = "xlsx"

// reportFlags are the filters and output options every report takes.
type reportFlags struct {
	output     *string
	file       string
	sku        string
	domain     string
	department string
	service    string
	kind       string
	all        bool
}

func newReportCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Licence and usage reports from the local copy: licenses, inactive, recommendations, activity, spend, roster",
		Long: `Reports read the database written by 'tenantscope sync'; they never call Graph.

Every figure computed from a default list price (no licence term entered for
the SKU) is marked priceIsDefault; enter real terms in the configuration's
license_terms to replace them. A user is "inactive" only when usage reports
and sign-in activity are both available and both silent for inactive_days;
otherwise the verdict is "unknown".`,
	}
	for _, sub := range []struct {
		use, short string
		run        func(context.Context, *App, *reportData, reportFlags, io.Writer, Format) error
	}{
		{"licenses", "Licence information per SKU: purchased, assigned (directly and through groups), available, active, cost", writeLicensesReport},
		{"inactive", "Licensed users with no activity in any service and no successful sign-in for inactive_days (and unknown verdicts)", writeInactiveReport},
		{"recommendations", "Findings with evidence and annual savings: reclaim, remove overlaps, downgrade, reduce seats", writeRecommendationsReport},
		{"activity", "Last activity per service for each licensed user (Exchange, OneDrive, SharePoint, Skype for Business, Yammer, Teams, Microsoft 365 Apps), e-mail and Teams counts over the report period, Office activations", writeActivityReport},
		{"spend", "Annual spend per SKU, spend on unassigned seats and inactive users, savings, renewal dates", writeSpendReport},
		{"roster", "Every user with e-mail, names, active and deactivated dates and assigned licences", writeRosterReport},
	} {
		var rf reportFlags
		c := &cobra.Command{Use: sub.use, Short: sub.short, Args: cobra.NoArgs}
		rf.output = c.Flags().StringP("output", "o", "table", "output format: table, json, csv or xlsx")
		fl := c.Flags()
		fl.StringVar(&rf.file, "file", "", "write to this file instead of standard output (xlsx needs it on a terminal)")
		fl.StringVar(&rf.sku, "sku", "", "only this SKU (skuPartNumber or skuId)")
		fl.StringVar(&rf.domain, "domain", "", "only users whose UPN is in this domain")
		fl.StringVar(&rf.department, "department", "", "only users of this department")
		switch sub.use {
		case "activity":
			fl.StringVar(&rf.service, "service", "", "only users active in this service: exchange, onedrive, sharepoint, skype, yammer, teams, apps")
		case "recommendations":
			fl.StringVar(&rf.kind, "kind", "", "only findings of this kind (e.g. inactive-licensed-user, downgrade-candidate)")
		case "inactive":
			fl.BoolVar(&rf.all, "all", false, "also list active and excluded users with their verdicts")
		}
		run, sub := sub.run, sub
		c.RunE = func(cmd *cobra.Command, _ []string) error {
			f, err := parseReportFormat(*rf.output)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			// activity and roster stream the per-user rows the last sync
			// kept, when there are rows for the current generation.
			if sub.use == "activity" || sub.use == "roster" {
				if done, err := a.writeKeptRows(ctx, sub.use, rf, f); done || err != nil {
					return err
				}
			}
			// The summary reports can use the analysis kept by the last
			// sync; activity, roster (without kept rows) and inactive --all
			// need every user.
			summary := sub.use == "licenses" || sub.use == "spend" || sub.use == "recommendations" || (sub.use == "inactive" && !rf.all)
			data, err := a.loadReportData(ctx, summary)
			if err != nil {
				return err
			}
			defer data.db.Close()
			if err := data.applyFilters(rf); err != nil {
				return err
			}
			return a.writeReportTo(rf.file, f, func(w io.Writer) error { return run(ctx, a, data, rf, w, f) })
		}
		cmd.AddCommand(c)
	}
	cmd.AddCommand(newHistoryReportCommand(a))
	return cmd
}

// newHistoryReportCommand is `report history`: the licence counts (or, with
// --findings, the finding counts) of every analysed sync run, for trends.
func newHistoryReportCommand(a *App) *cobra.Command {
	var rf reportFlags
	var findings bool
	c := &cobra.Command{
		Use:   "history",
		Short: "Licence counts per SKU (or findings per kind) of every sync run, oldest first, for trends",
		Args:  cobra.NoArgs,
	}
	rf.output = c.Flags().StringP("output", "o", "table", "output format: table, json, csv or xlsx")
	c.Flags().StringVar(&rf.file, "file", "", "write to this file instead of standard output")
	c.Flags().StringVar(&rf.sku, "sku", "", "only this SKU (skuPartNumber or skuId)")
	c.Flags().BoolVar(&findings, "findings", false, "finding counts, seats and savings per kind instead of SKUs")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := parseReportFormat(*rf.output)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		db, conn, err := a.openSynced(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if findings {
			rows, err := db.FindingHistory(ctx, conn)
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				return ConfigError(analysis.ErrNoHistory)
			}
			cols := []Column[store.FindingSnapshot]{
				{Name: "generation", Header: "RUN", Value: func(r store.FindingSnapshot) any { return r.Generation }},
				{Name: "analysedAt", Header: "DATE", Value: func(r store.FindingSnapshot) any { return dateOrNil(r.AnalysedAt) }},
				{Name: "kind", Value: func(r store.FindingSnapshot) any { return r.Kind }},
				{Name: "findings", Value: func(r store.FindingSnapshot) any { return r.Findings }},
				{Name: "seats", Value: func(r store.FindingSnapshot) any { return r.Seats }},
				{Name: "annualSavings", Header: "SAVES/YEAR", Value: func(r store.FindingSnapshot) any { return r.AnnualSavings }},
				{Name: "currency", Value: func(r store.FindingSnapshot) any { return r.Currency }},
			}
			return a.writeReportTo(rf.file, f, func(w io.Writer) error { return writeReport(w, f, "Findings history", cols, rows) })
		}
		all, err := db.LicenseHistory(ctx, conn)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return ConfigError(analysis.ErrNoHistory)
		}
		var rows []store.LicenseSnapshot
		for _, s := range all {
			if rf.sku == "" || strings.EqualFold(rf.sku, s.SkuPartNumber) || strings.EqualFold(rf.sku, s.SkuID) {
				rows = append(rows, s)
			}
		}
		cols := []Column[store.LicenseSnapshot]{
			{Name: "generation", Header: "RUN", Value: func(r store.LicenseSnapshot) any { return r.Generation }},
			{Name: "analysedAt", Header: "DATE", Value: func(r store.LicenseSnapshot) any { return dateOrNil(r.AnalysedAt) }},
			{Name: "skuPartNumber", Header: "SKU", Value: func(r store.LicenseSnapshot) any { return r.SkuPartNumber }},
			{Name: "enabled", Header: "PURCHASED", Value: func(r store.LicenseSnapshot) any { return r.Enabled }},
			{Name: "consumedUnits", Header: "ASSIGNED", Value: func(r store.LicenseSnapshot) any { return r.Consumed }},
			{Name: "available", Value: func(r store.LicenseSnapshot) any { return r.Available }},
			{Name: "activeUsers", Header: "ACTIVE", Value: func(r store.LicenseSnapshot) any { return r.ActiveUsers }},
			{Name: "inactiveUsers", Header: "INACTIVE", Value: func(r store.LicenseSnapshot) any { return r.InactiveUsers }},
			{Name: "unknownUsers", Header: "UNKNOWN", Value: func(r store.LicenseSnapshot) any { return r.UnknownUsers }},
			{Name: "annualSpend", Header: "ANNUAL SPEND", Value: func(r store.LicenseSnapshot) any {
				if r.AnnualSpend == "" {
					return nil
				}
				return r.AnnualSpend
			}},
			{Name: "currency", Value: func(r store.LicenseSnapshot) any { return r.Currency }},
			{Name: "priceIsDefault", Header: "LIST PRICE", Value: func(r store.LicenseSnapshot) any { return r.PriceDefault }},
			{Name: "skuId", Value: func(r store.LicenseSnapshot) any { return r.SkuID }},
		}
		return a.writeReportTo(rf.file, f, func(w io.Writer) error { return writeReport(w, f, "Licence history", cols, rows) })
	}
	return c
}

func parseReportFormat(s string) (Format, error) {
	if strings.EqualFold(s, string(XLSX)) {
		return XLSX, nil
	}
	f, err := ParseFormat(s)
	if err != nil {
		return "", usageError{fmt.Errorf("-o %q: want table, json, csv or xlsx", s)}
	}
	return f, nil
}

// writeReportTo runs write on --file, or on standard output; a workbook is
// not written to a terminal. The file's close error is reported too.
func (a *App) writeReportTo(path string, f Format, write func(io.Writer) error) error {
	if path == "" {
		if file, ok := a.Stdout.(*os.File); ok && f == XLSX && isatty.IsTerminal(file.Fd()) {
			return usageError{fmt.Errorf("-o xlsx writes a binary workbook: add --file report.xlsx or redirect standard output")}
		}
		return write(a.Stdout)
	}
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	werr := write(file)
	if err := file.Close(); err != nil && werr == nil {
		werr = fmt.Errorf("report: write %s: %w", path, err)
	}
	return werr
}

// writeReport writes rows in any report format.
func writeReport[T any](w io.Writer, f Format, sheetName string, cols []Column[T], rows []T) error {
	if f != XLSX {
		return WriteSlice(w, f, cols, rows)
	}
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.Name
	}
	return sheet.Write(w, sheetName, headers, func(yield func([]any, error) bool) {
		for _, r := range rows {
			cells := make([]any, len(cols))
			for i, c := range cols {
				cells[i] = c.Value(r)
			}
			if !yield(cells, nil) {
				return
			}
		}
	})
}

// reportData is one analysis of the current copy plus what reports join it
// with.
type reportData struct {
	conn     store.Connection
	db       *store.DB
	in       license.Input
	an       *license.Analysis
	skuByID  map[string]license.SKU
	users    map[string]*license.User // by id
	keepUser func(*license.User) bool
	keepSKU  func(skuID string) bool
}

// loadReportData analyses the current copy. With summary, it first tries the
// results kept for this generation and settings (written by the last sync or
// an earlier report of the day), which spares reading the whole tenant.
func (a *App) loadReportData(ctx context.Context, summary bool) (*reportData, error) {
	db, conn, err := a.openSynced(ctx)
	if err != nil {
		return nil, err
	}
	var c *config.Connection
	if _, cc, err := a.LoadConfig(); err == nil && cc.Name == conn.Name {
		c = cc
	}
	opts, err := a.analysisOptions(ctx, db, conn, c)
	if err != nil {
		db.Close()
		return nil, err
	}
	fingerprint := analysis.Fingerprint(opts)
	if summary {
		kept, ok, err := db.AnalysisResults(ctx, conn, conn.Generation, fingerprint)
		if err != nil {
			db.Close()
			return nil, err
		}
		if ok {
			if r, err := analysis.DecodeResults(kept); err == nil {
				return a.reportDataOf(conn, db, license.Input{Users: r.Users}, &r.Analysis), nil
			}
			// An unreadable blob is recomputed below and replaced.
		}
	}
	in, err := analysis.Load(ctx, db, conn, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	an, err := license.Analyze(in)
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := analysis.Keep(ctx, db, conn, opts, an, in); err != nil {
		a.Log.Warn("analysis not kept for later reports", "err", err)
	}
	return a.reportDataOf(conn, db, in, an), nil
}

// reportDataOf indexes an analysis for the report writers. in.Users holds
// every user on the full path, and only the users the findings and kept
// verdicts name on the summary path.
func (a *App) reportDataOf(conn store.Connection, db *store.DB, in license.Input, an *license.Analysis) *reportData {
	if len(in.SKUs) == 0 {
		for _, s := range an.SKUs {
			in.SKUs = append(in.SKUs, s.SKU)
		}
	}
	d := &reportData{conn: conn, db: db, in: in, an: an, skuByID: map[string]license.SKU{}, users: map[string]*license.User{},
		keepUser: func(*license.User) bool { return true }, keepSKU: func(string) bool { return true }}
	for _, s := range in.SKUs {
		d.skuByID[s.SkuID] = s
	}
	for i := range d.in.Users {
		d.users[d.in.Users[i].ID] = &d.in.Users[i]
	}
	for _, w := range an.Warnings {
		a.Log.Warn(w)
	}
	return d
}

// licenseTerms converts the configuration's terms; a term may name its SKU
// by part number or by skuId.
func licenseTerms(ctx context.Context, db *store.DB, conn store.Connection, terms []config.LicenseTerm) ([]license.Term, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	skus, err := db.SubscribedSKUs(ctx, conn)
	if err != nil {
		return nil, err
	}
	var out []license.Term
	for i, t := range terms {
		part := t.SKU
		for _, s := range skus {
			if strings.EqualFold(s.SkuID, t.SKU) {
				part = s.SkuPartNumber
			}
		}
		cost, err := license.ParseMoney(t.CostPerUnit)
		if err != nil {
			return nil, fmt.Errorf("license_terms[%d].cost_per_unit: %w", i, err)
		}
		lt := license.Term{SkuPartNumber: part, CostPerUnit: cost, Currency: t.Currency, PaymentFrequency: license.PaymentFrequency(t.PaymentFrequency)}
		for _, d := range []struct {
			field string
			val   string
			to    *time.Time
		}{{"effective_date", t.EffectiveDate, &lt.EffectiveDate}, {"expiration_date", t.ExpirationDate, &lt.ExpirationDate}} {
			if d.val == "" {
				continue
			}
			v, err := time.Parse(time.DateOnly, d.val)
			if err != nil {
				return nil, fmt.Errorf("license_terms[%d].%s: %q is not a YYYY-MM-DD date", i, d.field, d.val)
			}
			*d.to = v
		}
		out = append(out, lt)
	}
	return out, nil
}

// resolveSKU finds --sku among the subscribed SKUs (part number or id,
// either case; the last match wins) and returns its id.
func resolveSKU(want string, skus []license.SKU) (string, error) {
	id := ""
	for _, s := range skus {
		if strings.EqualFold(s.SkuPartNumber, want) || strings.EqualFold(s.SkuID, want) {
			id = s.SkuID
		}
	}
	if id == "" {
		return "", usageError{fmt.Errorf("--sku %q: the tenant has no such subscribed SKU (see tenantscope report licenses)", want)}
	}
	return id, nil
}

// resolveService reads --service: ok is false when it is empty.
func resolveService(service string) (w license.Workload, ok bool, err error) {
	svc := strings.ToLower(service)
	if svc == "" {
		return 0, false, nil
	}
	w, ok = serviceFilter[svc]
	if !ok {
		return 0, false, usageError{fmt.Errorf("--service %q: want exchange, onedrive, sharepoint, skype, yammer, teams or apps", service)}
	}
	return w, true, nil
}

func (d *reportData) applyFilters(rf reportFlags) error {
	if rf.sku != "" {
		id, err := resolveSKU(rf.sku, d.in.SKUs)
		if err != nil {
			return err
		}
		d.keepSKU = func(s string) bool { return s == id }
	}
	domain := strings.ToLower(strings.TrimPrefix(rf.domain, "@"))
	w, byService, err := resolveService(rf.service)
	if err != nil {
		return err
	}
	d.keepUser = func(u *license.User) bool {
		if domain != "" && !strings.HasSuffix(strings.ToLower(u.UserPrincipalName), "@"+domain) {
			return false
		}
		if rf.department != "" && !strings.EqualFold(u.Department, rf.department) {
			return false
		}
		if byService && u.LastActivity[w].IsZero() {
			return false
		}
		if rf.sku != "" {
			held := false
			for _, l := range u.Licenses {
				held = held || d.keepSKU(l.SkuID)
			}
			return held
		}
		return true
	}
	return nil
}

var serviceFilter = map[string]license.Workload{
	"exchange": license.Exchange, "onedrive": license.OneDrive, "sharepoint": license.SharePoint,
	"skype": license.Skype, "yammer": license.Yammer, "teams": license.Teams, "apps": license.M365Apps,
}

func (d *reportData) skuParts(u *license.User) []string {
	var out []string
	for _, l := range u.Licenses {
		out = append(out, d.skuByID[l.SkuID].SkuPartNumber)
	}
	sort.Strings(out)
	return out
}

// licensedGroupNames maps the ids of the groups that assign licences to
// their display names (a few groups, even in a large tenant).
func (d *reportData) licensedGroupNames(ctx context.Context) (map[string]string, error) {
	licensed := true
	gs, err := d.db.Groups(ctx, d.conn, store.GroupQuery{Licensed: &licensed})
	if err != nil {
		return nil, fmt.Errorf("read licence-assigning groups: %w", err)
	}
	out := make(map[string]string, len(gs))
	for _, g := range gs {
		out[strings.ToLower(g.ID)] = g.DisplayName
	}
	return out, nil
}

func dateOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.DateOnly)
}

func moneyOrNil(known bool, m license.Money) any {
	if !known {
		return nil
	}
	return m
}

func writeLicensesReport(ctx context.Context, _ *App, d *reportData, _ reportFlags, w io.Writer, f Format) error {
	var rows []license.SKUSummary
	for _, s := range d.an.SKUs {
		if d.keepSKU(s.SkuID) {
			rows = append(rows, s)
		}
	}
	groupNames, err := d.licensedGroupNames(ctx)
	if err != nil {
		return err
	}
	// assigningGroups names the groups that assign the SKU (group-based
	// licensing), by display name, the id where a group is not stored.
	assigning := func(s license.SKUSummary) any {
		names := make([]string, 0, len(s.ViaGroups))
		for _, id := range s.ViaGroups {
			n := groupNames[strings.ToLower(id)]
			if n == "" {
				n = id
			}
			names = append(names, n)
		}
		sort.Strings(names)
		return names
	}
	cols := []Column[license.SKUSummary]{
		{Name: "skuPartNumber", Header: "SKU", Value: func(s license.SKUSummary) any { return s.SkuPartNumber }},
		{Name: "displayName", Header: "NAME", Value: func(s license.SKUSummary) any { return s.Name() }},
		{Name: "skuId", Value: func(s license.SKUSummary) any { return s.SkuID }},
		{Name: "capabilityStatus", Header: "STATUS", Value: func(s license.SKUSummary) any { return s.CapabilityStatus }},
		{Name: "enabled", Header: "PURCHASED", Value: func(s license.SKUSummary) any { return s.Enabled }},
		{Name: "suspended", Value: func(s license.SKUSummary) any { return s.Suspended }},
		{Name: "warning", Value: func(s license.SKUSummary) any { return s.Warning }},
		{Name: "consumedUnits", Header: "ASSIGNED", Value: func(s license.SKUSummary) any { return s.Consumed }},
		{Name: "available", Value: func(s license.SKUSummary) any { return s.Available }},
		{Name: "assignedDirect", Header: "DIRECT", Value: func(s license.SKUSummary) any { return s.AssignedDirect }},
		{Name: "assignedByGroup", Header: "VIA GROUP", Value: func(s license.SKUSummary) any { return s.AssignedGroup }},
		{Name: "groups", Value: func(s license.SKUSummary) any { return len(s.ViaGroups) }},
		{Name: "assigningGroups", Header: "ASSIGNING GROUPS", Value: assigning},
		{Name: "activeUsers", Header: "ACTIVE", Value: func(s license.SKUSummary) any { return s.ActiveUsers }},
		{Name: "inactiveUsers", Header: "INACTIVE", Value: func(s license.SKUSummary) any { return s.InactiveUsers }},
		{Name: "unknownUsers", Header: "UNKNOWN", Value: func(s license.SKUSummary) any { return s.UnknownUsers }},
		{Name: "annualSpend", Header: "ANNUAL SPEND", Value: func(s license.SKUSummary) any { return moneyOrNil(s.PriceKnown, s.AnnualSpend) }},
		{Name: "currency", Value: func(s license.SKUSummary) any { return s.Price.Currency }},
		{Name: "priceIsDefault", Header: "LIST PRICE", Value: func(s license.SKUSummary) any { return s.PriceKnown && s.Price.Default }},
		{Name: "renewalDate", Header: "RENEWAL", Value: func(s license.SKUSummary) any { return dateOrNil(s.Renewal) }},
	}
	return writeReport(w, f, "Licenses", cols, rows)
}

func writeInactiveReport(_ context.Context, _ *App, d *reportData, rf reportFlags, w io.Writer, f Format) error {
	var rows []license.UserVerdict
	for _, v := range d.an.Verdicts {
		u := d.users[v.UserID]
		if u == nil || !d.keepUser(u) {
			continue
		}
		if rf.all || v.Verdict == license.Inactive || v.Verdict == license.Unknown {
			rows = append(rows, v)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].UserPrincipalName < rows[j].UserPrincipalName })
	cols := []Column[license.UserVerdict]{
		{Name: "userPrincipalName", Header: "USER", Value: func(v license.UserVerdict) any { return v.UserPrincipalName }},
		{Name: "id", Value: func(v license.UserVerdict) any { return v.UserID }},
		{Name: "verdict", Value: func(v license.UserVerdict) any { return string(v.Verdict) }},
		{Name: "lastActivityDate", Header: "LAST ACTIVITY", Value: func(v license.UserVerdict) any { return dateOrNil(v.LastActivity) }},
		{Name: "accountEnabled", Header: "ENABLED", Value: func(v license.UserVerdict) any { return d.users[v.UserID].AccountEnabled }},
		{Name: "skuPartNumbers", Header: "LICENCES", Value: func(v license.UserVerdict) any { return d.skuParts(d.users[v.UserID]) }},
		{Name: "reason", Value: func(v license.UserVerdict) any { return v.Reason }},
	}
	return writeReport(w, f, "Inactive", cols, rows)
}

func writeRecommendationsReport(_ context.Context, _ *App, d *reportData, rf reportFlags, w io.Writer, f Format) error {
	var rows []license.Finding
	for _, fd := range d.an.Findings {
		if rf.kind != "" && string(fd.Kind) != rf.kind {
			continue
		}
		if fd.SkuID != "" && !d.keepSKU(fd.SkuID) {
			continue
		}
		if fd.UserID != "" {
			if u := d.users[fd.UserID]; u == nil || !d.keepUser(u) {
				continue
			}
		} else if rf.domain != "" || rf.department != "" {
			continue // tenant-wide seat findings do not belong to a domain or department
		}
		rows = append(rows, fd)
	}
	cols := []Column[license.Finding]{
		{Name: "kind", Value: func(x license.Finding) any { return string(x.Kind) }},
		{Name: "userPrincipalName", Header: "USER", Value: func(x license.Finding) any { return x.UserPrincipalName }},
		{Name: "skuPartNumber", Header: "SKU", Value: func(x license.Finding) any { return x.SkuPartNumber }},
		{Name: "seats", Value: func(x license.Finding) any { return x.Seats }},
		{Name: "annualSavings", Header: "SAVES/YEAR", Value: func(x license.Finding) any { return moneyOrNil(!x.AnnualSavings.IsZero(), x.AnnualSavings) }},
		{Name: "currency", Value: func(x license.Finding) any { return x.Currency }},
		{Name: "priceIsDefault", Header: "LIST PRICE", Value: func(x license.Finding) any { return x.PriceIsDefault }},
		{Name: "evidence", Value: func(x license.Finding) any { return x.Evidence }},
		{Name: "action", Value: func(x license.Finding) any { return x.Action }},
		{Name: "userId", Value: func(x license.Finding) any { return x.UserID }},
		{Name: "skuId", Value: func(x license.Finding) any { return x.SkuID }},
	}
	return writeReport(w, f, "Recommendations", cols, rows)
}

func writeActivityReport(_ context.Context, _ *App, d *reportData, _ reportFlags, w io.Writer, f Format) error {
	var rows []*license.User
	for i := range d.in.Users {
		u := &d.in.Users[i]
		if len(u.Licenses) > 0 && d.keepUser(u) {
			rows = append(rows, u)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].UserPrincipalName < rows[j].UserPrincipalName })
	last := func(wl license.Workload) func(*license.User) any {
		return func(u *license.User) any { return dateOrNil(u.LastActivity[wl]) }
	}
	cols := []Column[*license.User]{
		{Name: "userPrincipalName", Header: "USER", Value: func(u *license.User) any { return u.UserPrincipalName }},
		{Name: "exchangeLastActivityDate", Header: "EXCHANGE", Value: last(license.Exchange)},
		{Name: "oneDriveLastActivityDate", Header: "ONEDRIVE", Value: last(license.OneDrive)},
		{Name: "sharePointLastActivityDate", Header: "SHAREPOINT", Value: last(license.SharePoint)},
		{Name: "skypeForBusinessLastActivityDate", Header: "SKYPE", Value: last(license.Skype)},
		{Name: "yammerLastActivityDate", Header: "YAMMER", Value: last(license.Yammer)},
		{Name: "teamsLastActivityDate", Header: "TEAMS", Value: last(license.Teams)},
		{Name: "microsoft365AppsLastActivityDate", Header: "APPS", Value: last(license.M365Apps)},
		{Name: "desktopApps", Header: "DESKTOP", Value: func(u *license.User) any { return u.DesktopApps }},
		{Name: "copilotLastActivityDate", Header: "COPILOT", Value: copilotValue(d)},
	}
	email := func(get func(*license.EmailCounts) int64) func(*license.User) any {
		return func(u *license.User) any {
			if u.Email == nil {
				return nil
			}
			return get(u.Email)
		}
	}
	teams := func(get func(*license.TeamsCounts) int64) func(*license.User) any {
		return func(u *license.User) any {
			if u.Teams == nil {
				return nil
			}
			return get(u.Teams)
		}
	}
	activations := func(get func(*license.User) any) func(*license.User) any {
		return func(u *license.User) any {
			if !d.in.ActivityKnown {
				return nil
			}
			return get(u)
		}
	}
	cols = append(cols, []Column[*license.User]{
		{Name: "sendCount", Header: "SENT", Value: email(func(e *license.EmailCounts) int64 { return e.Sent })},
		{Name: "receiveCount", Header: "RECEIVED", Value: email(func(e *license.EmailCounts) int64 { return e.Received })},
		{Name: "readCount", Header: "READ", Value: email(func(e *license.EmailCounts) int64 { return e.Read })},
		{Name: "meetingCreatedCount", Header: "MTG CREATED", Value: email(func(e *license.EmailCounts) int64 { return e.MeetingsCreated })},
		{Name: "meetingInteractedCount", Header: "MTG INTERACTED", Value: email(func(e *license.EmailCounts) int64 { return e.MeetingsInteracted })},
		{Name: "teamChatMessageCount", Header: "TEAM CHAT", Value: teams(func(t *license.TeamsCounts) int64 { return t.TeamChatMessages })},
		{Name: "privateChatMessageCount", Header: "PRIVATE CHAT", Value: teams(func(t *license.TeamsCounts) int64 { return t.PrivateChatMessages })},
		{Name: "callCount", Header: "CALLS", Value: teams(func(t *license.TeamsCounts) int64 { return t.Calls })},
		{Name: "meetingsOrganizedCount", Header: "ORGANIZED", Value: teams(func(t *license.TeamsCounts) int64 { return t.MeetingsOrganized })},
		{Name: "meetingsAttendedCount", Header: "ATTENDED", Value: teams(func(t *license.TeamsCounts) int64 { return t.MeetingsAttended })},
		{Name: "desktopActivations", Header: "DESKTOP ACT", Value: activations(func(u *license.User) any { n, _ := u.DesktopActivations(); return n })},
		{Name: "mobileActivations", Header: "MOBILE ACT", Value: activations(func(u *license.User) any { return u.MobileActivations() })},
		{Name: "lastActivatedDate", Header: "LAST ACTIVATED", Value: activations(func(u *license.User) any {
			var last time.Time
			for _, a := range u.Activations {
				if a.LastActivated.After(last) {
					last = a.LastActivated
				}
			}
			return dateOrNil(last)
		})},
		{Name: "lastSuccessfulSignInDateTime", Header: "LAST SIGN-IN", Value: func(u *license.User) any { return dateOrNil(u.LastSuccessfulSignIn) }},
		{Name: "id", Value: func(u *license.User) any { return u.ID }},
	}...)
	return writeReport(w, f, "Activity", cols, rows)
}

// copilotValue prints a user's Copilot last activity: nothing for users
// without Copilot, "unknown" without the Copilot report, "never", or the
// date (analysis.CopilotState, as the kept rows say it).
func copilotValue(d *reportData) func(*license.User) any {
	skus := analysis.CopilotSKUs(&d.in)
	return func(u *license.User) any {
		text, last := analysis.CopilotState(&d.in, analysis.HoldsAny(u, skus), u)
		switch {
		case text != "":
			return text
		case last.IsZero():
			return nil
		}
		return dateOrNil(last)
	}
}

// spendRow is a SKU's spend, or a total per currency (SkuPartNumber "TOTAL").
type spendRow struct {
	sku                            string
	enabled, available, inactive   int
	unit, annual, unassigned, idle license.Money
	savings                        license.Money
	currency, source               string
	isDefault, known, total        bool
	renewal                        time.Time
}

func writeSpendReport(_ context.Context, _ *App, d *reportData, _ reportFlags, w io.Writer, f Format) error {
	var rows []spendRow
	totals := map[string]*spendRow{}
	for _, s := range d.an.SKUs {
		if !d.keepSKU(s.SkuID) {
			continue
		}
		r := spendRow{sku: s.SkuPartNumber, enabled: s.Enabled, available: s.Available, inactive: s.InactiveUsers,
			known: s.PriceKnown, isDefault: s.Price.Default, currency: s.Price.Currency, source: s.Price.Source, renewal: s.Renewal}
		if s.PriceKnown {
			r.unit, r.annual, r.unassigned, r.idle = s.Price.AnnualPerUnit, s.AnnualSpend, s.UnassignedCost, s.InactiveCost
			r.savings = s.AnnualSavings
			t := totals[r.currency]
			if t == nil {
				t = &spendRow{sku: "TOTAL", currency: r.currency, known: true, total: true}
				totals[r.currency] = t
			}
			t.enabled += r.enabled
			t.available += r.available
			t.inactive += r.inactive
			t.annual, t.unassigned, t.idle, t.savings = t.annual.Add(r.annual), t.unassigned.Add(r.unassigned), t.idle.Add(r.idle), t.savings.Add(r.savings)
			t.isDefault = t.isDefault || r.isDefault
		} else {
			r.source = "no price: enter a licence term"
		}
		rows = append(rows, r)
	}
	curs := make([]string, 0, len(totals))
	for c := range totals {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	for _, c := range curs {
		rows = append(rows, *totals[c])
	}
	money := func(get func(spendRow) license.Money) func(spendRow) any {
		return func(r spendRow) any { return moneyOrNil(r.known, get(r)) }
	}
	cols := []Column[spendRow]{
		{Name: "skuPartNumber", Header: "SKU", Value: func(r spendRow) any { return r.sku }},
		{Name: "enabled", Header: "PURCHASED", Value: func(r spendRow) any { return r.enabled }},
		{Name: "annualPricePerUnit", Header: "PRICE/YEAR", Value: func(r spendRow) any {
			if r.total {
				return nil
			}
			return moneyOrNil(r.known, r.unit)
		}},
		{Name: "annualSpend", Header: "ANNUAL SPEND", Value: money(func(r spendRow) license.Money { return r.annual })},
		{Name: "unassignedSeats", Header: "UNASSIGNED", Value: func(r spendRow) any { return r.available }},
		{Name: "unassignedSpend", Header: "ON UNASSIGNED", Value: money(func(r spendRow) license.Money { return r.unassigned })},
		{Name: "inactiveUsers", Header: "INACTIVE", Value: func(r spendRow) any { return r.inactive }},
		{Name: "inactiveSpend", Header: "ON INACTIVE", Value: money(func(r spendRow) license.Money { return r.idle })},
		{Name: "annualSavings", Header: "SAVINGS", Value: money(func(r spendRow) license.Money { return r.savings })},
		{Name: "currency", Value: func(r spendRow) any { return r.currency }},
		{Name: "priceIsDefault", Header: "LIST PRICE", Value: func(r spendRow) any { return r.known && r.isDefault }},
		{Name: "renewalDate", Header: "RENEWAL", Value: func(r spendRow) any { return dateOrNil(r.renewal) }},
		{Name: "priceSource", Header: "SOURCE", Value: func(r spendRow) any { return r.source }},
	}
	return writeReport(w, f, "Spend", cols, rows)
}

// rosterRow is one user of the application roster (seed 004): UPN, e-mail,
// names, active date, deactivated date, assigned licences.
type rosterRow struct {
	u           store.User
	deactivated time.Time
	skus        []string
}

func writeRosterReport(ctx context.Context, _ *App, d *reportData, _ reportFlags, w io.Writer, f Format) error {
	users, err := d.db.Users(ctx, d.conn, store.UserQuery{})
	if err != nil {
		return err
	}
	deactivated, err := d.db.DeactivatedSince(ctx, d.conn)
	if err != nil {
		return err
	}
	var rows []rosterRow
	for _, u := range users {
		lu := d.users[u.ID]
		if lu == nil || !d.keepUser(lu) {
			continue
		}
		r := rosterRow{u: u, skus: d.skuParts(lu)}
		if !u.AccountEnabled {
			r.deactivated = deactivated[u.ID]
		}
		rows = append(rows, r)
	}
	copilot := copilotValue(d)
	cols := []Column[rosterRow]{
		{Name: "userPrincipalName", Header: "USER", Value: func(r rosterRow) any { return r.u.UserPrincipalName }},
		{Name: "mail", Value: func(r rosterRow) any { return r.u.Mail }},
		{Name: "givenName", Header: "FIRST NAME", Value: func(r rosterRow) any { return r.u.GivenName }},
		{Name: "surname", Header: "LAST NAME", Value: func(r rosterRow) any { return r.u.Surname }},
		{Name: "accountEnabled", Header: "ENABLED", Value: func(r rosterRow) any { return r.u.AccountEnabled }},
		{Name: "createdDateTime", Header: "ACTIVE DATE", Value: func(r rosterRow) any { return dateOrNil(r.u.CreatedDateTime) }},
		{Name: "deactivatedDate", Header: "DEACTIVATED", Value: func(r rosterRow) any { return dateOrNil(r.deactivated) }},
		{Name: "assignedLicenses", Header: "LICENCES", Value: func(r rosterRow) any { return r.skus }},
		{Name: "copilotLastActivityDate", Header: "COPILOT", Value: func(r rosterRow) any { return copilot(d.users[r.u.ID]) }},
		{Name: "userType", Header: "TYPE", Value: func(r rosterRow) any { return r.u.UserType }},
		{Name: "department", Value: func(r rosterRow) any { return r.u.Department }},
		{Name: "id", Value: func(r rosterRow) any { return r.u.ID }},
	}
	return writeReport(w, f, "Roster", cols, rows)
}

// --- activity and roster from the rows the sync kept ---
//
// The whole-tenant path above reads every user, licence, sign-in and
// activity row and analyses them (seconds on 100,000 users). Each sync
// keeps the two reports' per-user rows instead (analysis.KeepRows), and
// they are streamed from there with writers that print exactly what the
// whole-tenant path prints: the tests compare both, byte for byte.

// cellKind is what a kept-row cell holds; cells avoid boxing every value
// in an interface, which dominates writing 100,000 rows.
type cellKind uint8

const (
	cellNull cellKind = iota
	cellString
	cellInt
	cellBool
	cellDate
	cellList
)

type cell struct {
	kind cellKind
	s    string
	n    int64
	b    bool
	d    analysis.Date
	list []string
}

func (c *cell) str(s string)    { c.kind, c.s = cellString, s }
func (c *cell) boolean(b bool)  { c.kind, c.b = cellBool, b }
func (c *cell) integer(n int64) { c.kind, c.n = cellInt, n }
func (c *cell) date(d analysis.Date) {
	if d == 0 {
		c.kind = cellNull
		return
	}
	c.kind, c.d = cellDate, d
}

// value is the cell as the generic writers take it (table, xlsx).
func (c *cell) value() any {
	switch c.kind {
	case cellString:
		return c.s
	case cellInt:
		return c.n
	case cellBool:
		return c.b
	case cellDate:
		return c.d.String()
	case cellList:
		return c.list
	}
	return nil
}

// rowColumn is a column of a kept-rows report; Name and Header as Column.
type rowColumn struct {
	name, header string
	fill         func(rs *analysis.RowSet, r *analysis.UserRow, c *cell)
}

func lastCell(w license.Workload) func(*analysis.RowSet, *analysis.UserRow, *cell) {
	return func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.date(r.LastActivity[w]) }
}

func emailCell(get func(*license.EmailCounts) int64) func(*analysis.RowSet, *analysis.UserRow, *cell) {
	return func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) {
		if r.Email != nil {
			c.integer(get(r.Email))
		}
	}
}

func teamsCell(get func(*license.TeamsCounts) int64) func(*analysis.RowSet, *analysis.UserRow, *cell) {
	return func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) {
		if r.Teams != nil {
			c.integer(get(r.Teams))
		}
	}
}

// activityRowColumns are writeActivityReport's columns over kept rows.
var activityRowColumns = []rowColumn{
	{"userPrincipalName", "USER", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.str(r.UserPrincipalName) }},
	{"exchangeLastActivityDate", "EXCHANGE", lastCell(license.Exchange)},
	{"oneDriveLastActivityDate", "ONEDRIVE", lastCell(license.OneDrive)},
	{"sharePointLastActivityDate", "SHAREPOINT", lastCell(license.SharePoint)},
	{"skypeForBusinessLastActivityDate", "SKYPE", lastCell(license.Skype)},
	{"yammerLastActivityDate", "YAMMER", lastCell(license.Yammer)},
	{"teamsLastActivityDate", "TEAMS", lastCell(license.Teams)},
	{"microsoft365AppsLastActivityDate", "APPS", lastCell(license.M365Apps)},
	{"desktopApps", "DESKTOP", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.boolean(r.DesktopApps) }},
	{"copilotLastActivityDate", "COPILOT", copilotCell},
	{"sendCount", "SENT", emailCell(func(e *license.EmailCounts) int64 { return e.Sent })},
	{"receiveCount", "RECEIVED", emailCell(func(e *license.EmailCounts) int64 { return e.Received })},
	{"readCount", "READ", emailCell(func(e *license.EmailCounts) int64 { return e.Read })},
	{"meetingCreatedCount", "MTG CREATED", emailCell(func(e *license.EmailCounts) int64 { return e.MeetingsCreated })},
	{"meetingInteractedCount", "MTG INTERACTED", emailCell(func(e *license.EmailCounts) int64 { return e.MeetingsInteracted })},
	{"teamChatMessageCount", "TEAM CHAT", teamsCell(func(t *license.TeamsCounts) int64 { return t.TeamChatMessages })},
	{"privateChatMessageCount", "PRIVATE CHAT", teamsCell(func(t *license.TeamsCounts) int64 { return t.PrivateChatMessages })},
	{"callCount", "CALLS", teamsCell(func(t *license.TeamsCounts) int64 { return t.Calls })},
	{"meetingsOrganizedCount", "ORGANIZED", teamsCell(func(t *license.TeamsCounts) int64 { return t.MeetingsOrganized })},
	{"meetingsAttendedCount", "ATTENDED", teamsCell(func(t *license.TeamsCounts) int64 { return t.MeetingsAttended })},
	{"desktopActivations", "DESKTOP ACT", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) {
		if r.ActivationsKnown {
			c.integer(r.DesktopActivations)
		}
	}},
	{"mobileActivations", "MOBILE ACT", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) {
		if r.ActivationsKnown {
			c.integer(r.MobileActivations)
		}
	}},
	{"lastActivatedDate", "LAST ACTIVATED", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) {
		if r.ActivationsKnown {
			c.date(r.LastActivated)
		}
	}},
	{"lastSuccessfulSignInDateTime", "LAST SIGN-IN", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.date(r.LastSuccessfulSignIn) }},
	{"id", "", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.str(r.ID) }},
}

// copilotCell is copilotValue over kept rows.
func copilotCell(_ *analysis.RowSet, r *analysis.UserRow, c *cell) {
	switch {
	case !r.CopilotHolder:
	case !r.CopilotKnown:
		c.str("unknown")
	case r.LastCopilot == 0:
		c.str("never")
	default:
		c.date(r.LastCopilot)
	}
}

// rosterRowColumns are writeRosterReport's columns over kept rows.
var rosterRowColumns = []rowColumn{
	{"userPrincipalName", "USER", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.str(r.UserPrincipalName) }},
	{"mail", "", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.str(r.Mail) }},
	{"givenName", "FIRST NAME", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.str(r.GivenName) }},
	{"surname", "LAST NAME", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.str(r.Surname) }},
	{"accountEnabled", "ENABLED", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.boolean(r.AccountEnabled) }},
	{"createdDateTime", "ACTIVE DATE", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.date(r.Created) }},
	{"deactivatedDate", "DEACTIVATED", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.date(r.Deactivated) }},
	{"assignedLicenses", "LICENCES", func(rs *analysis.RowSet, r *analysis.UserRow, c *cell) {
		c.kind, c.list = cellList, rs.SKUParts(r)
	}},
	{"copilotLastActivityDate", "COPILOT", copilotCell},
	{"userType", "TYPE", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.str(r.UserType) }},
	{"department", "", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.str(r.Department) }},
	{"id", "", func(_ *analysis.RowSet, r *analysis.UserRow, c *cell) { c.str(r.ID) }},
}

// writeKeptRows writes the activity or roster report from the rows the last
// sync kept; done is false when there are none for the current generation
// (the caller then takes the whole-tenant path).
func (a *App) writeKeptRows(ctx context.Context, report string, rf reportFlags, f Format) (done bool, err error) {
	db, conn, err := a.openSynced(ctx)
	if err != nil {
		return false, err
	}
	defer db.Close()
	rs, ok, err := analysis.LoadRows(ctx, db, conn)
	if err != nil || !ok {
		return false, err
	}
	for _, w := range rs.Warnings {
		a.Log.Warn(w)
	}
	keep, err := rowFilter(rs, rf, report == "activity")
	if err != nil {
		return true, err
	}
	rows := make([]*analysis.UserRow, 0, len(rs.Rows))
	for i := range rs.Rows {
		if keep(&rs.Rows[i]) {
			rows = append(rows, &rs.Rows[i])
		}
	}
	cols, sheetName := activityRowColumns, "Activity"
	if report == "roster" {
		cols, sheetName = rosterRowColumns, "Roster"
	}
	return true, a.writeReportTo(rf.file, f, func(w io.Writer) error { return writeRowReport(w, f, sheetName, rs, cols, rows) })
}

// rowFilter is reportData.keepUser over kept rows (and, for the activity
// report, only licensed users).
func rowFilter(rs *analysis.RowSet, rf reportFlags, licensedOnly bool) (func(*analysis.UserRow) bool, error) {
	skuIndex := -1
	if rf.sku != "" {
		var subscribed []license.SKU
		for _, s := range rs.SKUs {
			if s.Subscribed {
				subscribed = append(subscribed, license.SKU{SkuID: s.SkuID, SkuPartNumber: s.SkuPartNumber})
			}
		}
		id, err := resolveSKU(rf.sku, subscribed)
		if err != nil {
			return nil, err
		}
		for i, s := range rs.SKUs {
			if s.SkuID == id {
				skuIndex = i
			}
		}
	}
	domain := strings.ToLower(strings.TrimPrefix(rf.domain, "@"))
	w, byService, err := resolveService(rf.service)
	if err != nil {
		return nil, err
	}
	return func(r *analysis.UserRow) bool {
		if licensedOnly && len(r.SKUs) == 0 {
			return false
		}
		if domain != "" && !strings.HasSuffix(strings.ToLower(r.UserPrincipalName), "@"+domain) {
			return false
		}
		if rf.department != "" && !strings.EqualFold(r.Department, rf.department) {
			return false
		}
		if byService && r.LastActivity[w] == 0 {
			return false
		}
		if skuIndex >= 0 {
			return slices.Contains(r.SKUs, skuIndex)
		}
		return true
	}, nil
}

// writeRowReport writes kept rows in any report format: JSON and CSV with
// the fast writers below, the table and the workbook through the generic
// ones.
func writeRowReport(w io.Writer, f Format, sheetName string, rs *analysis.RowSet, cols []rowColumn, rows []*analysis.UserRow) error {
	switch f {
	case JSON:
		return writeRowsJSON(w, rs, cols, rows)
	case CSV:
		return writeRowsCSV(w, rs, cols, rows)
	}
	generic := make([]Column[*analysis.UserRow], len(cols))
	for i, rc := range cols {
		fill := rc.fill
		generic[i] = Column[*analysis.UserRow]{Name: rc.name, Header: rc.header, Value: func(r *analysis.UserRow) any {
			var c cell
			fill(rs, r, &c)
			return c.value()
		}}
	}
	return writeReport(w, f, sheetName, generic, rows)
}

// writeRowsJSON prints what writeJSON prints for the same values.
func writeRowsJSON(w io.Writer, rs *analysis.RowSet, cols []rowColumn, rows []*analysis.UserRow) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		k, err := json.Marshal(c.name)
		if err != nil {
			return err
		}
		keys[i] = append(k, ':')
	}
	buf := make([]byte, 0, 4096)
	bw.WriteString("[")
	var c cell
	for n, r := range rows {
		buf = buf[:0]
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n  {"...)
		for i, col := range cols {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, keys[i]...)
			c = cell{}
			col.fill(rs, r, &c)
			buf = appendJSONCell(buf, &c)
		}
		buf = append(buf, '}')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	if len(rows) > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

func appendJSONCell(b []byte, c *cell) []byte {
	switch c.kind {
	case cellString:
		return appendJSONString(b, c.s)
	case cellInt:
		return strconv.AppendInt(b, c.n, 10)
	case cellBool:
		return strconv.AppendBool(b, c.b)
	case cellDate:
		b = append(b, '"')
		b = c.d.AppendTo(b)
		return append(b, '"')
	case cellList:
		if c.list == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, s := range c.list {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	}
	return append(b, "null"...)
}

// appendJSONString quotes s as encoding/json does (HTML-safe escaping):
// printable ASCII other than " \ < > & is copied, anything else goes
// through json.Marshal itself, so the bytes cannot differ.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			if err != nil { // cannot happen for a string
				return append(b, `""`...)
			}
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// writeRowsCSV prints what writeCSV prints for the same values: cells that
// encoding/csv writes as they are (numbers, dates, plain text) are appended
// directly; a row with any other cell goes through csv.Writer itself.
func writeRowsCSV(w io.Writer, rs *analysis.RowSet, cols []rowColumn, rows []*analysis.UserRow) error {
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.name
	}
	var slow bytes.Buffer
	cw := csv.NewWriter(&slow)
	writeSlow := func(buf []byte) ([]byte, error) {
		slow.Reset()
		if err := cw.Write(rec); err != nil {
			return buf, err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return buf, err
		}
		return append(buf, slow.Bytes()...), nil
	}
	buf, err := writeSlow(make([]byte, 0, 256<<10))
	if err != nil {
		return err
	}
	var c cell
	for _, r := range rows {
		start, plain := len(buf), true
		for i, col := range cols {
			if i > 0 {
				buf = append(buf, ',')
			}
			c = cell{}
			col.fill(rs, r, &c)
			switch c.kind {
			case cellString, cellList:
				t := c.s
				if c.kind == cellList {
					t = strings.Join(c.list, ";")
				}
				t = csvSafe(t)
				rec[i] = t
				if plain = plain && csvPlain(t); plain {
					buf = append(buf, t...)
				}
			case cellInt:
				buf = strconv.AppendInt(buf, c.n, 10)
				rec[i] = ""
			case cellBool:
				buf = strconv.AppendBool(buf, c.b)
				rec[i] = ""
			case cellDate:
				buf = c.d.AppendTo(buf)
				rec[i] = ""
			default:
				rec[i] = ""
			}
		}
		if plain {
			buf = append(buf, '\n')
		} else {
			// Numbers, booleans and dates never need quotes; set them as
			// text for csv.Writer.
			buf = buf[:start]
			for i, col := range cols {
				c = cell{}
				col.fill(rs, r, &c)
				switch c.kind {
				case cellInt:
					rec[i] = strconv.FormatInt(c.n, 10)
				case cellBool:
					rec[i] = strconv.FormatBool(c.b)
				case cellDate:
					rec[i] = c.d.String()
				}
			}
			if buf, err = writeSlow(buf); err != nil {
				return err
			}
		}
		if len(buf) >= 192<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err = w.Write(buf)
	return err
}

// csvPlain reports whether encoding/csv writes s without quotes (and the
// test of a leading space, which it quotes, passes on ASCII alone).
func csvPlain(s string) bool {
	if s == "" {
		return true
	}
	if s == `\.` || s[0] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == ',' {
			return false
		}
	}
	return true
}
