package analysis

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tenantscope/tenantscope/internal/license"
	"github.com/tenantscope/tenantscope/internal/store"
)

// RowsFormat names the encoding of kept report rows; rows kept in another
// format (by an older binary) are not read.
const RowsFormat = "rows-v2" // v2: Copilot last activity

// Date is a calendar date as yyyymmdd (0 = none): what the reports print of
// a time, kept in four bytes instead of a time.Time.
type Date uint32

// DateOf is t's date in t's own location, as t.Format("2006-01-02") prints
// it; zero for the zero time.
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return 0
	}
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return 0
	}
	return Date(y*10000 + int(m)*100 + d)
}

// AppendTo appends the date as 2006-01-02.
func (d Date) AppendTo(b []byte) []byte {
	y, m, day := int(d/10000), int(d/100%100), int(d%100)
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
}

func (d Date) String() string { return string(d.AppendTo(nil)) }

// UserRow is one user as the activity and roster reports print and filter
// them. Rows are kept after each sync so those reports stream them instead
// of reading and joining the whole tenant.
type UserRow struct {
	ID, UserPrincipalName, Mail, GivenName, Surname string
	UserType, Department                            string
	AccountEnabled                                  bool
	Created, Deactivated                            Date
	// SKUs are indexes into RowSet.SKUs, ordered by part number (the
	// reports print part numbers sorted).
	SKUs                 []int
	LastActivity         [license.NumWorkloads]Date
	DesktopApps          bool
	LastSuccessfulSignIn Date
	Email                *license.EmailCounts
	Teams                *license.TeamsCounts
	// ActivationsKnown: the activations report was read, so the counts
	// below are facts (zero included).
	ActivationsKnown                      bool
	DesktopActivations, MobileActivations int64
	LastActivated                         Date
	// CopilotHolder: the user holds a SKU that grants Microsoft 365
	// Copilot. CopilotKnown: the Copilot usage report lists them, so
	// LastCopilot (0 = never used) is a fact.
	CopilotHolder, CopilotKnown bool
	LastCopilot                 Date
}

// CopilotState is what the reports print as a user's Copilot last
// activity: "" for users without Copilot, "unknown" when the Copilot report
// was not read or does not list them, "never", or the date.
func CopilotState(in *license.Input, holder bool, u *license.User) (text string, last time.Time) {
	switch {
	case !holder:
		return "", time.Time{}
	case !in.CopilotKnown || u.Copilot == nil:
		return "unknown", time.Time{}
	case u.Copilot.Last.IsZero():
		return "never", time.Time{}
	}
	return "", u.Copilot.Last
}

// CopilotSKUs are the ids of the input's SKUs that grant Copilot.
func CopilotSKUs(in *license.Input) map[string]bool {
	out := map[string]bool{}
	for _, s := range in.SKUs {
		if license.CapabilitiesOf(s.ServicePlanNames, nil)[license.CapCopilot] {
			out[s.SkuID] = true
		}
	}
	return out
}

// HoldsAny reports whether the user holds one of the SKUs.
func HoldsAny(u *license.User, skus map[string]bool) bool {
	for _, l := range u.Licenses {
		if skus[l.SkuID] {
			return true
		}
	}
	return false
}

// RowSKU is a SKU the rows name: a subscribed one, or (Subscribed false) an
// id a user holds that the tenant does not list, printed as "".
type RowSKU struct {
	SkuID, SkuPartNumber string
	Subscribed           bool
}

// RowSet is the kept rows with what they refer to.
type RowSet struct {
	Warnings []string
	SKUs     []RowSKU
	Rows     []UserRow // in the store's user order (UPN, then id)
}

// RowUser is what a report row takes from the stored user beyond the
// analysis input.
type RowUser struct {
	ID, Mail, GivenName, Surname string
}

// BuildRows makes the report rows from an analysis input and the stored
// users it was loaded from (same order), with the deactivation dates of
// store.DeactivatedSince.
func BuildRows(in license.Input, users []RowUser, deactivated map[string]time.Time, warnings []string) (*RowSet, error) {
	if len(users) != len(in.Users) {
		return nil, fmt.Errorf("report rows: %d stored users for %d analysed", len(users), len(in.Users))
	}
	rs := &RowSet{Warnings: warnings}
	skuIndex := map[string]int{}
	for _, s := range in.SKUs {
		skuIndex[s.SkuID] = len(rs.SKUs)
		rs.SKUs = append(rs.SKUs, RowSKU{SkuID: s.SkuID, SkuPartNumber: s.SkuPartNumber, Subscribed: true})
	}
	copilot := CopilotSKUs(&in)
	rs.Rows = make([]UserRow, len(users))
	for i := range users {
		su, lu := &users[i], &in.Users[i]
		if su.ID != lu.ID {
			return nil, fmt.Errorf("report rows: stored user %s where the analysis has %s", su.ID, lu.ID)
		}
		r := &rs.Rows[i]
		*r = UserRow{ID: su.ID, UserPrincipalName: lu.UserPrincipalName, Mail: su.Mail, GivenName: su.GivenName, Surname: su.Surname,
			UserType: lu.UserType, Department: lu.Department, AccountEnabled: lu.AccountEnabled, Created: DateOf(lu.Created),
			DesktopApps: lu.DesktopApps, LastSuccessfulSignIn: DateOf(lu.LastSuccessfulSignIn), Email: lu.Email, Teams: lu.Teams,
			ActivationsKnown: in.ActivityKnown}
		if !lu.AccountEnabled {
			r.Deactivated = DateOf(deactivated[su.ID])
		}
		if r.CopilotHolder = HoldsAny(lu, copilot); r.CopilotHolder {
			text, last := CopilotState(&in, true, lu)
			r.CopilotKnown = text != "unknown"
			r.LastCopilot = DateOf(last)
		}
		for w, t := range lu.LastActivity {
			r.LastActivity[w] = DateOf(t)
		}
		if r.ActivationsKnown {
			n, _ := lu.DesktopActivations()
			r.DesktopActivations, r.MobileActivations = n, lu.MobileActivations()
			for _, a := range lu.Activations {
				if d := DateOf(a.LastActivated); d > r.LastActivated {
					r.LastActivated = d
				}
			}
		}
		for _, l := range lu.Licenses {
			k, ok := skuIndex[l.SkuID]
			if !ok {
				k = len(rs.SKUs)
				skuIndex[l.SkuID] = k
				rs.SKUs = append(rs.SKUs, RowSKU{SkuID: l.SkuID})
			}
			r.SKUs = append(r.SKUs, k)
		}
		sort.SliceStable(r.SKUs, func(a, b int) bool { return rs.SKUs[r.SKUs[a]].SkuPartNumber < rs.SKUs[r.SKUs[b]].SkuPartNumber })
	}
	return rs, nil
}

// RowsStore is where KeepRows and LoadRows keep the rows.
type RowsStore interface {
	SaveReportRows(ctx context.Context, conn store.Connection, generation int64, format string, data []byte) error
	ReportRows(ctx context.Context, conn store.Connection, generation int64, format string) ([]byte, bool, error)
}

// KeepRows stores the report rows of the connection's current generation.
func KeepRows(ctx context.Context, st RowsStore, conn store.Connection, rs *RowSet) error {
	return st.SaveReportRows(ctx, conn, conn.Generation, RowsFormat, rs.Encode())
}

// LoadRows reads the rows kept for the connection's current generation; ok
// is false when there are none (or they cannot be read: recompute).
func LoadRows(ctx context.Context, st RowsStore, conn store.Connection) (*RowSet, bool, error) {
	data, ok, err := st.ReportRows(ctx, conn, conn.Generation, RowsFormat)
	if err != nil || !ok {
		return nil, false, err
	}
	rs, err := DecodeRows(data)
	if err != nil {
		return nil, false, nil
	}
	return rs, true, nil
}

// The encoding: varints and length-prefixed strings, a header (warnings,
// SKUs, row count) and then the rows, so 100,000 rows decode in a few
// milliseconds with one string allocation for the whole blob.

const (
	flagEnabled = 1 << iota
	flagDesktopApps
	flagEmail
	flagTeams
	flagActivations
	flagCopilotHolder
	flagCopilotKnown
)

type rowWriter struct{ b []byte }

func (w *rowWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *rowWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *rowWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

// Encode serialises the rows for the store.
func (rs *RowSet) Encode() []byte {
	w := &rowWriter{b: make([]byte, 0, 64+len(rs.Rows)*160)}
	w.str(RowsFormat)
	w.uint(uint64(len(rs.Warnings)))
	for _, s := range rs.Warnings {
		w.str(s)
	}
	w.uint(uint64(len(rs.SKUs)))
	for _, s := range rs.SKUs {
		w.str(s.SkuID)
		w.str(s.SkuPartNumber)
		if s.Subscribed {
			w.uint(1)
		} else {
			w.uint(0)
		}
	}
	w.uint(uint64(len(rs.Rows)))
	for i := range rs.Rows {
		r := &rs.Rows[i]
		for _, s := range [...]string{r.ID, r.UserPrincipalName, r.Mail, r.GivenName, r.Surname, r.UserType, r.Department} {
			w.str(s)
		}
		var flags uint64
		if r.AccountEnabled {
			flags |= flagEnabled
		}
		if r.DesktopApps {
			flags |= flagDesktopApps
		}
		if r.Email != nil {
			flags |= flagEmail
		}
		if r.Teams != nil {
			flags |= flagTeams
		}
		if r.ActivationsKnown {
			flags |= flagActivations
		}
		if r.CopilotHolder {
			flags |= flagCopilotHolder
		}
		if r.CopilotKnown {
			flags |= flagCopilotKnown
		}
		w.uint(flags)
		w.uint(uint64(r.Created))
		w.uint(uint64(r.Deactivated))
		w.uint(uint64(r.LastSuccessfulSignIn))
		for _, d := range r.LastActivity {
			w.uint(uint64(d))
		}
		if e := r.Email; e != nil {
			for _, n := range [...]int64{e.Sent, e.Received, e.Read, e.MeetingsCreated, e.MeetingsInteracted} {
				w.int(n)
			}
		}
		if t := r.Teams; t != nil {
			for _, n := range [...]int64{t.TeamChatMessages, t.PrivateChatMessages, t.Calls, t.Meetings, t.MeetingsOrganized, t.MeetingsAttended} {
				w.int(n)
			}
		}
		if r.ActivationsKnown {
			w.int(r.DesktopActivations)
			w.int(r.MobileActivations)
			w.uint(uint64(r.LastActivated))
		}
		if r.CopilotKnown {
			w.uint(uint64(r.LastCopilot))
		}
		w.uint(uint64(len(r.SKUs)))
		for _, k := range r.SKUs {
			w.uint(uint64(k))
		}
	}
	return w.b
}

var errRows = errors.New("report rows: truncated or corrupt")

// rowReader reads what rowWriter wrote; the first error sticks.
type rowReader struct {
	s   string // the whole blob, so strings are slices of one allocation
	at  int
	err error
}

func (r *rowReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	var shift uint
	for {
		if r.at >= len(r.s) || shift > 63 {
			r.err = errRows
			return 0
		}
		c := r.s[r.at]
		r.at++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
		shift += 7
	}
}

func (r *rowReader) int() int64 {
	u := r.uint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *rowReader) str() string {
	n := r.uint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.s)-r.at) {
		r.err = errRows
		return ""
	}
	s := r.s[r.at : r.at+int(n)]
	r.at += int(n)
	return s
}

// count reads a length and checks it against what is left (each element
// takes at least a byte), so corrupt data cannot ask for huge allocations.
func (r *rowReader) count() int { return r.countOf(1) }

// countOf is count for elements of at least size bytes.
func (r *rowReader) countOf(size int) int {
	n := r.uint()
	if n > uint64((len(r.s)-r.at)/size) {
		r.err = errRows
		return 0
	}
	return int(n)
}

// minRowBytes is the smallest encoded row: seven string lengths, the flags,
// three dates, a date per workload and the SKU count.
const minRowBytes = 7 + 1 + 3 + int(license.NumWorkloads) + 1

func (r *rowReader) date() Date {
	v := r.uint()
	if v > 99991231 {
		r.err = errRows
		return 0
	}
	return Date(v)
}

// DecodeRows reads what Encode wrote.
func DecodeRows(data []byte) (*RowSet, error) {
	r := &rowReader{s: string(data)}
	if f := r.str(); f != RowsFormat {
		return nil, fmt.Errorf("report rows: format %q, want %q", f, RowsFormat)
	}
	rs := &RowSet{}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		rs.Warnings = append(rs.Warnings, r.str())
	}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		s := RowSKU{SkuID: r.str(), SkuPartNumber: r.str(), Subscribed: r.uint() == 1}
		rs.SKUs = append(rs.SKUs, s)
	}
	n := r.countOf(minRowBytes)
	rs.Rows = make([]UserRow, n)
	// One backing array for every row's SKU indexes and counts.
	var skus []int
	for i := 0; i < n && r.err == nil; i++ {
		u := &rs.Rows[i]
		u.ID, u.UserPrincipalName, u.Mail, u.GivenName, u.Surname, u.UserType, u.Department = r.str(), r.str(), r.str(), r.str(), r.str(), r.str(), r.str()
		flags := r.uint()
		u.AccountEnabled, u.DesktopApps = flags&flagEnabled != 0, flags&flagDesktopApps != 0
		u.Created, u.Deactivated, u.LastSuccessfulSignIn = r.date(), r.date(), r.date()
		for w := range u.LastActivity {
			u.LastActivity[w] = r.date()
		}
		if flags&flagEmail != 0 {
			u.Email = &license.EmailCounts{Sent: r.int(), Received: r.int(), Read: r.int(), MeetingsCreated: r.int(), MeetingsInteracted: r.int()}
		}
		if flags&flagTeams != 0 {
			u.Teams = &license.TeamsCounts{TeamChatMessages: r.int(), PrivateChatMessages: r.int(), Calls: r.int(), Meetings: r.int(),
				MeetingsOrganized: r.int(), MeetingsAttended: r.int()}
		}
		if flags&flagActivations != 0 {
			u.ActivationsKnown = true
			u.DesktopActivations, u.MobileActivations, u.LastActivated = r.int(), r.int(), r.date()
		}
		u.CopilotHolder, u.CopilotKnown = flags&flagCopilotHolder != 0, flags&flagCopilotKnown != 0
		if u.CopilotKnown {
			u.LastCopilot = r.date()
		}
		k := r.count()
		if k > 0 {
			if cap(skus)-len(skus) < k {
				skus = make([]int, 0, max(1024, k))
			}
			start := len(skus)
			for ; k > 0; k-- {
				x := r.uint()
				if x >= uint64(len(rs.SKUs)) {
					r.err = errRows
					break
				}
				skus = append(skus, int(x))
			}
			u.SKUs = skus[start:len(skus):len(skus)]
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.at != len(r.s) {
		return nil, fmt.Errorf("report rows: %d bytes after the last row", len(r.s)-r.at)
	}
	return rs, nil
}

// SKUParts are the part numbers of the row's SKUs, sorted (nil when the
// user holds none), as the reports print them.
func (rs *RowSet) SKUParts(r *UserRow) []string {
	if len(r.SKUs) == 0 {
		return nil
	}
	out := make([]string, len(r.SKUs))
	for i, k := range r.SKUs {
		out[i] = rs.SKUs[k].SkuPartNumber
	}
	return out
}

// HoldsSKU reports whether the row holds the SKU with this id.
func (rs *RowSet) HoldsSKU(r *UserRow, skuID string) bool {
	for _, k := range r.SKUs {
		if strings.EqualFold(rs.SKUs[k].SkuID, skuID) {
			return true
		}
	}
	return false
}
