package graphsim

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// platformState is everything the simulator keeps beside the tenants: the
// token signing key, the request log and counters, the throttling buckets and
// the deterministic sequences that drive latency jitter and fault injection.
type platformState struct {
	s *Server

	keys *signingKeys // identity.go; generated on first use

	// edge serves the identity platform (token, discovery) and the admin
	// endpoints. It is consulted before the Graph/ARM mux so that their
	// wildcard-first patterns ("/{tenant}/oauth2/v2.0/token") can never
	// conflict with a Graph or ARM pattern registered by another file.
	edge *http.ServeMux

	tokens tokenCache // validated access tokens, so each is verified once

	stats requestStats // admin.go
	limit limiters     // throttle.go
	fault faultState   // faults.go

	// graphSegments are the path segments of every registered Graph
	// pattern, by version, so the fallback can name the first unknown
	// segment the way Graph does.
	graphSegments map[string][][]string
}

// newPlatformState prepares the platform for s. It does no I/O and generates
// no keys; those are made when first needed.
func newPlatformState(s *Server) *platformState {
	return &platformState{
		s:             s,
		keys:          &signingKeys{},
		edge:          http.NewServeMux(),
		limit:         newLimiters(),
		stats:         newRequestStats(requestLogSize),
		graphSegments: map[string][][]string{},
	}
}

// reqInfo travels in the request context from ServeHTTP to the handlers:
// the server (for its clock), whether this is a $batch inner request, and
// what the auth and throttling wrappers learnt, for the request log.
type reqInfo struct {
	s         *Server
	inner     bool
	throttled bool
	appID     string
	tenantID  string
	principal string // the token's oid
	identity  bool   // an identity platform request: its query is not logged
	faulted   bool   // answered by fault injection
}

type reqInfoKey struct{}

func infoFrom(r *http.Request) *reqInfo {
	i, _ := r.Context().Value(reqInfoKey{}).(*reqInfo)
	return i
}

// nowFor is the request's server clock (Options.Clock), or the wall clock
// outside the simulator.
func nowFor(r *http.Request) time.Time {
	if i := infoFrom(r); i != nil && i.s != nil {
		return i.s.now()
	}
	return time.Now()
}

// ServeHTTP serves one client request: the route (or an injected fault,
// never on the identity platform or admin endpoints), answered no sooner
// than the simulated latency after the request arrived; it counts and logs
// the outcome.
//
// The latency is Graph's whole response time, its own work included, so
// the handler runs while the latency elapses and its answer waits for the
// rest (statusWriter.wait): a page that takes the simulator 3 ms to render
// still arrives after the configured 20 ms, not 23. Injected failures are
// answered after the whole latency, as before.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := s.platform
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		p.edge.ServeHTTP(w, r)
		return
	}
	info := &reqInfo{s: s}
	r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info))
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, ctx: r.Context(), due: start.Add(p.latency())}

	// Deferred so that a deliberately aborted answer (reset, truncation)
	// is counted too.
	defer func() { p.stats.record(r, info, sw.code(), time.Since(start)) }()

	switch {
	case p.isEdge(r):
		info.identity = true
		p.edge.ServeHTTP(sw, r)
	default:
		kind, n := p.fault.next(s.opts)
		info.faulted = kind != faultNone
		if kind != faultNone && !sw.wait() {
			return
		}
		switch kind {
		case faultNone:
			s.mux.ServeHTTP(sw, r)
		case faultServerError:
			_, r.Pattern = s.mux.Handler(r) // for the counters: the route it hit
			serverError(sw, r, s.opts, n)
		case faultReset:
			_, r.Pattern = s.mux.Handler(r)
			sw.status = statusReset
			resetConnection(sw, r)
		case faultTruncate:
			s.truncated(sw, r)
		}
	}
	// A handler that wrote nothing is answered when it returns.
	sw.wait()
}

// isEdge reports whether r is an identity platform request. Graph paths,
// the bulk of the traffic, skip the lookup.
func (p *platformState) isEdge(r *http.Request) bool {
	if isGraphPath(r.URL.Path) {
		return false
	}
	_, pattern := p.edge.Handler(r)
	return pattern != ""
}

// dispatchInner serves one request internally, as $batch does: the same mux,
// auth and per-request throttling; no latency or fault injection. It returns
// the inner response's status, headers and body.
func (s *Server) dispatchInner(r *http.Request) (status int, header http.Header, body []byte) {
	info := &reqInfo{s: s, inner: true}
	r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info))
	start := time.Now()
	bw := newBufferWriter()
	s.mux.ServeHTTP(bw, r)
	s.platform.stats.record(r, info, bw.code(), time.Since(start))
	return bw.code(), bw.header, bw.body.Bytes()
}

// graph registers pattern ("GET /users/{id}") under /v1.0 and /beta.
func (s *Server) graph(pattern string, cost int, h GraphHandler) {
	s.graphOnly("v1.0", pattern, cost, h)
	s.graphOnly("beta", pattern, cost, h)
}

// graphOnly registers pattern under one Graph version, "v1.0" or "beta".
// Each request is authenticated (Graph audience), charged
// resourceUnits(cost, r) against the app+tenant bucket and then served by h
// with its Caller.
func (s *Server) graphOnly(version, pattern string, cost int, h GraphHandler) {
	full := s.platform.noteGraphPattern(version, pattern)
	s.mux.HandleFunc(full, func(w http.ResponseWriter, r *http.Request) {
		setGraphHeaders(w, r)
		c, ok := s.authenticateGraph(w, r)
		if !ok {
			return
		}
		units := resourceUnits(cost, r)
		w.Header().Set("x-ms-resource-unit", strconv.Itoa(units))
		if !s.chargeGraph(w, r, c, units) {
			return
		}
		h(w, r.WithContext(withCaller(r.Context(), c)), c)
	})
}

// graphReport registers a usage-report pattern under /v1.0 and /beta: the
// same authentication as graph, but the reports' own request limits instead
// of resource units.
func (s *Server) graphReport(pattern string, h GraphHandler) {
	s.graphReportOnly("v1.0", pattern, h)
	s.graphReportOnly("beta", pattern, h)
}

// graphReportOnly registers a usage-report pattern under one Graph version.
func (s *Server) graphReportOnly(version, pattern string, h GraphHandler) {
	full := s.platform.noteGraphPattern(version, pattern)
	s.mux.HandleFunc(full, func(w http.ResponseWriter, r *http.Request) {
		setGraphHeaders(w, r)
		c, ok := s.authenticateGraph(w, r)
		if !ok {
			return
		}
		if !s.chargeReport(w, r, c) {
			return
		}
		h(w, r.WithContext(withCaller(r.Context(), c)), c)
	})
}

// arm registers an Azure Resource Manager route: ARM audience, the
// api-version every ARM call must carry, ARM's per-subscription token
// buckets and ARM's error format.
func (s *Server) arm(pattern string, h GraphHandler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		ensureARMRequestIDs(w, r)
		c, ok := s.authenticateARM(w, r)
		if !ok {
			return
		}
		if r.URL.Query().Get("api-version") == "" {
			// Text as ARM sends it for any resource provider.
			writeARMError(w, r, http.StatusBadRequest, "MissingApiVersionParameter",
				"The api-version query parameter (?api-version=) is required for all requests.")
			return
		}
		if !s.chargeARM(w, r, c) {
			return
		}
		h(w, r.WithContext(withCaller(r.Context(), c)), c)
	})
}

// resourceUnits applies Graph's documented cost modifiers (graph-facts §3):
// $select -1, $expand +1, $top under 20 -1, never below 1.
func resourceUnits(base int, r *http.Request) int {
	cost := base
	select_, expand, top := queryOptions(r.URL.RawQuery)
	if select_ {
		cost--
	}
	if expand {
		cost++
	}
	if n, err := strconv.Atoi(top); err == nil && n < 20 {
		cost--
	}
	return max(cost, 1)
}

// queryOptions reports which cost-relevant system query options a raw query
// carries, without building url.Values on every request. Names may be
// percent-encoded ("%24select").
func queryOptions(raw string) (select_, expand bool, top string) {
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if strings.Contains(k, "%") {
			if u, err := url.QueryUnescape(k); err == nil {
				k = u
			}
		}
		switch k {
		case "$select":
			select_ = select_ || v != ""
		case "$expand":
			expand = expand || v != ""
		case "$top":
			if top == "" {
				if u, err := url.QueryUnescape(v); err == nil {
					top = u
				}
			}
		}
	}
	return select_, expand, top
}

// setGraphHeaders sets the headers on every Graph reply.
func setGraphHeaders(w http.ResponseWriter, r *http.Request) {
	ensureGraphRequestIDs(w, r)
	h := w.Header()
	h.Set("Strict-Transport-Security", "max-age=31536000")
	// Shape as Graph sends it; the values name a plausible front end.
	h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"West Europe","Slice":"E","Ring":"5","ScaleUnit":"003","RoleInstance":"AM1PEPF0000A1B2"}}`)
}

// noteGraphPattern remembers a Graph pattern's segments for the fallback and
// returns the full mux pattern with the version prefix.
func (p *platformState) noteGraphPattern(version, pattern string) string {
	method, path, found := strings.Cut(pattern, " ")
	if !found {
		method, path = "", pattern
	}
	p.graphSegments[version] = append(p.graphSegments[version], splitPath(path))
	if method == "" {
		return "/" + version + path
	}
	return method + " /" + version + path
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	// The response goes out no sooner than due (the simulated latency
	// after the request arrived), unless ctx ends first.
	ctx    context.Context
	due    time.Time
	waited bool
	gone   bool // the client went away while the response waited
}

// wait holds the response until it is due; false when the client went away
// meanwhile (the answer is then dropped and counted as 499).
func (w *statusWriter) wait() bool {
	if !w.waited {
		w.waited = true
		if sleepCtx(w.ctx, time.Until(w.due)) != nil {
			w.gone = true
			if w.status == 0 {
				w.status = statusClientClosed
			}
		}
	}
	return !w.gone
}

// Statuses the counters use for answers that never had one: a connection
// the simulator reset (or truncated) on purpose, and a client that hung up
// during the simulated latency (nginx's 499).
const (
	statusReset        = 0
	statusClientClosed = 499
)

func (w *statusWriter) WriteHeader(code int) {
	if !w.wait() {
		return
	}
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wait() {
		return 0, w.ctx.Err()
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int { return w.status }

func (w *statusWriter) Flush() {
	if !w.wait() {
		return
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("graphsim: connection cannot be hijacked")
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// randomGUID returns a random version-4 GUID in Microsoft's lower-case form.
func randomGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// isGUID reports whether s has the 8-4-4-4-12 hexadecimal form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// counter is a monotonically increasing sequence shared by goroutines.
type counter struct{ n atomic.Uint64 }

func (c *counter) next() uint64 { return c.n.Add(1) }
