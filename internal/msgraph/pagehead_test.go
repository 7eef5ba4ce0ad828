package msgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPageHead(t *testing.T) {
	for _, name := range []string{"v1.0_groups_delta.json", "v1.0_users_delta_page1_nextLink.json", "v1.0_users_list.json",
		"v1.0_users_delta_changes_with_removed.json"} {
		b := fixture(t, name, "")
		var full page
		if err := json.Unmarshal(b, &full); err != nil {
			t.Fatal(err)
		}
		next, delta, ok := pageHead(b)
		if !ok || next != full.NextLink || delta != full.DeltaLink {
			t.Errorf("%s: head = %q %q %v, whole page %q %q", name, next, delta, ok, full.NextLink, full.DeltaLink)
		}
	}
	for _, c := range []struct {
		body        string
		next, delta string
		ok          bool
	}{
		{`{"@odata.context":"c","@odata.nextLink":"https://h/n?$skiptoken=1","value":[1]}`, "https://h/n?$skiptoken=1", "", true},
		{` { "@odata.deltaLink" : "d" , "value" : [] } `, "", "d", true},
		{`{"@odata.count":12,"@odata.nextLink":"n","value":[]}`, "n", "", true},
		{`{"@odata.count":-1.5e3,"@odata.nextLink":"n"}`, "n", "", true},
		// Links after value are the whole page's business.
		{`{"value":[],"@odata.nextLink":"n"}`, "", "", true},
		{`{}`, "", "", true},
		// Anything else sends the caller to the full parser.
		{`{"@odata.nextLink":"a\u0026b","value":[]}`, "", "", false},
		{`{"@odata.nextLink":"é","value":[]}`, "", "", false},
		{`{"other":1,"@odata.nextLink":"n","value":[]}`, "", "", false},
		{`{"@odata.nextLink":null,"value":[]}`, "", "", false},
		{`{"@odata.nextLink":"n"`, "", "", false},
		{`{"@odata.nextLink":"n" "value":[]}`, "", "", false},
		{`{"@odata.count":1-2,"value":[]}`, "", "", false},
		{`[]`, "", "", false},
		{``, "", "", false},
	} {
		next, delta, ok := pageHead([]byte(c.body))
		if next != c.next || delta != c.delta || ok != c.ok {
			t.Errorf("pageHead(%s) = %q %q %v, want %q %q %v", c.body, next, delta, ok, c.next, c.delta, c.ok)
		}
	}
}

// FuzzPageHead: whatever it is fed, pageHead never panics, and a head it
// accepts names the links the whole page has (unless the page names a link
// twice, which fillPage refuses).
func FuzzPageHead(f *testing.F) {
	for _, name := range []string{"v1.0_groups_delta.json", "v1.0_users_delta_page1_nextLink.json", "v1.0_users_list.json"} {
		f.Add(fixture(f, name, ""))
	}
	f.Add([]byte(`{"@odata.count":3,"@odata.deltaLink":"d","value":[{"id":"x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		next, delta, ok := pageHead(b)
		if !ok {
			return
		}
		var full page
		if json.Unmarshal(b, &full) != nil {
			return
		}
		if bytes.Count(b, []byte(`"@odata.nextLink"`)) <= 1 && next != "" && next != full.NextLink {
			t.Fatalf("head next %q, page %q", next, full.NextLink)
		}
		if bytes.Count(b, []byte(`"@odata.deltaLink"`)) <= 1 && delta != "" && delta != full.DeltaLink {
			t.Fatalf("head delta %q, page %q", delta, full.DeltaLink)
		}
	})
}

// A page read ahead is parsed head first; when its body turns out cut
// short after the head, it is read again whole and nothing is lost or
// repeated.
func TestPrefetchedPageCutAfterItsHeadIsReadAgain(t *testing.T) {
	var base string
	var page2 atomic.Int32
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("$skiptoken") {
		case "":
			writeBody(w, 200, []byte(`{"@odata.nextLink":"`+base+`/v1.0/users?$skiptoken=2","value":[{"id":"u1"}]}`))
		case "2":
			body := `{"@odata.nextLink":"` + base + `/v1.0/users?$skiptoken=3","value":[{"id":"u2"},{"id":"u3"}]}`
			if page2.Add(1) == 1 {
				body = body[:strings.Index(body, `{"id":"u3"`)]
			}
			writeBody(w, 200, []byte(body))
		case "3":
			writeBody(w, 200, []byte(`{"value":[{"id":"u4"}]}`))
		}
	}))
	base = env.srv.URL
	users, err := collect(env.c.Users(context.Background(), ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	if got := strings.Join(ids, ","); got != "u1,u2,u3,u4" {
		t.Fatalf("users %s", got)
	}
	if page2.Load() != 2 {
		t.Fatalf("page 2 read %d times, want 2", page2.Load())
	}
}
