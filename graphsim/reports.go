package graphsim

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tenantscope/tenantscope/internal/license"
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
		n, _ := strconv.Atoi(q.value[1:])
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
// parameter value is a 400 naming it.
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
		switch v {
		case "D7", "D30", "D90", "D180":
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

// serveReport answers a report call: 302 to the CSV, or the JSON form.
func (rs *reportState) serveReport(w http.ResponseWriter, r *http.Request, c *Caller) {
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
	if strings.EqualFold(r.URL.Query().Get("$format"), "application/json") &&
		(q.version == "beta" || q.def.name == "getM365AppUserDetail") {
		rs.serveJSON(w, r, t, q)
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

// reportSource is a report's rows, walked in batches under the tenant's
// read lock.
type reportSource struct {
	rs        *reportState
	t         *Tenant
	def       *reportDef
	win       reportWindow
	concealed bool
	users     []*User // live users then deleted users, snapshotted
	live      int     // users[:live] are live
	skus      map[string]*SubscribedSKU
	names     *productNames
	// perUser walks a per-activation report once per user (its JSON form
	// nests the activations).
	perUser bool
}

func (rs *reportState) source(t *Tenant, def *reportDef, win reportWindow) *reportSource {
	src := &reportSource{rs: rs, t: t, def: def, win: win, names: rs.productNames()}
	t.mu.RLock()
	defer t.mu.RUnlock()
	src.concealed = t.ReportSettings.DisplayConcealedNames
	src.users = make([]*User, 0, len(t.Users))
	src.users = append(src.users, t.Users...)
	src.live = len(src.users)
	for _, u := range t.Deleted {
		// Deleted users appear while the deletion falls within the period.
		if win.in(u.DeletedDateTime) {
			src.users = append(src.users, u)
		}
	}
	src.skus = make(map[string]*SubscribedSKU, len(t.SubscribedSKUs))
	for _, s := range t.SubscribedSKUs {
		src.skus[strings.ToLower(s.SkuID)] = s
	}
	return src
}

// each calls fn for every row from user position from on, holding the read
// lock for at most reportBatch users at a time and calling flush (without
// the lock) after each batch. fn returns false to stop; each returns the
// position after the last user visited.
func (src *reportSource) each(from int, fn func(c *rowCtx) bool, flush func() error) (int, error) {
	i := from
	// One row context for the whole walk: renderers must not keep it.
	var (
		c   rowCtx
		lic userLicences
	)
	for i < len(src.users) {
		end := min(i+reportBatch, len(src.users))
		stopped := false
		src.t.mu.RLock()
		for ; i < end && !stopped; i++ {
			u := src.users[i]
			lic = licencesOf(src.skus, u)
			c = rowCtx{t: src.t, u: u, deleted: i >= src.live, w: src.win, concealed: src.concealed, lic: &lic, cat: src.names}
			if !src.def.covers(&c) {
				continue
			}
			if src.def.perActivation && !src.perUser {
				for k := range u.Activity.ActivatedProducts {
					c.act = &u.Activity.ActivatedProducts[k]
					if !fn(&c) {
						stopped = true
					}
				}
				continue
			}
			if !fn(&c) {
				stopped = true
			}
		}
		src.t.mu.RUnlock()
		if err := flush(); err != nil {
			return i, err
		}
		if stopped {
			break
		}
	}
	return i, nil
}

var reportBOM = []byte{0xEF, 0xBB, 0xBF}

// writeCSV streams the report: UTF-8 BOM, CRLF line ends, the documented
// header, one row per covered user.
func (rs *reportState) writeCSV(w io.Writer, t *Tenant, def *reportDef, win reportWindow) error {
	src := rs.source(t, def, win)
	var buf bytes.Buffer
	buf.Write(reportBOM)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	rec := make([]string, len(def.columns))
	for i, col := range def.columns {
		rec[i] = col.header
	}
	_ = cw.Write(rec)
	_, err := src.each(0, func(c *rowCtx) bool {
		for i, col := range def.columns {
			rec[i] = col.value(c)
		}
		_ = cw.Write(rec)
		return true
	}, func() error {
		cw.Flush()
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		return err
	})
	if err != nil {
		return err
	}
	cw.Flush()
	_, err = w.Write(buf.Bytes())
	return err
}

// serveJSON answers ?$format=application/json: 200 rows per page with an
// opaque $skiptoken in @odata.nextLink.
func (rs *reportState) serveJSON(w http.ResponseWriter, r *http.Request, t *Tenant, q reportRequest) {
	from := 0
	if st := r.URL.Query().Get("$skiptoken"); st != "" {
		n, err := decodeReportSkipToken(st)
		if err != nil {
			writeGraphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid skip token.")
			return
		}
		from = n
	}
	win := q.window(t.ReportRefreshDate())
	src := rs.source(t, q.def, win)
	src.perUser = true
	items := make([]any, 0, reportJSONPageSize)
	next, _ := src.each(from, func(c *rowCtx) bool {
		switch {
		case q.def.name == "getM365AppUserDetail":
			items = append(items, m365AppJSON(q.def, c))
		case q.def.perActivation:
			items = append(items, activationsJSON(q.def, c))
		default:
			items = append(items, rowJSON(q.def, c))
		}
		return len(items) < reportJSONPageSize
	}, func() error { return nil })

	body := entity{}
	if q.version == "beta" {
		body = append(body, property{"@odata.context", baseURL(r) + "/beta/$metadata#Collection(microsoft.graph." + q.def.odataType + ")"})
	}
	if len(items) == reportJSONPageSize && next < len(src.users) {
		u := *r.URL
		qs := u.Query()
		qs.Set("$skiptoken", encodeReportSkipToken(next))
		body = append(body, property{"@odata.nextLink", baseURL(r) + u.Path + "?" + encodeQueryDollar(qs)})
	}
	body = append(body, property{"value", items})
	writeJSON(w, http.StatusOK, body)
}

// encodeQueryDollar encodes a query keeping '$' literal in names, as Graph's
// nextLinks do.
func encodeQueryDollar(v url.Values) string {
	return strings.ReplaceAll(v.Encode(), "%24", "$")
}

func encodeReportSkipToken(pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("rpt:" + strconv.Itoa(pos)))
}

func decodeReportSkipToken(s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !bytes.HasPrefix(b, []byte("rpt:")) {
		return 0, errReportToken
	}
	n, err := strconv.Atoi(string(b[4:]))
	if err != nil || n < 0 {
		return 0, errReportToken
	}
	return n, nil
}

// rowJSON renders a row as the beta JSON form: the columns' camelCase
// properties, typed.
func rowJSON(def *reportDef, c *rowCtx) entity {
	e := make(entity, 0, len(def.columns))
	for _, col := range def.columns {
		e = append(e, property{col.json, jsonValue(col.kind, col.value(c))})
	}
	return e
}

func jsonValue(k colKind, v string) any {
	switch k {
	case kindDate:
		if v == "" {
			return nil
		}
		return v
	case kindBool:
		return v == "True" || v == "Yes"
	case kindInt:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	case kindProducts:
		if v == "" {
			return []string{}
		}
		return strings.Split(v, "+")
	}
	return v
}

// m365AppJSON is getM365AppUserDetail's JSON shape
// (v1.0_reports_getM365AppUserDetail_json.json): the user, then details[]
// with the period and every flag.
func m365AppJSON(def *reportDef, c *rowCtx) entity {
	e := entity{}
	detail := entity{}
	for _, col := range def.columns {
		switch col.json {
		case "reportRefreshDate", "userPrincipalName", "lastActivationDate", "lastActivityDate":
			e = append(e, property{col.json, jsonValue(col.kind, col.value(c))})
		case "reportPeriod":
			detail = append(entity{{"reportPeriod", c.w.days}}, detail...)
		default:
			detail = append(detail, property{col.json, jsonValue(col.kind, col.value(c))})
		}
	}
	return append(e, property{"details", []entity{detail}})
}

// activationsJSON is office365ActivationsUserDetail's JSON shape (beta
// reportroot-getoffice365activationsuserdetail.md): the user, then
// userActivationCounts[] with one entry per product type.
func activationsJSON(def *reportDef, c *rowCtx) entity {
	e := entity{}
	counts := make([]entity, 0, len(c.u.Activity.ActivatedProducts))
	for k := range c.u.Activity.ActivatedProducts {
		c.act = &c.u.Activity.ActivatedProducts[k]
		n := entity{}
		for _, col := range def.columns {
			switch col.json {
			case "reportRefreshDate", "userPrincipalName", "displayName":
				if k == 0 {
					e = append(e, property{col.json, jsonValue(col.kind, col.value(c))})
				}
			default:
				n = append(n, property{col.json, jsonValue(col.kind, col.value(c))})
			}
		}
		counts = append(counts, n)
	}
	c.act = nil
	return append(e, property{"userActivationCounts", counts})
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

// userLicences is what a user's licences give them, per workload.
type userLicences struct {
	has      [NumServices]bool
	assigned [NumServices]time.Time
	// exchangePlan is the service plan that gives the mailbox (quotas).
	exchangePlan string
}

// planServices maps a service plan to the workloads (a bit per Service)
// whose usage the reports track. Names are Microsoft's service plan names
// (ms-licensing.csv); SharePoint plans bring OneDrive with them.
func planServices(plan string) uint16 {
	const (
		exchange   = 1<<ServiceExchange | 1<<ServiceOutlook
		sharePoint = 1<<ServiceSharePoint | 1<<ServiceOneDrive
	)
	switch {
	case plan == "EXCHANGE_S_FOUNDATION" || strings.Contains(plan, "ARCHIVE") || plan == "EXCHANGE_ANALYTICS":
		return 0
	case strings.HasPrefix(plan, "EXCHANGE_S_") || strings.HasPrefix(plan, "EXCHANGE_B_") || strings.HasPrefix(plan, "EXCHANGE_L_"):
		return exchange
	case strings.HasPrefix(plan, "SHAREPOINTENTERPRISE") || strings.HasPrefix(plan, "SHAREPOINTSTANDARD") ||
		strings.HasPrefix(plan, "SHAREPOINTDESKLESS") || strings.HasPrefix(plan, "SHAREPOINT_S_"):
		return sharePoint
	case strings.HasPrefix(plan, "ONEDRIVE"):
		return 1 << ServiceOneDrive
	case plan == "MCOSTANDARD" || plan == "MCOIMP" || plan == "MCOLITE":
		return 1 << ServiceSkype
	case strings.HasPrefix(plan, "YAMMER_"):
		return 1 << ServiceYammer
	case plan == "TEAMS1" || plan == "TEAMS_FREE" || strings.HasPrefix(plan, "TEAMS_AR_") || plan == "TEAMS_GOV":
		return 1 << ServiceTeams
	case plan == "OFFICESUBSCRIPTION" || plan == "OFFICE_BUSINESS" || strings.HasPrefix(plan, "OFFICESUBSCRIPTION_"),
		// Office for the web and mobile: the apps report lists their users
		// too (the generator's rightsOf agrees).
		plan == "SHAREPOINTWAC" || plan == "OFFICEMOBILE_SUBSCRIPTION":
		return 1 << ServiceM365Apps
	}
	return 0
}

// licencesOf works out the user's workloads from their assigned SKUs'
// service plans, less disabled plans. Called with the tenant read-locked.
func licencesOf(skus map[string]*SubscribedSKU, u *User) userLicences {
	var l userLicences
	for _, al := range u.AssignedLicenses {
		sku := skus[strings.ToLower(al.SkuID)]
		if sku == nil {
			continue
		}
		assigned := licenceAssignDate(u, al.SkuID)
	plans:
		for _, p := range sku.ServicePlans {
			for _, d := range al.DisabledPlans {
				if strings.EqualFold(d, p.ServicePlanID) {
					continue plans
				}
			}
			bits := planServices(p.ServicePlanName)
			if bits&(1<<ServiceExchange) != 0 && (l.exchangePlan == "" || p.ServicePlanName == "EXCHANGE_S_ENTERPRISE") {
				l.exchangePlan = p.ServicePlanName
			}
			for s := Service(0); bits != 0 && s < NumServices; s++ {
				if bits&(1<<s) == 0 {
					continue
				}
				l.has[s] = true
				if l.assigned[s].IsZero() || assigned.Before(l.assigned[s]) {
					l.assigned[s] = assigned
				}
			}
		}
	}
	return l
}

// licenceAssignDate is when the SKU was assigned: the earliest update of its
// assignment states (direct or via a group), else the account's creation.
func licenceAssignDate(u *User, skuID string) time.Time {
	var first time.Time
	for _, st := range u.LicenseAssignmentStates {
		if strings.EqualFold(st.SkuID, skuID) && !st.LastUpdatedDateTime.IsZero() &&
			(first.IsZero() || st.LastUpdatedDateTime.Before(first)) {
			first = st.LastUpdatedDateTime
		}
	}
	if first.IsZero() {
		return u.CreatedDateTime
	}
	return first
}

// productNames names SKUs the way the reports' Assigned Products column
// does: Microsoft's product display names (the licensing table), in upper
// case as the usage reports print them.
type productNames struct {
	bySkuID map[string]string // lower-case sku id -> name
}

func (rs *reportState) productNames() *productNames {
	rs.namesOnce.Do(func() {
		rs.names = &productNames{bySkuID: map[string]string{}}
		cat, err := license.Embedded()
		if err != nil {
			return // names fall back to the SKU part number
		}
		for _, p := range cat.Products() {
			rs.names.bySkuID[strings.ToLower(p.SkuID)] = strings.ToUpper(p.DisplayName)
		}
	})
	return rs.names
}

// assignedProducts joins the user's products with '+'. Called with the
// tenant read-locked.
func (p *productNames) assignedProducts(t *Tenant, u *User) string {
	var b strings.Builder
	seen := make([]string, 0, len(u.AssignedLicenses))
	for _, al := range u.AssignedLicenses {
		name := p.bySkuID[strings.ToLower(al.SkuID)]
		if name == "" {
			for _, s := range t.SubscribedSKUs {
				if strings.EqualFold(s.SkuID, al.SkuID) {
					name = s.SkuPartNumber
					break
				}
			}
		}
		if name == "" || slices.Contains(seen, name) {
			continue
		}
		seen = append(seen, name)
		if b.Len() > 0 {
			b.WriteByte('+')
		}
		b.WriteString(name)
	}
	return b.String()
}
