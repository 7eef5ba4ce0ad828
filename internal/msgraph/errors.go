package msgraph

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Error is a Graph (or ARM) error response: what Microsoft said, and which
// call it was about. It never carries the request's Authorization header or
// query string.
type Error struct {
	StatusCode int
	Code       string // e.g. Authorization_RequestDenied
	Message    string
	RequestID  string // innerError.request-id (or the request-id header)
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	Method     string
	Path       string // URL path without the query

	service string // "graph" or "arm"; "" reads as graph
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.service != "" {
		b.WriteString(e.service + ": ")
	} else {
		b.WriteString("graph: ")
	}
	if e.Method != "" || e.Path != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	}
	fmt.Fprintf(&b, "%d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + e.RequestID + ")")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrDeltaExpired) true for the responses that mean
// a delta round must start again from scratch, and errors.Is(err,
// ErrPageTokenExpired) for an expired skip token.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrDeltaExpired:
		return e.deltaExpired()
	case ErrPageTokenExpired:
		return e.StatusCode == http.StatusBadRequest && e.Code == "Directory_ExpiredPageToken"
	}
	return false
}

// ErrPageTokenExpired is matched (errors.Is) by Graph's 400
// Directory_ExpiredPageToken "The specified page token value has expired
// and can no longer be included in your request.": a nextLink's skip token
// has expired. Listings recover from it by themselves; callers see it only
// when that keeps failing.
var ErrPageTokenExpired = errors.New("graph: skip token expired")

// ErrDeltaExpired is matched (errors.Is) by errors that say a stored
// deltaLink can no longer be used and a full resynchronisation is needed.
var ErrDeltaExpired = errors.New("graph: delta token expired; full resync required")

// deltaExpired recognises an expired delta token. For identity resources
// Graph answers 400 syncStateNotFound "The sync state generation is not
// found. The delta token is expired and data must be synchronized again."
// (Microsoft 365 Developer Blog, "Duration of change tracking tokens for
// identity and education resources", 2020-07-03); other resources answer
// 410 Gone with resyncRequired.
func (e *Error) deltaExpired() bool {
	switch strings.ToLower(e.Code) {
	case "syncstatenotfound", "resyncrequired", "syncstateinvalid":
		return true
	}
	return e.StatusCode == http.StatusGone
}

// IsForbidden reports a 403: a missing permission or a tenant feature the
// licence does not include.
func IsForbidden(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusForbidden
}

// IsNotFound reports a 404.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// IsThrottled reports a 429 that survived every retry.
func IsThrottled(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusTooManyRequests
}

// IsPremiumRequired reports that the tenant lacks the Entra ID P1/P2 (or ID
// Governance) licence a feature needs: signInActivity without premium, PIM
// without P2.
func IsPremiumRequired(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "AadPremiumLicenseRequired":
		return true
	}
	return false
}

// errorBody is Graph's error envelope (and ARM's, which lacks innerError).
// Older samples spell the request id "requestId".
type errorBody struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID  string `json:"request-id"`
			RequestID2 string `json:"requestId"`
		} `json:"innerError"`
	} `json:"error"`
}

// parseError builds an *Error from a non-2xx response.
func parseError(status int, h http.Header, body []byte, now time.Time) *Error {
	e := &Error{StatusCode: status}
	var eb errorBody
	if unmarshal(body, &eb) == nil && (eb.Error.Code != "" || eb.Error.Message != "") {
		e.Code = eb.Error.Code
		e.Message = eb.Error.Message
		e.RequestID = eb.Error.InnerError.RequestID
		if e.RequestID == "" {
			e.RequestID = eb.Error.InnerError.RequestID2
		}
	} else {
		e.Message = snippet(body)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if e.RequestID == "" && h != nil {
		e.RequestID = h.Get("request-id")
		if e.RequestID == "" {
			e.RequestID = h.Get("x-ms-request-id")
		}
	}
	if h != nil {
		if d, ok := retryAfter(h, now); ok {
			e.RetryAfter = d
		}
	}
	return e
}

// snippet is the start of a non-JSON error body, on one line.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return strings.Join(strings.Fields(string(b)), " ")
}
