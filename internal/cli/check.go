package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/config"
	"github.com/tenantscope/tenantscope/internal/credential"
	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/permission"
)

func newCheckCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the connection: sign-in, granted permissions, tenant tier, credential expiry",
		Long: `check signs in with the connection's credential, reads the token's roles
claim, and compares the granted application permissions with what each enabled
feature needs (docs/permissions.md). It also reads the tenant's name, verified
domains and Entra ID tier (from its subscribed SKUs), the app registration's
secret or certificate expiry, and whether the app can read Azure subscriptions.

Exit 0 when every enabled feature is ok, 1 when something is degraded or a
credential expires within 30 days, 2 when tenantscope cannot connect.`,
		Args: cobra.NoArgs,
	}
	out := AddOutputFlag(cmd)
	all := cmd.Flags().Bool("all", false, "check every connection in the configuration (exit code: the worst)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := ParseFormat(*out)
		if err != nil {
			return err
		}
		names := []string{a.ConnectionName}
		if *all {
			cf, _, err := a.LoadConfig()
			if err != nil {
				return err
			}
			names = names[:0]
			for _, c := range cf.Connections {
				names = append(names, c.Name)
			}
		}
		return a.checkConnections(cmd.Context(), f, names, *all)
	}
	return cmd
}

// checkConnections checks each named connection in turn and prints the
// reports; with many, a sign-in failure of one is reported and the others
// still run. The exit code is the worst of them.
func (a *App) checkConnections(ctx context.Context, f Format, names []string, many bool) error {
	worst := ExitOK
	var reports []*CheckReport
	var rows []checkRow
	for i, name := range names {
		a.ConnectionName = name
		rep, err := a.RunCheck(ctx)
		if err != nil {
			if !many {
				return err
			}
			fmt.Fprintf(a.Stderr, "Error: %v\n", err)
			worst = max(worst, exitCode(err))
			continue
		}
		if rep.Status != permission.OK {
			worst = max(worst, ExitFindings)
		}
		switch f {
		case JSON:
			reports = append(reports, rep)
		case CSV:
			for _, r := range rep.Features {
				rows = append(rows, checkRow{rep.Connection, r})
			}
		default:
			if i > 0 {
				fmt.Fprintln(a.Stdout)
			}
			if err := rep.writeText(a.Stdout); err != nil {
				return err
			}
		}
	}
	var err error
	switch {
	case f == JSON && many:
		err = writeIndentedJSON(a, reports)
	case f == JSON && len(reports) == 1:
		err = writeIndentedJSON(a, reports[0])
	case f == CSV:
		// A spreadsheet gets the feature table; the rest is in -o json.
		err = WriteSlice(a.Stdout, CSV, checkColumns, rows)
	}
	if err != nil {
		return err
	}
	if worst != ExitOK {
		return &ExitError{Code: worst}
	}
	return nil
}

func writeIndentedJSON(a *App, v any) error {
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// checkRow is one feature of one connection, for -o csv.
type checkRow struct {
	connection string
	permission.Result
}

// checkColumns are the feature table's columns for -o csv.
var checkColumns = []Column[checkRow]{
	{Name: "connection", Value: func(r checkRow) any { return r.connection }},
	{Name: "feature", Value: func(r checkRow) any { return string(r.Feature) }},
	{Name: "kind", Value: func(r checkRow) any { return string(r.Kind) }},
	{Name: "status", Value: func(r checkRow) any { return string(r.Status) }},
	{Name: "using", Value: func(r checkRow) any { return r.Using }},
	{Name: "missing", Value: func(r checkRow) any { return r.Missing }},
	{Name: "reasons", Value: func(r checkRow) any { return r.Reasons }},
}

// CheckReport is what check found; -o json prints it as is.
type CheckReport struct {
	Connection string                `json:"connection"`
	Cloud      string                `json:"cloud"`
	Tenant     CheckTenant           `json:"tenant"`
	App        CheckApp              `json:"app"`
	Features   []permission.Result   `json:"features"`
	Unneeded   []permission.Unneeded `json:"unneeded"`
	// Warnings need attention and make the status degraded; Notes do not.
	Warnings []string `json:"warnings,omitempty"`
	Notes    []string `json:"notes,omitempty"`
	// Status is ok or degraded (exit 1).
	Status permission.Status `json:"status"`
}

// CheckTenant describes the tenant.
type CheckTenant struct {
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName,omitempty"`
	VerifiedDomains []string `json:"verifiedDomains,omitempty"`
	Tier            string   `json:"tier"` // free, p1, p2, or "" when unknown
}

// CheckApp describes the app registration tenantscope signs in as.
type CheckApp struct {
	ClientID           string            `json:"appId"`
	ServicePrincipalID string            `json:"servicePrincipalId,omitempty"`
	Credential         credential.Kind   `json:"credentialType"`
	Roles              []string          `json:"roles"`
	Credentials        []CheckCredential `json:"credentials,omitempty"`
}

// CheckCredential is one secret or certificate of the app registration.
type CheckCredential struct {
	Type        string     `json:"type"` // password | certificate
	KeyID       string     `json:"keyId,omitempty"`
	DisplayName string     `json:"displayName,omitempty"`
	EndDateTime *time.Time `json:"endDateTime,omitempty"`
	DaysLeft    int        `json:"daysLeft"`
	InUse       bool       `json:"inUse"`
	Status      string     `json:"status"` // ok | expiring | expired
}

// RunCheck performs the check for the selected connection. Sign-in failures
// return an exit-2 error; everything found after sign-in is in the report.
func (a *App) RunCheck(ctx context.Context) (*CheckReport, error) {
	conn, err := a.Connect()
	if err != nil {
		return nil, err
	}
	c := conn.Connection
	tok, err := conn.GraphToken(ctx)
	if err != nil {
		return nil, err
	}
	claims, err := credential.ParseClaims(tok)
	if err != nil {
		return nil, ConfigError(fmt.Errorf("connection %q: %w", c.Name, err))
	}
	if len(claims.Roles) == 0 {
		return nil, ConfigError(fmt.Errorf("connection %q: signed in, but the token carries no application permissions (no roles claim): admin consent has not been granted\n"+
			"  fix: in the app registration's API permissions, add the Microsoft Graph application permissions of the features you use (docs/permissions.md) and select \"Grant admin consent\"", c.Name))
	}
	a.Log.Debug("signed in", "connection", c.Name, "tenant", claims.TenantID, "roles", len(claims.Roles))

	gc, err := conn.Graph(a)
	if err != nil {
		return nil, err
	}
	rep := &CheckReport{
		Connection: c.Name, Cloud: conn.Profile.Name,
		Tenant: CheckTenant{ID: claims.TenantID},
		App:    CheckApp{ClientID: c.ClientID, ServicePrincipalID: claims.ObjectID, Credential: conn.Credential.Kind(), Roles: slices.Sorted(slices.Values(claims.Roles))},
	}

	// The reads are independent: run them at once, so check costs one
	// round trip after sign-in rather than five.
	features := c.Features()
	var pr probes
	var wg sync.WaitGroup
	wg.Go(func() { pr.org, pr.orgErr = gc.Organization(ctx) })
	wg.Go(func() { pr.skus, pr.skusErr = gc.SubscribedSKUs(ctx) })
	wg.Go(func() { pr.app, pr.appErr = gc.ApplicationByAppID(ctx, c.ClientID) })
	if slices.Contains(features, permission.UsageReports) && conn.Profile.UsageReportsV1 {
		pr.askedConcealed = true
		wg.Go(func() { pr.concealed, pr.concealedErr = gc.ReportSettings(ctx) })
	}
	if slices.Contains(features, permission.Azure) {
		pr.askedARM = true
		wg.Go(func() { pr.armProblem = probeARM(ctx, conn) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	rep.applyOrganization(c, pr)
	tier := permission.TierUnknown
	if pr.skusErr != nil {
		rep.Notes = append(rep.Notes, "Entra ID tier not readable: "+graphReason(pr.skusErr))
	} else {
		tier = permission.TierFromSKUs(tierSKUs(pr.skus))
		rep.Tenant.Tier = string(tier)
	}
	a.Log.Debug("tenant read", "tenant", rep.Tenant.ID, "domains", len(rep.Tenant.VerifiedDomains), "tier", tier)
	rep.applyCredentials(a.Now(), conn.Credential, pr.app, pr.appErr)
	a.Log.Debug("app registration read", "credentials", len(rep.App.Credentials))

	eval := permission.Evaluate(claims.Roles, tier, features)
	if r, ok := eval.Result(permission.Azure); ok && r.Status == permission.OK && pr.askedARM {
		a.Log.Debug("azure resource manager probed", "problem", pr.armProblem)
		if pr.armProblem != "" {
			eval.SetDegraded(permission.Azure, pr.armProblem)
		} else {
			for i := range eval.Features {
				if eval.Features[i].Feature == permission.Azure {
					eval.Features[i].Reasons = []string{"Reader on the subscriptions the app can list"}
				}
			}
		}
	}
	rep.applyConcealedNames(pr, &eval)
	rep.Features, rep.Unneeded = eval.Features, eval.Unneeded
	if rep.Unneeded == nil {
		rep.Unneeded = []permission.Unneeded{}
	}
	rep.Status = permission.OK
	if eval.Degraded() || len(rep.Warnings) > 0 {
		rep.Status = permission.Degraded
	}
	return rep, nil
}

// probes are what check reads from the tenant after sign-in.
type probes struct {
	org     *msgraph.Organization
	orgErr  error
	skus    []msgraph.SubscribedSKU
	skusErr error
	app     *msgraph.Application
	appErr  error

	askedConcealed bool
	concealed      bool
	concealedErr   error

	askedARM   bool
	armProblem string
}

// applyOrganization records the tenant's name and verified domains, and
// warns about configured domains the tenant has not verified.
func (rep *CheckReport) applyOrganization(c *config.Connection, pr probes) {
	switch {
	case pr.orgErr != nil:
		rep.Notes = append(rep.Notes, "tenant name and domains not readable: "+graphReason(pr.orgErr))
		return
	case pr.org == nil:
		rep.Notes = append(rep.Notes, "tenant name and domains not readable: Graph returned no organization")
		return
	}
	rep.Tenant.ID, rep.Tenant.DisplayName = pr.org.ID, pr.org.DisplayName
	for _, d := range pr.org.VerifiedDomains {
		rep.Tenant.VerifiedDomains = append(rep.Tenant.VerifiedDomains, d.Name)
	}
	slices.Sort(rep.Tenant.VerifiedDomains)
	if c.AllDomains() {
		return
	}
	for _, d := range c.Domains {
		if !slices.ContainsFunc(rep.Tenant.VerifiedDomains, func(v string) bool { return strings.EqualFold(v, d) }) {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("domains: %s is not a verified domain of the tenant, so no user will match it", d))
		}
	}
}

// applyConcealedNames degrades usage reports when they conceal user names:
// since September 2021 tenants conceal them by default, and concealed rows
// cannot be matched to users (seed 004 asks admins to turn this off first).
// /admin/reportSettings exists only in the global cloud's v1.0.
func (rep *CheckReport) applyConcealedNames(pr probes, eval *permission.Report) {
	r, ok := eval.Result(permission.UsageReports)
	if !ok || r.Status != permission.OK || !pr.askedConcealed {
		return
	}
	switch {
	case pr.concealedErr != nil:
		rep.Notes = append(rep.Notes, "whether usage reports conceal user names is not readable: "+graphReason(pr.concealedErr)+" (grant ReportSettings.Read.All to know)")
	case pr.concealed:
		eval.SetDegraded(permission.UsageReports, "usage reports conceal user names, so activity cannot be matched to users; "+
			"turn off \"Display concealed user, group, and site names in all reports\" (Microsoft 365 admin center > Settings > Org settings > Reports)")
	}
}

func tierSKUs(skus []msgraph.SubscribedSKU) []permission.SKU {
	out := make([]permission.SKU, 0, len(skus))
	for _, s := range skus {
		ps := permission.SKU{SkuPartNumber: s.SkuPartNumber, EnabledUnits: s.PrepaidUnits.Enabled}
		for _, p := range s.ServicePlans {
			ps.ServicePlanNames = append(ps.ServicePlanNames, p.ServicePlanName)
		}
		out = append(out, ps)
	}
	return out
}

// graphReason renders a Graph failure for a note.
func graphReason(err error) string {
	var ge *msgraph.Error
	if errors.As(err, &ge) {
		if ge.StatusCode == 403 {
			return fmt.Sprintf("%s (%s)", ge.Code, "permission not granted")
		}
		return fmt.Sprintf("%d %s", ge.StatusCode, ge.Code)
	}
	return err.Error()
}
