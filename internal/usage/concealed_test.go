package usage

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestIsConcealedName(t *testing.T) {
	for upn, want := range map[string]bool{
		"FE7CC8C15246EDCCA289C9A4022762F7":  true, // graph-facts §10, observed
		"fe7cc8c15246edcca289c9a4022762f7":  true,
		"FE7CC8C15246EDCCA289C9A4022762F":   false, // 31 digits
		"FE7CC8C15246EDCCA289C9A4022762F77": false, // 33
		"FE7CC8C15246EDCCA289C9A4022762G7":  false, // not hex
		"adele.vance@contoso.com":           false,
		"0123456789abcdef@contoso.com":      false,
		"":                                  false,
	} {
		if got := IsConcealedName(upn); got != want {
			t.Errorf("IsConcealedName(%q) = %v, want %v", upn, got, want)
		}
	}
}

func TestParseDetectsConcealedReport(t *testing.T) {
	var hashed int
	meta, err := Parse(ActiveUserDetail, bytes.NewReader(genActiveUsers(50, true)), func(u UserActivity) error {
		if u.Concealed {
			hashed++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !meta.Concealed || meta.ConcealedRows != 50 || hashed != 50 || meta.Rows != 50 {
		t.Errorf("meta = %+v, hashed rows seen = %d", meta, hashed)
	}
}

// A readable report with a couple of hex-named service accounts is not a
// concealed report, but those rows are still flagged.
func TestParseMostlyReadableIsNotConcealed(t *testing.T) {
	data := "Report Refresh Date,User Principal Name,Last Activity Date\n" +
		"2026-10-30,a@contoso.com,\n2026-10-30,b@contoso.com,\n2026-10-30,0123456789ABCDEF0123456789ABCDEF,\n"
	var flagged []string
	meta, err := Parse(EmailActivityUserDetail, strings.NewReader(data), func(u UserActivity) error {
		if u.Concealed {
			flagged = append(flagged, u.UserPrincipalName)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if meta.Concealed || meta.ConcealedRows != 1 || len(flagged) != 1 || flagged[0] != "0123456789ABCDEF0123456789ABCDEF" {
		t.Errorf("meta = %+v, flagged = %q", meta, flagged)
	}
}

func TestMetaLag(t *testing.T) {
	m := Meta{RefreshDate: date(2026, 10, 30)}
	if got := m.Lag(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)); got != 60*time.Hour {
		t.Errorf("Lag = %v, want 60h", got)
	}
	if got := (Meta{}).Lag(time.Now()); got != 0 {
		t.Errorf("empty report Lag = %v", got)
	}
	if !strings.Contains(ConcealedRemedy, "PATCH /admin/reportSettings") || !strings.Contains(ConcealedRemedy, "ReportSettings.ReadWrite.All") {
		t.Errorf("remedy does not name the API fix: %s", ConcealedRemedy)
	}
}

func TestLastActive(t *testing.T) {
	var u UserActivity
	if !u.LastActive().IsZero() {
		t.Errorf("no activity: %v", u.LastActive())
	}
	u.Last[Exchange] = date(2026, 10, 1)
	u.Last[Teams] = date(2026, 10, 28)
	u.Last[Yammer] = date(2025, 1, 1)
	if got := u.LastActive(); !got.Equal(date(2026, 10, 28)) {
		t.Errorf("LastActive = %v, want 2026-10-28", got)
	}
}
