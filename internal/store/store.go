// Package store owns tenantscope's local copy of each tenant: the schema
// (embedded, forward-only migrations), the generation-versioned tables the
// sync engine writes and the queries reports read.
//
// Every object row carries the generation range in which it was true
// (valid_from, valid_to). A sync run writes under a new generation and makes
// it the connection's current generation in its final commit, so a run that
// fails or is killed leaves the previous copy current and readable; the next
// run discards what the dead run staged. Unchanged objects are confirmed with
// a hash compare and keep their row, so a delta run produces a complete new
// generation at the cost of its changes, and the closed rows are history
// ("when was this user disabled", "how many seats were used on date X").
package store

import (
	"context"
	"time"
)

// Store is the storage the sync engine, the reports and the CLI use. SQLite
// (DB) implements it; a PostgreSQL backend can implement it too because
// writes travel as Batch values and reads return plain structs.
type Store interface {
	// Connection returns the named connection, creating it on first use.
	Connection(ctx context.Context, name string) (Connection, error)
	// BeginRun starts a sync run on a new generation after discarding what
	// an earlier unfinished run staged. It fails if another live run holds
	// the connection.
	BeginRun(ctx context.Context, conn Connection, mode RunMode) (Run, error)
	// Prune deletes versions no reader needs: superseded sign-in and
	// activity values, and history closed before keepSince (zero: keep).
	Prune(ctx context.Context, conn Connection, keepSince time.Time) (PruneStats, error)
	// DeltaLink is the stored delta link for resource as of the current
	// generation and the scope (sync options) it was taken under; "" when
	// there is none.
	DeltaLink(ctx context.Context, conn Connection, resource string) (link, scope string, err error)
	Runs(ctx context.Context, conn Connection, limit int) ([]SyncRun, error)
	// LastRefreshed is when resource last completed a full listing in a
	// committed run; zero when never.
	LastRefreshed(ctx context.Context, conn Connection, resource string) (time.Time, error)

	Organization(ctx context.Context, conn Connection) (*Organization, error)
	Domains(ctx context.Context, conn Connection) ([]Domain, error)
	IdentityProviders(ctx context.Context, conn Connection) ([]IdentityProvider, error)
	Users(ctx context.Context, conn Connection, q UserQuery) ([]User, error)
	UserHistory(ctx context.Context, conn Connection, userID string) ([]UserVersion, error)
	UserLicenseHistory(ctx context.Context, conn Connection, userID string) ([]LicenseVersion, error)
	SubscribedSKUs(ctx context.Context, conn Connection) ([]SubscribedSKU, error)
	SubscribedSKUsAt(ctx context.Context, conn Connection, at time.Time) ([]SubscribedSKU, error)
	CompanySubscriptions(ctx context.Context, conn Connection) ([]CompanySubscription, error)
	Groups(ctx context.Context, conn Connection, q GroupQuery) ([]Group, error)
	GroupMembers(ctx context.Context, conn Connection, groupID string) ([]DirectoryObjectRef, error)
	TransitiveMembers(ctx context.Context, conn Connection, groupID string) ([]DirectoryObjectRef, error)
	Memberships(ctx context.Context, conn Connection) ([]Membership, error)
	GroupOwners(ctx context.Context, conn Connection) ([]Membership, error)
	GroupMemberCounts(ctx context.Context, conn Connection) (map[string]int, error)
	GroupMemberDetails(ctx context.Context, conn Connection, groupID string, transitive bool) ([]Member, error)
	GroupOwnerDetails(ctx context.Context, conn Connection, groupID string) ([]Member, error)
	RoleDefinitions(ctx context.Context, conn Connection) ([]RoleDefinition, error)
	RoleAssignments(ctx context.Context, conn Connection) ([]RoleAssignment, error)
	RoleSchedules(ctx context.Context, conn Connection, kind string) ([]RoleSchedule, error)
	RoleHolders(ctx context.Context, conn Connection) ([]RoleHolder, error)
	ServicePrincipals(ctx context.Context, conn Connection) ([]ServicePrincipal, error)
	ServicePrincipalAppRoles(ctx context.Context, conn Connection) ([]ServicePrincipalAppRole, error)
	PermissionGrants(ctx context.Context, conn Connection) ([]PermissionGrant, error)
	Applications(ctx context.Context, conn Connection) ([]Application, error)
	AppRoleAssignments(ctx context.Context, conn Connection) ([]AppRoleAssignment, error)
	OAuth2PermissionGrants(ctx context.Context, conn Connection) ([]OAuth2PermissionGrant, error)
	SynchronizationJobs(ctx context.Context, conn Connection) ([]SynchronizationJob, error)
	ManagedDevices(ctx context.Context, conn Connection) ([]ManagedDevice, error)
	UserSignIns(ctx context.Context, conn Connection) ([]UserSignIn, error)
	UserMailboxes(ctx context.Context, conn Connection) ([]UserMailbox, error)
	UserActivity(ctx context.Context, conn Connection) ([]UserActivity, error)
	UserEmailActivity(ctx context.Context, conn Connection) ([]UserEmailActivity, error)
	UserTeamsActivity(ctx context.Context, conn Connection) ([]UserTeamsActivity, error)
	UserActivations(ctx context.Context, conn Connection) ([]UserActivation, error)

	Close() error
}

// Run is one sync run's write side. Apply may be called many times; Commit or
// Fail ends the run.
type Run interface {
	ID() int64
	Generation() int64
	// Apply writes a batch under the run's generation into the run's open
	// write transaction (invisible to readers until Commit). A failed
	// Apply loses what was written since the last Flush; the run must Fail.
	Apply(ctx context.Context, b *Batch) (ApplyStats, error)
	// Prepare does what of b's Apply can be done before it, on the
	// caller's goroutine rather than the single writer's (the SQLite
	// store numbers the directory objects puts name). Optional: Apply
	// does whatever Prepare did not. b must then go to this run's Apply.
	Prepare(ctx context.Context, b *Batch) error
	// Flush commits what Apply wrote so far (durable, readable by the
	// run's own queries; not current). The run's id reads flush first.
	// Writers flush every few seconds: a long-open write transaction
	// keeps other writers of the database waiting.
	Flush(ctx context.Context) error
	// SetDeltaLink stages resource's next delta link, taken under scope;
	// it becomes the stored link in Commit.
	SetDeltaLink(resource, link, scope string)
	// Commit records the result and makes the generation current, in one
	// transaction.
	Commit(ctx context.Context, res RunResult) error
	// Fail records the result and leaves the previous generation current.
	Fail(ctx context.Context, res RunResult, cause error) error
	// EnsureIndexes flushes and builds the indexes a first full load of
	// the tables leaves out (built at the latest by Commit), once the
	// resource writing them is done.
	EnsureIndexes(ctx context.Context, tables ...Table) error

	// Ids of objects open in the run's view (carried over or written by
	// this run), for fan-out; the caller's batches must be applied first.
	UserIDs(ctx context.Context, withMail bool) ([]string, error)
	GroupIDs(ctx context.Context) ([]string, error)
	ServicePrincipalIDs(ctx context.Context) ([]string, error)
	// ExistingUsers returns which of ids the run's view already holds.
	ExistingUsers(ctx context.Context, ids []string) (map[string]bool, error)
}

// RunMode is how a run reads the tenant.
type RunMode string

const (
	ModeFull  RunMode = "full"
	ModeDelta RunMode = "delta"
)

// Connection is one tenant connection as the store knows it.
type Connection struct {
	ID         int64
	Name       string
	TenantID   string
	Generation int64 // current generation; 0 = never synced
}

// ApplyStats counts what a batch changed, by table name.
type ApplyStats struct {
	Written map[string]int64 // new versions (added or changed)
	Closed  map[string]int64 // rows closed (removed or swept)
}

// RunResult is what a run records about itself.
type RunResult struct {
	TenantID  string
	Requests  int64
	Batched   int64 // Graph requests inside $batch
	Throttled int64
	Retries   int64
	Resources []ResourceResult
	Messages  []Message
}

// ResourceResult is one resource's outcome in a run.
type ResourceResult struct {
	Resource string
	Status   string // ok | off | skipped | failed
	Mode     RunMode
	Items    int64
	Removed  int64
	Duration time.Duration
	Message  string
}

// Resource statuses.
const (
	StatusOK      = "ok"
	StatusOff     = "off"     // turned off: missing permission or tenant feature
	StatusSkipped = "skipped" // not selected, or an option excluded it
	StatusFailed  = "failed"
)

// Message is a warning or error recorded on a run.
type Message struct {
	Level    string // warning | error
	Resource string
	Text     string
}

// SyncRun is one row of the run history.
type SyncRun struct {
	ID          int64
	Generation  int64
	Mode        RunMode
	Status      string // running | succeeded | failed
	StartedAt   time.Time
	FinishedAt  time.Time
	Requests    int64
	Batched     int64
	Throttled   int64
	Retries     int64
	Error       string
	Resources   []ResourceResult
	Messages    []Message
	Current     bool // this run's generation is the connection's current one
	HeartbeatAt time.Time
}
