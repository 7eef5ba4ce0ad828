package graphsim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// This file is the simulator's own bookkeeping: request counters and a
// bounded request log, readable from Go (Stats, Requests) and over HTTP
// (GET /_sim/stats, GET /_sim/requests?limit=N, POST /_sim/reset), and the
// tenants' passage of time for hands-on delta and daily syncs
// (POST /_sim/churn?fraction=F&seed=S, POST /_sim/advance-days?days=N&seed=S).
// It also answers routes nobody registered, in Graph's (or ARM's) error
// format.

const (
	adminPrefix    = "/_sim/"
	requestLogSize = 4096
)

// Stats are the simulator's request counters. Requests counts HTTP requests
// from clients (the admin endpoints excluded); InnerRequests counts $batch
// inner requests; Throttled counts 429 answers from the throttling model,
// outer and inner; Faults counts requests answered by fault injection (5xx,
// reset or truncated). ByRoute (keyed by mux pattern, e.g. "GET /v1.0/users")
// and ByStatus count outer and inner requests alike, so their totals are
// Requests+InnerRequests. ByStatus[0] counts connections the simulator reset
// on purpose; ByStatus[499] clients that hung up during the simulated
// latency.
type Stats struct {
	Requests      int64            `json:"requests"`
	InnerRequests int64            `json:"innerRequests"`
	Throttled     int64            `json:"throttled"`
	Faults        int64            `json:"faults"`
	ByRoute       map[string]int64 `json:"byRoute"`
	ByStatus      map[int]int64    `json:"byStatus"`
}

// RequestRecord is one entry of the request log.
type RequestRecord struct {
	Time       time.Time `json:"time"`
	Method     string    `json:"method"`
	Path       string    `json:"path"` // path and query as sent
	Route      string    `json:"route"`
	Status     int       `json:"status"`
	DurationMS float64   `json:"durationMs"`
	Inner      bool      `json:"inner,omitempty"`
	Throttled  bool      `json:"throttled,omitempty"`
	Faulted    bool      `json:"faulted,omitempty"`
	AppID      string    `json:"appId,omitempty"`
	TenantID   string    `json:"tenantId,omitempty"`
}

// requestStats is lock-free on the counting path except for the log ring.
type requestStats struct {
	requests, inner, throttled, faults atomic.Int64
	byStatus                           [600]atomic.Int64
	byRoute                            sync.Map // string -> *atomic.Int64

	logMu sync.Mutex
	log   []RequestRecord // ring
	next  int             // next slot
	full  bool
}

func newRequestStats(size int) requestStats {
	return requestStats{log: make([]RequestRecord, size)}
}

// record counts one served request and appends it to the log.
func (st *requestStats) record(r *http.Request, info *reqInfo, status int, d time.Duration) {
	if info.inner {
		st.inner.Add(1)
	} else {
		st.requests.Add(1)
	}
	if info.throttled {
		st.throttled.Add(1)
	}
	if info.faulted {
		st.faults.Add(1)
	}
	if status >= 0 && status < len(st.byStatus) {
		st.byStatus[status].Add(1)
	}
	route := r.Pattern
	c, ok := st.byRoute.Load(route)
	if !ok {
		c, _ = st.byRoute.LoadOrStore(route, new(atomic.Int64))
	}
	c.(*atomic.Int64).Add(1)

	path := r.URL.Path
	// A careless client may put a client_secret in the token endpoint's
	// query string; the log never holds it.
	if r.URL.RawQuery != "" && !info.identity {
		path += "?" + r.URL.RawQuery
	}
	rec := RequestRecord{
		Time: info.s.now(), Method: r.Method, Path: path, Route: route, Status: status,
		DurationMS: float64(d.Microseconds()) / 1000, Inner: info.inner, Throttled: info.throttled, Faulted: info.faulted,
		AppID: info.appID, TenantID: info.tenantID,
	}
	st.logMu.Lock()
	st.log[st.next] = rec
	st.next++
	if st.next == len(st.log) {
		st.next, st.full = 0, true
	}
	st.logMu.Unlock()
}

// Stats returns a snapshot of the request counters.
func (s *Server) Stats() Stats {
	st := &s.platform.stats
	out := Stats{
		Requests:      st.requests.Load(),
		InnerRequests: st.inner.Load(),
		Throttled:     st.throttled.Load(),
		Faults:        st.faults.Load(),
		ByRoute:       map[string]int64{},
		ByStatus:      map[int]int64{},
	}
	st.byRoute.Range(func(k, v any) bool {
		if n := v.(*atomic.Int64).Load(); n > 0 {
			out.ByRoute[k.(string)] = n
		}
		return true
	})
	for code := range st.byStatus {
		if n := st.byStatus[code].Load(); n > 0 {
			out.ByStatus[code] = n
		}
	}
	return out
}

// ResetStats zeroes the counters and empties the request log.
func (s *Server) ResetStats() {
	st := &s.platform.stats
	st.requests.Store(0)
	st.inner.Store(0)
	st.throttled.Store(0)
	st.faults.Store(0)
	for i := range st.byStatus {
		st.byStatus[i].Store(0)
	}
	st.byRoute.Range(func(k, _ any) bool {
		st.byRoute.Delete(k)
		return true
	})
	st.logMu.Lock()
	clear(st.log)
	st.next, st.full = 0, false
	st.logMu.Unlock()
}

// Requests returns up to limit of the most recent requests, oldest first.
// The log keeps the last 4,096.
func (s *Server) Requests(limit int) []RequestRecord {
	st := &s.platform.stats
	st.logMu.Lock()
	defer st.logMu.Unlock()
	n := st.next
	if st.full {
		n = len(st.log)
	}
	if limit <= 0 || limit > n {
		limit = n
	}
	out := make([]RequestRecord, 0, limit)
	for i := limit; i > 0; i-- {
		idx := (st.next - i + len(st.log)) % len(st.log)
		out = append(out, st.log[idx])
	}
	return out
}

func (s *Server) registerAdminRoutes() {
	e := s.platform.edge
	e.HandleFunc("GET "+adminPrefix+"stats", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, s.Stats())
	})
	e.HandleFunc("GET "+adminPrefix+"requests", func(w http.ResponseWriter, r *http.Request) {
		limit := 100
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				http.Error(w, "limit must be a positive integer", http.StatusBadRequest)
				return
			}
			limit = n
		}
		writeAdminJSON(w, map[string]any{"value": s.Requests(limit)})
	})
	e.HandleFunc("POST "+adminPrefix+"reset", func(w http.ResponseWriter, r *http.Request) {
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	e.HandleFunc("POST "+adminPrefix+"churn", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		fraction, err := strconv.ParseFloat(q.Get("fraction"), 64)
		if err != nil || fraction <= 0 || fraction > 1 {
			http.Error(w, "fraction must be a number in (0, 1], e.g. fraction=0.01", http.StatusBadRequest)
			return
		}
		seed, ok := adminSeed(w, q.Get("seed"))
		if !ok {
			return
		}
		out := map[string]ChurnSummary{}
		for _, t := range s.distinctTenants() {
			out[t.ID] = t.Churn(fraction, seed)
		}
		writeAdminJSON(w, out)
	})
	e.HandleFunc("POST "+adminPrefix+"advance-days", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		days, err := strconv.Atoi(q.Get("days"))
		if err != nil || days < 1 || days > 366 {
			http.Error(w, "days must be an integer from 1 to 366", http.StatusBadRequest)
			return
		}
		seed, ok := adminSeed(w, q.Get("seed"))
		if !ok {
			return
		}
		out := map[string]DaysSummary{}
		for _, t := range s.distinctTenants() {
			out[t.ID] = t.AdvanceDays(days, seed)
		}
		writeAdminJSON(w, out)
	})
}

// adminSeed parses an optional seed (default 1).
func adminSeed(w http.ResponseWriter, v string) (int64, bool) {
	if v == "" {
		return 1, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		http.Error(w, "seed must be an integer", http.StatusBadRequest)
		return 0, false
	}
	return n, true
}

func writeAdminJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// registerFallback answers every request no route took, never with Go's
// plain-text 404 page.
func (s *Server) registerFallback() {
	s.mux.HandleFunc("/", s.handleFallback)
}

// armRoots are first path segments that belong to Azure Resource Manager.
var armRoots = map[string]bool{"subscriptions": true, "providers": true, "tenants": true, "resources": true, "locations": true}

func (s *Server) handleFallback(w http.ResponseWriter, r *http.Request) {
	segs := splitPath(r.URL.Path)
	if len(segs) > 0 && armRoots[strings.ToLower(segs[0])] {
		writeARMError(w, r, http.StatusNotFound, "NotFound",
			"The requested resource '"+r.URL.Path+"' was not found.")
		return
	}
	setGraphHeaders(w, r)
	if len(segs) >= 2 && (segs[0] == "v1.0" || segs[0] == "beta") {
		// Graph names the first path segment it cannot resolve (400
		// BadRequest "Resource not found for the segment 'x'.").
		seg, known := s.platform.firstUnknownSegment(segs[0], segs[1:])
		if known {
			writeGraphError(w, r, http.StatusMethodNotAllowed, "Request_BadRequest",
				"Specified HTTP method is not allowed for the request uri.")
			return
		}
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+seg+"'.")
		return
	}
	writeGraphError(w, r, http.StatusNotFound, "NotFound", "Resource not found for the request URI '"+r.URL.Path+"'.")
}

// firstUnknownSegment walks segs against the registered patterns of version
// and returns the first segment no pattern accepts at its position. known is
// true when some pattern matches every segment (the method was wrong).
func (p *platformState) firstUnknownSegment(version string, segs []string) (seg string, known bool) {
	best := 0
	for _, pat := range p.graphSegments[version] {
		k := 0
		for k < len(segs) && k < len(pat) {
			ps := pat[k]
			if strings.HasPrefix(ps, "{") {
				if strings.HasSuffix(ps, "...}") {
					k = len(segs)
					break
				}
			} else if !strings.EqualFold(ps, segs[k]) {
				break
			}
			k++
		}
		if k == len(segs) && (k == len(pat) || strings.HasSuffix(pat[len(pat)-1], "...}")) {
			return "", true
		}
		best = max(best, k)
	}
	if best >= len(segs) {
		best = len(segs) - 1
	}
	return segs[best], false
}
