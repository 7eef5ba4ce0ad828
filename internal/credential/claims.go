package credential

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims are the access-token claims tenantscope reads. Decoding does not
// verify the signature: the tool only reads tokens it has just been issued,
// and Graph verifies them.
type Claims struct {
	Audience  string    // aud
	Issuer    string    // iss
	TenantID  string    // tid
	AppID     string    // appid (v1.0 tokens) or azp (v2.0)
	ObjectID  string    // oid: the service principal's object id
	IDType    string    // idtyp: "app" for app-only tokens
	Roles     []string  // granted application permissions; absent without admin consent
	Scopes    []string  // scp: delegated permissions (a delegated token, not what client credentials give)
	Expires   time.Time // exp
	NotBefore time.Time // nbf
	Version   string    // ver
}

type rawClaims struct {
	Aud   json.RawMessage `json:"aud"`
	Iss   string          `json:"iss"`
	Tid   string          `json:"tid"`
	AppID string          `json:"appid"`
	Azp   string          `json:"azp"`
	Oid   string          `json:"oid"`
	Idtyp string          `json:"idtyp"`
	Roles []string        `json:"roles"`
	Scp   string          `json:"scp"`
	Exp   json.Number     `json:"exp"`
	Nbf   json.Number     `json:"nbf"`
	Ver   string          `json:"ver"`
}

// ParseClaims decodes a JWT access token's payload (unverified).
func ParseClaims(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("access token is not a JWT (%d parts)", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, fmt.Errorf("access token payload: %w", err)
	}
	var r rawClaims
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return Claims{}, fmt.Errorf("access token payload: %w", err)
	}
	c := Claims{Issuer: r.Iss, TenantID: r.Tid, AppID: r.AppID, ObjectID: r.Oid, IDType: r.Idtyp,
		Roles: r.Roles, Version: r.Ver}
	if c.AppID == "" {
		c.AppID = r.Azp
	}
	if r.Scp != "" {
		c.Scopes = strings.Fields(r.Scp)
	}
	if c.Audience, err = audience(r.Aud); err != nil {
		return Claims{}, err
	}
	if c.Expires, err = unixTime(r.Exp); err != nil {
		return Claims{}, fmt.Errorf("access token exp: %w", err)
	}
	if c.NotBefore, err = unixTime(r.Nbf); err != nil {
		return Claims{}, fmt.Errorf("access token nbf: %w", err)
	}
	return c, nil
}

// audience accepts aud as a string or an array (RFC 7519); Entra ID sends a
// string.
func audience(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", errors.New("access token aud is neither a string nor a list")
	}
	return strings.Join(list, " "), nil
}

func unixTime(n json.Number) (time.Time, error) {
	if n == "" {
		return time.Time{}, nil
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(int64(f), 0).UTC(), nil
}
