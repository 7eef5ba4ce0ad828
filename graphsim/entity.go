package graphsim

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// property is one JSON property of a Graph object.
type property struct {
	Name  string
	Value any
}

// entity is one object as Graph serialises it: its properties in Microsoft's
// order. $select and $filter work on the rendered entity, so one renderer per
// resource type serves lists, single gets, delta and $batch alike.
type entity []property

// get returns the value of the named property.
func (e entity) get(name string) (any, bool) {
	for _, p := range e {
		if p.Name == name {
			return p.Value, true
		}
	}
	return nil, false
}

// lazyValue is a property computed only when it is serialised, filtered on
// or sorted by (e.g. a user's assignedPlans); like modelRef it reads the model,
// so it is evaluated under the tenant's read lock.
type lazyValue func() any

// modelRef is a property value that reads the tenant model in place: it
// serialises straight into the response buffer, and Plain returns the
// ordinary value ($filter, $search and $orderby work on that). Values are
// small pointer-shaped structs, which an interface holds without allocating,
// so rendering a large page makes little garbage. Both methods read the
// model, so they run under the tenant's read lock.
type modelRef interface {
	AppendJSON(b []byte) []byte
	Plain() any
}

// strRef is a string property that is never null.
type strRef struct{ p *string }

func (r strRef) AppendJSON(b []byte) []byte { return appendJSONString(b, *r.p) }
func (r strRef) Plain() any                 { return *r.p }

// nullStrRef is a string property Graph sends as null when empty.
type nullStrRef struct{ p *string }

func (r nullStrRef) AppendJSON(b []byte) []byte {
	if *r.p == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, *r.p)
}

func (r nullStrRef) Plain() any {
	if *r.p == "" {
		return nil
	}
	return *r.p
}

// timeRef is a timestamp property; the zero time is null.
type timeRef struct{ p *time.Time }

func (r timeRef) AppendJSON(b []byte) []byte {
	if r.p.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = r.p.UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	return append(b, '"')
}

func (r timeRef) Plain() any {
	if r.p.IsZero() {
		return nil
	}
	return formatGraphTime(*r.p)
}

// stringsRef is a string collection; nil serialises as [].
type stringsRef struct{ p *[]string }

func (r stringsRef) AppendJSON(b []byte) []byte {
	b, _ = appendJSON(b, *r.p) // a nil []string is written as []
	return b
}

func (r stringsRef) Plain() any {
	if *r.p == nil {
		return []string{}
	}
	return *r.p
}

// plainOf turns a modelRef or lazyValue into its ordinary value.
func plainOf(v any) any {
	switch x := v.(type) {
	case modelRef:
		return x.Plain()
	case lazyValue:
		return x()
	}
	return v
}

// getFold is get with Graph's case-insensitive property names.
func (e entity) getFold(name string) (any, bool) {
	if v, ok := e.get(name); ok {
		return v, true
	}
	for _, p := range e {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return nil, false
}

// MarshalJSON keeps the properties in order.
func (e entity) MarshalJSON() ([]byte, error) {
	return appendJSON(nil, e)
}

// appendJSON appends v as JSON without HTML escaping. The types renderers
// produce are written directly, which keeps large pages cheap; anything else
// goes through encoding/json.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		return strconv.AppendFloat(b, x, 'f', -1, 64), nil
	case *string:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendJSONString(b, *x), nil
	case *bool:
		if x == nil {
			return append(b, "null"...), nil
		}
		return strconv.AppendBool(b, *x), nil
	case time.Time:
		return appendJSONString(b, formatGraphTime(x)), nil
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), nil
	case entity:
		b = append(b, '{')
		var err error
		for i, p := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, p.Name)
			b = append(b, ':')
			if b, err = appendJSON(b, p.Value); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []entity:
		b = append(b, '[')
		var err error
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []any:
		b = append(b, '[')
		var err error
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case json.RawMessage:
		return append(b, x...), nil
	case lazyValue:
		return appendJSON(b, x())
	case modelRef:
		return x.AppendJSON(b), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

// formatGraphTime writes a timestamp the way Graph does: UTC, second
// precision, "Z".
func formatGraphTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

const jsonHex = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping off.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// entitySet declares a Graph collection: where it lives, who may read it, how
// it pages and how each object renders. Serving (query parsing, $filter,
// $select, $top, paging, $count) is generic; see odata.go and collections.go.
// Only Path, Perms, ODataContext, Items and Render are required.
type entitySet struct {
	// Path under the version root, e.g. "/users" or "/groups/{id}/members".
	Path string
	// Perms: any one of these application permissions allows reading.
	Perms []string
	// DefaultTop and MaxTop page sizes; MaxTop 0 means no paging (the whole
	// collection in one response, $top ignored).
	DefaultTop, MaxTop int
	// Cost in Graph resource units before $select/$top modifiers.
	Cost int
	// ODataContext is the @odata.context suffix after $metadata#, e.g.
	// "users".
	ODataContext string
	// Items returns the objects for the request (path values via r.PathValue),
	// in a stable order; called with the tenant read-locked. A non-nil
	// *APIError answers the request instead (e.g. 404 for an unknown parent).
	Items func(r requestScope) ([]any, *APIError)
	// Render renders one object; called with the tenant read-locked.
	Render func(t *Tenant, obj any) entity
	// Default lists the properties returned without $select; nil = all.
	Default []string

	// Type is the OData type for error messages, e.g. "microsoft.graph.user";
	// "" derives "microsoft.graph.<singular of ODataContext>".
	Type string
	// Properties lists every selectable property; nil means whatever Render
	// produces.
	Properties []string
	// Filter says which properties $filter may use and how; nil allows every
	// property with the ordinary operators.
	Filter map[string]filterRule
	// Advanced marks directory collections with Graph's advanced query rules
	// (ConsistencyLevel: eventual + $count=true for ne, not, endsWith, $count,
	// $orderby with $filter; the header for $search).
	Advanced bool
	// OrderBy lists the properties $orderby accepts; nil rejects $orderby.
	OrderBy []string
	// Search lists the properties $search accepts; nil rejects $search.
	Search []string
	// Get, when set, also serves GET {Path}/{id} (called read-locked; nil
	// object means 404).
	Get func(r requestScope, id string) any
	// Guard inspects the parsed query before serving (e.g. signInActivity
	// needs AuditLog.Read.All and a premium tenant).
	Guard func(r requestScope, q *odataQuery) *APIError
	// Expand serves $expand=name(...) per navigation property; called
	// read-locked; a nil result omits the property.
	Expand map[string]func(t *Tenant, obj any, sel []string) any
	// CountSegment also registers GET {Path}/$count (text/plain).
	CountSegment bool
	// DefaultProject, when set, replaces Default for requests without
	// $select (directoryObject collections, whose members differ in type).
	DefaultProject func(e entity) entity
	// Visible, when set, limits the properties a caller may see (nil = all),
	// e.g. User.ReadBasic.All sees only the basic profile.
	Visible func(c *Caller) []string
	// Redact, when set, rewrites each projected object for the caller, e.g.
	// directoryObject members of a type the caller may not read.
	Redact func(c *Caller, e entity) entity
	// RequireEventual: the path itself needs ConsistencyLevel: eventual (OData
	// casts such as /groups/{id}/members/microsoft.graph.user).
	RequireEventual bool
}

// requestScope is what an entity set needs to list its items.
type requestScope struct {
	Tenant    *Tenant
	Caller    *Caller
	PathValue func(name string) string
}

func (es *entitySet) typeName() string {
	if es.Type != "" {
		return es.Type
	}
	name := es.ODataContext
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(name, "s")
	return "microsoft.graph." + name
}

// resourceName is the type's name as Graph's filter errors spell it, e.g.
// "User".
func (es *entitySet) resourceName() string {
	n := strings.TrimPrefix(es.typeName(), "microsoft.graph.")
	if n == "" {
		return n
	}
	return strings.ToUpper(n[:1]) + n[1:]
}
