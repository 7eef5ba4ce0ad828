package permission

import (
	"fmt"
	"slices"
	"strings"
)

// Status is a feature's state for one connection.
type Status string

const (
	OK       Status = "ok"       // everything it needs is granted
	Degraded Status = "degraded" // enabled, but something it needs is missing: it will be skipped with a warning
	Off      Status = "off"      // not enabled for this connection
)

// Result is the verdict for one feature.
type Result struct {
	Feature Feature `json:"feature"`
	Title   string  `json:"title"`
	Kind    Kind    `json:"kind"`
	Status  Status  `json:"status"`
	// Using are the granted permissions that satisfy it.
	Using []string `json:"using,omitempty"`
	// Missing are the unsatisfied requirements, each named by its
	// least-privileged permission.
	Missing []string `json:"missing,omitempty"`
	// Reasons say, for a person, what is missing and what it costs; for an
	// ok feature they carry notes (e.g. an ARM role check still to come).
	Reasons []string `json:"reasons,omitempty"`
}

// Unneeded is a granted permission no enabled feature uses.
type Unneeded struct {
	Permission string `json:"permission"`
	Why        string `json:"why"`
}

// Report is Evaluate's answer.
type Report struct {
	Tier     Tier       `json:"tier"`
	Features []Result   `json:"features"`
	Unneeded []Unneeded `json:"unneeded,omitempty"`
}

// Degraded reports whether any enabled feature is degraded.
func (r Report) Degraded() bool {
	return slices.ContainsFunc(r.Features, func(f Result) bool { return f.Status == Degraded })
}

// Result returns the verdict for f.
func (r Report) Result(f Feature) (Result, bool) {
	i := slices.IndexFunc(r.Features, func(x Result) bool { return x.Feature == f })
	if i < 0 {
		return Result{}, false
	}
	return r.Features[i], true
}

// SetDegraded marks f degraded with a reason; check uses it for what tokens
// cannot show (an ARM role). It does nothing for features that are off.
func (r *Report) SetDegraded(f Feature, reason string) {
	for i := range r.Features {
		if r.Features[i].Feature == f && r.Features[i].Status != Off {
			r.Features[i].Status = Degraded
			r.Features[i].Reasons = append(r.Features[i].Reasons, reason)
		}
	}
}

// Evaluate compares the granted application permissions (a token's roles
// claim) and the tenant's tier with what the enabled features need. Every
// catalogue feature appears in the report, in catalogue order; those not in
// enabled are Off. Granted permissions that no enabled feature uses are
// reported as Unneeded (a least-privilege warning). Permission names compare
// case-insensitively, as Entra ID treats them.
func Evaluate(granted []string, tier Tier, enabled []Feature) Report {
	has := map[string]string{} // lower-case -> as granted
	for _, g := range granted {
		if g = strings.TrimSpace(g); g != "" {
			has[strings.ToLower(g)] = g
		}
	}
	on := map[Feature]bool{}
	for _, f := range enabled {
		on[f] = true
	}
	cat := Catalogue()
	used := usedPermissions(cat, on, has)

	rep := Report{Tier: tier}
	for _, e := range cat {
		res := Result{Feature: e.Feature, Title: e.Title, Kind: e.Kind, Status: OK}
		if !on[e.Feature] {
			res.Status = Off
			rep.Features = append(rep.Features, res)
			continue
		}
		for _, req := range e.Requires {
			p, ok := satisfiedBy(req, has, used)
			if ok {
				res.Using = appendUnique(res.Using, p)
				continue
			}
			res.Missing = append(res.Missing, req.AnyOf[0])
			what := "missing " + strings.Join(req.AnyOf, " or ")
			if req.For != "" {
				what += " (" + req.For + ")"
			}
			res.Reasons = append(res.Reasons, what)
		}
		for _, x := range e.Extras {
			if p, ok := has[strings.ToLower(x.Permission)]; ok {
				res.Using = appendUnique(res.Using, p)
			}
		}
		if len(res.Missing) > 0 {
			res.Status = Degraded
		}
		if e.MinTier != "" {
			switch {
			case tier == TierUnknown:
				res.Reasons = append(res.Reasons, fmt.Sprintf("needs Entra ID %s; the tenant's tier could not be read", e.MinTier))
			case !tier.AtLeast(e.MinTier):
				res.Status = Degraded
				res.Reasons = append(res.Reasons, fmt.Sprintf("the tenant has Entra ID %s; this needs %s", tier, e.MinTier))
			}
		}
		if res.Status == Degraded {
			res.Reasons = append(res.Reasons, "without it: "+e.Lost)
		}
		if e.ARMRole != "" && res.Status == OK {
			res.Reasons = append(res.Reasons, "needs Azure role "+e.ARMRole+" on each subscription")
		}
		rep.Features = append(rep.Features, res)
	}
	rep.Unneeded = unneeded(cat, on, has, used)
	return rep
}

// usedPermissions picks, for every requirement of the enabled features, the
// least-privileged granted alternative. A broader permission thus counts as
// used only where no narrower granted one serves, which is what makes it
// worth flagging: removing a narrow permission that a broad one shadows
// would not reduce what the app can do, while removing an unused broad one
// would.
func usedPermissions(cat []Entry, on map[Feature]bool, has map[string]string) map[string]bool {
	used := map[string]bool{}
	for _, e := range cat {
		if !on[e.Feature] {
			continue
		}
		for _, x := range e.Extras {
			if _, ok := has[strings.ToLower(x.Permission)]; ok {
				used[strings.ToLower(x.Permission)] = true
			}
		}
		for _, req := range e.Requires {
			for _, p := range req.AnyOf {
				if _, ok := has[strings.ToLower(p)]; ok {
					used[strings.ToLower(p)] = true
					break
				}
			}
		}
	}
	return used
}

// satisfiedBy returns the granted permission that serves req, preferring the
// one chosen by usedPermissions.
func satisfiedBy(req Requirement, has map[string]string, used map[string]bool) (string, bool) {
	first := ""
	for _, p := range req.AnyOf {
		g, ok := has[strings.ToLower(p)]
		if !ok {
			continue
		}
		if used[strings.ToLower(p)] {
			return g, true
		}
		if first == "" {
			first = g
		}
	}
	return first, first != ""
}

func unneeded(cat []Entry, on map[Feature]bool, has map[string]string, used map[string]bool) []Unneeded {
	why := map[string]string{}
	for _, n := range NotNeededList() {
		why[strings.ToLower(n.Permission)] = n.Why
	}
	var out []Unneeded
	for lower, p := range has {
		if used[lower] {
			continue
		}
		w := why[lower]
		if w == "" {
			w = unneededReason(cat, on, has, used, lower)
		}
		out = append(out, Unneeded{Permission: p, Why: w})
	}
	slices.SortFunc(out, func(a, b Unneeded) int { return strings.Compare(a.Permission, b.Permission) })
	return out
}

// unneededReason explains why a granted, unused permission is not needed:
// another granted permission already does its work for the enabled
// features, or it serves only features that are off, or nothing at all.
func unneededReason(cat []Entry, on map[Feature]bool, has map[string]string, used map[string]bool, lower string) string {
	var coveredBy, coveredFor, offFeatures []string
	for _, e := range cat {
		serves := slices.ContainsFunc(e.Extras, func(x Extra) bool { return strings.ToLower(x.Permission) == lower })
		for _, r := range e.Requires {
			if !slices.ContainsFunc(r.AnyOf, func(p string) bool { return strings.ToLower(p) == lower }) {
				continue
			}
			serves = true
			if !on[e.Feature] {
				continue
			}
			for _, p := range r.AnyOf {
				if used[strings.ToLower(p)] {
					coveredBy = appendUnique(coveredBy, has[strings.ToLower(p)])
					coveredFor = appendUnique(coveredFor, string(e.Feature))
					break
				}
			}
		}
		if serves && !on[e.Feature] {
			offFeatures = appendUnique(offFeatures, string(e.Feature))
		}
	}
	switch {
	case len(coveredBy) > 0:
		verb := " already covers "
		if len(coveredBy) > 1 {
			verb = " already cover "
		}
		return "redundant: " + strings.Join(coveredBy, ", ") + verb + strings.Join(coveredFor, ", ")
	case len(offFeatures) > 0:
		return "serves only features that are off: " + strings.Join(offFeatures, ", ")
	}
	return "tenantscope never uses it"
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
