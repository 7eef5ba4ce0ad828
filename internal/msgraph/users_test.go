package msgraph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder serves a fixed body per path and remembers each request line and
// the headers that matter.
type recorder struct {
	mu     sync.Mutex
	lines  []string // "GET /v1.0/users?$select=..."
	consis []string // ConsistencyLevel per request
	bodies map[string][]byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.lines = append(rec.lines, r.Method+" "+r.URL.RequestURI())
	rec.consis = append(rec.consis, r.Header.Get("ConsistencyLevel"))
	body, ok := rec.bodies[r.URL.RequestURI()]
	rec.mu.Unlock()
	if !ok {
		writeBody(w, 404, []byte(`{"error":{"code":"Request_ResourceNotFound","message":"no fixture for `+r.URL.RequestURI()+`"}}`))
		return
	}
	writeBody(w, 200, body)
}

func TestUsersListFixture(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	rec.bodies["/v1.0/users?$select=id,displayName,mail,businessPhones&$top=999"] = fixture(t, "v1.0_users_list.json", env.srv.URL)
	users, err := collect(env.c.Users(context.Background(), ListOptions{Select: []string{"id", "displayName", "mail", "businessPhones"}}))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 {
		t.Fatalf("got %d users", len(users))
	}
	u0, u1 := users[0], users[1]
	if u0.ID != "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0" || u0.DisplayName != "Conf Room Adams" ||
		u0.Mail != "Adams@contoso.com" || u0.GivenName != "" || len(u0.BusinessPhones) != 0 ||
		u0.UserPrincipalName != "Adams@contoso.com" {
		t.Fatalf("user 0 = %+v", u0)
	}
	if u1.ID != "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e" || u1.GivenName != "MOD" || u1.Surname != "Administrator" ||
		u1.Mail != "" || u1.MobilePhone != "425-555-0101" || u1.PreferredLanguage != "en-US" ||
		!reflect.DeepEqual(u1.BusinessPhones, []string{"425-555-0100"}) {
		t.Fatalf("user 1 = %+v", u1)
	}
	// Raw is the object exactly as served.
	var page struct{ Value []json.RawMessage }
	json.Unmarshal(fixture(t, "v1.0_users_list.json", ""), &page)
	if compact(t, u1.Raw) != compact(t, page.Value[1]) {
		t.Fatalf("raw = %s", u1.Raw)
	}
}

func TestPagingResendsConsistencyLevelAndFollowsNextLinkUnchanged(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	next := env.srv.URL + "/v1.0/users?$count=true&$select=id&$top=999&$skiptoken=RFNwdAIAAQAAACQ6Z2F2aW4uZ3JlZW4%3D"
	rec.bodies["/v1.0/users?$count=true&$filter=endsWith(mail,'@contoso.com')&$select=id&$top=999"] =
		[]byte(`{"@odata.count":3,"value":[{"id":"a"},{"id":"b"}],"@odata.nextLink":"` + next + `"}`)
	rec.bodies["/v1.0/users?$count=true&$select=id&$top=999&$skiptoken=RFNwdAIAAQAAACQ6Z2F2aW4uZ3JlZW4%3D"] =
		[]byte(`{"value":[{"id":"c"}]}`)
	var ids []string
	for u, err := range env.c.Users(context.Background(), ListOptions{Select: []string{"id"}, Filter: "endsWith(mail,'@contoso.com')", Count: true}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	if fmt.Sprint(ids) != "[a b c]" {
		t.Fatalf("ids = %v", ids)
	}
	if fmt.Sprint(rec.consis) != "[eventual eventual]" {
		t.Fatalf("ConsistencyLevel per request = %q", rec.consis)
	}
}

func TestQueryEncoding(t *testing.T) {
	o := ListOptions{
		Select:  []string{"id", "assignedLicenses"},
		Filter:  "assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900) and userType eq 'Guest'",
		Top:     120,
		Expand:  "manager($select=id)",
		OrderBy: "displayName",
		Search:  `"displayName:wa"`,
	}
	got := encodeQuery(o.query(999))
	want := "$expand=manager($select%3Did)&$filter=assignedLicenses/any(x:x/skuId%20eq%206fd2c87f-b296-42f0-b197-1e91e994b900)%20and%20userType%20eq%20'Guest'" +
		"&$orderby=displayName&$search=%22displayName:wa%22&$select=id,assignedLicenses&$top=120"
	if got != want {
		t.Fatalf("query =\n%s\nwant\n%s", got, want)
	}
	if !o.consistency() {
		t.Fatal("$search needs ConsistencyLevel")
	}
	if (ListOptions{}).query(0).Encode() != "" {
		t.Fatal("empty options produced a query")
	}
}

func TestBetaVersion(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{"/beta/users?$top=5": []byte(`{"value":[]}`)}}
	env := newEnv(t, rec)
	if _, err := collect(env.c.Users(context.Background(), ListOptions{Top: 5, Beta: true})); err != nil {
		t.Fatal(err)
	}
}

func TestUserSignInActivityAndLicences(t *testing.T) {
	body := `{"value":[{"id":"u1","accountEnabled":false,"userType":"Guest","createdDateTime":"2024-03-01T10:00:00Z",
	"onPremisesSyncEnabled":null,
	"assignedLicenses":[{"disabledPlans":["a413a9ff-720c-4822-98ef-2f37c2a21f4c"],"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900"}],
	"licenseAssignmentStates":[{"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900","disabledPlans":[],"assignedByGroup":"g1","state":"Active","error":"None","lastUpdatedDateTime":"2024-03-02T00:00:00Z"}],
	"signInActivity":{"lastSignInDateTime":"2026-10-30T08:15:00Z","lastSignInRequestId":"r1","lastNonInteractiveSignInDateTime":"0001-01-01T00:00:00Z","lastNonInteractiveSignInRequestId":""},
	"manager":{"@odata.type":"#microsoft.graph.user","id":"m1"}}]}`
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeBody(w, 200, []byte(body)) }))
	users, err := collect(env.c.Users(context.Background(), ListOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	u := users[0]
	if u.AccountEnabled == nil || *u.AccountEnabled || u.UserType != "Guest" || u.OnPremisesSyncEnabled != nil ||
		!u.CreatedDateTime.Equal(time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("user = %+v", u)
	}
	if len(u.AssignedLicenses) != 1 || u.AssignedLicenses[0].SkuID != "6fd2c87f-b296-42f0-b197-1e91e994b900" ||
		u.AssignedLicenses[0].DisabledPlans[0] != "a413a9ff-720c-4822-98ef-2f37c2a21f4c" {
		t.Fatalf("licences = %+v", u.AssignedLicenses)
	}
	ls := u.LicenseAssignmentStates[0]
	if ls.AssignedByGroup == nil || *ls.AssignedByGroup != "g1" || ls.State != "Active" || ls.Error != "None" {
		t.Fatalf("state = %+v", ls)
	}
	si := u.SignInActivity
	if si == nil || Never(si.LastSignInDateTime) || !si.LastSignInDateTime.Equal(time.Date(2026, 10, 30, 8, 15, 0, 0, time.UTC)) ||
		!Never(si.LastNonInteractiveSignInDateTime) || !Never(si.LastSuccessfulSignInDateTime) {
		t.Fatalf("signInActivity = %+v", si)
	}
	if u.Manager == nil || u.Manager.ID != "m1" || u.Manager.ODataType != "#microsoft.graph.user" {
		t.Fatalf("manager = %+v", u.Manager)
	}
}

func TestMailboxPurpose(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	rec.bodies["/v1.0/users/622eaaff-0683-4862-9de4-f2ec83c2bd98/mailboxSettings/userPurpose"] = fixture(t, "v1.0_users_mailboxSettings_userPurpose.json", "")
	got, err := env.c.MailboxPurpose(context.Background(), "622eaaff-0683-4862-9de4-f2ec83c2bd98")
	if err != nil || got != "user" {
		t.Fatalf("purpose = %q, %v", got, err)
	}
	// The full mailboxSettings object (userPurpose wrapped in "value").
	got, err = ParseMailboxPurpose(fixture(t, "v1.0_users_mailboxSettings.json", ""))
	if err != nil || got != "user" {
		t.Fatalf("purpose from mailboxSettings = %q, %v", got, err)
	}
	for body, want := range map[string]string{`{"userPurpose":"shared"}`: "shared", `{"value":{"value":"room"}}`: "room", `{"value":null}`: ""} {
		if got, err := ParseMailboxPurpose([]byte(body)); err != nil || got != want {
			t.Errorf("%s → %q, %v; want %q", body, got, err, want)
		}
	}
	if _, err := ParseMailboxPurpose([]byte(`{"timeZone":"UTC"}`)); err == nil || !strings.Contains(err.Error(), "no value") {
		t.Fatalf("missing purpose: %v", err)
	}
}

func TestSubscribedSKUsFixture(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, rec)
	rec.bodies["/v1.0/subscribedSkus"] = fixture(t, "v1.0_subscribedSkus.json", "")
	skus, err := env.c.SubscribedSKUs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(skus) != 2 {
		t.Fatalf("%d skus", len(skus))
	}
	s := skus[0]
	want := SubscribedSKU{
		ID: "48a80680-7326-48cd-9935-b556b81d3a4e_c7df2760-2c81-4ef7-b578-5b5392b571df", SkuID: "c7df2760-2c81-4ef7-b578-5b5392b571df",
		SkuPartNumber: "ENTERPRISEPREMIUM", CapabilityStatus: "Enabled", AppliesTo: "User", ConsumedUnits: 14,
		PrepaidUnits: LicenseUnits{Enabled: 25},
		ServicePlans: []ServicePlanInfo{{ServicePlanID: "8c098270-9dd4-4350-9b30-ba4703f3b36b", ServicePlanName: "ADALLOM_S_O365", ProvisioningStatus: "Success", AppliesTo: "Company"}},
		AccountID:    "f97aeefc-af85-414d-8ae4-b457f90efc40", AccountName: "Sample account One",
		SubscriptionIDs: []string{"43d26afe-cb98-48b9-acc4-ae3ef2ac6c51"},
	}
	s.Raw = nil
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("sku 0 =\n%+v\nwant\n%+v", s, want)
	}
	if skus[1].CapabilityStatus != "Suspended" || skus[1].PrepaidUnits.Suspended != 25 || skus[1].SkuPartNumber == "" {
		t.Fatalf("sku 1 = %+v", skus[1])
	}
	if rec.lines[0] != "GET /v1.0/subscribedSkus" {
		t.Fatalf("request = %s", rec.lines[0])
	}
}

func TestPageSizeRefusedFallsBackToNamedMaximum(t *testing.T) {
	rec := &recorder{bodies: map[string][]byte{}}
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("$top") == "999" {
			rec.lines = append(rec.lines, r.URL.RequestURI())
			writeBody(w, 400, []byte(`{"error":{"code":"Request_UnsupportedQuery","message":"Invalid page size specified: '999'. Must be between 1 and 120 inclusive."}}`))
			return
		}
		rec.ServeHTTP(w, r)
	}))
	rec.bodies["/v1.0/users?$select=id,signInActivity&$top=120"] = []byte(`{"value":[{"id":"a"}]}`)
	users, err := collect(env.c.Users(context.Background(), ListOptions{Select: []string{"id", "signInActivity"}}))
	if err != nil || len(users) != 1 {
		t.Fatalf("users = %v, err = %v", users, err)
	}
	want := "[/v1.0/users?$select=id,signInActivity&$top=999 GET /v1.0/users?$select=id,signInActivity&$top=120]"
	if fmt.Sprint(rec.lines) != want {
		t.Fatalf("requests = %v", rec.lines)
	}
	// Any other 400 is returned as it is.
	if _, ok := withAllowedTop("https://h/v1.0/users?$top=999", &Error{StatusCode: 400, Message: "Invalid filter clause"}); ok {
		t.Fatal("unrelated 400 rewrote $top")
	}
	if got, ok := withAllowedTop("https://h/v1.0/users?$top=9999&$select=id", &Error{StatusCode: 400,
		Message: "Invalid page size specified: '999'. Must be between 1 and 120 inclusive."}); ok {
		t.Fatalf("rewrote a different $top: %s", got)
	}
}

func TestCount(t *testing.T) {
	var got http.Header
	var uri string
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, uri = r.Header.Clone(), r.URL.RequestURI()
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("\ufeff893"))
	}))
	n, err := env.c.Count(context.Background(), "users", "accountEnabled eq false")
	if err != nil || n != 893 {
		t.Fatalf("count = %d, %v", n, err)
	}
	if uri != "/v1.0/users/$count?$filter=accountEnabled%20eq%20false" || got.Get("ConsistencyLevel") != "eventual" || got.Get("Accept") != "text/plain" {
		t.Fatalf("request = %s %v", uri, got)
	}
}
