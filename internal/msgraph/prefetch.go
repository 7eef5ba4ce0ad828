package msgraph

import "context"

// prefetch is one page requested ahead: a paged read asks for page n+1 as
// soon as page n names it, so the round trip overlaps the caller decoding
// and handling page n. A round of delta pages, which can only be read one
// after another, then costs about one round trip per page instead of a
// round trip plus the handling.
type prefetch struct {
	link   string
	done   chan struct{}
	pg     page
	err    error
	cancel context.CancelFunc
}

// fetchAhead starts reading link on its own goroutine.
func (c *Client) fetchAhead(ctx context.Context, link string, consistency bool) *prefetch {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetch{link: link, done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(p.done)
		p.err = c.getJSON(ctx, link, consistency, &p.pg)
	}()
	return p
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
	err := c.getJSON(ctx, link, consistency, &pg)
	return pg, err
}
