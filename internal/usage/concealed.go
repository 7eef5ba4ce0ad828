package usage

// Since September 2021 Microsoft conceals user, group and site names in usage
// reports by default: the identifying columns then hold 32 uppercase
// hexadecimal digits (e.g. FE7CC8C15246EDCCA289C9A4022762F7) instead of a user
// principal name. Such rows cannot be joined to directory users, and their
// activity must count as unknown, not as inactivity. The remedy is the admin
// centre setting "Display concealed user, group, and site names in all
// reports", or PATCH /admin/reportSettings {"displayConcealedNames": false}
// with ReportSettings.ReadWrite.All.

// ConcealedRemedy tells an administrator how to make concealed reports
// usable; the analysis puts it in its warning.
const ConcealedRemedy = "usage reports show concealed (hashed) user names, so activity is unknown: " +
	"in the Microsoft 365 admin center, Settings > Org settings > Services > Reports, clear " +
	"\"Display concealed user, group, and site names in all reports\", or let tenantscope do it with " +
	"--fix-concealed-names (PATCH /admin/reportSettings, needs ReportSettings.ReadWrite.All)"

// IsConcealedName reports whether a report's user principal name is a
// concealed hash: exactly 32 hexadecimal digits (Microsoft writes uppercase;
// either case is accepted) and therefore no '@'.
func IsConcealedName(upn string) bool {
	if len(upn) != 32 {
		return false
	}
	for i := 0; i < len(upn); i++ {
		c := upn[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// mostlyConcealed decides a whole report: concealment is tenant-wide, so a
// report is concealed when more than half its rows are. A few hex-looking
// names in a readable report (service accounts) do not make it concealed,
// and they are still flagged row by row.
func mostlyConcealed(concealed, rows int) bool {
	return rows > 0 && concealed*2 > rows
}
