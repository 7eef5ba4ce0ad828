package msgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

const expiredPageToken = `{"error":{"code":"Directory_ExpiredPageToken","message":"The specified page token value has expired and can no longer be included in your request."}}`

func TestListRestartsAfterExpiredSkipToken(t *testing.T) {
	var page2 atomic.Int32
	var base string
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("$skiptoken") {
		case "":
			writeBody(w, 200, []byte(`{"value":[{"id":"a"},{"id":"b"}],"@odata.nextLink":"`+base+`/v1.0/users?$top=999&$skiptoken=2"}`))
		case "2":
			if page2.Add(1) == 1 {
				writeBody(w, 400, []byte(expiredPageToken))
				return
			}
			// Meanwhile "c" was created ahead of the old position.
			writeBody(w, 200, []byte(`{"value":[{"id":"c"},{"id":"d"}]}`))
		}
	}))
	base = env.srv.URL
	var ids []string
	for u, err := range env.c.Users(context.Background(), ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if fmt.Sprint(ids) != "[a b c d]" {
		t.Fatalf("ids = %v", ids)
	}
	if env.c.Stats().Requests != 4 {
		t.Fatalf("stats = %+v", env.c.Stats())
	}
}

func TestListGivesUpOnRepeatedExpiry(t *testing.T) {
	var base string
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("$skiptoken") == "" {
			writeBody(w, 200, []byte(`{"value":[{"id":"a"}],"@odata.nextLink":"`+base+`/v1.0/users?$skiptoken=2"}`))
			return
		}
		writeBody(w, 400, []byte(expiredPageToken))
	}))
	base = env.srv.URL
	_, err := collect(env.c.Users(context.Background(), ListOptions{}))
	if !errors.Is(err, ErrPageTokenExpired) {
		t.Fatalf("err = %v", err)
	}
	// First page and expiry, then three restarts of both.
	if env.c.Stats().Requests != 8 {
		t.Fatalf("stats = %+v", env.c.Stats())
	}
}

func TestCollectBatchedRestartsExpiredContinuation(t *testing.T) {
	var base string
	srv := &batchServer{seen: map[string]int{}}
	cont := 0
	srv.answer = func(req BatchRequest, n int) map[string]any {
		switch req.URL {
		case "/groups/g1/members?$select=id&$top=999":
			return okBody(`{"value":[{"id":"u1"},{"id":"u2"}],"@odata.nextLink":"` + base + `/v1.0/groups/g1/members?$select=id&$top=999&$skiptoken=P2"}`)
		case "/groups/g1/members?$select=id&$top=999&$skiptoken=P2":
			cont++
			if cont == 1 {
				return map[string]any{"status": 400, "body": json.RawMessage(expiredPageToken)}
			}
			return okBody(`{"value":[{"id":"u3"}]}`)
		}
		return map[string]any{"status": 404, "body": json.RawMessage(`{"error":{"code":"Request_ResourceNotFound","message":"x"}}`)}
	}
	env := newEnv(t, srv)
	base = env.srv.URL
	var got []string
	err := env.c.CollectBatched(context.Background(), []BatchRequest{{ID: "g1", Method: "GET", URL: GroupMembersURL("g1", []string{"id"})}},
		func(id string, item json.RawMessage) error {
			var o DirectoryObject
			json.Unmarshal(item, &o)
			got = append(got, o.ID)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[u1 u2 u3]" {
		t.Fatalf("items = %v", got)
	}
	if fmt.Sprint(srv.posts) != "[[g1] [g1] [g1] [g1]]" {
		t.Fatalf("posts = %v", srv.posts)
	}
}

func TestDeltaRoundRestartsAfterExpiredSkipToken(t *testing.T) {
	var calls atomic.Int32
	var base string
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch {
		case r.URL.Query().Get("$deltatoken") == "D1":
			writeBody(w, 200, []byte(`{"value":[{"id":"a","displayName":"A`+fmt.Sprint(n)+`"}],"@odata.nextLink":"`+base+`/v1.0/users/delta?$skiptoken=S"}`))
		case r.URL.Query().Get("$skiptoken") == "S" && n == 2:
			writeBody(w, 400, []byte(expiredPageToken))
		case r.URL.Query().Get("$skiptoken") == "S":
			writeBody(w, 200, []byte(`{"value":[{"id":"b","@removed":{"reason":"deleted"}}],"@odata.deltaLink":"`+base+`/v1.0/users/delta?$deltatoken=D2"}`))
		}
	}))
	base = env.srv.URL
	var seen []string
	link, err := env.c.UsersDelta(context.Background(), base+"/v1.0/users/delta?$deltatoken=D1", nil, func(p DeltaPage[User]) error {
		for _, u := range p.Items {
			seen = append(seen, u.ID+"="+u.DisplayName)
		}
		for _, r := range p.Removed {
			seen = append(seen, "-"+r.ID)
		}
		return nil
	})
	if err != nil || link != base+"/v1.0/users/delta?$deltatoken=D2" {
		t.Fatalf("link = %s, err = %v", link, err)
	}
	// The round's first page comes again (newer), then the rest.
	if fmt.Sprint(seen) != "[a=A1 a=A3 -b]" {
		t.Fatalf("pages = %v", seen)
	}
}
