package cli

import "testing"

// The demo shows each step's command line so that it can be pasted into a
// shell as it is.
func TestJoinArgsQuotesForTheShell(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "spend"}, "report spend"},
		{[]string{"roles", "--role", "Global Administrator"}, "roles --role 'Global Administrator'"},
		{[]string{"grants", "--permission", "*.ReadWrite.All"}, "grants --permission '*.ReadWrite.All'"},
		{[]string{"users", "history", "o'brien@x.test"}, `users history 'o'\''brien@x.test'`},
		{[]string{"users", "--search", ""}, "users --search ''"},
	} {
		if got := joinArgs(tc.args); got != tc.want {
			t.Errorf("joinArgs(%q) = %s, want %s", tc.args, got, tc.want)
		}
	}
}
