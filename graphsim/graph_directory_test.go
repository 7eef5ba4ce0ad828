package graphsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// directoryEnv is an in-process simulator over one generated tenant, for the
// directory, app, role and ARM endpoint tests.
type directoryEnv struct {
	t      *testing.T
	srv    *Server
	http   *httptest.Server
	tenant *Tenant
}

func newDirectoryEnv(t *testing.T, tier Tier, opts Options) *directoryEnv {
	t.Helper()
	p, err := ProfileByName("small", 7)
	if err != nil {
		t.Fatal(err)
	}
	p.Tier = tier
	ten, err := Generate(p)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	srv := New(opts, ten)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &directoryEnv{t: t, srv: srv, http: hs, tenant: ten}
}

// graphToken is an app-only Graph token for the connector with roles.
func (e *directoryEnv) graphToken(roles ...string) string {
	e.t.Helper()
	tok, err := e.srv.IssueToken(e.tenant.ID, e.tenant.Connector.AppID, "https://graph.microsoft.com", roles)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// armToken is an ARM token for the connector (ARM tokens carry no roles).
func (e *directoryEnv) armToken() string {
	e.t.Helper()
	tok, err := e.srv.IssueToken(e.tenant.ID, e.tenant.Connector.AppID, "https://management.azure.com", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// call sends a request (path relative to the server, or an absolute URL)
// and returns status, headers and body.
func (e *directoryEnv) call(method, path, token string, body any) (int, http.Header, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = e.http.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// getJSON GETs path and decodes the body, failing unless the status is want.
func (e *directoryEnv) getJSON(path, token string, want int) map[string]any {
	e.t.Helper()
	status, _, body := e.call(http.MethodGet, path, token, nil)
	if status != want {
		e.t.Fatalf("GET %s: status %d, want %d; body %s", path, status, want, body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		e.t.Fatalf("GET %s: %v; body %s", path, err, body)
	}
	return m
}

// listAll follows @odata.nextLink (or ARM's nextLink) from path and returns
// every item and the number of pages.
func (e *directoryEnv) listAll(path, token string) ([]map[string]any, int) {
	e.t.Helper()
	var out []map[string]any
	pages := 0
	for path != "" {
		m := e.getJSON(path, token, http.StatusOK)
		pages++
		for _, v := range m["value"].([]any) {
			out = append(out, v.(map[string]any))
		}
		next, _ := m["@odata.nextLink"].(string)
		if next == "" {
			next, _ = m["nextLink"].(string)
		}
		if next != "" && !strings.HasPrefix(next, e.http.URL) {
			e.t.Fatalf("nextLink %q is not on the host called (%s)", next, e.http.URL)
		}
		path = next
		if pages > 10000 {
			e.t.Fatal("paging does not end")
		}
	}
	return out, pages
}

// expectError asserts a Graph or ARM error answer: status, code and,
// when message is not "", the exact message.
func (e *directoryEnv) expectError(method, path, token string, body any, status int, code, message string) {
	e.t.Helper()
	got, _, b := e.call(method, path, token, body)
	if got != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, got, status, b)
	}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		e.t.Fatalf("%s %s: error body %s: %v", method, path, b, err)
	}
	if env.Error.Code != code || (message != "" && env.Error.Message != message) {
		e.t.Fatalf("%s %s: error %q %q, want %q %q", method, path, env.Error.Code, env.Error.Message, code, message)
	}
}

func ids(items []map[string]any, key string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = it[key].(string)
	}
	return out
}

// exampleJSON decodes a documented payload from testdata/graph-examples.
func exampleJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readExample(t, name), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// armTagKeys are the example tags' keys: ARM tags are a free-form
// dictionary, so only their presence as an object is compared.
var armTagKeys = []string{"tagKey1", "tagKey2", "key1", "key2"}

// sameShape compares a decoded response fragment with a decoded example
// fragment using assertSameShape (conformance_test.go).
func sameShape(t *testing.T, example, got any, ignore ...string) {
	t.Helper()
	ex, err := json.Marshal(example)
	if err != nil {
		t.Fatal(err)
	}
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	assertSameShape(t, ex, g, ignore...)
}

// listShape compares a whole list response with a documented list example:
// every item against the example's first item. ignore names example
// properties a response need not carry (each with its reason at the call
// site); paging links are never required.
func listShape(t *testing.T, exampleFile string, got map[string]any, ignore ...string) {
	t.Helper()
	if items, _ := got["value"].([]any); len(items) == 0 {
		t.Fatalf("%s: no items to compare", exampleFile)
	}
	sameShape(t, exampleJSON(t, exampleFile), got, append(ignore, "@odata.nextLink", "nextLink")...)
}

func TestOrganizationMatchesTenant(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	m := e.getJSON("/v1.0/organization", e.graphToken("Organization.Read.All"), http.StatusOK)
	items := m["value"].([]any)
	if len(items) != 1 {
		t.Fatalf("organization: %d items, want 1", len(items))
	}
	org := items[0].(map[string]any)
	if org["id"] != ten.ID || org["displayName"] != ten.DisplayName {
		t.Fatalf("organization id/displayName = %v/%v, want %s/%s", org["id"], org["displayName"], ten.ID, ten.DisplayName)
	}
	var verified []string
	for _, d := range ten.Domains {
		if d.IsVerified {
			verified = append(verified, d.ID)
		}
	}
	var got []string
	for _, v := range org["verifiedDomains"].([]any) {
		got = append(got, v.(map[string]any)["name"].(string))
	}
	if !slices.Equal(got, verified) {
		t.Fatalf("verifiedDomains = %v, want %v", got, verified)
	}
	plans := 0
	for _, s := range ten.SubscribedSKUs {
		plans += len(s.ServicePlans)
	}
	if n := len(org["assignedPlans"].([]any)); n != plans {
		t.Fatalf("assignedPlans: %d, want %d", n, plans)
	}
	if byID := e.getJSON("/v1.0/organization/"+ten.ID, e.graphToken("Directory.Read.All"), http.StatusOK); byID["id"] != ten.ID {
		t.Fatalf("GET organization/{id} = %v", byID["id"])
	}
	o := ten.Organization
	if org["city"] != o.City || org["countryLetterCode"] != o.CountryLetterCode || org["street"] != o.Street || o.City == "" {
		t.Fatalf("organization address = %v/%v/%v, want %+v", org["street"], org["city"], org["countryLetterCode"], o)
	}
	if len(org["businessPhones"].([]any)) != len(o.BusinessPhones) || len(org["technicalNotificationMails"].([]any)) != len(o.TechnicalNotificationMails) {
		t.Fatalf("organization phones/mails = %v/%v, want %+v", org["businessPhones"], org["technicalNotificationMails"], o)
	}
	listShape(t, "v1.0_organization_list.json", m)
}

func TestDomainsAndIdentityProvidersMatchTenant(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	m := e.getJSON("/v1.0/domains", e.graphToken("Domain.Read.All"), http.StatusOK)
	var want []string
	for _, d := range ten.Domains {
		want = append(want, d.ID)
	}
	items := m["value"].([]any)
	got := make([]map[string]any, len(items))
	for i, it := range items {
		got[i] = it.(map[string]any)
	}
	if !slices.Equal(ids(got, "id"), want) {
		t.Fatalf("domains = %v, want %v", ids(got, "id"), want)
	}
	for i, d := range ten.Domains {
		if got[i]["isDefault"] != d.IsDefault || got[i]["isInitial"] != d.IsInitial || got[i]["authenticationType"] != d.AuthenticationType {
			t.Fatalf("domain %s = %v, want %+v", d.ID, got[i], d)
		}
	}
	listShape(t, "v1.0_domains_list.json", m)

	idp := e.getJSON("/v1.0/identity/identityProviders", e.graphToken("IdentityProvider.Read.All"), http.StatusOK)
	list := idp["value"].([]any)
	if len(list) != len(ten.IdentityProviders) {
		t.Fatalf("identityProviders: %d, want %d", len(list), len(ten.IdentityProviders))
	}
	for i, p := range ten.IdentityProviders {
		it := list[i].(map[string]any)
		if it["id"] != p.ID || it["identityProviderType"] != p.IdentityProviderType {
			t.Fatalf("identity provider %d = %v, want %+v", i, it, p)
		}
		if _, has := it["clientId"]; has && it["clientSecret"] != "******" {
			t.Fatalf("identity provider %s leaks its secret: %v", p.ID, it["clientSecret"])
		}
	}
	if !strings.HasSuffix(idp["@odata.context"].(string), "/v1.0/$metadata#identity/identityProviders") {
		t.Fatalf("@odata.context = %v", idp["@odata.context"])
	}
	listShape(t, "v1.0_identity_identityProviders_list.json", idp)
	one := e.getJSON("/v1.0/domains/"+strings.ToUpper(ten.DefaultDomain), e.graphToken("Domain.Read.All"), http.StatusOK)
	if one["id"] != ten.DefaultDomain || one["isDefault"] != true {
		t.Fatalf("GET domains/{name} = %v", one)
	}
}

func TestSubscribedSkusMatchTenant(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	m := e.getJSON("/v1.0/subscribedSkus", e.graphToken("LicenseAssignment.Read.All"), http.StatusOK)
	if _, paged := m["@odata.nextLink"]; paged {
		t.Fatal("subscribedSkus must not page")
	}
	items := m["value"].([]any)
	if len(items) != len(ten.SubscribedSKUs) {
		t.Fatalf("subscribedSkus: %d, want %d", len(items), len(ten.SubscribedSKUs))
	}
	for i, sku := range ten.SubscribedSKUs {
		it := items[i].(map[string]any)
		if it["id"] != ten.ID+"_"+sku.SkuID || it["skuId"] != sku.SkuID || it["skuPartNumber"] != sku.SkuPartNumber {
			t.Fatalf("sku %d = %v, want %s", i, it, sku.SkuPartNumber)
		}
		// Counted here from the users themselves, independently of the
		// tenant's index: every user holding the SKU, directly or by group.
		holders := 0
		for _, u := range ten.Users {
			if slices.ContainsFunc(u.AssignedLicenses, func(l AssignedLicense) bool { return strings.EqualFold(l.SkuID, sku.SkuID) }) {
				holders++
			}
		}
		if got := int(it["consumedUnits"].(float64)); got != holders || got != ten.ConsumedUnits(sku.SkuID) {
			t.Fatalf("%s consumedUnits = %d, want %d holders (index says %d)", sku.SkuPartNumber, got, holders, ten.ConsumedUnits(sku.SkuID))
		}
		pp := it["prepaidUnits"].(map[string]any)
		if int(pp["enabled"].(float64)) != sku.Enabled || int(pp["suspended"].(float64)) != sku.Suspended || int(pp["warning"].(float64)) != sku.Warning || int(pp["lockedOut"].(float64)) != sku.LockedOut {
			t.Fatalf("%s prepaidUnits = %v, want %+v", sku.SkuPartNumber, pp, sku)
		}
		if n := len(it["servicePlans"].([]any)); n != len(sku.ServicePlans) {
			t.Fatalf("%s servicePlans: %d, want %d", sku.SkuPartNumber, n, len(sku.ServicePlans))
		}
	}
	listShape(t, "v1.0_subscribedSkus.json", m)

	sku := ten.SubscribedSKUs[0]
	one := e.getJSON("/v1.0/subscribedSkus/"+ten.ID+"_"+sku.SkuID, e.graphToken("Organization.Read.All"), http.StatusOK)
	if one["skuPartNumber"] != sku.SkuPartNumber {
		t.Fatalf("GET subscribedSkus/{id} = %v", one["skuPartNumber"])
	}
	e.expectError("GET", "/v1.0/subscribedSkus/"+sku.SkuID, e.graphToken("Organization.Read.All"), nil, http.StatusNotFound, "Request_ResourceNotFound", "")

	// $select keeps only what was asked for, in Microsoft's order.
	sel := e.getJSON("/v1.0/subscribedSkus?$select=skuPartNumber,consumedUnits", e.graphToken("Organization.Read.All"), http.StatusOK)
	first := sel["value"].([]any)[0].(map[string]any)
	if len(first) != 2 {
		t.Fatalf("$select gave %v", first)
	}
	e.expectError("GET", "/v1.0/subscribedSkus?$filter="+url.QueryEscape("skuPartNumber eq 'ENTERPRISEPACK'"), e.graphToken("Organization.Read.All"), nil,
		http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'skuPartNumber' of resource 'SubscribedSku'.")
	// Directory.Read.All also reads it; User.Read.All does not.
	e.getJSON("/v1.0/subscribedSkus", e.graphToken("Directory.Read.All"), http.StatusOK)
	e.expectError("GET", "/v1.0/subscribedSkus", e.graphToken("User.Read.All"), nil, http.StatusForbidden,
		"Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func TestManagedDevicesPageThroughTenant(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	ten := e.tenant
	tok := e.graphToken("DeviceManagementManagedDevices.Read.All")
	items, pages := e.listAll("/v1.0/deviceManagement/managedDevices?$top=7", tok)
	var want []string
	for _, d := range ten.ManagedDevices {
		want = append(want, d.ID)
	}
	if !slices.Equal(ids(items, "id"), want) {
		t.Fatalf("managed devices = %v, want %v", ids(items, "id"), want)
	}
	if wantPages := (len(want) + 6) / 7; pages != wantPages {
		t.Fatalf("pages = %d, want %d", pages, wantPages)
	}
	for i, d := range ten.ManagedDevices {
		it := items[i]
		if it["userPrincipalName"] != d.UserPrincipalName || it["complianceState"] != d.ComplianceState || it["operatingSystem"] != d.OperatingSystem {
			t.Fatalf("device %s = %v", d.ID, it)
		}
	}
	// One page holds them all by default (Intune pages at 1,000).
	m := e.getJSON("/v1.0/deviceManagement/managedDevices", tok, http.StatusOK)
	if len(m["value"].([]any)) != len(want) {
		t.Fatalf("default page: %d items, want %d", len(m["value"].([]any)), len(want))
	}
	// The example's deviceActionResults items, configurationManagerClientEnabledFeatures
	// and deviceHealthAttestationState describe features the model does not
	// track; they render as [] and null.
	listShape(t, "v1.0_deviceManagement_managedDevices_list.json", m, "deviceActionResults")
	e.expectError("GET", "/v1.0/deviceManagement/managedDevices", e.graphToken("Directory.Read.All"), nil,
		http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func TestCompanySubscriptionsMatchTenant(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	m := e.getJSON("/v1.0/directory/subscriptions", e.graphToken("LicenseAssignment.Read.All"), http.StatusOK)
	items := m["value"].([]any)
	if len(items) != len(e.tenant.CompanySubscriptions) {
		t.Fatalf("directory/subscriptions: %d, want %d", len(items), len(e.tenant.CompanySubscriptions))
	}
	for i, cs := range e.tenant.CompanySubscriptions {
		it := items[i].(map[string]any)
		if it["id"] != cs.ID || it["skuId"] != cs.SkuID || int(it["totalLicenses"].(float64)) != cs.TotalLicenses || it["isTrial"] != cs.IsTrial {
			t.Fatalf("subscription %d = %v, want %+v", i, it, cs)
		}
		plans := 0
		for _, sku := range e.tenant.SubscribedSKUs {
			if sku.SkuID == cs.SkuID {
				plans = len(sku.ServicePlans)
			}
		}
		if n := len(it["serviceStatus"].([]any)); n != plans || plans == 0 {
			t.Fatalf("subscription %s serviceStatus: %d plans, want %d", cs.SkuPartNumber, n, plans)
		}
	}
}

func TestMailboxSettings(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	var withBox, without *User
	for _, u := range e.tenant.Users {
		if u.MailboxPurpose != "" && withBox == nil {
			withBox = u
		}
		if u.MailboxPurpose == "" && without == nil {
			without = u
		}
	}
	if withBox == nil || without == nil {
		t.Fatal("tenant lacks a user with and one without a mailbox")
	}
	tok := e.graphToken("MailboxSettings.Read")
	m := e.getJSON("/v1.0/users/"+withBox.ID+"/mailboxSettings", tok, http.StatusOK)
	if got := m["userPurpose"].(map[string]any)["value"]; got != withBox.MailboxPurpose {
		t.Fatalf("userPurpose = %v, want %s", got, withBox.MailboxPurpose)
	}
	sameShape(t, exampleJSON(t, "v1.0_users_mailboxSettings.json"), m)

	sel := e.getJSON("/v1.0/users/"+withBox.ID+"/mailboxSettings?$select=userPurpose,timeZone", tok, http.StatusOK)
	if len(sel) != 3 || sel["timeZone"] == nil || sel["userPurpose"] == nil {
		t.Fatalf("$select=userPurpose,timeZone gave %v", sel)
	}
	e.expectError("GET", "/v1.0/users/"+withBox.ID+"/mailboxSettings?$select=nope", tok, nil, http.StatusBadRequest,
		"RequestBroker--ParseUri", "Could not find a property named 'nope' on type 'microsoft.graph.mailboxSettings'.")

	// By user principal name too.
	up := e.getJSON("/v1.0/users/"+withBox.UserPrincipalName+"/mailboxSettings/userPurpose", tok, http.StatusOK)
	if up["value"] != withBox.MailboxPurpose {
		t.Fatalf("userPurpose segment = %v, want %s", up["value"], withBox.MailboxPurpose)
	}
	want := e.http.URL + "/v1.0/$metadata#users('" + withBox.ID + "')/mailboxSettings/userPurpose"
	if up["@odata.context"] != want {
		t.Fatalf("@odata.context = %v, want %s", up["@odata.context"], want)
	}
	sameShape(t, exampleJSON(t, "v1.0_users_mailboxSettings_userPurpose.json"), up)

	e.expectError("GET", "/v1.0/users/"+without.ID+"/mailboxSettings", tok, nil, http.StatusNotFound,
		"MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
	e.expectError("GET", "/v1.0/users/00000000-0000-0000-0000-000000000001/mailboxSettings", tok, nil, http.StatusNotFound,
		"ErrorInvalidUser", "The requested user '00000000-0000-0000-0000-000000000001' is invalid.")
	e.expectError("GET", "/v1.0/users/"+withBox.ID+"/mailboxSettings", e.graphToken("User.Read.All"), nil,
		http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
}

// TestDirectoryPermissions: each endpoint answers 403 without any of its
// documented permissions and 200 with each of them.
func TestDirectoryPermissions(t *testing.T) {
	e := newDirectoryEnv(t, TierP2, Options{})
	cases := []struct {
		path  string
		perms []string
	}{
		{"/v1.0/organization", permsOrganization},
		{"/v1.0/domains", permsDomains},
		{"/v1.0/identity/identityProviders", permsIdentityProvider},
		{"/v1.0/subscribedSkus", permsSubscribedSkus},
		{"/v1.0/directory/subscriptions", permsCompanySubs},
		{"/beta/deviceManagement/managedDevices", permsManagedDevices},
	}
	for _, c := range cases {
		for _, p := range c.perms {
			if status, _, body := e.call("GET", c.path, e.graphToken(p), nil); status != http.StatusOK {
				t.Errorf("GET %s with %s: %d %s", c.path, p, status, body)
			}
		}
		e.expectError("GET", c.path, e.graphToken("Reports.Read.All"), nil, http.StatusForbidden,
			"Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	}
}

// decode parses a JSON object body.
func (e *directoryEnv) decode(b []byte) map[string]any {
	e.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func TestSignInLogAgreesWithSignInActivity(t *testing.T) {
	e := newDirectoryEnv(t, TierP1, Options{})
	ten := e.tenant
	tok := e.graphToken("AuditLog.Read.All")
	items, _ := e.listAll("/v1.0/auditLogs/signIns?$top=9", tok)
	want := 0
	failed := 0
	for _, u := range ten.Users {
		a := u.SignIn
		if a.LastSignInDateTime.IsZero() {
			continue
		}
		want++
		if a.LastSuccessfulSignInDateTime.Before(a.LastSignInDateTime) {
			failed++
			if !a.LastSuccessfulSignInDateTime.IsZero() {
				want++
			}
		}
	}
	if len(items) != want || want == 0 {
		t.Fatalf("signIns: %d, want %d (>0)", len(items), want)
	}
	fails := 0
	for i, it := range items {
		if i > 0 && it["createdDateTime"].(string) > items[i-1]["createdDateTime"].(string) {
			t.Fatalf("signIns not newest first at %d", i)
		}
		if it["status"].(map[string]any)["errorCode"].(float64) != 0 {
			fails++
		}
	}
	if fails != failed {
		t.Fatalf("failed sign-ins: %d, want %d", fails, failed)
	}
	// Each user's latest event is their signInActivity.lastSignInDateTime.
	u := ten.Users[0]
	for _, cand := range ten.Users {
		if !cand.SignIn.LastSignInDateTime.IsZero() {
			u = cand
			break
		}
	}
	mine, _ := e.listAll("/v1.0/auditLogs/signIns?$filter=userId%20eq%20'"+u.ID+"'", tok)
	if len(mine) == 0 || mine[0]["createdDateTime"] != u.SignIn.LastSignInDateTime.UTC().Format("2006-01-02T15:04:05Z07:00") {
		t.Fatalf("sign-ins of %s = %v, want latest %v", u.ID, mine, u.SignIn.LastSignInDateTime)
	}
	listShape(t, "v1.0_auditLogs_signIns_list.json", e.getJSON("/v1.0/auditLogs/signIns", tok, http.StatusOK), "appliedConditionalAccessPolicies")

	// The window filter clients send.
	since := ten.Now.AddDate(0, 0, -7)
	recent := 0
	for _, it := range items {
		if it["createdDateTime"].(string) >= since.UTC().Format("2006-01-02T15:04:05Z") {
			recent++
		}
	}
	window, _ := e.listAll("/v1.0/auditLogs/signIns?$filter=createdDateTime%20ge%20"+since.UTC().Format("2006-01-02T15:04:05Z"), tok)
	if len(window) != recent || recent == 0 || recent == len(items) {
		t.Fatalf("last 7 days: %d sign-ins, want %d (of %d)", len(window), recent, len(items))
	}
	e.expectError("GET", "/v1.0/auditLogs/signIns?$top=1001", tok, nil, http.StatusBadRequest, "Request_UnsupportedQuery", "")

	e.expectError("GET", "/v1.0/auditLogs/signIns", e.graphToken("Directory.Read.All"), nil, http.StatusForbidden,
		"Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	free := newDirectoryEnv(t, TierFree, Options{})
	free.expectError("GET", "/v1.0/auditLogs/signIns", free.graphToken("AuditLog.Read.All"), nil, http.StatusForbidden,
		"Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Tenant is not a B2C tenant and doesn't have premium license")
}
