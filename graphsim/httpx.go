package graphsim

import (
	"context"
	"encoding/json"
	"net/http"
)

// Caller is the authenticated client of a Graph or ARM request, taken from
// its bearer token.
type Caller struct {
	Tenant   *Tenant
	AppID    string
	Audience string          // the token's aud
	Roles    map[string]bool // application permissions in the roles claim
}

// Has reports whether any of perms was granted.
func (c *Caller) Has(perms ...string) bool {
	for _, p := range perms {
		if c.Roles[p] {
			return true
		}
	}
	return false
}

type callerKey struct{}

func withCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// callerFrom returns the request's caller; nil outside authenticated routes.
func callerFrom(r *http.Request) *Caller {
	c, _ := r.Context().Value(callerKey{}).(*Caller)
	return c
}

// GraphHandler serves an authenticated Graph request.
type GraphHandler func(w http.ResponseWriter, r *http.Request, c *Caller)

// writeJSON writes v with the given status and a JSON content type, as Graph
// does on every reply.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// baseURL is the scheme and host:port the client called, so that nextLink and
// deltaLink point exactly where the client is talking.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// APIError is a failure in Graph's (or ARM's) terms: the HTTP status, the
// error code and the message Microsoft sends. Mutations return it so handlers
// can answer exactly.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }
