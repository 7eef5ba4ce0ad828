package license

import (
	"fmt"
	"strings"
	"time"
)

// PaymentFrequency is how often a licence term is billed; the cost per unit
// of a term is per user per billing period.
type PaymentFrequency string

const (
	Monthly PaymentFrequency = "monthly"
	Annual  PaymentFrequency = "annual"
)

// Term is what an organisation actually pays for one SKU: entered by the
// software-asset manager (config or `licenses terms set`), since Graph does
// not expose prices. Seed 004 lists these fields as the inputs of annual
// spend.
type Term struct {
	SkuPartNumber    string
	EffectiveDate    time.Time // zero = unknown
	ExpirationDate   time.Time // renewal date; zero = unknown
	CostPerUnit      Money
	Currency         string // ISO 4217, e.g. USD
	PaymentFrequency PaymentFrequency
}

// Validate checks a term the way a person would want it checked: every
// problem named with its field.
func (t Term) Validate() error {
	var errs []string
	if strings.TrimSpace(t.SkuPartNumber) == "" {
		errs = append(errs, "sku: required (the SKU part number, e.g. ENTERPRISEPACK)")
	}
	if t.CostPerUnit.Sign() < 0 {
		errs = append(errs, "cost_per_unit: must not be negative")
	}
	if len(t.Currency) != 3 || strings.ToUpper(t.Currency) != t.Currency {
		errs = append(errs, fmt.Sprintf("currency: %q is not an ISO 4217 code such as USD or EUR", t.Currency))
	}
	switch t.PaymentFrequency {
	case Monthly, Annual:
	default:
		errs = append(errs, fmt.Sprintf("payment_frequency: %q must be monthly or annual", t.PaymentFrequency))
	}
	if !t.EffectiveDate.IsZero() && !t.ExpirationDate.IsZero() && t.ExpirationDate.Before(t.EffectiveDate) {
		errs = append(errs, "expiration_date: before effective_date")
	}
	if len(errs) > 0 {
		return fmt.Errorf("licence term for %q: %s", t.SkuPartNumber, strings.Join(errs, "; "))
	}
	return nil
}

// Price is the resolved price of one unit of a SKU for a year, and where it
// came from.
type Price struct {
	AnnualPerUnit Money
	Currency      string
	// Default is true when no term was entered and the public list price is
	// used; every figure computed from it is marked as an estimate.
	Default bool
	Source  string
	// Renewal is the term's expiration date, when entered.
	Renewal time.Time
}

// Pricing resolves SKU prices: entered terms first, then list prices.
type Pricing struct {
	terms map[string]Term  // by upper-case part number
	list  map[string]Money // USD per user per month, by upper-case part number
}

// NewPricing builds a resolver. List prices are USD per user per month on an
// annual commitment (shared/data/sku-prices.csv).
func NewPricing(terms []Term, list []ListPrice) (*Pricing, error) {
	p := &Pricing{terms: map[string]Term{}, list: map[string]Money{}}
	for _, t := range terms {
		if err := t.Validate(); err != nil {
			return nil, err
		}
		key := strings.ToUpper(t.SkuPartNumber)
		if _, dup := p.terms[key]; dup {
			return nil, fmt.Errorf("licence term for %q: given twice", t.SkuPartNumber)
		}
		p.terms[key] = t
	}
	for _, l := range list {
		m, err := ParseMoney(l.USDPerUserMonth)
		if err != nil {
			return nil, fmt.Errorf("list price for %s: %w", l.SkuPartNumber, err)
		}
		p.list[strings.ToUpper(l.SkuPartNumber)] = m
	}
	return p, nil
}

// Price returns the price of one unit of the SKU for a year; ok is false when
// neither a term nor a list price is known.
func (p *Pricing) Price(skuPartNumber string) (Price, bool) {
	key := strings.ToUpper(skuPartNumber)
	if t, ok := p.terms[key]; ok {
		annual := t.CostPerUnit
		if t.PaymentFrequency == Monthly {
			annual = annual.Mul(12)
		}
		return Price{AnnualPerUnit: annual, Currency: t.Currency, Source: "licence term", Renewal: t.ExpirationDate}, true
	}
	if m, ok := p.list[key]; ok {
		return Price{AnnualPerUnit: m.Mul(12), Currency: "USD", Default: true, Source: "default: public list price"}, true
	}
	return Price{}, false
}

// Term returns the entered term for a SKU.
func (p *Pricing) Term(skuPartNumber string) (Term, bool) {
	t, ok := p.terms[strings.ToUpper(skuPartNumber)]
	return t, ok
}
