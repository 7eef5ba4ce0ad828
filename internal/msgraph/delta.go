package msgraph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// DeltaPage is one page of a delta round: changed or new objects, and
// objects removed since the previous round. The last page of a round carries
// DeltaLink, the start of the next round.
type DeltaPage[T any] struct {
	Items     []T
	Removed   []Removed
	NextLink  string
	DeltaLink string
}

// Removed is an object a delta page reports as gone. Reason is "changed"
// (soft-deleted, restorable for 30 days) or "deleted" (permanently).
type Removed struct {
	ID     string
	Reason string
}

// UsersDelta runs one delta round over /users: from scratch when link is "",
// otherwise from a stored deltaLink. fn receives each page as it arrives; the
// round's new deltaLink is returned. An expired link gives an error matching
// ErrDeltaExpired. After an expired skip token mid-round the round starts
// over and fn sees its pages again (see deltaRound).
func (c *Client) UsersDelta(ctx context.Context, link string, sel []string, fn func(DeltaPage[User]) error) (deltaLink string, err error) {
	if link == "" {
		link = c.url("v1.0", "/users/delta", ListOptions{Select: sel}.query(0))
	}
	return deltaRound[User](ctx, c, link, fn)
}

// GroupsDelta is UsersDelta for /groups; membership changes arrive in
// Group.MembersDelta when sel includes "members".
func (c *Client) GroupsDelta(ctx context.Context, link string, sel []string, fn func(DeltaPage[Group]) error) (deltaLink string, err error) {
	if link == "" {
		link = c.url("v1.0", "/groups/delta", ListOptions{Select: sel}.query(0))
	}
	return deltaRound[Group](ctx, c, link, fn)
}

// deltaItem is what a delta page item may carry besides the object itself.
var removedMarker = []byte(`"@removed"`)

type deltaItem struct {
	ID      string `json:"id"`
	Removed *struct {
		Reason string `json:"reason"`
	} `json:"@removed"`
}

// deltaRound runs a round from start. If a nextLink's skip token expires
// mid-round (400 Directory_ExpiredPageToken), the round starts over from
// start: fn then sees the round's pages again, possibly with newer
// versions of objects. Applying delta pages is idempotent (objects are
// upserted or removed, membership changes added or dropped), so the result
// is the same as an uninterrupted round.
//
// A round's pages can only be read one after another, so they are read by
// a goroutine of their own, up to deltaAhead pages ahead of fn: each page
// is parsed only to its links before the next is asked for, and decoding
// and fn's handling never delay the next request.
func deltaRound[T any, P model[T]](ctx context.Context, c *Client, start string, fn func(DeltaPage[T]) error) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	type fetched struct {
		pg   page
		link string
		n    int
		err  error
	}
	pages := make(chan fetched, deltaAhead)
	done := make(chan struct{})
	defer func() {
		cancel()
		<-done // the reader ends with the round
	}()
	go func() {
		defer close(done)
		defer close(pages)
		put := func(f fetched) bool {
			select {
			case pages <- f:
				return true
			case <-ctx.Done():
				return false
			}
		}
		link, restarts := start, 0
		for n := 1; ; n++ {
			if err := c.checkLink(link); err != nil {
				put(fetched{err: fmt.Errorf("delta page %d: %w", n, err)})
				return
			}
			pg, err := c.getPageHeadFirst(ctx, link, false)
			if err != nil {
				if n > 1 && restarts < maxRestarts && errors.Is(err, ErrPageTokenExpired) {
					restarts++
					c.log.LogAttrs(ctx, slog.LevelInfo, c.service+" delta skip token expired, starting the round again",
						slog.String("path", pathOf(start)), slog.Int("page", n), slog.Int("restart", restarts))
					link, n = start, 0
					continue
				}
				put(fetched{err: fmt.Errorf("delta page %d: %w", n, err)})
				return
			}
			if !put(fetched{pg: pg, link: link, n: n}) {
				return
			}
			switch {
			case pg.DeltaLink != "":
				return
			case pg.NextLink != "":
				link = pg.NextLink
			default:
				return // the consumer reports the page without links
			}
		}
	}()
	for f := range pages {
		if f.err != nil {
			return "", f.err
		}
		if err := c.fillPage(ctx, &f.pg, f.link, false); err != nil {
			return "", fmt.Errorf("delta page %d: %w", f.n, err)
		}
		dp, err := decodeDeltaPage[T, P](&f.pg)
		if err != nil {
			return "", fmt.Errorf("delta page %d: %w", f.n, err)
		}
		if err := fn(dp); err != nil {
			return "", err
		}
		switch {
		case f.pg.DeltaLink != "":
			return f.pg.DeltaLink, nil
		case f.pg.NextLink == "":
			return "", fmt.Errorf("delta page %d: %w", f.n, errors.New("graph: page has neither @odata.nextLink nor @odata.deltaLink"))
		}
		// The reader has gone on to the next link already.
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return "", errors.New("graph: delta round ended without a deltaLink")
}

// deltaAhead is how many pages of a delta round are read ahead of their
// handling.
const deltaAhead = 4

func decodeDeltaPage[T any, P model[T]](pg *page) (DeltaPage[T], error) {
	dp := DeltaPage[T]{NextLink: pg.NextLink, DeltaLink: pg.DeltaLink}
	for i, raw := range pg.Value {
		// Only an item that mentions "@removed" can be a removal: the
		// others are decoded once, as T.
		if bytes.Contains(raw, removedMarker) {
			var di deltaItem
			if err := unmarshal(raw, &di); err != nil {
				return dp, fmt.Errorf("item %d: %w", i, err)
			}
			if di.Removed != nil {
				dp.Removed = append(dp.Removed, Removed{ID: di.ID, Reason: di.Removed.Reason})
				continue
			}
		}
		v, err := decodeItem[T, P](raw)
		if err != nil {
			return dp, fmt.Errorf("item %d: %w", i, err)
		}
		dp.Items = append(dp.Items, v)
	}
	return dp, nil
}
