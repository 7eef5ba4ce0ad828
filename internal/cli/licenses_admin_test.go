package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/license"
)

func TestLicenseTermsSetListUnset(t *testing.T) {
	sim, base := syncedSim(t)
	now := sim.tenant.Now
	var sku *graphsim.SubscribedSKU
	for _, s := range sim.tenant.SubscribedSKUs {
		if s.SkuPartNumber == "SPE_E5" {
			sku = s
		}
	}
	if sku == nil {
		t.Skip("no SPE_E5 in this tenant")
	}

	// Bad input names the field and stores nothing.
	r := runAt(t, now, append(base, "licenses", "terms", "set", "--sku", "SPE_E5", "--cost", "1,5", "--currency", "usd")...)
	if r.code != ExitConfig || !strings.Contains(r.stderr, "cost") {
		t.Fatalf("bad term: %d %s", r.code, r.stderr)
	}

	r = runAt(t, now, append(base, "licenses", "terms", "set", "--sku", "spe_e5", "--cost", "540", "--currency", "EUR", "--frequency", "annual", "--expires", "2027-03-31")...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "SPE_E5") {
		t.Fatalf("terms set: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = runAt(t, now, append(base, "licenses", "terms", "list", "-o", "csv")...)
	if r.stdout != "skuPartNumber,costPerUnit,currency,paymentFrequency,effectiveDate,expirationDate\nSPE_E5,540.00,EUR,annual,,2027-03-31\n" {
		t.Fatalf("terms list:\n%s%s", r.stdout, r.stderr)
	}
	// The stored term prices the SKU: enabled units × 540 EUR a year.
	r = runAt(t, now, append(base, "report", "spend", "--sku", "SPE_E5", "-o", "csv")...)
	want := "SPE_E5," + strconv.Itoa(sku.Enabled) + ",540.00," + license.MustMoney("540").Mul(int64(sku.Enabled)).String() + ","
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, ",EUR,false,2027-03-31,licence term") {
		t.Fatalf("spend with a stored term:\n%s\nwant a line starting %s", r.stdout, want)
	}

	r = runAt(t, now, append(base, "licenses", "terms", "unset", "--sku", "SPE_E5")...)
	if r.code != ExitOK {
		t.Fatalf("unset: %d %s", r.code, r.stderr)
	}
	if r := runAt(t, now, append(base, "licenses", "terms", "unset", "--sku", "SPE_E5")...); r.code != ExitConfig {
		t.Fatalf("second unset: %d", r.code)
	}
	r = runAt(t, now, append(base, "report", "spend", "--sku", "SPE_E5", "-o", "csv")...)
	if !strings.Contains(r.stdout, ",USD,true,") {
		t.Fatalf("after unset the list price applies again:\n%s", r.stdout)
	}
}

func TestLicenseCatalogUpdate(t *testing.T) {
	sim, base := syncedSim(t)
	now := sim.tenant.Now
	src, err := os.ReadFile("../license/data/ms-licensing.csv")
	if err != nil {
		t.Fatal(err)
	}
	// A newer table in which Microsoft renamed Office 365 E3.
	renamed := strings.ReplaceAll(string(src), "Office 365 E3,ENTERPRISEPACK,", "Office 365 E3 (renamed),ENTERPRISEPACK,")
	if renamed == string(src) {
		t.Fatal("the fixture has no Office 365 E3 row to rename")
	}
	file := filepath.Join(t.TempDir(), "newer.csv")
	if err := os.WriteFile(file, []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runAt(t, now, append(base, "licenses", "catalog", "update", file)...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "Licence catalogue updated") {
		t.Fatalf("catalog update: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = runAt(t, now, append(base, "report", "licenses", "--sku", "ENTERPRISEPACK", "-o", "csv")...)
	if !strings.Contains(r.stdout, "ENTERPRISEPACK,Office 365 E3 (renamed),") {
		t.Fatalf("the imported name is not used:\n%s%s", r.stdout, r.stderr)
	}

	// The wrong file is refused, and the good import stays.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("Product_Display_Name,String_Id\nx,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runAt(t, now, append(base, "licenses", "catalog", "update", bad)...); r.code != ExitConfig {
		t.Fatalf("bad catalogue accepted: %d %s", r.code, r.stdout)
	}
	r = runAt(t, now, append(base, "report", "licenses", "--sku", "ENTERPRISEPACK", "-o", "csv")...)
	if !strings.Contains(r.stdout, "Office 365 E3 (renamed)") {
		t.Fatalf("a refused import replaced the good one:\n%s", r.stdout)
	}
}
