package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/analysis"
	"github.com/tenantscope/tenantscope/internal/config"
	"github.com/tenantscope/tenantscope/internal/license"
	"github.com/tenantscope/tenantscope/internal/store"
)

// analysisOptions gathers a connection's analysis settings: inactive_days,
// licence terms (stored with `licenses terms set`, overridden per SKU by the
// configuration's license_terms) and the imported licence catalogue. c may
// be nil when no configuration names the connection.
func (a *App) analysisOptions(ctx context.Context, db *store.DB, conn store.Connection, c *config.Connection) (analysis.Options, error) {
	o := analysis.Options{Now: a.Now().UTC()}
	stored, err := db.LicenseTerms(ctx, conn)
	if err != nil {
		return o, err
	}
	var fromConfig []license.Term
	if c != nil {
		o.InactiveDays = c.InactiveDays
		if fromConfig, err = licenseTerms(ctx, db, conn, c.LicenseTerms); err != nil {
			return o, ConfigError(err)
		}
	}
	configured := map[string]bool{}
	for _, t := range fromConfig {
		configured[strings.ToUpper(t.SkuPartNumber)] = true
	}
	o.Terms = fromConfig
	for _, s := range stored {
		if configured[s.SkuPartNumber] {
			continue // the configuration file wins for the same SKU
		}
		t, err := termOf(s.SkuPartNumber, s.CostPerUnit, s.Currency, s.PaymentFrequency, s.EffectiveDate, s.ExpirationDate)
		if err != nil {
			return o, fmt.Errorf("stored licence term for %s: %w", s.SkuPartNumber, err)
		}
		o.Terms = append(o.Terms, t)
	}
	data, _, ok, err := db.LicenseCatalog(ctx)
	if err != nil {
		return o, err
	}
	if ok {
		sum := sha256.Sum256(data)
		o.CatalogVersion = hex.EncodeToString(sum[:])
		if o.Catalog, err = license.Parse(bytes.NewReader(data)); err != nil {
			return o, fmt.Errorf("imported licence catalogue: %w (import a good file again with tenantscope licenses catalog update)", err)
		}
	}
	return o, nil
}

// termOf builds and validates a licence term from its text fields.
func termOf(sku, cost, currency, frequency, effective, expiration string) (license.Term, error) {
	t := license.Term{SkuPartNumber: sku, Currency: currency, PaymentFrequency: license.PaymentFrequency(strings.ToLower(frequency))}
	m, err := license.ParseMoney(cost)
	if err != nil {
		return t, fmt.Errorf("cost: %w", err)
	}
	t.CostPerUnit = m
	for _, d := range []struct {
		name, val string
		to        *time.Time
	}{{"effective date", effective, &t.EffectiveDate}, {"expiration date", expiration, &t.ExpirationDate}} {
		if d.val == "" {
			continue
		}
		v, err := time.Parse(time.DateOnly, d.val)
		if err != nil {
			return t, fmt.Errorf("%s %q is not a YYYY-MM-DD date", d.name, d.val)
		}
		*d.to = v
	}
	return t, t.Validate()
}

func newLicenseTermsCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "terms",
		Short: "Licence terms (cost, currency, billing, renewal) that spend and savings use",
		Long: `Graph does not know what an organisation pays. Terms stored here are used by
the reports for the connection; a term in the configuration's license_terms
takes precedence for the same SKU. Without a term a SKU is priced at its public
list price, marked as a default.`,
	}
	var sku, cost, currency, frequency, effective, expiration string
	set := &cobra.Command{
		Use:   "set",
		Short: "Store the term of a SKU",
		Args:  cobra.NoArgs,
		Example: "  tenantscope licenses terms set --sku SPE_E3 --cost 36.00 --currency USD --frequency monthly \\\n" +
			"      --effective 2026-01-01 --expires 2026-12-31",
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := termOf(sku, cost, currency, frequency, effective, expiration)
			if err != nil {
				return usageError{err}
			}
			db, conn, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.SetLicenseTerm(cmd.Context(), conn, store.LicenseTerm{SkuPartNumber: t.SkuPartNumber, EffectiveDate: effective,
				ExpirationDate: expiration, CostPerUnit: t.CostPerUnit.String(), Currency: t.Currency, PaymentFrequency: string(t.PaymentFrequency)}); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Stored the term of %s for %s: %s %s per user, billed %s\n", strings.ToUpper(t.SkuPartNumber), conn.Name, t.CostPerUnit, t.Currency, t.PaymentFrequency)
			return nil
		},
	}
	fl := set.Flags()
	fl.StringVar(&sku, "sku", "", "SKU part number, e.g. SPE_E3 (required)")
	fl.StringVar(&cost, "cost", "", "cost per user per billing period, a decimal such as 36.00 (required)")
	fl.StringVar(&currency, "currency", "USD", "ISO 4217 currency code")
	fl.StringVar(&frequency, "frequency", "monthly", "billing period: monthly or annual")
	fl.StringVar(&effective, "effective", "", "effective date, YYYY-MM-DD")
	fl.StringVar(&expiration, "expires", "", "expiration (renewal) date, YYYY-MM-DD")

	var unsetSKU string
	unset := &cobra.Command{
		Use:   "unset",
		Short: "Remove the stored term of a SKU (the list price applies again)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if unsetSKU == "" {
				return usageError{fmt.Errorf("--sku is required")}
			}
			db, conn, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			found, err := db.DeleteLicenseTerm(cmd.Context(), conn, unsetSKU)
			if err != nil {
				return err
			}
			if !found {
				return usageError{fmt.Errorf("--sku %s: no stored term for it", unsetSKU)}
			}
			fmt.Fprintf(a.Stdout, "Removed the term of %s for %s\n", strings.ToUpper(unsetSKU), conn.Name)
			return nil
		},
	}
	unset.Flags().StringVar(&unsetSKU, "sku", "", "SKU part number (required)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the stored terms",
		Args:  cobra.NoArgs,
	}
	out := AddOutputFlag(list)
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := ParseFormat(*out)
		if err != nil {
			return err
		}
		db, conn, err := a.openStore(cmd.Context())
		if err != nil {
			return err
		}
		defer db.Close()
		terms, err := db.LicenseTerms(cmd.Context(), conn)
		if err != nil {
			return err
		}
		return WriteSlice(a.Stdout, f, []Column[store.LicenseTerm]{
			{Name: "skuPartNumber", Header: "SKU", Value: func(t store.LicenseTerm) any { return t.SkuPartNumber }},
			{Name: "costPerUnit", Header: "COST", Value: func(t store.LicenseTerm) any { return t.CostPerUnit }},
			{Name: "currency", Value: func(t store.LicenseTerm) any { return t.Currency }},
			{Name: "paymentFrequency", Header: "BILLED", Value: func(t store.LicenseTerm) any { return t.PaymentFrequency }},
			{Name: "effectiveDate", Header: "EFFECTIVE", Value: func(t store.LicenseTerm) any { return t.EffectiveDate }},
			{Name: "expirationDate", Header: "EXPIRES", Value: func(t store.LicenseTerm) any { return t.ExpirationDate }},
		}, terms)
	}
	cmd.AddCommand(set, unset, list)
	return cmd
}

// minCatalogProducts guards against importing the wrong file: Microsoft's
// table lists several hundred products.
const minCatalogProducts = 100

func newLicenseCatalogCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Microsoft's product and service-plan table behind SKU and plan names",
	}
	update := &cobra.Command{
		Use:   "update FILE",
		Short: "Use a newer copy of Microsoft's \"Product names and service plan identifiers for licensing\" CSV",
		Long: `update reads a newer copy of the CSV Microsoft publishes with the page "Product
names and service plan identifiers for licensing", checks it, and keeps it in the
database, where it replaces the table built into tenantscope for every
connection.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return ConfigError(fmt.Errorf("licence catalogue: %w", err))
			}
			cat, err := license.Parse(bytes.NewReader(data))
			if err != nil {
				return ConfigError(fmt.Errorf("licence catalogue %s: %w", args[0], err))
			}
			n := len(cat.Products())
			if n < minCatalogProducts {
				return ConfigError(fmt.Errorf("licence catalogue %s: only %d products; Microsoft's table lists several hundred — is it the right file?", args[0], n))
			}
			embedded, err := license.Embedded()
			if err != nil {
				return err
			}
			added := 0
			for _, p := range cat.Products() {
				if _, ok := embedded.ProductBySkuID(p.SkuID); !ok {
					added++
				}
			}
			db, err := store.Open(cmd.Context(), a.DBPath, store.Options{})
			if err != nil {
				return ConfigError(err)
			}
			defer db.Close()
			sum := sha256.Sum256(data)
			if err := db.SaveLicenseCatalog(cmd.Context(), data, hex.EncodeToString(sum[:]), n); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Licence catalogue updated: %d products (%d not in the built-in table of %d)\n", n, added, len(embedded.Products()))
			return nil
		},
	}
	cmd.AddCommand(update)
	return cmd
}
