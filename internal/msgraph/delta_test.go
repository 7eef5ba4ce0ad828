package msgraph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"
)

func TestUsersDeltaRounds(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	base := env.srv.URL
	rec.bodies["/v1.0/users/delta?$select=displayName,givenName,surname"] = fixture(t, "v1.0_users_delta_page1_nextLink.json", base)
	rec.bodies["/v1.0/users/delta?$skiptoken=oEBwdSP6uehIAxQOWq_3Ksh_TLol6KIm3stvdc6hGhZRi1hQ7Spe__dpvm3U4zReE4CYXC2zOtaKdi7KHlUtC2CbRiBIUwOxPKLa"] =
		fixture(t, "v1.0_users_delta_lastpage_deltaLink.json", base)
	const secondToken = "oEcOySpF_hWYmTIUZBOIfPzcwisr_rPe8o9M54L45qEXQGmvQC6T2dbL-9O7nSU-njKhFiGlAZqewNAThmCVnNxqPu5gOBegrm1CaVZ-ZtFZ2tPOAO98OD9y0ao460"
	rec.bodies["/v1.0/users/delta?$deltatoken="+secondToken] = fixture(t, "v1.0_users_delta_changes_with_removed.json", base)

	var pages []DeltaPage[User]
	link, err := env.c.UsersDelta(context.Background(), "", []string{"displayName", "givenName", "surname"}, func(p DeltaPage[User]) error {
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if link != base+"/v1.0/users/delta?$deltatoken="+secondToken {
		t.Fatalf("deltaLink = %s", link)
	}
	if len(pages) != 2 || len(pages[0].Items) != 2 || len(pages[1].Items) != 2 || pages[0].NextLink == "" || pages[1].DeltaLink != link {
		t.Fatalf("pages = %+v", pages)
	}
	var names []string
	for _, p := range pages {
		for _, u := range p.Items {
			names = append(names, u.ID+"="+u.DisplayName+"/"+u.GivenName)
		}
	}
	want := "[ffff7b1a-13b6-477b-8c0c-380905cd99f7=Testuser1/John 605d1257-ffff-40b6-8e6f-528a53f5dc55=Testuser2/Jane 25dcffff-959e-4ece-9973-e5d9b800e8cc=Testuser5/Al f6ede700-27d0-4c42-bfb9-4dffff43c74a=Testuser6/Sam]"
	if fmt.Sprint(names) != want {
		t.Fatalf("users = %v", names)
	}

	// Next round from the stored deltaLink: one change, one removal.
	var round2 []DeltaPage[User]
	link2, err := env.c.UsersDelta(context.Background(), link, nil, func(p DeltaPage[User]) error {
		round2 = append(round2, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link2, base+"/v1.0/users/delta?$deltatoken=MF1LuFYbK6Lw4DtZ4o9PDrcGekRP65WEJfDmM0H26l4v9zILCPFiPwSAAeRBghxgiwsXEfywcVQ9R8VEWuYAB50Yw3KvJ") {
		t.Fatalf("second deltaLink = %s", link2)
	}
	if len(round2) != 1 || len(round2[0].Items) != 1 || round2[0].Items[0].ID != "25dcffff-959e-4ece-9973-e5d9b800e8cc" ||
		round2[0].Items[0].GivenName != "Joe" {
		t.Fatalf("round 2 = %+v", round2)
	}
	if !reflect.DeepEqual(round2[0].Removed, []Removed{{ID: "8ffff70c-1c63-4860-b963-e34ec660931d", Reason: "changed"}}) {
		t.Fatalf("removed = %+v", round2[0].Removed)
	}
}

func TestGroupsDeltaMembers(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	base := env.srv.URL
	rec.bodies["/v1.0/groups/delta?$select=displayName,members"] = fixture(t, "v1.0_groups_delta.json", base)
	rec.bodies["/v1.0/groups/delta?$skiptoken=pqwSUjGYvb3jQpbwVAwEL7yuI3dU1LecfkkfLPtnIjvY1FSSc_"] = []byte(`{
	  "@odata.deltaLink":"` + base + `/v1.0/groups/delta?$deltatoken=G2",
	  "value":[
	    {"id":"g2","displayName":"Two","members@delta":[
	      {"@odata.type":"#microsoft.graph.user","id":"u9","@removed":{"reason":"deleted"}},
	      {"@odata.type":"#microsoft.graph.group","id":"g7"}]},
	    {"id":"g3","@removed":{"reason":"deleted"}}]}`)
	var got []DeltaPage[Group]
	link, err := env.c.GroupsDelta(context.Background(), "", []string{"displayName", "members"}, func(p DeltaPage[Group]) error {
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if link != base+"/v1.0/groups/delta?$deltatoken=G2" || len(got) != 2 {
		t.Fatalf("link = %s, pages = %d", link, len(got))
	}
	g := got[0].Items[0]
	if g.DisplayName != "TestGroup1" || g.Description != "Test group 1" || g.Mail != "mail-value" ||
		!reflect.DeepEqual(g.GroupTypes, []string{"groupTypes-value"}) || g.CreatedDateTime == nil {
		t.Fatalf("group = %+v", g)
	}
	wantMembers := []MemberDelta{
		{ID: "693acd06-2877-4339-8ade-b704261fe7a0", ODataType: "#microsoft.graph.user"},
		{ID: "49320844-be99-4164-8167-87ff5d047ace", ODataType: "#microsoft.graph.user"},
	}
	if !reflect.DeepEqual(g.MembersDelta, wantMembers) {
		t.Fatalf("members@delta = %+v", g.MembersDelta)
	}
	g2 := got[1].Items[0]
	if !reflect.DeepEqual(g2.MembersDelta, []MemberDelta{{ID: "u9", ODataType: "#microsoft.graph.user", Removed: true}, {ID: "g7", ODataType: "#microsoft.graph.group"}}) {
		t.Fatalf("g2 members@delta = %+v", g2.MembersDelta)
	}
	if !reflect.DeepEqual(got[1].Removed, []Removed{{ID: "g3", Reason: "deleted"}}) || len(got[1].Items) != 1 {
		t.Fatalf("page 2 = %+v", got[1])
	}
}

func TestDeltaExpired(t *testing.T) {
	cases := []struct {
		status int
		body   string
	}{
		// Microsoft 365 Developer Blog, 2020-07-03: identity resources.
		{400, `{"error":{"code":"syncStateNotFound","message":"The sync state generation is not found. The delta token is expired and data must be synchronized again."}}`},
		{410, `{"error":{"code":"resyncRequired","message":"Resync required."}}`},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeBody(w, tc.status, []byte(tc.body))
			}))
			_, err := env.c.UsersDelta(context.Background(), env.srv.URL+"/v1.0/users/delta?$deltatoken=old", nil,
				func(DeltaPage[User]) error { t.Fatal("no page expected"); return nil })
			if !errors.Is(err, ErrDeltaExpired) {
				t.Fatalf("err = %v", err)
			}
			if env.c.Stats().Requests != 1 {
				t.Fatalf("stats = %+v", env.c.Stats())
			}
		})
	}
	if errors.Is(&Error{StatusCode: 400, Code: "Request_BadRequest"}, ErrDeltaExpired) {
		t.Fatal("plain 400 taken for an expired token")
	}
}

func TestDeltaCallbackErrorStops(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	rec.bodies["/v1.0/users/delta"] = fixture(t, "v1.0_users_delta_page1_nextLink.json", env.srv.URL)
	stop := errors.New("store full")
	_, err := env.c.UsersDelta(context.Background(), "", nil, func(DeltaPage[User]) error { return stop })
	// The second page may already have been asked for (read ahead), never
	// more.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !errors.Is(err, stop) || len(rec.lines) > 2 {
		t.Fatalf("err = %v, requests = %v", err, rec.lines)
	}
}

// Paged reads ask for page n+1 while page n is handled: the callback for the
// first page waits until the server has seen the request for the second.
func TestPagesAreReadAhead(t *testing.T) {
	seen := make(chan string, 4)
	var srvURL string
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.URL.RequestURI()
		switch r.URL.Query().Get("$skiptoken") {
		case "":
			writeBody(w, 200, []byte(`{"@odata.nextLink":"`+srvURL+`/v1.0/groups/delta?$skiptoken=p2","value":[{"id":"g1"}]}`))
		case "p2":
			writeBody(w, 200, []byte(`{"@odata.nextLink":"`+srvURL+`/v1.0/groups/delta?$skiptoken=p3","value":[{"id":"g2"}]}`))
		default:
			writeBody(w, 200, []byte(`{"@odata.deltaLink":"`+srvURL+`/v1.0/groups/delta?$deltatoken=d","value":[{"id":"g3"}]}`))
		}
	}))
	srvURL = env.srv.URL
	waitFor := func(want string) error {
		timeout := time.After(10 * time.Second)
		for {
			select {
			case got := <-seen:
				if strings.Contains(got, want) {
					return nil
				}
			case <-timeout:
				return fmt.Errorf("no request for %s while the previous page was handled", want)
			}
		}
	}
	var ids []string
	link, err := env.c.GroupsDelta(context.Background(), "", nil, func(p DeltaPage[Group]) error {
		ids = append(ids, p.Items[0].ID)
		if p.NextLink != "" {
			return waitFor(p.NextLink[strings.Index(p.NextLink, "$skiptoken"):])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != "[g1 g2 g3]" || !strings.HasSuffix(link, "$deltatoken=d") {
		t.Fatalf("ids %v, link %s", ids, link)
	}

	// The same for a plain list.
	pages := map[string]string{
		"/v1.0/groups?$top=999":      `{"@odata.nextLink":"%s/v1.0/groups?$skiptoken=L2","value":[{"id":"a"}]}`,
		"/v1.0/groups?$skiptoken=L2": `{"value":[{"id":"b"}]}`,
	}
	list := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.URL.RequestURI()
		writeBody(w, 200, []byte(strings.ReplaceAll(pages[r.URL.RequestURI()], "%s", srvURL)))
	}))
	srvURL = list.srv.URL
	ids = nil
	for g, err := range list.c.Groups(context.Background(), ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
		if g.ID == "a" {
			if err := waitFor("$skiptoken=L2"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if fmt.Sprint(ids) != "[a b]" {
		t.Fatalf("listed %v", ids)
	}
}

func TestDeltaPageWithoutLinksIsAnError(t *testing.T) {
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 200, []byte(`{"value":[]}`))
	}))
	_, err := env.c.GroupsDelta(context.Background(), "", nil, func(DeltaPage[Group]) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "neither @odata.nextLink nor @odata.deltaLink") {
		t.Fatalf("err = %v", err)
	}
}

func TestDeltaLinkToAnotherHostIsRefused(t *testing.T) {
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("request sent")
	}))
	_, err := env.c.UsersDelta(context.Background(), "https://elsewhere.example/v1.0/users/delta?$deltatoken=x", nil,
		func(DeltaPage[User]) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("err = %v", err)
	}
}

// A delta round's pages are read by a goroutine of their own, several pages
// ahead: while the callback still holds the first page, the server sees the
// requests for the pages after it, up to deltaAhead of them waiting.
func TestDeltaRoundReadsSeveralPagesAhead(t *testing.T) {
	const pages = 10
	var srvURL string
	var mu gosync.Mutex
	asked := 0
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 1
		if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
			n, _ = strconv.Atoi(tok)
		}
		mu.Lock()
		asked = max(asked, n)
		mu.Unlock()
		link := fmt.Sprintf(`"@odata.nextLink":"%s/v1.0/groups/delta?$skiptoken=%d"`, srvURL, n+1)
		if n == pages {
			link = fmt.Sprintf(`"@odata.deltaLink":"%s/v1.0/groups/delta?$deltatoken=d"`, srvURL)
		}
		writeBody(w, 200, []byte(fmt.Sprintf(`{%s,"value":[{"id":"g%d"}]}`, link, n)))
	}))
	srvURL = env.srv.URL
	var ids []string
	link, err := env.c.GroupsDelta(context.Background(), "", nil, func(p DeltaPage[Group]) error {
		ids = append(ids, p.Items[0].ID)
		if len(ids) == 1 {
			// The reader goes on while this page is held: deltaAhead pages
			// queued and one more read.
			deadline := time.Now().Add(10 * time.Second)
			for {
				mu.Lock()
				n := asked
				mu.Unlock()
				if n >= 1+deltaAhead {
					break
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("while page 1 was held the server saw requests up to page %d, want %d", n, 1+deltaAhead)
				}
				time.Sleep(time.Millisecond)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != pages || ids[pages-1] != fmt.Sprintf("g%d", pages) || !strings.HasSuffix(link, "$deltatoken=d") {
		t.Fatalf("ids %v, link %s", ids, link)
	}
}
