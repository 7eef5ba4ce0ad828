package graphsim

import (
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// This file serves delta queries on users and groups (graph-facts §4, §6;
// Microsoft's delta-query-users and group-delta pages): a first round that
// returns every live object, later rounds that return what changed since the
// round a $deltatoken came from (deleted objects as @removed, membership
// changes as members@delta), $deltatoken=latest, $select, $filter=id eq.
// Rounds are cut at the tenant's change sequence, so an object changed while
// a round is being paged shows up again in the next round rather than being
// lost.

// deltaTokenLifetime: delta links for identity resources expire after seven
// days (Microsoft 365 Developer Blog, "Duration of change tracking tokens for
// identity and education resources", 2020-07-03).
const deltaTokenLifetime = 7 * 24 * time.Hour

// deltaPageSize is how many objects a delta page carries before
// Options.PageSizeCap: users delta pages hold 200 entries (observed,
// microsoft-graph-explorer-v4 issue 1157); groups pages about as many.
const deltaPageSize = 200

// deltaMemberBudget bounds the members@delta entries on one groups delta
// page; a larger group continues on the next page.
const deltaMemberBudget = 2000

// maxDeltaIDFilters: $filter=id eq '…' or … takes up to 50 ids.
const maxDeltaIDFilters = 50

var (
	errSyncStateNotFound = &APIError{http.StatusBadRequest, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again."}
	errDeltaUnsupported  = &APIError{http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported Query."}
)

// deltaState is what delta tokens carry: which change sequence the caller has
// already seen (Since; the first round when Initial), where this round was cut
// (Round), when the round started, and paging state within the round.
type deltaState struct {
	Kind    byte // 'u' users, 'g' groups
	Initial bool
	Since   uint64
	Round   uint64
	Issued  int64 // unix seconds
	Pos     int
	// MemberOff is how many members@delta entries of the group at Pos were
	// already sent.
	MemberOff int
	LastID    string
}

const deltaMagic = "GSd1"

func encodeDeltaState(d deltaState) string {
	b := make([]byte, 0, 64)
	b = append(b, deltaMagic...)
	b = append(b, d.Kind)
	if d.Initial {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, d.Since)
	b = binary.AppendUvarint(b, d.Round)
	b = binary.AppendVarint(b, d.Issued)
	b = binary.AppendUvarint(b, uint64(d.Pos))
	b = binary.AppendUvarint(b, uint64(d.MemberOff))
	b = append(b, d.LastID...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeDeltaState(s string, kind byte) (deltaState, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < len(deltaMagic)+2 || string(b[:len(deltaMagic)]) != deltaMagic || b[len(deltaMagic)] != kind {
		return deltaState{}, false
	}
	d := deltaState{Kind: kind, Initial: b[len(deltaMagic)+1] == 1}
	b = b[len(deltaMagic)+2:]
	var n int
	if d.Since, n = binary.Uvarint(b); n <= 0 {
		return deltaState{}, false
	}
	b = b[n:]
	if d.Round, n = binary.Uvarint(b); n <= 0 {
		return deltaState{}, false
	}
	b = b[n:]
	if d.Issued, n = binary.Varint(b); n <= 0 {
		return deltaState{}, false
	}
	b = b[n:]
	pos, n := binary.Uvarint(b)
	if n <= 0 || pos > 1<<31 {
		return deltaState{}, false
	}
	d.Pos = int(pos)
	b = b[n:]
	moff, n := binary.Uvarint(b)
	if n <= 0 || moff > 1<<31 {
		return deltaState{}, false
	}
	d.MemberOff = int(moff)
	d.LastID = string(b[n:])
	return d, true
}

// deltaKind describes users or groups delta.
type deltaKind struct {
	Kind  byte
	Set   *entitySet
	Items func(t *Tenant, d deltaState) deltaList
	// Members returns up to limit members@delta entries of a group from
	// offset off (the property's value and how many entries it holds), and
	// how many there are in all.
	Members func(t *Tenant, d deltaState, g *Group, off, limit int) (chunk any, n, total int)
}

// deltaItem is one entry of a round: a live object or a removal.
type deltaItem struct {
	ID      string
	Obj     any    // nil for removals
	Removed string // "changed" (soft delete) or "deleted"
}

func (s *Server) registerDeltaRoutes() {
	users := &deltaKind{Kind: 'u', Set: s.usersSet(), Items: userDeltaItems}
	groups := &deltaKind{Kind: 'g', Set: s.groupsSet(), Items: groupDeltaItems, Members: groupMembersDelta}
	// Delta paths are not in Graph's resource-unit table, so they cost the
	// default 1 (graph-facts §3: "others 1").
	for _, p := range []string{"/users/delta()", "/users/delta"} {
		s.graph("GET "+p, 1, func(w http.ResponseWriter, r *http.Request, c *Caller) { s.serveDelta(w, r, c, users) })
	}
	for _, p := range []string{"/groups/delta()", "/groups/delta"} {
		s.graph("GET "+p, 1, func(w http.ResponseWriter, r *http.Request, c *Caller) { s.serveDelta(w, r, c, groups) })
	}
}

// deltaList is a round's entries. The first round reads the tenant's own
// slices, so paging through a large tenant does not copy it per page.
type deltaList interface {
	Len() int
	At(i int) deltaItem
}

type deltaSlice []deltaItem

func (l deltaSlice) Len() int           { return len(l) }
func (l deltaSlice) At(i int) deltaItem { return l[i] }

type liveUsers []*User

func (l liveUsers) Len() int           { return len(l) }
func (l liveUsers) At(i int) deltaItem { return deltaItem{ID: l[i].ID, Obj: l[i]} }

type liveGroups []*Group

func (l liveGroups) Len() int           { return len(l) }
func (l liveGroups) At(i int) deltaItem { return deltaItem{ID: l[i].ID, Obj: l[i]} }

func userDeltaItems(t *Tenant, d deltaState) deltaList {
	if d.Initial {
		return liveUsers(t.Users)
	}
	var out deltaSlice
	for _, u := range t.Users {
		if u.Seq > d.Since {
			out = append(out, deltaItem{ID: u.ID, Obj: u})
		}
	}
	for _, u := range t.Deleted {
		if u.Seq > d.Since {
			reason := "changed" // soft-deleted users can be restored
			if u.HardDeleted {
				reason = "deleted"
			}
			out = append(out, deltaItem{ID: u.ID, Removed: reason})
		}
	}
	return out
}

func groupDeltaItems(t *Tenant, d deltaState) deltaList {
	if d.Initial {
		return liveGroups(t.Groups)
	}
	changed := map[string]bool{}
	for _, mc := range memberChangesAfter(t, d.Since) {
		changed[mc.GroupID] = true
	}
	var out deltaSlice
	for _, g := range t.Groups {
		if g.Seq > d.Since || changed[g.ID] {
			out = append(out, deltaItem{ID: g.ID, Obj: g})
		}
	}
	for _, g := range t.DeletedGroups {
		if g.Seq > d.Since {
			// Microsoft 365 groups are soft-deleted (restorable for 30
			// days); security groups are deleted outright.
			reason := "deleted"
			if slices.Contains(g.GroupTypes, "Unified") {
				reason = "changed"
			}
			out = append(out, deltaItem{ID: g.ID, Removed: reason})
		}
	}
	return out
}

// groupMembersDelta: the full member list on the first round, the net adds
// and removals since the token afterwards; one window of it.
func groupMembersDelta(t *Tenant, d deltaState, g *Group, off, limit int) (any, int, int) {
	if d.Initial {
		total := len(g.Members)
		off = min(off, total)
		end := min(off+limit, total)
		m := memberRefs{t: t, ids: g.Members[off:end]}
		if len(g.memberKinds) == len(g.Members) {
			m.kinds = g.memberKinds[off:end]
		}
		return m, end - off, total
	}
	ref := func(id string) entity {
		return entity{{"@odata.type", odataTypeOf(kindForDelta(t, id))}, {"id", id}}
	}
	last := map[string]bool{} // member -> removed
	var order []string
	for _, mc := range memberChangesAfter(t, d.Since) {
		if mc.GroupID != g.ID {
			continue
		}
		if _, seen := last[mc.MemberID]; !seen {
			order = append(order, mc.MemberID)
		}
		last[mc.MemberID] = mc.Removed
	}
	total := len(order)
	off = min(off, total)
	end := min(off+limit, total)
	out := make([]entity, 0, end-off)
	for _, id := range order[off:end] {
		e := ref(id)
		if last[id] {
			e = append(e, property{"@removed", entity{{"reason", "deleted"}}})
		}
		out = append(out, e)
	}
	return out, len(out), total
}

// memberRefs is a window of a group's members as the first round's
// members@delta writes them, [{"@odata.type":…,"id":…},…]: serialised
// straight from the model (a full round writes a million of them). Read
// lock held.
type memberRefs struct {
	t     *Tenant
	ids   []string
	kinds []ObjectKind // the members' kinds when the group keeps them
}

func (m memberRefs) kind(i int) ObjectKind {
	if i < len(m.kinds) && m.kinds[i] != KindUnknown {
		return m.kinds[i]
	}
	return kindForDelta(m.t, m.ids[i])
}

func (m memberRefs) AppendJSON(b []byte) []byte {
	b = append(b, '[')
	for i, id := range m.ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"@odata.type":"`...)
		b = append(b, odataTypeOf(m.kind(i))...) // plain ASCII, nothing to escape
		b = append(b, `","id":`...)
		b = appendJSONString(b, id)
		b = append(b, '}')
	}
	return append(b, ']')
}

func (m memberRefs) Plain() any {
	out := make([]any, 0, len(m.ids))
	for i, id := range m.ids {
		out = append(out, map[string]any{"@odata.type": odataTypeOf(m.kind(i)), "id": id})
	}
	return out
}

// memberChangesAfter is the tail of the tenant's membership change log
// after seq (the log is in sequence order). Read lock held; not a copy.
func memberChangesAfter(t *Tenant, seq uint64) []MemberChange {
	i := sort.Search(len(t.memberChanges), func(i int) bool { return t.memberChanges[i].Seq > seq })
	return t.memberChanges[i:]
}

// kindForDelta finds the kind of an object that may since have been deleted.
func kindForDelta(t *Tenant, id string) ObjectKind {
	// Member lists hold normalised ids: look them up as they are first
	// (a groups delta page names thousands).
	if k := t.kindByID[id]; k != KindUnknown {
		return k
	}
	if k := t.kindLocked(id); k != KindUnknown {
		return k
	}
	for _, u := range t.Deleted {
		if u.ID == id {
			return KindUser
		}
	}
	for _, g := range t.DeletedGroups {
		if g.ID == id {
			return KindGroup
		}
	}
	return KindUnknown
}

// deltaIDFilter accepts only "id eq '…'" joined by "or" (up to 50).
func deltaIDFilter(e filterExpr, ids map[string]bool) bool {
	switch x := e.(type) {
	case logicalExpr:
		return x.Op == "or" && deltaIDFilter(x.Left, ids) && deltaIDFilter(x.Right, ids)
	case compareExpr:
		p, ok := x.Left.(propExpr)
		lit, lok := x.Right.(literalExpr)
		if !ok || !lok || x.Op != "eq" || len(p.Path) != 1 || p.Path[0] != "id" || (lit.Value.Kind != litString && lit.Value.Kind != litGUID) {
			return false
		}
		ids[strings.ToLower(lit.Value.Str)] = true
		return len(ids) <= maxDeltaIDFilters
	}
	return false
}

func (s *Server) serveDelta(w http.ResponseWriter, r *http.Request, c *Caller, dk *deltaKind) {
	es := dk.Set
	if !c.Has(es.Perms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	v := r.URL.Query()
	// $top is silently ignored on users and groups delta (observed:
	// microsoft-graph-docs issue 7160; the docs team: "silently ignored in
	// delta for unsupported APIs"); the other options are refused.
	for _, unsupported := range []string{"orderby", "expand", "search", "count"} {
		if _, ok := queryParam(v, unsupported); ok {
			writeAPIError(w, r, errDeltaUnsupported)
			return
		}
	}
	// Parse $select and the token; $filter is delta's own (id eq only).
	sel := v.Get("$select")
	if sel == "" {
		sel = v.Get("select")
	}
	filterText := v.Get("$filter")
	q := &odataQuery{}
	if sel != "" {
		r2 := *r
		u2 := *r.URL
		u2.RawQuery = url2Select(sel)
		r2.URL = &u2
		props := append([]string{}, es.Properties...)
		if dk.Members != nil {
			props = append(props, "members")
		}
		pq, apiErr := parseQuery(&r2, es, props)
		if apiErr != nil {
			writeAPIError(w, r, apiErr)
			return
		}
		q.Select = pq.Select
	}
	var ids map[string]bool
	if filterText != "" {
		e, err := parseFilter(filterText)
		if err != nil {
			writeAPIError(w, r, errInvalidFilter)
			return
		}
		ids = map[string]bool{}
		if !deltaIDFilter(e, ids) {
			writeAPIError(w, r, errUnsupportedQuery)
			return
		}
		q.Filter, q.FilterText = e, filterText
	}
	if es.Guard != nil {
		if apiErr := es.Guard(requestScope{Tenant: c.Tenant, Caller: c, PathValue: r.PathValue}, q); apiErr != nil {
			writeAPIError(w, r, apiErr)
			return
		}
	}

	t := c.Tenant
	now := s.now()
	t.mu.RLock()
	cur := t.seq
	var d deltaState
	switch {
	case v.Get("$skiptoken") != "":
		var ok bool
		if d, ok = decodeDeltaState(v.Get("$skiptoken"), dk.Kind); !ok {
			t.mu.RUnlock()
			writeAPIError(w, r, errInvalidSkipToken)
			return
		}
		if s.shouldExpireSkipToken() {
			t.mu.RUnlock()
			writeAPIError(w, r, errExpiredPageToken)
			return
		}
	case v.Get("$deltatoken") == "latest":
		t.mu.RUnlock()
		d = deltaState{Kind: dk.Kind, Since: cur, Round: cur, Issued: now.Unix()}
		body, err := encodeDeltaPage(r, es, q, nil, "", deltaLinkFor(r, q, d))
		writeEncoded(w, r, http.StatusOK, body, err)
		return
	case v.Get("$deltatoken") != "":
		prev, ok := decodeDeltaState(v.Get("$deltatoken"), dk.Kind)
		if !ok || prev.Round > cur || now.Sub(time.Unix(prev.Issued, 0)) > deltaTokenLifetime {
			t.mu.RUnlock()
			writeAPIError(w, r, errSyncStateNotFound)
			return
		}
		d = deltaState{Kind: dk.Kind, Since: prev.Round, Round: cur, Issued: now.Unix()}
	default:
		d = deltaState{Kind: dk.Kind, Initial: true, Round: cur, Issued: now.Unix()}
	}

	items := dk.Items(t, d)
	if ids != nil {
		var kept deltaSlice
		for i := 0; i < items.Len(); i++ {
			if it := items.At(i); ids[strings.ToLower(it.ID)] {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	n := items.Len()
	start := min(d.Pos, n)
	if d.LastID != "" && start > 0 && items.At(start-1).ID != d.LastID {
		for i := 0; i < n; i++ {
			if items.At(i).ID == d.LastID {
				start = i + 1
				break
			}
		}
	}
	size := deltaPageSize
	if cap := s.opts.PageSizeCap; cap > 0 && size > cap {
		size = cap
	}
	withMembers := dk.Members != nil && (q.Select == nil || q.selected("members"))
	budget := deltaMemberBudget
	out := make([]entity, 0, min(size, n-start))
	var next *deltaState // where the next page starts; nil on the last page
	for i := start; i < n; i++ {
		if len(out) == size || (withMembers && budget <= 0) {
			next = &deltaState{Pos: i, LastID: items.At(i - 1).ID}
			break
		}
		it := items.At(i)
		if it.Obj == nil {
			out = append(out, entity{{"id", it.ID}, {"@removed", entity{{"reason", it.Removed}}}})
			continue
		}
		e := es.Render(t, it.Obj)
		var p entity
		if q.Select == nil {
			p = project(e, es.Default, nil)
		} else {
			// Delta always carries id.
			p = project(e, append(slices.Clone(q.Select), "id"), nil)
		}
		p = restrict(p, visibleFor(es, c))
		if g, ok := it.Obj.(*Group); ok && withMembers {
			off := 0
			if i == start {
				off = d.MemberOff
			}
			chunk, n, total := dk.Members(t, d, g, off, budget)
			budget -= n
			p = append(p, property{"members@delta", chunk})
			if off+n < total {
				// A large group continues on the next page, as Graph
				// splits members@delta across pages.
				out = append(out, p)
				last := ""
				if i > 0 {
					last = items.At(i - 1).ID
				}
				next = &deltaState{Pos: i, LastID: last, MemberOff: off + n}
				break
			}
		}
		out = append(out, p)
	}
	var nextURL, deltaURL string
	if next != nil {
		n := d
		n.Pos, n.LastID, n.MemberOff = next.Pos, next.LastID, next.MemberOff
		nextURL = nextLink(r, q, "$skiptoken", encodeDeltaState(n), false)
	} else {
		deltaURL = deltaLinkFor(r, q, d)
	}
	body, err := encodeDeltaPage(r, es, q, out, nextURL, deltaURL)
	t.mu.RUnlock()
	writeEncoded(w, r, http.StatusOK, body, err)
}

func visibleFor(es *entitySet, c *Caller) []string {
	if es.Visible == nil {
		return nil
	}
	return es.Visible(c)
}

// deltaLinkFor is the link for the next round: the same query, cut at this
// round's sequence.
func deltaLinkFor(r *http.Request, q *odataQuery, d deltaState) string {
	next := deltaState{Kind: d.Kind, Since: d.Round, Round: d.Round, Issued: d.Issued}
	return nextLink(r, q, "$deltatoken", encodeDeltaState(next), false)
}

// url2Select builds a query string holding only $select, so parseQuery
// validates the names.
func url2Select(sel string) string { return "$select=" + queryEscape(sel) }

// encodeDeltaPage writes a delta page: @odata.context, then nextLink or
// deltaLink, then value. Read lock held when items read the model.
func encodeDeltaPage(r *http.Request, es *entitySet, q *odataQuery, items []entity, next, delta string) ([]byte, error) {
	b := make([]byte, 0, 512+len(items)*1280)
	b = append(b, `{"@odata.context":`...)
	b = appendJSONString(b, contextURL(r, es.ODataContext, q.Select))
	if next != "" {
		b = append(b, `,"@odata.nextLink":`...)
		b = appendJSONString(b, next)
	}
	if delta != "" {
		b = append(b, `,"@odata.deltaLink":`...)
		b = appendJSONString(b, delta)
	}
	b = append(b, `,"value":[`...)
	for i, e := range items {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(b, e); err != nil {
			return nil, err
		}
	}
	return append(b, "]}"...), nil
}
