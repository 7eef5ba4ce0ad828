package graphsim

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// This file turns a Graph request's query string into an odataQuery and
// enforces the rules Graph applies before any data is read: $top bounds,
// $select names, $filter syntax and supported operators, and the
// advanced-query requirements (ConsistencyLevel: eventual with $count=true).

// odataQuery is a parsed, validated Graph query.
type odataQuery struct {
	// Select is the $select list as the client wrote it, canonicalised to
	// the resource's property names; nil when absent.
	Select []string
	// Filter is the parsed $filter; nil when absent. FilterText is the raw
	// value, preserved in nextLinks.
	Filter     filterExpr
	FilterText string
	// Top is the requested page size; 0 when absent.
	Top int
	// Count is $count=true.
	Count bool
	// Eventual is the ConsistencyLevel: eventual header.
	Eventual bool
	// OrderBy is the $orderby property ("" when absent) and direction.
	OrderBy     string
	OrderByDesc bool
	OrderByText string
	// Search is the parsed $search clause; SearchText the raw value.
	Search     []searchTerm
	SearchText string
	// Expand maps navigation property -> its nested $select (nil = all).
	Expand     map[string][]string
	ExpandText string
	// SkipToken is the raw $skiptoken.
	SkipToken string
	// DeltaToken is the raw $deltatoken (delta only).
	DeltaToken string
	// Other holds any other query parameters, checked by the handler.
	Other url.Values
}

// Advanced reports whether the request qualifies for Graph's advanced query
// capabilities.
func (q *odataQuery) Advanced() bool { return q.Eventual && q.Count }

// selected reports whether prop was named in $select (case-insensitively).
func (q *odataQuery) selected(prop string) bool {
	for _, s := range q.Select {
		if strings.EqualFold(s, prop) {
			return true
		}
	}
	return false
}

// searchTerm is one "property:value" of $search; terms are joined by AND
// unless Or.
type searchTerm struct {
	Prop, Value string
	Or          bool
}

// queryParam reads a system query option with or without its "$": Graph v1.0
// accepts both.
func queryParam(v url.Values, name string) (string, bool) {
	if vals, ok := v["$"+name]; ok && len(vals) > 0 {
		return vals[0], true
	}
	if vals, ok := v[name]; ok && len(vals) > 0 {
		return vals[0], true
	}
	return "", false
}

var (
	errCountUnsupported = &APIError{http.StatusBadRequest, "Request_BadRequest", "$count is not currently supported."}
	errUnsupportedQuery = &APIError{http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported Query."}
	errInvalidFilter    = &APIError{http.StatusBadRequest, "BadRequest", "Invalid filter clause"}
	errSearchNeedsLevel = &APIError{http.StatusBadRequest, "Request_BadRequest", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"}
	errSortUnsupported  = &APIError{http.StatusBadRequest, "Request_UnsupportedQuery", "Sorting not supported for current query."}
)

func pageSizeError(raw string, max int) *APIError {
	return &APIError{http.StatusBadRequest, "Request_UnsupportedQuery",
		"Invalid page size specified: '" + raw + "'. Must be between 1 and " + strconv.Itoa(max) + " inclusive."}
}

// parseQuery parses and validates the query of a request to es. props lists
// the properties that exist (canonical names); nil accepts any name.
func parseQuery(r *http.Request, es *entitySet, props []string) (*odataQuery, *APIError) {
	v := r.URL.Query()
	q := &odataQuery{Other: url.Values{}}
	q.Eventual = strings.EqualFold(strings.TrimSpace(r.Header.Get("ConsistencyLevel")), "eventual")
	for k, vals := range v {
		switch strings.TrimPrefix(k, "$") {
		case "select", "filter", "top", "count", "orderby", "search", "expand", "skiptoken", "deltatoken":
		default:
			q.Other[k] = vals
		}
	}
	known := func(name string) (string, bool) {
		if props == nil {
			return name, true // nothing to check against (empty collection)
		}
		for _, p := range props {
			if strings.EqualFold(p, name) {
				return p, true
			}
		}
		return "", false
	}

	if raw, ok := queryParam(v, "count"); ok {
		switch strings.ToLower(raw) {
		case "true":
			q.Count = true
		case "false":
		default:
			return nil, &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid value for $count: '" + raw + "'."}
		}
		if q.Count && es.Advanced && !q.Eventual {
			return nil, errCountUnsupported
		}
	}
	if raw, ok := queryParam(v, "top"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || (es.MaxTop > 0 && n > es.MaxTop) {
			max := es.MaxTop
			if max == 0 {
				max = 999
			}
			return nil, pageSizeError(raw, max)
		}
		q.Top = n
	}
	if raw, ok := queryParam(v, "select"); ok && strings.TrimSpace(raw) != "" {
		for _, name := range strings.Split(raw, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			canon, ok := known(name)
			if !ok {
				return nil, &APIError{http.StatusBadRequest, "Request_BadRequest",
					"Parsing OData Select and Expand failed: Could not find a property named '" + name + "' on type '" + es.typeName() + "'."}
			}
			if !slices.Contains(q.Select, canon) {
				q.Select = append(q.Select, canon)
			}
		}
	}
	if raw, ok := queryParam(v, "filter"); ok && strings.TrimSpace(raw) != "" {
		e, err := parseFilter(raw)
		if err != nil {
			return nil, errInvalidFilter
		}
		if apiErr := checkFilter(e, es, q.Advanced(), func(name string) bool { _, ok := known(name); return ok }); apiErr != nil {
			return nil, apiErr
		}
		q.Filter, q.FilterText = e, raw
	}
	if raw, ok := queryParam(v, "search"); ok && strings.TrimSpace(raw) != "" {
		if !q.Eventual {
			return nil, errSearchNeedsLevel
		}
		terms, apiErr := parseSearch(raw, es)
		if apiErr != nil {
			return nil, apiErr
		}
		q.Search, q.SearchText = terms, raw
	}
	if raw, ok := queryParam(v, "orderby"); ok && strings.TrimSpace(raw) != "" {
		f := strings.Fields(raw)
		prop, okProp := "", false
		if len(f) >= 1 && len(f) <= 2 {
			for _, p := range es.OrderBy {
				if strings.EqualFold(p, f[0]) {
					prop, okProp = p, true
				}
			}
		}
		if !okProp || (len(f) == 2 && !strings.EqualFold(f[1], "asc") && !strings.EqualFold(f[1], "desc")) {
			return nil, errSortUnsupported
		}
		if (q.Filter != nil || q.Search != nil) && es.Advanced && !q.Advanced() {
			return nil, errSortUnsupported
		}
		q.OrderBy, q.OrderByDesc, q.OrderByText = prop, len(f) == 2 && strings.EqualFold(f[1], "desc"), raw
	}
	if raw, ok := queryParam(v, "expand"); ok && strings.TrimSpace(raw) != "" {
		exp, apiErr := parseExpand(raw, es)
		if apiErr != nil {
			return nil, apiErr
		}
		q.Expand, q.ExpandText = exp, raw
	}
	q.SkipToken, _ = queryParam(v, "skiptoken")
	q.DeltaToken, _ = queryParam(v, "deltatoken")
	return q, nil
}

// parseSearch parses `"displayName:contoso" OR "mail:contoso"`.
func parseSearch(raw string, es *entitySet) ([]searchTerm, *APIError) {
	bad := &APIError{http.StatusBadRequest, "Request_BadRequest", "Syntax error: character '" + raw + "' is not valid at position 0 in '" + raw + "'."}
	var terms []searchTerm
	s := strings.TrimSpace(raw)
	or := false
	for s != "" {
		if s[0] != '"' {
			return nil, bad
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return nil, bad
		}
		clause := s[1 : end+1]
		s = strings.TrimSpace(s[end+2:])
		prop, val, ok := strings.Cut(clause, ":")
		if !ok {
			return nil, &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid search clause: '" + clause + "'. The property name must be specified."}
		}
		canon := ""
		for _, p := range es.Search {
			if strings.EqualFold(p, strings.TrimSpace(prop)) {
				canon = p
			}
		}
		if canon == "" {
			return nil, &APIError{http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query search clause specified for property '" + prop + "' of resource '" + es.resourceName() + "'."}
		}
		terms = append(terms, searchTerm{canon, strings.TrimSpace(val), or})
		or = false
		if s == "" {
			break
		}
		word, rest, _ := strings.Cut(s, " ")
		switch strings.ToUpper(word) {
		case "AND":
		case "OR":
			or = true
		default:
			return nil, bad
		}
		s = strings.TrimSpace(rest)
		if s == "" {
			return nil, bad
		}
	}
	return terms, nil
}

// searchMatch applies $search the way the directory's tokenised search does:
// a term matches when it is a prefix of any word of the property value.
func searchMatch(terms []searchTerm, e entity) bool {
	result := false
	for i, t := range terms {
		m := false
		if v, ok := e.get(t.Prop); ok {
			if s, ok := plainOf(v).(string); ok {
				m = wordPrefix(s, t.Value)
			}
		}
		switch {
		case i == 0:
			result = m
		case t.Or:
			result = result || m
		default:
			result = result && m
		}
	}
	return result
}

func wordPrefix(s, term string) bool {
	if term == "" {
		return true
	}
	if hasPrefixFold(s, term) {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '.', '_', '-', '@', '(', ')', ',':
			if hasPrefixFold(s[i+1:], term) {
				return true
			}
		}
	}
	return false
}

// parseExpand parses "manager($select=id,displayName)" lists.
func parseExpand(raw string, es *entitySet) (map[string][]string, *APIError) {
	out := map[string][]string{}
	for _, item := range splitTopLevel(raw) {
		item = strings.TrimSpace(item)
		name, opts := item, ""
		if i := strings.IndexByte(item, '('); i >= 0 {
			if !strings.HasSuffix(item, ")") {
				return nil, &APIError{http.StatusBadRequest, "BadRequest", "Invalid $expand clause: '" + raw + "'."}
			}
			name, opts = item[:i], item[i+1:len(item)-1]
		}
		canon := ""
		for k := range es.Expand {
			if strings.EqualFold(k, name) {
				canon = k
			}
		}
		if canon == "" {
			return nil, &APIError{http.StatusBadRequest, "Request_BadRequest",
				"Parsing OData Select and Expand failed: Could not find a property named '" + name + "' on type '" + es.typeName() + "'."}
		}
		var sel []string
		for _, o := range strings.Split(opts, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(o), "=")
			if !ok {
				continue
			}
			if strings.TrimPrefix(k, "$") == "select" {
				for _, s := range strings.Split(val, ",") {
					if s = strings.TrimSpace(s); s != "" {
						sel = append(sel, s)
					}
				}
			}
		}
		out[canon] = sel
	}
	return out, nil
}

// splitTopLevel splits on commas outside parentheses.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// project returns the entity reduced to the selected properties, in $select
// order as Graph writes them, or to the defaults in Microsoft's order.
// Properties prefixed "@odata." always stay, first.
func project(e entity, sel []string, defaults []string) entity {
	if sel == nil {
		if defaults == nil {
			return e
		}
		out := make(entity, 0, len(defaults)+1)
		for _, p := range e {
			if strings.HasPrefix(p.Name, "@odata.") || slices.Contains(defaults, p.Name) {
				out = append(out, p)
			}
		}
		return out
	}
	out := make(entity, 0, len(sel)+1)
	for _, p := range e {
		if strings.HasPrefix(p.Name, "@odata.") {
			out = append(out, p)
		}
	}
	for i, name := range sel {
		if slices.Contains(sel[:i], name) {
			continue
		}
		for _, p := range e {
			if p.Name == name {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// versionOf returns "v1.0" or "beta" from the request path.
func versionOf(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/beta/") || r.URL.Path == "/beta" {
		return "beta"
	}
	return "v1.0"
}

// contextURL is the @odata.context value: "{base}/{version}/$metadata#{ctx}"
// with the $select list appended as Graph does, e.g. users(id,displayName).
func contextURL(r *http.Request, ctx string, sel []string) string {
	s := baseURL(r) + "/" + versionOf(r) + "/$metadata#" + ctx
	if len(sel) > 0 {
		s += "(" + strings.Join(sel, ",") + ")"
	}
	return s
}

// queryEscape escapes an OData value for a nextLink: like url.QueryEscape
// but spaces as %20, which every client decodes the same way.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// nextLink builds an absolute link to the same path on the host the client
// called, with the query options that shape the result and the given token.
func nextLink(r *http.Request, q *odataQuery, tokenName, token string, keepTop bool) string {
	var b strings.Builder
	b.WriteString(baseURL(r))
	b.WriteString(r.URL.EscapedPath())
	sep := byte('?')
	add := func(k, v string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(queryEscape(v))
	}
	if q.Count {
		add("$count", "true")
	}
	if q.Filter != nil {
		add("$filter", q.FilterText)
	}
	if q.Search != nil {
		add("$search", q.SearchText)
	}
	if q.OrderBy != "" {
		add("$orderby", q.OrderByText)
	}
	if q.Select != nil {
		add("$select", strings.Join(q.Select, ","))
	}
	if q.Expand != nil {
		add("$expand", q.ExpandText)
	}
	if keepTop && q.Top > 0 {
		add("$top", strconv.Itoa(q.Top))
	}
	add(tokenName, token)
	return b.String()
}
