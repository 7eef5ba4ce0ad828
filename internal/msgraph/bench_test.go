package msgraph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// usersPage is a page of n users from number first, shaped like a sync's users request
// (selected properties, two licences, sign-in activity).
func usersPage(first, n int, next string) []byte {
	var b strings.Builder
	b.WriteString(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[`)
	for i := first; i < first+n; i++ {
		if i > first {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%08d-1111-4222-8333-444444444444","userPrincipalName":"user%d@contoso.com","displayName":"User %d","givenName":"Given","surname":"Surname","mail":"user%d@contoso.com","accountEnabled":true,"userType":"Member","createdDateTime":"2024-03-01T10:00:00Z","department":"Sales","jobTitle":"Account Executive","usageLocation":"US","onPremisesSyncEnabled":null,"assignedLicenses":[{"disabledPlans":[],"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900"},{"disabledPlans":["a413a9ff-720c-4822-98ef-2f37c2a21f4c"],"skuId":"f30db892-07e9-47e9-837c-80727f46fd3d"}],"signInActivity":{"lastSignInDateTime":"2026-10-30T08:15:00Z","lastSignInRequestId":"r","lastNonInteractiveSignInDateTime":"2026-10-31T08:15:00Z","lastNonInteractiveSignInRequestId":"s"}}`, i, i, i, i)
	}
	b.WriteString(`]`)
	if next != "" {
		b.WriteString(`,"@odata.nextLink":"` + next + `"`)
	}
	b.WriteString(`}`)
	return []byte(b.String())
}

// BenchmarkDecodeUsersPage measures the client's per-page work: the page
// envelope, each user's typed fields and its kept raw JSON.
func BenchmarkDecodeUsersPage(b *testing.B) {
	body := usersPage(0, 999, "")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var pg page
		if err := json.Unmarshal(body, &pg); err != nil {
			b.Fatal(err)
		}
		for _, raw := range pg.Value {
			if _, err := decodeItem[User](raw); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*999)/b.Elapsed().Seconds(), "users/s")
}

// BenchmarkListUsersLoopback lists 10 pages of 999 users from a loopback
// server through the whole client (limiter, retries, decoding).
func BenchmarkListUsersLoopback(b *testing.B) {
	var base string
	pages := map[string][]byte{}
	env := newEnv(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 200, pages[r.URL.Query().Get("$skiptoken")])
	}))
	base = env.srv.URL
	for i := range 10 {
		next := ""
		if i < 9 {
			next = fmt.Sprintf("%s/v1.0/users?$top=999&$skiptoken=%d", base, i+1)
		}
		key := ""
		if i > 0 {
			key = fmt.Sprint(i)
		}
		pages[key] = usersPage(i*999, 999, next)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range env.c.Users(context.Background(), ListOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 9990 {
			b.Fatalf("%d users", n)
		}
	}
	b.ReportMetric(float64(b.N*9990)/b.Elapsed().Seconds(), "users/s")
}
