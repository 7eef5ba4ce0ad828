package sync

import (
	"strings"
	"time"
)

func tv(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func bv(b *bool) bool { return b != nil && *b }

// objectType turns "#microsoft.graph.user" into "user".
func objectType(odataType string) string {
	return strings.TrimPrefix(odataType, "#microsoft.graph.")
}

// domainFilter is the Domains option: nil admits every user.
type domainFilter map[string]bool

func newDomainFilter(domains []string) domainFilter {
	f := domainFilter{}
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "*" {
			return nil
		}
		if d != "" {
			f[d] = true
		}
	}
	if len(f) == 0 {
		return nil
	}
	return f
}

// admits reports whether a user with this UPN is in scope. Guests'
// UPNs (alice_fabrikam.com#EXT#@contoso.onmicrosoft.com) are judged by the
// domain after the last @, the tenant domain they live in, as Entra does.
func (f domainFilter) admits(upn string) bool {
	if f == nil {
		return true
	}
	at := strings.LastIndexByte(upn, '@')
	if at < 0 {
		return false
	}
	return f[strings.ToLower(upn[at+1:])]
}
