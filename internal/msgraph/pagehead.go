package msgraph

import "strings"

// pageHead reads the links a collection page names before its "value"
// member. Graph writes a page's control information first
// ({"@odata.context":…,"@odata.nextLink":…,"value":[…]}, as the documented
// delta and list examples show), so the next page can be asked for before
// the megabytes of value are parsed. ok is false when the head is not of
// that shape (another member before value, a link that is not a plain
// string …): the caller then parses the whole page. A page whose links
// follow its value reads as a head without links.
func pageHead(b []byte) (next, delta string, ok bool) {
	_, ok = walkMembers(b, func(key string, i int) (int, bool, bool) {
		switch {
		case key == "value":
			return i, true, true
		case key == "@odata.nextLink" || key == "@odata.deltaLink":
			s, j, ok := plainJSONString(b, i)
			if key == "@odata.nextLink" {
				next = s
			} else {
				delta = s
			}
			return j, false, ok
		case strings.HasPrefix(key, "@"): // @odata.context, @odata.count …
			j, ok := skipValue(b, i, 0)
			return j, false, ok
		}
		return i, false, false
	})
	if !ok {
		return "", "", false
	}
	return next, delta, true
}

// walkMembers walks the members of the JSON object that b starts with
// (after white space): member gets each key, which must be a plain string
// (plainJSONString), and the index of its value, and returns the index
// after the value, whether to stop there, and whether the value was
// well-formed. walkMembers returns the index after the object (or where
// member stopped) and whether all was well-formed up to there.
func walkMembers(b []byte, member func(key string, value int) (next int, stop, ok bool)) (int, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return i, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		key, j, ok := plainJSONString(b, i)
		if !ok {
			return i, false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return i, false
		}
		j, stop, ok := member(key, skipSpace(b, i+1))
		if !ok || stop {
			return j, ok
		}
		i = skipSpace(b, j)
		if i >= len(b) {
			return i, false
		}
		switch b[i] {
		case '}':
			return i + 1, true
		case ',':
			i = skipSpace(b, i+1)
		default:
			return i, false
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
