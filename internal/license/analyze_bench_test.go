package license

import (
	"fmt"
	"testing"
)

// BenchmarkAnalyze100k analyses 100,000 users shaped like the scenario's
// (every kind of finding occurs), the size of the large profile.
func BenchmarkAnalyze100k(b *testing.B) {
	in := scenario(&testing.T{})
	base := in.Users
	in.Users = make([]User, 0, 100000)
	for i := 0; len(in.Users) < 100000; i++ {
		u := base[i%len(base)]
		u.ID = fmt.Sprintf("u%d", i)
		u.UserPrincipalName = fmt.Sprintf("user%d@contoso.com", i)
		in.Users = append(in.Users, u)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a, err := Analyze(in)
		if err != nil {
			b.Fatal(err)
		}
		if len(a.Verdicts) == 0 {
			b.Fatal("no verdicts")
		}
	}
	b.ReportMetric(float64(len(in.Users))*float64(b.N)/b.Elapsed().Seconds(), "users/s")
}
