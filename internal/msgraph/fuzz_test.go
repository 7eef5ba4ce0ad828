package msgraph

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// The decoders face whatever a server (or a proxy cutting it short) sends:
// they must return an error, never panic, and keep what they accept
// consistent.

func FuzzDecodePage(f *testing.F) {
	for _, name := range []string{"v1.0_users_list.json", "v1.0_groups_list.json", "v1.0_subscribedSkus.json"} {
		f.Add(fixture(f, name, ""))
	}
	f.Add([]byte(`{"value":[{"id":"x","createdDateTime":"2024-01-01T00:00:00Z"}],"@odata.nextLink":"https://h/v1.0/users?$skiptoken=1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var pg page
		if json.Unmarshal(b, &pg) != nil {
			return
		}
		for _, raw := range pg.Value {
			if u, err := decodeItem[User](raw); err == nil && string(u.Raw) != string(raw) {
				t.Fatalf("Raw not kept: %s vs %s", u.Raw, raw)
			}
			decodeItem[Group](raw)
			decodeItem[SubscribedSKU](raw)
		}
	})
}

func FuzzDecodeDeltaPage(f *testing.F) {
	for _, name := range []string{"v1.0_users_delta_changes_with_removed.json", "v1.0_groups_delta.json", "v1.0_users_delta_page1_nextLink.json"} {
		f.Add(fixture(f, name, ""))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pg page
		if json.Unmarshal(b, &pg) != nil {
			return
		}
		if dp, err := decodeDeltaPage[Group](&pg); err == nil && len(dp.Items)+len(dp.Removed) != len(pg.Value) {
			t.Fatalf("%d items + %d removed from %d values", len(dp.Items), len(dp.Removed), len(pg.Value))
		}
		decodeDeltaPage[User](&pg)
	})
}

func FuzzParseError(f *testing.F) {
	for _, name := range []string{"error_throttled_429.json", "error_format_docs.json", "error_not_found_observed.json", "error_signInActivity_no_premium_observed.json"} {
		f.Add(400, fixture(f, name, ""))
	}
	f.Add(502, []byte("<html>Bad gateway</html>"))
	f.Fuzz(func(t *testing.T, status int, b []byte) {
		e := parseError(status, http.Header{"Retry-After": {"1"}}, b, time.Unix(0, 0))
		if e.StatusCode != status || e.Message == "" && status >= 100 && status < 600 && http.StatusText(status) != "" {
			t.Fatalf("parseError = %+v", e)
		}
		_ = e.Error()
		if _, err := ParseMailboxPurpose(b); err != nil {
			_ = err.Error()
		}
		parseReportSettings(b)
	})
}

// The members@delta fast path reads exactly what encoding/json reads.
func FuzzMemberDelta(f *testing.F) {
	for _, s := range []string{
		`{"@odata.type":"#microsoft.graph.user","id":"5e4f2b6a-0000-4000-8000-000000000001"}`,
		` { "id" : "a" , "@odata.type" : "#microsoft.graph.group" } `,
		`{"@odata.type":"#microsoft.graph.user","id":"x","@removed":{"reason":"deleted"}}`,
		`{"ID":"upper"}`, `{"id":"a","id":"b"}`, `{}`, `{"id":"\u0041"}`, `{"id":1}`, `{"id":"é"}`,
		`{"@REMOVED":"x","id":"y"}`, `{"id":"a"} x`, `[]`, `{"id":"a",}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, slow MemberDelta
		errFast := fast.UnmarshalJSON(b)
		var w struct {
			ID        string          `json:"id"`
			ODataType string          `json:"@odata.type"`
			Removed   json.RawMessage `json:"@removed"`
		}
		errSlow := json.Unmarshal(b, &w)
		if (errFast == nil) != (errSlow == nil) {
			t.Fatalf("%q: fast error %v, encoding/json error %v", b, errFast, errSlow)
		}
		if errSlow != nil {
			return
		}
		slow = MemberDelta{ID: w.ID, ODataType: w.ODataType, Removed: len(w.Removed) > 0 && string(w.Removed) != "null"}
		if fast != slow {
			t.Fatalf("%q: fast %+v, encoding/json %+v", b, fast, slow)
		}
	})
}
