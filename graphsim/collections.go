package graphsim

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// This file serves entitySet declarations generically: the list (with
// $filter, $search, $orderby, $select, $expand, $top, $count and opaque
// $skiptoken paging), GET {Path}/{id} when the set declares Get, and
// GET {Path}/$count when it declares CountSegment.

var (
	errInsufficientPrivileges = &APIError{http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."}
	errExpiredPageToken       = &APIError{http.StatusBadRequest, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request."}
	errInvalidSkipToken       = &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid Skip Token"}
)

func notFound(id string) *APIError {
	return &APIError{http.StatusNotFound, "Request_ResourceNotFound",
		"Resource '" + id + "' does not exist or one of its queried reference-property objects are not present."}
}

// registerEntitySet serves es under /v1.0 and /beta.
func (s *Server) registerEntitySet(es *entitySet) {
	s.graph("GET "+es.Path, es.Cost, func(w http.ResponseWriter, r *http.Request, c *Caller) {
		s.serveList(w, r, c, es)
	})
	if es.Get != nil {
		s.graph("GET "+es.Path+"/{key}", es.Cost, func(w http.ResponseWriter, r *http.Request, c *Caller) {
			s.serveEntity(w, r, c, es, r.PathValue("key"))
		})
	}
	if es.CountSegment {
		s.graph("GET "+es.Path+"/$count", es.Cost, func(w http.ResponseWriter, r *http.Request, c *Caller) {
			s.serveCount(w, r, c, es)
		})
	}
}

// page is one rendered page of a collection.
type page struct {
	Items []entity
	Count int    // -1 when $count was not asked for
	Next  string // absolute nextLink, "" on the last page
}

// listPage computes one page of es for the request. The caller holds the
// tenant's read lock until the page is encoded: rendered values may read the
// model in place (modelRef).
func (s *Server) listPage(r *http.Request, c *Caller, es *entitySet) (*odataQuery, *page, *APIError) {
	t := c.Tenant
	sc := requestScope{Tenant: t, Caller: c, PathValue: r.PathValue}
	items, apiErr := es.Items(sc)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	q, apiErr := parseQuery(r, es, es.propertyNames(t, items))
	if apiErr != nil {
		return nil, nil, apiErr
	}
	if es.RequireEventual && !q.Eventual {
		return nil, nil, errUnsupportedQuery
	}
	if es.Guard != nil {
		if apiErr := es.Guard(sc, q); apiErr != nil {
			return nil, nil, apiErr
		}
	}
	if len(q.Other) > 0 {
		if _, ok := q.Other["$skip"]; ok {
			// Directory collections page only by $skiptoken (observed
			// text: msgraph-metadata issue 135).
			return nil, nil, &APIError{http.StatusBadRequest, "Request_BadRequest", "'$skip' is not supported by the service."}
		}
		for k := range q.Other {
			if strings.HasPrefix(k, "$") {
				return nil, nil, &APIError{http.StatusBadRequest, "Request_BadRequest", "Query option '" + k + "' is not allowed. Make sure that it is supported and spelled correctly."}
			}
		}
	}
	size := s.pageSize(es, q)
	p := &page{Count: -1}
	var visible []string
	if es.Visible != nil {
		visible = es.Visible(c)
	}

	start, lastID := 0, ""
	if q.SkipToken != "" {
		if s.shouldExpireSkipToken() {
			return nil, nil, errExpiredPageToken
		}
		tok, ok := decodePageToken(q.SkipToken, querySignature(r, q))
		if !ok {
			return nil, nil, errInvalidSkipToken
		}
		start, lastID = tok.Pos, tok.LastID
	}

	match := func(e entity) bool {
		return (q.Filter == nil || evalFilter(q.Filter, e, nil)) && (q.Search == nil || searchMatch(q.Search, e))
	}
	finish := func(e entity, obj any) entity {
		e = restrict(es.project(e, q.Select), visible)
		if es.Redact != nil {
			e = es.Redact(c, e)
		}
		return expand(t, es, q, obj, e)
	}

	if q.OrderBy != "" {
		// Sorted results: render and filter everything, sort, then page by
		// position in the sorted list.
		type row struct {
			e   entity
			obj any
			key string
		}
		var rows []row
		for _, obj := range items {
			e := es.Render(t, obj)
			if match(e) {
				v, _ := e.get(q.OrderBy)
				k, _ := plainOf(v).(string)
				rows = append(rows, row{e, obj, strings.ToLower(k)})
			}
		}
		slices.SortStableFunc(rows, func(a, b row) int {
			if q.OrderByDesc {
				return cmp.Compare(b.key, a.key)
			}
			return cmp.Compare(a.key, b.key)
		})
		if q.Count && q.SkipToken == "" {
			p.Count = len(rows)
		}
		end := min(start+size, len(rows))
		if start > len(rows) {
			start = len(rows)
		}
		for _, rw := range rows[start:end] {
			p.Items = append(p.Items, finish(rw.e, rw.obj))
		}
		if end < len(rows) && es.MaxTop > 0 {
			p.Next = nextLink(r, q, "$skiptoken", encodePageToken(pageToken{end, "", querySignature(r, q)}), true)
		}
		return q, p, nil
	}

	// Resume after the last item served, even if items were added or
	// removed before it since the previous page.
	if lastID != "" && start > 0 {
		if start > len(items) || idOf(es.Render(t, items[start-1])) != lastID {
			for i, obj := range items {
				if idOf(es.Render(t, obj)) == lastID {
					start = i + 1
					break
				}
			}
		}
	}
	start = min(start, len(items))
	if q.Count && q.SkipToken == "" {
		if q.Filter == nil && q.Search == nil {
			p.Count = len(items)
		} else {
			n := 0
			for _, obj := range items {
				if match(es.Render(t, obj)) {
					n++
				}
			}
			p.Count = n
		}
	}
	paged := es.MaxTop > 0
	last, lastIdx := "", start-1
	for i := start; i < len(items); i++ {
		obj := items[i]
		e := es.Render(t, obj)
		if !match(e) {
			continue
		}
		if paged && len(p.Items) == size {
			// One more match exists: this page is not the last.
			p.Next = nextLink(r, q, "$skiptoken", encodePageToken(pageToken{lastIdx + 1, last, querySignature(r, q)}), true)
			break
		}
		last, lastIdx = idOf(e), i
		p.Items = append(p.Items, finish(e, obj))
	}
	return q, p, nil
}

// pageSize is the page size for a request: $top or the default, bounded by
// Options.PageSizeCap.
func (s *Server) pageSize(es *entitySet, q *odataQuery) int {
	size := es.DefaultTop
	if size <= 0 {
		size = 100
	}
	if es.MaxTop > 0 && size > es.MaxTop {
		size = es.MaxTop
	}
	if q.Top > 0 {
		size = q.Top
	}
	if c := s.opts.PageSizeCap; c > 0 && size > c {
		size = c
	}
	return size
}

// expand appends the $expand navigation properties, which Graph returns
// whatever $select says. Read lock held.
func expand(t *Tenant, es *entitySet, q *odataQuery, obj any, e entity) entity {
	if len(q.Expand) == 0 {
		return e
	}
	names := make([]string, 0, len(q.Expand))
	for name := range q.Expand {
		names = append(names, name)
	}
	slices.Sort(names)
	out := slices.Clone(e)
	for _, name := range names {
		if v := es.Expand[name](t, obj, q.Expand[name]); v != nil {
			out = append(out, property{name, v})
		}
	}
	return out
}

// project applies $select, or the set's default projection.
func (es *entitySet) project(e entity, sel []string) entity {
	if sel == nil && es.DefaultProject != nil {
		return es.DefaultProject(e)
	}
	return project(e, sel, es.Default)
}

// restrict drops the properties the caller may not see; nil allows all.
func restrict(e entity, visible []string) entity {
	if visible == nil {
		return e
	}
	out := e[:0:0]
	for _, p := range e {
		if strings.HasPrefix(p.Name, "@") || slices.Contains(visible, p.Name) {
			out = append(out, p)
		}
	}
	return out
}

func idOf(e entity) string {
	v, _ := e.get("id")
	id, _ := plainOf(v).(string)
	return id
}

// propertyNames lists the properties of the set's type: the declared list, or
// what the renderer produces for the first item (nil for an empty
// collection, which then accepts any $select).
func (es *entitySet) propertyNames(t *Tenant, items []any) []string {
	if es.Properties != nil {
		return es.Properties
	}
	if len(items) == 0 {
		return nil
	}
	e := es.Render(t, items[0])
	names := make([]string, 0, len(e))
	for _, p := range e {
		if !strings.HasPrefix(p.Name, "@") {
			names = append(names, p.Name)
		}
	}
	return names
}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, c *Caller, es *entitySet) {
	if !c.Has(es.Perms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	t := c.Tenant
	t.mu.RLock()
	q, p, apiErr := s.listPage(r, c, es)
	var body []byte
	var err error
	if apiErr == nil {
		body, err = encodePage(r, es.ODataContext, q.Select, p)
	}
	t.mu.RUnlock()
	switch {
	case apiErr != nil:
		writeAPIError(w, r, apiErr)
	case err != nil:
		writeGraphError(w, r, http.StatusInternalServerError, "generalException", "An error occurred serialising the response.")
	default:
		writeRawJSON(w, http.StatusOK, body)
	}
}

// encodePage writes a collection page: @odata.context, @odata.count,
// @odata.nextLink, value, in Graph's order. Read lock held.
func encodePage(r *http.Request, ctx string, sel []string, p *page) ([]byte, error) {
	b := make([]byte, 0, 512+len(p.Items)*1280)
	b = append(b, `{"@odata.context":`...)
	b = appendJSONString(b, contextURL(r, ctx, sel))
	if p.Count >= 0 {
		b = append(b, `,"@odata.count":`...)
		b = strconv.AppendInt(b, int64(p.Count), 10)
	}
	if p.Next != "" {
		b = append(b, `,"@odata.nextLink":`...)
		b = appendJSONString(b, p.Next)
	}
	b = append(b, `,"value":[`...)
	for i, e := range p.Items {
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

// writeRawJSON writes an already-encoded JSON body with Graph's headers.
func writeRawJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	h.Set("OData-Version", "4.0")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// encodeEntity writes one object with its @odata.context. Read lock held
// when e reads the model in place.
func encodeEntity(r *http.Request, ctx string, sel []string, e entity) ([]byte, error) {
	b := append([]byte(nil), `{"@odata.context":`...)
	b = appendJSONString(b, contextURL(r, ctx, sel)+"/$entity")
	for _, p := range e {
		b = append(b, ',')
		b = appendJSONString(b, p.Name)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, p.Value); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// writeEncoded answers with an encoded body, or 500 if encoding failed.
func writeEncoded(w http.ResponseWriter, r *http.Request, status int, body []byte, err error) {
	if err != nil {
		writeGraphError(w, r, http.StatusInternalServerError, "generalException", "An error occurred serialising the response.")
		return
	}
	writeRawJSON(w, status, body)
}

func (s *Server) serveEntity(w http.ResponseWriter, r *http.Request, c *Caller, es *entitySet, key string) {
	if !c.Has(es.Perms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	t := c.Tenant
	t.mu.RLock()
	sc := requestScope{Tenant: t, Caller: c, PathValue: r.PathValue}
	obj := es.Get(sc, key)
	if obj == nil {
		t.mu.RUnlock()
		writeAPIError(w, r, notFound(key))
		return
	}
	e := es.Render(t, obj)
	props := es.Properties
	if props == nil {
		for _, p := range e {
			props = append(props, p.Name)
		}
	}
	q, apiErr := parseQuery(r, es, props)
	if apiErr == nil && es.Guard != nil {
		apiErr = es.Guard(sc, q)
	}
	if apiErr != nil {
		t.mu.RUnlock()
		writeAPIError(w, r, apiErr)
		return
	}
	e = es.project(e, q.Select)
	if es.Visible != nil {
		e = restrict(e, es.Visible(c))
	}
	if es.Redact != nil {
		e = es.Redact(c, e)
	}
	e = expand(t, es, q, obj, e)
	body, err := encodeEntity(r, es.ODataContext, q.Select, e)
	t.mu.RUnlock()
	writeEncoded(w, r, http.StatusOK, body, err)
}

// serveCount answers GET {Path}/$count: text/plain, and only with
// ConsistencyLevel: eventual on advanced-query collections.
func (s *Server) serveCount(w http.ResponseWriter, r *http.Request, c *Caller, es *entitySet) {
	if !c.Has(es.Perms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	if es.Advanced && !strings.EqualFold(strings.TrimSpace(r.Header.Get("ConsistencyLevel")), "eventual") {
		writeAPIError(w, r, errCountUnsupported)
		return
	}
	t := c.Tenant
	t.mu.RLock()
	sc := requestScope{Tenant: t, Caller: c, PathValue: r.PathValue}
	items, apiErr := es.Items(sc)
	var n int
	if apiErr == nil {
		var q *odataQuery
		// $count on the segment implies the advanced-query rules apply.
		r2 := r.Clone(r.Context())
		qv := r2.URL.Query()
		qv.Set("$count", "true")
		r2.URL.RawQuery = qv.Encode()
		q, apiErr = parseQuery(r2, es, es.propertyNames(t, items))
		if apiErr == nil {
			for _, obj := range items {
				if q.Filter == nil && q.Search == nil {
					n = len(items)
					break
				}
				e := es.Render(t, obj)
				if (q.Filter == nil || evalFilter(q.Filter, e, nil)) && (q.Search == nil || searchMatch(q.Search, e)) {
					n++
				}
			}
		}
	}
	t.mu.RUnlock()
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	body := strconv.Itoa(n)
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
}

// pageToken is the content of an opaque $skiptoken: where the next page
// starts, the id of the last object served (to resume correctly when the
// collection changed in between) and a signature of the query it belongs to.
type pageToken struct {
	Pos    int
	LastID string
	Sig    uint32
}

// tokenMagic prefixes every skip token so foreign strings are rejected.
const tokenMagic = "GSp1"

func encodePageToken(t pageToken) string {
	b := make([]byte, 0, 64)
	b = append(b, tokenMagic...)
	b = binary.BigEndian.AppendUint32(b, t.Sig)
	b = binary.AppendUvarint(b, uint64(t.Pos))
	b = append(b, t.LastID...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePageToken(s string, sig uint32) (pageToken, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < len(tokenMagic)+5 || string(b[:len(tokenMagic)]) != tokenMagic {
		return pageToken{}, false
	}
	b = b[len(tokenMagic):]
	if binary.BigEndian.Uint32(b) != sig {
		return pageToken{}, false
	}
	b = b[4:]
	pos, n := binary.Uvarint(b)
	if n <= 0 || pos > 1<<31 {
		return pageToken{}, false
	}
	return pageToken{Pos: int(pos), LastID: string(b[n:]), Sig: sig}, true
}

// querySignature binds a token to the path and the options that decide
// which objects are listed and in what order.
func querySignature(r *http.Request, q *odataQuery) uint32 {
	h := fnv.New32a()
	for _, s := range []string{strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/v1.0"), "/beta"), q.FilterText, q.SearchText, q.OrderByText} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum32()
}
