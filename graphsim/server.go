package graphsim

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options are the simulator's realism knobs. The zero value is a fast,
// fault-free simulator, which is what unit tests want.
type Options struct {
	// Latency is every response's time from the request's arrival, the
	// simulator's own work included (a handler that takes longer answers
	// when done); Jitter adds up to that much more, drawn deterministically
	// from JitterSeed.
	Latency    time.Duration
	Jitter     time.Duration
	JitterSeed int64

	// Throttle enables Graph's documented service limits (resource units per
	// app+tenant per 10 s, report limits, ARM buckets) with 429 and Retry-After.
	Throttle bool

	// Fault injection, each a share of requests in [0,1]: 500/503/504
	// answers, connection resets, truncated bodies, expired skip tokens.
	FaultRate        float64
	ResetRate        float64
	TruncateRate     float64
	ExpireSkipTokens float64
	FaultSeed        int64

	// PageSizeCap, when > 0, caps every page below the resource's maximum.
	PageSizeCap int

	// TokenLifetime of issued access tokens; 0 means 3599 s as Microsoft does.
	TokenLifetime time.Duration

	// Clock returns the current time; nil means time.Now. Token expiry and
	// throttling windows use it.
	Clock func() time.Time
}

// Server is an http.Handler serving the identity platform, Graph and ARM for
// one or more tenants.
type Server struct {
	opts Options

	mu      sync.RWMutex
	tenants map[string]*Tenant // by tenant id and by every domain, lower-case

	mux *http.ServeMux
	// The rest of the state (signing keys, request log, throttling buckets,
	// fault injection) lives in the files that own it.
	platform *platformState
}

// New returns a simulator serving the given tenants.
func New(opts Options, tenants ...*Tenant) *Server {
	s := &Server{opts: opts, tenants: map[string]*Tenant{}, mux: http.NewServeMux()}
	for _, t := range tenants {
		s.AddTenant(t)
	}
	s.platform = newPlatformState(s)
	s.registerRoutes()
	return s
}

// AddTenant makes t reachable by its id and its domains.
func (s *Server) AddTenant(t *Tenant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenants[strings.ToLower(t.ID)] = t
	for _, d := range t.Domains {
		s.tenants[strings.ToLower(d.ID)] = t
	}
}

// distinctTenants lists the tenants served, each once, by id.
func (s *Server) distinctTenants() []*Tenant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := map[*Tenant]bool{}
	var out []*Tenant
	for _, t := range s.tenants {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *Tenant) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// tenant finds a tenant by id or domain name.
func (s *Server) tenant(idOrDomain string) *Tenant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.tenants[strings.ToLower(idOrDomain)]
}

func (s *Server) now() time.Time {
	if s.opts.Clock != nil {
		return s.opts.Clock()
	}
	return time.Now()
}

func (s *Server) registerRoutes() {
	s.registerIdentityRoutes() // identity.go: token, openid-configuration, discovery
	s.registerGraphRoutes()    // graph_*.go: directory reads, writes, $batch
	s.registerReportRoutes()   // reports.go: usage reports, reportSettings
	s.registerARMRoutes()      // arm.go
	s.registerAdminRoutes()    // admin.go: request log and counters
	s.registerFallback()       // 404 in Graph's format
}
