// Package cli owns tenantscope's command line: the root command and its
// global flags (configuration, connection, database, logging), exit codes,
// the shared table/json/csv output writer, and the foundation commands
// (check, config, sim, demo, version). Other commands live in their own files
// of this package and are listed in commands.go.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/config"
)

// Environment variables of the global flags.
const (
	EnvDB = "TENANTSCOPE_DB"
)

// DefaultDB is the database used when neither --db nor TENANTSCOPE_DB is set.
const DefaultDB = "tenantscope.db"

// Env is the process environment a command runs in; tests supply their own.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Now is the clock (expiry warnings); nil means time.Now.
	Now func() time.Time
}

// App is one invocation's state: global flags, streams and logger. Commands
// receive it; there is no package-level state.
type App struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	Log            *slog.Logger

	ConfigPath     string // --config / TENANTSCOPE_CONFIG
	ConnectionName string // --connection / TENANTSCOPE_CONNECTION
	DBPath         string // --db / TENANTSCOPE_DB
	LogFormat      string // --log-format text|json
	LogLevel       string // --log-level debug|info|warn|error

	flagOverrides config.Overrides
}

// Main runs tenantscope with args and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	a := newApp(env)
	root := NewRootCommand(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	code := exitCode(err)
	if err != nil {
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Err != nil {
			fmt.Fprintln(a.Stderr, "Error: "+err.Error())
		}
		if isUsageError(err) {
			code = ExitConfig
			fmt.Fprintln(a.Stderr, "Run 'tenantscope --help' for usage.")
		}
	}
	return code
}

func newApp(env Env) *App {
	a := &App{Stdout: env.Stdout, Stderr: env.Stderr, Getenv: env.Getenv, Now: env.Now}
	if a.Stdout == nil {
		a.Stdout = os.Stdout
	}
	if a.Stderr == nil {
		a.Stderr = os.Stderr
	}
	if a.Getenv == nil {
		a.Getenv = os.Getenv
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	a.Log = slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return a
}

type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

func isUsageError(err error) bool {
	var u usageError
	return errors.As(err, &u) || strings.HasPrefix(err.Error(), "unknown command ") ||
		strings.HasPrefix(err.Error(), "accepts ") || strings.HasPrefix(err.Error(), "requires ")
}

// NewRootCommand builds the command tree for a.
func NewRootCommand(a *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "tenantscope",
		Short: "Manage a Microsoft 365 / Entra ID tenant's identities, access and licences",
		Long: `tenantscope connects to a Microsoft 365 / Entra ID tenant with an app
registration's client credentials, checks what the granted permissions allow,
keeps a local copy of who has what, and finds wasted licences and risky access.

` + exitCodesHelp,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setup()
		},
	}
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	pf := root.PersistentFlags()
	pf.StringVar(&a.ConfigPath, "config", "", "configuration file (env "+config.EnvConfig+"; default ./tenantscope.yaml)")
	pf.StringVar(&a.ConnectionName, "connection", "", "connection name in the configuration (env "+config.EnvConnection+"; default the first)")
	pf.StringVar(&a.DBPath, "db", "", "database file (env "+EnvDB+"; default ./"+DefaultDB+")")
	pf.StringVar(&a.LogFormat, "log-format", "text", "log format on stderr: text or json")
	pf.StringVar(&a.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.StringVar(&a.flagOverrides.Tenant, "tenant", "", "override the connection's tenant (env "+config.EnvTenant+")")
	pf.StringVar(&a.flagOverrides.ClientID, "client-id", "", "override the connection's client ID (env "+config.EnvClientID+")")
	pf.StringVar(&a.flagOverrides.Cloud, "cloud", "", "override the connection's cloud (env "+config.EnvCloud+")")

	root.SetVersionTemplate("{{.Version}}\n")
	// A help topic: `tenantscope help exit-codes`.
	root.AddCommand(&cobra.Command{Use: "exit-codes", Short: "What tenantscope's exit codes mean", Long: exitCodesHelp})
	for _, newCmd := range commands() {
		root.AddCommand(newCmd(a))
	}
	return root
}

// setup applies environment defaults and builds the logger; it runs before
// every command.
func (a *App) setup() error {
	if a.ConfigPath == "" {
		a.ConfigPath = a.Getenv(config.EnvConfig)
	}
	if a.ConnectionName == "" {
		a.ConnectionName = a.Getenv(config.EnvConnection)
	}
	if a.DBPath == "" {
		a.DBPath = a.Getenv(EnvDB)
	}
	if a.DBPath == "" {
		a.DBPath = DefaultDB
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.LogLevel)); err != nil {
		return usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", a.LogLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch a.LogFormat {
	case "text":
		a.Log = slog.New(slog.NewTextHandler(a.Stderr, opts))
	case "json":
		a.Log = slog.New(slog.NewJSONHandler(a.Stderr, opts))
	default:
		return usageError{fmt.Errorf("--log-format %q: want text or json", a.LogFormat)}
	}
	return nil
}
