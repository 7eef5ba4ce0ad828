package graphsim

// GET /auditLogs/signIns: the interactive sign-in log, newest first. The
// model keeps each user's last interactive and last successful sign-in
// (User.SignIn); those are the events served, so the log agrees exactly with
// signInActivity. Shape as signin-list's example
// (shared/graph-examples/v1.0_auditLogs_signIns_list.json).

import (
	"cmp"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// signin-list: AuditLog.Read.All (graph-facts §9), and a P1 or P2 tenant.
var permsSignIns = []string{"AuditLog.Read.All"}

// signIn is one event of the log.
type signIn struct {
	user      *User
	at        time.Time
	requestID string
	failed    bool
}

// signInClients are first-party client apps users sign in to, with the
// resource each one calls (application ids are Microsoft's).
var signInClients = []struct {
	appID, appName, resourceID, resourceName, clientApp string
}{
	{"4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome", "00000003-0000-0000-c000-000000000000", "Microsoft Graph", "Browser"},
	{"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams", "00000003-0000-0000-c000-000000000000", "Microsoft Graph", "Mobile Apps and Desktop clients"},
	{"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office", "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", "Mobile Apps and Desktop clients"},
	{"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", "Browser"},
}

var signInDevices = []struct{ os, browser string }{
	{"Windows 10", "Edge 130.0.0"},
	{"Windows 10", "Chrome 130.0.0"},
	{"MacOs", "Safari 18.1"},
	{"Ios", "Mobile Safari 18.1"},
	{"Android", "Chrome Mobile 130.0.0"},
}

func (s *Server) registerSignInRoutes() {
	s.registerEntitySet(&entitySet{
		Path:         "/auditLogs/signIns",
		Perms:        permsSignIns,
		DefaultTop:   1000,
		MaxTop:       1000,
		Cost:         1,
		ODataContext: "auditLogs/signIns",
		Type:         "microsoft.graph.signIn",
		Filter: map[string]filterRule{
			"id":                {Default: "eq"},
			"createdDateTime":   {Default: "eq ge le gt lt"},
			"userId":            {Default: "eq"},
			"userPrincipalName": {Default: "eq startsWith"},
			"userDisplayName":   {Default: "eq startsWith"},
			"appId":             {Default: "eq"},
			"appDisplayName":    {Default: "eq startsWith"},
			"ipAddress":         {Default: "eq startsWith"},
			"status":            {Default: "eq"},
			"isInteractive":     {Default: "eq"},
		},
		Items: func(rs requestScope) ([]any, *APIError) {
			if rs.Tenant.Tier != TierP1 && rs.Tenant.Tier != TierP2 {
				return nil, &APIError{Status: http.StatusForbidden, Code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
					Message: "Tenant is not a B2C tenant and doesn't have premium license"}
			}
			return anySlice(signInLogLocked(rs.Tenant)), nil
		},
		Render: func(t *Tenant, obj any) entity { return renderSignIn(obj.(signIn)) },
		Get: func(rs requestScope, key string) any {
			if rs.Tenant.Tier == TierFree {
				return nil
			}
			for _, e := range signInLogLocked(rs.Tenant) {
				if e.requestID == key {
					return e
				}
			}
			return nil
		},
	})
}

// signInLogLocked lists the tenant's interactive sign-ins newest first; t.mu
// is held. A last sign-in later than the last successful one failed.
func signInLogLocked(t *Tenant) []signIn {
	var out []signIn
	for _, u := range t.Users {
		a := u.SignIn
		if a.LastSignInDateTime.IsZero() {
			continue
		}
		failed := a.LastSuccessfulSignInDateTime.Before(a.LastSignInDateTime)
		out = append(out, signIn{user: u, at: a.LastSignInDateTime, requestID: signInRequestID(a.LastSignInRequestID, u.ID, "last"), failed: failed})
		if failed && !a.LastSuccessfulSignInDateTime.IsZero() {
			out = append(out, signIn{user: u, at: a.LastSuccessfulSignInDateTime, requestID: signInRequestID(a.LastSuccessfulSignInRequestID, u.ID, "success")})
		}
	}
	slices.SortStableFunc(out, func(a, b signIn) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return cmp.Compare(a.requestID, b.requestID)
	})
	return out
}

// signInRequestID is the event's id: the request id the user's
// signInActivity names, or one derived from the user when it names none.
func signInRequestID(id, userID, kind string) string {
	if id != "" {
		return id
	}
	return derivedGUID("signIn", userID, kind)
}

// derivedGUID is a stable version-4-shaped GUID derived from parts.
func derivedGUID(parts ...string) string {
	h := sha1.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func renderSignIn(e signIn) entity {
	u := e.user
	seed := sha1.Sum([]byte(e.requestID))
	n := binary.BigEndian.Uint32(seed[:4])
	client := signInClients[int(n%uint32(len(signInClients)))]
	device := signInDevices[int((n>>8)%uint32(len(signInDevices)))]
	status := entity{{"errorCode", 0}, {"failureReason", nil}, {"additionalDetails", nil}}
	if e.failed {
		status = entity{
			{"errorCode", 50126},
			{"failureReason", "Error validating credentials due to invalid username or password."},
			{"additionalDetails", "The user didn't enter the right credentials. It's expected to see some number of these errors in your logs due to users making mistakes."},
		}
	}
	country := any(nil)
	if u.UsageLocation != "" {
		country = u.UsageLocation
	}
	return entity{
		{"id", e.requestID},
		{"createdDateTime", e.at.UTC().Format(time.RFC3339)},
		{"userDisplayName", u.DisplayName},
		{"userPrincipalName", u.UserPrincipalName},
		{"userId", u.ID},
		{"appId", client.appID},
		{"appDisplayName", client.appName},
		// Addresses from the documentation range (RFC 5737 TEST-NET-3).
		{"ipAddress", "203.0.113." + strconv.Itoa(int(seed[4]))},
		{"clientAppUsed", client.clientApp},
		{"correlationId", derivedGUID("correlation", e.requestID)},
		{"conditionalAccessStatus", "notApplied"},
		{"isInteractive", true},
		{"riskDetail", "none"},
		{"riskLevelAggregated", "none"},
		{"riskLevelDuringSignIn", "none"},
		{"riskState", "none"},
		{"riskEventTypes", []string{}},
		{"resourceDisplayName", client.resourceName},
		{"resourceId", client.resourceID},
		{"status", status},
		{"deviceDetail", entity{
			{"deviceId", ""},
			{"displayName", nil},
			{"operatingSystem", device.os},
			{"browser", device.browser},
			{"isCompliant", nil},
			{"isManaged", nil},
			{"trustType", nil},
		}},
		{"location", entity{
			{"city", nil},
			{"state", nil},
			{"countryOrRegion", country},
			{"geoCoordinates", entity{{"altitude", nil}, {"latitude", nil}, {"longitude", nil}}},
		}},
		{"appliedConditionalAccessPolicies", []any{}},
	}
}
