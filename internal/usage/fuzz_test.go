package usage

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to every report's parser: it must return
// rows or an error, never panic, and never report more concealed rows than
// rows.
func FuzzParse(f *testing.F) {
	for _, r := range Reports() {
		if raw, err := os.ReadFile(filepath.Join("testdata", "reports_"+string(r)+".csv")); err == nil {
			f.Add(raw, uint8(0))
		}
	}
	if raw, err := os.ReadFile("testdata/active_users_sample.csv"); err == nil {
		f.Add(raw, uint8(0))
	}
	f.Add(genActiveUsers(3, true), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		reports := Reports()
		r := reports[int(which)%len(reports)]
		rows := 0
		meta, err := Parse(r, bytes.NewReader(data), func(u UserActivity) error {
			rows++
			return nil
		})
		if meta.Rows != rows {
			t.Fatalf("meta.Rows = %d, callbacks = %d (err %v)", meta.Rows, rows, err)
		}
		if meta.ConcealedRows > meta.Rows {
			t.Fatalf("concealed rows %d > rows %d", meta.ConcealedRows, meta.Rows)
		}
	})
}
