package bench

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/tenantscope/tenantscope/internal/usage"
)

// activeUserHeader is getOffice365ActiveUserDetail's documented header line
// (microsoft-graph-docs-contrib reportroot-getoffice365activeuserdetail.md).
const activeUserHeader = "Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date," +
	"Has Exchange License,Has OneDrive License,Has SharePoint License,Has Skype For Business License," +
	"Has Yammer License,Has Teams License,Exchange Last Activity Date,OneDrive Last Activity Date," +
	"SharePoint Last Activity Date,Skype For Business Last Activity Date,Yammer Last Activity Date," +
	"Teams Last Activity Date,Exchange License Assign Date,OneDrive License Assign Date," +
	"SharePoint License Assign Date,Skype For Business License Assign Date,Yammer License Assign Date," +
	"Teams License Assign Date,Assigned Products"

func activeUsersCSV(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 260)
	b.WriteString("\ufeff" + activeUserHeader + "\r\n")
	for i := 0; i < n; i++ {
		day := 1 + i%28
		fmt.Fprintf(&b, "2026-10-30,user%06d@contoso.com,User %06d,False,,True,True,True,False,True,True,"+
			"2026-10-%02d,2026-09-%02d,,,,2026-10-%02d,2025-01-15,2025-01-15,2025-01-15,,2025-01-15,2025-01-15,"+
			"OFFICE 365 E3+MICROSOFT 365 E5\r\n", i, i, day, day, day)
	}
	return b.Bytes()
}

// BenchmarkParse100k parses a 100,000-row getOffice365ActiveUserDetail CSV
// (issue 5: report ingestion of 100,000-row CSVs under 2 s) and reports rows/s.
func BenchmarkParse100k(b *testing.B) {
	const rows = 100_000
	data := activeUsersCSV(rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		meta, err := usage.Parse(usage.ActiveUserDetail, bytes.NewReader(data), func(u usage.UserActivity) error {
			n++
			return nil
		})
		if err != nil || n != rows || meta.Rows != rows {
			b.Fatalf("parsed %d rows (meta %d): %v", n, meta.Rows, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
