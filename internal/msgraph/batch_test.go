package msgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type batchReqBody struct {
	Requests []BatchRequest `json:"requests"`
}

// batchServer answers $batch posts with answer(id, attemptForThatID).
type batchServer struct {
	mu     sync.Mutex
	posts  [][]string // ids per post
	seen   map[string]int
	answer func(req BatchRequest, n int) map[string]any
}

func (s *batchServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1.0/$batch" || r.Header.Get("Content-Type") != "application/json" {
		writeBody(w, 400, []byte(`{"error":{"code":"BadRequest","message":"`+r.Method+" "+r.URL.Path+`"}}`))
		return
	}
	var body batchReqBody
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &body); err != nil || len(body.Requests) > 20 {
		writeBody(w, 400, []byte(`{"error":{"code":"BadRequest","message":"bad batch"}}`))
		return
	}
	s.mu.Lock()
	var ids []string
	var resps []map[string]any
	for _, req := range body.Requests {
		ids = append(ids, req.ID)
		s.seen[req.ID]++
		resp := s.answer(req, s.seen[req.ID])
		resp["id"] = req.ID
		resps = append(resps, resp)
	}
	s.posts = append(s.posts, ids)
	s.mu.Unlock()
	// Graph may answer in any order.
	for i, j := 0, len(resps)-1; i < j; i, j = i+1, j-1 {
		resps[i], resps[j] = resps[j], resps[i]
	}
	out, _ := json.Marshal(map[string]any{"responses": resps})
	writeBody(w, 200, out)
}

func okBody(v string) map[string]any {
	return map[string]any{"status": 200, "headers": map[string]string{"Content-Type": "application/json"}, "body": json.RawMessage(v)}
}

func TestBatchResponseFixture(t *testing.T) {
	fx := fixture(t, "batch_response.json", "")
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeBody(w, 200, fx) }))
	reqs := []BatchRequest{
		{ID: "1", Method: "GET", URL: "/me/memberOf?$top=1"},
		{ID: "2", Method: "GET", URL: "/me/planner/tasks"},
		{ID: "3", Method: "GET", URL: "/groups/{id}/events"},
		{ID: "4", Method: "POST", URL: "/me", Body: map[string]string{"x": "y"}},
		{ID: "5", Method: "GET", URL: "/users?$select=id,displayName,userPrincipalName&$filter=city eq null&$count=true", Headers: map[string]string{"ConsistencyLevel": "eventual"}},
	}
	resps, err := env.c.Batch(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range resps {
		got = append(got, fmt.Sprintf("%s:%d", r.ID, r.Status))
	}
	if fmt.Sprint(got) != "[1:200 2:403 3:403 4:405 5:200]" {
		t.Fatalf("responses = %v", got)
	}
	if resps[0].Headers["x-ms-resource-unit"] != "1" {
		t.Fatalf("headers = %v", resps[0].Headers)
	}
	err3 := resps[2].Err(reqs[2])
	var ge *Error
	if !errors.As(err3, &ge) || !IsForbidden(err3) || ge.Code != "Authorization_RequestDenied" ||
		ge.RequestID != "93b6f17e-c05d-4f45-ad2a-6665c708d8a0" || ge.Path != "/groups/%7Bid%7D/events" {
		t.Fatalf("inner error = %#v", ge)
	}
	var pg page
	if err := json.Unmarshal(resps[4].Body, &pg); err != nil || *pg.Count != 36 || len(pg.Value) != 1 {
		t.Fatalf("inner body = %s", resps[4].Body)
	}
	if resps[0].Err(reqs[0]) != nil {
		t.Fatal("200 reported as an error")
	}
	if st := env.c.Stats(); st.Requests != 1 || st.BatchInnerRequests != 5 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestBatchSendsContentTypeForBodies(t *testing.T) {
	var got batchReqBody
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &got)
		writeBody(w, 200, []byte(`{"responses":[{"id":"a","status":204},{"id":"b","status":200,"body":{"value":[]}}]}`))
	}))
	_, err := env.c.Batch(context.Background(), []BatchRequest{
		{ID: "a", Method: "PATCH", URL: "/users/u1", Body: map[string]bool{"accountEnabled": false}},
		{ID: "b", Method: "GET", URL: "/users/u1/memberOf"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests[0].Headers["Content-Type"] != "application/json" || got.Requests[1].Headers != nil {
		t.Fatalf("sent = %+v", got.Requests)
	}
}

func TestBatchInner429RetriesOnlyThrottled(t *testing.T) {
	srv := &batchServer{seen: map[string]int{}, answer: func(req BatchRequest, n int) map[string]any {
		if req.ID == "2" && n == 1 {
			return map[string]any{"status": 429, "headers": map[string]string{"Retry-After": "1.5"},
				"body": json.RawMessage(`{"error":{"code":"TooManyRequests","message":"Please retry again later."}}`)}
		}
		if req.ID == "3" && n <= 2 {
			return map[string]any{"status": 503, "body": json.RawMessage(`{"error":{"code":"serviceNotAvailable","message":"x"}}`)}
		}
		return okBody(`{"value":[{"id":"` + req.ID + `"}]}`)
	}}
	env := newEnv(t, srv)
	resps, err := env.c.Batch(context.Background(), []BatchRequest{
		{ID: "1", Method: "GET", URL: "/a"}, {ID: "2", Method: "GET", URL: "/b"}, {ID: "3", Method: "GET", URL: "/c"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resps {
		if r.ID != fmt.Sprint(i+1) || r.Status != 200 {
			t.Fatalf("response %d = %+v", i, r)
		}
	}
	if fmt.Sprint(srv.posts) != "[[1 2 3] [2 3] [3]]" {
		t.Fatalf("posts = %v", srv.posts)
	}
	sleeps := env.clk.Sleeps()
	// First wait: the 429's Retry-After (1.5 s) exactly, as a limiter pause.
	if len(sleeps) != 2 || sleeps[0] != 1500*time.Millisecond || sleeps[1] < 250*time.Millisecond || sleeps[1] >= time.Second {
		t.Fatalf("sleeps = %v", sleeps)
	}
	if st := env.c.Stats(); st != (Stats{Requests: 3, BatchInnerRequests: 6, Throttled: 1, Retries: 3}) {
		t.Fatalf("stats = %+v", st)
	}
}

func TestBatchGivesUpAfterMaxRetries(t *testing.T) {
	srv := &batchServer{seen: map[string]int{}, answer: func(req BatchRequest, n int) map[string]any {
		return map[string]any{"status": 429, "headers": map[string]string{"Retry-After": "1"}, "body": json.RawMessage(`{"error":{"code":"TooManyRequests","message":"m"}}`)}
	}}
	env := newEnv(t, srv)
	resps, err := env.c.Batch(context.Background(), []BatchRequest{{ID: "x", Method: "GET", URL: "/a"}})
	if err != nil {
		t.Fatal(err)
	}
	if resps[0].Status != 429 || !IsThrottled(resps[0].Err(BatchRequest{Method: "GET", URL: "/a"})) {
		t.Fatalf("final = %+v", resps[0])
	}
	if len(srv.posts) != 5 { // MaxRetries 4
		t.Fatalf("posts = %v", srv.posts)
	}
	if st := env.c.Stats(); st.Throttled != 5 || st.BatchInnerRequests != 5 || st.Retries != 4 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestBatchSplitsIntoTwenties(t *testing.T) {
	srv := &batchServer{seen: map[string]int{}, answer: func(req BatchRequest, n int) map[string]any {
		return okBody(`{"value":[]}`)
	}}
	env := newEnv(t, srv)
	var reqs []BatchRequest
	for i := range 45 {
		reqs = append(reqs, BatchRequest{ID: fmt.Sprint(i), Method: "GET", URL: fmt.Sprintf("/groups/g%d/members", i)})
	}
	resps, err := env.c.Batch(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resps {
		if r.ID != fmt.Sprint(i) {
			t.Fatalf("response %d has id %s", i, r.ID)
		}
	}
	var sizes []int
	for _, p := range srv.posts {
		sizes = append(sizes, len(p))
	}
	sort.Ints(sizes)
	if fmt.Sprint(sizes) != "[5 20 20]" {
		t.Fatalf("batch sizes = %v", sizes)
	}
}

func TestBatchRejectsDuplicateIDs(t *testing.T) {
	env := newEnv(t, http.NotFoundHandler())
	_, err := env.c.Batch(context.Background(), []BatchRequest{{ID: "a"}, {ID: "a"}})
	if err == nil || !strings.Contains(err.Error(), `id "a" is empty or repeated`) {
		t.Fatalf("err = %v", err)
	}
}

func TestCollectBatchedFollowsNextLinks(t *testing.T) {
	var base string
	srv := &batchServer{seen: map[string]int{}}
	srv.answer = func(req BatchRequest, n int) map[string]any {
		switch req.URL {
		case "/groups/g1/members?$select=id&$top=999":
			return okBody(`{"value":[{"id":"u1"},{"id":"u2"}],"@odata.nextLink":"` + base + `/v1.0/groups/g1/members?$select=id&$top=999&$skiptoken=P2"}`)
		case "/groups/g1/members?$select=id&$top=999&$skiptoken=P2":
			return okBody(`{"value":[{"id":"u3"}]}`)
		case "/groups/g2/members?$select=id&$top=999":
			return okBody(`{"value":[{"id":"u4"}]}`)
		case "/groups/gone/members?$select=id&$top=999":
			return map[string]any{"status": 404, "body": json.RawMessage(`{"error":{"code":"Request_ResourceNotFound","message":"Resource 'gone' does not exist or one of its queried reference-property objects are not present."}}`)}
		}
		return map[string]any{"status": 400, "body": json.RawMessage(`{"error":{"code":"Request_BadRequest","message":"unexpected ` + req.URL + `"}}`)}
	}
	env := newEnv(t, srv)
	base = env.srv.URL
	var got []string
	err := env.c.CollectBatched(context.Background(), []BatchRequest{
		{ID: "g1", Method: "GET", URL: GroupMembersURL("g1", []string{"id"})},
		{ID: "gone", Method: "GET", URL: GroupMembersURL("gone", []string{"id"})},
		{ID: "g2", Method: "GET", URL: GroupMembersURL("g2", []string{"id"})},
	}, func(id string, item json.RawMessage) error {
		var o DirectoryObject
		json.Unmarshal(item, &o)
		got = append(got, id+":"+o.ID)
		return nil
	})
	if fmt.Sprint(got) != "[g1:u1 g1:u2 g2:u4 g1:u3]" {
		t.Fatalf("items = %v", got)
	}
	var be *BatchItemError
	if !errors.As(err, &be) || be.ID != "gone" || !IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
	if fmt.Sprint(srv.posts) != "[[g1 gone g2] [g1]]" {
		t.Fatalf("posts = %v", srv.posts)
	}
}

func TestRelativeLink(t *testing.T) {
	env := newEnv(t, http.NotFoundHandler())
	b := env.srv.URL
	for link, want := range map[string]string{
		b + "/v1.0/groups/g1/members?$skiptoken=X%3D": "/groups/g1/members?$skiptoken=X%3D",
		b + "/v1.0/users":                  "/users",
		b + "/beta/users?$skiptoken=1":     "",
		"https://other.example/v1.0/users": "",
	} {
		got, ok := env.c.relativeLink(link)
		if got != want || ok != (want != "") {
			t.Errorf("relativeLink(%s) = %q, %v; want %q", link, got, ok, want)
		}
	}
}

func TestCollectBatchedManyWithLongCollection(t *testing.T) {
	var base string
	srv := &batchServer{seen: map[string]int{}}
	srv.answer = func(req BatchRequest, n int) map[string]any {
		var id string
		var pageNo int
		fmt.Sscanf(strings.ReplaceAll(strings.TrimPrefix(req.URL, "/groups/"), "/members?$select=id&$top=999", " "), "%s", &id)
		if i := strings.Index(req.URL, "$skiptoken="); i >= 0 {
			fmt.Sscanf(req.URL[i+len("$skiptoken="):], "%d", &pageNo)
		}
		if id != "big" {
			return okBody(`{"value":[{"id":"` + id + `-m"}]}`)
		}
		next := ""
		if pageNo < 4 {
			next = fmt.Sprintf(`,"@odata.nextLink":"%s/v1.0/groups/big/members?$select=id&$top=999&$skiptoken=%d"`, base, pageNo+1)
		}
		return okBody(fmt.Sprintf(`{"value":[{"id":"big-%d"}]%s}`, pageNo, next))
	}
	env := newEnv(t, srv)
	base = env.srv.URL
	var reqs []BatchRequest
	reqs = append(reqs, BatchRequest{ID: "big", Method: "GET", URL: GroupMembersURL("big", []string{"id"})})
	for i := range 99 {
		id := fmt.Sprintf("g%02d", i)
		reqs = append(reqs, BatchRequest{ID: id, Method: "GET", URL: GroupMembersURL(id, []string{"id"})})
	}
	var inFn atomic.Int32
	got := map[string][]string{}
	err := env.c.CollectBatched(context.Background(), reqs, func(id string, item json.RawMessage) error {
		if inFn.Add(1) != 1 {
			t.Error("fn called concurrently")
		}
		defer inFn.Add(-1)
		var o DirectoryObject
		json.Unmarshal(item, &o)
		got[id] = append(got[id], o.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 || fmt.Sprint(got["big"]) != "[big-0 big-1 big-2 big-3 big-4]" || fmt.Sprint(got["g42"]) != "[g42-m]" {
		t.Fatalf("got %d collections, big = %v", len(got), got["big"])
	}
	// Five full batches; big's four continuations ride along or alone.
	if n := len(srv.posts); n < 5 || n > 9 {
		t.Fatalf("%d batches: %v", n, srv.posts)
	}
}

func TestCollectBatchedStopsOnCallbackError(t *testing.T) {
	srv := &batchServer{seen: map[string]int{}, answer: func(req BatchRequest, n int) map[string]any {
		return okBody(`{"value":[{"id":"x"}]}`)
	}}
	env := newEnv(t, srv, func(o *Options) { o.Concurrency = 1 })
	var reqs []BatchRequest
	for i := range 100 {
		reqs = append(reqs, BatchRequest{ID: fmt.Sprint(i), Method: "GET", URL: "/groups/x/members"})
	}
	stop := errors.New("disk full")
	calls := 0
	err := env.c.CollectBatched(context.Background(), reqs, func(string, json.RawMessage) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(srv.posts) != 1 {
		t.Fatalf("err = %v, posts = %d", err, len(srv.posts))
	}
}
