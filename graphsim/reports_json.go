package graphsim

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The JSON form of the usage reports (?$format=application/json): beta for
// every report, v1.0 for getM365AppUserDetail; the Copilot report's default.

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
		case q.def.copilotRoot:
			items = append(items, copilotJSON(q.def, c))
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
