package graphsim

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Mutations change the tenant as Microsoft's write APIs do. Each takes t.mu
// for writing, keeps the indexes true, gives changed users and groups the
// next change sequence (delta) and fails with an *APIError carrying the
// status, code and message Microsoft sends (../shared/graph-facts.md §4-6).

func mutNotFound(id string) *APIError {
	return &APIError{Status: http.StatusNotFound, Code: "Request_ResourceNotFound",
		Message: "Resource '" + id + "' does not exist or one of its queried reference-property objects are not present."}
}

func mutBadRequest(msg string) *APIError {
	return &APIError{Status: http.StatusBadRequest, Code: "Request_BadRequest", Message: msg}
}

// AssignLicense adds and removes a user's direct licences atomically: every
// check passes before anything changes. Errors (400 Request_BadRequest
// unless noted): unknown user (404), SKU not in the tenant, no seats left,
// no usage location, removing a licence held only through a group,
// removing a licence the user does not hold.
func (t *Tenant) AssignLicense(userID string, add []AssignedLicense, remove []string) (*User, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(userID)
	if u == nil {
		return nil, mutNotFound(userID)
	}
	for _, al := range add {
		sku := t.skuLocked(al.SkuID)
		if sku == nil {
			return nil, mutBadRequest("License " + al.SkuID + " does not correspond to a valid company License.")
		}
		if u.UsageLocation == "" {
			return nil, mutBadRequest("License assignment cannot be done for user with invalid usage location.")
		}
		if !holdsSKU(u, sku.SkuID) && sku.Enabled-t.consumed[sku.SkuID] <= 0 {
			return nil, mutBadRequest("Subscription with SKU " + sku.SkuID + " does not have any available licenses.")
		}
		for _, p := range al.DisabledPlans {
			if !skuHasPlan(sku, p) {
				return nil, mutBadRequest("License " + sku.SkuID + " does not contain service plan " + p + ".")
			}
		}
	}
	for _, id := range remove {
		id = normID(id)
		direct, group := licenceSources(u, id)
		switch {
		case !direct && group:
			return nil, mutBadRequest("User license is inherited from a group membership and it cannot be removed directly from the user.")
		case !direct:
			return nil, mutBadRequest("User does not have a corresponding license.")
		}
	}
	for _, id := range remove {
		t.removeDirectLicenceLocked(u, normID(id))
	}
	for _, al := range add {
		t.addDirectLicenceLocked(u, normID(al.SkuID), normIDs(al.DisabledPlans))
	}
	u.Seq = t.nextSeqLocked()
	return u, nil
}

func normIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = normID(id)
	}
	return out
}

func skuHasPlan(sku *SubscribedSKU, planID string) bool {
	for _, sp := range sku.ServicePlans {
		if strings.EqualFold(sp.ServicePlanID, planID) {
			return true
		}
	}
	return false
}

// holdsSKU: the SKU is in the user's assignedLicenses.
func holdsSKU(u *User, skuID string) bool {
	for _, al := range u.AssignedLicenses {
		if al.SkuID == skuID {
			return true
		}
	}
	return false
}

// licenceSources reports whether the user holds the SKU directly and/or
// through a group (active assignments only).
func licenceSources(u *User, skuID string) (direct, group bool) {
	for _, s := range u.LicenseAssignmentStates {
		if s.SkuID != skuID || s.State != "Active" {
			continue
		}
		if s.AssignedByGroup == "" {
			direct = true
		} else {
			group = true
		}
	}
	return direct, group
}

// addDirectLicenceLocked assigns or updates a direct licence; write lock.
func (t *Tenant) addDirectLicenceLocked(u *User, skuID string, disabled []string) {
	for i := range u.LicenseAssignmentStates {
		s := &u.LicenseAssignmentStates[i]
		if s.SkuID == skuID && s.AssignedByGroup == "" {
			s.DisabledPlans, s.LastUpdatedDateTime = disabled, t.Now
			t.setAssignedLocked(u, skuID, disabled)
			return
		}
	}
	u.LicenseAssignmentStates = append(u.LicenseAssignmentStates, LicenseAssignmentState{
		SkuID: skuID, DisabledPlans: disabled, State: "Active", Error: "None", LastUpdatedDateTime: t.Now})
	t.setAssignedLocked(u, skuID, disabled)
}

// setAssignedLocked puts the SKU in assignedLicenses (counting a new
// holder) or updates its disabled plans; write lock.
func (t *Tenant) setAssignedLocked(u *User, skuID string, disabled []string) {
	for i := range u.AssignedLicenses {
		if u.AssignedLicenses[i].SkuID == skuID {
			u.AssignedLicenses[i].DisabledPlans = disabled
			return
		}
	}
	u.AssignedLicenses = append(u.AssignedLicenses, AssignedLicense{SkuID: skuID, DisabledPlans: disabled})
	t.consumed[skuID]++
}

// dropAssignedIfUnheldLocked removes the SKU from assignedLicenses when no
// active assignment state is left; write lock.
func (t *Tenant) dropAssignedIfUnheldLocked(u *User, skuID string) {
	if d, g := licenceSources(u, skuID); d || g {
		if !d {
			// Only a group assignment remains: its disabled plans apply.
			for _, s := range u.LicenseAssignmentStates {
				if s.SkuID == skuID && s.State == "Active" {
					t.setAssignedLocked(u, skuID, s.DisabledPlans)
					break
				}
			}
		}
		return
	}
	for i, al := range u.AssignedLicenses {
		if al.SkuID == skuID {
			u.AssignedLicenses = slices.Delete(u.AssignedLicenses, i, i+1)
			t.consumed[skuID]--
			return
		}
	}
}

func (t *Tenant) removeDirectLicenceLocked(u *User, skuID string) {
	u.LicenseAssignmentStates = slices.DeleteFunc(u.LicenseAssignmentStates, func(s LicenseAssignmentState) bool {
		return s.SkuID == skuID && s.AssignedByGroup == ""
	})
	t.dropAssignedIfUnheldLocked(u, skuID)
}

// SetAccountEnabled enables or disables a user's sign-in.
func (t *Tenant) SetAccountEnabled(userID string, enabled bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(userID)
	if u == nil {
		return mutNotFound(userID)
	}
	u.AccountEnabled = enabled
	u.Seq = t.nextSeqLocked()
	return nil
}

// RevokeSignInSessions invalidates the user's refresh tokens and session
// cookies: signInSessionsValidFromDateTime becomes now.
func (t *Tenant) RevokeSignInSessions(userID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(userID)
	if u == nil {
		return mutNotFound(userID)
	}
	u.SignInSessionsValidFromDateTime = t.Now
	u.Seq = t.nextSeqLocked()
	return nil
}

// memberSetLocked returns the group's member set, building it on first use;
// write lock.
func (t *Tenant) memberSetLocked(grp *Group) map[string]struct{} {
	set := t.memberSets[grp.ID]
	if set == nil {
		set = make(map[string]struct{}, len(grp.Members))
		for _, m := range grp.Members {
			set[m] = struct{}{}
		}
		t.memberSets[grp.ID] = set
	}
	return set
}

// AddGroupMember adds a user, group, service principal or device to a
// group. 404 when either is unknown; 400 when already a member or the group
// is mastered on-premises; 403 when its membership is dynamic. Members of a
// licensing group receive its licences.
func (t *Tenant) AddGroupMember(groupID, memberID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	grp := t.groupLocked(groupID)
	if grp == nil {
		return mutNotFound(groupID)
	}
	memberID = normID(memberID)
	switch t.kindByID[memberID] {
	case KindUser, KindGroup, KindServicePrincipal, KindDevice:
	default:
		return mutNotFound(memberID)
	}
	if err := cloudManaged(grp); err != nil {
		return err
	}
	set := t.memberSetLocked(grp)
	if _, ok := set[memberID]; ok {
		return mutBadRequest("One or more added object references already exist for the following modified properties: 'members'.")
	}
	t.addMemberLocked(grp, memberID)
	return nil
}

// cloudManaged refuses membership changes Entra ID refuses.
func cloudManaged(grp *Group) *APIError {
	if grp.OnPremisesSyncEnabled != nil && *grp.OnPremisesSyncEnabled {
		return mutBadRequest("Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.")
	}
	if grp.MembershipRule != "" {
		// Entra ID owns a dynamic group's members; direct writes are refused
		// as a privilege error (observed with Add-AzureADGroupMember).
		return &APIError{Status: http.StatusForbidden, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."}
	}
	return nil
}

// addMemberLocked records a new membership; write lock, checks done.
func (t *Tenant) addMemberLocked(grp *Group, memberID string) {
	grp.Members = append(grp.Members, memberID)
	if len(grp.memberKinds) == len(grp.Members)-1 {
		grp.memberKinds = append(grp.memberKinds, t.kindLocked(memberID))
	}
	t.memberSetLocked(grp)[memberID] = struct{}{}
	t.memberOf[memberID] = append(t.memberOf[memberID], grp)
	seq := t.nextSeqLocked()
	grp.Seq = seq
	t.memberChanges = append(t.memberChanges, MemberChange{GroupID: grp.ID, MemberID: memberID, Seq: seq})
	if u := t.userByID[memberID]; u != nil && len(grp.AssignedLicenses) > 0 {
		for _, al := range grp.AssignedLicenses {
			t.inheritLicenceLocked(u, grp, al)
		}
		u.Seq = t.nextSeqLocked()
	}
}

// inheritLicenceLocked gives a user a licensing group's licence. With no
// seat left Entra records the error on the user instead (CountViolation).
func (t *Tenant) inheritLicenceLocked(u *User, grp *Group, al AssignedLicense) {
	state := LicenseAssignmentState{SkuID: al.SkuID, DisabledPlans: nonNil(al.DisabledPlans), AssignedByGroup: grp.ID,
		State: "Active", Error: "None", LastUpdatedDateTime: t.Now}
	sku := t.skuByID[al.SkuID]
	if !holdsSKU(u, al.SkuID) && (sku == nil || sku.Enabled-t.consumed[al.SkuID] <= 0) {
		state.State, state.Error = "Error", "CountViolation"
		u.LicenseAssignmentStates = append(u.LicenseAssignmentStates, state)
		return
	}
	u.LicenseAssignmentStates = append(u.LicenseAssignmentStates, state)
	if !holdsSKU(u, al.SkuID) {
		t.setAssignedLocked(u, al.SkuID, state.DisabledPlans)
	}
}

// RemoveGroupMember removes a direct member; 404 when the group is unknown
// or the object is not a member. Licences inherited from the group go.
func (t *Tenant) RemoveGroupMember(groupID, memberID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	grp := t.groupLocked(groupID)
	if grp == nil {
		return mutNotFound(groupID)
	}
	memberID = normID(memberID)
	if _, ok := t.memberSetLocked(grp)[memberID]; !ok {
		return mutNotFound(memberID)
	}
	if err := cloudManaged(grp); err != nil {
		return err
	}
	t.removeMemberLocked(grp, memberID)
	return nil
}

// removeMemberLocked drops a membership; write lock, checks done.
func (t *Tenant) removeMemberLocked(grp *Group, memberID string) {
	if i := slices.Index(grp.Members, memberID); i >= 0 {
		grp.Members = slices.Delete(grp.Members, i, i+1)
		if i < len(grp.memberKinds) {
			grp.memberKinds = slices.Delete(grp.memberKinds, i, i+1)
		}
	}
	delete(t.memberSetLocked(grp), memberID)
	if gs := t.memberOf[memberID]; gs != nil {
		if i := slices.Index(gs, grp); i >= 0 {
			gs = slices.Delete(gs, i, i+1)
		}
		if len(gs) == 0 {
			delete(t.memberOf, memberID)
		} else {
			t.memberOf[memberID] = gs
		}
	}
	seq := t.nextSeqLocked()
	grp.Seq = seq
	t.memberChanges = append(t.memberChanges, MemberChange{GroupID: grp.ID, MemberID: memberID, Removed: true, Seq: seq})
	if u := t.userByID[memberID]; u != nil && len(grp.AssignedLicenses) > 0 {
		var skus []string
		u.LicenseAssignmentStates = slices.DeleteFunc(u.LicenseAssignmentStates, func(s LicenseAssignmentState) bool {
			if s.AssignedByGroup == grp.ID {
				skus = append(skus, s.SkuID)
				return true
			}
			return false
		})
		for _, sku := range skus {
			t.dropAssignedIfUnheldLocked(u, sku)
		}
		u.Seq = t.nextSeqLocked()
	}
}

// DeleteAuthMethod removes one of a user's authentication methods. The
// password method cannot be deleted.
func (t *Tenant) DeleteAuthMethod(userID, methodID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.userLocked(userID)
	if u == nil {
		return mutNotFound(userID)
	}
	for i, m := range u.AuthMethods {
		if m.ID != methodID {
			continue
		}
		if m.ODataType == "#microsoft.graph.passwordAuthenticationMethod" {
			return mutBadRequest("The password authentication method cannot be deleted.")
		}
		u.AuthMethods = slices.Delete(u.AuthMethods, i, i+1)
		return nil
	}
	return mutNotFound(methodID)
}

// roleDefinitionLocked finds a directory role by id or template id; read
// lock.
func (t *Tenant) roleDefinitionLocked(id string) *RoleDefinition {
	id = normID(id)
	for _, d := range t.RoleDefinitions {
		if d.ID == id || d.TemplateID == id {
			return d
		}
	}
	return nil
}

// AddRoleAssignment assigns a directory role (unifiedRoleAssignment). A role
// template id is accepted as roleDefinitionId. The directory scope defaults
// to "/". On P2 tenants the matching PIM assignment schedule appears too.
func (t *Tenant) AddRoleAssignment(ra RoleAssignment) (*RoleAssignment, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	def := t.roleDefinitionLocked(ra.RoleDefinitionID)
	if def == nil {
		return nil, mutNotFound(ra.RoleDefinitionID)
	}
	ra.PrincipalID = normID(ra.PrincipalID)
	switch t.kindByID[ra.PrincipalID] {
	case KindUser, KindServicePrincipal:
	case KindGroup:
		if !t.groupByID[ra.PrincipalID].IsAssignableToRole {
			return nil, mutBadRequest("Principal " + ra.PrincipalID + " is a group that is not role-assignable.")
		}
	default:
		return nil, mutNotFound(ra.PrincipalID)
	}
	if ra.DirectoryScopeID == "" {
		ra.DirectoryScopeID = "/"
	}
	ra.RoleDefinitionID = def.ID
	for _, x := range t.RoleAssignments {
		if x.PrincipalID == ra.PrincipalID && x.RoleDefinitionID == ra.RoleDefinitionID && x.DirectoryScopeID == ra.DirectoryScopeID {
			return nil, mutBadRequest("A conflicting object with one or more of the specified property values is present in the directory.")
		}
	}
	ra.ID = roleAssignmentID(t.mutationRandLocked())
	created := &ra
	t.RoleAssignments = append(t.RoleAssignments, created)
	if t.Tier == TierP2 {
		t.RoleAssignmentScheds = append(t.RoleAssignmentScheds, &RoleAssignmentSchedule{ID: ra.ID, PrincipalID: ra.PrincipalID,
			RoleDefinitionID: ra.RoleDefinitionID, DirectoryScopeID: ra.DirectoryScopeID, MemberType: "Direct", AssignmentType: "Assigned",
			Status: "Provisioned", CreatedDateTime: t.Now, StartDateTime: t.Now})
	}
	cp := *created
	return &cp, nil
}

// DeleteRoleAssignment removes a directory role assignment (and its PIM
// schedule); 404 when unknown.
func (t *Tenant) DeleteRoleAssignment(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.IndexFunc(t.RoleAssignments, func(ra *RoleAssignment) bool { return ra.ID == id })
	if i < 0 {
		return mutNotFound(id)
	}
	t.RoleAssignments = slices.Delete(t.RoleAssignments, i, i+1)
	t.RoleAssignmentScheds = slices.DeleteFunc(t.RoleAssignmentScheds, func(s *RoleAssignmentSchedule) bool { return s.ID == id })
	return nil
}

// AddAppRoleAssignment grants an app role of a resource service principal
// to a user, group or service principal. The all-zero role id is default
// access. A grant to the connector on Microsoft Graph also updates
// Connector.Granted, so tokens carry it.
func (t *Tenant) AddAppRoleAssignment(a AppRoleAssignment) (*AppRoleAssignment, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	res := t.spLocked(a.ResourceID)
	if res == nil {
		return nil, mutNotFound(a.ResourceID)
	}
	a.ResourceID, a.ResourceDisplayName = res.ID, res.DisplayName
	a.PrincipalID = normID(a.PrincipalID)
	switch t.kindByID[a.PrincipalID] {
	case KindUser:
		a.PrincipalType, a.PrincipalDisplayName = "User", t.userByID[a.PrincipalID].DisplayName
	case KindGroup:
		a.PrincipalType, a.PrincipalDisplayName = "Group", t.groupByID[a.PrincipalID].DisplayName
	case KindServicePrincipal:
		a.PrincipalType, a.PrincipalDisplayName = "ServicePrincipal", t.spByID[a.PrincipalID].DisplayName
	default:
		return nil, mutNotFound(a.PrincipalID)
	}
	a.AppRoleID = normID(a.AppRoleID)
	var role *AppRole
	if a.AppRoleID != defaultAccessRoleID {
		for i := range res.AppRoles {
			if res.AppRoles[i].ID == a.AppRoleID {
				role = &res.AppRoles[i]
			}
		}
		if role == nil {
			return nil, mutBadRequest("Permission being assigned was not found on application '" + res.AppID + "'.")
		}
	}
	for _, x := range t.AppRoleAssignments {
		if x.PrincipalID == a.PrincipalID && x.ResourceID == a.ResourceID && x.AppRoleID == a.AppRoleID {
			return nil, mutBadRequest("Permission being assigned already exists on the object")
		}
	}
	a.ID = appRoleAssignmentID(t.mutationRandLocked())
	a.CreatedDateTime = t.Now
	created := &a
	t.AppRoleAssignments = append(t.AppRoleAssignments, created)
	t.appRoleAssignmentsChangedLocked()
	if role != nil && a.PrincipalID == t.Connector.ServicePrincipalID && res.AppID == MicrosoftGraphAppID && !slices.Contains(t.Connector.Granted, role.Value) {
		t.Connector.Granted = append(t.Connector.Granted, role.Value)
	}
	cp := *created
	return &cp, nil
}

// DeleteAppRoleAssignment removes an app role assignment; 404 when unknown.
func (t *Tenant) DeleteAppRoleAssignment(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.IndexFunc(t.AppRoleAssignments, func(a *AppRoleAssignment) bool { return a.ID == id })
	if i < 0 {
		return mutNotFound(id)
	}
	a := t.AppRoleAssignments[i]
	t.AppRoleAssignments = slices.Delete(t.AppRoleAssignments, i, i+1)
	t.appRoleAssignmentsChangedLocked()
	if a.PrincipalID == t.Connector.ServicePrincipalID {
		if res := t.spByID[a.ResourceID]; res != nil && res.AppID == MicrosoftGraphAppID {
			if role, ok := GraphAppRoleByID(a.AppRoleID); ok {
				t.Connector.Granted = slices.DeleteFunc(t.Connector.Granted, func(p string) bool { return p == role.Value })
			}
		}
	}
	return nil
}

// SetDisplayConcealedNames is PATCH /admin/reportSettings.
func (t *Tenant) SetDisplayConcealedNames(v bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ReportSettings.DisplayConcealedNames = v
}

// SetGranted replaces the Microsoft Graph application permissions consented
// to the connector: Connector.Granted and the app role assignments to
// Microsoft Graph change together. Unknown permission names are ignored.
func (t *Tenant) SetGranted(perms []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	want := canonicalPermissions(perms)
	var graph *ServicePrincipal
	for _, sp := range t.ServicePrincipals {
		if sp.AppID == MicrosoftGraphAppID {
			graph = sp
			break
		}
	}
	csp := t.spByID[t.Connector.ServicePrincipalID]
	if graph == nil || csp == nil {
		t.Connector.Granted = want
		return
	}
	have := map[string]bool{}
	t.AppRoleAssignments = slices.DeleteFunc(t.AppRoleAssignments, func(a *AppRoleAssignment) bool {
		if a.PrincipalID != csp.ID || a.ResourceID != graph.ID {
			return false
		}
		role, ok := GraphAppRoleByID(a.AppRoleID)
		if ok && slices.Contains(want, role.Value) {
			have[role.Value] = true
			return false
		}
		return true
	})
	t.appRoleAssignmentsChangedLocked()
	r := t.mutationRandLocked()
	for _, p := range want {
		if have[p] {
			continue
		}
		role, _ := GraphAppRoleByValue(p)
		t.AppRoleAssignments = append(t.AppRoleAssignments, &AppRoleAssignment{ID: appRoleAssignmentID(r), AppRoleID: role.ID,
			CreatedDateTime: t.Now, PrincipalDisplayName: csp.DisplayName, PrincipalID: csp.ID, PrincipalType: "ServicePrincipal",
			ResourceDisplayName: graph.DisplayName, ResourceID: graph.ID})
		t.appRoleAssignmentsChangedLocked()
	}
	t.Connector.Granted = want
}

// applicationForCredentialLocked finds an app registration by client id or
// object id; read lock.
func (t *Tenant) applicationForCredentialLocked(appID string) *Application {
	if a := t.applicationByAppIDLocked(appID); a != nil {
		return a
	}
	return t.applicationLocked(appID)
}

// AddPasswordCredential adds a client secret to an app registration (by
// client id or object id); tests use it for expired and expiring secrets.
// KeyID and Hint are filled when empty. Unknown apps are ignored.
func (t *Tenant) AddPasswordCredential(appID string, pc PasswordCredential) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.applicationForCredentialLocked(appID)
	if a == nil {
		return
	}
	if pc.KeyID == "" {
		pc.KeyID = newGUID(t.mutationRandLocked())
	}
	if pc.Hint == "" && len(pc.SecretText) >= 3 {
		pc.Hint = pc.SecretText[:3]
	}
	a.PasswordCredentials = append(a.PasswordCredentials, pc)
}

// AddKeyCredential registers a certificate on an app registration (by
// client id or object id). KeyID, the thumbprint (customKeyIdentifier) and
// validity come from the certificate when empty. Unknown apps are ignored.
func (t *Tenant) AddKeyCredential(appID string, kc KeyCredential) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.applicationForCredentialLocked(appID)
	if a == nil {
		return
	}
	if kc.KeyID == "" {
		kc.KeyID = newGUID(t.mutationRandLocked())
	}
	if kc.Type == "" {
		kc.Type = "AsymmetricX509Cert"
	}
	if kc.Usage == "" {
		kc.Usage = "Verify"
	}
	if c := kc.Certificate; c != nil {
		if kc.CustomKeyIdentifier == "" {
			sum := sha1.Sum(c.Raw) // the x5t thumbprint Entra ID matches assertions by
			kc.CustomKeyIdentifier = base64.StdEncoding.EncodeToString(sum[:])
		}
		if kc.StartDateTime.IsZero() {
			kc.StartDateTime = c.NotBefore.UTC()
		}
		if kc.EndDateTime.IsZero() {
			kc.EndDateTime = c.NotAfter.UTC()
		}
		if kc.DisplayName == "" {
			kc.DisplayName = "CN=" + c.Subject.CommonName
		}
	}
	a.KeyCredentials = append(a.KeyCredentials, kc)
}

func mutARMError(status int, code, msg string) *APIError {
	return &APIError{Status: status, Code: code, Message: msg}
}

// AddARMRoleAssignment creates an Azure role assignment. RoleDefinitionID
// may be the full id or the role's GUID; Name is drawn when empty. Errors
// as ARM: unknown role definition (404 RoleDefinitionDoesNotExist), unknown
// principal (400 PrincipalNotFound), scope outside the tenant's
// subscriptions (404 SubscriptionNotFound), duplicate (409
// RoleAssignmentExists).
func (t *Tenant) AddARMRoleAssignment(a AzRoleAssignment) (*AzRoleAssignment, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	scope := strings.TrimSuffix(a.Scope, "/")
	sub := subscriptionOfScope(scope)
	if sub == "" || !slices.ContainsFunc(t.Azure.Subscriptions, func(s *AzSubscription) bool { return strings.EqualFold(s.SubscriptionID, sub) }) {
		return nil, mutARMError(http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+sub+"' could not be found.")
	}
	roleGUID := a.RoleDefinitionID[strings.LastIndex(a.RoleDefinitionID, "/")+1:]
	var def *AzRoleDefinition
	for _, d := range t.Azure.RoleDefinitions {
		if strings.EqualFold(d.Name, roleGUID) {
			def = d
		}
	}
	if def == nil {
		return nil, mutARMError(http.StatusNotFound, "RoleDefinitionDoesNotExist", "The specified role definition with ID '"+roleGUID+"' does not exist.")
	}
	a.PrincipalID = normID(a.PrincipalID)
	kind := t.kindByID[a.PrincipalID]
	switch kind {
	case KindUser:
		a.PrincipalType = "User"
	case KindGroup:
		a.PrincipalType = "Group"
	case KindServicePrincipal:
		a.PrincipalType = "ServicePrincipal"
	default:
		return nil, mutARMError(http.StatusBadRequest, "PrincipalNotFound", fmt.Sprintf("Principal %s does not exist in the directory %s.", strings.ReplaceAll(a.PrincipalID, "-", ""), t.ID))
	}
	a.RoleDefinitionID = armRoleDefinitionID(sub, def.Name)
	for _, x := range t.Azure.RoleAssignments {
		if strings.EqualFold(x.Scope, scope) && x.PrincipalID == a.PrincipalID && strings.EqualFold(x.RoleDefinitionID, a.RoleDefinitionID) {
			return nil, mutARMError(http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists.")
		}
	}
	if a.Name == "" {
		a.Name = newGUID(t.mutationRandLocked())
	}
	a.Scope = scope
	a.ID = scope + "/providers/Microsoft.Authorization/roleAssignments/" + a.Name
	a.CreatedOn = t.Now
	created := &a
	t.Azure.RoleAssignments = append(t.Azure.RoleAssignments, created)
	cp := *created
	return &cp, nil
}

// subscriptionOfScope extracts the subscription id from an ARM scope.
func subscriptionOfScope(scope string) string {
	parts := strings.Split(strings.TrimPrefix(scope, "/"), "/")
	if len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions") {
		return parts[1]
	}
	return ""
}

// DeleteARMRoleAssignment removes an Azure role assignment by full id or
// name. A missing one is 404 RoleAssignmentNotFound here; ARM itself
// answers DELETE of a missing assignment with 204, which handlers decide.
func (t *Tenant) DeleteARMRoleAssignment(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.IndexFunc(t.Azure.RoleAssignments, func(a *AzRoleAssignment) bool {
		return strings.EqualFold(a.ID, id) || strings.EqualFold(a.Name, id)
	})
	if i < 0 {
		return mutARMError(http.StatusNotFound, "RoleAssignmentNotFound", "The role assignment '"+id+"' is not found.")
	}
	t.Azure.RoleAssignments = slices.Delete(t.Azure.RoleAssignments, i, i+1)
	return nil
}
