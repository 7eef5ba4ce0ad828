package graphsim

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// platStart serves the platform test tenant over HTTPS on loopback.
func platStart(t *testing.T, o Options) *Running {
	t.Helper()
	ten, _, _ := platTenant(t, time.Now().UTC())
	rs, err := Start(o, ten)
	if err != nil {
		t.Fatal(err)
	}
	platRoutes(rs.Server)
	t.Cleanup(func() {
		if err := rs.Close(); err != nil {
			t.Error(err)
		}
	})
	return rs
}

// platHostsMapped returns a client that trusts the simulator's CA and connects
// every host name to the simulator, as a hosts-file mapping would.
func platHostsMapped(rs *Running) *http.Client {
	tr := rs.Client().Transport.(*http.Transport).Clone()
	addr := strings.TrimPrefix(rs.URL, "https://")
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

func TestTLSWithTheSimulatorCA(t *testing.T) {
	rs := platStart(t, Options{})
	if !strings.HasPrefix(rs.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %q", rs.URL)
	}
	target := rs.URL + "/" + platTenantID + "/v2.0/.well-known/openid-configuration"
	resp, err := rs.Client().Get(target)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&cfg)
	resp.Body.Close()
	if resp.StatusCode != 200 || cfg["issuer"] != rs.URL+"/"+platTenantID+"/v2.0" {
		t.Fatalf("%d issuer %v", resp.StatusCode, cfg["issuer"])
	}
	// A client that does not trust the CA is refused.
	plain := &http.Client{Transport: &http.Transport{}}
	if _, err := plain.Get(target); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted client: err %v", err)
	}

	// The certificate names Microsoft's hosts, so a hosts mapping works.
	mapped := platHostsMapped(rs)
	for _, host := range []string{"graph.microsoft.com", "graph.microsoft.us", "microsoftgraph.chinacloudapi.cn", "localhost"} {
		aud := "https://" + host // each cloud's Graph takes its own tokens
		if host == "localhost" {
			aud = "https://graph.microsoft.com"
		}
		tok, _ := rs.Server.IssueToken(platTenantID, platConnectorApp, aud, nil)
		req, _ := http.NewRequest("GET", "https://"+host+"/v1.0/zzplatform/echo", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := mapped.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", host, resp.StatusCode)
		}
	}
	if _, err := mapped.Get("https://example.com/"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a host the certificate does not name: err %v", err)
	}

	// WriteCA writes exactly CAPEM, a CA certificate.
	path := filepath.Join(t.TempDir(), "sim-ca.pem")
	if err := rs.WriteCA(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	block, _ := pem.Decode(b)
	if !bytes.Equal(b, rs.CAPEM) || block == nil {
		t.Fatal("CA file differs from CAPEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("CA certificate: %v", err)
	}

	// After Close nothing answers.
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := platHostsMapped(rs).Get(target); err == nil {
		t.Fatal("served after Close")
	}
}

func TestListenAddressAndURL(t *testing.T) {
	ten, _, _ := platTenant(t, time.Now())
	rs, err := Listen("localhost:0", Options{}, ten)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if !strings.HasPrefix(rs.URL, "https://localhost:") {
		t.Fatalf("URL %q", rs.URL)
	}
	resp, err := rs.Client().Get(rs.URL + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("stats: %d", resp.StatusCode)
	}
	if _, err := Listen("no-port", Options{}); err == nil {
		t.Fatal("Listen without a port: want an error")
	}
}

// TestAzidentityEndToEnd runs Microsoft's own credential types (MSAL under
// azidentity) against the simulator over HTTPS, with and without instance
// discovery, on the simulator's address and on the real login host name.
func TestAzidentityEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts HTTPS servers and runs MSAL")
	}
	ten, key, cert := platTenant(t, time.Now().UTC())
	rs, err := Start(Options{}, ten)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	platRoutes(rs.Server)
	hc := platHostsMapped(rs)

	for _, authority := range []string{rs.URL + "/", "https://login.microsoftonline.com/"} {
		for _, disable := range []bool{true, false} {
			for _, kind := range []string{"secret", "certificate"} {
				name := kind + " authority=" + authority + " disableInstanceDiscovery=" + map[bool]string{true: "true", false: "false"}[disable]
				t.Run(name, func(t *testing.T) {
					opts := azcore.ClientOptions{
						Transport: hc,
						Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: authority},
					}
					var cred azcore.TokenCredential
					var err error
					if kind == "secret" {
						cred, err = azidentity.NewClientSecretCredential("contoso.com", platConnectorApp, platSecret,
							&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disable})
					} else {
						cred, err = azidentity.NewClientCertificateCredential(platTenantID, platConnectorApp, []*x509.Certificate{cert}, key,
							&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disable, SendCertificateChain: true})
					}
					if err != nil {
						t.Fatal(err)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					at, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
					if err != nil {
						t.Fatal(err)
					}
					if d := time.Until(at.ExpiresOn); d < 3500*time.Second || d > 3600*time.Second {
						t.Fatalf("ExpiresOn in %v", d)
					}
					_, claims := platDecodeClaims(t, at.Token)
					wantACR := map[string]string{"secret": "1", "certificate": "2"}[kind]
					if claims["tid"] != platTenantID || claims["appid"] != platConnectorApp || claims["appidacr"] != wantACR {
						t.Fatalf("claims %v", claims)
					}
					req, _ := http.NewRequest("GET", rs.URL+"/v1.0/zzplatform/echo", nil)
					req.Header.Set("Authorization", "Bearer "+at.Token)
					resp, err := hc.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						t.Fatalf("Graph with azidentity's token: %d", resp.StatusCode)
					}
					// ARM tokens come from the same credential.
					at, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}})
					if err != nil {
						t.Fatal(err)
					}
					if _, claims := platDecodeClaims(t, at.Token); claims["aud"] != "https://management.azure.com" || claims["roles"] != nil {
						t.Fatalf("ARM claims %v", claims)
					}
				})
			}
		}
	}

	// A wrong secret surfaces Microsoft's error through azidentity.
	cred, err := azidentity.NewClientSecretCredential(platTenantID, platConnectorApp, "wrong",
		&azidentity.ClientSecretCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: hc,
			Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: rs.URL + "/"}}, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") || strings.Contains(err.Error(), "wrong") && strings.Contains(err.Error(), "secret=wrong") {
		t.Fatalf("wrong secret: %v", err)
	}
}
