package graphsim

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file models Microsoft's documented service limits (graph-facts §3 and
// §11) as token buckets driven by the server clock: Graph identity-and-access
// resource units per app+tenant, the write quota, the app-wide quota, the
// audit-log and usage-report request limits, and ARM's per-subscription
// read/write/delete buckets. Throttling is on only with Options.Throttle.

// bucket is a token bucket: capacity tokens, refilled continuously at rate
// per second.
type bucket struct {
	tokens float64
	last   time.Time
}

// limit is a bucket family's size.
type limit struct {
	capacity float64
	perSec   float64
}

func per(capacity float64, window time.Duration) limit {
	return limit{capacity: capacity, perSec: capacity / window.Seconds()}
}

// take charges cost if the bucket holds it. Otherwise it reports how long
// until it will. remaining is what is left after the charge (or now).
func (b *bucket) take(now time.Time, l limit, cost float64) (ok bool, wait time.Duration, remaining float64) {
	if b.last.IsZero() {
		b.tokens = l.capacity
	} else if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = math.Min(l.capacity, b.tokens+d*l.perSec)
	}
	b.last = now
	if b.tokens >= cost {
		b.tokens -= cost
		return true, 0, b.tokens
	}
	need := (cost - b.tokens) / l.perSec
	return false, time.Duration(need * float64(time.Second)), b.tokens
}

// bucketSet is a family of buckets by key under one lock.
type bucketSet struct {
	mu sync.Mutex
	m  map[string]*bucket
}

// charge is one bucket a request draws on.
type charge struct {
	set  *bucketSet
	key  string
	lim  limit
	cost float64
}

// takeAll charges every bucket, all or nothing: a refusal charges none. It
// returns the index of the first bucket that refused (-1 when all paid), how
// long until that one can pay, and each bucket's remaining tokens. The sets'
// locks are taken in the order given; each call site lists distinct sets in
// one fixed order, so two requests never wait on each other crosswise.
func takeAll(now time.Time, charges []charge) (refused int, wait time.Duration, remaining []float64) {
	for _, c := range charges {
		c.set.mu.Lock()
	}
	defer func() {
		for _, c := range charges {
			c.set.mu.Unlock()
		}
	}()
	remaining = make([]float64, len(charges))
	// Check first so that a refusal charges nothing.
	for i, c := range charges {
		b := c.set.m[c.key]
		if b == nil {
			b = &bucket{}
			c.set.m[c.key] = b
		}
		_, _, rem := b.take(now, c.lim, 0) // refill to now
		remaining[i] = rem
		if rem < c.cost {
			_, w, _ := b.take(now, c.lim, c.cost)
			return i, w, remaining
		}
	}
	for i, c := range charges {
		_, _, remaining[i] = c.set.m[c.key].take(now, c.lim, c.cost)
	}
	return -1, 0, remaining
}

// limiters holds every bucket family. Each family has its own lock.
type limiters struct {
	graphRU     bucketSet // app+tenant resource units
	graphWrite  bucketSet // app+tenant write units
	graphApp    bucketSet // app resource units across tenants
	graphGlobal bucketSet // app requests across tenants and services
	tenantWrite bucketSet // tenant write units across apps
	audit       bucketSet // app+tenant audit log requests
	reportApp   bucketSet // app+tenant+report API requests
	reportTen   bucketSet // tenant report requests
	arm         bucketSet // subscription(or tenant)+principal+kind
}

func newLimiters() limiters {
	mk := func() bucketSet { return bucketSet{m: map[string]*bucket{}} }
	return limiters{
		graphRU: mk(), graphWrite: mk(), graphApp: mk(), graphGlobal: mk(), tenantWrite: mk(),
		audit: mk(), reportApp: mk(), reportTen: mk(), arm: mk(),
	}
}

// Graph's documented quotas (graph-facts §3).
var (
	limitWrite       = per(3000, 150*time.Second)
	limitApp         = per(150000, 20*time.Second)
	limitGlobal      = per(130000, 10*time.Second)
	limitTenantWrite = per(18000, 5*time.Minute)
	limitAudit       = per(100, 10*time.Second)
	limitReportCSV   = per(14, 10*time.Minute)
	limitReportTen   = per(40, 10*time.Minute)
	limitReportJSON  = per(100, 10*time.Minute)
	limitARMRead     = limit{capacity: 250, perSec: 25}
	limitARMWrite    = limit{capacity: 200, perSec: 10}
)

// ruLimit is the app+tenant resource-unit quota by tenant size: S (<50
// users) 3,500, M (50-500) 5,000, L (>500) 8,000 per 10 s.
func ruLimit(t *Tenant) limit {
	t.mu.RLock()
	n := len(t.Users)
	t.mu.RUnlock()
	switch {
	case n < 50:
		return per(3500, 10*time.Second)
	case n <= 500:
		return per(5000, 10*time.Second)
	default:
		return per(8000, 10*time.Second)
	}
}

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

// formatRetryAfter writes seconds with millisecond precision, as Graph's
// documented "Retry-After: 2.128"; never below one millisecond.
func formatRetryAfter(d time.Duration) string {
	secs := math.Max(d.Seconds(), 0.001)
	s := strconv.FormatFloat(math.Ceil(secs*1000)/1000, 'f', -1, 64)
	return s
}

// chargeGraph charges units to the caller's buckets; on refusal it answers
// 429 and returns false. It sets x-ms-throttle-limit-percentage once usage
// of the app+tenant quota passes 80 %.
func (s *Server) chargeGraph(w http.ResponseWriter, r *http.Request, c *Caller, units int) bool {
	if !s.opts.Throttle {
		return true
	}
	l := &s.platform.limit
	tid := c.Tenant.ID
	appTenant := c.AppID + "/" + tid
	ru := ruLimit(c.Tenant)
	// Each charge names, for a refusal, the x-ms-throttle-scope and
	// x-ms-throttle-information Graph sends; built only when refused.
	type named struct{ scope, info func() string }
	charges := make([]charge, 0, 6)
	names := make([]named, 0, 6)
	add := func(ch charge, scope func() string, info string) {
		charges = append(charges, ch)
		names = append(names, named{scope: scope, info: func() string { return info }})
	}
	add(charge{set: &l.graphRU, key: appTenant, lim: ru, cost: float64(units)},
		func() string { return "Tenant_Application/ReadWrite/" + c.AppID + "/" + tid }, "ResourceUnitLimitExceeded")
	add(charge{set: &l.graphApp, key: c.AppID, lim: limitApp, cost: float64(units)},
		func() string { return "Application/ReadWrite/" + c.AppID }, "ResourceUnitLimitExceeded")
	add(charge{set: &l.graphGlobal, key: c.AppID, lim: limitGlobal, cost: 1},
		func() string { return "Application/Global/" + c.AppID }, "RequestLimitExceeded")
	if isWrite(r.Method) {
		add(charge{set: &l.graphWrite, key: appTenant, lim: limitWrite, cost: 1},
			func() string { return "Tenant_Application/Write/" + c.AppID + "/" + tid }, "WriteLimitExceeded")
		add(charge{set: &l.tenantWrite, key: tid, lim: limitTenantWrite, cost: 1},
			func() string { return "Tenant/Write/" + tid }, "WriteLimitExceeded")
	}
	if strings.HasPrefix(strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/v1.0"), "/beta"), "/auditLogs/") {
		add(charge{set: &l.audit, key: appTenant, lim: limitAudit, cost: 1},
			func() string { return "Tenant_Application/Read/" + c.AppID + "/" + tid }, "RequestLimitExceeded")
	}
	refused, wait, remaining := takeAll(s.now(), charges)
	// Usage after this request's charge; when refused, what it would be.
	used := 1 - remaining[0]/ru.capacity
	if refused >= 0 {
		used = 1 - (remaining[0]-float64(units))/ru.capacity
	}
	if used > 0.8 {
		w.Header().Set("x-ms-throttle-limit-percentage", strconv.FormatFloat(math.Min(math.Round(used*10)/10, 1.8), 'f', 1, 64))
	}
	if refused < 0 {
		return true
	}
	h := w.Header()
	h.Set("Retry-After", formatRetryAfter(wait))
	h.Set("x-ms-throttle-scope", names[refused].scope())
	h.Set("x-ms-throttle-information", names[refused].info())
	s.markThrottled(r)
	writeThrottled(w, r)
	return false
}

// reportFunction is the report API a request calls: the last path segment
// up to its parameters, e.g. "getOffice365ActiveUserDetail".
func reportFunction(path string) string {
	seg := path[strings.LastIndexByte(path, '/')+1:]
	if i := strings.IndexByte(seg, '('); i >= 0 {
		seg = seg[:i]
	}
	return seg
}

// chargeReport applies the usage-report limits: CSV downloads 14 per 10 min
// per app+tenant per report API and 40 per 10 min per tenant; JSON ($format
// or beta) 100 per 10 min per app+tenant per report API. A beta call that
// asks for text/csv (the Copilot report) is a CSV download.
func (s *Server) chargeReport(w http.ResponseWriter, r *http.Request, c *Caller) bool {
	if !s.opts.Throttle {
		return true
	}
	l := &s.platform.limit
	fn := reportFunction(r.URL.Path)
	key := c.AppID + "/" + c.Tenant.ID + "/" + fn
	var charges []charge
	format := strings.ToLower(r.URL.Query().Get("$format"))
	if !strings.Contains(format, "csv") && (strings.HasPrefix(r.URL.Path, "/beta/") || strings.Contains(format, "json")) {
		charges = []charge{{set: &l.reportApp, key: key + "/json", lim: limitReportJSON, cost: 1}}
	} else {
		charges = []charge{
			{set: &l.reportApp, key: key, lim: limitReportCSV, cost: 1},
			{set: &l.reportTen, key: c.Tenant.ID, lim: limitReportTen, cost: 1},
		}
	}
	refused, wait, _ := takeAll(s.now(), charges)
	if refused < 0 {
		return true
	}
	w.Header().Set("Retry-After", formatRetryAfter(wait))
	s.markThrottled(r)
	writeThrottled(w, r)
	return false
}

// armOperation is the ARM bucket a method draws on.
func armOperation(method string) (kind string, l limit) {
	switch method {
	case http.MethodGet, http.MethodHead:
		return "reads", limitARMRead
	case http.MethodDelete:
		return "deletes", limitARMWrite
	default:
		return "writes", limitARMWrite
	}
}

// chargeARM applies ARM's token buckets per subscription (or tenant, for
// tenant-level calls) and principal, and sets the
// x-ms-ratelimit-remaining-{subscription|tenant}-{reads|writes|deletes}
// header on every answer.
func (s *Server) chargeARM(w http.ResponseWriter, r *http.Request, c *Caller) bool {
	kind, lim := armOperation(r.Method)
	scopeKind, scopeID := "tenant", c.Tenant.ID
	if segs := splitPath(r.URL.Path); len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		scopeKind, scopeID = "subscription", strings.ToLower(segs[1])
	}
	// ARM counts per principal: the service principal's object id.
	principal := c.AppID
	if i := infoFrom(r); i != nil && i.principal != "" {
		principal = i.principal
	}
	header := "x-ms-ratelimit-remaining-" + scopeKind + "-" + kind
	if !s.opts.Throttle {
		w.Header().Set(header, strconv.Itoa(int(lim.capacity)-1))
		return true
	}
	l := &s.platform.limit
	refused, wait, remaining := takeAll(s.now(), []charge{{
		set: &l.arm, key: scopeID + "/" + principal + "/" + kind, lim: lim, cost: 1,
	}})
	if refused < 0 {
		w.Header().Set(header, strconv.Itoa(int(math.Max(0, math.Floor(remaining[0])))))
		return true
	}
	w.Header().Set(header, "0")
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.markThrottled(r)
	code := "SubscriptionRequestsThrottled"
	if scopeKind == "tenant" {
		code = "TenantRequestsThrottled"
	}
	writeARMError(w, r, http.StatusTooManyRequests, code, fmt.Sprintf(
		"Number of '%s' requests for %s '%s' actor '%s' exceeded. Please try again after '%d' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.",
		strings.TrimSuffix(kind, "s"), scopeKind, scopeID, principal, secs))
	return false
}

// markThrottled records that this request was answered 429 by throttling.
func (s *Server) markThrottled(r *http.Request) {
	if i := infoFrom(r); i != nil {
		i.throttled = true
	}
}
