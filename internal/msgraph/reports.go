package msgraph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
)

var (
	reportName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	reportDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	// reportFormat is a media type such as text/csv or application/json.
	reportFormat = regexp.MustCompile(`^[a-z]+/[a-z0-9.+-]+$`)
)

// Report fetches a usage report's CSV. name is the report function, e.g.
// "getOffice365ActiveUserDetail"; period is "D7", "D30", "D90" or "D180", a
// day "YYYY-MM-DD" for functions that take (date=…), or "" for functions
// with no parameter (getOffice365ActivationsUserDetail).
//
// Graph answers 302 with a pre-authenticated download URL on another host;
// the download is made without the Authorization header, and its body is
// returned as it streams. The caller closes it.
func (c *Client) Report(ctx context.Context, name, period string) (io.ReadCloser, error) {
	return c.ReportWith(ctx, name, period, ReportOptions{})
}

// ReportOptions select where and in which form a report is asked for.
type ReportOptions struct {
	// Beta calls /beta instead of /v1.0: the Copilot usage report
	// (getMicrosoft365CopilotUsageUserDetail) exists only there.
	Beta bool
	// Format is sent as $format, e.g. "text/csv" for reports whose default
	// form is JSON (the Copilot report answers 302 to its CSV only when
	// asked so); "" sends none.
	Format string
}

// ReportWith is Report with a version and a $format: the same 302 to a
// pre-authenticated download, followed without the token. period may also
// be "ALL" where the function accepts it.
func (c *Client) ReportWith(ctx context.Context, name, period string, o ReportOptions) (io.ReadCloser, error) {
	if !reportName.MatchString(name) {
		return nil, fmt.Errorf("graph: report function name %q is not valid", name)
	}
	fn := "/reports/" + name
	switch {
	case period == "":
	case reportDate.MatchString(period):
		fn += "(date=" + period + ")"
	default:
		if !reportName.MatchString(period) {
			return nil, fmt.Errorf("graph: report period %q is not valid", period)
		}
		fn += "(period='" + period + "')"
	}
	version := "v1.0"
	if o.Beta {
		version = "beta"
	}
	var q url.Values
	if o.Format != "" {
		if !reportFormat.MatchString(o.Format) {
			return nil, fmt.Errorf("graph: report format %q is not valid", o.Format)
		}
		q = url.Values{"$format": {o.Format}}
	}
	req := &request{method: http.MethodGet, url: c.url(version, fn, q), acceptRedirect: true}
	resp, err := c.do(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	if resp.status >= 200 && resp.status < 300 {
		// Served in place (no redirect): the body is already here.
		return io.NopCloser(bytes.NewReader(resp.body)), nil
	}
	loc := resp.header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("graph: GET %s: %d without Location", pathOf(req.url), resp.status)
	}
	base, _ := url.Parse(req.url)
	target, err := base.Parse(loc)
	// The download URL is itself a credential: never follow it to plain
	// HTTP from an HTTPS Graph.
	if err != nil || (target.Scheme != "https" && !(target.Scheme == "http" && c.base.Scheme == "http")) {
		return nil, fmt.Errorf("graph: GET %s: refusing report Location with scheme %q", pathOf(req.url), schemeOf(target))
	}
	return c.download(ctx, target.String())
}

// download GETs a pre-authenticated URL with no credentials, retrying
// throttling, server errors and resets; it returns the open body.
func (c *Client) download(ctx context.Context, u string) (io.ReadCloser, error) {
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.retries.Add(1)
		}
		hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("graph: report download: %w", err)
		}
		hr.Header.Set("User-Agent", c.userAgent)
		c.requests.Add(1)
		hresp, err := c.hc.Do(hr)
		if err != nil {
			// The URL is pre-authenticated: its query is a credential and
			// must not reach the error *url.Error would make.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			if ctx.Err() != nil || !isTransient(err) || attempt >= c.maxRetries {
				return nil, fmt.Errorf("graph: report download %s: %w", pathOf(u), err)
			}
			if err := c.clk.Sleep(ctx, backoff(attempt)); err != nil {
				return nil, fmt.Errorf("graph: report download: %w", err)
			}
			continue
		}
		if hresp.StatusCode >= 200 && hresp.StatusCode < 300 {
			return hresp.Body, nil
		}
		body, _ := io.ReadAll(io.LimitReader(hresp.Body, 64<<10))
		hresp.Body.Close()
		retryable := hresp.StatusCode == http.StatusTooManyRequests || retryableStatus(hresp.StatusCode)
		if !retryable || attempt >= c.maxRetries {
			e := parseError(hresp.StatusCode, hresp.Header, body, c.clk.Now())
			e.Method, e.Path = http.MethodGet, pathOf(u)
			return nil, fmt.Errorf("graph: report download: %w", e)
		}
		if hresp.StatusCode == http.StatusTooManyRequests {
			c.throttled.Add(1)
		}
		wait, ok := retryAfter(hresp.Header, c.clk.Now())
		if !ok {
			wait = backoff(attempt)
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "report download retry",
			slog.Int("status", hresp.StatusCode), slog.Duration("wait", wait))
		if err := c.clk.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("graph: report download: %w", err)
		}
	}
}

func schemeOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme
}
