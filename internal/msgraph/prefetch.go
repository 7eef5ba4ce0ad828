package msgraph

import (
	"context"
	"fmt"
	"net/http"
)

// prefetch is one page requested ahead: a listing asks for page n+1 as soon
// as page n names it, so the round trip overlaps the caller decoding and
// handling page n, and a listing costs about one round trip a page instead
// of a round trip plus the handling. (Delta rounds go further: a reader of
// their own runs several pages ahead; see deltaRound.)
type prefetch struct {
	link   string
	done   chan struct{}
	pg     page
	err    error
	cancel context.CancelFunc
}

// fetchAhead starts reading link on its own goroutine. Of the page it
// parses only the head (pageHead) when that names the next link: the
// caller asks for the page after it at once and parses the value while
// that one is on its way (fillPage), so a round of pages read one after
// another costs a round trip a page, not a round trip plus a parse.
func (c *Client) fetchAhead(ctx context.Context, link string, consistency bool) *prefetch {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetch{link: link, done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(p.done)
		p.pg, p.err = c.getPageHeadFirst(ctx, link, consistency)
	}()
	return p
}

// getPageHeadFirst GETs a collection page and parses only its head when
// that names the next link (Client.fillPage parses the rest), else all of
// it.
func (c *Client) getPageHeadFirst(ctx context.Context, link string, consistency bool) (page, error) {
	var pg page
	_, err := c.do(ctx, &request{method: http.MethodGet, url: link, consistency: consistency}, func(b []byte) error {
		if next, delta, ok := pageHead(b); ok && (next != "" || delta != "") {
			pg = page{NextLink: next, DeltaLink: delta, raw: b}
			return nil
		}
		pg = page{}
		return decodePage(b, &pg)
	})
	return pg, err
}

// fillPage parses the value of a page read head first; a page read whole
// is left as it is. A body cut short after its head is read again, whole.
// The links the head named must be those of the whole page (the next
// page may already have been asked for).
func (c *Client) fillPage(ctx context.Context, pg *page, link string, consistency bool) error {
	if pg.raw == nil {
		return nil
	}
	head := *pg
	var full page
	if err := decodePage(head.raw, &full); err != nil {
		if !isTruncatedJSON(err) {
			return fmt.Errorf("%s: GET %s: decode response: %w", c.service, pathOf(link), err)
		}
		full = page{}
		if err := c.getPageJSON(ctx, link, consistency, &full); err != nil {
			return err
		}
	}
	if full.NextLink != head.NextLink || full.DeltaLink != head.DeltaLink {
		return fmt.Errorf("%s: GET %s: the page's links differ between its head and the whole page", c.service, pathOf(link))
	}
	*pg = full
	return nil
}

// wait returns the page (or the error reading it).
func (p *prefetch) wait(ctx context.Context) (page, error) {
	select {
	case <-p.done:
		p.cancel()
		return p.pg, p.err
	case <-ctx.Done():
		p.abandon()
		return page{}, ctx.Err()
	}
}

// abandon cancels a page no longer wanted and waits for its goroutine, so
// nothing outlives the read that started it. Safe on nil.
func (p *prefetch) abandon() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
}

// getPage reads link, from ahead when it was prefetched.
func (c *Client) getPage(ctx context.Context, ahead *prefetch, link string, consistency bool) (page, error) {
	if ahead != nil {
		if ahead.link == link {
			return ahead.wait(ctx)
		}
		ahead.abandon()
	}
	var pg page
	err := c.getPageJSON(ctx, link, consistency, &pg)
	return pg, err
}

// getPageJSON GETs a collection page and decodes it with decodePage.
func (c *Client) getPageJSON(ctx context.Context, link string, consistency bool, pg *page) error {
	_, err := c.do(ctx, &request{method: http.MethodGet, url: link, consistency: consistency},
		func(b []byte) error { return decodePage(b, pg) })
	return err
}
