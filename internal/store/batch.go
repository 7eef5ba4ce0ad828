package store

// opKind is what one write operation does to the versioned copy.
type opKind uint8

const (
	opPut           opKind = iota // write a version of an object (no-op when unchanged)
	opRemove                      // close an object and the rows that name it
	opSweepChildren               // close a parent's child rows not confirmed by this run
	opSweep                       // close a table's open rows not confirmed by this run
)

type op struct {
	kind  opKind
	table *table
	keys  []any
	vals  []any
	// A put's change hash (an int64) and raw JSON (a string, or nil),
	// worked out and boxed for the driver by the goroutine that fills the
	// batch rather than by the single writer that applies it, the sync's
	// bottleneck.
	hash any
	raw  any
	// filter narrows a sweep to rows whose column equals value (role
	// schedules share a table by kind).
	filterCol string
	filterVal any
}

// Batch is an ordered list of writes to one run's generation. Syncers fill
// batches with the typed Put/Remove methods (one file per entity); a Run
// applies them in a single transaction. A Batch is plain data, so any backend
// (SQLite today, PostgreSQL later) can apply it.
type Batch struct {
	ops []op
}

// NewBatch returns an empty batch with room for n operations.
func NewBatch(n int) *Batch { return &Batch{ops: make([]op, 0, n)} }

// Len is the number of operations queued, a measure of the transaction size.
func (b *Batch) Len() int { return len(b.ops) }

// Append moves o's operations to the end of b.
func (b *Batch) Append(o *Batch) {
	b.ops = append(b.ops, o.ops...)
	o.Reset()
}

// Reset empties the batch, keeping its storage (and nothing its operations
// referred to).
func (b *Batch) Reset() {
	clear(b.ops)
	b.ops = b.ops[:0]
}

func (b *Batch) put(t *table, keys, vals []any, raw []byte) {
	hashed := raw
	if t.rawUnhashed {
		hashed = nil
	}
	o := op{kind: opPut, table: t, keys: keys, vals: vals, hash: rowHash(vals, hashed)}
	if raw != nil {
		o.raw = string(raw)
	}
	b.ops = append(b.ops, o)
}

func (b *Batch) remove(t *table, keys ...any) {
	b.ops = append(b.ops, op{kind: opRemove, table: t, keys: keys})
}

func (b *Batch) sweepChildren(t *table, parent any) {
	b.ops = append(b.ops, op{kind: opSweepChildren, table: t, keys: []any{parent}})
}

// Sweep closes every object of the resource's tables that this run did not
// write or confirm. Call it after a complete listing of the resource, never
// after a delta round.
func (b *Batch) Sweep(r Table) {
	for _, t := range r.tables() {
		b.ops = append(b.ops, op{kind: opSweep, table: t, filterCol: r.filterCol, filterVal: r.filterVal})
	}
}

// Table names a set of stored tables that one resource owns, for Sweep.
type Table struct {
	ts        []*table
	filterCol string
	filterVal any
}

func (r Table) tables() []*table {
	var out []*table
	for _, t := range r.ts {
		out = append(out, t)
		out = append(out, t.children...)
	}
	return out
}

// Tables a sync resource can sweep.
var (
	TableOrganization          = Table{ts: []*table{tOrganization}}
	TableDomains               = Table{ts: []*table{tDomains}}
	TableIdentityProviders     = Table{ts: []*table{tIdentityProviders}}
	TableUsers                 = Table{ts: []*table{tUsers}} // and their licences
	TableUserSignIns           = Table{ts: []*table{tUserSignIns}}
	TableUserMailboxes         = Table{ts: []*table{tUserMailboxes}}
	TableUserManagers          = Table{ts: []*table{tUserManagers}}
	TableSubscribedSKUs        = Table{ts: []*table{tSubscribedSKUs}} // and their service plans
	TableCompanySubscriptions  = Table{ts: []*table{tCompanySubscriptions}}
	TableGroups                = Table{ts: []*table{tGroups}}
	TableGroupMembers          = Table{ts: []*table{tGroupMembers}}
	TableGroupOwners           = Table{ts: []*table{tGroupOwners}}
	TableRoleDefinitions       = Table{ts: []*table{tRoleDefinitions}}
	TableRoleAssignments       = Table{ts: []*table{tRoleAssignments}}
	TableRoleEligibilities     = Table{ts: []*table{tRoleSchedules}, filterCol: "kind", filterVal: ScheduleEligibility}
	TableRoleAssignmentScheds  = Table{ts: []*table{tRoleSchedules}, filterCol: "kind", filterVal: ScheduleAssignment}
	TableServicePrincipals     = Table{ts: []*table{tServicePrincipals}}
	TableApplications          = Table{ts: []*table{tApplications}} // and their credentials
	TableAppRoleAssignments    = Table{ts: []*table{tAppRoleAssignments}}
	TableOAuth2PermissionGrant = Table{ts: []*table{tOAuth2PermissionGrants}}
	TableSynchronizationJobs   = Table{ts: []*table{tSynchronizationJobs}}
	TableManagedDevices        = Table{ts: []*table{tManagedDevices}}
	TableUserActivity          = Table{ts: []*table{tUserActivity}}
)

// Names returns the table names r covers (with children), as ApplyStats
// keys them.
func (r Table) Names() []string {
	var out []string
	for _, t := range r.tables() {
		out = append(out, t.name)
	}
	return out
}
