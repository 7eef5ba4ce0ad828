package msgraph

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Count returns the number of objects in a directory collection ("users",
// "groups", "servicePrincipals", "applications", "devices" ...), optionally
// filtered, from GET /{collection}/$count. Graph answers text/plain and
// requires ConsistencyLevel: eventual, which is sent; the figure is
// eventually consistent, good for progress totals, not for ground truth.
func (c *Client) Count(ctx context.Context, collection, filter string) (int64, error) {
	q := url.Values{}
	if filter != "" {
		q.Set("$filter", filter)
	}
	var n int64
	req := &request{method: http.MethodGet, url: c.url("v1.0", "/"+collection+"/$count", q), consistency: true,
		header: http.Header{"Accept": {"text/plain"}}}
	_, err := c.do(ctx, req, func(b []byte) error {
		// A UTF-8 byte order mark may precede the number.
		b = bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\ufeff")))
		v, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil || v < 0 {
			return fmt.Errorf("$count answered %q", snippet(b))
		}
		n = v
		return nil
	})
	return n, err
}
