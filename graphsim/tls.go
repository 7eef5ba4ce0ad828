package graphsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// simulatedHosts are the Microsoft host names the simulator's certificate
// covers, so clients that cannot change their base URL can be pointed at it
// with a hosts-file mapping: login, Graph and ARM in every national cloud
// (graph-facts §2) and the usage reports' download host.
var simulatedHosts = []string{
	"login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net",
	"graph.microsoft.com", "management.azure.com", "management.core.windows.net",
	"login.microsoftonline.us", "graph.microsoft.us", "dod-graph.microsoft.us", "management.usgovcloudapi.net",
	"login.chinacloudapi.cn", "login.partner.microsoftonline.cn", "microsoftgraph.chinacloudapi.cn", "management.chinacloudapi.cn",
	"reports.office.com",
}

// simCA is the simulator's own certificate authority and the serving
// certificate it signed.
type simCA struct {
	cert  *x509.Certificate
	pem   []byte
	leaf  tls.Certificate
	hosts []string
}

// newSimCA makes a fresh CA (ECDSA P-256, valid for a year) and a serving
// certificate for 127.0.0.1, ::1, localhost, the Microsoft host names and
// extraHosts (names or IP addresses).
func newSimCA(now time.Time, extraHosts ...string) (*simCA, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "graphsim local CA", Organization: []string{"tenantscope graphsim"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate serving key: %w", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "graphsim", Organization: []string{"tenantscope graphsim"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(364 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     append([]string{"localhost"}, simulatedHosts...),
	}
	for _, h := range extraHosts {
		h = strings.TrimSpace(h)
		switch ip := net.ParseIP(h); {
		case h == "":
		case ip != nil:
			if !ip.IsUnspecified() {
				leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ip)
			}
		default:
			leafTmpl.DNSNames = append(leafTmpl.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create serving certificate: %w", err)
	}
	return &simCA{
		cert:  caCert,
		pem:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		leaf:  tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey},
		hosts: leafTmpl.DNSNames,
	}, nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil || n.Sign() == 0 {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

// pool is a certificate pool trusting only this CA.
func (ca *simCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// serverConfig is the TLS configuration the simulator serves with.
func (ca *simCA) serverConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{ca.leaf},
		MinVersion:   tls.VersionTLS12,
	}
}
