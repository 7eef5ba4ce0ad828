package graphsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// This file serves JSON batching (graph-facts §3; Microsoft's json-batching
// page; batch_response.json): up to 20 requests with unique ids, relative
// urls, headers, bodies and dependsOn; each served through the same routes,
// auth and per-request throttling as a direct call; a request whose
// dependency failed gets 424; the outer status is 200 unless the batch itself
// is malformed.

// maxBatchRequests is Graph's JSON batch limit.
const maxBatchRequests = 20

// maxBatchBody bounds the batch payload read into memory.
const maxBatchBody = 4 << 20

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

// batchResponse keeps Graph's property order: id, status, headers, body.
type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

func badBatch(msg string) *APIError {
	return &APIError{http.StatusBadRequest, "BadRequest", msg}
}

func (s *Server) registerBatchRoutes() {
	s.graph("POST /$batch", 1, s.serveBatch)
}

func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request, c *Caller) {
	reqs, apiErr := readBatch(r)
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	version := versionOf(r)
	status := map[string]int{}
	out := make([]batchResponse, 0, len(reqs))
	for _, br := range reqs {
		failed := ""
		for _, dep := range br.DependsOn {
			if st := status[dep]; st < 200 || st > 299 {
				failed = dep
				break
			}
		}
		var resp batchResponse
		if failed != "" {
			resp = failedDependency(br.ID, failed)
		} else {
			resp = s.runInner(r, version, br)
		}
		status[br.ID] = resp.Status
		out = append(out, resp)
	}
	body, err := json.Marshal(struct {
		Responses []batchResponse `json:"responses"`
	}{out})
	if err != nil {
		writeGraphError(w, r, http.StatusInternalServerError, "generalException", "An error occurred serialising the batch response.")
		return
	}
	writeRawJSON(w, http.StatusOK, body)
}

// readBatch parses and validates the payload; any problem fails the whole
// batch with 400, as Graph does.
func readBatch(r *http.Request) ([]batchRequest, *APIError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBatchBody+1))
	if err != nil {
		return nil, badBatch("Unable to read the batch request body.")
	}
	if len(raw) > maxBatchBody {
		return nil, &APIError{http.StatusRequestEntityTooLarge, "BadRequest", "The batch request body is too large."}
	}
	var payload struct {
		Requests []batchRequest `json:"requests"`
	}
	if err := json.Unmarshal(raw, &payload); err != nil {
		return nil, badBatch("Invalid batch payload format.")
	}
	if payload.Requests == nil {
		return nil, badBatch("Invalid batch payload format.")
	}
	if len(payload.Requests) == 0 {
		return nil, badBatch("The batch request must contain at least one request.")
	}
	if len(payload.Requests) > maxBatchRequests {
		return nil, badBatch("Number of requests inside batch exceeds the limit.")
	}
	seen := map[string]bool{}
	for _, br := range payload.Requests {
		switch {
		case br.ID == "":
			return nil, badBatch("Request Id is required for all requests in a batch.")
		case seen[br.ID]:
			return nil, badBatch("Request Id '" + br.ID + "' is duplicated in the batch request.")
		case br.Method == "":
			return nil, badBatch("Method is required for request '" + br.ID + "'.")
		case br.URL == "":
			return nil, badBatch("Url is required for request '" + br.ID + "'.")
		case strings.Contains(br.URL, "://"):
			return nil, badBatch("Url for request '" + br.ID + "' must be relative.")
		}
		if len(br.Body) > 0 && string(br.Body) != "null" && headerValue(br.Headers, "Content-Type") == "" {
			return nil, badBatch("Content-Type header must be specified for request '" + br.ID + "' because it has a body.")
		}
		for _, dep := range br.DependsOn {
			if !seen[dep] {
				return nil, badBatch("Request '" + br.ID + "' depends on request '" + dep + "', which must precede it in the batch.")
			}
		}
		seen[br.ID] = true
	}
	return payload.Requests, nil
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func failedDependency(id, dep string) batchResponse {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code":    "FailedDependency",
		"message": "The request depends on request '" + dep + "', which failed.",
	}})
	return batchResponse{ID: id, Status: http.StatusFailedDependency,
		Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
}

// runInner serves one batch request through the simulator's own routes.
func (s *Server) runInner(outer *http.Request, version string, br batchRequest) batchResponse {
	path := br.URL
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	var body io.Reader
	if len(br.Body) > 0 && string(br.Body) != "null" {
		body = bytes.NewReader(br.Body)
	}
	target := "/" + version + path
	req, err := http.NewRequestWithContext(outer.Context(), strings.ToUpper(br.Method), target, body)
	if err != nil {
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "BadRequest", "message": "Invalid request URL '" + br.URL + "'."}})
		return batchResponse{ID: br.ID, Status: http.StatusBadRequest, Headers: map[string]string{"Content-Type": "application/json"}, Body: b}
	}
	req.Host = outer.Host
	req.TLS = outer.TLS
	req.RemoteAddr = outer.RemoteAddr
	for _, h := range []string{"Authorization", "X-Forwarded-Proto"} {
		if v := outer.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	for k, v := range br.Headers {
		req.Header.Set(k, v)
	}
	status, header, respBody := s.dispatchInner(req)
	resp := batchResponse{ID: br.ID, Status: status, Headers: map[string]string{}}
	for k, vals := range header {
		switch k {
		case "Content-Length", "Strict-Transport-Security", "Date":
			continue
		}
		if len(vals) > 0 {
			resp.Headers[graphHeaderName(k)] = vals[0]
		}
	}
	if len(respBody) > 0 {
		if strings.Contains(header.Get("Content-Type"), "json") && json.Valid(respBody) {
			resp.Body = bytes.TrimSpace(respBody)
		} else {
			// Non-JSON bodies (e.g. $count's text/plain) travel as a JSON
			// string.
			resp.Body, _ = json.Marshal(string(respBody))
		}
	}
	return resp
}

// graphHeaderName spells a header the way Graph's batch responses do:
// x-ms-* and the request ids in lower case, OData-Version as OData spells it.
func graphHeaderName(k string) string {
	lk := strings.ToLower(k)
	switch {
	case strings.HasPrefix(lk, "x-ms-"), lk == "request-id", lk == "client-request-id":
		return lk
	case lk == "odata-version":
		return "OData-Version"
	}
	return k
}
