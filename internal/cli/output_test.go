package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

type testUser struct {
	ID, UPN  string
	Enabled  bool
	Licenses []string
	Created  *time.Time
	Cost     float64
}

var testColumns = []Column[testUser]{
	{Name: "id", Value: func(u testUser) any { return u.ID }},
	{Name: "userPrincipalName", Header: "upn", Value: func(u testUser) any { return u.UPN }},
	{Name: "accountEnabled", Value: func(u testUser) any { return u.Enabled }},
	{Name: "skuPartNumbers", Value: func(u testUser) any { return u.Licenses }},
	{Name: "createdDateTime", Value: func(u testUser) any { return u.Created }},
	{Name: "monthlyCost", Value: func(u testUser) any { return u.Cost }},
}

func testRows() []testUser {
	created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	return []testUser{
		{ID: "u1", UPN: "adele@contoso.com", Enabled: true, Licenses: []string{"ENTERPRISEPACK", "POWER_BI_PRO"}, Created: &created, Cost: 32.5},
		{ID: "u2", UPN: "=HYPERLINK(\"x\")", Enabled: false, Cost: -1},
	}
}

func TestWriteRowsJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSlice(&b, JSON, testColumns, testRows()); err != nil {
		t.Fatal(err)
	}
	want := `[
  {"id":"u1","userPrincipalName":"adele@contoso.com","accountEnabled":true,"skuPartNumbers":["ENTERPRISEPACK","POWER_BI_PRO"],"createdDateTime":"2026-03-04T04:06:07Z","monthlyCost":32.5},
  {"id":"u2","userPrincipalName":"=HYPERLINK(\"x\")","accountEnabled":false,"skuPartNumbers":null,"createdDateTime":null,"monthlyCost":-1}
]
`
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	var rows []map[string]any
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("not a JSON array of objects: %v", err)
	}
	b.Reset()
	if err := WriteSlice(&b, JSON, testColumns, nil); err != nil || b.String() != "[]\n" {
		t.Fatalf("empty JSON = %q, %v", b.String(), err)
	}
}

func TestWriteRowsCSV(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSlice(&b, CSV, testColumns, testRows()); err != nil {
		t.Fatal(err)
	}
	want := "id,userPrincipalName,accountEnabled,skuPartNumbers,createdDateTime,monthlyCost\n" +
		"u1,adele@contoso.com,true,ENTERPRISEPACK;POWER_BI_PRO,2026-03-04T04:06:07Z,32.5\n" +
		"u2,\"'=HYPERLINK(\"\"x\"\")\",false,,,-1\n"
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteRowsTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSlice(&b, Table, testColumns[:4], testRows()); err != nil {
		t.Fatal(err)
	}
	want := "ID  UPN                ACCOUNTENABLED  SKUPARTNUMBERS\n" +
		"u1  adele@contoso.com  true            ENTERPRISEPACK, POWER_BI_PRO\n" +
		"u2  =HYPERLINK(\"x\")    false           \n"
	if b.String() != want {
		t.Fatalf("got:\n%q\nwant:\n%q", b.String(), want)
	}
}

func TestWriteRowsStopsOnError(t *testing.T) {
	boom := errors.New("store: read users: disk I/O error")
	rows := func(yield func(testUser, error) bool) {
		if !yield(testRows()[0], nil) {
			return
		}
		yield(testUser{}, boom)
	}
	for _, f := range []Format{JSON, CSV, Table} {
		var b bytes.Buffer
		if err := WriteRows(&b, f, testColumns, rows); !errors.Is(err, boom) {
			t.Errorf("%s: error %v, want %v", f, err, boom)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"table": Table, "JSON": JSON, "csv": CSV} {
		if f, err := ParseFormat(in); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, f, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil || !isUsageError(err) {
		t.Fatalf("yaml accepted or not a usage error: %v", err)
	}
}
