package msgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ListOptions are the OData query options of a collection GET. Select should
// name exactly the properties the caller stores.
type ListOptions struct {
	Select []string
	Filter string
	// Top is the page size; 0 means the resource's maximum.
	Top    int
	Expand string
	// Count asks for $count=true and sends ConsistencyLevel: eventual (on
	// every page), which also enables Graph's advanced queries.
	Count   bool
	OrderBy string
	// Search is a $search expression such as `"displayName:room"`; it needs
	// ConsistencyLevel: eventual, which is sent.
	Search string
	// Beta calls /beta instead of /v1.0.
	Beta bool
}

func (o ListOptions) version() string {
	if o.Beta {
		return "beta"
	}
	return "v1.0"
}

// consistency reports whether the request needs ConsistencyLevel: eventual.
func (o ListOptions) consistency() bool { return o.Count || o.Search != "" }

// query encodes o; maxTop is the resource's maximum page size (0 = the
// resource takes no $top).
func (o ListOptions) query(maxTop int) url.Values {
	q := url.Values{}
	if len(o.Select) > 0 {
		q.Set("$select", strings.Join(o.Select, ","))
	}
	if o.Filter != "" {
		q.Set("$filter", o.Filter)
	}
	if o.Expand != "" {
		q.Set("$expand", o.Expand)
	}
	if o.OrderBy != "" {
		q.Set("$orderby", o.OrderBy)
	}
	if o.Search != "" {
		q.Set("$search", o.Search)
	}
	if o.Count {
		q.Set("$count", "true")
	}
	switch {
	case o.Top > 0:
		q.Set("$top", strconv.Itoa(o.Top))
	case maxTop > 0:
		q.Set("$top", strconv.Itoa(maxTop))
	}
	return q
}

// EncodeQuery encodes OData query options the way Microsoft's samples write
// them (see encodeQuery); the ARM client uses it too.
func EncodeQuery(q url.Values) string { return encodeQuery(q) }

// encodeQuery writes OData options the way Graph's own samples do:
// "$select=id,displayName&$top=999", escaping only what must be escaped
// (spaces as %20, never "+").
func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escapeQuery(k))
			b.WriteByte('=')
			b.WriteString(escapeQuery(v))
		}
	}
	return b.String()
}

func escapeQuery(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~$,()':/@!*;", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// page is one response of a collection GET.
type page struct {
	Value     []json.RawMessage `json:"value"`
	NextLink  string            `json:"@odata.nextLink"`
	DeltaLink string            `json:"@odata.deltaLink"`
	Count     *int64            `json:"@odata.count"`
	// raw is the body of a page read head first (Value not parsed yet;
	// Client.fillPage).
	raw []byte
}

// model is a wire type that keeps its original JSON and has an object id.
type model[T any] interface {
	*T
	setRaw(json.RawMessage)
	objectID() string
}

// decodeItem decodes one object of a collection and keeps its JSON.
func decodeItem[T any, P model[T]](raw json.RawMessage) (T, error) {
	var v T
	if err := unmarshal(raw, &v); err != nil {
		return v, err
	}
	P(&v).setRaw(raw)
	return v, nil
}

// maxRestarts bounds how often one listing starts over after Graph
// expired its skip token.
const maxRestarts = 3

// list iterates a collection from its first URL, following @odata.nextLink
// unchanged and resending ConsistencyLevel when the first request had it.
//
// A skip token can expire mid-listing (400 Directory_ExpiredPageToken); the
// only remedy is to start again. The listing then restarts from the first
// page and skips objects it already yielded, by id, so every object is
// yielded exactly once. The ids are remembered only for listings longer
// than one page.
func list[T any, P model[T]](ctx context.Context, c *Client, first string, consistency bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		var seen map[string]struct{}
		restarts := 0
		shrunk := false
		link := first
		var ahead *prefetch
		defer func() { ahead.abandon() }()
		for n := 1; link != ""; n++ {
			pg, err := c.getPage(ctx, ahead, link, consistency)
			ahead = nil
			if err != nil {
				if n == 1 && !shrunk {
					if smaller, ok := withAllowedTop(first, err); ok {
						c.log.LogAttrs(ctx, slog.LevelInfo, c.service+" page size refused, using the maximum Graph named",
							slog.String("path", pathOf(first)))
						shrunk = true
						first, link, n = smaller, smaller, 0
						continue
					}
				}
				if n > 1 && restarts < maxRestarts && errors.Is(err, ErrPageTokenExpired) {
					restarts++
					c.log.LogAttrs(ctx, slog.LevelInfo, c.service+" skip token expired, listing again",
						slog.String("path", pathOf(first)), slog.Int("page", n), slog.Int("restart", restarts))
					link, n = first, 0
					continue
				}
				yield(zero, fmt.Errorf("page %d: %w", n, err))
				return
			}
			if pg.NextLink != "" && seen == nil {
				seen = map[string]struct{}{}
			}
			if pg.NextLink != "" && c.checkLink(pg.NextLink) == nil {
				ahead = c.fetchAhead(ctx, pg.NextLink, consistency)
			}
			if err := c.fillPage(ctx, &pg, link, consistency); err != nil {
				yield(zero, fmt.Errorf("page %d: %w", n, err))
				return
			}
			for i, raw := range pg.Value {
				v, err := decodeItem[T, P](raw)
				if err != nil {
					yield(zero, fmt.Errorf("page %d: item %d: decode %T: %w", n, i, zero, err))
					return
				}
				if seen != nil {
					id := P(&v).objectID()
					if _, dup := seen[id]; dup && id != "" {
						continue
					}
					seen[id] = struct{}{}
				}
				if !yield(v, nil) {
					return
				}
			}
			if pg.NextLink != "" {
				if err := c.checkLink(pg.NextLink); err != nil {
					yield(zero, fmt.Errorf("page %d: %w", n, err))
					return
				}
			}
			link = pg.NextLink
		}
	}
}

// pageSizeRefused matches Graph's 400 for a $top above a resource's
// maximum (graph-facts §3), e.g. "Invalid page size specified: '999'. Must
// be between 1 and 120 inclusive." — what older tenants answer for users
// with signInActivity.
var pageSizeRefused = regexp.MustCompile(`Invalid page size specified: '(\d+)'\. Must be between 1 and (\d+) inclusive`)

// withAllowedTop rewrites first's $top to the maximum err names, when err
// is Graph refusing the page size.
func withAllowedTop(first string, err error) (string, bool) {
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest {
		return "", false
	}
	m := pageSizeRefused.FindStringSubmatch(e.Message)
	if m == nil {
		return "", false
	}
	allowed, aerr := strconv.Atoi(m[2])
	if aerr != nil || allowed < 1 {
		return "", false
	}
	old := "$top=" + m[1]
	i := strings.Index(first, old)
	if i < 0 {
		return "", false
	}
	rest := first[i+len(old):]
	if rest != "" && rest[0] != '&' {
		return "", false
	}
	return first[:i] + "$top=" + strconv.Itoa(allowed) + rest, true
}

// listPath is list for a path under the version o selects.
func listPath[T any, P model[T]](ctx context.Context, c *Client, path string, o ListOptions, maxTop int) iter.Seq2[T, error] {
	return list[T, P](ctx, c, c.url(o.version(), path, o.query(maxTop)), o.consistency())
}

// collect drains an iterator into a slice.
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

// pathEscape escapes an id for use as one path segment.
func pathEscape(id string) string { return url.PathEscape(id) }
