package store

import (
	"testing"

	"github.com/google/uuid"
)

// BenchmarkObjectNumsGet looks up the numbers of 150,000 objects (the large
// tenant's) in an order that defeats the caches, as the members of
// successive groups do.
func BenchmarkObjectNumsGet(b *testing.B) {
	m := objectNums{guids: map[[16]byte]int64{}, others: map[string]int64{}}
	ids := make([]string, 150000)
	for i := range ids {
		ids[i] = uuid.NewString()
		m.set(ids[i], int64(i+1))
	}
	b.ResetTimer()
	for i := range b.N {
		if _, ok := m.get(ids[(i*7919)%len(ids)]); !ok {
			b.Fatal("missing")
		}
	}
}
