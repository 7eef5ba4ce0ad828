package cli

import (
	"fmt"
	"slices"
	"time"

	"github.com/tenantscope/tenantscope/internal/credential"
	"github.com/tenantscope/tenantscope/internal/msgraph"
)

// ExpiryWarning is how long before a credential's end the check warns.
const ExpiryWarning = 30 * 24 * time.Hour

// applyCredentials lists the app registration's secrets and certificates
// and warns when the one in use (or, when it cannot be told, every one of
// its kind) expires within ExpiryWarning.
func (rep *CheckReport) applyCredentials(now time.Time, cred *credential.Credential, app *msgraph.Application, err error) {
	if err != nil {
		rep.Notes = append(rep.Notes, "credential expiry not readable: "+graphReason(err))
		return
	}
	var all []CheckCredential
	for _, p := range app.PasswordCredentials {
		all = append(all, newCheckCredential("password", p.KeyID, p.DisplayName, p.EndDateTime, cred.MatchesPassword(p.Hint), now))
	}
	for _, k := range app.KeyCredentials {
		all = append(all, newCheckCredential("certificate", k.KeyID, k.DisplayName, k.EndDateTime, cred.MatchesKey(k.CustomKeyIdentifier), now))
	}
	slices.SortStableFunc(all, func(x, y CheckCredential) int { return compareEnd(x.EndDateTime, y.EndDateTime) })
	rep.App.Credentials = all

	want := "password"
	if cred.Kind() == credential.Certificate {
		want = "certificate"
	}
	inUse := slices.IndexFunc(all, func(x CheckCredential) bool { return x.InUse })
	var watch []CheckCredential
	if inUse >= 0 {
		watch = all[inUse : inUse+1]
	} else {
		for _, x := range all {
			if x.Type == want && x.Status != "expired" {
				watch = append(watch, x)
			}
		}
	}
	for _, x := range watch {
		name := x.DisplayName
		if name == "" {
			name = x.KeyID
		}
		switch x.Status {
		case "expired":
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the %s %q in use expired on %s", kindWord(x.Type), name, x.EndDateTime.Format(time.DateOnly)))
		case "expiring":
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the %s %q expires on %s (in %d days): create a new one under Certificates & secrets and update the configuration",
				kindWord(x.Type), name, x.EndDateTime.Format(time.DateOnly), x.DaysLeft))
		}
	}
	if cred.Kind() == credential.Certificate {
		if na := cred.CertificateNotAfter(); na.Sub(now) < ExpiryWarning {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the certificate file itself expires on %s", na.UTC().Format(time.DateOnly)))
		}
	}
}

func kindWord(t string) string {
	if t == "password" {
		return "client secret"
	}
	return "certificate"
}

func newCheckCredential(typ, keyID, name string, end *time.Time, inUse bool, now time.Time) CheckCredential {
	x := CheckCredential{Type: typ, KeyID: keyID, DisplayName: name, EndDateTime: end, InUse: inUse, Status: "ok"}
	if end != nil {
		left := end.Sub(now)
		x.DaysLeft = int(left.Hours() / 24)
		switch {
		case left <= 0:
			x.Status, x.DaysLeft = "expired", 0
		case left < ExpiryWarning:
			x.Status = "expiring"
		}
	}
	return x
}

func compareEnd(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
}
