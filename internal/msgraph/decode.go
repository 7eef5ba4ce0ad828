package msgraph

import (
	"encoding/json"
	"errors"
	"io"
	"strings"

	jsonv1 "github.com/go-json-experiment/json/v1"
)

// unmarshal is json.Unmarshal with encoding/json's semantics (case-
// insensitive names, duplicate names and invalid UTF-8 accepted, the same
// null and error rules), decoded by the encoding/json/v2 implementation:
// github.com/go-json-experiment/json/v1 mirrors the encoding/json that Go
// 1.27 ships on top of v2. It decodes a user object in half the time and
// with a third of the allocations, in one pass where encoding/json first
// validates the whole document and then decodes it. Every object of a
// listing, delta round and batch goes through here.
func unmarshal(b []byte, v any) error { return jsonv1.Unmarshal(b, v) }

// isTruncatedJSON reports whether a decode failed because the document
// ended early — what a page cut off mid-transfer looks like.
func isTruncatedJSON(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var se *json.SyntaxError
	if errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of JSON input") {
		return true
	}
	var se1 *jsonv1.SyntaxError
	return errors.As(err, &se1) && strings.Contains(se1.Error(), "unexpected end of JSON input")
}
