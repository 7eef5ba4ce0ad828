package analysis

import (
	"reflect"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/internal/license"
)

func TestRowsRoundTripAndRejectCorruption(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	in := license.Input{
		ActivityKnown: true, CopilotKnown: true,
		SKUs: []license.SKU{{SkuID: "e5", SkuPartNumber: "SPE_E5"}, {SkuID: "e3", SkuPartNumber: "SPE_E3"},
			{SkuID: "cp", SkuPartNumber: "Microsoft_365_Copilot", ServicePlanNames: []string{"M365_COPILOT_APPS"}}},
		Users: []license.User{
			{ID: "1", UserPrincipalName: "a@x", Created: day("2020-02-29"), Licenses: []license.Assignment{{SkuID: "e5"}, {SkuID: "gone"}, {SkuID: "e3"}, {SkuID: "cp"}}, DesktopApps: true,
				Copilot:              &license.CopilotUse{Last: day("2026-09-30")},
				LastSuccessfulSignIn: day("2026-10-01"), Email: &license.EmailCounts{Sent: 3, Received: 400, Read: -1},
				Activations: []license.Activation{{LastActivated: day("2025-01-02"), Windows: 2, IOS: 1}, {LastActivated: day("2026-02-03"), Android: 1}}},
			{ID: "2", UserPrincipalName: "b@x", AccountEnabled: true},
		},
	}
	in.Users[0].LastActivity[license.Teams] = day("2026-10-30")
	users := []RowUser{{ID: "1", GivenName: "Zoë"}, {ID: "2"}}
	rs, err := BuildRows(in, users, map[string]time.Time{"1": day("2026-03-04")}, []string{"a warning"})
	if err != nil {
		t.Fatal(err)
	}
	r := rs.Rows[0]
	if r.Deactivated.String() != "2026-03-04" || r.Created.String() != "2020-02-29" || r.LastActivated.String() != "2026-02-03" ||
		r.DesktopActivations != 2 || r.MobileActivations != 2 || r.LastActivity[license.Teams].String() != "2026-10-30" ||
		!r.CopilotHolder || !r.CopilotKnown || r.LastCopilot.String() != "2026-09-30" || rs.Rows[1].CopilotHolder {
		t.Fatalf("row = %+v", r)
	}
	// Part numbers sorted; the SKU the tenant does not list prints as "".
	if got := rs.SKUParts(&rs.Rows[0]); !reflect.DeepEqual(got, []string{"", "Microsoft_365_Copilot", "SPE_E3", "SPE_E5"}) {
		t.Fatalf("SKU parts %q", got)
	}
	if rs.SKUParts(&rs.Rows[1]) != nil {
		t.Fatal("a user without licences has SKU parts")
	}
	data := rs.Encode()
	back, err := DecodeRows(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, rs) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, rs)
	}
	// Every truncation and a flipped byte anywhere is refused or decodes,
	// never panics.
	for n := 0; n < len(data); n++ {
		if _, err := DecodeRows(data[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(data))
		}
		bad := append([]byte{}, data...)
		bad[n] ^= 0xff
		_, _ = DecodeRows(bad)
	}
	if _, err := BuildRows(in, users[:1], nil, nil); err == nil {
		t.Fatal("rows built from users that do not match the analysis")
	}
}
