// Package sheet writes report rows as a real Excel workbook (.xlsx) that
// Excel and LibreOffice open. Rows stream through excelize's StreamWriter, so
// a 100,000-row roster does not build the whole sheet in memory.
package sheet

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// maxSheetName is Excel's limit on a worksheet name.
const maxSheetName = 31

// Write writes one worksheet named name with a bold, frozen header row and
// the rows below it. Cell values keep their types: numbers stay numbers,
// booleans booleans, times become dates; a fmt.Stringer (such as an exact
// money amount) is written as its text so no precision is lost.
func Write(w io.Writer, name string, headers []string, rows iter.Seq2[[]any, error]) error {
	f := excelize.NewFile()
	defer f.Close()
	name = sheetName(name)
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		return fmt.Errorf("xlsx: name sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("xlsx: stream writer: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("xlsx: header style: %w", err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yyyy, shown in the reader's locale
	if err != nil {
		return fmt.Errorf("xlsx: date style: %w", err)
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx: freeze header: %w", err)
	}
	head := make([]any, len(headers))
	for i, h := range headers {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return fmt.Errorf("xlsx: header row: %w", err)
	}
	n := 1
	for row, err := range rows {
		if err != nil {
			return err
		}
		if len(row) != len(headers) {
			return fmt.Errorf("xlsx: row %d has %d cells for %d columns", n, len(row), len(headers))
		}
		n++
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = cell(v, dateStyle)
		}
		ref, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return fmt.Errorf("xlsx: row %d: %w", n, err)
		}
		if err := sw.SetRow(ref, cells); err != nil {
			return fmt.Errorf("xlsx: row %d: %w", n, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: flush: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write workbook: %w", err)
	}
	return nil
}

// cell converts a report value to what excelize stores.
func cell(v any, dateStyle int) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return excelize.Cell{StyleID: dateStyle, Value: x}
	case *time.Time:
		if x == nil || x.IsZero() {
			return nil
		}
		return excelize.Cell{StyleID: dateStyle, Value: *x}
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return x
	case []string:
		return strings.Join(x, ", ")
	case json.Number:
		return x.String()
	case json.RawMessage:
		return string(x)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// sheetName makes name a valid worksheet name: no []:*?/\ and at most 31
// characters.
func sheetName(name string) string {
	r := strings.NewReplacer("[", "(", "]", ")", ":", "-", "*", "-", "?", "", "/", "-", "\\", "-")
	name = strings.TrimSpace(r.Replace(name))
	if name == "" {
		name = "Report"
	}
	if len([]rune(name)) > maxSheetName {
		name = string([]rune(name)[:maxSheetName])
	}
	return name
}
