package msgraph

import "context"

// Priority orders a run's requests when they compete for the client's
// limiter and connections.
type Priority int8

const (
	// PriorityNormal is the default: requests share the limiter, its pauses
	// after a 429 and the client's concurrency.
	PriorityNormal Priority = iota
	// PriorityHigh is for the long chains of pages that bound a run (a
	// delta round can only be read one page after another): such a request
	// does not queue behind the limiter's rate or behind another request's
	// Retry-After pause, and has connections of its own, so fan-out work
	// in parallel cannot stretch the chain. A chain sends at most a page
	// and its read-ahead at a time, so this cannot flood Graph; its own
	// 429s are still honoured (the request waits its Retry-After and
	// pauses the rest too). The request also carries Microsoft's
	// documented x-ms-throttle-priority: high, which asks Graph to throttle
	// it last.
	PriorityHigh
)

// highConcurrency bounds PriorityHigh requests in flight, beside
// Options.Concurrency: a few chains, each a page and its read-ahead.
const highConcurrency = 8

type priorityKey struct{}

// WithPriority returns a context whose requests have priority p.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

func priorityOf(ctx context.Context) Priority {
	p, _ := ctx.Value(priorityKey{}).(Priority)
	return p
}
