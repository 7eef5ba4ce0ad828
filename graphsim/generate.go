package graphsim

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tenantscope/tenantscope/internal/license"
)

// Generate builds the tenant a profile describes. It is deterministic: the
// same profile yields the same tenant, field for field, on every run and
// machine. Each part of the tenant draws from its own random stream, so
// changing how one part is generated does not reshuffle the others.
//
// What a generated tenant promises (tests elsewhere rely on it; the shares
// are constants in generate_users.go and generate_activity.go):
//   - Users: exactly Profile.Users live users: 8% guests (#EXT# UPNs), 1.5%
//     shared, 2% room and 0.5% equipment mailboxes (mostly disabled, some
//     licensed), the rest employees; 6% of employees disabled (about half
//     of those keep their licences); about half of the employees
//     synchronised from on-premises AD, among them everyone of the
//     European subsidiary (its own federated domain);
//     5% created within the last 90 days; plus 1% leavers in Deleted.
//   - Licences: real SKUs and service plans from Microsoft's table, chosen
//     by tier; every seat policy (spare, few, fully consumed, warning,
//     suspended, free); direct and group-based assignments, some both;
//     E3+E5 duplicates; every licensed user has a usage location.
//   - Usage: activity only for services the licences include; 10% of
//     enabled licensed employees inactive everywhere for over 90 days
//     (usage and sign-ins agree); per-service inactive shares in
//     serviceInactiveShare; some web/mobile-only app users; Copilot use
//     for Copilot holders only, from its own stream (generate_copilot.go):
//     a share never used it, a share not for over 90 days.
//   - Groups: exactly Profile.Groups, about ten memberships per user in
//     large tenants, nested groups, service principal and device members.
//   - Everything else the issue lists: roles (PIM on p2 only), apps,
//     consents, SCIM jobs, devices, domains, the connector with its secret
//     and Graph permissions, and the Azure estate.
func Generate(p Profile) (*Tenant, error) {
	p, err := p.normalized()
	if err != nil {
		return nil, fmt.Errorf("generate tenant: %w", err)
	}
	cat, err := embeddedCatalog()
	if err != nil {
		return nil, fmt.Errorf("generate tenant: %w", err)
	}
	g := &gen{p: p, cat: cat, t: &Tenant{Now: p.Now, Tier: p.Tier}}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"organization", g.organization},
		{"subscribed SKUs", g.skus},
		{"users", g.users},
		{"licence plans", g.licencePlans},
		{"groups", g.groups},
		{"licences", g.licences},
		{"activity", g.activity},
		{"copilot activity", g.copilotActivity},
		{"authentication methods", g.authMethods},
		{"devices", g.devices},
		{"azure", g.azure},
		{"applications", g.applications},
		{"directory roles", g.directoryRoles},
		{"azure role assignments", g.azureRoleAssignments},
		{"company subscriptions", g.companySubscriptions},
		{"group members beyond users", g.nonUserMembers},
		{"deleted users", g.deletedUsers},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("generate tenant %q (seed %d): %s: %w", p.Name, p.Seed, s.name, err)
		}
	}
	g.t.ReportSettings.DisplayConcealedNames = p.Concealed
	g.t.mutRand = g.rng("mutations")
	g.t.rebuildIndexes()
	g.t.initSeq()
	return g.t, nil
}

// embeddedCatalog parses Microsoft's licensing table once per process: it
// is immutable, and parsing it (about 20 ms) would otherwise dominate
// generating a small tenant, which tests do hundreds of times.
var embeddedCatalog = sync.OnceValues(license.Embedded)

// gen carries one generation run's state.
type gen struct {
	p   Profile
	cat *license.Catalog
	t   *Tenant

	// Scratch shared between steps, dropped when Generate returns.
	plans     []licencePlan  // by user index
	ukind     []uint8        // userPerson, userGuest ... by user index
	usedNames map[string]int // UPN local parts taken (uniqueLocal)
	dept      []uint8        // department index by user index; 255 = none
	deptCount [len(departments)]int
	people    []int      // user indexes of member people (not guests or resource mailboxes)
	skuSpecs  []*skuSpec // parallel to t.SubscribedSKUs
	skuByPart map[string]int
	licGroups map[string]*Group // skuPartNumber -> licensing group
	// groupLicensed are the skuPartNumbers assigned through licensing groups.
	groupLicensed []string
	managedIDs    []*AzUserAssignedIdentity
	graphSP       *ServicePrincipal
}

// rng returns the random stream of one part of the tenant.
func (g *gen) rng(part string) *rand.Rand {
	return streamRand(g.p.Seed, part)
}

// streamRand derives a PCG stream from a seed and a name.
func streamRand(seed int64, part string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(part))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

const hexDigits = "0123456789abcdef"

// newGUID draws a version-4 GUID, formatted as Graph does (lower case).
func newGUID(r *rand.Rand) string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], r.Uint64())
	binary.LittleEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var s [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return string(s[:])
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between draws an int in [lo, hi].
func between(r *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// pick draws one element.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// daysAgo is t minus d days and a random time of day, to the second.
func daysAgo(r *rand.Rand, t time.Time, d int) time.Time {
	day := t.Truncate(24*time.Hour).AddDate(0, 0, -d)
	return day.Add(time.Duration(r.IntN(86400)) * time.Second)
}

// weighted draws an index by weight.
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		return 0
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// synced returns a fresh onPremisesSyncEnabled value of true. Each object
// gets its own, so changing one object's flag cannot change another's.
func synced() *bool {
	v := true
	return &v
}
