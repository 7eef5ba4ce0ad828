package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/config"
)

func newConfigCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect and validate the configuration file",
	}
	cmd.AddCommand(newConfigValidateCommand(a))
	return cmd
}

func newConfigValidateCommand(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Validate the configuration: keys, values, files and secret references",
		Long: `validate reads the configuration strictly (unknown keys are errors), checks
every connection's values, that its CA and certificate files exist, and that
its secret references (env:NAME, file:PATH) resolve. It prints each
connection's effective cloud endpoints. It never prints a secret.
Exit 0 when valid, 2 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, _, err := a.LoadConfig()
			if err != nil {
				return err
			}
			var problems []error
			for i := range f.Connections {
				if err := f.CheckSecrets(&f.Connections[i], a.Getenv); err != nil {
					problems = append(problems, err)
				}
			}
			if len(problems) > 0 {
				return ConfigError(errors.Join(problems...))
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "CONNECTION\tTENANT\tCLIENT ID\tCREDENTIAL\tCLOUD\tGRAPH\tLOGIN")
			for i := range f.Connections {
				c := &f.Connections[i]
				p, err := c.Profile()
				if err != nil {
					return ConfigError(err)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Tenant, c.ClientID, credentialText(c), p.Name, p.GraphURL, p.LoginURL)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			where := f.Path
			if where == "" {
				where = "environment"
			}
			_, err = fmt.Fprintf(a.Stdout, "%s: valid (%d connection%s)\n", where, len(f.Connections), plural(len(f.Connections)))
			return err
		},
	}
}

// credentialText describes a connection's credential by reference only.
func credentialText(c *config.Connection) string {
	if cc := c.ClientCertificate; cc != nil {
		s := "certificate " + cc.Path
		if cc.SendX5C {
			s += " (x5c)"
		}
		return s
	}
	return "secret " + strings.TrimSpace(c.ClientSecret.String())
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
