package bench

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite"
)

// BenchmarkMembershipKeys sizes what the store writer spends on the large
// tenant's 950,000 memberships by how their keys are stored: GUID text (as
// now), 16-byte GUID blobs, or integer surrogate keys. Each iteration loads
// 10,000 groups of 95 members, in random group order as Graph's groups delta
// sends them, into a clustered table shaped like group_members (multi-row
// inserts of 100, a commit every 100,000 rows, the writer's 24 MiB cache),
// then builds the by-member index as the run does. It reports µs per row
// inserted and the index build's seconds: what a change of key would save.
//
//	go test ./bench -run '^$' -bench MembershipKeys -benchtime 1x
func BenchmarkMembershipKeys(b *testing.B) {
	for _, kind := range []string{"text", "blob", "int"} {
		b.Run(kind, func(b *testing.B) {
			for range b.N {
				insert, index := loadMemberships(b, kind)
				b.ReportMetric(insert, "insert-µs/row")
				b.ReportMetric(index, "index-s")
			}
		})
	}
}

func loadMemberships(b *testing.B, kind string) (usPerRow, indexSeconds float64) {
	b.Helper()
	b.StopTimer()
	path := filepath.Join(b.TempDir(), "m.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-24576)&_pragma=wal_autocheckpoint(16384)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	typ := map[string]string{"text": "TEXT", "blob": "BLOB", "int": "INTEGER"}[kind]
	if _, err := db.Exec(fmt.Sprintf(`CREATE TABLE gm (connection_id INTEGER NOT NULL, group_id %[1]s NOT NULL, member_id %[1]s NOT NULL,
		valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL, member_type TEXT NOT NULL,
		PRIMARY KEY (connection_id, group_id, member_id, valid_from)) WITHOUT ROWID`, typ)); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	newID := func() uuid.UUID {
		var u uuid.UUID
		for i := range u {
			u[i] = byte(r.UintN(256))
		}
		return u
	}
	key := func(u uuid.UUID, n int) any {
		switch kind {
		case "blob":
			return u[:]
		case "int":
			return int64(n)
		}
		return u.String()
	}
	users := make([]uuid.UUID, 100_000)
	for i := range users {
		users[i] = newID()
	}
	var args []any
	for g := range 10_000 {
		gid := key(newID(), len(users)+g)
		for range 95 {
			i := r.IntN(len(users))
			args = append(args, gid, key(users[i], i), int64(12345), "user")
		}
	}
	const perInsert, perCommit = 100, 100_000
	q := "INSERT OR IGNORE INTO gm VALUES " + strings.TrimSuffix(strings.Repeat("(1, ?, ?, 1, NULL, 1, ?, ?),", perInsert), ",")
	rows := len(args) / 4
	b.StartTimer()
	start := time.Now()
	// One prepared statement per transaction, as the writer has.
	begin := func() (*sql.Tx, *sql.Stmt) {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.Prepare(q)
		if err != nil {
			b.Fatal(err)
		}
		return tx, st
	}
	tx, st := begin()
	for i := 0; i+perInsert <= rows; i += perInsert {
		if _, err := st.Exec(args[i*4 : (i+perInsert)*4]...); err != nil {
			b.Fatal(err)
		}
		if (i+perInsert)%perCommit == 0 {
			st.Close()
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			tx, st = begin()
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	insert := time.Since(start)
	b.StopTimer()
	for _, p := range []string{"PRAGMA threads = 2", "PRAGMA temp_store = FILE", "PRAGMA cache_size = -2048"} {
		if _, err := db.Exec(p); err != nil {
			b.Fatal(err)
		}
	}
	b.StartTimer()
	start = time.Now()
	if _, err := db.Exec("CREATE INDEX gm_member ON gm(connection_id, member_id)"); err != nil {
		b.Fatal(err)
	}
	index := time.Since(start)
	b.StopTimer()
	return float64(insert.Microseconds()) / float64(rows), index.Seconds()
}
