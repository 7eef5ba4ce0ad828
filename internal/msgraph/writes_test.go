package msgraph

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
)

// writeRecorder records one write and answers with status and body.
type writeRecorder struct {
	method, uri, ctype string
	body               []byte
	status             int
	reply              string
}

func (w *writeRecorder) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.method, w.uri, w.ctype = r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type")
	w.body, _ = io.ReadAll(r.Body)
	if w.reply == "" {
		rw.WriteHeader(w.status)
		return
	}
	writeBody(rw, w.status, []byte(w.reply))
}

func TestAssignLicenseBody(t *testing.T) {
	rec := &writeRecorder{status: 200, reply: `{"id":"u1","displayName":"x"}`}
	env := newEnv(t, rec)
	err := env.c.AssignLicense(context.Background(), "u1",
		[]AssignedLicense{{SkuID: "45715bb8-13f9-4bf6-927f-ef96c102d394", DisabledPlans: []string{"11b0131d-43c8-4bbb-b2c8-e80f9a50834a"}}},
		[]string{"bea13e0c-3828-4daa-a392-28af7ff61a0f"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.method != "POST" || rec.uri != "/v1.0/users/u1/assignLicense" || rec.ctype != "application/json" {
		t.Fatalf("request = %s %s %s", rec.method, rec.uri, rec.ctype)
	}
	// Exactly Microsoft's documented request.
	if compact(t, rec.body) != compact(t, fixture(t, "v1.0_assignLicense_request.json", "")) {
		t.Fatalf("body = %s", rec.body)
	}
	// Both arrays present even when empty; nil disabledPlans sent as [].
	if err := env.c.AssignLicense(context.Background(), "u1", []AssignedLicense{{SkuID: "s"}}, nil); err != nil {
		t.Fatal(err)
	}
	if string(rec.body) != `{"addLicenses":[{"skuId":"s","disabledPlans":[]}],"removeLicenses":[]}` {
		t.Fatalf("body = %s", rec.body)
	}
}

func TestAssignLicenseErrorIsReturned(t *testing.T) {
	rec := &writeRecorder{status: 400, reply: `{"error":{"code":"Request_BadRequest","message":"License assignment cannot be done for user with invalid usage location."}}`}
	env := newEnv(t, rec)
	err := env.c.AssignLicense(context.Background(), "u1", []AssignedLicense{{SkuID: "s"}}, nil)
	want := "graph: POST /v1.0/users/u1/assignLicense: 400 Request_BadRequest: License assignment cannot be done for user with invalid usage location."
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v", err)
	}
}

func TestSetAccountEnabled(t *testing.T) {
	rec := &writeRecorder{status: 204}
	env := newEnv(t, rec)
	if err := env.c.SetAccountEnabled(context.Background(), "someone@contoso.com", false); err != nil {
		t.Fatal(err)
	}
	if rec.method != "PATCH" || rec.uri != "/v1.0/users/someone@contoso.com" || string(rec.body) != `{"accountEnabled":false}` {
		t.Fatalf("request = %s %s %s", rec.method, rec.uri, rec.body)
	}
}

func TestRevokeSignInSessionsAccepts200And204(t *testing.T) {
	for _, rec := range []*writeRecorder{
		{status: 200, reply: string(fixture(t, "v1.0_users_revokeSignInSessions_response.json", ""))},
		{status: 204},
	} {
		env := newEnv(t, rec)
		if err := env.c.RevokeSignInSessions(context.Background(), "u1"); err != nil {
			t.Fatalf("status %d: %v", rec.status, err)
		}
		if rec.method != "POST" || rec.uri != "/v1.0/users/u1/revokeSignInSessions" || len(rec.body) != 0 {
			t.Fatalf("request = %s %s %q", rec.method, rec.uri, rec.body)
		}
	}
}

func TestGroupMemberRefs(t *testing.T) {
	rec := &writeRecorder{status: 204}
	env := newEnv(t, rec)
	if err := env.c.AddGroupMember(context.Background(), "g1", "u1"); err != nil {
		t.Fatal(err)
	}
	if rec.method != "POST" || rec.uri != "/v1.0/groups/g1/members/$ref" ||
		string(rec.body) != `{"@odata.id":"`+env.srv.URL+`/v1.0/directoryObjects/u1"}` {
		t.Fatalf("add = %s %s %s", rec.method, rec.uri, rec.body)
	}
	if err := env.c.RemoveGroupMember(context.Background(), "g1", "u1"); err != nil {
		t.Fatal(err)
	}
	if rec.method != "DELETE" || rec.uri != "/v1.0/groups/g1/members/u1/$ref" || len(rec.body) != 0 {
		t.Fatalf("remove = %s %s %s", rec.method, rec.uri, rec.body)
	}
}

func TestAddGroupMemberAlreadyPresentIsSuccess(t *testing.T) {
	rec := &writeRecorder{status: 400, reply: `{"error":{"code":"Request_BadRequest","message":"One or more added object references already exist for the following modified properties: 'members'."}}`}
	env := newEnv(t, rec)
	if err := env.c.AddGroupMember(context.Background(), "g1", "u1"); err != nil {
		t.Fatalf("err = %v", err)
	}
	rec.reply = `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'u1' does not exist or one of its queried reference-property objects are not present."}}`
	rec.status = 404
	err := env.c.AddGroupMember(context.Background(), "g1", "u1")
	var ge *Error
	if !errors.As(err, &ge) || !IsNotFound(err) || env.c.Stats().Requests != 2 {
		t.Fatalf("err = %v", err)
	}
}

func TestReportSettings(t *testing.T) {
	for body, want := range map[string]bool{
		string(fixture(t, "v1.0_admin_reportSettings_get.json", "")): true,
		`{"displayConcealedNames":false}`:                            false,
	} {
		env := newEnv(t, &writeRecorder{status: 200, reply: body})
		got, err := env.c.ReportSettings(context.Background())
		if err != nil || got != want {
			t.Fatalf("%s → %v, %v", body, got, err)
		}
	}
	rec := &writeRecorder{status: 204}
	env := newEnv(t, rec)
	if err := env.c.SetReportSettings(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if rec.method != "PATCH" || rec.uri != "/v1.0/admin/reportSettings" || string(rec.body) != `{"displayConcealedNames":false}` {
		t.Fatalf("request = %s %s %s", rec.method, rec.uri, rec.body)
	}
	if _, err := parseReportSettings([]byte(`{"value":{}}`)); err == nil {
		t.Fatal("settings without displayConcealedNames accepted")
	}
}

func TestRemoveGroupMemberNotMemberIsSuccess(t *testing.T) {
	rec := &writeRecorder{status: 404, reply: `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'u1' does not exist or one of its queried reference-property objects are not present."}}`}
	env := newEnv(t, rec)
	if err := env.c.RemoveGroupMember(context.Background(), "g1", "u1"); err != nil {
		t.Fatalf("not a member: %v", err)
	}
	rec.reply = `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'g1' does not exist or one of its queried reference-property objects are not present."}}`
	if err := env.c.RemoveGroupMember(context.Background(), "g1", "u1"); !IsNotFound(err) {
		t.Fatalf("missing group: %v", err)
	}
}
