package graphsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// sampleUser is a rendered user the filter tests evaluate against.
func sampleUser() entity {
	sync := false
	return renderUser(nil, &User{
		ID:                    "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0",
		UserPrincipalName:     "AdeleV@contoso.com",
		DisplayName:           "Adele O'Vance",
		GivenName:             "Adele",
		Mail:                  "AdeleV@contoso.com",
		AccountEnabled:        true,
		UserType:              "Member",
		Department:            "Retail",
		OnPremisesSyncEnabled: &sync,
		AssignedLicenses: []AssignedLicense{
			{SkuID: "c7df2760-2c81-4ef7-b578-5b5392b571df", DisabledPlans: []string{}},
			{SkuID: "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"},
		},
		SignIn:          SignInActivity{LastSignInDateTime: mustODataTime("2025-10-01T08:30:00Z")},
		CreatedDateTime: mustODataTime("2024-03-15T10:00:00Z"),
	})
}

func TestFilterEvaluatesClientForms(t *testing.T) {
	u := sampleUser()
	cases := []struct {
		filter string
		want   bool
	}{
		{"accountEnabled eq true", true},
		{"accountEnabled eq false", false},
		{"accountEnabled ne true", false},
		{"onPremisesSyncEnabled ne true", true},
		{"onPremisesSyncEnabled eq null", false},
		{"jobTitle eq null", true},
		{"userType eq 'Member'", true},
		{"userType eq 'member'", true}, // directory strings compare case-insensitively
		{"userType in ('Guest','Member')", true},
		{"id in ('a','6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0')", true},
		{"id eq '6EA91A8D-E32E-41A1-B7BD-D2D185EED0E0'", true},
		{"displayName eq 'Adele O''Vance'", true},
		{"startsWith(displayName,'adele')", true},
		{"startswith(displayName, 'Vance')", false},
		{"endsWith(mail,'@contoso.com')", true},
		{"assignedLicenses/any(x:x/skuId eq c7df2760-2c81-4ef7-b578-5b5392b571df)", true},
		{"assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)", false},
		{"not(assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900))", true},
		{"assignedLicenses/all(x:x/skuId ne 6fd2c87f-b296-42f0-b197-1e91e994b900)", true},
		{"signInActivity/lastSignInDateTime le 2026-01-01T00:00:00Z", true},
		{"signInActivity/lastSignInDateTime le 2025-01-01T00:00:00Z", false},
		{"signInActivity/lastSignInDateTime gt 2025-10-01T08:29:59.5Z", true},
		{"createdDateTime ge 2024-03-15", true},
		{"createdDateTime lt 2024-03-15T10:00:00Z", false},
		{"(department eq 'Retail' or department eq 'Sales') and accountEnabled eq true", true},
		{"department eq 'Sales' or not (accountEnabled eq false)", true},
		{"NOT (department eq 'Retail')", false},
		{"department eq 'Sales' and accountEnabled eq true or userType eq 'Member'", true}, // and binds tighter
	}
	for _, c := range cases {
		e, err := parseFilter(c.filter)
		if err != nil {
			t.Errorf("parseFilter(%q): %v", c.filter, err)
			continue
		}
		if got := evalFilter(e, u, nil); got != c.want {
			t.Errorf("%q = %v, want %v", c.filter, got, c.want)
		}
	}
}

func TestFilterOnCollectionsOfStrings(t *testing.T) {
	g := renderGroup(nil, &Group{ID: "g1", DisplayName: "Sales", GroupTypes: []string{"Unified"}})
	for filter, want := range map[string]bool{
		"groupTypes/any(c:c eq 'Unified')":           true,
		"groupTypes/any(c:c eq 'DynamicMembership')": false,
		"not groupTypes/any(c:c eq 'Unified')":       false,
	} {
		e, err := parseFilter(filter)
		if err != nil {
			t.Fatalf("parseFilter(%q): %v", filter, err)
		}
		if got := evalFilter(e, g, nil); got != want {
			t.Errorf("%q = %v, want %v", filter, got, want)
		}
	}
}

func TestFilterRejectsMalformed(t *testing.T) {
	for _, f := range []string{
		"displayName eq",
		"displayName eq 'unterminated",
		"(accountEnabled eq true",
		"accountEnabled eq true)",
		"assignedLicenses/any(x x/skuId eq 1)",
		"assignedLicenses/any(:x eq 1)",
		"id in ()",
		"id in (displayName)",
		"eq 'x'",
		"displayName # 'x'",
		"",
	} {
		if _, err := parseFilter(f); err == nil {
			t.Errorf("parseFilter(%q) succeeded, want a syntax error", f)
		}
	}
}

func TestCheckFilterAppliesUserRules(t *testing.T) {
	es := &entitySet{ODataContext: "users", Type: "microsoft.graph.user", Filter: userFilterRules, Advanced: true}
	known := func(p string) bool {
		for _, k := range userProps {
			if k == p {
				return true
			}
		}
		return false
	}
	cases := []struct {
		filter   string
		advanced bool
		code     string // "" = accepted
		message  string
	}{
		{"accountEnabled eq true", false, "", ""},
		{"accountEnabled ne true", false, "Request_UnsupportedQuery", "Unsupported Query."},
		{"accountEnabled ne true", true, "", ""},
		{"onPremisesSyncEnabled ne true", true, "", ""},
		{"endsWith(mail,'@contoso.com')", false, "Request_UnsupportedQuery", "Unsupported Query."},
		{"endsWith(mail,'@contoso.com')", true, "", ""},
		{"endsWith(displayName,'x')", true, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'displayName' of resource 'User'."},
		{"not(accountEnabled eq true)", false, "Request_UnsupportedQuery", "Unsupported Query."},
		{"assignedLicenses/any(x:x/skuId eq c7df2760-2c81-4ef7-b578-5b5392b571df)", false, "", ""},
		{"mobilePhone eq '1'", false, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'mobilePhone' of resource 'User'."},
		{"favouriteColour eq 'blue'", false, "Request_BadRequest", "Could not find a property named 'favouriteColour' on type 'microsoft.graph.user'."},
		{"signInActivity/lastSignInDateTime le 2026-01-01T00:00:00Z", false, "", ""},
		{"contains(displayName,'a')", false, "Request_UnsupportedQuery", "Unsupported Query."},
		{"displayName eq givenName", false, "Request_UnsupportedQuery", "Unsupported Query."},
	}
	for _, c := range cases {
		e, err := parseFilter(c.filter)
		if err != nil {
			t.Fatalf("parseFilter(%q): %v", c.filter, err)
		}
		apiErr := checkFilter(e, es, c.advanced, known)
		switch {
		case c.code == "" && apiErr != nil:
			t.Errorf("%q (advanced=%v): unexpected %v", c.filter, c.advanced, apiErr)
		case c.code != "" && apiErr == nil:
			t.Errorf("%q (advanced=%v): accepted, want %s", c.filter, c.advanced, c.code)
		case c.code != "" && (apiErr.Code != c.code || apiErr.Message != c.message || apiErr.Status != 400):
			t.Errorf("%q: got %d %s %q, want 400 %s %q", c.filter, apiErr.Status, apiErr.Code, apiErr.Message, c.code, c.message)
		}
	}
}

func TestPageTokenRoundTripAndTamper(t *testing.T) {
	tok := encodePageToken(pageToken{Pos: 999, LastID: "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0", Sig: 42})
	got, ok := decodePageToken(tok, 42)
	if !ok || got.Pos != 999 || got.LastID != "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0" {
		t.Fatalf("round trip = %+v, %v", got, ok)
	}
	if _, ok := decodePageToken(tok, 43); ok {
		t.Error("token accepted for a different query")
	}
	for _, bad := range []string{"", "X'44537074'", "!!!", tok[:5]} {
		if _, ok := decodePageToken(bad, 42); ok {
			t.Errorf("decodePageToken(%q) accepted", bad)
		}
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "ctl\x01\x1f\n\r\t", "<html>&", "é ü 日本", "bad\xffutf8", "line\u2028sep\u2029"} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := appendJSONString(nil, s)
		if string(got) != string(bytes.TrimRight(want.Bytes(), "\n")) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want.Bytes())
		}
	}
	e := entity{{"a", []string{"x"}}, {"b", nil}, {"c", entity{{"d", true}}}, {"n", 3}}
	b, err := json.Marshal(e)
	if err != nil || string(b) != `{"a":["x"],"b":null,"c":{"d":true},"n":3}` {
		t.Errorf("entity JSON = %s, %v", b, err)
	}
}

func TestParseQueryTopAndSelect(t *testing.T) {
	es := &entitySet{ODataContext: "users", Type: "microsoft.graph.user", MaxTop: 999, Filter: userFilterRules, Advanced: true}
	cases := []struct {
		query, code, message string
	}{
		{"$top=999", "", ""},
		{"$top=1000", "Request_UnsupportedQuery", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."},
		{"$top=0", "Request_UnsupportedQuery", "Invalid page size specified: '0'. Must be between 1 and 999 inclusive."},
		{"$select=DisplayName,id", "", ""},
		{"$select=nope", "Request_BadRequest", "Parsing OData Select and Expand failed: Could not find a property named 'nope' on type 'microsoft.graph.user'."},
		{"$count=true", "Request_BadRequest", "$count is not currently supported."},
		{"$filter=accountEnabled%20eq", "BadRequest", "Invalid filter clause"},
		{"$search=%22displayName:ad%22", "Request_BadRequest", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"},
		{"$orderby=jobTitle", "Request_UnsupportedQuery", "Sorting not supported for current query."},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/v1.0/users?"+c.query, nil)
		q, apiErr := parseQuery(r, es, userProps)
		if c.code == "" {
			if apiErr != nil {
				t.Errorf("%s: %v", c.query, apiErr)
			}
			continue
		}
		if apiErr == nil || apiErr.Code != c.code || apiErr.Message != c.message {
			t.Errorf("%s: got %v, want %s %q", c.query, apiErr, c.code, c.message)
		}
		_ = q
	}
	r := httptest.NewRequest(http.MethodGet, "/v1.0/users?$select=DisplayName,id", nil)
	q, _ := parseQuery(r, es, userProps)
	if len(q.Select) != 2 || q.Select[0] != "displayName" || q.Select[1] != "id" {
		t.Errorf("canonical select = %v", q.Select)
	}
}

// FuzzODataFilter: no input makes the parser, the rule check or the
// evaluator panic.
func FuzzODataFilter(f *testing.F) {
	for _, s := range []string{
		"accountEnabled eq true",
		"assignedLicenses/any(x:x/skuId eq c7df2760-2c81-4ef7-b578-5b5392b571df)",
		"groupTypes/any(c:c eq 'Unified')",
		"signInActivity/lastSignInDateTime le 2026-01-01T00:00:00Z",
		"onPremisesSyncEnabled ne true",
		"servicePrincipalType eq 'ManagedIdentity'",
		"id in ('a','b')",
		"not(startsWith(displayName,'a''b')) and (mail eq null or endsWith(mail,'x'))",
		"((((((a eq 1))))))",
		"x/any(y:y/all(z:z eq -1.5e3))",
	} {
		f.Add(s)
	}
	u := sampleUser()
	es := &entitySet{ODataContext: "users", Filter: userFilterRules, Advanced: true}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseFilter(s)
		if err != nil {
			return
		}
		_ = checkFilter(e, es, true, func(string) bool { return true })
		_ = evalFilter(e, u, nil)
	})
}

func mustODataTime(s string) time.Time {
	t, ok := parseODataTime(s)
	if !ok {
		panic("bad time " + s)
	}
	return t
}

// FuzzPageAndDeltaTokens: decoding a client-supplied $skiptoken or
// $deltatoken never panics, and what decodes re-encodes to the same token.
func FuzzPageAndDeltaTokens(f *testing.F) {
	f.Add(encodePageToken(pageToken{Pos: 999, LastID: "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0", Sig: 7}))
	f.Add(encodeDeltaState(deltaState{Kind: 'u', Initial: true, Round: 42, Issued: 1_790_000_000, Pos: 100, LastID: "x"}))
	f.Add(encodeDeltaState(deltaState{Kind: 'g', Since: 3, Round: 9, Issued: -1, Pos: 7, MemberOff: 2000}))
	f.Add("latest")
	f.Add("X'44537074'")
	f.Fuzz(func(t *testing.T, s string) {
		if tok, ok := decodePageToken(s, 7); ok && encodePageToken(tok) != s {
			// Non-canonical base64 may decode; the token must still mean
			// the same position.
			again, ok2 := decodePageToken(encodePageToken(tok), 7)
			if !ok2 || again != tok {
				t.Errorf("page token %q does not round-trip: %+v", s, tok)
			}
		}
		for _, kind := range []byte{'u', 'g'} {
			if d, ok := decodeDeltaState(s, kind); ok {
				again, ok2 := decodeDeltaState(encodeDeltaState(d), kind)
				if !ok2 || again != d {
					t.Errorf("delta token %q does not round-trip: %+v", s, d)
				}
			}
		}
	})
}

// FuzzParseQuery: any query string a client sends to /users is parsed or
// refused, never a panic.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"$select=id,displayName&$top=999",
		"$filter=accountEnabled%20ne%20true&$count=true",
		"$search=%22displayName:ad%22%20OR%20%22mail:ad%22",
		"$orderby=displayName%20desc",
		"$expand=manager($select=id,displayName)",
		"$skiptoken=R1NwMXnZ&$top=-1",
		"select=id&filter=id%20in%20('a')",
		"$expand=manager(",
		"$search=%22",
	} {
		f.Add(s, true)
	}
	es := &entitySet{ODataContext: "users", Type: "microsoft.graph.user", MaxTop: 999, Filter: userFilterRules, Advanced: true,
		OrderBy: []string{"displayName"}, Search: []string{"displayName", "mail"},
		Expand: map[string]func(*Tenant, any, []string) any{"manager": expandManager}}
	f.Fuzz(func(t *testing.T, raw string, eventual bool) {
		r := httptest.NewRequest(http.MethodGet, "/v1.0/users", nil)
		r.URL.RawQuery = raw
		if eventual {
			r.Header.Set("ConsistencyLevel", "eventual")
		}
		q, apiErr := parseQuery(r, es, userProps)
		if apiErr == nil && q.Filter != nil {
			_ = evalFilter(q.Filter, sampleUser(), nil)
		}
		if apiErr == nil && q.Search != nil {
			_ = searchMatch(q.Search, sampleUser())
		}
	})
}
