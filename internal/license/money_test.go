package license

import (
	"encoding/json"
	"testing"
)

func TestParseMoney(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{"26", "26.00"}, {"2.25", "2.25"}, {"0.3333", "0.3333"}, {"-1.5", "-1.50"},
		{" 14 ", "14.00"}, {".5", "0.50"}, {"+3", "3.00"}, {"1000000.0001", "1000000.0001"},
	}
	for _, c := range cases {
		m, err := ParseMoney(c.in)
		if err != nil {
			t.Fatalf("ParseMoney(%q): %v", c.in, err)
		}
		if got := m.String(); got != c.want {
			t.Errorf("ParseMoney(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "1.23456", "1e3", "1,000", "$5", "1.", "-", "abc", "99999999999999999999"} {
		if _, err := ParseMoney(bad); err == nil {
			t.Errorf("ParseMoney(%q): want error", bad)
		}
	}
}

func TestMoneyArithmeticIsExact(t *testing.T) {
	// 0.1 added ten times is exactly 1, which floats do not give.
	var sum Money
	for range 10 {
		sum = sum.Add(MustMoney("0.1"))
	}
	if sum.Cmp(MustMoney("1")) != 0 {
		t.Fatalf("sum = %s, want 1.00", sum)
	}
	if got := MustMoney("2.25").Mul(12).Mul(1000).String(); got != "27000.00" {
		t.Fatalf("2.25*12*1000 = %s", got)
	}
	if got := MustMoney("26").Sub(MustMoney("41")).String(); got != "-15.00" {
		t.Fatalf("26-41 = %s", got)
	}
}

func TestMoneyJSON(t *testing.T) {
	b, err := json.Marshal(struct{ M Money }{MustMoney("312")})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"M":"312.00"}` {
		t.Fatalf("json = %s", b)
	}
	var back struct{ M Money }
	if err := json.Unmarshal(b, &back); err != nil || back.M.Cmp(MustMoney("312")) != 0 {
		t.Fatalf("round trip: %v %v", back.M, err)
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"26", "2.25", "-0.0001", "", "1e9", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		// Whatever parses must print and parse back to the same amount.
		back, err := ParseMoney(m.String())
		if err != nil || back.Cmp(m) != 0 {
			t.Fatalf("%q -> %s -> %v (%v)", s, m, back, err)
		}
	})
}

func TestMoneyBinaryRoundTrip(t *testing.T) {
	for _, v := range []string{"0", "-12.3456", "922337203685.4775"} {
		b, err := MustMoney(v).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Money
		if err := back.UnmarshalBinary(b); err != nil || back.Cmp(MustMoney(v)) != 0 {
			t.Fatalf("%s -> %v (%v)", v, back, err)
		}
	}
	if err := new(Money).UnmarshalBinary([]byte{1}); err == nil {
		t.Fatal("short input accepted")
	}
}
