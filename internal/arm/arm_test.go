package arm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/internal/msgraph"
)

// armServer serves fixed bodies by request URI and records requests.
type armServer struct {
	mu     sync.Mutex
	uris   []string
	bodies map[string]string
	status map[string]int
	header map[string]http.Header
	got    []byte // last request body
	method string
}

func (s *armServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	uri := r.URL.RequestURI()
	s.uris = append(s.uris, r.Method+" "+uri)
	s.got, _ = io.ReadAll(r.Body)
	s.method = r.Method
	if r.Header.Get("Authorization") != "Bearer arm-token" {
		w.WriteHeader(401)
		return
	}
	for k, vs := range s.header[uri] {
		w.Header()[k] = vs
	}
	body, ok := s.bodies[uri]
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		fmt.Fprintf(w, `{"error":{"code":"ResourceNotFound","message":"no fixture for %s"}}`, uri)
		return
	}
	st := s.status[uri]
	if st == 0 {
		st = 200
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(st)
	io.WriteString(w, body)
}

func newTestClient(t *testing.T) (*Client, *armServer, string) {
	t.Helper()
	s := &armServer{bodies: map[string]string{}, status: map[string]int{}, header: map[string]http.Header{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := New(Options{BaseURL: srv.URL, HTTPClient: srv.Client(), MaxRetries: 3,
		Tokens: msgraph.TokenFunc(func(context.Context) (string, error) { return "arm-token", nil })})
	if err != nil {
		t.Fatal(err)
	}
	return c, s, srv.URL
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSubscriptions(t *testing.T) {
	c, s, _ := newTestClient(t)
	// The specs' example ends its list with the placeholder "nextLink": "...".
	s.bodies["/subscriptions?api-version=2022-12-01"] = strings.Replace(fixture(t, "arm_subscriptions_list.json"), `"nextLink": "..."`, `"nextLink": null`, 1)
	subs, err := collect(c.Subscriptions(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Fatalf("%d subscriptions", len(subs))
	}
	got := subs[0]
	got.Raw = nil
	want := Subscription{
		ID: "/subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05", SubscriptionID: "291bba3f-e0a5-47bc-a099-3bdcb2a50a05",
		TenantID: "31c75423-32d6-4322-88b7-c478bdde4858", DisplayName: "Example Subscription", State: "Enabled",
		SubscriptionPolicies: SubscriptionPolicies{LocationPlacementID: "Internal_2014-09-01", QuotaID: "Internal_2014-09-01", SpendingLimit: "Off"},
		AuthorizationSource:  "RoleBased",
		ManagedByTenants:     []ManagedByTenant{{TenantID: "8f70baf1-1f6e-46a2-a1ff-238dac1ebfb7"}},
		Tags:                 map[string]string{"tagKey1": "tagValue1", "tagKey2": "tagValue2"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("subscription =\n%+v\nwant\n%+v", got, want)
	}
	if subs[1].SubscriptionID != "72ac930a-f34e-42d8-b06d-dc2a9e12ed71" || !json.Valid(subs[1].Raw) {
		t.Fatalf("subscription 1 = %+v", subs[1])
	}
}

func TestResourceGroups(t *testing.T) {
	c, s, _ := newTestClient(t)
	s.bodies["/subscriptions/s1/resourcegroups?$filter=tagName%20eq%20'env'&$top=5&api-version=2021-04-01"] =
		`{"value":[` + fixture(t, "arm_resourceGroup_createOrUpdate_response.json") + `]}`
	rgs, err := collect(c.ResourceGroups(context.Background(), "s1", "tagName eq 'env'", 5))
	if err != nil {
		t.Fatal(err)
	}
	if len(rgs) != 1 || rgs[0].Name != "my-resource-group" || rgs[0].Location != "eastus" || rgs[0].Properties.ProvisioningState != "Succeeded" {
		t.Fatalf("resource groups = %+v", rgs)
	}
}

func TestBlobContainersFollowNextLink(t *testing.T) {
	c, s, base := newTestClient(t)
	first := strings.ReplaceAll(fixture(t, "arm_blobContainers_list.json"), "https://sto1590endpoint", base)
	p := "/subscriptions/s1/resourceGroups/res9290/providers/Microsoft.Storage/storageAccounts/sto1590/blobServices/default/containers"
	s.bodies[p+"?$maxpagesize=2&api-version=2023-05-01"] = first
	// The nextLink is followed exactly as sent (its own api-version and
	// skip token).
	s.bodies["/subscriptions/%7Bsubscription-id%7D/resourceGroups/res9290/providers/Microsoft.Storage/storageAccounts/sto1590/blobServices/default/containers?api-version=2022-09-01&$maxpagesize=2&$skipToken=/sto1590/container5103"] =
		`{"value":[{"id":"x","name":"container5103","properties":{"publicAccess":"Blob","lastModifiedTime":"2018-03-14T08:20:47Z"}}]}`
	var names []string
	for bc, err := range c.BlobContainers(context.Background(), "s1", "res9290", "sto1590", 2) {
		if err != nil {
			t.Fatalf("%v (requests %v)", err, s.uris)
		}
		names = append(names, bc.Name+":"+bc.Properties.PublicAccess)
	}
	if fmt.Sprint(names) != "[container1644:Container container4052:None container5103:Blob]" {
		t.Fatalf("containers = %v", names)
	}
}

func TestRoleAssignmentsAndDefinitions(t *testing.T) {
	c, s, _ := newTestClient(t)
	s.bodies["/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()&api-version=2022-04-01"] =
		fixture(t, "arm_roleAssignments_listForScope.json")
	s.bodies["/providers/Microsoft.Authorization/roleDefinitions?$filter=type%20eq%20'BuiltInRole'&api-version=2022-04-01"] =
		`{"value":[` + fixture(t, "arm_roleDefinition_get.json") + `]}`
	s.bodies["/subscriptions/subID/providers/Microsoft.Authorization/roleDefinitions/roleDefinitionId?api-version=2022-04-01"] =
		fixture(t, "arm_roleDefinition_get.json")
	ctx := context.Background()

	ras, err := collect(c.RoleAssignments(ctx, "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2", "atScope()"))
	if err != nil {
		t.Fatal(err)
	}
	want := RoleAssignmentProperties{
		RoleDefinitionID: "/providers/Microsoft.Authorization/roleDefinitions/0b5fe924-9a61-425c-96af-cfe6e287ca2d",
		PrincipalID:      "ce2ce14e-85d7-4629-bdbc-454d0519d987", PrincipalType: "User",
		Scope: "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
	}
	if len(ras) != 1 || ras[0].Name != "b0f43c54-e787-4862-89b1-a653fa9cf747" || !reflect.DeepEqual(ras[0].Properties, want) {
		t.Fatalf("role assignments = %+v", ras)
	}

	defs, err := collect(c.RoleDefinitions(ctx, "/", "type eq 'BuiltInRole'"))
	if err != nil {
		t.Fatal(err)
	}
	d := defs[0].Properties
	if len(defs) != 1 || d.RoleName != "Role name" || d.RoleType != "roletype" || d.AssignableScopes[0] != "/subscriptions/subId" ||
		!reflect.DeepEqual(d.Permissions, []Permission{{Actions: []string{"action"}, NotActions: []string{}, DataActions: []string{"dataAction"}, NotDataActions: []string{}}}) {
		t.Fatalf("role definitions = %+v", defs)
	}
	one, err := c.RoleDefinition(ctx, "/subscriptions/subID/providers/Microsoft.Authorization/roleDefinitions/roleDefinitionId")
	if err != nil || one.Name != "roleDefinitionId" {
		t.Fatalf("role definition = %+v, %v", one, err)
	}

	if _, err := collect(c.RoleAssignments(ctx, "subscriptions/x?y", "")); err == nil {
		t.Fatal("bad scope accepted")
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCreateAndDeleteRoleAssignment(t *testing.T) {
	var putURI string
	srvMux := http.NewServeMux()
	srvMux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.Method {
		case http.MethodPut:
			putURI = r.URL.RequestURI()
			var in struct{ Properties map[string]string }
			json.Unmarshal(body, &in)
			name := strings.TrimPrefix(r.URL.Path, "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Authorization/roleAssignments/")
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"properties":{"roleDefinitionId":%q,"principalId":%q,"principalType":%q,"scope":"/subscriptions/s1/resourceGroups/rg1","createdOn":"2026-11-01T00:00:00Z"},"id":%q,"type":"Microsoft.Authorization/roleAssignments","name":%q}`,
				in.Properties["roleDefinitionId"], in.Properties["principalId"], in.Properties["principalType"], r.URL.Path, name)
			if len(in.Properties) != 3 {
				t.Errorf("body = %s", body)
			}
		case http.MethodDelete:
			putURI = r.Method + " " + r.URL.RequestURI()
			w.WriteHeader(204)
		}
	})
	srv := httptest.NewServer(srvMux)
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL, Tokens: msgraph.TokenFunc(func(context.Context) (string, error) { return "t", nil })})
	if err != nil {
		t.Fatal(err)
	}
	rd := "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
	ra, err := c.CreateRoleAssignment(context.Background(), "/subscriptions/s1/resourceGroups/rg1", rd, "p1", "ServicePrincipal")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Authorization/roleAssignments/([^?]+)\?api-version=2022-04-01$`).FindStringSubmatch(putURI)
	if m == nil || !guidRE.MatchString(m[1]) {
		t.Fatalf("PUT %s", putURI)
	}
	if ra.Name != m[1] || ra.Properties.RoleDefinitionID != rd || ra.Properties.PrincipalID != "p1" ||
		ra.Properties.PrincipalType != "ServicePrincipal" || !ra.Properties.CreatedOn.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("assignment = %+v", ra)
	}
	if err := c.DeleteRoleAssignment(context.Background(), ra.ID); err != nil {
		t.Fatal(err)
	}
	if putURI != "DELETE "+ra.ID+"?api-version=2022-04-01" {
		t.Fatalf("delete = %s", putURI)
	}
	if err := c.DeleteRoleAssignment(context.Background(), "/subscriptions/s1"); err == nil {
		t.Fatal("non-assignment id accepted")
	}
}

func TestStorageAccountsAndIdentities(t *testing.T) {
	c, s, _ := newTestClient(t)
	s.bodies["/subscriptions/s1/providers/Microsoft.Storage/storageAccounts?api-version=2023-05-01"] = fixture(t, "arm_storageAccounts_list.json")
	s.bodies["/subscriptions/s1/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=2023-01-31"] =
		strings.Replace(fixture(t, "arm_userAssignedIdentities_listBySubscription.json"), `"nextLink"`, `"ignoredLink"`, 1)
	accts, err := collect(c.StorageAccounts(context.Background(), "s1"))
	if err != nil {
		t.Fatal(err)
	}
	a := accts[0]
	if len(accts) != 2 || a.Name != "sto1125" || a.Kind != "Storage" || a.Sku != (StorageSku{Name: "Standard_GRS", Tier: "Standard"}) ||
		a.ResourceGroupName() != "res2627" || a.Properties.PrimaryEndpoints.Blob != "https://sto1125.blob.core.windows.net/" ||
		!a.Properties.CreationTime.Equal(time.Date(2017, 5, 24, 13, 28, 53, 454039800, time.UTC)) || *a.Properties.IsHnsEnabled != true {
		t.Fatalf("storage account = %+v", a)
	}
	ids, err := collect(c.UserAssignedIdentities(context.Background(), "s1"))
	if err != nil {
		t.Fatal(err)
	}
	want := IdentityProperties{ClientID: "4024ab25-56a8-4370-aea6-6389221caf29", PrincipalID: "25cc773c-7f05-40fc-a104-32d2300754ad", TenantID: "b6c948ef-f6b5-4384-8354-da3a15eca969"}
	if len(ids) != 1 || ids[0].Name != "identityName" || ids[0].Properties != want || ids[0].ResourceGroupName() != "rgName" {
		t.Fatalf("identities = %+v", ids)
	}
}

func TestThrottlingAndErrors(t *testing.T) {
	s := &armServer{bodies: map[string]string{}, status: map[string]int{}, header: map[string]http.Header{}}
	u := "/subscriptions?api-version=2022-12-01"
	calls := 0
	s.bodies[u] = `{"value":[]}`
	// First answer 429 with a short Retry-After, then 200.
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "0.05")
			w.WriteHeader(429)
			io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"throttled"}}`)
			return
		}
		s.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(wrapped)
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL, Tokens: msgraph.TokenFunc(func(context.Context) (string, error) { return "arm-token", nil })})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := collect(c.Subscriptions(context.Background())); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Fatalf("Retry-After not honoured: %v", el)
	}
	if st := c.Stats(); st.Requests != 2 || st.Throttled != 1 || st.Retries != 1 {
		t.Fatalf("stats = %+v", st)
	}

	c3, s3, _ := newTestClient(t)
	s3.bodies["/subscriptions/s1/resourcegroups?api-version=2021-04-01"] = `{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/read'."}}`
	s3.status["/subscriptions/s1/resourcegroups?api-version=2021-04-01"] = 403
	_, err = collect(c3.ResourceGroups(context.Background(), "s1", "", 0))
	if !IsForbidden(err) || IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
	want := "page 1: arm: GET /subscriptions/s1/resourcegroups: 403 AuthorizationFailed: The client 'x' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/read'."
	if err.Error() != want {
		t.Fatalf("error =\n%s\nwant\n%s", err, want)
	}
	if len(s3.uris) != 1 {
		t.Fatalf("403 retried: %v", s3.uris)
	}
}

func TestRemainingQuotaPaces(t *testing.T) {
	c, s, _ := newTestClient(t)
	u := "/subscriptions?api-version=2022-12-01"
	s.bodies[u] = `{"value":[]}`
	// One read left: the client waits (10-1)/25 s = 360 ms before the next.
	s.header[u] = http.Header{"X-Ms-Ratelimit-Remaining-Subscription-Reads": {"1"}}
	if _, err := collect(c.Subscriptions(context.Background())); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := collect(c.Subscriptions(context.Background())); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 300*time.Millisecond || el > 10*time.Second {
		t.Fatalf("second request after %v, want about 360ms", el)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.HasPrefix(err.Error(), "arm: BaseURL is required") {
		t.Fatalf("err = %v", err)
	}
}
