package cli

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantscope/tenantscope/internal/store"
)

// userChanges: property changes between versions, a licence assigned,
// changed, removed and assigned again, one inherited from a group, and
// the user leaving the tenant, each at the generation that saw it.
func TestUserChanges(t *testing.T) {
	day := func(n int) time.Time { return time.Date(2026, 11, n, 6, 0, 0, 0, time.UTC) }
	user := func(gen, ended int64, enabled bool, dept string) store.UserVersion {
		v := store.UserVersion{Generation: gen, Ended: ended, Since: day(int(gen))}
		v.UserPrincipalName, v.AccountEnabled, v.Department = "a@x.test", enabled, dept
		if ended != 0 {
			v.Until = day(int(ended))
		}
		return v
	}
	lic := func(sku, group string, gen, ended int64, state string, disabled ...string) store.LicenseVersion {
		l := store.LicenseVersion{Generation: gen, Ended: ended, Since: day(int(gen))}
		l.SkuID, l.AssignedByGroup, l.State, l.Error, l.DisabledPlans = sku, group, state, "None", disabled
		if ended != 0 {
			l.Until = day(int(ended))
		}
		return l
	}
	versions := []store.UserVersion{user(1, 3, true, "Sales"), user(3, 5, false, "Sales"), user(5, 7, false, "Marketing")}
	licences := []store.LicenseVersion{
		lic("e3", "", 1, 2, "Active"),
		lic("e3", "", 2, 4, "Active", "plan-a"), // plans disabled at 2
		lic("e3", "", 6, 7, "Active"),           // removed at 4, assigned again at 6
		lic("e5", "g1", 1, 7, "Active"),         // via a group until the user left
	}
	var got []string
	for _, c := range userChanges(versions, licences, map[string]string{"e3": "ENTERPRISEPACK"}, map[string]string{"g1": "Licensing"}) {
		got = append(got, fmt.Sprintf("%d %s %s: %s -> %s", c.Generation, c.At.Format("02"), c.What, c.From, c.To))
	}
	want := []string{
		"1 01 user:  -> first seen: a@x.test",
		"1 01 licence ENTERPRISEPACK (direct):  -> assigned: Active",
		"1 01 licence e5 via group Licensing:  -> assigned: Active",
		"2 02 licence ENTERPRISEPACK (direct): Active -> Active, 1 plan disabled",
		"3 03 accountEnabled: true -> false",
		"4 04 licence ENTERPRISEPACK (direct): Active, 1 plan disabled -> removed",
		"5 05 department: Sales -> Marketing",
		"6 06 licence ENTERPRISEPACK (direct):  -> assigned: Active",
		"7 07 user: a@x.test -> removed from the tenant",
		"7 07 licence ENTERPRISEPACK (direct): Active -> removed",
		"7 07 licence e5 via group Licensing: Active -> removed",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
