package msgraph

import (
	"encoding/json"
	"strconv"
)

// decodePage parses a collection page into pg. Pages are the bulk of what a
// sync reads (a 999-user page is over a megabyte), and encoding/json reads
// each byte of one three times before an item is decoded (validation, the
// skip that finds a RawMessage's end, the copy into it). The common shape
// ({"@odata.context":"…","@odata.nextLink":"…","value":[…]} with plain
// string links) is split here in one pass, each item a sub-slice of b
// checked to be well-formed JSON. Anything else (an escaped link, a key
// that only matches case-insensitively, a count that is not an integer …)
// goes to unmarshal (encoding/json's rules), so the result is always what
// json.Unmarshal would give (FuzzDecodePageFast checks this).
func decodePage(b []byte, pg *page) error {
	if fast, ok := splitPage(b); ok {
		*pg = fast
		return nil
	}
	*pg = page{}
	return unmarshal(b, pg)
}

// splitPage is decodePage's one-pass path; ok is false whenever it is not
// sure to agree with encoding/json.
func splitPage(b []byte) (pg page, ok bool) {
	end, ok := walkMembers(b, func(key string, i int) (int, bool, bool) {
		switch key {
		case "value":
			items, j, ok := splitArray(b, i)
			pg.Value = items
			return j, false, ok
		case "@odata.nextLink", "@odata.deltaLink":
			s, j, ok := plainJSONString(b, i)
			if key == "@odata.nextLink" {
				pg.NextLink = s
			} else {
				pg.DeltaLink = s
			}
			return j, false, ok
		case "@odata.count":
			j := i
			for j < len(b) && (b[j] == '-' || (b[j] >= '0' && b[j] <= '9')) {
				j++
			}
			n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
			pg.Count = &n
			return j, false, err == nil && validNumber(b[i:j])
		}
		// Other annotations (@odata.context …): any well-formed value,
		// unless the key would match a field of page case-insensitively.
		if foldsToPageField(key) {
			return i, false, false
		}
		j, ok := skipValue(b, i, 0)
		return j, false, ok
	})
	if !ok || skipSpace(b, end) != len(b) {
		return page{}, false
	}
	return pg, true
}

// foldsToPageField reports whether encoding/json would decode key into one
// of page's fields although it is not spelt exactly so.
func foldsToPageField(key string) bool {
	for _, f := range [...]string{"value", "@odata.nextLink", "@odata.deltaLink", "@odata.count"} {
		if len(key) == len(f) && key != f && equalFoldASCII(key, f) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a, b string) bool {
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// maxDepth bounds the nesting the one-pass path follows; deeper values
// (never in Graph's objects) go to encoding/json, which has its own limit.
const maxDepth = 500

// splitArray reads the array at b[i] and returns its elements as sub-slices.
// null gives no elements, as for encoding/json.
func splitArray(b []byte, i int) ([]json.RawMessage, int, bool) {
	if i+4 <= len(b) && string(b[i:i+4]) == "null" {
		return nil, i + 4, true
	}
	if i >= len(b) || b[i] != '[' {
		return nil, i, false
	}
	items := []json.RawMessage{}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return items, i + 1, true
	}
	for {
		j, ok := skipValue(b, i, 1)
		if !ok {
			return nil, i, false
		}
		items = append(items, json.RawMessage(b[i:j:j]))
		i = skipSpace(b, j)
		if i >= len(b) {
			return nil, i, false
		}
		switch b[i] {
		case ']':
			return items, i + 1, true
		case ',':
			i = skipSpace(b, i+1)
		default:
			return nil, i, false
		}
	}
}

// skipValue returns the index after the well-formed JSON value at b[i].
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{':
		if depth >= maxDepth {
			return i, false
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			j, ok := skipString(b, i)
			if !ok {
				return i, false
			}
			i = skipSpace(b, j)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			i = skipSpace(b, i+1)
			if i, ok = skipValue(b, i, depth+1); !ok {
				return i, false
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, false
			}
			if b[i] == '}' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i = skipSpace(b, i+1)
		}
	case c == '[':
		if depth >= maxDepth {
			return i, false
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = skipValue(b, i, depth+1); !ok {
				return i, false
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, false
			}
			if b[i] == ']' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i = skipSpace(b, i+1)
		}
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		j := i + 1
		for j < len(b) && (b[j] == '-' || b[j] == '+' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || (b[j] >= '0' && b[j] <= '9')) {
			j++
		}
		if !validNumber(b[i:j]) {
			return i, false
		}
		return j, true
	}
	return i, false
}

func skipLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// skipString returns the index after the JSON string at b[i]: no control
// characters, only JSON's escapes. Bytes of 0x80 and above are taken as
// they are, as encoding/json's validator does.
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			j++
			if j >= len(b) {
				return i, false
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-j < 5 {
					return i, false
				}
				for _, h := range b[j+1 : j+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return i, false
					}
				}
				j += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

// validNumber reports whether s is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(s []byte) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}

// WithoutProperty returns an object's JSON without its top-level property
// key (every occurrence), cut out of the text as it is: the other
// properties keep their order and spelling. A group read with members
// carries them in members@delta, which is not part of the group's stored
// JSON. raw that is not a well-formed object is returned unchanged; keys
// written with escapes go through encoding/json.
func WithoutProperty(raw json.RawMessage, key string) json.RawMessage {
	b := raw
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return raw
	}
	if end, ok := skipValue(b, i, 0); !ok || skipSpace(b, end) != len(b) {
		return raw
	}
	// Well-formed from here on.
	i = skipSpace(b, i+1)
	if b[i] == '}' {
		return raw
	}
	prevEnd := -1 // just after the previous property's value
	for {
		start := i
		k, j, ok := plainJSONString(b, i)
		if !ok {
			return withoutPropertySlow(raw, key)
		}
		i = skipSpace(b, j) // at ':'
		end, _ := skipValue(b, skipSpace(b, i+1), 0)
		after := skipSpace(b, end) // at ',' or '}'
		if k == key {
			out := make([]byte, 0, len(b))
			switch {
			case b[after] == ',': // not the last: the comma goes with it
				out = append(append(out, b[:start]...), b[skipSpace(b, after+1):]...)
			case prevEnd >= 0: // the last: the comma before it goes
				out = append(append(out, b[:prevEnd]...), b[after:]...)
			default: // the only one
				out = append(append(out, b[:start]...), b[after:]...)
			}
			return WithoutProperty(out, key) // it may occur again
		}
		if b[after] == '}' {
			return raw
		}
		prevEnd = end
		i = skipSpace(b, after+1)
	}
}

func withoutPropertySlow(raw json.RawMessage, key string) json.RawMessage {
	var m map[string]json.RawMessage
	if err := unmarshal(raw, &m); err != nil {
		return raw
	}
	if _, ok := m[key]; !ok {
		return raw
	}
	delete(m, key)
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}
