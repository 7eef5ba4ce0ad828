package graphsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file parses and evaluates OData $filter expressions as Microsoft Graph
// accepts them on directory objects: comparisons (eq ne gt ge lt le), in,
// and/or/not, parentheses, startsWith/endsWith, any/all lambdas over
// collections, and the literal forms clients send (strings with ''
// escapes, unquoted GUIDs, datetimes, numbers, true/false/null).

// filterExpr is a node of a parsed $filter.
type filterExpr interface{ filterNode() }

type (
	// logicalExpr is "and" / "or".
	logicalExpr struct {
		Op          string
		Left, Right filterExpr
	}
	notExpr struct{ X filterExpr }
	// compareExpr is eq ne gt ge lt le.
	compareExpr struct {
		Op          string
		Left, Right filterExpr
	}
	inExpr struct {
		Left filterExpr
		List []filterExpr
	}
	// callExpr is startsWith/endsWith/contains(prop, 'text').
	callExpr struct {
		Fn   string // lower-case
		Args []filterExpr
	}
	// propExpr names a property path; under a lambda the first element may
	// be the range variable.
	propExpr struct{ Path []string }
	// lambdaExpr is coll/any(v:body) or coll/all(v:body).
	lambdaExpr struct {
		Coll propExpr
		All  bool
		Var  string
		Body filterExpr
	}
	literalExpr struct{ Value literal }
)

func (logicalExpr) filterNode() {}
func (notExpr) filterNode()     {}
func (compareExpr) filterNode() {}
func (inExpr) filterNode()      {}
func (callExpr) filterNode()    {}
func (propExpr) filterNode()    {}
func (lambdaExpr) filterNode()  {}
func (literalExpr) filterNode() {}

// literalKind distinguishes literal forms because Graph compares them
// differently (GUIDs and strings case-insensitively, datetimes as instants).
type literalKind int

const (
	litNull literalKind = iota
	litBool
	litString
	litGUID
	litNumber
	litDateTime
)

type literal struct {
	Kind literalKind
	Str  string // string and GUID text
	Bool bool
	Num  float64
	Time time.Time
}

// filterSyntaxError is a malformed $filter; Graph answers 400 "Invalid filter
// clause" for these.
type filterSyntaxError struct {
	Pos int
	Msg string
}

func (e *filterSyntaxError) Error() string {
	return fmt.Sprintf("invalid filter clause at %d: %s", e.Pos, e.Msg)
}

// maxFilterDepth bounds nesting so hostile input cannot exhaust the stack.
const maxFilterDepth = 64

// parseFilter parses a $filter value.
func parseFilter(src string) (filterExpr, error) {
	toks, err := lexFilter(src)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	e, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, &filterSyntaxError{t.pos, fmt.Sprintf("unexpected %q", t.text)}
	}
	return e, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokGUID
	tokNumber
	tokDateTime
	tokLParen
	tokRParen
	tokComma
	tokColon
)

type filterToken struct {
	kind tokKind
	text string // identifiers as written; strings unescaped
	pos  int
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '@' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '$'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// guidAt reports whether src[i:] starts with a GUID not followed by an
// identifier character.
func guidAt(src string, i int) bool {
	if len(src)-i < 36 {
		return false
	}
	for j := 0; j < 36; j++ {
		c := src[i+j]
		switch j {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return i+36 == len(src) || !isIdentPart(src[i+36])
}

// dateTimeAt returns the length of an ISO 8601 date or datetime at src[i:],
// or 0.
func dateTimeAt(src string, i int) int {
	j := i
	for j < len(src) {
		c := src[j]
		if (c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' || c == 'Z' || c == '.' || c == '+' {
			j++
			continue
		}
		break
	}
	s := src[i:j]
	if len(s) < 10 || s[4] != '-' {
		return 0
	}
	if _, ok := parseODataTime(s); ok {
		return j - i
	}
	return 0
}

func parseODataTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func lexFilter(src string) ([]filterToken, error) {
	var toks []filterToken
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, filterToken{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, filterToken{tokRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, filterToken{tokComma, ",", i})
			i++
		case c == ':':
			toks = append(toks, filterToken{tokColon, ":", i})
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(src) {
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(src[i])
				i++
			}
			if !closed {
				return nil, &filterSyntaxError{start, "unterminated string literal"}
			}
			toks = append(toks, filterToken{tokString, b.String(), start})
		case guidAt(src, i):
			toks = append(toks, filterToken{tokGUID, src[i : i+36], i})
			i += 36
		case c >= '0' && c <= '9' || c == '-':
			if n := dateTimeAt(src, i); n > 0 {
				toks = append(toks, filterToken{tokDateTime, src[i : i+n], i})
				i += n
				continue
			}
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'e' || src[j] == 'E') {
				j++
			}
			if _, err := strconv.ParseFloat(src[i:j], 64); err != nil {
				return nil, &filterSyntaxError{i, fmt.Sprintf("bad number %q", src[i:j])}
			}
			toks = append(toks, filterToken{tokNumber, src[i:j], i})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, filterToken{tokIdent, src[i:j], i})
			i = j
		default:
			return nil, &filterSyntaxError{i, fmt.Sprintf("unexpected character %q", c)}
		}
	}
	return append(toks, filterToken{tokEOF, "", len(src)}), nil
}

type filterParser struct {
	toks []filterToken
	i    int
}

func (p *filterParser) peek() filterToken { return p.toks[p.i] }
func (p *filterParser) next() filterToken {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the keyword kw (OData keywords
// are matched case-insensitively, as Graph does).
func (p *filterParser) keyword(kw string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

func (p *filterParser) expect(k tokKind, what string) (filterToken, error) {
	t := p.next()
	if t.kind != k {
		if t.kind == tokEOF {
			return t, &filterSyntaxError{t.pos, "expected " + what + ", found end of clause"}
		}
		return t, &filterSyntaxError{t.pos, fmt.Sprintf("expected %s, found %q", what, t.text)}
	}
	return t, nil
}

func (p *filterParser) parseOr(depth int) (filterExpr, error) {
	if depth > maxFilterDepth {
		return nil, &filterSyntaxError{p.peek().pos, "expression nested too deeply"}
	}
	left, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		p.next()
		right, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		left = logicalExpr{"or", left, right}
	}
	return left, nil
}

func (p *filterParser) parseAnd(depth int) (filterExpr, error) {
	left, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		p.next()
		right, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		left = logicalExpr{"and", left, right}
	}
	return left, nil
}

func (p *filterParser) parseUnary(depth int) (filterExpr, error) {
	if p.keyword("not") {
		p.next()
		x, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return notExpr{x}, nil
	}
	return p.parseComparison(depth)
}

var compareOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

func (p *filterParser) parseComparison(depth int) (filterExpr, error) {
	left, err := p.parsePrimary(depth)
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tokIdent {
		return left, nil
	}
	op := strings.ToLower(t.text)
	switch {
	case compareOps[op]:
		p.next()
		right, err := p.parsePrimary(depth)
		if err != nil {
			return nil, err
		}
		return compareExpr{op, left, right}, nil
	case op == "in":
		p.next()
		if _, err := p.expect(tokLParen, "'(' after in"); err != nil {
			return nil, err
		}
		var list []filterExpr
		for {
			v, err := p.parsePrimary(depth)
			if err != nil {
				return nil, err
			}
			if _, ok := v.(literalExpr); !ok {
				return nil, &filterSyntaxError{t.pos, "in expects a list of literals"}
			}
			list = append(list, v)
			if p.peek().kind == tokComma {
				p.next()
				continue
			}
			break
		}
		if _, err := p.expect(tokRParen, "')' closing in list"); err != nil {
			return nil, err
		}
		return inExpr{left, list}, nil
	}
	return left, nil
}

func (p *filterParser) parsePrimary(depth int) (filterExpr, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		e, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen, "')'"); err != nil {
			return nil, err
		}
		return e, nil
	case tokString:
		return literalExpr{literal{Kind: litString, Str: t.text}}, nil
	case tokGUID:
		return literalExpr{literal{Kind: litGUID, Str: t.text}}, nil
	case tokNumber:
		f, _ := strconv.ParseFloat(t.text, 64)
		return literalExpr{literal{Kind: litNumber, Num: f}}, nil
	case tokDateTime:
		tm, _ := parseODataTime(t.text)
		return literalExpr{literal{Kind: litDateTime, Time: tm}}, nil
	case tokIdent:
		return p.parseIdent(t, depth)
	case tokEOF:
		return nil, &filterSyntaxError{t.pos, "unexpected end of clause"}
	}
	return nil, &filterSyntaxError{t.pos, fmt.Sprintf("unexpected %q", t.text)}
}

func (p *filterParser) parseIdent(t filterToken, depth int) (filterExpr, error) {
	switch strings.ToLower(t.text) {
	case "null":
		return literalExpr{literal{Kind: litNull}}, nil
	case "true":
		return literalExpr{literal{Kind: litBool, Bool: true}}, nil
	case "false":
		return literalExpr{literal{Kind: litBool, Bool: false}}, nil
	}
	if p.peek().kind != tokLParen {
		return propExpr{splitFilterPath(t.text)}, nil
	}
	lower := strings.ToLower(t.text)
	if strings.HasSuffix(lower, "/any") || strings.HasSuffix(lower, "/all") {
		return p.parseLambda(t, depth)
	}
	// A function call.
	p.next()
	var args []filterExpr
	if p.peek().kind != tokRParen {
		for {
			a, err := p.parseOr(depth + 1)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.peek().kind == tokComma {
				p.next()
				continue
			}
			break
		}
	}
	if _, err := p.expect(tokRParen, "')' closing "+t.text); err != nil {
		return nil, err
	}
	return callExpr{Fn: lower, Args: args}, nil
}

func (p *filterParser) parseLambda(t filterToken, depth int) (filterExpr, error) {
	path := splitFilterPath(t.text)
	all := strings.EqualFold(path[len(path)-1], "all")
	coll := propExpr{path[:len(path)-1]}
	if len(coll.Path) == 0 || coll.Path[0] == "" {
		return nil, &filterSyntaxError{t.pos, "lambda without a collection"}
	}
	p.next() // (
	v, err := p.expect(tokIdent, "lambda variable")
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(v.text, "/.") {
		return nil, &filterSyntaxError{v.pos, "bad lambda variable"}
	}
	if _, err := p.expect(tokColon, "':' after lambda variable"); err != nil {
		return nil, err
	}
	body, err := p.parseOr(depth + 1)
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokRParen, "')' closing lambda"); err != nil {
		return nil, err
	}
	return lambdaExpr{Coll: coll, All: all, Var: v.text, Body: body}, nil
}

func splitFilterPath(s string) []string { return strings.Split(s, "/") }
