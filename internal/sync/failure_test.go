package sync

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

// failingDevices is the real client except that managed devices fail after
// the first page's worth of items, as a Graph outage past all retries would.
type failingDevices struct {
	*msgraph.Client
}

func (f failingDevices) ManagedDevices(ctx context.Context, o msgraph.ListOptions) iter.Seq2[msgraph.ManagedDevice, error] {
	return func(yield func(msgraph.ManagedDevice, error) bool) {
		n := 0
		for d, err := range f.Client.ManagedDevices(ctx, o) {
			if n == 3 {
				yield(msgraph.ManagedDevice{}, &msgraph.Error{StatusCode: 503, Code: "serviceNotAvailable", Message: "The service is temporarily unavailable.", Method: "GET", Path: "/v1.0/deviceManagement/managedDevices"})
				return
			}
			n++
			if !yield(d, err) {
				return
			}
		}
	}
}

// TestFailedResourceFailsTheRunAndKeepsTheCopy: an error that is not about
// permissions fails the run; the previous generation stays current and the
// run record names the cause.
func TestFailedResourceFailsTheRunAndKeepsTheCopy(t *testing.T) {
	ctx := context.Background()
	e := newSimEnv(t, "small", 9, nil, graphsim.Options{})
	e.sync(t, e.options())
	before := storedUsers(t, e.db, e.conn(t))
	devs, _ := e.db.ManagedDevices(ctx, e.conn(t))
	e.tenant.Churn(0.2, 3)

	o := e.options()
	o.Full = true
	res, err := Run(ctx, failingDevices{e.g}, e.db, o)
	var ge *msgraph.Error
	if err == nil || !errors.As(err, &ge) && !strings.Contains(err.Error(), "serviceNotAvailable") {
		t.Fatalf("run error %v", err)
	}
	if !strings.Contains(err.Error(), "sync managedDevices:") {
		t.Fatalf("error does not name the failed resource: %v", err)
	}
	if resourceStatus(res)["managedDevices"] != store.StatusFailed {
		t.Fatalf("statuses %v", resourceStatus(res))
	}
	c := e.conn(t)
	if c.Generation != 1 {
		t.Fatalf("generation %d after a failed run", c.Generation)
	}
	sameLines(t, "users after failed run", storedUsers(t, e.db, c), before)
	devs2, _ := e.db.ManagedDevices(ctx, c)
	if len(devs2) != len(devs) {
		t.Fatalf("devices %d after failed run, %d before", len(devs2), len(devs))
	}
	runs, _ := e.db.Runs(ctx, c, 1)
	if runs[0].Status != "failed" || !strings.Contains(runs[0].Error, "serviceNotAvailable") {
		t.Fatalf("run record %+v", runs[0])
	}
	// The next run recovers and reflects the churn.
	e.sync(t, e.options())
	assertMatchesTenant(t, e, e.options())
}
