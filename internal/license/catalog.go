// Package license knows Microsoft 365 licences: Microsoft's product and
// service-plan catalogue and the public list prices (catalog.go, both
// embedded), and the analysis of who uses what they are licensed for.
package license

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Microsoft's "Product names and service plan identifiers for licensing"
// table and the list prices; see data/README.md for where each comes from.
var (
	//go:embed data/ms-licensing.csv
	embeddedLicensingCSV []byte
	//go:embed data/sku-prices.csv
	embeddedPricesCSV []byte
)

// Catalog is Microsoft's product/service-plan table: which service plans
// each SKU contains, under which names. It is immutable after load and safe
// for concurrent use.
type Catalog struct {
	products  []Product // sorted by part number
	bySkuID   map[string]int
	byPart    map[string]int
	planNames map[string]string // service plan id -> friendly name
}

// Product is one SKU (a subscribedSku's skuId and skuPartNumber) and the
// service plans it includes, in the file's order.
type Product struct {
	SkuID         string // GUID, lower case
	SkuPartNumber string // String_Id, e.g. ENTERPRISEPACK
	DisplayName   string // e.g. Office 365 E3
	Plans         []Plan
}

// Plan is one service plan of a product.
type Plan struct {
	ServicePlanID   string // GUID, lower case
	ServicePlanName string // e.g. EXCHANGE_S_ENTERPRISE
	FriendlyName    string // e.g. Exchange Online (Plan 2)
}

// The columns the parser needs, by Microsoft's header names. Their order in
// the file does not matter; extra columns are ignored.
const (
	colDisplayName  = "Product_Display_Name"
	colPartNumber   = "String_Id"
	colSkuID        = "GUID"
	colPlanName     = "Service_Plan_Name"
	colPlanID       = "Service_Plan_Id"
	colPlanFriendly = "Service_Plans_Included_Friendly_Names"
)

// Embedded parses the copy of Microsoft's table compiled into the binary.
// Each call parses afresh (a few milliseconds); callers keep the result.
func Embedded() (*Catalog, error) {
	c, err := Parse(bytes.NewReader(embeddedLicensingCSV))
	if err != nil {
		return nil, fmt.Errorf("embedded licensing table: %w", err)
	}
	return c, nil
}

// Parse reads Microsoft's table as downloaded: a UTF-8 byte-order mark,
// quoted cells, no-break spaces and stray whitespace are tolerated. A
// malformed file is an error naming the line and column.
func Parse(r io.Reader) (*Catalog, error) {
	cr := csv.NewReader(stripBOM(r))
	cr.FieldsPerRecord = -1 // checked below with a clearer message
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("licensing table: empty file")
		}
		return nil, fmt.Errorf("licensing table: header: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(normalizeCell(h))] = i
	}
	var cols [6]int
	for i, name := range []string{colDisplayName, colPartNumber, colSkuID, colPlanName, colPlanID, colPlanFriendly} {
		j, ok := idx[strings.ToLower(name)]
		if !ok {
			return nil, fmt.Errorf("licensing table: line 1: missing column %q", name)
		}
		cols[i] = j
	}
	width := len(header)

	c := &Catalog{bySkuID: map[string]int{}, byPart: map[string]int{}, planNames: map[string]string{}}
	byID := map[string]*Product{}
	var order []string
	seenPlan := map[[2]string]bool{}
	// A plan's friendly name differs between products (e.g. "Exchange Online
	// (Plan 2)" 45 times, "EXCHANGE ONLINE (PLAN 2)" 4 times): the most used
	// spelling wins, the first seen on a tie.
	nameVotes := map[string]map[string]int{}
	nameOrder := map[string][]string{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("licensing table: %w", err) // csv.ParseError names line and column
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != width {
			return nil, fmt.Errorf("licensing table: line %d: %d fields, header has %d", line, len(rec), width)
		}
		cell := func(i int) string { return normalizeCell(rec[cols[i]]) }
		display, part, skuID, planName, planID, friendly := cell(0), cell(1), cell(2), cell(3), cell(4), cell(5)
		if !isGUID(skuID) {
			_, col := cr.FieldPos(cols[2])
			return nil, fmt.Errorf("licensing table: line %d, column %d (%s): %q is not a GUID", line, col, colSkuID, skuID)
		}
		if part == "" {
			_, col := cr.FieldPos(cols[1])
			return nil, fmt.Errorf("licensing table: line %d, column %d (%s): empty", line, col, colPartNumber)
		}
		if planID != "" && !isGUID(planID) {
			_, col := cr.FieldPos(cols[4])
			return nil, fmt.Errorf("licensing table: line %d, column %d (%s): %q is not a GUID", line, col, colPlanID, planID)
		}
		skuID, planID = strings.ToLower(skuID), strings.ToLower(planID)

		p := byID[skuID]
		if p == nil {
			p = &Product{SkuID: skuID, SkuPartNumber: part, DisplayName: display}
			byID[skuID] = p
			order = append(order, skuID)
		}
		if planID == "" {
			continue
		}
		if friendly != "" {
			names := nameVotes[planID]
			if names == nil {
				names = map[string]int{}
				nameVotes[planID] = names
				nameOrder[planID] = nil
			}
			if names[friendly] == 0 {
				nameOrder[planID] = append(nameOrder[planID], friendly)
			}
			names[friendly]++
		} else if _, ok := nameVotes[planID]; !ok {
			c.planNames[planID] = ""
		}
		if k := [2]string{skuID, planID}; !seenPlan[k] {
			seenPlan[k] = true
			p.Plans = append(p.Plans, Plan{ServicePlanID: planID, ServicePlanName: planName, FriendlyName: friendly})
		}
	}
	if len(order) == 0 {
		return nil, errors.New("licensing table: no products")
	}

	for planID, names := range nameOrder {
		best := names[0]
		for _, n := range names[1:] {
			if nameVotes[planID][n] > nameVotes[planID][best] {
				best = n
			}
		}
		c.planNames[planID] = best
	}
	c.products = make([]Product, 0, len(order))
	for _, id := range order {
		c.products = append(c.products, *byID[id])
	}
	sort.SliceStable(c.products, func(i, j int) bool {
		a, b := c.products[i], c.products[j]
		if a.SkuPartNumber != b.SkuPartNumber {
			return a.SkuPartNumber < b.SkuPartNumber
		}
		return a.SkuID < b.SkuID
	})
	for i, p := range c.products {
		c.bySkuID[p.SkuID] = i
		// A part number used by two SKU GUIDs (it happens, e.g. MCOPSTN5)
		// resolves to the first in sort order.
		if _, ok := c.byPart[strings.ToLower(p.SkuPartNumber)]; !ok {
			c.byPart[strings.ToLower(p.SkuPartNumber)] = i
		}
	}
	return c, nil
}

// ProductBySkuID finds a product by its SKU GUID (any case).
func (c *Catalog) ProductBySkuID(id string) (Product, bool) {
	i, ok := c.bySkuID[strings.ToLower(strings.TrimSpace(id))]
	if !ok {
		return Product{}, false
	}
	return c.product(i), true
}

// ProductByPartNumber finds a product by its skuPartNumber (any case).
func (c *Catalog) ProductByPartNumber(part string) (Product, bool) {
	i, ok := c.byPart[strings.ToLower(strings.TrimSpace(part))]
	if !ok {
		return Product{}, false
	}
	return c.product(i), true
}

// PlanName returns a service plan's friendly name.
func (c *Catalog) PlanName(servicePlanID string) (friendly string, ok bool) {
	friendly, ok = c.planNames[strings.ToLower(strings.TrimSpace(servicePlanID))]
	return friendly, ok
}

// Products returns every product, sorted by part number (then SKU id).
func (c *Catalog) Products() []Product {
	out := make([]Product, len(c.products))
	for i := range c.products {
		out[i] = c.product(i)
	}
	return out
}

// product returns a copy whose Plans the caller may not alias into the
// catalogue.
func (c *Catalog) product(i int) Product {
	p := c.products[i]
	p.Plans = slices.Clone(p.Plans)
	return p
}

// ListPrice is a SKU's public list price in US dollars per user per month
// (annual commitment), as exact decimal text, with where it was found.
type ListPrice struct {
	SkuPartNumber   string
	USDPerUserMonth string // exact decimal text, e.g. "12.50"
	Source          string
}

// EmbeddedListPrices returns the list prices compiled into the binary, in
// the file's order.
func EmbeddedListPrices() ([]ListPrice, error) {
	cr := csv.NewReader(stripBOM(bytes.NewReader(embeddedPricesCSV)))
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("embedded list prices: header: %w", err)
	}
	want := []string{"String_Id", "usd_per_user_month", "source"}
	if len(header) != len(want) {
		return nil, fmt.Errorf("embedded list prices: line 1: %d columns, want %v", len(header), want)
	}
	for i, w := range want {
		if normalizeCell(header[i]) != w {
			return nil, fmt.Errorf("embedded list prices: line 1, column %d: %q, want %q", i+1, header[i], w)
		}
	}
	var out []ListPrice
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("embedded list prices: %w", err)
		}
		line, _ := cr.FieldPos(0)
		price := normalizeCell(rec[1])
		if !isDecimal(price) {
			return nil, fmt.Errorf("embedded list prices: line %d, column 2: %q is not a decimal", line, price)
		}
		out = append(out, ListPrice{SkuPartNumber: normalizeCell(rec[0]), USDPerUserMonth: price, Source: normalizeCell(rec[2])})
	}
}

// stripBOM drops a leading UTF-8 byte-order mark, which Microsoft's download
// carries and which would otherwise glue itself to the first header.
func stripBOM(r io.Reader) io.Reader {
	var bom [3]byte
	n, err := io.ReadFull(r, bom[:])
	if n == 3 && bom == [3]byte{0xEF, 0xBB, 0xBF} {
		return r
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return io.MultiReader(bytes.NewReader(bom[:n]), errReader{err})
	}
	return io.MultiReader(bytes.NewReader(bom[:n]), r)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// normalizeCell turns no-break spaces (61 cells of Microsoft's file carry
// U+00A0) into plain spaces and trims the stray whitespace some cells have.
func normalizeCell(s string) string {
	if strings.ContainsRune(s, '\u00a0') {
		s = strings.ReplaceAll(s, "\u00a0", " ")
	}
	return strings.TrimSpace(s)
}

// isGUID reports whether s has the 8-4-4-4-12 hexadecimal form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isDecimal reports whether s is a non-negative decimal like 12 or 12.50.
func isDecimal(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0:
			dot = true
		default:
			return false
		}
	}
	return digits > 0 && s[len(s)-1] != '.'
}
