package credential

import (
	"strings"
	"testing"
)

// FuzzParseClaims: any input either parses or errors, never panics, and a
// parsed token's roles survive unchanged.
func FuzzParseClaims(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6WyJVc2VyLlJlYWQuQWxsIl0sImV4cCI6MTc5NTAwMDAwMH0.c2ln")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("eyJ9.eyJhdWQiOlsiYSIsMV19.x")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ParseClaims(tok)
		if err != nil {
			return
		}
		for _, r := range c.Roles {
			if strings.Count(tok, ".") != 2 {
				t.Fatalf("parsed a non-JWT with role %q", r)
			}
		}
	})
}
