package cli

import (
	"bytes"
	"testing"

	"github.com/tenantscope/tenantscope/internal/analysis"
	"github.com/tenantscope/tenantscope/internal/license"
)

// The kept-row writers print what the generic JSON and CSV writers print
// for the same values, including text that needs escaping or quoting.
func TestRowWritersMatchTheGenericWriters(t *testing.T) {
	rs := &analysis.RowSet{SKUs: []analysis.RowSKU{{SkuID: "a", SkuPartNumber: "SPE_E3", Subscribed: true}, {SkuID: "b", SkuPartNumber: "=HYPERLINK()"}, {SkuID: "c", SkuPartNumber: "x,y"}}}
	names := []string{"", "plain", "Mary Ann", " leading", "trailing ", "comma, inside", `quote "q"`, `\.`, "line\nbreak", "cr\rret", "tab\tstop",
		"<b>&amp;</b>", "Zoë Ångström", "日本語", "\u2028sep", "bad\xffutf8", "=SUM(A1)", "+1", "-2", "@x", "-3.5", "\x00nul", "\\back"}
	var rows []*analysis.UserRow
	for i, n := range names {
		r := &analysis.UserRow{ID: n, UserPrincipalName: n + "@x", GivenName: n, Surname: n, Department: n, Mail: n, UserType: n,
			AccountEnabled: i%2 == 0, Created: analysis.Date(20240101 + i), DesktopApps: i%3 == 0, ActivationsKnown: i%2 == 1,
			DesktopActivations: int64(i), MobileActivations: -int64(i), LastActivated: analysis.Date(20260000 + 101 + i%28)}
		if i%4 != 0 {
			r.Email = &license.EmailCounts{Sent: int64(i), Received: int64(i * 1000), Read: -1}
			r.Teams = &license.TeamsCounts{Calls: int64(i)}
			r.SKUs = []int{i % 3}
			if i%5 == 0 {
				r.SKUs = []int{0, 1, 2}
			}
		}
		r.LastActivity[license.Teams] = analysis.Date(20261030)
		// Copilot: none, unknown, never, a date.
		r.CopilotHolder, r.CopilotKnown = i%4 != 0, i%4 >= 2
		if i%4 == 3 {
			r.LastCopilot = analysis.Date(20260901 + i%28)
		}
		rows = append(rows, r)
	}
	for name, cols := range map[string][]rowColumn{"activity": activityRowColumns, "roster": rosterRowColumns} {
		generic := make([]Column[*analysis.UserRow], len(cols))
		for i, rc := range cols {
			fill := rc.fill
			generic[i] = Column[*analysis.UserRow]{Name: rc.name, Header: rc.header, Value: func(r *analysis.UserRow) any {
				var c cell
				fill(rs, r, &c)
				return c.value()
			}}
		}
		for _, f := range []Format{JSON, CSV} {
			var fast, slow bytes.Buffer
			if err := writeRowReport(&fast, f, name, rs, cols, rows); err != nil {
				t.Fatal(err)
			}
			if err := WriteSlice(&slow, f, generic, rows); err != nil {
				t.Fatal(err)
			}
			if fast.String() != slow.String() {
				t.Errorf("%s %s:\nfast %q\nslow %q", name, f, fast.String(), slow.String())
			}
			// And with no rows at all.
			fast.Reset()
			slow.Reset()
			_ = writeRowReport(&fast, f, name, rs, cols, nil)
			_ = WriteSlice(&slow, f, generic, nil)
			if fast.String() != slow.String() {
				t.Errorf("%s %s without rows: fast %q slow %q", name, f, fast.String(), slow.String())
			}
		}
	}
}
