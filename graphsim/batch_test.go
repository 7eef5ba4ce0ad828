package graphsim

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

type batchReply struct {
	Responses []struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

func (f *simFixture) batch(payload string) (int, []byte) {
	f.t.Helper()
	code, _, body := f.do("POST", "/v1.0/$batch", payload)
	return code, body
}

func TestBatchServesInnerRequests(t *testing.T) {
	f := smallFixture(t)
	uid := cloudUser(f, nil)
	payload := `{"requests":[
		{"id":"1","method":"GET","url":"/users/` + uid + `?$select=id,displayName"},
		{"id":"2","method":"GET","url":"users?$top=2&$select=id,displayName,userPrincipalName"},
		{"id":"3","method":"GET","url":"/users/00000000-0000-0000-0000-000000000009"},
		{"id":"4","method":"GET","url":"/users?$select=id","dependsOn":["3"]},
		{"id":"5","method":"GET","url":"/users/$count","headers":{"ConsistencyLevel":"eventual"}},
		{"id":"6","method":"GET","url":"/groups?$top=1","dependsOn":["1"]},
		{"id":"7","method":"PATCH","url":"/users/` + uid + `","headers":{"Content-Type":"application/json"},"body":{"jobTitle":"Planner"}}
	]}`
	code, body := f.batch(payload)
	if code != 200 {
		t.Fatalf("batch: %d %s", code, body)
	}
	var r batchReply
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"1": 200, "2": 200, "3": 404, "4": 424, "5": 200, "6": 200, "7": 204}
	if len(r.Responses) != len(want) {
		t.Fatalf("%d responses", len(r.Responses))
	}
	for _, resp := range r.Responses {
		if resp.Status != want[resp.ID] {
			t.Errorf("request %s: status %d, want %d: %s", resp.ID, resp.Status, want[resp.ID], resp.Body)
		}
		switch resp.ID {
		case "1":
			var u map[string]any
			_ = json.Unmarshal(resp.Body, &u)
			if u["id"] != uid {
				t.Errorf("request 1 body %s", resp.Body)
			}
		case "2":
			var pg graphPage
			_ = json.Unmarshal(resp.Body, &pg)
			if len(pg.Value) != 2 || !strings.HasPrefix(pg.NextLink, f.run.URL+"/v1.0/users?") {
				t.Errorf("request 2: %d users, nextLink %q", len(pg.Value), pg.NextLink)
			}
			if !strings.HasPrefix(resp.Headers["Content-Type"], "application/json") {
				t.Errorf("request 2 headers %v", resp.Headers)
			}
		case "5":
			if string(resp.Body) != fmt.Sprintf("%q", itoa(len(f.tenant.Users))) {
				t.Errorf("request 5 body %s", resp.Body)
			}
		}
	}
	var job string
	f.tenant.Snapshot(func(t *Tenant) { job = t.userByID[uid].JobTitle })
	if job != "Planner" {
		t.Errorf("PATCH in batch did not apply: jobTitle %q", job)
	}
	// The docs example mixes response kinds, so compare like with like: the
	// envelope, a 200 collection (example "5") and an error (example "3").
	var ex struct {
		Responses []json.RawMessage `json:"responses"`
	}
	if err := json.Unmarshal(readExample(t, "batch_response.json"), &ex); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Responses []json.RawMessage `json:"responses"`
	}
	_ = json.Unmarshal(body, &got)
	byID := map[string]json.RawMessage{}
	for _, raw := range got.Responses {
		var head struct{ ID string }
		_ = json.Unmarshal(raw, &head)
		byID[head.ID] = raw
	}
	assertSameShape(t, ex.Responses[4], byID["2"], "@odata.count")
	// Cache-Control on error replies is the platform's (errors.go) to send.
	assertSameShape(t, ex.Responses[2], byID["3"], "Cache-Control")
}

func TestBatchRejectsMalformed(t *testing.T) {
	f := smallFixture(t)
	var reqs []string
	for i := 1; i <= 21; i++ {
		reqs = append(reqs, fmt.Sprintf(`{"id":"%d","method":"GET","url":"/users?$top=1"}`, i))
	}
	cases := []struct{ payload, message string }{
		{`{"requests":[` + strings.Join(reqs, ",") + `]}`, "Number of requests inside batch exceeds the limit."},
		{`{"requests":[{"id":"1","method":"GET","url":"/users"},{"id":"1","method":"GET","url":"/groups"}]}`, "Request Id '1' is duplicated in the batch request."},
		{`{"requests":[{"id":"1","method":"GET","url":"/users","dependsOn":["2"]},{"id":"2","method":"GET","url":"/groups"}]}`, "Request '1' depends on request '2', which must precede it in the batch."},
		{`{"requests":[{"id":"1","method":"POST","url":"/users/x/revokeSignInSessions","body":{}}]}`, "Content-Type header must be specified for request '1' because it has a body."},
		{`{"requests":[{"id":"1","method":"GET","url":"https://graph.microsoft.com/v1.0/users"}]}`, "Url for request '1' must be relative."},
		{`not json`, "Invalid batch payload format."},
	}
	for _, c := range cases {
		code, body := f.batch(c.payload)
		wantGraphError(t, code, body, 400, "BadRequest", c.message)
	}
	// Exactly 20 is fine.
	code, body := f.batch(`{"requests":[` + strings.Join(reqs[:20], ",") + `]}`)
	if code != 200 {
		t.Errorf("20 requests: %d %s", code, body)
	}
}

func TestBatchInnerThrottling(t *testing.T) {
	p, _ := ProfileByName("small", 7)
	// A frozen clock: the resource-unit bucket never refills.
	frozen := func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) }
	f := newSimFixture(t, p, Options{Throttle: true, Clock: frozen}, nil)
	var gid string
	f.tenant.Snapshot(func(t *Tenant) { gid = t.Groups[0].ID })
	var reqs []string
	for i := 1; i <= 20; i++ {
		// transitiveMembers costs 5 resource units (graph-facts §3).
		reqs = append(reqs, fmt.Sprintf(`{"id":"%d","method":"GET","url":"/groups/%s/transitiveMembers?$select=id"}`, i, gid))
	}
	payload := `{"requests":[` + strings.Join(reqs, ",") + `]}`
	for round := 0; round < 500; round++ {
		code, body := f.batch(payload)
		if code == 429 {
			t.Fatalf("the batch itself was throttled before any inner request: %s", body)
		}
		var r batchReply
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("%d %s", code, body)
		}
		for _, resp := range r.Responses {
			if resp.Status != 429 {
				continue
			}
			if resp.Headers["Retry-After"] == "" {
				t.Errorf("inner 429 without Retry-After: %v", resp.Headers)
			}
			wantGraphError(t, resp.Status, resp.Body, 429, "TooManyRequests", "Please retry again later.")
			return
		}
	}
	t.Error("no inner request was throttled")
}
