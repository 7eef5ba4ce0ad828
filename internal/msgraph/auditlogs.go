package msgraph

import (
	"context"
	"encoding/json"
	"iter"
	"time"
)

// SignIn is an entry of /auditLogs/signIns (interactive sign-ins; needs
// AuditLog.Read.All and Entra ID P1 or P2).
type SignIn struct {
	ID                      string          `json:"id"`
	CreatedDateTime         *time.Time      `json:"createdDateTime"`
	UserID                  string          `json:"userId"`
	UserPrincipalName       string          `json:"userPrincipalName"`
	UserDisplayName         string          `json:"userDisplayName"`
	AppID                   string          `json:"appId"`
	AppDisplayName          string          `json:"appDisplayName"`
	ResourceID              string          `json:"resourceId"`
	ResourceDisplayName     string          `json:"resourceDisplayName"`
	IPAddress               string          `json:"ipAddress"`
	ClientAppUsed           string          `json:"clientAppUsed"`
	CorrelationID           string          `json:"correlationId"`
	ConditionalAccessStatus string          `json:"conditionalAccessStatus"`
	IsInteractive           bool            `json:"isInteractive"`
	Status                  SignInStatus    `json:"status"`
	Location                *SignInLocation `json:"location"`
	DeviceDetail            *SignInDevice   `json:"deviceDetail"`

	Raw json.RawMessage `json:"-"`
}

func (s *SignIn) setRaw(r json.RawMessage) { s.Raw = r }
func (s *SignIn) objectID() string         { return s.ID }

// SignInStatus: ErrorCode 0 is success.
type SignInStatus struct {
	ErrorCode         int     `json:"errorCode"`
	FailureReason     *string `json:"failureReason"`
	AdditionalDetails *string `json:"additionalDetails"`
}

// SignInLocation is where a sign-in came from.
type SignInLocation struct {
	City            string `json:"city"`
	State           string `json:"state"`
	CountryOrRegion string `json:"countryOrRegion"`
}

// SignInDevice describes the signing-in device.
type SignInDevice struct {
	DeviceID        string `json:"deviceId"`
	DisplayName     string `json:"displayName"`
	OperatingSystem string `json:"operatingSystem"`
	Browser         string `json:"browser"`
	IsCompliant     *bool  `json:"isCompliant"`
	IsManaged       *bool  `json:"isManaged"`
	TrustType       string `json:"trustType"`
}

// maxPageSignIns: signIns pages at 1,000 by default and at most
// (graph-facts §3).
const maxPageSignIns = 1000

// SignIns lists /auditLogs/signIns, newest first; filter on
// createdDateTime (e.g. "createdDateTime ge 2026-10-01T00:00:00Z") to bound
// the window.
func (c *Client) SignIns(ctx context.Context, o ListOptions) iter.Seq2[SignIn, error] {
	return listPath[SignIn](ctx, c, "/auditLogs/signIns", o, maxPageSignIns)
}
