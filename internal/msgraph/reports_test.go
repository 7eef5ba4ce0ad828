package msgraph

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestReportFollowsRedirectWithoutAuthorization(t *testing.T) {
	csv := fixture(t, "reports_getOffice365ActiveUserDetail.csv", "")
	var downloads atomic.Int32
	download := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		downloads.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("download carried Authorization")
		}
		if r.URL.RequestURI() != "/data/download/abc?sig=xyz" {
			t.Errorf("download URL = %s", r.URL.RequestURI())
		}
		if downloads.Load() == 1 {
			w.WriteHeader(503)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(append([]byte("\ufeff"), csv...))
	}))
	defer download.Close()
	var graphURI, graphAuth string
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		graphURI, graphAuth = r.URL.RequestURI(), r.Header.Get("Authorization")
		w.Header().Set("Location", download.URL+"/data/download/abc?sig=xyz")
		w.WriteHeader(http.StatusFound)
	}))
	rc, err := env.c.Report(context.Background(), "getOffice365ActiveUserDetail", "D7")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "\ufeff"+string(csv) {
		t.Fatalf("body = %q", got)
	}
	if graphURI != "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')" || graphAuth != "Bearer tok-1" {
		t.Fatalf("graph request = %s (%s)", graphURI, graphAuth)
	}
	if st := env.c.Stats(); st.Requests != 3 || st.Retries != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestReportURLForms(t *testing.T) {
	var uris []string
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uris = append(uris, r.URL.RequestURI())
		w.Write([]byte("Report Refresh Date\n"))
	}))
	for _, tc := range [][2]string{{"getOffice365ActivationsUserDetail", ""}, {"getEmailActivityUserDetail", "2026-10-30"}} {
		rc, err := env.c.Report(context.Background(), tc[0], tc[1])
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != "Report Refresh Date\n" {
			t.Fatalf("body = %q", b)
		}
	}
	want := "/v1.0/reports/getOffice365ActivationsUserDetail|/v1.0/reports/getEmailActivityUserDetail(date=2026-10-30)"
	if strings.Join(uris, "|") != want {
		t.Fatalf("uris = %v", uris)
	}
	for _, bad := range [][2]string{{"get/../../x", "D7"}, {"getX", "D7')/x"}} {
		if _, err := env.c.Report(context.Background(), bad[0], bad[1]); err == nil {
			t.Errorf("Report(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestReportForbidden(t *testing.T) {
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 403, []byte(`{"error":{"code":"UnknownError","message":"{\"error\":{\"code\":\"S2SUnauthorized\",\"message\":\"Invalid permission.\"}}"}}`))
	}))
	_, err := env.c.Report(context.Background(), "getMailboxUsageDetail", "D30")
	if !IsForbidden(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestReportDownloadErrorHidesSignedURL(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close() // nothing listens there any more
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", goneURL+"/data/download/abc?sig=SECRETSIG")
		w.WriteHeader(http.StatusFound)
	}), func(o *Options) { o.MaxRetries = 1 })
	_, err := env.c.Report(context.Background(), "getOffice365ActiveUserDetail", "D30")
	if err == nil || strings.Contains(err.Error(), "SECRETSIG") || !strings.Contains(err.Error(), "report download /data/download/abc") {
		t.Fatalf("err = %v", err)
	}
}

func TestReportRefusesDowngradeToHTTP(t *testing.T) {
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://reports.example/data/download/abc?sig=x")
		w.WriteHeader(http.StatusFound)
	}))
	defer tls.Close()
	c, err := New(Options{BaseURL: tls.URL, HTTPClient: tls.Client(), Tokens: &fakeTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Report(context.Background(), "getOffice365ActiveUserDetail", "D7")
	if err == nil || !strings.Contains(err.Error(), `refusing report Location with scheme "http"`) || c.Stats().Requests != 1 {
		t.Fatalf("err = %v, stats = %+v", err, c.Stats())
	}
}

// The Copilot report is beta only and answers JSON unless asked for
// text/csv: ReportWith calls /beta with $format and follows the 302 to the
// download host without the token, like Report.
func TestReportWithBetaCSV(t *testing.T) {
	var downloadAuth string
	download := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		downloadAuth = r.Header.Get("Authorization")
		w.Write([]byte("\ufeffReport Refresh Date,Report Period,User Principal Name,Last Activity Date\r\n"))
	}))
	defer download.Close()
	var graphURI, graphAuth string
	env := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		graphURI, graphAuth = r.URL.RequestURI(), r.Header.Get("Authorization")
		w.Header().Set("Location", download.URL+"/data/download/copilot?sig=xyz")
		w.WriteHeader(http.StatusFound)
	}))
	rc, err := env.c.ReportWith(context.Background(), "getMicrosoft365CopilotUsageUserDetail", "D180", ReportOptions{Beta: true, Format: "text/csv"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !strings.HasPrefix(string(b), "\ufeffReport Refresh Date") {
		t.Errorf("body = %q", b)
	}
	if graphURI != "/beta/reports/getMicrosoft365CopilotUsageUserDetail(period='D180')?$format=text/csv" || graphAuth != "Bearer tok-1" {
		t.Errorf("graph request = %s (%s)", graphURI, graphAuth)
	}
	if downloadAuth != "" {
		t.Errorf("download carried Authorization")
	}
	if _, err := env.c.ReportWith(context.Background(), "getX", "D7", ReportOptions{Format: "text/csv&$x=1"}); err == nil {
		t.Errorf("a format with query syntax was sent")
	}
	// A 404 (a national cloud without the API) comes back as *Error.
	env404 := newEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		w.Write([]byte(`{"error":{"code":"NotFound","message":"Resource not found."}}`))
	}))
	_, err = env404.c.ReportWith(context.Background(), "getMicrosoft365CopilotUsageUserDetail", "D180", ReportOptions{Beta: true, Format: "text/csv"})
	var ge *Error
	if !errors.As(err, &ge) || ge.StatusCode != 404 {
		t.Errorf("404: %v", err)
	}
}
