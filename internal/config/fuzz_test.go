package config

import (
	"strings"
	"testing"
)

// FuzzParse: any document either parses or fails with an *Error, never
// panics, and a literal secret given under client_secret never appears in
// the validation errors.
func FuzzParse(f *testing.F) {
	f.Add("connections:\n  - name: a\n    tenant: contoso.com\n    client_id: 11111111-2222-3333-4444-555555555555\n    client_secret: env:X\n")
	f.Add("connections:\n  - name: a\n    client_secret: LITERALSECRET\n")
	f.Add("connections: [{name: a, sync: {resources: [users]}}]\n")
	f.Add("connections:\n  - {license_terms: [{sku: X, cost_per_unit: '1.5'}]}\n")
	f.Add(":\n- [")
	f.Fuzz(func(t *testing.T, doc string) {
		cf, err := Parse([]byte(doc), "fuzz.yaml")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse error %T", err)
			}
			return
		}
		verr := cf.Validate()
		if verr == nil {
			return
		}
		for _, c := range cf.Connections {
			if s := string(c.ClientSecret); len(s) >= 8 && c.ClientSecret.Scheme() == "" && strings.Contains(verr.Error(), s) {
				t.Fatalf("validation error echoes the literal secret %q", s)
			}
		}
	})
}
