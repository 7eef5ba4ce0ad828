package graphsim

import (
	"strings"
	"time"
)

// This file checks a parsed $filter against what the resource supports and
// evaluates it on rendered entities.

// filterRule says which $filter operators one property supports: Default
// ones work on a plain request, Advanced ones only with ConsistencyLevel:
// eventual and $count=true (Graph's "advanced query capabilities").
// Operators: eq ne in gt ge lt le startsWith endsWith not null ("eq null" /
// "ne null"). Inside a lambda over a collection the comparison operator is
// checked against the collection's rule.
type filterRule struct {
	Default  string
	Advanced string
}

func (r filterRule) allows(op string, advanced bool) (ok, needsAdvanced bool) {
	if hasWord(r.Default, op) {
		return true, false
	}
	if hasWord(r.Advanced, op) {
		return advanced, true
	}
	return false, false
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

// openFilterRule applies to entity sets that declare no rules: any property,
// the ordinary operators, no advanced-query requirement.
var openFilterRule = filterRule{Default: "eq ne in gt ge lt le startsWith endsWith not null"}

// filterUse is one property a filter compares, with the operator.
type filterUse struct {
	Prop string // property path as written, e.g. signInActivity/lastSignInDateTime
	Op   string
}

// checkFilter validates a parsed filter against the set's rules. known
// reports whether a top-level property exists on the type. The returned
// *APIError is what Graph answers.
func checkFilter(e filterExpr, es *entitySet, advanced bool, known func(string) bool) *APIError {
	var uses []filterUse
	if apiErr := collectUses(e, "", false, &uses); apiErr != nil {
		return apiErr
	}
	for _, u := range uses {
		top := u.Prop
		if i := strings.IndexByte(top, '/'); i >= 0 {
			top = top[:i]
		}
		if !known(top) {
			return &APIError{400, "Request_BadRequest", "Could not find a property named '" + top + "' on type '" + es.typeName() + "'."}
		}
		rule, ok := openFilterRule, true
		if es.Filter != nil {
			rule, ok = es.Filter[u.Prop]
		}
		if !ok {
			return unsupportedFilterProp(u.Prop, es)
		}
		allowed, needsAdvanced := rule.allows(u.Op, advanced)
		if !allowed {
			if needsAdvanced {
				return &APIError{400, "Request_UnsupportedQuery", "Unsupported Query."}
			}
			return unsupportedFilterProp(u.Prop, es)
		}
	}
	return nil
}

func unsupportedFilterProp(prop string, es *entitySet) *APIError {
	return &APIError{400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property '" + prop + "' of resource '" + es.resourceName() + "'."}
}

// collectUses walks the filter. lambdaVar/lambdaColl describe the enclosing
// lambda, whose comparisons count against the collection's rule; negated
// marks uses under not.
func collectUses(e filterExpr, lambdaColl string, negated bool, uses *[]filterUse) *APIError {
	invalid := &APIError{400, "BadRequest", "Invalid filter clause"}
	add := func(p filterExpr, op string) *APIError {
		pe, ok := p.(propExpr)
		if !ok {
			return &APIError{400, "Request_UnsupportedQuery", "Unsupported Query."}
		}
		prop := strings.Join(pe.Path, "/")
		if lambdaColl != "" {
			prop = lambdaColl
		}
		*uses = append(*uses, filterUse{prop, op})
		if negated {
			*uses = append(*uses, filterUse{prop, "not"})
		}
		return nil
	}
	switch x := e.(type) {
	case logicalExpr:
		if err := collectUses(x.Left, lambdaColl, negated, uses); err != nil {
			return err
		}
		return collectUses(x.Right, lambdaColl, negated, uses)
	case notExpr:
		return collectUses(x.X, lambdaColl, true, uses)
	case compareExpr:
		l, r := x.Left, x.Right
		if _, ok := l.(literalExpr); ok {
			l, r = r, l
		}
		lit, ok := r.(literalExpr)
		if !ok {
			return &APIError{400, "Request_UnsupportedQuery", "Unsupported Query."}
		}
		op := x.Op
		if lit.Value.Kind == litNull {
			op = "null"
		}
		return add(l, op)
	case inExpr:
		return add(x.Left, "in")
	case callExpr:
		switch x.Fn {
		case "startswith", "endswith":
			if len(x.Args) != 2 {
				return invalid
			}
			if _, ok := x.Args[1].(literalExpr); !ok {
				return &APIError{400, "Request_UnsupportedQuery", "Unsupported Query."}
			}
			op := "startsWith"
			if x.Fn == "endswith" {
				op = "endsWith"
			}
			return add(x.Args[0], op)
		}
		return &APIError{400, "Request_UnsupportedQuery", "Unsupported Query."}
	case lambdaExpr:
		if lambdaColl != "" {
			return &APIError{400, "Request_UnsupportedQuery", "Unsupported Query."}
		}
		return collectUses(x.Body, strings.Join(x.Coll.Path, "/"), negated, uses)
	case propExpr:
		// A bare boolean property (e.g. "accountEnabled") is not a clause.
		return invalid
	case literalExpr:
		return invalid
	}
	return invalid
}

// lambdaScope binds a lambda's range variable during evaluation.
type lambdaScope struct {
	Var   string
	Value any
}

// evalFilter reports whether the entity matches.
func evalFilter(e filterExpr, ent entity, sc *lambdaScope) bool {
	switch x := e.(type) {
	case logicalExpr:
		if x.Op == "and" {
			return evalFilter(x.Left, ent, sc) && evalFilter(x.Right, ent, sc)
		}
		return evalFilter(x.Left, ent, sc) || evalFilter(x.Right, ent, sc)
	case notExpr:
		return !evalFilter(x.X, ent, sc)
	case compareExpr:
		l, r, op := x.Left, x.Right, x.Op
		if _, ok := l.(literalExpr); ok {
			l, r, op = r, l, flipOp(op)
		}
		lit, ok := r.(literalExpr)
		if !ok {
			return false
		}
		return compareOp(op, resolve(l, ent, sc), lit.Value)
	case inExpr:
		v := resolve(x.Left, ent, sc)
		for _, item := range x.List {
			if lit, ok := item.(literalExpr); ok && compareOp("eq", v, lit.Value) {
				return true
			}
		}
		return false
	case callExpr:
		if len(x.Args) != 2 {
			return false
		}
		s, ok := resolve(x.Args[0], ent, sc).(string)
		lit, lok := x.Args[1].(literalExpr)
		if !ok || !lok {
			return false
		}
		switch x.Fn {
		case "startswith":
			return hasPrefixFold(s, lit.Value.Str)
		case "endswith":
			return len(s) >= len(lit.Value.Str) && strings.EqualFold(s[len(s)-len(lit.Value.Str):], lit.Value.Str)
		}
		return false
	case lambdaExpr:
		items := asList(resolve(x.Coll, ent, sc))
		for _, it := range items {
			m := evalFilter(x.Body, ent, &lambdaScope{x.Var, it})
			if x.All && !m {
				return false
			}
			if !x.All && m {
				return true
			}
		}
		return x.All
	}
	return false
}

func flipOp(op string) string {
	switch op {
	case "gt":
		return "lt"
	case "lt":
		return "gt"
	case "ge":
		return "le"
	case "le":
		return "ge"
	}
	return op
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func asList(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	case []entity:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	}
	return nil
}

// resolve evaluates a property path against the entity or the lambda
// variable.
func resolve(e filterExpr, ent entity, sc *lambdaScope) any {
	pe, ok := e.(propExpr)
	if !ok {
		if lit, ok := e.(literalExpr); ok {
			return literalValue(lit.Value)
		}
		return nil
	}
	path := pe.Path
	var cur any
	if sc != nil && path[0] == sc.Var {
		cur = sc.Value
		path = path[1:]
	} else {
		cur = ent
	}
	for _, name := range path {
		cur = plainOf(cur)
		if name == "$count" {
			// coll/$count: the collection's size (e.g. unlicensed users:
			// assignedLicenses/$count eq 0).
			cur = len(asList(cur))
			continue
		}
		switch c := cur.(type) {
		case entity:
			v, ok := c.getFold(name)
			if !ok {
				return nil
			}
			cur = v
		case map[string]any:
			cur = c[name]
		default:
			return nil
		}
	}
	return plainOf(cur)
}

func literalValue(l literal) any {
	switch l.Kind {
	case litBool:
		return l.Bool
	case litString, litGUID:
		return l.Str
	case litNumber:
		return l.Num
	case litDateTime:
		return l.Time
	}
	return nil
}

// compareOp applies op between a rendered value and a literal, the way the
// directory does: strings and GUIDs case-insensitively, datetimes as
// instants, null equal only to null.
func compareOp(op string, v any, lit literal) bool {
	if lit.Kind == litNull {
		null := isNull(v)
		switch op {
		case "eq":
			return null
		case "ne":
			return !null
		}
		return false
	}
	if isNull(v) {
		return op == "ne"
	}
	c, ok := compareValue(v, lit)
	if !ok {
		return op == "ne"
	}
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

func isNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case *string:
		return x == nil
	case *bool:
		return x == nil
	}
	return false
}

func compareValue(v any, lit literal) (int, bool) {
	switch lit.Kind {
	case litBool:
		var b bool
		switch x := v.(type) {
		case bool:
			b = x
		case *bool:
			b = *x
		default:
			return 0, false
		}
		if b == lit.Bool {
			return 0, true
		}
		return 1, true
	case litString, litGUID:
		s, ok := v.(string)
		if !ok {
			if sp, isPtr := v.(*string); isPtr {
				s, ok = *sp, true
			}
		}
		if !ok {
			return 0, false
		}
		return strings.Compare(strings.ToLower(s), strings.ToLower(lit.Str)), true
	case litNumber:
		var f float64
		switch x := v.(type) {
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		case float64:
			f = x
		default:
			return 0, false
		}
		switch {
		case f < lit.Num:
			return -1, true
		case f > lit.Num:
			return 1, true
		}
		return 0, true
	case litDateTime:
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x
		case string:
			var ok bool
			if t, ok = parseODataTime(x); !ok {
				return 0, false
			}
		default:
			return 0, false
		}
		return t.Compare(lit.Time), true
	}
	return 0, false
}
