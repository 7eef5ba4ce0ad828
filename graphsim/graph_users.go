package graphsim

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// This file serves /users: the list, single get by id or userPrincipalName,
// /users/$count, $expand=manager and /users/{id}/manager, with Graph's
// user filter rules and the signInActivity gating.

// userReadPerms are the application permissions that allow reading users
// (graph-facts §4). User.ReadBasic.All sees only the basic profile.
var userReadPerms = []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "User.ReadBasic.All"}

// userDefaultProps are returned without $select (graph-facts §4), in the
// order of Microsoft's example (v1.0_users_list.json).
var userDefaultProps = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

// userBasicProps are what User.ReadBasic.All exposes (Microsoft's permission
// reference: displayName, givenName, id, mail, photo, securityIdentifier,
// surname, userPrincipalName).
var userBasicProps = []string{"displayName", "givenName", "id", "mail", "surname", "userPrincipalName"}

// userProps is every property renderUser produces, in its order.
var userProps = []string{
	"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id",
	"accountEnabled", "assignedLicenses", "assignedPlans", "city", "companyName", "createdDateTime", "deletedDateTime", "department", "employeeId",
	"licenseAssignmentStates", "mailNickname", "onPremisesImmutableId", "onPremisesSyncEnabled", "proxyAddresses", "signInSessionsValidFromDateTime", "usageLocation", "userType",
	"signInActivity",
}

// userFilterRules follow the user $filter table of graph-facts §4
// (Microsoft's "advanced query capabilities" reference).
var userFilterRules = func() map[string]filterRule {
	text := filterRule{Default: "eq ge le gt lt in startsWith", Advanced: "ne not null"}
	textEnds := filterRule{Default: text.Default, Advanced: "ne not null endsWith"}
	attr := filterRule{Default: "eq in startsWith", Advanced: "ne not null ge le"}
	boolean := filterRule{Default: "eq in", Advanced: "ne not null"}
	when := filterRule{Default: "eq ge le gt lt", Advanced: "ne not in null"}
	signIn := filterRule{Default: "eq ge le gt lt", Advanced: "ne not"}
	return map[string]filterRule{
		"id":                    {Default: "eq in", Advanced: "ne not"},
		"accountEnabled":        boolean,
		"onPremisesSyncEnabled": boolean,
		"userType":              {Default: "eq in", Advanced: "ne not null"},
		"assignedLicenses":      {Default: "eq", Advanced: "not ge le"},
		"createdDateTime":       when,
		"displayName":           text,
		"givenName":             text,
		"surname":               text,
		"mail":                  textEnds,
		"userPrincipalName":     textEnds,
		"mailNickname":          textEnds,
		"department":            attr,
		"jobTitle":              attr,
		"companyName":           attr,
		"employeeId":            attr,
		"usageLocation":         attr,
		"officeLocation":        attr,
		"preferredLanguage":     attr,
		"onPremisesImmutableId": attr,
		// Unlicensed users: assignedLicenses/$count eq 0 (advanced query).
		"assignedLicenses/$count":                         {Advanced: "eq ne gt ge lt le"},
		"proxyAddresses":                                  {Default: "eq startsWith", Advanced: "not ge le endsWith"},
		"signInActivity/lastSignInDateTime":               signIn,
		"signInActivity/lastNonInteractiveSignInDateTime": signIn,
		"signInActivity/lastSuccessfulSignInDateTime":     signIn,
	}
}()

// never is how Graph shows a sign-in time that never happened inside an
// existing signInActivity (graph-facts §4).
const never = "0001-01-01T00:00:00Z"

// nullable returns nil for "" so empty strings serialise as null, as Graph
// sends unset string properties.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func graphTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatGraphTime(t)
}

func signInTime(t time.Time) string {
	if t.IsZero() {
		return never
	}
	return formatGraphTime(t)
}

func renderAssignedLicenses(ls []AssignedLicense) []entity {
	out := make([]entity, len(ls))
	for i, l := range ls {
		dp := l.DisabledPlans
		if dp == nil {
			dp = []string{}
		}
		out[i] = entity{{"disabledPlans", dp}, {"skuId", l.SkuID}}
	}
	return out
}

// renderAssignedPlans lists the service plans the user's licences enable
// (plans not disabled), as assignedPlans does. Read lock held.
func renderAssignedPlans(t *Tenant, u *User) []entity {
	out := []entity{}
	if t == nil {
		return out
	}
	for _, l := range u.AssignedLicenses {
		var when any
		for _, st := range u.LicenseAssignmentStates {
			if st.SkuID == l.SkuID {
				when = graphTime(st.LastUpdatedDateTime)
			}
		}
		if when == nil {
			when = graphTime(u.CreatedDateTime)
		}
		for _, sku := range t.SubscribedSKUs {
			if !strings.EqualFold(sku.SkuID, l.SkuID) {
				continue
			}
			for _, plan := range sku.ServicePlans {
				if slices.Contains(l.DisabledPlans, plan.ServicePlanID) {
					continue
				}
				out = append(out, entity{
					{"assignedDateTime", when},
					{"capabilityStatus", "Enabled"},
					{"service", plan.ServicePlanName},
					{"servicePlanId", plan.ServicePlanID},
				})
			}
		}
	}
	return out
}

func renderLicenseStates(ls []LicenseAssignmentState) []entity {
	out := make([]entity, len(ls))
	for i, l := range ls {
		dp := l.DisabledPlans
		if dp == nil {
			dp = []string{}
		}
		out[i] = entity{
			{"assignedByGroup", nullable(l.AssignedByGroup)},
			{"disabledPlans", dp},
			{"error", l.Error},
			{"lastUpdatedDateTime", graphTime(l.LastUpdatedDateTime)},
			{"skuId", l.SkuID},
			{"state", l.State},
		}
	}
	return out
}

func renderSignInActivity(a SignInActivity) any {
	if a.LastSignInDateTime.IsZero() && a.LastNonInteractiveSignInDateTime.IsZero() && a.LastSuccessfulSignInDateTime.IsZero() {
		return nil // never signed in: Graph returns null
	}
	return entity{
		{"lastSignInDateTime", signInTime(a.LastSignInDateTime)},
		{"lastSignInRequestId", a.LastSignInRequestID},
		{"lastNonInteractiveSignInDateTime", signInTime(a.LastNonInteractiveSignInDateTime)},
		{"lastNonInteractiveSignInRequestId", a.LastNonInteractiveSignInRequestID},
		{"lastSuccessfulSignInDateTime", signInTime(a.LastSuccessfulSignInDateTime)},
		{"lastSuccessfulSignInRequestId", a.LastSuccessfulSignInRequestID},
	}
}

// renderUser renders every user property; callers project. Values read
// the model in place (modelRef), so the read lock must be held until the
// result is encoded.
func renderUser(t *Tenant, obj any) entity {
	u := obj.(*User)
	return entity{
		{"businessPhones", stringsRef{&u.BusinessPhones}},
		{"displayName", nullStrRef{&u.DisplayName}},
		{"givenName", nullStrRef{&u.GivenName}},
		{"jobTitle", nullStrRef{&u.JobTitle}},
		{"mail", nullStrRef{&u.Mail}},
		{"mobilePhone", nullStrRef{&u.MobilePhone}},
		{"officeLocation", nullStrRef{&u.OfficeLocation}},
		{"preferredLanguage", nullStrRef{&u.PreferredLanguage}},
		{"surname", nullStrRef{&u.Surname}},
		{"userPrincipalName", strRef{&u.UserPrincipalName}},
		{"id", strRef{&u.ID}},
		{"accountEnabled", u.AccountEnabled},
		{"assignedLicenses", licencesRef{u}},
		{"assignedPlans", lazyValue(func() any { return renderAssignedPlans(t, u) })},
		{"city", nil},
		{"companyName", nullStrRef{&u.CompanyName}},
		{"createdDateTime", timeRef{&u.CreatedDateTime}},
		{"deletedDateTime", timeRef{&u.DeletedDateTime}},
		{"department", nullStrRef{&u.Department}},
		{"employeeId", nullStrRef{&u.EmployeeID}},
		{"licenseAssignmentStates", licenceStatesRef{u}},
		{"mailNickname", nullStrRef{&u.MailNickname}},
		{"onPremisesImmutableId", nullStrRef{&u.OnPremisesImmutableID}},
		{"onPremisesSyncEnabled", u.OnPremisesSyncEnabled},
		{"proxyAddresses", proxyAddressesRef{u}},
		{"signInSessionsValidFromDateTime", timeRef{&u.SignInSessionsValidFromDateTime}},
		{"usageLocation", nullStrRef{&u.UsageLocation}},
		{"userType", strRef{&u.UserType}},
		{"signInActivity", signInRef{u}},
	}
}

// licencesRef is a user's assignedLicenses.
type licencesRef struct{ u *User }

func (r licencesRef) Plain() any { return renderAssignedLicenses(r.u.AssignedLicenses) }
func (r licencesRef) AppendJSON(b []byte) []byte {
	b = append(b, '[')
	for i, l := range r.u.AssignedLicenses {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"disabledPlans":`...)
		b, _ = appendJSON(b, l.DisabledPlans)
		b = append(b, `,"skuId":`...)
		b = appendJSONString(b, l.SkuID)
		b = append(b, '}')
	}
	return append(b, ']')
}

// proxyAddressesRef is a mailbox user's primary SMTP address, as Exchange
// stamps it ("SMTP:" + mail); users without mail have none.
type proxyAddressesRef struct{ u *User }

func (r proxyAddressesRef) Plain() any {
	if r.u.Mail == "" {
		return []string{}
	}
	return []string{"SMTP:" + r.u.Mail}
}

func (r proxyAddressesRef) AppendJSON(b []byte) []byte {
	if r.u.Mail == "" {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	b = appendJSONString(b, "SMTP:"+r.u.Mail)
	return append(b, ']')
}

// licenceStatesRef is a user's licenseAssignmentStates.
type licenceStatesRef struct{ u *User }

func (r licenceStatesRef) Plain() any { return renderLicenseStates(r.u.LicenseAssignmentStates) }
func (r licenceStatesRef) AppendJSON(b []byte) []byte {
	b = append(b, '[')
	for i := range r.u.LicenseAssignmentStates {
		l := &r.u.LicenseAssignmentStates[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"assignedByGroup":`...)
		b = nullStrRef{&l.AssignedByGroup}.AppendJSON(b)
		b = append(b, `,"disabledPlans":`...)
		b, _ = appendJSON(b, l.DisabledPlans)
		b = append(b, `,"error":`...)
		b = appendJSONString(b, l.Error)
		b = append(b, `,"lastUpdatedDateTime":`...)
		b = timeRef{&l.LastUpdatedDateTime}.AppendJSON(b)
		b = append(b, `,"skuId":`...)
		b = appendJSONString(b, l.SkuID)
		b = append(b, `,"state":`...)
		b = appendJSONString(b, l.State)
		b = append(b, '}')
	}
	return append(b, ']')
}

// signInRef is a user's signInActivity.
type signInRef struct{ u *User }

func (r signInRef) Plain() any { return renderSignInActivity(r.u.SignIn) }
func (r signInRef) AppendJSON(b []byte) []byte {
	b, _ = appendJSON(b, renderSignInActivity(r.u.SignIn))
	return b
}

// userLocked finds a live user by object id or userPrincipalName. Read lock
// held.
func userLocked(t *Tenant, key string) *User { return t.userLocked(key) }

// guardUserQuery enforces signInActivity's requirements: AuditLog.Read.All
// and a P1/P2 tenant (graph-facts §4; body observed in
// error_signInActivity_no_premium_observed.json).
func guardUserQuery(sc requestScope, q *odataQuery) *APIError {
	if !q.selected("signInActivity") && !strings.Contains(strings.ToLower(q.FilterText), "signinactivity") {
		return nil
	}
	if !sc.Caller.Has("AuditLog.Read.All") {
		return errInsufficientPrivileges
	}
	if sc.Tenant.Tier != TierP1 && sc.Tenant.Tier != TierP2 {
		return &APIError{http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Tenant is not a B2C tenant and doesn't have premium license"}
	}
	return nil
}

// basicOnly reports whether the caller may read only the basic profile.
func basicOnly(c *Caller) bool {
	return !c.Has("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
}

// expandManager serves $expand=manager($select=...). Read lock held.
func expandManager(t *Tenant, obj any, sel []string) any {
	u := obj.(*User)
	if u.ManagerID == "" {
		return nil
	}
	m := t.userByIDLocked(u.ManagerID)
	if m == nil {
		return nil
	}
	e := renderUser(t, m)
	if sel == nil {
		sel = userDefaultProps
	}
	return append(entity{{"@odata.type", "#microsoft.graph.user"}}, project(e, sel, nil)...)
}

func (s *Server) usersSet() *entitySet {
	return &entitySet{
		Path:         "/users",
		Perms:        userReadPerms,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         2,
		ODataContext: "users",
		Type:         "microsoft.graph.user",
		Items: func(sc requestScope) ([]any, *APIError) {
			return sc.Tenant.userItemsLocked(), nil
		},
		Render:     renderUser,
		Default:    userDefaultProps,
		Properties: userProps,
		Filter:     userFilterRules,
		Advanced:   true,
		OrderBy:    []string{"displayName", "userPrincipalName"},
		Search:     []string{"displayName", "mail", "userPrincipalName", "givenName", "surname", "mailNickname", "jobTitle", "department"},
		Get: func(sc requestScope, key string) any {
			if u := userLocked(sc.Tenant, key); u != nil {
				return u
			}
			return nil
		},
		Guard: guardUserQuery,
		Expand: map[string]func(*Tenant, any, []string) any{
			"manager": expandManager,
			"memberOf": func(t *Tenant, obj any, sel []string) any {
				u := obj.(*User)
				return expandDirectoryObjects(t, memberOfIDs(t, u.ID), directRolesOf(t, u.ID), sel)
			},
		},
		CountSegment: true,
		Visible: func(c *Caller) []string {
			if basicOnly(c) {
				return userBasicProps
			}
			return nil
		},
	}
}

func (s *Server) registerUserRoutes() {
	s.registerEntitySet(s.usersSet())
	s.graph("GET /users/{id}/manager", 1, s.getManager)
	// App-only tokens have no signed-in user; Graph refuses /me outright.
	s.graph("GET /me", 1, func(w http.ResponseWriter, r *http.Request, _ *Caller) {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", "/me request is only valid with delegated authentication flow.")
	})
}

// getManager serves GET /users/{id}/manager: the manager as a
// directoryObject, 404 when there is none.
func (s *Server) getManager(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(userReadPerms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	t := c.Tenant
	key := r.PathValue("id")
	t.mu.RLock()
	u := userLocked(t, key)
	if u == nil {
		t.mu.RUnlock()
		writeAPIError(w, r, notFound(key))
		return
	}
	m := t.userByIDLocked(u.ManagerID)
	if m == nil {
		t.mu.RUnlock()
		writeAPIError(w, r, notFound("manager"))
		return
	}
	sel := userDefaultProps
	if basicOnly(c) {
		sel = userBasicProps
	}
	e := append(entity{{"@odata.type", "#microsoft.graph.user"}}, project(renderUser(t, m), sel, nil)...)
	body, err := encodeEntity(r, "directoryObjects", nil, e)
	t.mu.RUnlock()
	writeEncoded(w, r, http.StatusOK, body, err)
}
