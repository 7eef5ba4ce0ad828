package sync

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
	"github.com/tenantscope/tenantscope/internal/usage"
)

// noCopilot is the real client where the Copilot report is missing, as in
// the national clouds (it is beta and global-only). With status 400 the
// request really goes to graphsim, under v1.0, which answers as Graph does
// for a function it does not know; with another status it fails with that
// status without a request.
type noCopilot struct {
	*msgraph.Client
	status int
}

func (n *noCopilot) ReportWith(ctx context.Context, name, period string, o msgraph.ReportOptions) (io.ReadCloser, error) {
	if name != string(usage.CopilotUsageUserDetail) {
		return n.Client.ReportWith(ctx, name, period, o)
	}
	if n.status == 400 {
		o.Beta = false
		return n.Client.ReportWith(ctx, name, period, o)
	}
	return nil, fmt.Errorf("graph: %w", &msgraph.Error{StatusCode: n.status, Code: "NotFound", Message: "Resource not found.",
		Method: "GET", Path: "/beta/reports/" + name + "(period='D180')"})
}

// copilotLines are the stored Copilot rows among the activity lines.
func copilotLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[1], ServiceCopilot) {
			out = append(out, l)
		}
	}
	return out
}

// The Copilot report reaches the store: one row per holder (undated for
// those who never used it) and one per app used, exactly as the generator
// says, read from /beta with $format=text/csv.
func TestCopilotUsageReachesTheStore(t *testing.T) {
	e := newSimEnv(t, "small", 5, func(p *graphsim.Profile) { p.Users = 600 }, graphsim.Options{})
	o := e.options()
	o.Only = []string{"usageReports"}
	res := e.sync(t, o)
	if st := resourceStatus(res)["usageReports"]; st != store.StatusOK {
		t.Fatalf("usageReports: %s %v", st, res.Warnings())
	}
	if w := res.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
	want := copilotLines(truthActivity(e.tenant))
	if len(want) < 10 || !strings.Contains(strings.Join(want, "\n"), " copilot never ") {
		t.Fatalf("the tenant should have Copilot holders who never used it: %v", want)
	}
	sameLines(t, "Copilot activity", copilotLines(storedActivity(t, e.db, e.conn(t))), want)
	var calls []string
	for _, r := range e.sim.Server.Requests(0) {
		if strings.Contains(r.Path, "Copilot") && !r.Inner {
			calls = append(calls, r.Path)
		}
	}
	if len(calls) != 1 || calls[0] != "/beta/reports/getMicrosoft365CopilotUsageUserDetail(period='D180')?$format=text/csv" {
		t.Errorf("Copilot calls: %v", calls)
	}
}

// Where the API is missing (400 from v1.0-only clouds, 404), the sync goes
// on: the other reports are stored, a warning says why, and Copilot use is
// unknown (no Copilot rows, including those an earlier run stored).
func TestCopilotUsageUnavailableIsAWarning(t *testing.T) {
	for _, status := range []int{400, 404} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			e := newSimEnv(t, "small", 5, func(p *graphsim.Profile) { p.Users = 300 }, graphsim.Options{})
			o := e.options()
			o.Only = []string{"usageReports"}
			e.sync(t, o)
			if len(copilotLines(storedActivity(t, e.db, e.conn(t)))) == 0 {
				t.Fatal("the first run stored no Copilot rows")
			}
			o.Full = true
			res, err := Run(context.Background(), &noCopilot{Client: e.g, status: status}, e.db, o)
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			var usageRes store.ResourceResult
			for _, r := range res.Resources {
				if r.Resource == "usageReports" {
					usageRes = r
				}
			}
			if usageRes.Status != store.StatusOK || !strings.Contains(usageRes.Message, "Copilot usage unknown") {
				t.Fatalf("usageReports: %+v", usageRes)
			}
			w := strings.Join(res.Warnings(), "\n")
			if !strings.Contains(w, "Copilot usage not read") || !strings.Contains(w, "not available here") || !strings.Contains(w, fmt.Sprint(status)) {
				t.Errorf("warning: %s", w)
			}
			stored := storedActivity(t, e.db, e.conn(t))
			if c := copilotLines(stored); len(c) != 0 {
				t.Errorf("Copilot rows kept after the report went missing: %v", c[:min(3, len(c))])
			}
			var rest []string
			for _, l := range truthActivity(e.tenant) {
				if f := strings.Fields(l); !strings.HasPrefix(f[1], ServiceCopilot) {
					rest = append(rest, l)
				}
			}
			sameLines(t, "other activity", stored, rest)
		})
	}
}
