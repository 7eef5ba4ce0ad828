package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/cloud"
	"github.com/tenantscope/tenantscope/internal/config"
)

func newSimCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run graphsim, the built-in simulator of Microsoft Graph, the identity platform and Azure Resource Manager",
	}
	cmd.AddCommand(newSimServeCommand(a))
	return cmd
}

// simFlags are `sim serve`'s flags (the stable interface in DESIGN.md).
type simFlags struct {
	profile     string
	seed        int64
	addr        string
	latency     time.Duration
	throttle    string
	grant       string
	tier        string
	concealed   bool
	writeConfig string
	// today is the tenant's "today" (midnight UTC): activity, expiry and
	// renewal dates are generated relative to it, so a simulator started
	// now looks current to the commands run against it on the same clock.
	today time.Time
}

// today is midnight UTC of the app's clock.
func (a *App) today() time.Time { return a.Now().UTC().Truncate(24 * time.Hour) }

func newSimServeCommand(a *App) *cobra.Command {
	var sf simFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a synthetic tenant over HTTPS until interrupted",
		Long: `serve generates a deterministic synthetic tenant and serves Microsoft Graph,
the token endpoint and Azure Resource Manager for it over HTTPS with its own CA,
on loopback by default. --write-config writes a ready connection configuration
(with the client secret in a 0600 file beside it and the CA certificate), so
that 'tenantscope --config FILE check' works against it at once.`,
		Example: "  tenantscope sim serve --profile medium --write-config sim.yaml\n  tenantscope --config sim.yaml check",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sf.today = a.today()
			return a.simServe(cmd.Context(), sf)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&sf.profile, "profile", "small", "tenant size: small (50 users), medium (5,000) or large (100,000)")
	fl.Int64Var(&sf.seed, "seed", 1, "generator seed; the same seed gives the same tenant")
	fl.StringVar(&sf.addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	fl.DurationVar(&sf.latency, "latency", 0, "latency added to every response, e.g. 20ms")
	fl.StringVar(&sf.throttle, "throttle", "off", "throttling: graph (Microsoft's documented limits) or off")
	fl.StringVar(&sf.grant, "grant", "all", "application permissions consented to the app: all, none, or PERM,PERM,...")
	fl.StringVar(&sf.tier, "tier", "p2", "the tenant's Entra ID tier: free, p1 or p2")
	fl.BoolVar(&sf.concealed, "concealed", false, "conceal user names in usage reports (reportSettings.displayConcealedNames)")
	fl.StringVar(&sf.writeConfig, "write-config", "", "write a connection configuration for this simulator to FILE")
	return cmd
}

// simTenant generates the tenant the flags describe.
func simTenant(sf simFlags) (*graphsim.Tenant, error) {
	p, err := graphsim.ProfileByName(sf.profile, sf.seed)
	if err != nil {
		return nil, usageError{fmt.Errorf("--profile: %w", err)}
	}
	switch graphsim.Tier(sf.tier) {
	case graphsim.TierFree, graphsim.TierP1, graphsim.TierP2:
		p.Tier = graphsim.Tier(sf.tier)
	default:
		return nil, usageError{fmt.Errorf("--tier %q: want free, p1 or p2", sf.tier)}
	}
	p.Concealed = sf.concealed
	p.Now = sf.today
	switch g := strings.TrimSpace(sf.grant); g {
	case "all", "":
		p.Granted = nil
	case "none":
		p.Granted = []string{}
	default:
		for _, perm := range strings.Split(g, ",") {
			perm = strings.TrimSpace(perm)
			if _, ok := graphsim.GraphAppRoleByValue(perm); !ok {
				return nil, usageError{fmt.Errorf("--grant: %q is not a Microsoft Graph application permission the simulator knows", perm)}
			}
			p.Granted = append(p.Granted, perm)
		}
	}
	t, err := graphsim.Generate(p)
	if err != nil {
		return nil, fmt.Errorf("generate %s tenant: %w", sf.profile, err)
	}
	return t, nil
}

func (a *App) simServe(ctx context.Context, sf simFlags) error {
	opts := graphsim.Options{Latency: sf.latency}
	switch sf.throttle {
	case "graph":
		opts.Throttle = true
	case "off":
	default:
		return usageError{fmt.Errorf("--throttle %q: want graph or off", sf.throttle)}
	}
	t, err := simTenant(sf)
	if err != nil {
		return err
	}
	run, err := graphsim.Listen(sf.addr, opts, t)
	if err != nil {
		return ConfigError(err)
	}
	defer run.Close()

	fmt.Fprintf(a.Stdout, "graphsim serving %s tenant %q on %s\n", sf.profile, t.DisplayName, run.URL)
	fmt.Fprintf(a.Stdout, "  tenant     %s (%s)\n", t.ID, t.InitialDomain)
	fmt.Fprintf(a.Stdout, "  client id  %s\n", t.Connector.AppID)
	if sf.writeConfig != "" {
		files, err := WriteSimConfig(sf.writeConfig, run, t)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.Stdout, "  config     %s (secret in %s, CA in %s)\n", files.Config, files.Secret, files.CA)
		fmt.Fprintf(a.Stdout, "Try: tenantscope --config %s check\n", files.Config)
	} else {
		fmt.Fprintln(a.Stdout, "  (use --write-config FILE for a ready configuration with the client secret and CA)")
	}
	fmt.Fprintln(a.Stdout, "Press Ctrl+C to stop.")
	<-ctx.Done()
	a.Log.Info("graphsim stopping")
	return nil
}

// SimFiles are the files WriteSimConfig wrote.
type SimFiles struct{ Config, Secret, CA string }

// WriteSimConfig writes a connection configuration for a running simulator
// to path: cloud custom with the simulator's URL as every endpoint, the CA
// certificate in <name>-ca.pem and the connector's client secret in
// <name>.secret (mode 0600), both beside path and referred to relatively.
func WriteSimConfig(path string, run *graphsim.Running, t *graphsim.Tenant) (SimFiles, error) {
	dir := filepath.Dir(path)
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	files := SimFiles{Config: path, Secret: filepath.Join(dir, base+".secret"), CA: filepath.Join(dir, base+"-ca.pem")}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return files, fmt.Errorf("write sim config: %w", err)
	}
	if err := writeFileMode(files.Secret, []byte(t.ConnectorSecret()+"\n"), 0o600); err != nil {
		return files, fmt.Errorf("write sim secret file: %w", err)
	}
	if err := run.WriteCA(files.CA); err != nil {
		return files, err
	}
	doc := struct {
		Connections []config.Connection `yaml:"connections"`
	}{Connections: []config.Connection{{
		Name:         "sim",
		Tenant:       t.ID,
		ClientID:     t.Connector.AppID,
		ClientSecret: config.SecretRef("file:" + filepath.Base(files.Secret)),
		Cloud:        cloud.Custom,
		Endpoints:    &config.Endpoints{Login: run.URL, Graph: run.URL, ARM: run.URL},
		CAFile:       filepath.Base(files.CA),
	}}}
	body, err := yaml.Marshal(doc)
	if err != nil {
		return files, fmt.Errorf("write sim config: %w", err)
	}
	header := fmt.Sprintf("# Written by `tenantscope sim serve` for the simulator at %s.\n# The client secret is in %s (mode 0600), never in this file.\n",
		run.URL, filepath.Base(files.Secret))
	if err := writeFileMode(path, append([]byte(header), body...), 0o644); err != nil {
		return files, fmt.Errorf("write sim config: %w", err)
	}
	return files, nil
}

// writeFileMode writes data with exactly mode perm, even over an existing
// file with wider permissions.
func writeFileMode(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	// Narrow the mode before writing, so a secret never sits in a file
	// others can read.
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
