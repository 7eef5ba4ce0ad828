package msgraph

import (
	"bytes"
	"encoding/json"
)

// pageHead reads the links a collection page names before its "value"
// member. Graph writes a page's control information first
// ({"@odata.context":…,"@odata.nextLink":…,"value":[…]}, as the documented
// delta and list examples show), so the next page can be asked for before
// the megabytes of value are parsed. ok is false when the head is not of
// that shape (another member before value, a link that is not a plain
// string …): the caller then parses the whole page. A page whose links
// follow its value reads as a head without links.
func pageHead(b []byte) (next, delta string, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return "", "", false
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return "", "", false
		}
		if b[i] == '}' {
			return next, delta, true
		}
		key, j, ok := plainJSONString(b, i)
		if !ok {
			return "", "", false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return "", "", false
		}
		i = skipSpace(b, i+1)
		if key == "value" {
			return next, delta, true
		}
		if len(key) == 0 || key[0] != '@' || i >= len(b) {
			return "", "", false
		}
		switch c := b[i]; {
		case c == '"':
			s, j, ok := plainJSONString(b, i)
			if !ok {
				return "", "", false
			}
			switch key {
			case "@odata.nextLink":
				next = s
			case "@odata.deltaLink":
				delta = s
			}
			i = j
		case c == '-' || (c >= '0' && c <= '9'): // @odata.count
			j := i + 1
			for j < len(b) && bytes.IndexByte([]byte("0123456789+-.eE"), b[j]) >= 0 {
				j++
			}
			if !json.Valid(b[i:j]) {
				return "", "", false
			}
			i = j
		default:
			return "", "", false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return "", "", false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return next, delta, true
		default:
			return "", "", false
		}
	}
}

// plainJSONString reads the JSON string starting at b[i] (a quote) when it
// has no escapes, control characters or non-ASCII bytes, and returns it with the index
// after its closing quote. Links and annotation names never need escapes;
// one that has them sends the caller to the full parser.
func plainJSONString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return string(b[i+1 : j]), j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", i, false
		}
	}
	return "", i, false
}
