// Package arm is tenantscope's Azure Resource Manager client: subscriptions,
// resource groups, role definitions and assignments at any scope, storage
// accounts, blob containers and user-assigned managed identities, plus role
// assignment create and delete. It runs on the msgraph client's machinery
// (concurrency bound, adaptive limiter, Retry-After, retries, token refresh)
// and adds ARM's own: api-version on every call, nextLink paging and pacing
// by the x-ms-ratelimit-remaining-* headers. The base URL comes from the
// caller's cloud profile.
package arm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tenantscope/tenantscope/internal/msgraph"
)

// API versions, from graph-facts §11 (the stable versions whose examples
// the fixtures come from).
const (
	apiSubscriptions  = "2022-12-01"
	apiResourceGroups = "2021-04-01"
	apiAuthorization  = "2022-04-01"
	apiStorage        = "2023-05-01"
	apiIdentities     = "2023-01-31"
)

// Options configures a Client. BaseURL (e.g. "https://management.azure.com")
// and Tokens (for the ARM audience) are required.
type Options struct {
	BaseURL     string
	Tokens      msgraph.TokenSource
	HTTPClient  *http.Client
	MaxRetries  int // default 6
	Concurrency int // default 8
	// RequestsPerSecond is the limiter's ceiling (default 1000); ARM's own
	// headers slow it down before the subscription's bucket runs dry.
	RequestsPerSecond float64
	Logger            *slog.Logger
	UserAgent         string
	AttemptTimeout    time.Duration // one HTTP exchange; default 3 minutes
}

// Client talks to Azure Resource Manager. Safe for concurrent use.
type Client struct {
	c *msgraph.Client
}

// New returns a Client for opts.
func New(opts Options) (*Client, error) {
	c, err := msgraph.New(msgraph.Options{
		BaseURL: opts.BaseURL, Tokens: opts.Tokens, HTTPClient: opts.HTTPClient,
		MaxRetries: opts.MaxRetries, Concurrency: opts.Concurrency,
		RequestsPerSecond: opts.RequestsPerSecond, Logger: opts.Logger, UserAgent: opts.UserAgent,
		AttemptTimeout: opts.AttemptTimeout, Service: "arm",
	})
	if err != nil {
		return nil, errors.New("arm: " + strings.TrimPrefix(err.Error(), "msgraph: "))
	}
	return &Client{c: c}, nil
}

// Stats returns the request counters.
func (c *Client) Stats() msgraph.Stats { return c.c.Stats() }

// IsForbidden reports ARM's 403 (AuthorizationFailed: the connector holds
// no role on the scope).
func IsForbidden(err error) bool { return msgraph.IsForbidden(err) }

// IsNotFound reports a 404 (SubscriptionNotFound, ResourceGroupNotFound,
// ResourceNotFound ...).
func IsNotFound(err error) bool { return msgraph.IsNotFound(err) }

// url builds base + path + query with api-version.
func (c *Client) url(path, apiVersion string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	q.Set("api-version", apiVersion)
	return c.c.BaseURL() + path + "?" + msgraph.EncodeQuery(q)
}

// page is an ARM list response.
type page struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"nextLink"`
}

// resource is an ARM wire type that keeps its original JSON.
type resource[T any] interface {
	*T
	setRaw(json.RawMessage)
}

func decode[T any, P resource[T]](raw json.RawMessage) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, err
	}
	P(&v).setRaw(raw)
	return v, nil
}

// list iterates an ARM collection, following nextLink (absolute, carrying
// its own api-version and skip token) until it is absent.
func list[T any, P resource[T]](ctx context.Context, c *Client, first string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		link := first
		for n := 1; link != ""; n++ {
			var pg page
			if err := c.c.GetJSON(ctx, link, &pg); err != nil {
				yield(zero, fmt.Errorf("page %d: %w", n, err))
				return
			}
			for i, raw := range pg.Value {
				v, err := decode[T, P](raw)
				if err != nil {
					yield(zero, fmt.Errorf("page %d: item %d: decode %T: %w", n, i, zero, err))
					return
				}
				if !yield(v, nil) {
					return
				}
			}
			link = pg.NextLink
		}
	}
}

// get fetches one resource.
func get[T any, P resource[T]](ctx context.Context, c *Client, u string) (*T, error) {
	var raw json.RawMessage
	if err := c.c.GetJSON(ctx, u, &raw); err != nil {
		return nil, err
	}
	v, err := decode[T, P](raw)
	if err != nil {
		return nil, fmt.Errorf("arm: decode %T: %w", v, err)
	}
	return &v, nil
}

// checkScope accepts an ARM scope: "/subscriptions/{s}",
// "/subscriptions/{s}/resourceGroups/{rg}", a resource id, or "/" for
// tenant-wide definitions.
func checkScope(scope string) error {
	if !strings.HasPrefix(scope, "/") || strings.ContainsAny(scope, "?#%") || strings.Contains(scope, "..") ||
		strings.Contains(scope, "//") {
		return fmt.Errorf("arm: invalid scope %q", scope)
	}
	return nil
}

// scopePath joins a scope and a provider path without doubling the slash
// of the root scope "/".
func scopePath(scope, rest string) string {
	return strings.TrimSuffix(scope, "/") + rest
}

// segment escapes one path segment (a subscription id, resource group or
// account name).
func segment(s string) string { return url.PathEscape(s) }

// collect drains an iterator.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
