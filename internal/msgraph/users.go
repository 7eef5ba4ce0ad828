package msgraph

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"
)

// User is microsoft.graph.user, with the properties tenantscope reads. Most
// of them arrive only when named in $select.
type User struct {
	ID                      string                   `json:"id"`
	UserPrincipalName       string                   `json:"userPrincipalName"`
	DisplayName             string                   `json:"displayName"`
	GivenName               string                   `json:"givenName"`
	Surname                 string                   `json:"surname"`
	Mail                    string                   `json:"mail"`
	MailNickname            string                   `json:"mailNickname"`
	AccountEnabled          *bool                    `json:"accountEnabled"`
	UserType                string                   `json:"userType"`
	CreatedDateTime         *time.Time               `json:"createdDateTime"`
	DeletedDateTime         *time.Time               `json:"deletedDateTime"`
	Department              string                   `json:"department"`
	JobTitle                string                   `json:"jobTitle"`
	CompanyName             string                   `json:"companyName"`
	OfficeLocation          string                   `json:"officeLocation"`
	UsageLocation           string                   `json:"usageLocation"`
	MobilePhone             string                   `json:"mobilePhone"`
	BusinessPhones          []string                 `json:"businessPhones"`
	PreferredLanguage       string                   `json:"preferredLanguage"`
	EmployeeID              string                   `json:"employeeId"`
	OnPremisesSyncEnabled   *bool                    `json:"onPremisesSyncEnabled"`
	OnPremisesImmutableID   string                   `json:"onPremisesImmutableId"`
	AssignedLicenses        []AssignedLicense        `json:"assignedLicenses"`
	LicenseAssignmentStates []LicenseAssignmentState `json:"licenseAssignmentStates"`
	// SignInActivity needs AuditLog.Read.All and Entra ID P1 or P2.
	SignInActivity *SignInActivity `json:"signInActivity"`
	// Manager is present with $expand=manager($select=id).
	Manager *DirectoryObject `json:"manager"`

	Raw json.RawMessage `json:"-"`
}

func (u *User) setRaw(r json.RawMessage) { u.Raw = r }
func (u *User) objectID() string         { return u.ID }

// AssignedLicense is one entry of assignedLicenses (direct and
// group-inherited alike), and the addLicenses element of assignLicense.
type AssignedLicense struct {
	SkuID         string   `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans"`
}

// LicenseAssignmentState says how a licence came to a user: directly
// (AssignedByGroup null) or through a group, and whether it applied.
type LicenseAssignmentState struct {
	SkuID               string     `json:"skuId"`
	DisabledPlans       []string   `json:"disabledPlans"`
	AssignedByGroup     *string    `json:"assignedByGroup"`
	State               string     `json:"state"`
	Error               string     `json:"error"`
	LastUpdatedDateTime *time.Time `json:"lastUpdatedDateTime"`
}

// SignInActivity is user.signInActivity. Graph shows a sign-in that never
// happened as "0001-01-01T00:00:00Z" or null; Never tells both apart from a
// real time.
type SignInActivity struct {
	LastSignInDateTime                *time.Time `json:"lastSignInDateTime"`
	LastSignInRequestID               string     `json:"lastSignInRequestId"`
	LastNonInteractiveSignInDateTime  *time.Time `json:"lastNonInteractiveSignInDateTime"`
	LastNonInteractiveSignInRequestID string     `json:"lastNonInteractiveSignInRequestId"`
	LastSuccessfulSignInDateTime      *time.Time `json:"lastSuccessfulSignInDateTime"`
	LastSuccessfulSignInRequestID     string     `json:"lastSuccessfulSignInRequestId"`
}

// Never reports whether t stands for "no sign-in recorded".
func Never(t *time.Time) bool { return t == nil || t.IsZero() }

// maxPageDirectory is $top's maximum for users, groups, service principals,
// applications and members (graph-facts §3).
const maxPageDirectory = 999

// Users lists /users.
func (c *Client) Users(ctx context.Context, o ListOptions) iter.Seq2[User, error] {
	return listPath[User](ctx, c, "/users", o, maxPageDirectory)
}

// User gets one user by id or userPrincipalName.
func (c *Client) User(ctx context.Context, idOrUPN string, sel []string) (*User, error) {
	var raw json.RawMessage
	u := c.url("v1.0", "/users/"+pathEscape(idOrUPN), ListOptions{Select: sel}.query(0))
	if err := c.getJSON(ctx, u, false, &raw); err != nil {
		return nil, err
	}
	v, err := decodeItem[User](raw)
	if err != nil {
		return nil, fmt.Errorf("graph: decode user: %w", err)
	}
	return &v, nil
}

// MailboxPurpose is the user's mailboxSettings.userPurpose: user, linked,
// shared, room, equipment, others. Needs MailboxSettings.Read.
func (c *Client) MailboxPurpose(ctx context.Context, userID string) (string, error) {
	var raw json.RawMessage
	u := c.url("v1.0", "/users/"+pathEscape(userID)+"/mailboxSettings/userPurpose", nil)
	if err := c.getJSON(ctx, u, false, &raw); err != nil {
		return "", err
	}
	return ParseMailboxPurpose(raw)
}

// MailboxPurposeURL is the relative URL of a user's userPurpose, for $batch.
func MailboxPurposeURL(userID string) string {
	return "/users/" + pathEscape(userID) + "/mailboxSettings/userPurpose"
}

// ParseMailboxPurpose reads a userPurpose response body. Microsoft's docs
// show it both as {"value":"user"} and, inside a full mailboxSettings
// object, as "userPurpose":{"value":"user"} or a plain string; all are
// accepted.
func ParseMailboxPurpose(body json.RawMessage) (string, error) {
	var env struct {
		Value       json.RawMessage `json:"value"`
		UserPurpose json.RawMessage `json:"userPurpose"`
	}
	if err := unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("graph: decode userPurpose: %w", err)
	}
	v := env.Value
	if len(v) == 0 {
		v = env.UserPurpose
	}
	for depth := 0; depth < 2 && len(v) > 0; depth++ {
		var s *string
		if unmarshal(v, &s) == nil {
			if s == nil {
				return "", nil
			}
			return *s, nil
		}
		var inner struct {
			Value json.RawMessage `json:"value"`
		}
		if err := unmarshal(v, &inner); err != nil {
			return "", fmt.Errorf("graph: decode userPurpose: %w", err)
		}
		v = inner.Value
	}
	return "", fmt.Errorf("graph: decode userPurpose: no value in %s", snippet(body))
}
