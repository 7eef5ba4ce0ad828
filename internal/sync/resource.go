package sync

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tenantscope/tenantscope/internal/store"
)

// resource is one syncer: what it reads, what it needs, what it owns. The
// engine owns ordering, concurrency, permissions and the store; a syncer
// only lists and maps.
type resource struct {
	name  string
	group string // the --only group it belongs to (users, groups, roles, ...)
	// alias is the permission catalogue's feature name that also selects
	// it (sync.resources in the configuration), when it differs.
	alias string
	// perms: any one of these application permissions lets it read
	// (documentation and the permission-aware warning text).
	perms []string
	// feature names a tenant feature the resource needs ("Entra ID P1").
	feature string
	deps    []string
	// deltaDeps: deps hold only in delta runs. In a full run the resource
	// lists the objects it fans out over itself, so it need not wait for
	// (and serialise behind) the resource that syncs them.
	deltaDeps bool
	// tables are swept when the resource is turned off or excluded by an
	// option, so the copy never shows data it can no longer confirm.
	tables []store.Table
	// fanout resources cost a request per object; a delta run refreshes
	// them in full only when older than Options.FanoutMaxAge and otherwise
	// just for the objects that changed in this run.
	fanout bool
	// periodic resources have no delta query and are not worth re-reading
	// on every delta run: the engine runs them in delta runs only when
	// their last full read is older than FanoutMaxAge.
	periodic bool
	// long resources take most of a full run (long listings, delta
	// rounds read page after page, large reports): they get the first
	// free slots, so none of them starts late behind short listings.
	long bool
	// critical resources' writes go to the writer's first lane: the
	// groups delta round, the run's longest chain of pages, whose pipeline
	// must not back up. The usage reports shared the lane while the
	// writer was slower (their rows queued behind everything else's); now
	// they finish a second or more before the groups round, and sharing
	// the lane cost it 1.2-1.7 s of a 15 s large full sync.
	critical bool
	// excluded reports an option that turns the resource off on purpose.
	excluded func(o *Options) string
	run      func(ctx context.Context, j *job) error
}

// resources is the registry, in a stable order: the long sequential
// listings (groups with their members, users) first, since they bound a
// full run. Adding a resource is adding a file with its syncer and a line
// here.
func resources() []*resource {
	return []*resource{
		groupsResource(), usersResource(),
		organizationResource(), domainsResource(), identityProvidersResource(),
		subscribedSKUsResource(), companySubscriptionsResource(),
		managersResource(), signInsResource(), mailboxesResource(),
		groupOwnersResource(),
		roleAssignmentsResource(), roleEligibilityResource(), roleAssignmentSchedulesResource(), roleDefinitionsResource(),
		servicePrincipalsResource(), applicationsResource(), appRoleAssignmentsResource(), oauth2GrantsResource(), syncJobsResource(),
		managedDevicesResource(),
		periodic(usageReportsResource()),
	}
}

func periodic(r *resource) *resource {
	r.periodic = true
	return r
}

// ResourceNames lists the resource names and groups --only accepts.
func ResourceNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range resources() {
		for _, n := range []string{r.group, r.name} {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// selectResources resolves --only names (resource or group names,
// case-insensitive); empty selects everything.
func selectResources(all []*resource, only []string) (map[string]bool, error) {
	sel := map[string]bool{}
	if len(only) == 0 {
		for _, r := range all {
			sel[r.name] = true
		}
		return sel, nil
	}
	for _, n := range only {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		found := false
		for _, r := range all {
			if strings.EqualFold(r.name, n) || strings.EqualFold(r.group, n) || (r.alias != "" && strings.EqualFold(r.alias, n)) {
				sel[r.name] = true
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown resource %q (known: %s)", n, strings.Join(ResourceNames(), ", "))
		}
	}
	return sel, nil
}

// Knows reports whether name selects any resource (resource, group or
// feature name); the configuration's sync.resources may also name features
// other packages sync (usage_reports, azure).
func Knows(name string) bool {
	for _, r := range resources() {
		if strings.EqualFold(r.name, name) || strings.EqualFold(r.group, name) || (r.alias != "" && strings.EqualFold(r.alias, name)) {
			return true
		}
	}
	return false
}

// Permissions returns each resource's accepted permissions (any one is
// enough), for documentation and the check command.
func Permissions() map[string][]string {
	out := map[string][]string{}
	for _, r := range resources() {
		out[r.name] = slices.Clone(r.perms)
	}
	return out
}
