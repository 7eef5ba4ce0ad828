package cli

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecretNeverLeaks runs the commands a user runs — sim serve
// --write-config, config validate, check (text and JSON, debug logs in both
// formats, with the right and a wrong secret), demo — in process, and greps
// every output stream, log line and written file for the secrets. Only the
// secret file sim serve writes (mode 0600) may hold one.
func TestSecretNeverLeaks(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "sim.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	serveOut, serveErr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int)
	go func() {
		done <- Main(ctx, []string{"--log-level", "debug", "sim", "serve", "--profile", "small", "--seed", "3", "--write-config", cfg},
			Env{Stdout: serveOut, Stderr: serveErr, Getenv: func(string) string { return "" }})
	}()
	waitForFile(t, cfg)

	secretFile := filepath.Join(dir, "sim.secret")
	waitForFile(t, secretFile)
	b, err := os.ReadFile(secretFile)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(b))
	if len(secret) < 16 {
		t.Fatalf("secret file holds %d characters", len(secret))
	}
	if fi, _ := os.Stat(secretFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, want 0600", fi.Mode().Perm())
	}
	const wrong = "Wr0ng~this-must-not-appear-anywhere-42"

	var outputs []string
	record := func(r result) {
		outputs = append(outputs, r.stdout, r.stderr)
	}
	none := map[string]string{}
	for _, format := range []string{"text", "json"} {
		record(runCLI(t, none, "--config", cfg, "--log-level", "debug", "--log-format", format, "config", "validate"))
		r := runCLI(t, none, "--config", cfg, "--log-level", "debug", "--log-format", format, "check")
		if r.code != 0 {
			t.Fatalf("check exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		record(r)
		record(runCLI(t, none, "--config", cfg, "--log-level", "debug", "--log-format", format, "check", "-o", "json"))
	}
	// The same configuration with the secret in the environment, and wrong.
	envCfg := filepath.Join(dir, "env.yaml")
	body, _ := os.ReadFile(cfg)
	os.WriteFile(envCfg, []byte(strings.Replace(string(body), "file:sim.secret", "env:APP_SECRET", 1)), 0o644)
	for _, s := range []string{secret, wrong} {
		r := runCLI(t, map[string]string{"APP_SECRET": s}, "--config", envCfg, "--log-level", "debug", "--log-format", "json", "check")
		record(r)
		if s == wrong && (r.code != 2 || !strings.Contains(r.stderr, "AADSTS7000215")) {
			t.Fatalf("wrong secret: exit %d\n%s", r.code, r.stderr)
		}
	}
	// A literal secret in the file is refused without being echoed.
	litCfg := filepath.Join(dir, "literal.yaml")
	os.WriteFile(litCfg, []byte(strings.Replace(string(body), "file:sim.secret", secret, 1)), 0o644)
	r := runCLI(t, none, "--config", litCfg, "config", "validate")
	if r.code != 2 || !strings.Contains(r.stderr, "a literal secret is not allowed") {
		t.Fatalf("literal secret: exit %d\n%s", r.code, r.stderr)
	}
	record(r)
	os.Remove(litCfg) // written by the test, not by tenantscope

	demoDir := filepath.Join(dir, "demo")
	r = runCLI(t, none, "--log-level", "debug", "demo", "--dir", demoDir)
	if r.code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	record(r)

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("sim serve exit %d: %s", code, serveErr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim serve did not stop on cancel")
	}
	outputs = append(outputs, serveOut.String(), serveErr.String())
	if !strings.Contains(serveOut.String(), "graphsim serving small tenant") {
		t.Fatalf("sim serve output:\n%s", serveOut.String())
	}

	demoSecret, err := os.ReadFile(filepath.Join(demoDir, "demo.secret"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{secret, wrong, strings.TrimSpace(string(demoSecret))}
	for i, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("output %d contains a secret:\n%s", i, out)
			}
		}
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".secret") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s contains a secret", path)
			}
		}
		return nil
	})
}
