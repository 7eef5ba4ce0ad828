package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/graphsim"
)

// DemoStep is one command the demo runs against its simulator, as a
// tenantscope command line (without --config and --db, which the demo
// supplies). Exit code 1 (findings) is expected of reports and does not stop
// the demo; 2 does.
type DemoStep struct {
	Title string
	Args  []string
}

// demoSteps is what `tenantscope demo` shows, in order. Each feature that
// lands adds its step here (sync, reports, then the dashboard last, since
// `serve` runs until interrupted).
func demoSteps() []DemoStep {
	return []DemoStep{
		{Title: "Check the connection: sign-in, permissions, tier, credential expiry", Args: []string{"check"}},
		{Title: "Sync the tenant into the local database", Args: []string{"sync"}},
		{Title: "Licence report: purchased, assigned, available and active seats, cost", Args: []string{"report", "licenses"}},
		{Title: "Recommendations: licences to reclaim, overlaps, downgrades, seats to cut", Args: []string{"report", "recommendations"}},
		{Title: "Spend: what each SKU costs a year, what unassigned seats and inactive users cost, what the recommendations save", Args: []string{"report", "spend"}},
		{Title: "Risk: who holds Global Administrator, and who may activate it with PIM", Args: []string{"roles", "--role", "Global Administrator"}},
		{Title: "Risk: applications that can write the directory through Microsoft Graph", Args: []string{"grants", "--kind", "application", "--permission", "Directory.ReadWrite.All"}},
	}
}

func newDemoCommand(a *App) *cobra.Command {
	var profile, dir string
	var keep bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run tenantscope end to end against a built-in simulated tenant (loopback only)",
		Long: `demo starts graphsim in process on 127.0.0.1, writes a connection
configuration for it, and runs tenantscope's commands against it one after the
other. Nothing leaves this machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The steps' own output tells the story; progress logs only
			// when asked for.
			level := a.LogLevel
			if !cmd.Flags().Changed("log-level") {
				level = "warn"
			}
			return a.runDemo(cmd.Context(), profile, dir, level, keep, demoSteps())
		},
	}
	cmd.Flags().StringVar(&profile, "profile", "small", "simulated tenant size: small or medium")
	cmd.Flags().StringVar(&dir, "dir", "", "directory for the demo's configuration and database (default: a temporary directory, removed afterwards)")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary directory")
	return cmd
}

func (a *App) runDemo(ctx context.Context, profile, dir, logLevel string, keep bool, steps []DemoStep) error {
	if profile != "small" && profile != "medium" {
		return usageError{fmt.Errorf("--profile %q: the demo runs small or medium", profile)}
	}
	kept := dir != "" || keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "tenantscope-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		dir = tmp
		if !keep {
			defer os.RemoveAll(tmp)
		}
	}
	t, err := simTenant(simFlags{profile: profile, seed: 1, grant: "all", tier: "p2", today: a.today()})
	if err != nil {
		return err
	}
	run, err := graphsim.Start(graphsim.Options{}, t)
	if err != nil {
		return fmt.Errorf("demo: start simulator: %w", err)
	}
	defer run.Close()
	files, err := WriteSimConfig(filepath.Join(dir, "demo.yaml"), run, t)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "Simulated tenant %q (%s profile) at %s\nConfiguration %s\n", t.DisplayName, profile, run.URL, files.Config)

	for i, s := range steps {
		args := append([]string{"--config", files.Config, "--db", filepath.Join(dir, "tenantscope.db"),
			"--log-format", a.LogFormat, "--log-level", logLevel}, s.Args...)
		fmt.Fprintf(a.Stdout, "\n== Step %d/%d: %s\n$ tenantscope %s\n\n", i+1, len(steps), s.Title, joinArgs(s.Args))
		code := Main(ctx, args, Env{Stdout: a.Stdout, Stderr: a.Stderr, Getenv: demoEnv(a.Getenv), Now: a.Now})
		if code == ExitConfig || ctx.Err() != nil {
			return &ExitError{Code: code, Err: fmt.Errorf("demo step %q failed (exit %d)", s.Title, code)}
		}
	}
	if kept {
		fmt.Fprintf(a.Stdout, "\nDemo files kept in %s\n", dir)
	}
	return nil
}

// demoEnv hides the TENANTSCOPE_* variables that would point the demo's
// commands at another tenant or database.
func demoEnv(getenv func(string) string) func(string) string {
	return func(k string) string {
		switch k {
		case "TENANTSCOPE_CONFIG", "TENANTSCOPE_CONNECTION", "TENANTSCOPE_DB", "TENANTSCOPE_TENANT",
			"TENANTSCOPE_CLIENT_ID", "TENANTSCOPE_CLIENT_SECRET", "TENANTSCOPE_CLOUD":
			return ""
		}
		return getenv(k)
	}
}

// joinArgs shows a command line as a shell would take it: an argument
// with a space or a shell character is single-quoted.
func joinArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"*?$&|;<>()[]{}`\\!#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
