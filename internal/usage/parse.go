package usage

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Parse reads a usage report's CSV from r and calls fn once per row, in file
// order, without holding the report in memory. Columns are found by header
// name (case-insensitive, surrounding space ignored), so reordered or added
// columns are fine; a column the report cannot be read without is an error
// naming it. The UTF-8 byte order mark Microsoft writes (also when a client
// decoded it as Latin-1), quoting, and CRLF or LF line ends are accepted.
// Empty dates and counts read as zero. An error from fn stops the parse and
// is returned wrapped.
func Parse(report Report, r io.Reader, fn func(UserActivity) error) (Meta, error) {
	for _, known := range Reports() {
		if strings.EqualFold(string(report), string(known)) {
			report = known // Graph's function names are case-insensitive
		}
	}
	meta := Meta{Report: report}
	cols, ok := columnsOf(report)
	if !ok {
		return meta, fmt.Errorf("usage: unknown report %q", string(report))
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // rows with missing trailing cells are read, not rejected
	cr.LazyQuotes = true
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return meta, fmt.Errorf("usage: %s: empty report: no header line", report)
	}
	if err != nil {
		return meta, fmt.Errorf("usage: %s: header: %w", report, err)
	}
	meta.Columns = make([]string, len(header))
	index := make(map[string]int, len(header))
	for i, h := range header {
		h = cleanHeader(h, i == 0)
		meta.Columns[i] = h
		k := strings.ToLower(h)
		if _, dup := index[k]; !dup {
			index[k] = i
		}
	}
	type binding struct {
		at  int
		col column
	}
	bound := make([]binding, 0, len(cols))
	for _, c := range cols {
		i, found := index[strings.ToLower(c.header)]
		if !found {
			if c.required {
				return meta, fmt.Errorf("usage: %s: missing column %q", report, c.header)
			}
			continue
		}
		bound = append(bound, binding{i, c})
	}
	refreshAt := index[strings.ToLower(colRefreshDate)]
	_, hasPeriod := index[strings.ToLower(colPeriod)]

	// One row value for the whole report: the columns set it through a
	// pointer, so a fresh one per row was a heap allocation of about a
	// kilobyte (most of what parsing a report allocated). fn gets a copy.
	var u UserActivity
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return meta, fmt.Errorf("usage: %s: line %d: %w", report, line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line, e.g. a trailing CRLF pair
		}
		u = UserActivity{}
		for _, b := range bound {
			if b.at >= len(rec) {
				continue
			}
			if err := b.col.set(&u, strings.TrimSpace(rec[b.at])); err != nil {
				return meta, fmt.Errorf("usage: %s: line %d: column %q: %w", report, line, b.col.header, err)
			}
		}
		if meta.Rows == 0 {
			if refreshAt < len(rec) {
				if meta.RefreshDate, err = parseDate(strings.TrimSpace(rec[refreshAt])); err != nil {
					return meta, fmt.Errorf("usage: %s: line %d: column %q: %w", report, line, colRefreshDate, err)
				}
			}
			if hasPeriod {
				meta.Period = u.ReportPeriod
			}
		}
		u.RefreshDate = meta.RefreshDate
		meta.Rows++
		if u.Concealed {
			meta.ConcealedRows++
		}
		if err := fn(u); err != nil {
			meta.Concealed = mostlyConcealed(meta.ConcealedRows, meta.Rows)
			return meta, fmt.Errorf("usage: %s: line %d: %w", report, line, err)
		}
	}
	meta.Concealed = mostlyConcealed(meta.ConcealedRows, meta.Rows)
	return meta, nil
}

var (
	utf8BOM = []byte{0xEF, 0xBB, 0xBF}
	// latin1BOM is the BOM after a client decoded the file as Latin-1 (or
	// Windows-1252) and wrote it back as UTF-8: "ï»¿".
	latin1BOM = "\u00ef\u00bb\u00bf"
)

// cleanHeader trims a header cell and, on the first, any byte order mark.
func cleanHeader(h string, first bool) string {
	if first {
		h = strings.TrimPrefix(h, string(utf8BOM))
		h = strings.TrimPrefix(h, latin1BOM)
	}
	return strings.TrimSpace(h)
}

var errBadDate = errors.New("invalid date")

// parseDate reads Microsoft's yyyy-MM-dd; the admin centre's exports use
// M/d/yyyy, accepted too. Empty means no date.
func parseDate(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if len(v) == 10 && v[4] == '-' && v[7] == '-' {
		y, ey := atoiDigits(v[0:4])
		m, em := atoiDigits(v[5:7])
		d, ed := atoiDigits(v[8:10])
		if ey && em && ed && validDate(y, m, d) {
			return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
		}
		return time.Time{}, fmt.Errorf("%w %q", errBadDate, v)
	}
	if t, err := time.Parse("1/2/2006", v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%w %q", errBadDate, v)
}

func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func validDate(y, m, d int) bool {
	if y < 1 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseBool reads True/False and Yes/No (Microsoft uses both); empty is
// false.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes":
		return true, nil
	case "false", "no", "":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q", v)
}

// parseInt reads a count or a byte size; empty is zero.
func parseInt(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid number %q", v)
	}
	return n, nil
}
