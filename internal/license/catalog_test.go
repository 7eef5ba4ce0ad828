package license

import (
	"errors"
	"strings"
	"testing"
)

func TestEmbeddedCatalog(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	// 619 distinct SKU GUIDs in this copy of Microsoft's table (data/README.md).
	if got := len(c.Products()); got != 619 {
		t.Errorf("products = %d, want 619", got)
	}
	e3, ok := c.ProductByPartNumber("ENTERPRISEPACK")
	if !ok {
		t.Fatal("ENTERPRISEPACK missing")
	}
	if e3.SkuID != "6fd2c87f-b296-42f0-b197-1e91e994b900" || e3.DisplayName != "Office 365 E3" {
		t.Errorf("E3 = %q %q", e3.SkuID, e3.DisplayName)
	}
	if len(e3.Plans) != 37 {
		t.Errorf("E3 plans = %d, want 37", len(e3.Plans))
	}
	byID, ok := c.ProductBySkuID("6FD2C87F-B296-42F0-B197-1E91E994B900")
	if !ok || byID.SkuPartNumber != "ENTERPRISEPACK" {
		t.Errorf("ProductBySkuID upper case = %q, %v", byID.SkuPartNumber, ok)
	}
	// EXCHANGE_S_ENTERPRISE
	if name, ok := c.PlanName("efb87545-963c-4e0d-99df-69c6916d9eb0"); !ok || name != "Exchange Online (Plan 2)" {
		t.Errorf("PlanName(EXCHANGE_S_ENTERPRISE) = %q, %v", name, ok)
	}
	ps := c.Products()
	for i := 1; i < len(ps); i++ {
		if ps[i-1].SkuPartNumber > ps[i].SkuPartNumber {
			t.Fatalf("not sorted at %d: %q > %q", i, ps[i-1].SkuPartNumber, ps[i].SkuPartNumber)
		}
	}
	// Callers cannot change the catalogue through a returned product.
	e3.Plans[0].FriendlyName = "changed"
	again, _ := c.ProductByPartNumber("ENTERPRISEPACK")
	if again.Plans[0].FriendlyName == "changed" {
		t.Error("Plans aliases the catalogue")
	}
	for _, p := range ps {
		for _, pl := range p.Plans {
			if strings.ContainsRune(pl.FriendlyName, '\u00a0') || strings.TrimSpace(pl.FriendlyName) != pl.FriendlyName {
				t.Fatalf("%s/%s friendly name not normalised: %q", p.SkuPartNumber, pl.ServicePlanName, pl.FriendlyName)
			}
		}
	}
}

func TestParseMicrosoftDownload(t *testing.T) {
	// Microsoft's own file: BOM, every cell quoted, a no-break space, CRLF.
	in := "\xef\xbb\xbf\"Product_Display_Name\",\"String_Id\",\"GUID\",\"Service_Plan_Name\",\"Service_Plan_Id\",\"Service_Plans_Included_Friendly_Names\"\r\n" +
		"\"Power BI Pro\",\"POWER_BI_PRO\",\"F8A1DB68-BE16-40ED-86D5-CB42CE701560\",\"BI_AZURE_P2\",\"70d33638-9c74-4d01-bfd3-562de28bd4ba\",\"Power BI\u00a0Pro \"\r\n" +
		"\"Power BI Pro\",\"POWER_BI_PRO\",\"f8a1db68-be16-40ed-86d5-cb42ce701560\",\"EXCHANGE_S_FOUNDATION\",\"113feb6c-3fe4-4440-bddc-54d774bf0318\",\"Exchange Foundation\"\r\n"
	c, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := c.ProductByPartNumber("power_bi_pro")
	if !ok {
		t.Fatal("POWER_BI_PRO missing")
	}
	if p.SkuID != "f8a1db68-be16-40ed-86d5-cb42ce701560" || len(p.Plans) != 2 {
		t.Fatalf("got %+v", p)
	}
	if p.Plans[0] != (Plan{ServicePlanID: "70d33638-9c74-4d01-bfd3-562de28bd4ba", ServicePlanName: "BI_AZURE_P2", FriendlyName: "Power BI Pro"}) {
		t.Errorf("plan 0 = %+v", p.Plans[0])
	}
}

func TestParseErrors(t *testing.T) {
	const hdr = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\n"
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "licensing table: empty file"},
		{"missing column", "Product_Display_Name,String_Id,GUID\n", `licensing table: line 1: missing column "Service_Plan_Name"`},
		{"bad sku guid", hdr + "X,X_PART,not-a-guid,P,113feb6c-3fe4-4440-bddc-54d774bf0318,F\n", `licensing table: line 2, column 10 (GUID): "not-a-guid" is not a GUID`},
		{"bad plan guid", hdr + "X,X_PART,f8a1db68-be16-40ed-86d5-cb42ce701560,P,zz,F\n", `licensing table: line 2, column 49 (Service_Plan_Id): "zz" is not a GUID`},
		{"short row", hdr + "X,X_PART\n", "licensing table: line 2: 2 fields, header has 6"},
		{"bad quote", hdr + "\"X,X_PART\n", "licensing table: parse error on line 2, column 11: extraneous or missing \" in quoted-field"},
		{"no products", hdr, "licensing table: no products"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseReadError(t *testing.T) {
	boom := errors.New("disk gone")
	_, err := Parse(errReader{boom})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want wrapping %v", err, boom)
	}
}

func TestEmbeddedListPrices(t *testing.T) {
	prices, err := EmbeddedListPrices()
	if err != nil {
		t.Fatal(err)
	}
	if len(prices) != 19 {
		t.Errorf("prices = %d, want 19", len(prices))
	}
	got := map[string]string{}
	for _, p := range prices {
		got[p.SkuPartNumber] = p.USDPerUserMonth
		if p.Source == "" {
			t.Errorf("%s has no source", p.SkuPartNumber)
		}
	}
	for part, want := range map[string]string{"ENTERPRISEPACK": "26", "SPE_E5": "60", "AAD_PREMIUM_P2": "10", "Microsoft_365_Copilot": "30"} {
		if got[part] != want {
			t.Errorf("%s = %q, want %q", part, got[part], want)
		}
	}
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range prices {
		if _, ok := c.ProductByPartNumber(p.SkuPartNumber); !ok {
			t.Errorf("priced %s is not in the catalogue", p.SkuPartNumber)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\nX,X,f8a1db68-be16-40ed-86d5-cb42ce701560,P,113feb6c-3fe4-4440-bddc-54d774bf0318,F\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, p := range c.Products() {
			if q, ok := c.ProductBySkuID(p.SkuID); !ok || q.SkuID != p.SkuID {
				t.Fatalf("product %q does not resolve by id", p.SkuID)
			}
			if !isGUID(p.SkuID) || p.SkuPartNumber == "" {
				t.Fatalf("invalid product %+v", p)
			}
		}
	})
}
