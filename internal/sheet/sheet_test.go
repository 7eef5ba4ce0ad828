package sheet

import (
	"bytes"
	"errors"
	"iter"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

type amount string

func (a amount) String() string { return string(a) }

func rowsOf(rows ...[]any) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func TestWriteReadsBackInExcelize(t *testing.T) {
	var buf bytes.Buffer
	day := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)
	err := Write(&buf, "Licences: E3/E5 [all]", []string{"skuPartNumber", "enabled", "active", "lastActivity", "annualSpend", "groups"}, rowsOf(
		[]any{"ENTERPRISEPACK", 10, true, day, amount("3000.00"), []string{"g1", "g2"}},
		[]any{"SPE_E5", int64(5), false, time.Time{}, amount("0.3333"), nil},
	))
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 1 || sheets[0] != "Licences- E3-E5 (all)" {
		t.Fatalf("sheets = %q", sheets)
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"skuPartNumber", "enabled", "active", "lastActivity", "annualSpend", "groups"},
		{"ENTERPRISEPACK", "10", "1", "", "3000.00", "g1, g2"},
		{"SPE_E5", "5", "0", "", "0.3333"},
	}
	// Dates are serial numbers in the raw cell; check that separately.
	serial, err := f.GetCellValue(sheets[0], "D2", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := strconv.ParseFloat(serial, 64)
	if err != nil || got != 46325 { // 2026-10-30 in Excel's 1900 date system
		t.Fatalf("date cell = %q", serial)
	}
	rows[1][3] = ""
	if len(rows) != len(want) {
		t.Fatalf("rows = %q", rows)
	}
	for i := range want {
		if len(rows[i]) != len(want[i]) {
			t.Fatalf("row %d = %q, want %q", i, rows[i], want[i])
		}
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Errorf("cell %d,%d = %q, want %q", i, j, rows[i][j], want[i][j])
			}
		}
	}
}

func TestWriteStopsOnRowError(t *testing.T) {
	boom := errors.New("store closed")
	err := Write(&bytes.Buffer{}, "x", []string{"a"}, func(yield func([]any, error) bool) {
		if !yield([]any{"1"}, nil) {
			return
		}
		yield(nil, boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestWriteRejectsRaggedRows(t *testing.T) {
	err := Write(&bytes.Buffer{}, "x", []string{"a", "b"}, rowsOf([]any{"only one"}))
	if err == nil {
		t.Fatal("want error for a short row")
	}
}
