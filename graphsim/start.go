package graphsim

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// Running is a simulator serving HTTPS with its own CA.
type Running struct {
	// URL is the base URL every API is served on (login, Graph, ARM), e.g.
	// "https://127.0.0.1:49152", without a trailing slash.
	URL string
	// CAPEM is the CA certificate (PEM) clients must trust.
	CAPEM  []byte
	Server *Server

	ca       *simCA
	srv      *http.Server
	served   chan error
	client   *http.Client
	clientMu sync.Mutex
	closed   bool
}

// Start serves the tenants over HTTPS on 127.0.0.1 at a free port, in
// process.
func Start(opts Options, tenants ...*Tenant) (*Running, error) {
	return Listen("127.0.0.1:0", opts, tenants...)
}

// Listen serves the tenants over HTTPS on addr (host:port; port 0 picks a
// free one), as `tenantscope sim serve` does. The certificate also covers
// addr's host when it is a name or a specific address.
func Listen(addr string, opts Options, tenants ...*Tenant) (*Running, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("graphsim: listen address %q: %w", addr, err)
	}
	// Certificates are dated by the wall clock that clients check, not by
	// Options.Clock.
	ca, err := newSimCA(time.Now(), host)
	if err != nil {
		return nil, fmt.Errorf("graphsim: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("graphsim: listen on %s: %w", addr, err)
	}
	s := New(opts, tenants...)
	srv := &http.Server{
		Handler:           s,
		TLSConfig:         ca.serverConfig(),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// Injected resets and truncations make clients hang up mid-request;
		// that is the point, not something to log.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	r := &Running{
		URL:    "https://" + urlHost(host, ln.Addr()),
		CAPEM:  ca.pem,
		Server: s,
		ca:     ca,
		srv:    srv,
		served: make(chan error, 1),
	}
	go func() { r.served <- srv.ServeTLS(ln, "", "") }()
	return r, nil
}

// urlHost is the host:port clients should call: the listen host when it is
// specific, else 127.0.0.1.
func urlHost(host string, a net.Addr) string {
	port := strconv.Itoa(a.(*net.TCPAddr).Port)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// Client returns an HTTP client that trusts the simulator's CA (and only
// it), with enough idle connections for concurrent benchmarks.
func (r *Running) Client() *http.Client {
	r.clientMu.Lock()
	defer r.clientMu.Unlock()
	if r.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = r.ca.serverConfig().Clone()
		tr.TLSClientConfig.Certificates = nil
		tr.TLSClientConfig.RootCAs = r.ca.pool()
		tr.MaxIdleConns = 256
		tr.MaxIdleConnsPerHost = 64
		r.client = &http.Client{Transport: tr}
	}
	return r.client
}

// WriteCA writes the CA certificate (PEM) to path, for clients configured
// with a CA file.
func (r *Running) WriteCA(path string) error {
	if err := os.WriteFile(path, r.CAPEM, 0o644); err != nil {
		return fmt.Errorf("graphsim: write CA certificate: %w", err)
	}
	return nil
}

// Close stops serving and closes every connection.
func (r *Running) Close() error {
	r.clientMu.Lock()
	if r.closed {
		r.clientMu.Unlock()
		return nil
	}
	r.closed = true
	if r.client != nil {
		r.client.CloseIdleConnections()
	}
	r.clientMu.Unlock()
	err := r.srv.Close()
	if serr := <-r.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("graphsim: close: %w", err)
	}
	return nil
}
