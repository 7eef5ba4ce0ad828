package bench

import (
	"runtime"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/graphsim"
)

// BenchmarkGenerateLarge builds the large tenant (100,000 users, 10,000
// groups, about 1,000,000 memberships). Targets (issue 3): under 15 s and
// under 1.5 GB. It reports users generated per second, the live heap the
// tenant holds and the bytes allocated while generating.
//
//	go test ./bench/ -run '^$' -bench GenerateLarge -benchtime 1x
func BenchmarkGenerateLarge(b *testing.B) {
	p, err := graphsim.ProfileByName("large", 1)
	if err != nil {
		b.Fatal(err)
	}
	var ten *graphsim.Tenant
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ten, err = graphsim.Generate(p)
		if err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start) / time.Duration(b.N)
	runtime.ReadMemStats(&after)
	allocated := (after.TotalAlloc - before.TotalAlloc) / uint64(b.N)
	runtime.GC()
	runtime.ReadMemStats(&after)
	memberships := 0
	ten.Snapshot(func(t *graphsim.Tenant) {
		for _, g := range t.Groups {
			memberships += len(g.Members)
		}
	})
	runtime.KeepAlive(ten)

	b.ReportMetric(float64(p.Users)/elapsed.Seconds(), "users/s")
	b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MB")
	b.ReportMetric(float64(allocated)/(1<<20), "alloc-MB/op")
	b.ReportMetric(float64(memberships), "memberships")
	if elapsed > 15*time.Second {
		b.Errorf("large tenant took %v, target under 15 s", elapsed)
	}
	if after.Sys > 1500<<20 {
		b.Errorf("process memory %d MB, target under 1,500 MB", after.Sys>>20)
	}
}
