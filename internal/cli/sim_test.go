package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
)

func TestSimServeFlagsShapeTheTenant(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "free.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int)
	go func() {
		done <- Main(ctx, []string{"sim", "serve", "--profile", "small", "--seed", "9", "--tier", "free", "--throttle", "graph",
			"--latency", "1ms", "--concealed", "--grant", "User.Read.All, Reports.Read.All,Organization.Read.All", "--write-config", cfg},
			Env{Stdout: out, Stderr: errb, Getenv: func(string) string { return "" }})
	}()
	waitForFile(t, cfg)
	waitForFile(t, filepath.Join(dir, "free-ca.pem"))

	r := runCLI(t, nil, "--config", cfg, "check", "-o", "json")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "--config", cfg, "check")
	for feature, want := range map[string]string{
		"users": "ok", "usage_reports": "ok", "organization": "ok", "licenses": "ok",
		"sign_in_activity": "degraded", "groups": "degraded", "pim": "degraded",
	} {
		if got := strings.Fields(featureLine(t, r.stdout, feature))[1]; got != want {
			t.Errorf("%s = %s, want %s", feature, got, want)
		}
	}
	if !strings.Contains(r.stdout, "Entra ID tier     Free") || !strings.Contains(featureLine(t, r.stdout, "sign_in_activity"), "the tenant has Entra ID Free; this needs P1") {
		t.Errorf("tier not free:\n%s", r.stdout)
	}
	// Application.Read.All is withheld, so the secret's expiry is unknown.
	if !strings.Contains(r.stdout, "credential expiry not readable: Authorization_RequestDenied") {
		t.Errorf("no expiry note:\n%s", r.stdout)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("sim serve exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim serve did not stop")
	}

	for _, bad := range [][]string{
		{"sim", "serve", "--grant", "Bogus.Read.All"},
		{"sim", "serve", "--tier", "p3"},
		{"sim", "serve", "--throttle", "maybe"},
		{"sim", "serve", "--profile", "huge"},
		{"sim", "serve", "--addr", "not-an-address"},
	} {
		if r := runCLI(t, nil, bad...); r.code != 2 || !strings.Contains(r.stderr, "Error: ") {
			t.Errorf("%v: exit %d %s", bad, r.code, r.stderr)
		}
	}
}

func TestCheckExpiredSecret(t *testing.T) {
	s := startSim(t, nil)
	const old = "0ld~expired-secret-value-0123456789abc"
	now := time.Now().UTC()
	s.tenant.AddPasswordCredential(s.tenant.Connector.AppID, graphsim.PasswordCredential{
		DisplayName: "last year's", StartDateTime: now.Add(-400 * 24 * time.Hour), EndDateTime: now.Add(-24 * time.Hour), SecretText: old,
	})
	if err := os.WriteFile(filepath.Join(s.dir, "sim.secret"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "--config", s.config, "check")
	if r.code != 2 || !strings.Contains(r.stderr, "the client secret has expired (AADSTS7000222)") || !strings.Contains(r.stderr, "fix: create a new client secret") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, old) {
		t.Fatal("secret printed")
	}
}
