package graphsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// This file serves the user, group-membership, licence and authentication
// method writes (graph-facts §4-6). Each resolves its target under the read
// lock, then calls the Tenant's mutation (which takes the write lock and bumps
// the change sequence, so writes show up in later reads and deltas), and
// answers with Microsoft's status and body.

var (
	userWritePerms        = []string{"User.ReadWrite.All", "Directory.ReadWrite.All"}
	licenseWritePerms     = []string{"User.ReadWrite.All", "Directory.ReadWrite.All", "LicenseAssignment.ReadWrite.All"}
	enableDisablePerms    = []string{"User.ReadWrite.All", "Directory.ReadWrite.All", "User.EnableDisableAccount.All"}
	revokeSessionPerms    = []string{"User.ReadWrite.All", "Directory.ReadWrite.All", "User.RevokeSessions.All"}
	memberWritePerms      = []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}
	groupWritePerms       = []string{"Group.ReadWrite.All", "Directory.ReadWrite.All"}
	authMethodReadPerms   = []string{"UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"}
	authMethodWritePerms  = []string{"UserAuthenticationMethod.ReadWrite.All"}
	errInvalidRequestBody = &APIError{http.StatusBadRequest, "BadRequest", "Empty Payload. JSON content expected."}
)

// maxWriteBody bounds a write's JSON body.
const maxWriteBody = 1 << 20

func (s *Server) registerWriteRoutes() {
	s.graph("POST /users/{id}/assignLicense", 1, s.assignLicense)
	s.graph("PATCH /users/{id}", 1, s.patchUser)
	s.graph("POST /users/{id}/revokeSignInSessions", 1, s.revokeSignInSessions)
	s.graph("PATCH /groups/{id}", 1, s.patchGroup)
	s.graph("POST /groups/{id}/members/$ref", 1, s.addMember)
	s.graph("DELETE /groups/{id}/members/{mid}/$ref", 1, s.removeMember)
	s.graph("GET /users/{id}/authentication/methods", 1, s.listAuthMethods)
	s.graph("DELETE /users/{id}/authentication/{kind}/{mid}", 1, s.deleteAuthMethod)
}

// writeMutationError answers with the mutation's *APIError, or 500.
func writeMutationError(w http.ResponseWriter, r *http.Request, err error) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		writeAPIError(w, r, apiErr)
		return
	}
	writeGraphError(w, r, http.StatusInternalServerError, "generalException", "The operation could not be completed.")
}

// readBody decodes a JSON object body.
func readBody(r *http.Request, v any) *APIError {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxWriteBody))
	if err != nil || len(strings.TrimSpace(string(raw))) == 0 {
		return errInvalidRequestBody
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return &APIError{http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."}
	}
	return nil
}

// resolveUser maps an id or userPrincipalName to the user's object id.
func resolveUser(t *Tenant, key string) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if u := userLocked(t, key); u != nil {
		return u.ID, true
	}
	return "", false
}

func (s *Server) assignLicense(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(licenseWritePerms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	var body struct {
		AddLicenses *[]struct {
			SkuID         string   `json:"skuId"`
			DisabledPlans []string `json:"disabledPlans"`
		} `json:"addLicenses"`
		RemoveLicenses *[]string `json:"removeLicenses"`
	}
	if apiErr := readBody(r, &body); apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	// Both parameters are required, either may be empty (graph-facts §5).
	var missing []string
	if body.AddLicenses == nil {
		missing = append(missing, "addLicenses")
	}
	if body.RemoveLicenses == nil {
		missing = append(missing, "removeLicenses")
	}
	if len(missing) > 0 {
		writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest",
			"One or more parameters of the function import 'assignLicense' are missing from the request payload. The missing parameters are: " + strings.Join(missing, ", ") + "."})
		return
	}
	t := c.Tenant
	key := r.PathValue("id")
	id, ok := resolveUser(t, key)
	if !ok {
		writeAPIError(w, r, notFound(key))
		return
	}
	add := make([]AssignedLicense, 0, len(*body.AddLicenses))
	for _, l := range *body.AddLicenses {
		dp := l.DisabledPlans
		if dp == nil {
			dp = []string{}
		}
		add = append(add, AssignedLicense{SkuID: strings.ToLower(l.SkuID), DisabledPlans: dp})
	}
	remove := make([]string, 0, len(*body.RemoveLicenses))
	for _, sku := range *body.RemoveLicenses {
		remove = append(remove, strings.ToLower(sku))
	}
	u, err := t.AssignLicense(id, add, remove)
	if err != nil {
		writeMutationError(w, r, err)
		return
	}
	t.mu.RLock()
	e := project(renderUser(t, u), slices.DeleteFunc(slices.Clone(userProps), func(p string) bool { return p == "signInActivity" }), nil)
	out, err := encodeEntity(r, "users", nil, e)
	t.mu.RUnlock()
	writeEncoded(w, r, http.StatusOK, out, err)
}

// patchableUserFields are the simple string properties PATCH /users accepts
// here; each maps to the model field it sets.
var patchableUserFields = map[string]func(u *User, v string){
	"displayName":       func(u *User, v string) { u.DisplayName = v },
	"givenName":         func(u *User, v string) { u.GivenName = v },
	"surname":           func(u *User, v string) { u.Surname = v },
	"jobTitle":          func(u *User, v string) { u.JobTitle = v },
	"department":        func(u *User, v string) { u.Department = v },
	"companyName":       func(u *User, v string) { u.CompanyName = v },
	"officeLocation":    func(u *User, v string) { u.OfficeLocation = v },
	"mobilePhone":       func(u *User, v string) { u.MobilePhone = v },
	"usageLocation":     func(u *User, v string) { u.UsageLocation = strings.ToUpper(v) },
	"employeeId":        func(u *User, v string) { u.EmployeeID = v },
	"preferredLanguage": func(u *User, v string) { u.PreferredLanguage = v },
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, c *Caller) {
	var body map[string]json.RawMessage
	if apiErr := readBody(r, &body); apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	onlyEnable := len(body) == 1 && body["accountEnabled"] != nil
	if !c.Has(userWritePerms...) && !(onlyEnable && c.Has(enableDisablePerms...)) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	strs := map[string]string{}
	var enabled *bool
	for k, raw := range body {
		if k == "accountEnabled" {
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'accountEnabled' of resource 'User'."})
				return
			}
			enabled = &b
			continue
		}
		if patchableUserFields[k] == nil {
			writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "Property '" + k + "' is read-only or not supported and cannot be set."})
			return
		}
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property '" + k + "' of resource 'User'."})
			return
		}
		if k == "usageLocation" && v != nil && len(*v) != 2 {
			writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'usageLocation' of resource 'User'."})
			return
		}
		if v == nil {
			strs[k] = ""
		} else {
			strs[k] = *v
		}
	}
	t := c.Tenant
	key := r.PathValue("id")
	id, ok := resolveUser(t, key)
	if !ok {
		writeAPIError(w, r, notFound(key))
		return
	}
	if onPremisesMastered(t, id) && (enabled != nil || anyOnPremisesField(strs)) {
		writeAPIError(w, r, errOnPremisesMastered)
		return
	}
	if enabled != nil {
		if err := t.SetAccountEnabled(id, *enabled); err != nil {
			writeMutationError(w, r, err)
			return
		}
	}
	if len(strs) > 0 {
		t.patchUserFields(id, strs)
	}
	w.WriteHeader(http.StatusNoContent)
}

// errOnPremisesMastered is Entra ID's refusal to change, in the cloud, an
// attribute that Entra Connect synchronises from Active Directory.
var errOnPremisesMastered = &APIError{http.StatusBadRequest, "Request_BadRequest",
	"Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration."}

// cloudMasteredUserFields stay writable on synchronised users.
var cloudMasteredUserFields = map[string]bool{"usageLocation": true, "preferredLanguage": true}

func anyOnPremisesField(fields map[string]string) bool {
	for k := range fields {
		if !cloudMasteredUserFields[k] {
			return true
		}
	}
	return false
}

// onPremisesMastered reports whether Entra Connect synchronises the user.
func onPremisesMastered(t *Tenant, id string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	u := t.userByIDLocked(id)
	return u != nil && u.OnPremisesSyncEnabled != nil && *u.OnPremisesSyncEnabled
}

// patchUserFields sets simple string properties and records the change for
// delta. It takes the write lock.
func (t *Tenant) patchUserFields(id string, fields map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(id)
	if u == nil {
		return
	}
	for k, v := range fields {
		patchableUserFields[k](u, v)
	}
	u.Seq = t.nextSeqLocked()
}

func (s *Server) revokeSignInSessions(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(revokeSessionPerms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	t := c.Tenant
	key := r.PathValue("id")
	id, ok := resolveUser(t, key)
	if !ok {
		writeAPIError(w, r, notFound(key))
		return
	}
	if err := t.RevokeSignInSessions(id); err != nil {
		writeMutationError(w, r, err)
		return
	}
	// Body as v1.0_users_revokeSignInSessions_response.json.
	b := []byte(`{"@odata.context":`)
	b = appendJSONString(b, baseURL(r)+"/"+versionOf(r)+"/$metadata#Edm.Boolean")
	b = append(b, `,"value":true}`...)
	writeRawJSON(w, http.StatusOK, b)
}

// refTarget extracts the object id from an @odata.id such as
// https://graph.microsoft.com/v1.0/directoryObjects/{id} (users/{id} and
// groups/{id} work too).
func refTarget(odataID string) (string, bool) {
	u := strings.TrimRight(odataID, "/")
	i := strings.LastIndexByte(u, '/')
	if i < 0 {
		return "", false
	}
	id, parent := u[i+1:], u[:i]
	switch {
	case strings.HasSuffix(parent, "/directoryObjects"), strings.HasSuffix(parent, "/users"),
		strings.HasSuffix(parent, "/groups"), strings.HasSuffix(parent, "/servicePrincipals"), strings.HasSuffix(parent, "/devices"):
		return id, id != ""
	}
	return "", false
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(memberWritePerms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	var body map[string]any
	if apiErr := readBody(r, &body); apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	ref, _ := body["@odata.id"].(string)
	memberID, ok := refTarget(ref)
	if !ok {
		writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid URL format specified in @odata.id."})
		return
	}
	if err := c.Tenant.AddGroupMember(r.PathValue("id"), memberID); err != nil {
		writeMutationError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// maxMemberBinds: PATCH /groups/{id} adds at most 20 members through
// members@odata.bind (graph-facts §6; Microsoft's group-post-members page).
const maxMemberBinds = 20

// patchGroup serves PATCH /groups/{id}: displayName and description, and
// members@odata.bind to add up to 20 members at once; 204.
func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request, c *Caller) {
	var body map[string]json.RawMessage
	if apiErr := readBody(r, &body); apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	onlyMembers := len(body) == 1 && body["members@odata.bind"] != nil
	if !c.Has(groupWritePerms...) && !(onlyMembers && c.Has(memberWritePerms...)) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	fields := map[string]string{}
	var binds []string
	for k, raw := range body {
		switch k {
		case "displayName", "description":
			var v string
			if err := json.Unmarshal(raw, &v); err != nil || (k == "displayName" && v == "") {
				writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property '" + k + "' of resource 'Group'."})
				return
			}
			fields[k] = v
		case "members@odata.bind":
			var refs []string
			if err := json.Unmarshal(raw, &refs); err != nil {
				writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'members@odata.bind' of resource 'Group'."})
				return
			}
			if len(refs) > maxMemberBinds {
				writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "The maximum number of members that can be added in a single request is 20."})
				return
			}
			for _, ref := range refs {
				id, ok := refTarget(ref)
				if !ok {
					writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "Invalid URL format specified in @odata.bind for members"})
					return
				}
				binds = append(binds, id)
			}
		default:
			writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "Property '" + k + "' is read-only or not supported and cannot be set."})
			return
		}
	}
	t := c.Tenant
	key := r.PathValue("id")
	t.mu.RLock()
	g := groupLocked(t, key)
	var missing, present string
	if g != nil {
		for _, id := range binds {
			if t.kindLocked(id) == KindUnknown && missing == "" {
				missing = id
			}
			if slices.Contains(g.Members, strings.ToLower(id)) {
				present = id
			}
		}
	}
	t.mu.RUnlock()
	switch {
	case g == nil:
		writeAPIError(w, r, notFound(key))
		return
	case missing != "":
		writeAPIError(w, r, notFound(missing))
		return
	case present != "":
		writeAPIError(w, r, &APIError{http.StatusBadRequest, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'."})
		return
	}
	for _, id := range binds {
		if err := t.AddGroupMember(g.ID, id); err != nil {
			writeMutationError(w, r, err)
			return
		}
	}
	if len(fields) > 0 {
		t.patchGroupFields(g.ID, fields)
	}
	w.WriteHeader(http.StatusNoContent)
}

// patchGroupFields sets displayName/description and records the change for
// delta. It takes the write lock.
func (t *Tenant) patchGroupFields(id string, fields map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.groupLocked(id)
	if g == nil {
		return
	}
	for k, v := range fields {
		switch k {
		case "displayName":
			g.DisplayName = v
		case "description":
			g.Description = v
		}
	}
	g.Seq = t.nextSeqLocked()
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(memberWritePerms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	if err := c.Tenant.RemoveGroupMember(r.PathValue("id"), r.PathValue("mid")); err != nil {
		writeMutationError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// authMethodSchemas lists each method type's properties in Microsoft's
// order (the authentication method resource types in the v1.0 reference);
// values the model lacks are null. Array-valued properties are listed in
// authMethodArrays.
var authMethodSchemas = map[string][]string{
	"#microsoft.graph.passwordAuthenticationMethod":                {"password", "createdDateTime"},
	"#microsoft.graph.phoneAuthenticationMethod":                   {"phoneNumber", "phoneType", "smsSignInState"},
	"#microsoft.graph.emailAuthenticationMethod":                   {"emailAddress"},
	"#microsoft.graph.fido2AuthenticationMethod":                   {"displayName", "createdDateTime", "aaGuid", "model", "attestationCertificates", "attestationLevel"},
	"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod":  {"displayName", "deviceTag", "phoneAppVersion", "createdDateTime"},
	"#microsoft.graph.windowsHelloForBusinessAuthenticationMethod": {"displayName", "createdDateTime", "keyStrength"},
	"#microsoft.graph.softwareOathAuthenticationMethod":            {"secretKey"},
	"#microsoft.graph.temporaryAccessPassAuthenticationMethod":     {"createdDateTime", "startDateTime", "lifetimeInMinutes", "isUsableOnce", "isUsable", "methodUsabilityReason"},
}

var authMethodArrays = map[string]bool{"attestationCertificates": true}

// renderAuthMethod: @odata.type, id, then the type's properties.
func renderAuthMethod(m AuthMethod) entity {
	e := entity{{"@odata.type", m.ODataType}, {"id", m.ID}}
	schema, known := authMethodSchemas[m.ODataType]
	if !known {
		for k := range m.Properties {
			schema = append(schema, k)
		}
		sort.Strings(schema)
	}
	for _, k := range schema {
		v, ok := m.Properties[k]
		switch {
		case authMethodArrays[k] && !ok:
			e = append(e, property{k, []string{}})
		case !ok:
			e = append(e, property{k, nil})
		default:
			e = append(e, property{k, v})
		}
	}
	return e
}

func (s *Server) listAuthMethods(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(authMethodReadPerms...) {
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
	items := make([]entity, len(u.AuthMethods))
	for i, m := range u.AuthMethods {
		items[i] = renderAuthMethod(m)
	}
	ctx := baseURL(r) + "/" + versionOf(r) + "/$metadata#users('" + u.ID + "')/authentication/methods"
	t.mu.RUnlock()
	b := []byte(`{"@odata.context":`)
	b = appendJSONString(b, ctx)
	b = append(b, `,"value":`...)
	b, _ = appendJSON(b, items)
	b = append(b, '}')
	writeRawJSON(w, http.StatusOK, b)
}

// authMethodSegments maps each authentication/{kind} segment to the method
// type it deletes (Microsoft's authentication resource).
var authMethodSegments = map[string]string{
	"phoneMethods":                              "#microsoft.graph.phoneAuthenticationMethod",
	"emailMethods":                              "#microsoft.graph.emailAuthenticationMethod",
	"fido2Methods":                              "#microsoft.graph.fido2AuthenticationMethod",
	"microsoftAuthenticatorMethods":             "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
	"softwareOathMethods":                       "#microsoft.graph.softwareOathAuthenticationMethod",
	"temporaryAccessPassMethods":                "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
	"windowsHelloForBusinessMethods":            "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod",
	"platformCredentialMethods":                 "#microsoft.graph.platformCredentialAuthenticationMethod",
	"passwordMethods":                           "#microsoft.graph.passwordAuthenticationMethod",
	"hardwareOathMethods":                       "#microsoft.graph.hardwareOathAuthenticationMethod",
	"qrCodePinMethods":                          "#microsoft.graph.qrCodePinAuthenticationMethod",
	"externalAuthenticationMethods":             "#microsoft.graph.externalAuthenticationMethod",
	"x509CertificateAuthenticationMethods":      "#microsoft.graph.x509CertificateAuthenticationMethod",
	"passwordlessMicrosoftAuthenticatorMethods": "#microsoft.graph.passwordlessMicrosoftAuthenticatorAuthenticationMethod",
}

func (s *Server) deleteAuthMethod(w http.ResponseWriter, r *http.Request, c *Caller) {
	kind := r.PathValue("kind")
	odataType, ok := authMethodSegments[kind]
	if !ok {
		writeAPIError(w, r, &APIError{http.StatusBadRequest, "BadRequest", "Resource not found for the segment '" + kind + "'."})
		return
	}
	if !c.Has(authMethodWritePerms...) {
		writeAPIError(w, r, errInsufficientPrivileges)
		return
	}
	t := c.Tenant
	key, mid := r.PathValue("id"), r.PathValue("mid")
	t.mu.RLock()
	u := userLocked(t, key)
	var found *AuthMethod
	if u != nil {
		for i := range u.AuthMethods {
			if u.AuthMethods[i].ID == mid {
				found = &u.AuthMethods[i]
			}
		}
	}
	var uid string
	if u != nil {
		uid = u.ID
	}
	matches := found != nil && strings.EqualFold(found.ODataType, odataType)
	t.mu.RUnlock()
	switch {
	case u == nil:
		writeAPIError(w, r, notFound(key))
		return
	case !matches:
		writeAPIError(w, r, notFound(mid))
		return
	case kind == "passwordMethods":
		// A user's password cannot be deleted, only reset.
		writeAPIError(w, r, &APIError{http.StatusBadRequest, "badRequest", "The password authentication method cannot be deleted."})
		return
	}
	if err := t.DeleteAuthMethod(uid, mid); err != nil {
		writeMutationError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
