// Package credential owns how tenantscope signs in: it builds azidentity
// client-secret and client-certificate credentials for a connection, against
// the connection's cloud authority and with its CA trusted; reads PEM and
// PKCS#12 certificates (legacy and OpenSSL 3 formats); decodes the claims of
// the access tokens it obtains; and turns sign-in failures into errors that
// say the cause and the fix, never the secret.
package credential

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tenantscope/tenantscope/internal/cloud"
	"github.com/tenantscope/tenantscope/internal/config"
)

// Kind is the type of credential a connection uses.
type Kind string

const (
	Secret      Kind = "secret"
	Certificate Kind = "certificate"
)

// Credential is a connection's way of obtaining access tokens. azidentity
// caches tokens and refreshes them before they expire.
type Credential struct {
	cred     azcore.TokenCredential
	kind     Kind
	profile  cloud.Profile
	tenant   string
	clientID string
	// hint is the secret's first three characters, which Graph itself shows
	// as passwordCredentials.hint; it identifies the secret in use without
	// keeping it.
	hint       string
	thumbprint []byte // SHA-1 of the certificate (DER), as keyCredentials identify it
	certExpiry time.Time
}

// Options tune New.
type Options struct {
	// HTTPClient sends token requests; nil builds one trusting the system
	// roots plus the connection's ca_file.
	HTTPClient *http.Client
	// Getenv resolves env: references; nil means os.Getenv.
	Getenv func(string) string
}

// New builds the credential for connection c of file f.
func New(f *config.File, c *config.Connection, opts Options) (*Credential, error) {
	profile, err := c.Profile()
	if err != nil {
		return nil, fmt.Errorf("connection %q: cloud: %w", c.Name, err)
	}
	hc := opts.HTTPClient
	if hc == nil {
		if hc, err = HTTPClient(f.Resolve(c.CAFile)); err != nil {
			return nil, fmt.Errorf("connection %q: ca_file: %w", c.Name, err)
		}
	}
	client := azcore.ClientOptions{
		Cloud:     profile.Azure(),
		Transport: hc,
		// azidentity retries transient failures itself; keep sign-in errors
		// prompt for `check`.
		Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: 300 * time.Millisecond, MaxRetryDelay: 2 * time.Second},
	}
	cr := &Credential{profile: profile, tenant: c.Tenant, clientID: c.ClientID}
	switch {
	case c.ClientCertificate != nil:
		cc := c.ClientCertificate
		password := ""
		if !cc.Password.IsZero() {
			if password, err = cc.Password.Resolve(f.Dir(), opts.Getenv); err != nil {
				return nil, fmt.Errorf("connection %q: client_certificate.password: %w", c.Name, err)
			}
		}
		certs, key, err := LoadCertificate(f.Resolve(cc.Path), password)
		if err != nil {
			return nil, fmt.Errorf("connection %q: client_certificate: %w", c.Name, err)
		}
		sum := sha1.Sum(certs[0].Raw)
		cr.kind, cr.thumbprint, cr.certExpiry = Certificate, sum[:], certs[0].NotAfter
		cr.cred, err = azidentity.NewClientCertificateCredential(c.Tenant, c.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{
				ClientOptions:            client,
				DisableInstanceDiscovery: profile.DisableInstanceDiscovery,
				SendCertificateChain:     cc.SendX5C,
			})
		if err != nil {
			return nil, fmt.Errorf("connection %q: client_certificate: %w", c.Name, err)
		}
	default:
		secret, err := c.ClientSecret.Resolve(f.Dir(), opts.Getenv)
		if err != nil {
			return nil, fmt.Errorf("connection %q: client_secret: %w", c.Name, err)
		}
		cr.kind = Secret
		if len(secret) >= 3 {
			cr.hint = secret[:3]
		}
		cr.cred, err = azidentity.NewClientSecretCredential(c.Tenant, c.ClientID, secret,
			&azidentity.ClientSecretCredentialOptions{
				ClientOptions:            client,
				DisableInstanceDiscovery: profile.DisableInstanceDiscovery,
			})
		if err != nil {
			// azidentity validates only the tenant's form here; its message
			// does not carry the secret.
			return nil, fmt.Errorf("connection %q: %w", c.Name, err)
		}
	}
	return cr, nil
}

// Kind returns whether the credential is a secret or a certificate.
func (c *Credential) Kind() Kind { return c.kind }

// Profile returns the cloud the credential signs in to.
func (c *Credential) Profile() cloud.Profile { return c.profile }

// CertificateNotAfter is the certificate's own expiry (zero for secrets).
func (c *Credential) CertificateNotAfter() time.Time { return c.certExpiry }

// Token returns an access token for scope (e.g. the profile's GraphScope).
// Failures are *AuthError values saying the cause and the fix.
func (c *Credential) Token(ctx context.Context, scope string) (string, error) {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		return "", explain(err, c)
	}
	return tok.Token, nil
}

// TokenSource yields tokens for one scope; it satisfies msgraph.TokenSource.
type TokenSource struct {
	cred  *Credential
	scope string
}

// Token implements msgraph.TokenSource.
func (s TokenSource) Token(ctx context.Context) (string, error) { return s.cred.Token(ctx, s.scope) }

// Source returns a token source for scope.
func (c *Credential) Source(scope string) TokenSource { return TokenSource{cred: c, scope: scope} }

// Graph returns a token source for Microsoft Graph in the credential's cloud.
func (c *Credential) Graph() TokenSource { return c.Source(c.profile.GraphScope) }

// ARM returns a token source for Azure Resource Manager in the credential's cloud.
func (c *Credential) ARM() TokenSource { return c.Source(c.profile.ARMScope) }

// MatchesPassword reports whether a passwordCredentials entry with this hint
// (its first three characters) may be the secret in use.
func (c *Credential) MatchesPassword(hint string) bool {
	return c.kind == Secret && c.hint != "" && hint == c.hint
}

// MatchesKey reports whether a keyCredentials entry's customKeyIdentifier
// (base64 of the SHA-1 thumbprint, as Graph returns it; hex accepted too) is
// the certificate in use.
func (c *Credential) MatchesKey(customKeyIdentifier string) bool {
	if c.kind != Certificate || customKeyIdentifier == "" {
		return false
	}
	if b, err := base64.StdEncoding.DecodeString(customKeyIdentifier); err == nil && string(b) == string(c.thumbprint) {
		return true
	}
	return strings.EqualFold(customKeyIdentifier, fmt.Sprintf("%X", c.thumbprint))
}

// HTTPClient returns a client trusting the system roots plus the PEM CA
// bundle at caFile (none when ""). Token requests and Graph calls share it.
func HTTPClient(caFile string) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ForceAttemptHTTP2 = true
	t.MaxIdleConnsPerHost = 32
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	// No overall timeout: report downloads can be long; callers bound work
	// with their context, and a silent server is caught here.
	t.ResponseHeaderTimeout = 90 * time.Second
	return &http.Client{Transport: t}, nil
}
