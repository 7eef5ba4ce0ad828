package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
)

// defaultCacheKiB is each connection's page cache (a run's writing
// connection takes more: writerCacheKiB).
const defaultCacheKiB = 16 << 10

// DB is the SQLite store. One *sql.DB serves readers concurrently (WAL) and
// one writer at a time (busy_timeout makes other writers wait, not fail).
type DB struct {
	db  *sql.DB
	now func() time.Time
	// staleAfter is how long a running run may go without a heartbeat
	// before another run may take the connection over.
	staleAfter time.Duration
	// pruneChunk is how many rows one of Prune's delete transactions
	// covers (defaultPruneChunk; tests make it small).
	pruneChunk int
}

var _ Store = (*DB)(nil)

// Options tune Open; the zero value is right for the CLI.
type Options struct {
	// Now is the clock for run timestamps; nil = time.Now.
	Now func() time.Time
	// StaleAfter: a run without a heartbeat for this long is considered
	// dead (default 2 minutes).
	StaleAfter time.Duration
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date.
func Open(ctx context.Context, path string, o Options) (*DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// NORMAL is durable across application crashes in WAL mode (SIGKILL
	// loses nothing committed); only an OS crash may lose the last commit.
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", defaultCacheKiB)) // per connection
	// Checkpoint the WAL every ~64 MiB rather than every 4 MiB: a first
	// full sync writes gigabytes, and each checkpoint copies pages again.
	q.Add("_pragma", "wal_autocheckpoint(16384)")
	// Multi-row upserts keep a statement journal; in memory it costs no
	// file writes.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Few connections: one writer at a time anyway, and each holds its own
	// page cache, which counts against the memory budget.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	d := &DB{db: db, now: o.Now, staleAfter: o.StaleAfter, pruneChunk: defaultPruneChunk}
	if d.now == nil {
		d.now = time.Now
	}
	if d.staleAfter == 0 {
		d.staleAfter = 2 * time.Minute
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// SQL exposes the handle for reports that need their own queries; they must
// filter versioned tables with CurrentPredicate.
func (d *DB) SQL() *sql.DB { return d.db }

// CurrentPredicate is the SQL condition selecting the rows of generation gen
// from a versioned table (alias may be ""); append its two arguments.
func CurrentPredicate(alias string, gen int64) (string, []any) {
	return current(alias), []any{gen, gen}
}

func (d *DB) stamp() string { return d.now().UTC().Format(time.RFC3339Nano) }

// Connection returns the named connection, creating it on first use.
func (d *DB) Connection(ctx context.Context, name string) (Connection, error) {
	if name == "" {
		return Connection{}, errors.New("connection name is empty")
	}
	c, err := d.connection(ctx, name)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Connection{}, err
	}
	if _, err := d.db.ExecContext(ctx, `INSERT INTO connections (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, d.stamp()); err != nil {
		return Connection{}, fmt.Errorf("create connection %q: %w", name, err)
	}
	return d.connection(ctx, name)
}

func (d *DB) connection(ctx context.Context, name string) (Connection, error) {
	var c Connection
	err := d.db.QueryRowContext(ctx, `SELECT id, name, tenant_id, current_generation FROM connections WHERE name = ?`, name).
		Scan(&c.ID, &c.Name, &c.TenantID, &c.Generation)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Connection{}, err
		}
		return Connection{}, fmt.Errorf("read connection %q: %w", name, err)
	}
	return c, nil
}

// generation reads the connection's current generation now, so a reader
// that started before a commit keeps a consistent view.
func (d *DB) generation(ctx context.Context, conn Connection) (int64, error) {
	var g int64
	if err := d.db.QueryRowContext(ctx, `SELECT current_generation FROM connections WHERE id = ?`, conn.ID).Scan(&g); err != nil {
		return 0, fmt.Errorf("read current generation of %q: %w", conn.Name, err)
	}
	return g, nil
}

// DeltaLink returns resource's delta link as of the current generation.
func (d *DB) DeltaLink(ctx context.Context, conn Connection, resource string) (link, scope string, err error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return "", "", err
	}
	err = d.db.QueryRowContext(ctx, `SELECT link, scope FROM delta_links WHERE connection_id = ? AND resource = ? AND generation <= ?
		ORDER BY generation DESC LIMIT 1`, conn.ID, resource, g).Scan(&link, &scope)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read delta link %s/%s: %w", conn.Name, resource, err)
	}
	return link, scope, nil
}

// ConnectionNames lists the connections the database holds, by name.
func (d *DB) ConnectionNames(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name FROM connections ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list connections: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
