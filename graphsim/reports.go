package graphsim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Usage reports (graph-facts §10): GET /reports/{function}(period='D7')
// answers 302 Found to a short-lived pre-authenticated download URL on the
// host the client called; that URL serves the CSV without Authorization.
// Beta (and v1.0 getM365AppUserDetail) also answer ?$format=application/json
// with paged JSON. /admin/reportSettings reads and sets concealed names.

const (
	// downloadPath is where pre-authenticated report downloads live; the
	// real service uses https://reports.office.com/data/download/{opaque}.
	downloadPath = "/_download/reports/"
	// downloadLifetime: Microsoft documents "a few minutes".
	downloadLifetime = 5 * time.Minute
	// reportJSONPageSize is the JSON form's page size (graph-facts §10).
	reportJSONPageSize = 200
	// reportBatch is how many users are rendered per read-lock hold, so a
	// 100,000-user report never blocks writers for long and is streamed.
	reportBatch = 512
)

// reportState is the reports' server-side state, created by
// registerReportRoutes and reached only through the handlers' closures.
type reportState struct {
	s    *Server
	defs map[string]*reportDef
	// key signs download URLs so they carry their own expiry and target and
	// the server keeps no table of them.
	key []byte

	namesOnce sync.Once
	names     *productNames
}

func (s *Server) registerReportRoutes() {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	rs := &reportState{s: s, defs: reportDefs(), key: key}
	s.graphReport("GET /reports/{function}", rs.serveReport)
	// The Copilot reports' newer home, beta only (copilotReportRoot).
	s.graphReportOnly("beta", "GET /copilot/reports/{function}", rs.serveCopilotReport)
	s.mux.HandleFunc("GET "+downloadPath+"{token}", rs.serveDownload)
	s.graph("GET /admin/reportSettings", 1, rs.getReportSettings)
	s.graph("PATCH /admin/reportSettings", 1, rs.patchReportSettings)
}

// reportRequest is a parsed report call.
type reportRequest struct {
	def     *reportDef
	version string // v1.0 | beta
	mode    string // "period", "date" or "" (no parameter)
	value   string // D7 or 2026-10-30
}

// window resolves the request's aggregation window against refresh.
func (q reportRequest) window(refresh time.Time) reportWindow {
	switch q.mode {
	case "period":
		// ALL (the Copilot report) spans everything: days 0. Microsoft does
		// not document the Report Period such a report shows; graphsim
		// writes 0.
		n, _ := strconv.Atoi(strings.TrimPrefix(q.value, "D"))
		return reportWindow{refresh: refresh, days: n}
	case "date":
		d, _ := time.Parse("2006-01-02", q.value)
		return reportWindow{refresh: d, days: 1}
	}
	return reportWindow{refresh: refresh}
}

func graphVersion(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/beta/") {
		return "beta"
	}
	return "v1.0"
}

// parseReportCall splits "getX(period='D7')" and validates it against the
// function's overloads. Errors are Graph's: an unknown function or an
// overload that does not exist is "Resource not found for the segment" (as
// Graph answers, e.g. microsoft-graph-docs-contrib issue 5853); a bad
// parameter value is a 400 BadRequest naming the parameter and what it
// accepts (Microsoft does not document that wording; this is ours).
func (rs *reportState) parseReportCall(segment string, today time.Time) (reportRequest, *APIError) {
	name, args := segment, ""
	if i := strings.IndexByte(segment, '('); i >= 0 {
		if !strings.HasSuffix(segment, ")") {
			return reportRequest{}, segmentNotFound(segment)
		}
		name, args = segment[:i], strings.TrimSpace(segment[i+1:len(segment)-1])
	}
	name = strings.TrimPrefix(name, "microsoft.graph.")
	def := rs.defs[strings.ToLower(name)]
	if def == nil {
		return reportRequest{}, segmentNotFound(name)
	}
	q := reportRequest{def: def}
	if args == "" {
		if def.takesPeriod || def.takesDate {
			return reportRequest{}, segmentNotFound(name)
		}
		return q, nil
	}
	key, val, ok := strings.Cut(args, "=")
	key = strings.TrimSpace(key)
	val = strings.TrimSpace(val)
	switch {
	case !ok:
		return reportRequest{}, segmentNotFound(name)
	case strings.EqualFold(key, "period") && def.takesPeriod:
		v, quoted := unquoteODataString(val)
		if !quoted {
			return reportRequest{}, &APIError{Status: http.StatusBadRequest, Code: "BadRequest",
				Message: "The parameter 'period' must be a string literal, for example period='D7'."}
		}
		switch {
		case v == "D7", v == "D30", v == "D90", v == "D180":
		case v == "ALL" && def.takesAll:
		case def.takesAll:
			return reportRequest{}, &APIError{Status: http.StatusBadRequest, Code: "BadRequest",
				Message: "Invalid value '" + v + "' for parameter 'period'. The supported values are D7, D30, D90, D180 and ALL."}
		default:
			return reportRequest{}, &APIError{Status: http.StatusBadRequest, Code: "BadRequest",
				Message: "Invalid value '" + v + "' for parameter 'period'. The supported values are D7, D30, D90 and D180."}
		}
		q.mode, q.value = "period", v
	case strings.EqualFold(key, "date") && def.takesDate:
		d, err := time.Parse("2006-01-02", val)
		if err != nil {
			return reportRequest{}, &APIError{Status: http.StatusBadRequest, Code: "BadRequest",
				Message: "Invalid value '" + val + "' for parameter 'date'. The date must have the format YYYY-MM-DD."}
		}
		// "As this report is only available for the past 30 days,
		// {date_value} should be a date from that range."
		if d.After(today) || !d.After(today.AddDate(0, 0, -30)) {
			return reportRequest{}, &APIError{Status: http.StatusBadRequest, Code: "BadRequest",
				Message: "Invalid value '" + val + "' for parameter 'date'. The date must be within the last 30 days."}
		}
		q.mode, q.value = "date", val
	default:
		return reportRequest{}, segmentNotFound(name)
	}
	return q, nil
}

func segmentNotFound(segment string) *APIError {
	return &APIError{Status: http.StatusBadRequest, Code: "BadRequest",
		Message: "Resource not found for the segment '" + segment + "'."}
}

// unquoteODataString reads an OData string literal such as 'D7' (a doubled
// single quote stands for one).
func unquoteODataString(v string) (string, bool) {
	if len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' {
		return "", false
	}
	return strings.ReplaceAll(v[1:len(v)-1], "''", "'"), true
}

// serveCopilotReport answers /beta/copilot/reports/{function}: only the
// Copilot reports live there; any other function is an unknown segment.
func (rs *reportState) serveCopilotReport(w http.ResponseWriter, r *http.Request, c *Caller) {
	rs.answerReport(w, r, c, true)
}

// serveReport answers a report call: 302 to the CSV, or the JSON form.
func (rs *reportState) serveReport(w http.ResponseWriter, r *http.Request, c *Caller) {
	rs.answerReport(w, r, c, false)
}

func (rs *reportState) answerReport(w http.ResponseWriter, r *http.Request, c *Caller, copilotRoot bool) {
	// Graph resolves functions per version and per root before anything
	// else: a beta-only function under v1.0, or a classic report under
	// copilot/reports, is an unknown segment.
	name, _, _ := strings.Cut(r.PathValue("function"), "(")
	name = strings.TrimPrefix(name, "microsoft.graph.")
	if def := rs.defs[strings.ToLower(name)]; def != nil &&
		(def.betaOnly && graphVersion(r) != "beta" || copilotRoot && !def.copilotRoot) {
		writeAPIError(w, r, segmentNotFound(name))
		return
	}
	if !c.Has("Reports.Read.All") {
		// What the reports service answers an app without the role
		// (SharePoint/sp-dev-docs issue 5845: 403 S2SUnauthorized).
		writeGraphError(w, r, http.StatusForbidden, "S2SUnauthorized", "Invalid permission.")
		return
	}
	t := c.Tenant
	q, apiErr := rs.parseReportCall(r.PathValue("function"), t.ReportRefreshDate())
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	q.version = graphVersion(r)
	format := r.URL.Query().Get("$format")
	wantJSON := strings.EqualFold(format, "application/json") &&
		(q.version == "beta" || q.def.name == "getM365AppUserDetail")
	if q.def.jsonDefault {
		wantJSON = !strings.EqualFold(format, "text/csv")
	}
	if wantJSON {
		rs.serveJSON(w, r, t, q)
		return
	}
	// "If-None-Match: if the eTag provided matches the current tag on the
	// file, a 304 Not Modified response code is returned" (reportRoot docs).
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == rs.etag(t, q, q.window(t.ReportRefreshDate())) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	tok := downloadToken{
		Tenant: t.ID, Function: q.def.name, Mode: q.mode, Value: q.value,
		Expires: rs.s.now().Add(downloadLifetime).Unix(),
	}
	w.Header().Set("Location", baseURL(r)+downloadPath+rs.sign(tok))
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusFound)
}

// downloadToken is what a download URL carries, signed.
type downloadToken struct {
	Tenant   string `json:"t"`
	Function string `json:"f"`
	Mode     string `json:"m,omitempty"`
	Value    string `json:"v,omitempty"`
	Expires  int64  `json:"e"`
}

func (rs *reportState) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, rs.key)
	m.Write(payload)
	return m.Sum(nil)[:20]
}

func (rs *reportState) sign(tok downloadToken) string {
	payload, _ := json.Marshal(tok)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(rs.mac(payload))
}

var errReportToken = errors.New("download token: bad signature")

func (rs *reportState) verify(s string) (downloadToken, error) {
	var tok downloadToken
	p, sig, ok := strings.Cut(s, ".")
	if !ok {
		return tok, errReportToken
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, rs.mac(payload)) {
		return tok, errReportToken
	}
	if err := json.Unmarshal(payload, &tok); err != nil {
		return tok, errReportToken
	}
	return tok, nil
}

// writeDownloadDenied answers a download URL that is unknown, tampered with
// or expired the way a stale pre-signed storage URL does: 403 with an XML
// AuthenticationFailed body.
func writeDownloadDenied(w http.ResponseWriter, detail string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusForbidden)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>`+
		`<Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.</Message>`+
		`<AuthenticationErrorDetail>`+detail+`</AuthenticationErrorDetail></Error>`)
}

// serveDownload streams the CSV a 302 pointed at. It needs no Authorization.
func (rs *reportState) serveDownload(w http.ResponseWriter, r *http.Request) {
	tok, err := rs.verify(r.PathValue("token"))
	if err != nil {
		writeDownloadDenied(w, "Signature did not match.")
		return
	}
	if rs.s.now().Unix() > tok.Expires {
		writeDownloadDenied(w, "Signed expiry time ["+time.Unix(tok.Expires, 0).UTC().Format(http.TimeFormat)+"] must be after signed start time.")
		return
	}
	t := rs.s.tenant(tok.Tenant)
	def := rs.defs[strings.ToLower(tok.Function)]
	if t == nil || def == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	q := reportRequest{def: def, mode: tok.Mode, value: tok.Value}
	win := q.window(t.ReportRefreshDate())
	etag := rs.etag(t, q, win)
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("ETag", etag)
	h.Set("Content-Disposition", `attachment; filename="`+strings.TrimPrefix(def.name, "get")+
		strconv.Itoa(win.days)+"_"+reportDate(win.refresh)+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_ = rs.writeCSV(w, t, q.def, win)
}

// etag names the report's content: the tenant's change sequence, the
// concealed setting and the window.
func (rs *reportState) etag(t *Tenant, q reportRequest, win reportWindow) string {
	var concealed bool
	var seq uint64
	t.Snapshot(func(t *Tenant) {
		concealed = t.ReportSettings.DisplayConcealedNames
		seq = t.seq
	})
	sum := sha256.Sum256([]byte(t.ID + "|" + q.def.name + "|" + reportDate(win.refresh) + "|" +
		strconv.Itoa(win.days) + "|" + strconv.FormatBool(concealed) + "|" + strconv.FormatUint(seq, 10)))
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

// getReportSettings serves GET /admin/reportSettings in the shape of the
// documentation's example (v1.0_admin_reportSettings_get.json), which wraps
// the object in "value".
func (rs *reportState) getReportSettings(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has("ReportSettings.Read.All", "ReportSettings.ReadWrite.All") {
		writeGraphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	var concealed bool
	c.Tenant.Snapshot(func(t *Tenant) { concealed = t.ReportSettings.DisplayConcealedNames })
	writeJSON(w, http.StatusOK, entity{{"value", entity{
		{"@odata.type", "#microsoft.graph.adminReportSettings"},
		{"displayConcealedNames", concealed},
	}}})
}

// patchReportSettings serves PATCH /admin/reportSettings: 204 on success.
func (rs *reportState) patchReportSettings(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has("ReportSettings.ReadWrite.All") {
		writeGraphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest",
			"Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return
	}
	for k, v := range body {
		switch k {
		case "displayConcealedNames":
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				writeGraphError(w, r, http.StatusBadRequest, "BadRequest",
					"Cannot convert the literal '"+string(v)+"' to the expected type 'Edm.Boolean'.")
				return
			}
			c.Tenant.SetDisplayConcealedNames(b)
		case "@odata.type", "@odata.context":
		default:
			writeGraphError(w, r, http.StatusBadRequest, "BadRequest",
				"The property '"+k+"' does not exist on type 'microsoft.graph.adminReportSettings'. Make sure to only use property names that are defined by the type or mark the type as open type.")
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
