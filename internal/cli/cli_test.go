package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
)

// result is one in-process run of the tenantscope command line.
type result struct {
	code           int
	stdout, stderr string
}

// syncBuffer lets a long-running command (sim serve) write while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCLI runs tenantscope with args and an environment of exactly env.
func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// simulator is an in-process graphsim with a written configuration.
type simulator struct {
	run    *graphsim.Running
	tenant *graphsim.Tenant
	dir    string
	config string
	secret string
}

// startSim generates a small tenant (edit adjusts its profile), serves it
// and writes its configuration with WriteSimConfig.
func startSim(t *testing.T, edit func(*graphsim.Profile)) *simulator {
	t.Helper()
	p, err := graphsim.ProfileByName("small", 7)
	if err != nil {
		t.Fatal(err)
	}
	p.Concealed = false // the profile default conceals report names, which check flags
	if edit != nil {
		edit(&p)
	}
	ten, err := graphsim.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	run, err := graphsim.Start(graphsim.Options{}, ten)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	dir := t.TempDir()
	files, err := WriteSimConfig(filepath.Join(dir, "sim.yaml"), run, ten)
	if err != nil {
		t.Fatal(err)
	}
	return &simulator{run: run, tenant: ten, dir: dir, config: files.Config, secret: ten.ConnectorSecret()}
}

// rewrite replaces old with new in the simulator's configuration file.
func (s *simulator) rewrite(t *testing.T, old, new string) {
	t.Helper()
	b, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("config has no %q:\n%s", old, b)
	}
	if err := os.WriteFile(s.config, bytes.ReplaceAll(b, []byte(old), []byte(new)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// allPermissionsExcept lists the simulator's Graph permissions without some.
func allPermissionsExcept(drop ...string) []string {
	var out []string
	for _, r := range graphsim.GraphAppRoles() {
		keep := true
		for _, d := range drop {
			keep = keep && r.Value != d
		}
		if keep {
			out = append(out, r.Value)
		}
	}
	return out
}

// featureLine returns check's table line for a feature.
func featureLine(t *testing.T, out, feature string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == feature {
			return l
		}
	}
	t.Fatalf("no line for %s in:\n%s", feature, out)
	return ""
}

func waitForFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
}
