package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/tenantscope/tenantscope/internal/msgraph"
)

// fanoutChunk bounds how many per-object requests are built at once.
const fanoutChunk = 2000

// collectEach runs the collection GET url(id) for every id through $batch
// and calls fn per item. Objects deleted meanwhile (404) are skipped; a
// forbidden answer is returned as such so the resource turns off.
func collectEach(ctx context.Context, g Graph, ids []string, url func(id string) string, fn func(id string, item json.RawMessage) error) error {
	for lo := 0; lo < len(ids); lo += fanoutChunk {
		chunk := ids[lo:min(lo+fanoutChunk, len(ids))]
		reqs := make([]msgraph.BatchRequest, len(chunk))
		for i, id := range chunk {
			reqs[i] = msgraph.BatchRequest{ID: id, Method: http.MethodGet, URL: url(id)}
		}
		err := g.CollectBatched(ctx, reqs, fn)
		if err := ignoreNotFound(err); err != nil {
			return err
		}
	}
	return nil
}

// ignoreNotFound drops 404 item errors from a CollectBatched result and
// returns the first remaining one (forbidden first, so permission problems
// are recognised).
func ignoreNotFound(err error) error {
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var rest []error
	for _, e := range errs {
		if msgraph.IsNotFound(e) {
			continue
		}
		if msgraph.IsForbidden(e) || msgraph.IsPremiumRequired(e) {
			return e
		}
		rest = append(rest, e)
	}
	if len(rest) == 0 {
		return nil
	}
	if len(rest) > 1 {
		return fmt.Errorf("%w (and %d more failed requests)", rest[0], len(rest)-1)
	}
	return rest[0]
}

var errNoID = errors.New("item without id")

// directoryRef decodes a member/owner item.
func directoryRef(item json.RawMessage) (id, typ string, err error) {
	var o struct {
		ID        string `json:"id"`
		ODataType string `json:"@odata.type"`
	}
	if err := json.Unmarshal(item, &o); err != nil {
		return "", "", err
	}
	if o.ID == "" {
		return "", "", errNoID
	}
	return o.ID, objectType(o.ODataType), nil
}
