package msgraph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tenantscope/tenantscope/internal/msgraph"
)

// A fake Graph for the examples: two users on two pages.
func exampleServer() *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Query().Get("$skiptoken") == "":
			fmt.Fprintf(w, `{"value":[{"id":"1","userPrincipalName":"adele@contoso.com"}],"@odata.nextLink":"%s/v1.0/users?$top=999&$skiptoken=2"}`, srv.URL)
		default:
			fmt.Fprint(w, `{"value":[{"id":"2","userPrincipalName":"alex@contoso.com"}]}`)
		}
	}))
	return srv
}

func Example() {
	srv := exampleServer()
	defer srv.Close()
	c, err := msgraph.New(msgraph.Options{
		BaseURL: srv.URL, // the cloud profile's Graph root, e.g. https://graph.microsoft.com
		Tokens:  msgraph.TokenFunc(func(context.Context) (string, error) { return "token", nil }),
	})
	if err != nil {
		panic(err)
	}
	// The iterator follows @odata.nextLink; the caller never sees pages.
	for u, err := range c.Users(context.Background(), msgraph.ListOptions{Select: []string{"id", "userPrincipalName"}}) {
		if msgraph.IsForbidden(err) {
			fmt.Println("User.Read.All not granted")
			return
		}
		if err != nil {
			fmt.Println("sync users:", err)
			return
		}
		fmt.Println(u.ID, u.UserPrincipalName)
	}
	fmt.Println("requests:", c.Stats().Requests)
	// Output:
	// 1 adele@contoso.com
	// 2 alex@contoso.com
	// requests: 2
}

func ExampleClient_UsersDelta() {
	ctx := context.Background()
	var c *msgraph.Client // from msgraph.New
	var stored string     // the deltaLink kept from the previous round, "" the first time
	if c == nil {
		return
	}
	link, err := c.UsersDelta(ctx, stored, []string{"displayName", "accountEnabled"}, func(p msgraph.DeltaPage[msgraph.User]) error {
		// Upsert p.Items, delete p.Removed; pages may repeat after a
		// restart, so applying them must be idempotent.
		return nil
	})
	if errors.Is(err, msgraph.ErrDeltaExpired) {
		// Start a full round: UsersDelta(ctx, "", ...).
	}
	_ = link // store for the next round
}

func ExampleClient_CollectBatched() {
	ctx := context.Background()
	var c *msgraph.Client // from msgraph.New
	if c == nil {
		return
	}
	groupIDs := []string{"g1", "g2"}
	var reqs []msgraph.BatchRequest
	for _, id := range groupIDs {
		reqs = append(reqs, msgraph.BatchRequest{ID: id, Method: http.MethodGet, URL: msgraph.GroupMembersURL(id, []string{"id"})})
	}
	err := c.CollectBatched(ctx, reqs, func(groupID string, item json.RawMessage) error {
		var m msgraph.DirectoryObject
		return json.Unmarshal(item, &m)
	})
	for _, e := range unwrapAll(err) {
		var be *msgraph.BatchItemError
		if errors.As(e, &be) && msgraph.IsNotFound(be) {
			continue // group deleted since it was listed
		}
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err != nil {
		return []error{err}
	}
	return nil
}
