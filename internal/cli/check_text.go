package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tenantscope/tenantscope/internal/permission"
)

// writeText prints the check report for a person: the connection and
// tenant, then the features, then warnings and least-privilege advice.
func (rep *CheckReport) writeText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Connection\t%s (cloud %s)\n", rep.Connection, rep.Cloud)
	tenant := rep.Tenant.ID
	if rep.Tenant.DisplayName != "" {
		tenant = rep.Tenant.DisplayName + " (" + rep.Tenant.ID + ")"
	}
	fmt.Fprintf(tw, "Tenant\t%s\n", tenant)
	if len(rep.Tenant.VerifiedDomains) > 0 {
		fmt.Fprintf(tw, "Verified domains\t%s\n", strings.Join(rep.Tenant.VerifiedDomains, ", "))
	}
	fmt.Fprintf(tw, "Entra ID tier\t%s\n", permission.Tier(rep.Tenant.Tier))
	fmt.Fprintf(tw, "App\t%s (client %s)\n", rep.App.ClientID, rep.App.Credential)
	fmt.Fprintf(tw, "Granted\t%d application permissions\n", len(rep.App.Roles))
	for _, c := range rep.App.Credentials {
		if !c.InUse && len(rep.App.Credentials) > 1 {
			continue
		}
		end := "no end date"
		if c.EndDateTime != nil {
			end = fmt.Sprintf("expires %s (%s)", c.EndDateTime.UTC().Format(time.DateOnly), daysText(c))
		}
		fmt.Fprintf(tw, "%s\t%q %s\n", capitalise(kindWord(c.Type)), c.DisplayName, end)
	}
	tw.Flush()

	fmt.Fprintln(bw)
	tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FEATURE\tSTATUS\tDETAIL")
	for _, f := range rep.Features {
		detail := strings.Join(f.Using, ", ")
		if f.Status == permission.Degraded || (f.Status == permission.OK && len(f.Reasons) > 0 && detail == "") {
			detail = strings.Join(f.Reasons, "; ")
		}
		if f.Status == permission.Off {
			detail = "not enabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Feature, f.Status, detail)
	}
	tw.Flush()

	if len(rep.Warnings) > 0 {
		fmt.Fprintln(bw, "\nWarnings:")
		for _, s := range rep.Warnings {
			fmt.Fprintln(bw, "  - "+s)
		}
	}
	if len(rep.Unneeded) > 0 {
		fmt.Fprintln(bw, "\nGranted but not needed by the enabled features (least privilege: consider removing):")
		tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		for _, u := range rep.Unneeded {
			fmt.Fprintf(tw, "  %s\t%s\n", u.Permission, u.Why)
		}
		tw.Flush()
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(bw, "\nNotes:")
		for _, s := range rep.Notes {
			fmt.Fprintln(bw, "  - "+s)
		}
	}
	fmt.Fprintf(bw, "\nResult: %s\n", rep.Status)
	return bw.Flush()
}

func daysText(c CheckCredential) string {
	switch c.Status {
	case "expired":
		return "EXPIRED"
	case "expiring":
		return fmt.Sprintf("in %d days: renew it", c.DaysLeft)
	}
	return fmt.Sprintf("in %d days", c.DaysLeft)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
