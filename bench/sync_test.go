package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
	tsync "github.com/tenantscope/tenantscope/internal/sync"
)

// TestSyncBenchmark measures a full sync, a delta sync after 1% churn and an
// unchanged delta sync against the simulator with 20 ms latency and Graph's
// throttling. It is not a timed test: it runs only with TENANTSCOPE_BENCH=1
// and reports figures (profile: TENANTSCOPE_BENCH_PROFILE, default medium).
//
// The sync runs in a child process so its peak RSS (VmHWM) is the sync's
// alone, not the simulator's.
//
//	TENANTSCOPE_BENCH=1 TENANTSCOPE_BENCH_PROFILE=large go test ./bench -run TestSyncBenchmark -v -timeout 30m
//
// TENANTSCOPE_BENCH_RUNS=full runs only the full sync;
// TENANTSCOPE_BENCH_ONLY=groups,users syncs only those resources.
// TENANTSCOPE_BENCH_DB=PATH writes the database there (kept) instead of a
// temporary directory; PATH must not exist.
// TENANTSCOPE_BENCH_CPUPROFILE=PREFIX writes each run's CPU profile to
// PREFIX.<run> (PREFIX.full, PREFIX.second-full ...);
// TENANTSCOPE_BENCH_HEAPPROFILE=PREFIX the heap profile when the live
// objects peak; TENANTSCOPE_BENCH_TRACE=PREFIX each run's execution trace
// (go tool trace: where the writer goroutine waits).
func TestSyncBenchmark(t *testing.T) {
	if os.Getenv(benchChildEnv) != "" {
		syncChild(t)
		return
	}
	if os.Getenv("TENANTSCOPE_BENCH") != "1" {
		t.Skip("set TENANTSCOPE_BENCH=1 to run the sync benchmark")
	}
	profile := os.Getenv("TENANTSCOPE_BENCH_PROFILE")
	if profile == "" {
		profile = "medium"
	}
	const latency = 20 * time.Millisecond
	p, err := graphsim.ProfileByName(profile, 1)
	if err != nil {
		t.Fatal(err)
	}
	p.Tier = graphsim.TierP2
	p.Concealed = false // usage reports joinable, so they are read too
	genStart := time.Now()
	tn, err := graphsim.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated %s tenant in %v", profile, time.Since(genStart).Round(time.Millisecond))
	// The simulator stands in for Microsoft's servers, whose CPU is not the
	// sync's: with the tenant's 300 MB heap, the default GC spent a
	// quarter of the simulator's CPU on the two cores the sync needs.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	sim, err := graphsim.Start(graphsim.Options{Latency: latency, Throttle: true}, tn)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	caPath := filepath.Join(dir, "ca.pem")
	if err := sim.WriteCA(caPath); err != nil {
		t.Fatal(err)
	}
	tok, err := sim.Server.IssueToken(tn.ID, tn.Connector.AppID, "https://graph.microsoft.com", tn.Connector.Granted)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "bench.db")
	if keep := os.Getenv("TENANTSCOPE_BENCH_DB"); keep != "" {
		// Keep the database for inspection (it must not exist yet).
		dbPath = keep
	}
	// ahead shifts the sync's clock: a day ahead, the resources without a
	// delta query (sign-ins, usage reports, owners, app role assignments,
	// devices ...) are due again, as in a daily sync.
	var ahead time.Duration
	run := func(name string, full bool) childResult {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSyncBenchmark$", "-test.count=1", "-test.timeout=30m")
		cmd.Env = append(os.Environ(), benchChildEnv+"=1", "BENCH_URL="+sim.URL, "BENCH_TOKEN="+tok, "BENCH_CA="+caPath,
			"BENCH_DB="+dbPath, "BENCH_FULL="+strconv.FormatBool(full), "BENCH_RUN="+strings.NewReplacer(" ", "-", "%", "").Replace(name),
			"BENCH_AHEAD="+ahead.String())
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		simCPU := selfCPU()
		if prefix := os.Getenv("TENANTSCOPE_BENCH_CPUPROFILE"); prefix != "" {
			// The simulator's profile over the same run.
			f, err := os.Create(prefix + "." + strings.NewReplacer(" ", "-", "%", "").Replace(name) + ".sim")
			if err != nil {
				t.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				t.Fatal(err)
			}
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s sync: %v\n%s", name, err, out.String())
		}
		simCPU = selfCPU() - simCPU
		var r childResult
		sc := bufio.NewScanner(&out)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "BENCH_RESULT "); ok {
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatal(err)
				}
			}
		}
		if r.WallSeconds == 0 {
			t.Fatalf("%s sync printed no result:\n%s", name, out.String())
		}
		r.SyncCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		r.SimCPU = simCPU.Seconds()
		return r
	}

	full := run("full", true)
	if os.Getenv("TENANTSCOPE_BENCH_RUNS") == "full" {
		// Only the full sync (quicker, for profiling it).
		t.Logf("full: %+v", full)
		bound, _, _ := lowerBound(full, len(tn.Users), latency)
		t.Logf("full sync %.1f s, lower bound %.1f s, wall/bound %.2f", full.WallSeconds, bound, full.WallSeconds/bound)
		for _, r := range full.Resources {
			t.Logf("  %-24s %-7s %7d items %6.1f s", r.Resource, r.Status, r.Items, r.Duration.Seconds())
		}
		return
	}
	sum := tn.Churn(0.01, 42)
	delta := run("delta after churn", false)
	same := run("unchanged delta", false)
	// A day passes: people sign in and work, so sign-ins, last-activity
	// dates and the report counts move, as between two daily syncs.
	day := tn.AdvanceDays(1, 5)
	ahead = 25 * time.Hour
	daily := run("daily delta", false)
	again := run("second full", true)

	bound, ruBound, latBound := lowerBound(full, len(tn.Users), latency)
	quota := ruQuota(len(tn.Users))

	t.Logf("profile %s: %d users, %d groups; churn %+v; a day later %+v", profile, len(tn.Users), len(tn.Groups), sum, day)
	t.Logf("| run | wall s | HTTP requests | in $batch | throttled | RU | peak RSS MB | store writing s | written MB | database MB | sync CPU s | simulator CPU s |")
	t.Logf("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, x := range []struct {
		name string
		r    childResult
	}{{"full", full}, {"delta after 1% churn", delta}, {"unchanged delta", same}, {"a day later (all due)", daily}, {"full again (--full)", again}} {
		t.Logf("| %s | %.1f | %d | %d | %d | %d | %.0f | %.1f | %.0f | %.0f | %.1f | %.1f |", x.name, x.r.WallSeconds, x.r.Requests, x.r.Batched, x.r.Throttled, x.r.ResourceUnits,
			float64(x.r.PeakRSSKB)/1024, x.r.StoreBusy, x.r.WrittenMB, x.r.DatabaseMB, x.r.SyncCPU, x.r.SimCPU)
	}
	t.Logf("full-sync lower bound %.1f s (RU %.1f s at %d RU/10 s, latency %.1f s); wall/bound %.2f (target <= 1.3)",
		bound, ruBound, quota, latBound, full.WallSeconds/bound)
	fullReq := float64(full.Requests + full.Batched)
	t.Logf("delta: %.1f%% of full requests (target < 5%%), %.1f%% of full time (target < 10%%); unchanged delta %.1f s (target < 10 s)",
		100*float64(delta.Requests+delta.Batched)/fullReq, 100*delta.WallSeconds/full.WallSeconds, same.WallSeconds)
	for _, x := range []struct {
		name string
		r    childResult
	}{{"full", full}, {"delta", delta}, {"daily", daily}, {"again", again}} {
		for _, r := range x.r.Resources {
			t.Logf("  %-5s %-24s %-7s %-5s %7d items %6.1f s", x.name, r.Resource, r.Status, r.Mode, r.Items, r.Duration.Seconds())
		}
	}
}

// lowerBound is the least time a sync's requests can take: the resource
// units it was charged at the app+tenant quota's refill rate beyond the
// initial burst, or its HTTP requests at the client's concurrency times the
// latency, whichever is longer.
func lowerBound(r childResult, users int, latency time.Duration) (bound, ruBound, latBound float64) {
	quota, window := ruQuota(users), 10*time.Second
	refill := float64(quota) / window.Seconds()
	ruBound = math.Max(0, float64(r.ResourceUnits)-float64(quota)) / refill
	latBound = float64(r.Requests) * latency.Seconds() / float64(r.Concurrency)
	return math.Max(ruBound, latBound), ruBound, latBound
}

// ruQuota is the app+tenant resource-unit quota per 10 s by tenant size
// (graph-facts §3).
func ruQuota(users int) int {
	switch {
	case users < 50:
		return 3500
	case users <= 500:
		return 5000
	}
	return 8000
}

const benchChildEnv = "TENANTSCOPE_BENCH_CHILD"

// record starts a profile or trace of this run into PREFIX.<run> when the
// environment variable env names a PREFIX, and returns what stops it.
func record(t *testing.T, env string, start func(io.Writer) error, stop func()) func() {
	prefix := os.Getenv(env)
	if prefix == "" {
		return func() {}
	}
	f, err := os.Create(prefix + "." + os.Getenv("BENCH_RUN"))
	if err != nil {
		t.Fatal(err)
	}
	if err := start(f); err != nil {
		t.Fatal(err)
	}
	return func() { stop(); f.Close() }
}

type childResult struct {
	WallSeconds   float64
	Requests      int64
	Batched       int64
	Throttled     int64
	ResourceUnits int64
	PeakRSSKB     int64
	StoreBusy     float64 // seconds the store writer was applying batches
	WrittenMB     float64 // bytes the sync process wrote (write syscalls: database, WAL)
	DatabaseMB    float64 // the database file (and WAL) after the run
	Concurrency   int
	Resources     []store.ResourceResult
	// Measured by the parent: the child's CPU time (user+system) and the
	// simulator's (the parent process's) over the same run. Both share
	// the machine's cores.
	SyncCPU, SimCPU float64
}

// selfCPU is this process's CPU time so far (user+system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// syncChild runs one sync and prints its figures.
func syncChild(t *testing.T) {
	ctx := context.Background()
	// The soft heap limit `tenantscope sync` sets (internal/cli/syncMemoryLimit).
	debug.SetMemoryLimit(144 << 20)
	ca, err := os.ReadFile(os.Getenv("BENCH_CA"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	newTransport := func() *http.Transport {
		return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 64}
	}
	ru := &ruCounter{base: newTransport(), units: new(atomic.Int64)}
	// The high-priority lane's own connections, counted by the same counter.
	ruHigh := &ruCounter{base: newTransport(), units: ru.units}
	tok := os.Getenv("BENCH_TOKEN")
	const concurrency = 16
	g, err := msgraph.New(msgraph.Options{BaseURL: os.Getenv("BENCH_URL"), HTTPClient: &http.Client{Transport: ru},
		PriorityHTTPClient: &http.Client{Transport: ruHigh},
		Tokens:             msgraph.TokenFunc(func(context.Context) (string, error) { return tok, nil }), Concurrency: concurrency})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, os.Getenv("BENCH_DB"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer record(t, "TENANTSCOPE_BENCH_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile)()
	defer record(t, "TENANTSCOPE_BENCH_TRACE", trace.Start, trace.Stop)()
	ahead, err := time.ParseDuration(os.Getenv("BENCH_AHEAD"))
	if err != nil {
		t.Fatal(err)
	}
	// Where the peak RSS comes from: the Go runtime's memory and live
	// objects against the process's RSS (the rest is SQLite's, outside
	// the Go heap).
	stopSample, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
		var maxRSS, maxGo, maxObj, goAtMax, objAtMax int64
		heapPrefix := os.Getenv("TENANTSCOPE_BENCH_HEAPPROFILE")
		var heapAt time.Time
		for {
			select {
			case <-stopSample:
				fmt.Fprintf(os.Stderr, "memory %s: RSS at most %d MB (sampled every 50 ms; Go %d MB, live objects %d MB at that moment); Go at most %d MB, live objects at most %d MB\n",
					os.Getenv("BENCH_RUN"), maxRSS>>20, goAtMax>>20, objAtMax>>20, maxGo>>20, maxObj>>20)
				return
			case <-time.After(50 * time.Millisecond):
			}
			metrics.Read(samples)
			g, o := int64(samples[0].Value.Uint64()), int64(samples[1].Value.Uint64())
			rss := vmRSS() * 1024
			if rss > maxRSS {
				maxRSS, goAtMax, objAtMax = rss, g, o
			}
			if heapPrefix != "" && o > maxObj && time.Since(heapAt) > time.Second {
				// What the live objects are when they peak (as of the
				// last garbage collection).
				heapAt = time.Now()
				if f, err := os.Create(heapPrefix + "." + os.Getenv("BENCH_RUN")); err == nil {
					_ = pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
			maxGo, maxObj = max(maxGo, g), max(maxObj, o)
		}
	}()
	defer func() { close(stopSample); <-sampled }()
	start := time.Now()
	tl := &timeline{start: start, at: map[string][2]time.Duration{}}
	res, err := tsync.Run(ctx, g, db, tsync.Options{Connection: "bench", GraphBaseURL: os.Getenv("BENCH_URL"),
		Full: os.Getenv("BENCH_FULL") == "true", Only: strings.FieldsFunc(os.Getenv("TENANTSCOPE_BENCH_ONLY"), func(r rune) bool { return r == ',' }), Now: func() time.Time { return time.Now().Add(ahead) }, Progress: tl})
	if err != nil {
		t.Fatal(err)
	}
	tl.print(os.Stderr, os.Getenv("BENCH_RUN"), time.Since(start))
	fmt.Fprintf(os.Stderr, "timeline %s: after the last resource, the writer drained its queue in %.1f s and the commit took %.1f s\n",
		os.Getenv("BENCH_RUN"), res.Drain.Seconds(), res.Commit.Seconds())
	out := childResult{WallSeconds: time.Since(start).Seconds(), Requests: res.Stats.Requests, Batched: res.Stats.BatchInnerRequests,
		Throttled: res.Stats.Throttled, ResourceUnits: ru.units.Load(), PeakRSSKB: vmHWM(), Concurrency: concurrency, Resources: res.Resources,
		StoreBusy: res.StoreBusy.Seconds(), WrittenMB: float64(procIO("wchar:")) / (1 << 20),
		DatabaseMB: float64(fileSize(os.Getenv("BENCH_DB"))+fileSize(os.Getenv("BENCH_DB")+"-wal")) / (1 << 20)}
	b, _ := json.Marshal(out)
	fmt.Printf("BENCH_RESULT %s\n", b)
}

// timeline records when each resource started and ended.
type timeline struct {
	start time.Time
	mu    gosync.Mutex
	at    map[string][2]time.Duration
	order []string
}

func (tl *timeline) Start(resource string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.at[resource] = [2]time.Duration{time.Since(tl.start)}
	tl.order = append(tl.order, resource)
}

func (tl *timeline) Add(string, int) {}

func (tl *timeline) Done(resource string, _ store.ResourceResult) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	x := tl.at[resource]
	x[1] = time.Since(tl.start)
	tl.at[resource] = x
}

// print writes the spans of the resources that took half a second or more,
// in the order they started, and what came after the last one (the final
// commit, index builds, retention).
func (tl *timeline) print(w io.Writer, run string, total time.Duration) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var last time.Duration
	for _, r := range tl.order {
		x := tl.at[r]
		last = max(last, x[1])
		if x[1]-x[0] >= 500*time.Millisecond {
			fmt.Fprintf(w, "timeline %s: %-24s %5.1f s .. %5.1f s\n", run, r, x[0].Seconds(), x[1].Seconds())
		}
	}
	fmt.Fprintf(w, "timeline %s: %-24s %5.1f s .. %5.1f s\n", run, "(commit, indexes, prune)", last.Seconds(), total.Seconds())
}

// ruCounter sums the x-ms-resource-unit header of every Graph response
// that was charged (not 429), including the inner responses of $batch.
type ruCounter struct {
	base  http.RoundTripper
	units *atomic.Int64
}

func (c *ruCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	// A throttled request is refused, not charged: its 429 names what it
	// would have cost, but the bucket keeps those units.
	if n, err := strconv.Atoi(resp.Header.Get("x-ms-resource-unit")); err == nil && resp.StatusCode != http.StatusTooManyRequests {
		c.units.Add(int64(n))
	}
	if !strings.HasSuffix(r.URL.Path, "/$batch") {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var br struct {
		Responses []struct {
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
		} `json:"responses"`
	}
	if json.Unmarshal(body, &br) == nil {
		for _, in := range br.Responses {
			if in.Status == http.StatusTooManyRequests {
				continue
			}
			for k, v := range in.Headers {
				if strings.EqualFold(k, "x-ms-resource-unit") {
					if n, err := strconv.Atoi(v); err == nil {
						c.units.Add(int64(n))
					}
				}
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func vmRSS() int64 { return procStatusKB("VmRSS:") }

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// procIO reads one counter of /proc/self/io (Linux), 0 if unavailable.
func procIO(key string) int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// vmHWM is the process's peak resident set in kB (Linux).
func vmHWM() int64 { return procStatusKB("VmHWM:") }

// procStatusKB reads a kB field of /proc/self/status (0 if missing).
func procStatusKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
