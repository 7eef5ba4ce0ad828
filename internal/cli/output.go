package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// Format is how a list command writes its rows.
type Format string

const (
	Table Format = "table" // aligned columns for people
	JSON  Format = "json"  // an array with one object per row, keys = column names
	CSV   Format = "csv"   // RFC 4180, header row = column names
)

// ParseFormat accepts table, json or csv.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case Table, JSON, CSV:
		return f, nil
	}
	return "", usageError{fmt.Errorf("-o %q: want table, json or csv", s)}
}

// AddOutputFlag registers -o/--output on a data command and returns the
// value to pass to ParseFormat.
func AddOutputFlag(cmd *cobra.Command) *string {
	return cmd.Flags().StringP("output", "o", "table", "output format: table, json or csv")
}

// Column is one column of a list. Name is the Microsoft property name
// (userPrincipalName, skuPartNumber ...): the JSON key and the CSV header.
// Header is the table heading (default: Name). Value returns the cell:
// string, bool, any integer or float, time.Time, *time.Time, []string,
// json.Number, json.RawMessage, fmt.Stringer or nil.
type Column[T any] struct {
	Name   string
	Header string
	Value  func(T) any
}

// WriteRows writes rows in format f, streaming for JSON and CSV (memory does
// not grow with the row count) and buffering for the table, whose column
// widths depend on every row. An error from rows stops the output and is
// returned.
func WriteRows[T any](w io.Writer, f Format, cols []Column[T], rows iter.Seq2[T, error]) error {
	switch f {
	case JSON:
		return writeJSON(w, cols, rows)
	case CSV:
		return writeCSV(w, cols, rows)
	case Table, "":
		return writeTable(w, cols, rows)
	}
	return fmt.Errorf("unknown output format %q", f)
}

// WriteSlice is WriteRows over a slice.
func WriteSlice[T any](w io.Writer, f Format, cols []Column[T], rows []T) error {
	return WriteRows(w, f, cols, func(yield func(T, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	})
}

func writeJSON[T any](w io.Writer, cols []Column[T], rows iter.Seq2[T, error]) error {
	bw := bufio.NewWriter(w)
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		keys[i], _ = json.Marshal(c.Name)
	}
	n := 0
	bw.WriteString("[")
	for row, err := range rows {
		if err != nil {
			bw.Flush()
			return err
		}
		if n > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  {")
		for i, c := range cols {
			if i > 0 {
				bw.WriteString(",")
			}
			bw.Write(keys[i])
			bw.WriteString(":")
			v, err := jsonValue(c.Value(row))
			if err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
			bw.Write(v)
		}
		bw.WriteString("}")
		n++
	}
	if n > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

func jsonValue(v any) ([]byte, error) {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return []byte("null"), nil
		}
		return json.Marshal(x.UTC().Format(time.RFC3339))
	case *time.Time:
		if x == nil || x.IsZero() {
			return []byte("null"), nil
		}
		return json.Marshal(x.UTC().Format(time.RFC3339))
	case json.RawMessage:
		if len(x) == 0 {
			return []byte("null"), nil
		}
		return x, nil
	case fmt.Stringer:
		return json.Marshal(x.String())
	}
	return json.Marshal(v)
}

func writeCSV[T any](w io.Writer, cols []Column[T], rows iter.Seq2[T, error]) error {
	cw := csv.NewWriter(w)
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.Name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for row, err := range rows {
		if err != nil {
			cw.Flush()
			return err
		}
		for i, c := range cols {
			rec[i] = csvSafe(text(c.Value(row), ";"))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe stops spreadsheet formula injection: a cell starting with = + - @
// (or a tab or carriage return) is prefixed with a quote, as OWASP advises.
// Numbers are left alone.
func csvSafe(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}

func writeTable[T any](w io.Writer, cols []Column[T], rows iter.Seq2[T, error]) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	hdr := make([]string, len(cols))
	for i, c := range cols {
		h := c.Header
		if h == "" {
			h = c.Name
		}
		hdr[i] = strings.ToUpper(h)
	}
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	cells := make([]string, len(cols))
	for row, err := range rows {
		if err != nil {
			tw.Flush()
			return err
		}
		for i, c := range cols {
			// Tabs and newlines would break the alignment.
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(text(c.Value(row), ", "))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// text renders a cell for CSV and tables.
func text(v any, sep string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *string:
		if x == nil {
			return ""
		}
		return *x
	case bool:
		return strconv.FormatBool(x)
	case *bool:
		if x == nil {
			return ""
		}
		return strconv.FormatBool(*x)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	case *time.Time:
		if x == nil || x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	case []string:
		return strings.Join(slices.Clone(x), sep)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case json.RawMessage:
		return string(x)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}
