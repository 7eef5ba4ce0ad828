package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRootUsageAndHelp(t *testing.T) {
	r := runCLI(t, nil, "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "tenantscope ") {
		t.Fatalf("--version: %d %q", r.code, r.stdout)
	}
	r = runCLI(t, nil, "help", "exit-codes")
	if r.code != 0 || !strings.Contains(r.stdout, "2  cannot connect or not configured") {
		t.Fatalf("help exit-codes: %d %q", r.code, r.stdout)
	}
	r = runCLI(t, nil, "--help")
	for _, w := range []string{"check", "config", "sim", "demo", "completion", "--config", "--connection", "--db", "--log-format", "Exit codes:"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("root help lacks %q", w)
		}
	}
	for _, args := range [][]string{{"--bogus"}, {"nosuchcommand"}, {"--log-format", "xml", "version"}, {"--log-level", "loud", "version"}, {"check", "extra"}} {
		if r := runCLI(t, nil, args...); r.code != 2 || !strings.Contains(r.stderr, "Error: ") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	r = runCLI(t, nil, "completion", "bash")
	if r.code != 0 || !strings.Contains(r.stdout, "__start_tenantscope") {
		t.Fatalf("completion: %d", r.code)
	}
}

func TestNoConfigurationExitsTwo(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	r := runCLI(t, nil, "check")
	if r.code != 2 || !strings.Contains(r.stderr, "no configuration file: pass --config FILE or set TENANTSCOPE_CONFIG") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, nil, "--config", "missing.yaml", "check")
	if r.code != 2 || !strings.Contains(r.stderr, "missing.yaml does not exist") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestEnvironmentAndFlagOverrides(t *testing.T) {
	s := startSim(t, nil)
	// A second connection, first in the file, that cannot work: selecting
	// the simulator's by --connection or TENANTSCOPE_CONNECTION must.
	b, _ := os.ReadFile(s.config)
	broken := "connections:\n    - name: broken\n      tenant: contoso.com\n      client_id: 11111111-2222-3333-4444-555555555555\n      client_secret: env:NOPE\n"
	os.WriteFile(s.config, []byte(strings.Replace(string(b), "connections:\n", broken, 1)), 0o644)

	r := runCLI(t, nil, "--config", s.config, "check")
	if r.code != 2 || !strings.Contains(r.stderr, "environment variable NOPE is not set") {
		t.Fatalf("first connection: exit %d %s", r.code, r.stderr)
	}
	r = runCLI(t, nil, "--config", s.config, "--connection", "sim", "check")
	if r.code != 0 {
		t.Fatalf("--connection sim: exit %d %s", r.code, r.stderr)
	}
	r = runCLI(t, map[string]string{"TENANTSCOPE_CONFIG": s.config, "TENANTSCOPE_CONNECTION": "sim"}, "check")
	if r.code != 0 {
		t.Fatalf("env config+connection: exit %d %s", r.code, r.stderr)
	}
	// TENANTSCOPE_CLIENT_SECRET replaces the file reference; the flag beats
	// the environment for the tenant.
	env := map[string]string{"TENANTSCOPE_CONFIG": s.config, "TENANTSCOPE_CONNECTION": "sim", "TENANTSCOPE_CLIENT_SECRET": s.secret,
		"TENANTSCOPE_TENANT": "nosuchtenant.onmicrosoft.com"}
	if r = runCLI(t, env, "check"); r.code != 2 || !strings.Contains(r.stderr, "AADSTS90002") {
		t.Fatalf("env tenant: exit %d %s", r.code, r.stderr)
	}
	if r = runCLI(t, env, "--tenant", s.tenant.ID, "check"); r.code != 0 {
		t.Fatalf("--tenant beats env: exit %d %s", r.code, r.stderr)
	}
	if r = runCLI(t, env, "--tenant", "not a tenant", "check"); r.code != 2 || !strings.Contains(r.stderr, "after environment and flag overrides") {
		t.Fatalf("invalid override: exit %d %s", r.code, r.stderr)
	}
}

func TestConfigValidate(t *testing.T) {
	s := startSim(t, nil)
	r := runCLI(t, nil, "--config", s.config, "config", "validate")
	if r.code != 0 || !strings.Contains(r.stdout, s.config+": valid (1 connection)") || !strings.Contains(r.stdout, "secret file:sim.secret") {
		t.Fatalf("valid config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	os.Remove(filepath.Join(s.dir, "sim.secret"))
	r = runCLI(t, nil, "--config", s.config, "config", "validate")
	if r.code != 2 || !strings.Contains(r.stderr, `connection "sim": client_secret: secret unavailable: read secret file`) {
		t.Fatalf("missing secret file: exit %d\n%s", r.code, r.stderr)
	}
	s.rewrite(t, "cloud: custom", "cloud: custom\n      colud: global")
	r = runCLI(t, nil, "--config", s.config, "config", "validate")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown key "colud" in connection`) {
		t.Fatalf("unknown key: exit %d\n%s", r.code, r.stderr)
	}
}

func TestDemoRunsCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := runCLI(t, map[string]string{"TENANTSCOPE_CONFIG": "/nonexistent.yaml"}, "demo", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, w := range []string{"== Step 1/", "$ tenantscope check", "Result: ok", "Demo files kept in " + dir} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("demo output lacks %q:\n%s", w, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "demo.yaml")); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, nil, "demo", "--profile", "large"); r.code != 2 {
		t.Fatalf("demo --profile large: exit %d", r.code)
	}
}

func TestEveryCommandIsRegisteredOnce(t *testing.T) {
	root := NewRootCommand(newApp(Env{}))
	seen := map[string]bool{}
	for _, c := range root.Commands() {
		if seen[c.Name()] {
			t.Errorf("command %q is registered twice", c.Name())
		}
		seen[c.Name()] = true
	}
}
