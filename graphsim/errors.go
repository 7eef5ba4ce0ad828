package graphsim

import (
	"encoding/json"
	"net/http"
	"strings"
)

// graphErrorBody is Graph's error envelope. The property names and their
// order follow error_not_found_observed.json in the shared graph-examples
// (Microsoft's current wire form: "request-id" and "client-request-id" in
// innerError; older samples used requestId).
type graphErrorBody struct {
	Error graphError `json:"error"`
}

type graphError struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	InnerError graphInnerError `json:"innerError"`
}

type graphInnerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// throttledBody is the exact 429 body Microsoft documents
// (concepts/throttling.md, copied in graph-examples/error_throttled_429.json).
type throttledBody struct {
	Error struct {
		Code       string `json:"code"`
		InnerError struct {
			Code      string `json:"code"`
			Date      string `json:"date"`
			Message   string `json:"message"`
			RequestID string `json:"request-id"`
			Status    string `json:"status"`
		} `json:"innerError"`
		Message string `json:"message"`
	} `json:"error"`
}

// graphDateFormat is innerError.date: UTC, seconds, no zone designator.
const graphDateFormat = "2006-01-02T15:04:05"

// writeGraphError answers in Graph's error format, with the request's
// request-id and client-request-id (set on the response if not yet there).
func writeGraphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	reqID, clientReqID := ensureGraphRequestIDs(w, r)
	body := graphErrorBody{Error: graphError{
		Code:    code,
		Message: message,
		InnerError: graphInnerError{
			Date:            nowFor(r).UTC().Format(graphDateFormat),
			RequestID:       reqID,
			ClientRequestID: clientReqID,
		},
	}}
	writeJSON(w, status, body)
}

// writeAPIError answers e in Graph's error format.
func writeAPIError(w http.ResponseWriter, r *http.Request, e *APIError) {
	writeGraphError(w, r, e.Status, e.Code, e.Message)
}

// writeThrottled answers 429 with Microsoft's documented body; the caller
// has set Retry-After and the x-ms-throttle-* headers.
func writeThrottled(w http.ResponseWriter, r *http.Request) {
	reqID, _ := ensureGraphRequestIDs(w, r)
	var b throttledBody
	b.Error.Code = "TooManyRequests"
	b.Error.Message = "Please retry again later."
	b.Error.InnerError.Code = "429"
	b.Error.InnerError.Date = nowFor(r).UTC().Format(graphDateFormat)
	b.Error.InnerError.Message = "Please retry after"
	b.Error.InnerError.RequestID = reqID
	b.Error.InnerError.Status = "429"
	writeJSON(w, http.StatusTooManyRequests, b)
}

// armErrorBody is ARM's error envelope: {"error":{"code","message"}}.
type armErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeARMError answers in Azure Resource Manager's error format.
func writeARMError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	ensureARMRequestIDs(w, r)
	var b armErrorBody
	b.Error.Code = code
	b.Error.Message = message
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(b)
}

// ensureGraphRequestIDs sets Graph's request-id and client-request-id
// response headers once per request and returns them. Graph echoes the
// client's client-request-id and, when the client sent none, uses the
// request-id for both.
func ensureGraphRequestIDs(w http.ResponseWriter, r *http.Request) (requestID, clientRequestID string) {
	h := w.Header()
	requestID = h.Get("request-id")
	if requestID == "" {
		requestID = randomGUID()
		h.Set("request-id", requestID)
	}
	clientRequestID = h.Get("client-request-id")
	if clientRequestID == "" {
		clientRequestID = r.Header.Get("client-request-id")
		if clientRequestID == "" || !isGUID(clientRequestID) {
			clientRequestID = requestID
		}
		h.Set("client-request-id", clientRequestID)
	}
	return requestID, clientRequestID
}

// ensureARMRequestIDs sets ARM's tracing headers: x-ms-request-id, and
// x-ms-correlation-request-id echoing the client's when it sent one.
func ensureARMRequestIDs(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if h.Get("x-ms-request-id") != "" {
		return
	}
	id := randomGUID()
	h.Set("x-ms-request-id", id)
	corr := r.Header.Get("x-ms-correlation-request-id")
	if !isGUID(corr) {
		corr = randomGUID()
	}
	h.Set("x-ms-correlation-request-id", corr)
	if c := r.Header.Get("x-ms-client-request-id"); c != "" && len(c) <= 128 {
		h.Set("x-ms-client-request-id", c)
	}
	h.Set("x-ms-routing-request-id", "WESTEUROPE:"+strings.ReplaceAll(nowFor(r).UTC().Format("20060102T150405Z"), ":", "")+":"+id)
}
