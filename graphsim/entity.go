package graphsim

import (
	"bytes"
	"encoding/json"
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

// MarshalJSON keeps the properties in order.
func (e entity) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range e {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.Name)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := marshalNoEscape(p.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// entitySet declares a Graph collection: where it lives, who may read it, how
// it pages and how each object renders. Serving (query parsing, $filter,
// $select, $top, paging, $count) is generic; see odata.go.
type entitySet struct {
	// Path under the version root, e.g. "/users" or "/groups/{id}/members".
	Path string
	// Perms: any one of these application permissions allows reading.
	Perms []string
	// DefaultTop and MaxTop page sizes; MaxTop 0 means no paging (the whole
	// collection in one response, $top ignored or rejected as documented).
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
}

// requestScope is what an entity set needs to list its items.
type requestScope struct {
	Tenant    *Tenant
	Caller    *Caller
	PathValue func(name string) string
}
