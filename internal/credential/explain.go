package credential

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// AuthError is a failed sign-in, explained: what went wrong and what to do.
// Its message never contains the secret; Unwrap gives azidentity's error
// (which carries the identity platform's response, without the secret) for
// debug logs.
type AuthError struct {
	// Code is the AADSTS error code ("AADSTS7000215"), "network", "tls", or
	// "" when unknown.
	Code        string
	Cause, Fix  string
	Description string // the identity platform's error_description, first line
	err         error
}

func (e *AuthError) Error() string {
	return e.Cause + "\n  fix: " + e.Fix
}

func (e *AuthError) Unwrap() error { return e.err }

// tokenError is the identity platform's error body (graph-facts §1).
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

var aadsts = regexp.MustCompile(`AADSTS(\d+)`)

// explain classifies a GetToken failure.
func explain(err error, c *Credential) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	ae := &AuthError{err: err}
	var body tokenError
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil {
		if b, rerr := runtime.Payload(afe.RawResponse); rerr == nil {
			_ = json.Unmarshal(b, &body)
		}
	}
	code := ""
	if len(body.Codes) > 0 {
		code = fmt.Sprint(body.Codes[0])
	} else if m := aadsts.FindStringSubmatch(body.Description); m != nil {
		code = m[1]
	} else if m := aadsts.FindStringSubmatch(err.Error()); m != nil {
		code = m[1]
	}
	ae.Description, _, _ = strings.Cut(body.Description, "\r\n")
	ae.Description, _, _ = strings.Cut(ae.Description, "\n")
	login := c.profile.LoginURL
	app := fmt.Sprintf("app %s", c.clientID)
	switch code {
	case "7000215":
		ae.Cause = "sign-in failed: the client secret is wrong (AADSTS7000215: invalid client secret)"
		ae.Fix = "copy the secret's Value (not its Secret ID) from the app registration's Certificates & secrets page, or create a new secret, and store it where client_secret refers"
	case "7000222":
		ae.Cause = "sign-in failed: the client secret has expired (AADSTS7000222)"
		ae.Fix = "create a new client secret under Certificates & secrets of " + app + " and store it where client_secret refers"
	case "90002":
		ae.Cause = fmt.Sprintf("sign-in failed: tenant %q was not found at %s (AADSTS90002)", c.tenant, login)
		ae.Fix = "check tenant (the Directory (tenant) ID or a verified domain) and that cloud names the cloud the tenant lives in"
	case "900023":
		ae.Cause = fmt.Sprintf("sign-in failed: %q is not a valid tenant identifier (AADSTS900023)", c.tenant)
		ae.Fix = "set tenant to the Directory (tenant) ID GUID or a verified domain"
	case "700016":
		ae.Cause = fmt.Sprintf("sign-in failed: application %s was not found in tenant %s (AADSTS700016)", c.clientID, c.tenant)
		ae.Fix = "check client_id is the Application (client) ID and that the app is registered in this tenant (or consented to it by an administrator)"
	case "7000218":
		ae.Cause = "sign-in failed: the request carried no client secret or certificate (AADSTS7000218)"
		ae.Fix = "set client_secret or client_certificate for this connection"
	case "700027":
		ae.Cause = "sign-in failed: the certificate is not registered on " + app + " or its signature is invalid (AADSTS700027)"
		ae.Fix = "upload the certificate's public part (.cer/.pem) under Certificates & secrets > Certificates of the app registration"
	case "700024":
		ae.Cause = "sign-in failed: the client assertion is outside its valid time range (AADSTS700024)"
		ae.Fix = "correct this machine's clock (enable NTP)"
	case "7000112":
		ae.Cause = "sign-in failed: " + app + " is disabled (AADSTS7000112)"
		ae.Fix = "an administrator must enable the application's service principal (Enterprise applications > Properties > Enabled for users to sign in)"
	case "7000229":
		ae.Cause = fmt.Sprintf("sign-in failed: %s has no service principal in tenant %s (AADSTS7000229)", app, c.tenant)
		ae.Fix = "an administrator of the tenant must consent to the application (this creates its enterprise application), then grant its permissions"
	case "53003":
		ae.Cause = "sign-in failed: a Conditional Access policy for workload identities blocked it (AADSTS53003)"
		ae.Fix = "run from a location the policy allows, or ask the tenant's administrators to exclude this service principal"
	case "70011", "700022", "1002012":
		ae.Cause = fmt.Sprintf("sign-in failed: the identity platform rejected the scope (AADSTS%s)", code)
		ae.Fix = "check endpoints.graph_scope / endpoints.arm_scope: one resource followed by /.default"
	case "500011":
		ae.Cause = "sign-in failed: the resource (Microsoft Graph or Azure Resource Manager) is not in the tenant (AADSTS500011)"
		ae.Fix = "check that cloud matches the tenant's cloud"
	case "":
		classifyTransport(ae, err, login)
	default:
		ae.Cause = fmt.Sprintf("sign-in failed (AADSTS%s): %s", code, strings.TrimPrefix(ae.Description, "AADSTS"+code+": "))
		ae.Fix = "look the code up at https://login.microsoftonline.com/error?code=" + code
	}
	if code != "" {
		ae.Code = "AADSTS" + code
	}
	return ae
}

// classifyTransport explains failures that never reached the identity
// platform: DNS, refused connections, timeouts, TLS trust. azidentity keeps
// only the text of these errors, so they are recognised by it.
func classifyTransport(ae *AuthError, err error, login string) {
	msg := err.Error()
	host := login
	if u, perr := url.Parse(login); perr == nil {
		host = u.Host
	}
	switch {
	case strings.Contains(msg, "x509:") || strings.Contains(msg, "tls:"):
		ae.Code = "tls"
		ae.Cause = fmt.Sprintf("cannot connect to %s: its TLS certificate is not trusted (%s)", host, tlsDetail(msg))
		ae.Fix = "if a proxy or private cloud re-signs traffic, set ca_file to its CA certificate (for `tenantscope sim serve`, the CA file --write-config wrote)"
	case strings.Contains(msg, "no such host"):
		ae.Code = "network"
		ae.Cause = fmt.Sprintf("cannot connect to %s: the host name does not resolve", host)
		ae.Fix = "check DNS and the cloud/endpoints settings"
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "i/o timeout"),
		strings.Contains(msg, "connection reset"), strings.Contains(msg, "EOF"), strings.Contains(msg, "network is unreachable"):
		ae.Code = "network"
		ae.Cause = fmt.Sprintf("cannot connect to %s: %s", host, networkDetail(msg))
		ae.Fix = "check the network path (firewall, HTTPS_PROXY) and the cloud/endpoints settings"
	default:
		ae.Cause = "sign-in failed: " + firstLine(msg)
		ae.Fix = "run with --log-level debug for the identity platform's full answer"
	}
}

func tlsDetail(msg string) string {
	for _, k := range []string{"certificate signed by unknown authority", "certificate has expired", "certificate is valid for", "certificate is not valid"} {
		if i := strings.Index(msg, k); i >= 0 {
			d, _, _ := strings.Cut(msg[i:], "\n")
			return d
		}
	}
	return "certificate verification failed"
}

func networkDetail(msg string) string {
	for _, k := range []string{"connection refused", "i/o timeout", "connection reset", "network is unreachable", "EOF"} {
		if strings.Contains(msg, k) {
			return k
		}
	}
	return "connection failed"
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// pathErr drops the path from an *os.PathError, which the caller already names.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
