package store

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"testing"
	"time"
)

// refRowHash is rowHash as written with hash/fnv: databases written by
// earlier versions hold its values, so an unchanged row must keep hashing
// the same or the next sync would record a new version of every row.
func refRowHash(vals []any, raw []byte) int64 {
	h := fnv.New64a()
	var buf [8]byte
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			h.Write([]byte{0})
		case string:
			h.Write([]byte{1})
			binary.LittleEndian.PutUint64(buf[:], uint64(len(x)))
			h.Write(buf[:])
			h.Write([]byte(x))
		case bool:
			if x {
				h.Write([]byte{2, 1})
			} else {
				h.Write([]byte{2, 0})
			}
		case int64:
			h.Write([]byte{3})
			binary.LittleEndian.PutUint64(buf[:], uint64(x))
			h.Write(buf[:])
		case int:
			h.Write([]byte{3})
			binary.LittleEndian.PutUint64(buf[:], uint64(int64(x)))
			h.Write(buf[:])
		default:
			fmt.Fprintf(h, "\x04%v", x)
		}
	}
	h.Write([]byte{5})
	h.Write(raw)
	return int64(h.Sum64() & math.MaxInt64)
}

func TestRowHashIsFNV1a(t *testing.T) {
	for _, c := range []struct {
		vals []any
		raw  []byte
	}{
		{nil, nil},
		{[]any{"user"}, nil},
		{[]any{"", nil, true, false, int64(-1), 42, math.MaxInt64}, []byte(`{"id":"x"}`)},
		{[]any{"ünïcödé", int64(math.MinInt64), 3.5, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}, []byte{0, 255}},
	} {
		if got, want := rowHash(c.vals, c.raw), refRowHash(c.vals, c.raw); got != want {
			t.Errorf("rowHash(%v, %q) = %d, want %d", c.vals, c.raw, got, want)
		}
	}
}

func FuzzRowHash(f *testing.F) {
	f.Add("a", int64(1), true, []byte("raw"))
	f.Add("", int64(-7), false, []byte(nil))
	f.Fuzz(func(t *testing.T, s string, n int64, b bool, raw []byte) {
		vals := []any{s, n, b, nil, int(n), s + s}
		if got, want := rowHash(vals, raw), refRowHash(vals, raw); got != want {
			t.Fatalf("rowHash(%q, %d, %v, %q) = %d, want %d", s, n, b, raw, got, want)
		}
	})
}
