package graphsim

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file holds the realism knobs beside throttling: latency with
// deterministic jitter, and fault injection (5xx answers, connection resets,
// truncated bodies, expired skip tokens). Every draw is a pure function of a
// seed and the request's ordinal, so a run with the same seed and the same
// request sequence injects exactly the same faults.

type faultKind int

const (
	faultNone faultKind = iota
	faultServerError
	faultReset
	faultTruncate
)

// Salts keep the draws for different decisions independent.
const (
	saltFault     uint64 = 0x6a09e667f3bcc908
	saltStatus    uint64 = 0xbb67ae8584caa73b
	saltJitter    uint64 = 0x3c6ef372fe94f82b
	saltSkipToken uint64 = 0xa54ff53a5f1d36f1
)

// faultState holds the ordinals of the fault-eligible requests, of all
// requests (for jitter) and of skip-token checks.
type faultState struct {
	faults, jitter, skips counter
}

// splitmix64 is a well-mixed 64-bit hash (Steele et al.'s SplitMix64 final
// step).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// draw is a uniform number in [0,1) for (seed, ordinal, salt).
func draw(seed int64, n, salt uint64) float64 {
	return float64(splitmix64(uint64(seed)^splitmix64(n^salt))>>11) / (1 << 53)
}

// next decides the fault for the next Graph/ARM request.
// It returns the request's ordinal for the draws that follow.
func (f *faultState) next(o Options) (faultKind, uint64) {
	total := o.FaultRate + o.ResetRate + o.TruncateRate
	if total <= 0 {
		return faultNone, 0
	}
	n := f.faults.next()
	u := draw(o.FaultSeed, n, saltFault)
	switch {
	case u < o.FaultRate:
		return faultServerError, n
	case u < o.FaultRate+o.ResetRate:
		return faultReset, n
	case u < total:
		return faultTruncate, n
	}
	return faultNone, n
}

// serverError answers 500, 503 or 504 (chosen deterministically) in the
// error format of the API the path belongs to. Codes and texts are Graph's
// documented ones (concepts/errors.md): generalException, serviceNotAvailable
// (with Retry-After), timeout.
func serverError(w http.ResponseWriter, r *http.Request, o Options, n uint64) {
	status, code, msg := http.StatusInternalServerError, "generalException", "An unspecified error has occurred."
	switch u := draw(o.FaultSeed, n, saltStatus); {
	case u < 1.0/3:
		status, code, msg = http.StatusServiceUnavailable, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later."
		w.Header().Set("Retry-After", "1")
	case u < 2.0/3:
		status, code, msg = http.StatusGatewayTimeout, "timeout", "The operation timed out before it could be completed."
	}
	if isGraphPath(r.URL.Path) {
		setGraphHeaders(w, r)
		writeGraphError(w, r, status, code, msg)
		return
	}
	armCode := map[int]string{500: "InternalServerError", 503: "ServiceUnavailable", 504: "GatewayTimeout"}[status]
	writeARMError(w, r, status, armCode, msg)
}

func isGraphPath(p string) bool {
	return strings.HasPrefix(p, "/v1.0/") || strings.HasPrefix(p, "/beta/") || p == "/v1.0" || p == "/beta"
}

// resetConnection drops the client's connection without an answer: a TCP
// reset on HTTP/1 (linger 0), a stream reset on HTTP/2.
func resetConnection(w http.ResponseWriter, r *http.Request) {
	if hj, ok := w.(http.Hijacker); ok && r.ProtoMajor == 1 {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := underlyingTCP(conn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
	}
	// net/http's documented way to abort a response: it resets the HTTP/2
	// stream or closes the HTTP/1 connection, and is not logged.
	panic(http.ErrAbortHandler)
}

// underlyingTCP finds the TCP connection under a TLS connection.
func underlyingTCP(c net.Conn) (*net.TCPConn, bool) {
	for {
		switch v := c.(type) {
		case *net.TCPConn:
			return v, true
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil, false
		}
	}
}

// truncated serves the request into a buffer, then sends the headers with
// the full Content-Length and only half the body before closing the
// connection, so the client sees an unexpected EOF.
func (s *Server) truncated(w *statusWriter, r *http.Request) {
	bw := newBufferWriter()
	s.mux.ServeHTTP(bw, r)
	body := bw.body.Bytes()
	if len(body) < 2 {
		w.status = statusReset
		resetConnection(w, r)
		return
	}
	for k, v := range bw.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(bw.code())
	_, _ = w.Write(body[:len(body)/2])
	w.Flush()
	if hj, ok := w.ResponseWriter.(http.Hijacker); ok && r.ProtoMajor == 1 {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// shouldExpireSkipToken tells a paging handler to refuse the skip token of
// this request as expired (Options.ExpireSkipTokens), deterministically.
func (s *Server) shouldExpireSkipToken() bool {
	if s.opts.ExpireSkipTokens <= 0 {
		return false
	}
	return draw(s.opts.FaultSeed, s.platform.fault.skips.next(), saltSkipToken) < s.opts.ExpireSkipTokens
}

// latency is how long a response takes: Options.Latency plus a
// deterministic share of Options.Jitter.
func (p *platformState) latency() time.Duration {
	o := p.s.opts
	if o.Latency <= 0 && o.Jitter <= 0 {
		return 0
	}
	d := o.Latency
	if o.Jitter > 0 {
		d += time.Duration(draw(o.JitterSeed, p.fault.jitter.next(), saltJitter) * float64(o.Jitter))
	}
	return d
}

// bufferWriter is an in-memory http.ResponseWriter for inner requests and
// truncated answers.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferWriter() *bufferWriter { return &bufferWriter{header: http.Header{}} }

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferWriter) code() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}
