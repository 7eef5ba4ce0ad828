package conformance

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
)

// TestMicrosoftJavaScriptSDK runs MSAL Node and @microsoft/microsoft-graph-client
// (js/graph-sdk.mjs) against an in-process simulator. It needs Node.js and
// the npm registry, so it runs only with TENANTSCOPE_SDK_CONFORMANCE=1:
//
//	TENANTSCOPE_SDK_CONFORMANCE=1 go test ./conformance -run JavaScriptSDK -v
func TestMicrosoftJavaScriptSDK(t *testing.T) {
	if os.Getenv("TENANTSCOPE_SDK_CONFORMANCE") != "1" {
		t.Skip("set TENANTSCOPE_SDK_CONFORMANCE=1 to run Microsoft's JavaScript SDK against graphsim (needs node and npm)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := os.Stat("js/node_modules/@microsoft/microsoft-graph-client"); err != nil {
		install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
		install.Dir = "js"
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm install: %v\n%s", err, out)
		}
	}

	p, err := graphsim.ProfileByName("small", 21)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := graphsim.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := graphsim.Start(graphsim.Options{}, tn)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := sim.WriteCA(ca); err != nil {
		t.Fatal(err)
	}

	run := exec.CommandContext(ctx, node, "graph-sdk.mjs")
	run.Dir = "js"
	run.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+ca, "SIM_URL="+sim.URL, "SIM_TENANT="+tn.ID,
		"SIM_CLIENT_ID="+tn.Connector.AppID, "SIM_CLIENT_SECRET="+tn.ConnectorSecret())
	out, err := run.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("graph-sdk.mjs: %v\n%s", err, strings.ReplaceAll(stderr, tn.ConnectorSecret(), "[secret]"))
	}
	var got struct {
		Users, Delta  []string
		DeltaLink     string
		Skus          []string
		Org           string
		VersionedStep struct {
			Status  int
			Message string
		}
		NotFound struct {
			StatusCode int
			Code       string
		}
		Roles int
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output: %v\n%s", err, out)
	}

	var users, skus []string
	granted := 0
	tn.Snapshot(func(t *graphsim.Tenant) {
		for _, u := range t.Users {
			users = append(users, u.ID)
		}
		for _, s := range t.SubscribedSKUs {
			skus = append(skus, s.SkuID)
		}
		granted = len(t.Connector.Granted)
	})
	sortedEqual := func(a, b []string) bool {
		a, b = slices.Clone(a), slices.Clone(b)
		slices.Sort(a)
		slices.Sort(b)
		return slices.Equal(a, b)
	}
	if !sortedEqual(got.Users, users) {
		t.Errorf("PageIterator over /users: %d users, tenant has %d", len(got.Users), len(users))
	}
	if !sortedEqual(got.Delta, users) || !strings.HasPrefix(got.DeltaLink, sim.URL+"/v1.0/users/delta") || !strings.Contains(got.DeltaLink, "deltatoken") {
		t.Errorf("users delta: %d users, deltaLink %q", len(got.Delta), got.DeltaLink)
	}
	if !sortedEqual(got.Skus, skus) || got.Org != tn.ID {
		t.Errorf("$batch: skus %v (tenant %v), organization %q", got.Skus, skus, got.Org)
	}
	if got.VersionedStep.Status != 400 || got.VersionedStep.Message != "Resource not found for the segment 'v1.0'." {
		t.Errorf("a batch step that keeps the version segment: %+v", got.VersionedStep)
	}
	if got.NotFound.StatusCode != 404 || got.NotFound.Code != "Request_ResourceNotFound" {
		t.Errorf("not found as the SDK reports it: %+v", got.NotFound)
	}
	if got.Roles != granted {
		t.Errorf("MSAL token roles: %d, granted %d", got.Roles, granted)
	}
}
