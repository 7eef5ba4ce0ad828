package store

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// table describes one versioned entity table: its natural key (besides
// connection_id) and the typed columns the sync writes. The SQL for writing
// and sweeping is derived from it, so the schema and the writers cannot drift
// apart silently (a missing column fails the first prepare).
type table struct {
	name string
	keys []string
	cols []string
	raw  bool // has a raw JSON column
	// rawUnhashed: the raw JSON is not part of the change hash because the
	// typed columns already cover every selected property and the JSON's
	// shape differs between list and delta reads (users: manager expand;
	// groups: members@delta), which must not count as a change.
	rawUnhashed bool
	// children are swept together with this table; their first key column
	// holds this table's (single) key.
	children []*table
	// dependents are closed when an object of this table is removed: rows
	// of dep.t whose dep.col names the removed object.
	dependents []dep
	// sortRuns: the table's puts are written in sorted runs across
	// batches (sqliteRun.bufferRun), for tables whose keys arrive at
	// random and whose rows are small.
	sortRuns bool
	// objRefs names the key columns that hold directory objects by their
	// number in directory_objects, not by id (objnum.go). The Batch API
	// takes ids; the run's writer numbers them.
	objRefs []string
}

// objRef reports whether column col holds directory-object numbers.
func (t *table) objRef(col string) bool { return slices.Contains(t.objRefs, col) }

type dep struct {
	t   *table
	col string
}

// Versioned tables. Order matters only for readability.
var (
	tOrganization      = &table{name: "organization", keys: []string{"id"}, cols: []string{"display_name", "created_at"}, raw: true}
	tDomains           = &table{name: "domains", keys: []string{"id"}, cols: []string{"authentication_type", "is_default", "is_initial", "is_verified"}, raw: true}
	tIdentityProviders = &table{name: "identity_providers", keys: []string{"id"}, cols: []string{"odata_type", "display_name", "identity_provider_type"}, raw: true}

	tUserLicenses = &table{name: "user_licenses", keys: []string{"user_id", "sku_id", "assigned_by_group"}, cols: []string{"disabled_plans", "state", "error", "last_updated_at"}, sortRuns: true}
	tUsers        = &table{name: "users", keys: []string{"id"}, cols: []string{
		"user_principal_name", "display_name", "given_name", "surname", "mail", "account_enabled", "user_type",
		"created_at", "department", "job_title", "company_name", "office_location", "usage_location",
		"employee_id", "on_premises_sync_enabled"}, raw: true, rawUnhashed: true, children: []*table{tUserLicenses},
		// Entra ID clears the manager reference of a deleted user's reports.
		dependents: []dep{{tUserLicenses, "user_id"}, {tUserSignIns, "user_id"}, {tUserMailboxes, "user_id"},
			{tUserManagers, "user_id"}, {tUserManagers, "manager_id"},
			{tGroupMembers, "member_num"}, {tGroupOwners, "owner_num"}, {tAppRoleAssignments, "principal_id"}}}
	tUserSignIns   = &table{name: "user_sign_ins", keys: []string{"user_id"}, cols: []string{"last_sign_in_at", "last_non_interactive_sign_in_at", "last_successful_sign_in_at"}, sortRuns: true}
	tUserMailboxes = &table{name: "user_mailboxes", keys: []string{"user_id"}, cols: []string{"purpose"}, sortRuns: true}
	tUserManagers  = &table{name: "user_managers", keys: []string{"user_id"}, cols: []string{"manager_id"}, sortRuns: true}

	tSkuServicePlans = &table{name: "sku_service_plans", keys: []string{"sku_id", "service_plan_id"}, cols: []string{"service_plan_name", "provisioning_status", "applies_to"}}
	tSubscribedSKUs  = &table{name: "subscribed_skus", keys: []string{"sku_id"}, cols: []string{
		"sku_part_number", "capability_status", "applies_to", "consumed_units",
		"prepaid_enabled", "prepaid_suspended", "prepaid_warning", "prepaid_locked_out"}, raw: true, children: []*table{tSkuServicePlans},
		dependents: []dep{{tSkuServicePlans, "sku_id"}}}
	tCompanySubscriptions = &table{name: "company_subscriptions", keys: []string{"id"}, cols: []string{
		"commerce_subscription_id", "sku_id", "sku_part_number", "status", "is_trial", "total_licenses", "created_at", "next_lifecycle_at"}, raw: true}

	tGroupMembers = &table{name: "group_members", keys: []string{"group_num", "member_num"}, cols: []string{"member_type"}, objRefs: []string{"group_num", "member_num"}}
	tGroupOwners  = &table{name: "group_owners", keys: []string{"group_num", "owner_num"}, cols: []string{"owner_type"}, objRefs: []string{"group_num", "owner_num"}}
	tGroups       = &table{name: "groups", keys: []string{"id"}, cols: []string{
		"display_name", "description", "mail", "mail_nickname", "mail_enabled", "security_enabled", "group_types",
		"visibility", "created_at", "on_premises_sync_enabled", "membership_rule", "is_assignable_to_role", "assigned_licenses"}, raw: true, rawUnhashed: true,
		dependents: []dep{{tGroupMembers, "group_num"}, {tGroupOwners, "group_num"}, {tGroupMembers, "member_num"}, {tAppRoleAssignments, "principal_id"}}}

	tRoleDefinitions = &table{name: "role_definitions", keys: []string{"id"}, cols: []string{"display_name", "description", "is_built_in", "is_enabled", "template_id"}, raw: true}
	tRoleAssignments = &table{name: "role_assignments", keys: []string{"id"}, cols: []string{"principal_id", "role_definition_id", "directory_scope_id"}, raw: true}
	tRoleSchedules   = &table{name: "role_schedules", keys: []string{"kind", "id"}, cols: []string{
		"principal_id", "role_definition_id", "directory_scope_id", "member_type", "assignment_type", "status", "start_at", "end_at"}, raw: true}

	tServicePrincipalAppRoles = &table{name: "service_principal_app_roles", keys: []string{"service_principal_id", "app_role_id"},
		cols: []string{"value", "display_name", "allowed_member_types", "is_enabled"}}
	tServicePrincipals = &table{name: "service_principals", keys: []string{"id"}, cols: []string{
		"app_id", "display_name", "service_principal_type", "account_enabled", "app_owner_organization_id",
		"app_role_assignment_required", "publisher_name", "tags"}, raw: true, children: []*table{tServicePrincipalAppRoles},
		dependents: []dep{{tServicePrincipalAppRoles, "service_principal_id"}}}
	tApplicationCredentials = &table{name: "application_credentials", keys: []string{"application_id", "key_id"}, cols: []string{"kind", "display_name", "hint", "start_at", "end_at"}}
	tApplications           = &table{name: "applications", keys: []string{"id"}, cols: []string{"app_id", "display_name", "created_at", "sign_in_audience"}, raw: true, children: []*table{tApplicationCredentials},
		dependents: []dep{{tApplicationCredentials, "application_id"}}}
	tAppRoleAssignments = &table{name: "app_role_assignments", keys: []string{"id"}, cols: []string{
		"resource_id", "app_role_id", "principal_id", "principal_type", "principal_display_name", "resource_display_name", "created_at"}}
	tOAuth2PermissionGrants = &table{name: "oauth2_permission_grants", keys: []string{"id"}, cols: []string{"client_id", "consent_type", "principal_id", "resource_id", "scope"}}
	tSynchronizationJobs    = &table{name: "synchronization_jobs", keys: []string{"service_principal_id", "id"}, cols: []string{
		"template_id", "schedule_interval", "schedule_state", "status_code", "last_execution_at", "last_successful_at", "quarantined"}, raw: true}
	tManagedDevices = &table{name: "managed_devices", keys: []string{"id"}, cols: []string{
		"user_id", "user_principal_name", "device_name", "operating_system", "os_version", "compliance_state",
		"managed_device_owner_type", "management_agent", "enrolled_at", "last_sync_at", "azure_ad_device_id", "is_encrypted"}, raw: true}
	tUserActivity = &table{name: "user_activity", keys: []string{"service", "user_principal_name"}, cols: []string{"last_activity_date", "report_refresh_date", "amount"}}
)

// allTables lists every versioned table (garbage collection walks them).
var allTables = []*table{
	tOrganization, tDomains, tIdentityProviders,
	tUsers, tUserLicenses, tUserSignIns, tUserMailboxes, tUserManagers,
	tSubscribedSKUs, tSkuServicePlans, tCompanySubscriptions,
	tGroups, tGroupMembers, tGroupOwners,
	tRoleDefinitions, tRoleAssignments, tRoleSchedules,
	tServicePrincipals, tServicePrincipalAppRoles, tApplications, tApplicationCredentials, tAppRoleAssignments,
	tOAuth2PermissionGrants, tSynchronizationJobs, tManagedDevices, tUserActivity,
	tUserEmailActivity, tUserTeamsActivity, tUserActivations,
}

func (t *table) keyWhere() string { return t.keyWhereConn("?") }

// keyWhereConn matches a key of the connection conn (a literal or "?"):
// "connection_id = conn AND key = ? ...".
func (t *table) keyWhereConn(conn string) string {
	var b strings.Builder
	b.WriteString("connection_id = ")
	b.WriteString(conn)
	for _, k := range t.keys {
		b.WriteString(" AND ")
		b.WriteString(k)
		b.WriteString(" = ?")
	}
	return b.String()
}

func (t *table) dataCols() []string {
	c := append([]string{}, t.cols...)
	if t.raw {
		c = append(c, "raw")
	}
	return c
}

// sqlTouchFor confirms an unchanged open row (seen_gen moves to the run's
// generation), the connection and generation written as literals:
// (keys..., hash).
func (t *table) sqlTouchFor(conn, gen int64) string {
	return fmt.Sprintf("UPDATE %s SET seen_gen = %d WHERE %s AND valid_to IS NULL AND hash = ?", t.name, gen, t.keyWhereFor(conn))
}

// sqlCloseFor is sqlClose for one run: (keys...).
func (t *table) sqlCloseFor(conn, gen int64) string {
	return fmt.Sprintf("UPDATE %s SET valid_to = %d WHERE %s AND valid_to IS NULL AND valid_from < %d", t.name, gen, t.keyWhereFor(conn), gen)
}

// keyWhereFor is keyWhere with the connection as a literal.
func (t *table) keyWhereFor(conn int64) string { return t.keyWhereConn(strconv.FormatInt(conn, 10)) }

// sqlClose closes the open row of a key written by an earlier generation:
// (gen, conn, keys..., gen).
func (t *table) sqlClose() string {
	return fmt.Sprintf("UPDATE %s SET valid_to = ? WHERE %s AND valid_to IS NULL AND valid_from < ?", t.name, t.keyWhere())
}

// sqlDeleteStaged drops a row this generation wrote for a key the same run
// now removes (delta pages can mention an object twice): (conn, keys..., gen).
func (t *table) sqlDeleteStaged() string {
	return fmt.Sprintf("DELETE FROM %s WHERE %s AND valid_from = ?", t.name, t.keyWhere())
}

// sqlInsertN writes n versions of run generation gen for connection conn in
// one statement; a second write of a key in the same generation replaces
// the first. The connection and generation are literals, not parameters:
// they are the same for every row of a run, and binding them cost three of
// a membership row's seven parameters. Arguments per row: keys..., hash,
// data columns... (sqliteRun.insertArgs).
func (t *table) sqlInsertN(n int, conn, gen int64) string {
	cols := append([]string{"connection_id"}, t.keys...)
	cols = append(cols, "valid_from", "seen_gen", "hash")
	cols = append(cols, t.dataCols()...)
	vals := []string{strconv.FormatInt(conn, 10)}
	vals = append(vals, slices.Repeat([]string{"?"}, len(t.keys))...)
	g := strconv.FormatInt(gen, 10)
	vals = append(vals, g, g, "?")
	vals = append(vals, slices.Repeat([]string{"?"}, len(t.dataCols()))...)
	row := "(" + strings.Join(vals, ", ") + ")"
	ph := strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	conflict := append([]string{"connection_id"}, t.keys...)
	conflict = append(conflict, "valid_from")
	var set []string
	for _, c := range append([]string{"seen_gen", "hash"}, t.dataCols()...) {
		set = append(set, c+" = excluded."+c)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES %s ON CONFLICT (%s) DO UPDATE SET %s",
		t.name, strings.Join(cols, ", "), ph, strings.Join(conflict, ", "), strings.Join(set, ", "))
}

// sqlSweepChildren closes a parent's child rows the run did not confirm:
// (gen, conn, parent, gen).
func (t *table) sqlSweepChildren() string {
	return fmt.Sprintf("UPDATE %s SET valid_to = ? WHERE connection_id = ? AND %s = ? AND valid_to IS NULL AND seen_gen < ?", t.name, t.keys[0])
}

// sqlCloseDependents closes the rows naming a removed object: (gen, conn, id, gen).
func (d dep) sqlClose() string {
	return fmt.Sprintf("UPDATE %s SET valid_to = ? WHERE connection_id = ? AND %s = ? AND valid_to IS NULL AND valid_from < ?", d.t.name, d.col)
}

// sqlDeleteStaged drops rows this run staged that name a removed object:
// (conn, id, gen).
func (d dep) sqlDeleteStaged() string {
	return fmt.Sprintf("DELETE FROM %s WHERE connection_id = ? AND %s = ? AND valid_from = ?", d.t.name, d.col)
}

// sqlSweep closes every open row of the connection the run did not see:
// (gen, conn, gen). Used after a complete listing.
func (t *table) sqlSweep(extraWhere string) string {
	return fmt.Sprintf("UPDATE %s SET valid_to = ? WHERE connection_id = ? AND valid_to IS NULL AND seen_gen < ?%s", t.name, extraWhere)
}

// current is the visibility predicate for generation-versioned rows; it takes
// the generation twice.
func current(alias string) string {
	p := ""
	if alias != "" {
		p = alias + "."
	}
	return fmt.Sprintf("%svalid_from <= ? AND (%svalid_to IS NULL OR %svalid_to > ?)", p, p, p)
}

// rowHash fingerprints a row's stored values, so an unchanged object costs
// one UPDATE of seen_gen and no new version. It is 64-bit FNV-1a over a
// tagged encoding of the values (the hashes stored by earlier versions must
// stay valid: TestRowHashIsFNV1a checks it against hash/fnv), computed
// inline: hash/fnv's Write through an interface, a call per tag byte, cost
// more than the hashing.
func rowHash(vals []any, raw []byte) int64 {
	h := fnv1a(fnvOffset)
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			h = h.byte(0)
		case string:
			h = h.byte(1).uint64(uint64(len(x))).string(x)
		case bool:
			if x {
				h = h.byte(2).byte(1)
			} else {
				h = h.byte(2).byte(0)
			}
		case int64:
			h = h.byte(3).uint64(uint64(x))
		case int:
			h = h.byte(3).uint64(uint64(int64(x)))
		default:
			h = h.string(fmt.Sprintf("\x04%v", x))
		}
	}
	h = h.byte(5).bytes(raw)
	return int64(uint64(h) & math.MaxInt64)
}

// fnv1a is a 64-bit FNV-1a state.
type fnv1a uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (h fnv1a) byte(b byte) fnv1a { return (h ^ fnv1a(b)) * fnvPrime }

func (h fnv1a) string(s string) fnv1a {
	for i := 0; i < len(s); i++ {
		h = (h ^ fnv1a(s[i])) * fnvPrime
	}
	return h
}

func (h fnv1a) bytes(b []byte) fnv1a {
	for _, c := range b {
		h = (h ^ fnv1a(c)) * fnvPrime
	}
	return h
}

// uint64 hashes x's eight little-endian bytes.
func (h fnv1a) uint64(x uint64) fnv1a {
	for range 8 {
		h = (h ^ fnv1a(byte(x))) * fnvPrime
		x >>= 8
	}
	return h
}

// timeCol stores a time as fixed-width RFC 3339 UTC text (sortable, portable);
// the zero time is NULL ("never").
func timeCol(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

const timeLayout = "2006-01-02T15:04:05Z"

func parseTimeCol(s *string) time.Time {
	if s == nil || *s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func boolPtrCol(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
