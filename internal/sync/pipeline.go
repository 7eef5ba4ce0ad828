package sync

import (
	"context"
	gosync "sync"
)

// pipeline runs handle on a goroutine of its own so that a paged read can
// fetch page n+1 while page n is converted and queued for the store. At
// most depth pages wait. send returns the first handling error (or the
// context's); finish waits for the queue to drain and returns that error.
func pipeline[T any](ctx context.Context, depth int, handle func(T) error) (send func(T) error, finish func() error) {
	ctx, cancel := context.WithCancelCause(ctx)
	ch := make(chan T, depth)
	var wg gosync.WaitGroup
	var herr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for v := range ch {
			if herr != nil {
				continue // drain after a failure
			}
			if err := handle(v); err != nil {
				herr = err
				cancel(err)
			}
		}
	}()
	send = func(v T) error {
		select {
		case ch <- v:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	finish = func() error {
		close(ch)
		wg.Wait()
		cancel(nil)
		return herr
	}
	return send, finish
}
