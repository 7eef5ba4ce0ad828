package license

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// moneyScale is the number of minor units per currency unit that Money
// carries: four decimal places, enough for per-unit prices such as 2.2500 and
// exact under addition and multiplication by seat counts.
const moneyScale = 10000

// Money is an exact decimal amount with four decimal places. It is never a
// float: licence spend is summed over thousands of seats and must add up to
// the cent.
type Money struct {
	units int64 // amount × moneyScale
}

// ParseMoney reads a decimal such as "26", "2.25" or "-0.5". It accepts at
// most four decimal places and rejects exponents, thousands separators and
// currency symbols, so a typo in a licence term is an error rather than a
// silently wrong price.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Money{}, fmt.Errorf("parse amount %q: empty", s)
	}
	neg := false
	if t[0] == '-' || t[0] == '+' {
		neg = t[0] == '-'
		t = t[1:]
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" && frac == "" {
		return Money{}, fmt.Errorf("parse amount %q: no digits", s)
	}
	if hasDot && frac == "" {
		return Money{}, fmt.Errorf("parse amount %q: no digits after the decimal point", s)
	}
	if len(frac) > 4 {
		return Money{}, fmt.Errorf("parse amount %q: more than 4 decimal places", s)
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return Money{}, fmt.Errorf("parse amount %q: unexpected %q (write a plain decimal such as 26.50)", s, r)
			}
		}
	}
	var w int64
	if whole != "" {
		v, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || v > math.MaxInt64/moneyScale {
			return Money{}, fmt.Errorf("parse amount %q: too large", s)
		}
		w = v
	}
	f := int64(0)
	if frac != "" {
		v, _ := strconv.ParseInt(frac+strings.Repeat("0", 4-len(frac)), 10, 64)
		f = v
	}
	u := w*moneyScale + f
	if neg {
		u = -u
	}
	return Money{units: u}, nil
}

// MustMoney is ParseMoney for constants in code and tests; it panics on a
// malformed literal, never on input.
func MustMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// Add returns m + o.
func (m Money) Add(o Money) Money { return Money{units: m.units + o.units} }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return Money{units: m.units - o.units} }

// Mul returns m × n.
func (m Money) Mul(n int64) Money { return Money{units: m.units * n} }

// IsZero reports whether m is zero.
func (m Money) IsZero() bool { return m.units == 0 }

// Sign returns -1, 0 or 1.
func (m Money) Sign() int {
	switch {
	case m.units < 0:
		return -1
	case m.units > 0:
		return 1
	}
	return 0
}

// Cmp compares m and o.
func (m Money) Cmp(o Money) int {
	switch {
	case m.units < o.units:
		return -1
	case m.units > o.units:
		return 1
	}
	return 0
}

// String formats with two decimal places, or more when the amount needs them
// (a unit price of 2.2500 prints as 2.25, one of 0.3333 as 0.3333).
func (m Money) String() string {
	u := m.units
	sign := ""
	if u < 0 {
		sign = "-"
		u = -u
	}
	whole, frac := u/moneyScale, u%moneyScale
	fs := fmt.Sprintf("%04d", frac)
	fs = strings.TrimRight(fs, "0")
	for len(fs) < 2 {
		fs += "0"
	}
	return sign + strconv.FormatInt(whole, 10) + "." + fs
}

// MarshalText makes Money a JSON string ("26.00"), keeping it exact for
// consumers that would read a JSON number as a float.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses a decimal string.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalBinary encodes the exact amount (gob uses it).
func (m Money) MarshalBinary() ([]byte, error) {
	return binary.BigEndian.AppendUint64(nil, uint64(m.units)), nil
}

// UnmarshalBinary decodes MarshalBinary's form.
func (m *Money) UnmarshalBinary(b []byte) error {
	if len(b) != 8 {
		return fmt.Errorf("decode amount: %d bytes, want 8", len(b))
	}
	m.units = int64(binary.BigEndian.Uint64(b))
	return nil
}
