package graphsim

import (
	"fmt"
	"strings"
)

// This file serves /groups and the directoryObject collections around
// membership: members, owners, transitiveMembers (and their OData casts),
// /users/{id}/memberOf and /users/{id}/transitiveMemberOf.

// groupReadPerms allow reading groups (graph-facts §6), plus the write
// permissions that include read.
var groupReadPerms = []string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}

// memberOfPerms: a user's memberships can be listed with a user or group
// permission; objects of types the caller may not read come back with
// limited information (redactInaccessible), as Microsoft's
// user-list-memberof reference describes.
var memberOfPerms = []string{"User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}

// groupProps is every property renderGroup produces, in v1.0 metadata order.
var groupProps = []string{
	"id", "deletedDateTime", "classification", "createdDateTime", "description", "displayName", "expirationDateTime",
	"groupTypes", "isAssignableToRole", "mail", "mailEnabled", "mailNickname", "membershipRule",
	"membershipRuleProcessingState", "onPremisesLastSyncDateTime", "onPremisesSecurityIdentifier", "onPremisesSyncEnabled",
	"preferredDataLocation", "preferredLanguage", "proxyAddresses", "renewedDateTime", "resourceBehaviorOptions",
	"resourceProvisioningOptions", "securityEnabled", "securityIdentifier", "theme", "visibility",
	"onPremisesProvisioningErrors", "assignedLicenses",
}

// groupDefaultProps: assignedLicenses is returned only on $select.
var groupDefaultProps = groupProps[:len(groupProps)-1]

var groupFilterRules = func() map[string]filterRule {
	text := filterRule{Default: "eq ge le gt lt in startsWith", Advanced: "ne not null endsWith"}
	boolean := filterRule{Default: "eq in", Advanced: "ne not null"}
	return map[string]filterRule{
		"id":                    {Default: "eq in", Advanced: "ne not"},
		"displayName":           text,
		"mail":                  text,
		"mailNickname":          text,
		"description":           {Default: "startsWith", Advanced: "eq ne not null"},
		"groupTypes":            {Default: "eq", Advanced: "not"},
		"mailEnabled":           boolean,
		"securityEnabled":       boolean,
		"isAssignableToRole":    boolean,
		"onPremisesSyncEnabled": boolean,
		"createdDateTime":       {Default: "eq ge le gt lt in", Advanced: "ne not null"},
		"visibility":            {Default: "eq in", Advanced: "ne not null"},
		"assignedLicenses":      {Default: "eq", Advanced: "not"},
		// Teams-enabled groups: resourceProvisioningOptions/Any(x:x eq 'Team').
		"resourceProvisioningOptions": {Default: "eq"},
	}
}()

// renderGroup renders every group property. Read lock held.
func renderGroup(_ *Tenant, obj any) entity {
	g := obj.(*Group)
	var ruleState any
	if g.MembershipRule != "" {
		ruleState = "On"
	}
	return entity{
		{"id", strRef{&g.ID}},
		{"deletedDateTime", timeRef{&g.DeletedDateTime}},
		{"classification", nil},
		{"createdDateTime", timeRef{&g.CreatedDateTime}},
		{"description", nullStrRef{&g.Description}},
		{"displayName", strRef{&g.DisplayName}},
		{"expirationDateTime", nil},
		{"groupTypes", stringsRef{&g.GroupTypes}},
		{"isAssignableToRole", g.IsAssignableToRole},
		{"mail", nullStrRef{&g.Mail}},
		{"mailEnabled", g.MailEnabled},
		{"mailNickname", strRef{&g.MailNickname}},
		{"membershipRule", nullStrRef{&g.MembershipRule}},
		{"membershipRuleProcessingState", ruleState},
		{"onPremisesLastSyncDateTime", nil},
		{"onPremisesSecurityIdentifier", nil},
		{"onPremisesSyncEnabled", g.OnPremisesSyncEnabled},
		{"preferredDataLocation", nil},
		{"preferredLanguage", nil},
		{"proxyAddresses", groupProxyAddressesRef{g}},
		{"renewedDateTime", timeRef{&g.CreatedDateTime}},
		{"resourceBehaviorOptions", []string{}},
		{"resourceProvisioningOptions", []string{}},
		{"securityEnabled", g.SecurityEnabled},
		{"securityIdentifier", nil},
		{"theme", nil},
		{"visibility", nullStrRef{&g.Visibility}},
		{"onPremisesProvisioningErrors", []any{}},
		{"assignedLicenses", groupLicencesRef{g}},
	}
}

// groupProxyAddressesRef is a mail-enabled group's primary SMTP address.
type groupProxyAddressesRef struct{ g *Group }

func (r groupProxyAddressesRef) Plain() any {
	if r.g.Mail == "" {
		return []string{}
	}
	return []string{"SMTP:" + r.g.Mail}
}

func (r groupProxyAddressesRef) AppendJSON(b []byte) []byte {
	b, _ = appendJSON(b, r.Plain())
	return b
}

// groupLicencesRef is a group's assignedLicenses (group-based licensing).
type groupLicencesRef struct{ g *Group }

func (r groupLicencesRef) Plain() any { return renderAssignedLicenses(r.g.AssignedLicenses) }
func (r groupLicencesRef) AppendJSON(b []byte) []byte {
	b, _ = appendJSON(b, r.Plain())
	return b
}

// odataTypeOf is the @odata.type of a directory object kind.
func odataTypeOf(k ObjectKind) string {
	switch k {
	case KindUser:
		return "#microsoft.graph.user"
	case KindGroup:
		return "#microsoft.graph.group"
	case KindServicePrincipal:
		return "#microsoft.graph.servicePrincipal"
	case KindDevice:
		return "#microsoft.graph.device"
	case KindApplication:
		return "#microsoft.graph.application"
	}
	return "#microsoft.graph.directoryObject"
}

// dirObject is a directory object reference in a membership collection.
type dirObject struct {
	ID   string
	Kind ObjectKind
}

// renderDirectoryObject renders a member, owner or membership the way
// directoryObject collections do: @odata.type first, then the object's own
// properties. Read lock held.
func renderDirectoryObject(t *Tenant, obj any) entity {
	d := obj.(dirObject)
	head := entity{{"@odata.type", odataTypeOf(d.Kind)}}
	switch d.Kind {
	case KindUser:
		if u := t.userByIDLocked(d.ID); u != nil {
			e := renderUser(t, u)
			// id first, as Graph writes directoryObjects.
			out := append(head, property{"id", u.ID})
			for _, p := range e {
				if p.Name != "id" {
					out = append(out, p)
				}
			}
			return out
		}
	case KindGroup:
		if g := t.groupLocked(d.ID); g != nil {
			return append(head, renderGroup(t, g)...)
		}
	case KindServicePrincipal:
		if sp := t.spByID[d.ID]; sp != nil {
			return append(head,
				property{"id", sp.ID},
				property{"deletedDateTime", nil},
				property{"accountEnabled", sp.AccountEnabled},
				property{"appDisplayName", sp.DisplayName},
				property{"appId", sp.AppID},
				property{"appOwnerOrganizationId", nullable(sp.AppOwnerOrganizationID)},
				property{"displayName", sp.DisplayName},
				property{"servicePrincipalType", sp.ServicePrincipalType},
			)
		}
	case KindDevice:
		if dev := t.deviceLocked(d.ID); dev != nil {
			return append(head,
				property{"id", dev.ID},
				property{"deletedDateTime", nil},
				property{"accountEnabled", dev.AccountEnabled},
				property{"approximateLastSignInDateTime", graphTime(dev.ApproximateLastSignInDateTime)},
				property{"createdDateTime", graphTime(dev.CreatedDateTime)},
				property{"deviceId", dev.DeviceID},
				property{"displayName", dev.DisplayName},
				property{"isCompliant", dev.IsCompliant},
				property{"isManaged", dev.IsManaged},
				property{"operatingSystem", dev.OperatingSystem},
				property{"operatingSystemVersion", dev.OperatingSystemVersion},
				property{"trustType", dev.TrustType},
			)
		}
	}
	return append(head, property{"id", d.ID})
}

// directoryObjectProps is what $select may name on directoryObject
// collections: the union of the member types' properties.
var directoryObjectProps = func() []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range [][]string{{"id"}, userProps, groupProps, {"appDisplayName", "appId", "appOwnerOrganizationId", "servicePrincipalType", "approximateLastSignInDateTime", "deviceId", "isCompliant", "isManaged", "operatingSystem", "operatingSystemVersion", "trustType"}} {
		for _, p := range list {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}()

// directoryObjectDefault: without $select a member shows its type's default
// properties; nil here means "as rendered", with users reduced to theirs.
func projectMemberDefault(e entity) entity {
	if t, _ := e.get("@odata.type"); t == "#microsoft.graph.user" {
		return project(e, append([]string{"id"}, userDefaultProps...), nil)
	}
	if t, _ := e.get("@odata.type"); t == "#microsoft.graph.group" {
		return project(e, append([]string{"id"}, groupDefaultProps...), nil)
	}
	return e
}

func groupLocked(t *Tenant, id string) *Group { return t.groupLocked(id) }

func refs(t *Tenant, ids []string, only ObjectKind) []any {
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		k := t.kindLocked(id)
		if only != KindUnknown && k != only {
			continue
		}
		out = append(out, dirObject{id, k})
	}
	return out
}

// transitiveMemberIDs walks nested groups breadth-first, each object once.
func transitiveMemberIDs(t *Tenant, g *Group) []string {
	seen := map[string]bool{g.ID: true}
	var out []string
	queue := []*Group{g}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, id := range cur.Members {
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, id)
			if t.kindLocked(id) == KindGroup {
				if ng := t.groupLocked(id); ng != nil {
					queue = append(queue, ng)
				}
			}
		}
	}
	return out
}

// memberOfIDs lists the groups that directly contain id, from the tenant's
// reverse membership index. Read lock held.
func memberOfIDs(t *Tenant, id string) []string {
	groups := t.memberOfLocked(id)
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g.ID
	}
	return out
}

// transitiveMemberOfIDs lists every group that contains id directly or
// through nesting.
func transitiveMemberOfIDs(t *Tenant, id string) []string {
	seen := map[string]bool{}
	var out []string
	queue := []string{id}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, gid := range memberOfIDs(t, cur) {
			if !seen[gid] {
				seen[gid] = true
				out = append(out, gid)
				queue = append(queue, gid)
			}
		}
	}
	return out
}

// devicesOwnedBy lists the devices registered to user id. Read lock held.
func devicesOwnedBy(t *Tenant, id string) []string {
	var out []string
	for _, d := range t.Devices {
		if strings.EqualFold(d.RegisteredOwnerID, id) {
			out = append(out, d.ID)
		}
	}
	return out
}

// directRolesOf lists the activated directory roles assigned to id itself
// (directory-wide assignments). Read lock held.
func directRolesOf(t *Tenant, id string) []*RoleDefinition {
	return rolesHeldBy(t, map[string]bool{strings.ToLower(id): true})
}

// transitiveRolesOf adds the roles held through role-assignable groups id is
// in, directly or nested. Read lock held.
func transitiveRolesOf(t *Tenant, id string) []*RoleDefinition {
	principals := map[string]bool{strings.ToLower(id): true}
	for _, gid := range transitiveMemberOfIDs(t, id) {
		principals[strings.ToLower(gid)] = true
	}
	return rolesHeldBy(t, principals)
}

func rolesHeldBy(t *Tenant, principals map[string]bool) []*RoleDefinition {
	var out []*RoleDefinition
	for _, d := range activatedRolesLocked(t) {
		for _, ra := range t.RoleAssignments {
			if principals[strings.ToLower(ra.PrincipalID)] && scopeOrRoot(ra.DirectoryScopeID) == "/" && roleAssigned(ra, d) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

func (s *Server) groupsSet() *entitySet {
	return &entitySet{
		Path:         "/groups",
		Perms:        groupReadPerms,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         1,
		ODataContext: "groups",
		Type:         "microsoft.graph.group",
		Items: func(sc requestScope) ([]any, *APIError) {
			items := make([]any, len(sc.Tenant.Groups))
			for i, g := range sc.Tenant.Groups {
				items[i] = g
			}
			return items, nil
		},
		Render:     renderGroup,
		Default:    groupDefaultProps,
		Properties: groupProps,
		Filter:     groupFilterRules,
		Advanced:   true,
		OrderBy:    []string{"displayName"},
		Search:     []string{"displayName", "description", "mail", "mailNickname"},
		Get: func(sc requestScope, key string) any {
			if g := groupLocked(sc.Tenant, key); g != nil {
				return g
			}
			return nil
		},
		Expand: map[string]func(*Tenant, any, []string) any{
			"members": func(t *Tenant, obj any, sel []string) any {
				return expandDirectoryObjects(t, obj.(*Group).Members, nil, sel)
			},
			"owners": func(t *Tenant, obj any, sel []string) any {
				return expandDirectoryObjects(t, obj.(*Group).Owners, nil, sel)
			},
		},
		CountSegment: true,
	}
}

// maxExpandedObjects: $expand of a directoryObject collection returns at
// most 20 objects (Microsoft's query-parameters page, "$expand").
const maxExpandedObjects = 20

// expandDirectoryObjects renders the first objects of an expanded
// directoryObject collection: ids, then roles. Read lock held.
func expandDirectoryObjects(t *Tenant, ids []string, roles []*RoleDefinition, sel []string) []entity {
	out := []entity{}
	for _, id := range ids {
		if len(out) == maxExpandedObjects {
			return out
		}
		e := renderDirectoryObject(t, dirObject{ID: id, Kind: t.kindLocked(id)})
		if sel == nil {
			out = append(out, projectMemberDefault(e))
		} else {
			out = append(out, project(e, sel, nil))
		}
	}
	for _, d := range roles {
		if len(out) == maxExpandedObjects {
			break
		}
		e := append(entity{{"@odata.type", "#microsoft.graph.directoryRole"}}, renderDirectoryRole(t, d)...)
		if sel != nil {
			e = project(e, sel, nil)
		}
		out = append(out, e)
	}
	return out
}

// membershipSet declares one directoryObject collection under a group or a
// user. list returns the ids; cast, when not KindUnknown, is the OData cast
// segment's type (which needs ConsistencyLevel: eventual).
func membershipSet(path string, cost int, perms []string, parentIsUser bool, list func(t *Tenant, parentID string) []string, cast ObjectKind) *entitySet {
	return membershipSetWithRoles(path, cost, perms, parentIsUser, list, cast, nil)
}

// membershipSetWithRoles also lists the activated directory roles roles
// returns (memberOf includes directoryRole objects, after the groups).
func membershipSetWithRoles(path string, cost int, perms []string, parentIsUser bool, list func(t *Tenant, parentID string) []string, cast ObjectKind, roles func(t *Tenant, id string) []*RoleDefinition) *entitySet {
	es := &entitySet{
		Path:         path,
		Perms:        perms,
		DefaultTop:   100,
		MaxTop:       999,
		Cost:         cost,
		ODataContext: "directoryObjects",
		Type:         "microsoft.graph.directoryObject",
		Items: func(sc requestScope) ([]any, *APIError) {
			key := sc.PathValue("id")
			var parentID string
			if parentIsUser {
				u := userLocked(sc.Tenant, key)
				if u == nil {
					return nil, notFound(key)
				}
				parentID = u.ID
			} else {
				g := groupLocked(sc.Tenant, key)
				if g == nil {
					return nil, notFound(key)
				}
				parentID = g.ID
			}
			items := refs(sc.Tenant, list(sc.Tenant, parentID), cast)
			if roles != nil {
				for _, d := range roles(sc.Tenant, parentID) {
					items = append(items, d)
				}
			}
			return items, nil
		},
		Render: func(t *Tenant, obj any) entity {
			if d, ok := obj.(*RoleDefinition); ok {
				return append(entity{{"@odata.type", "#microsoft.graph.directoryRole"}}, renderDirectoryRole(t, d)...)
			}
			return renderDirectoryObject(t, obj)
		},
		Properties: directoryObjectProps,
		Filter:     map[string]filterRule{"id": {Default: "eq in"}, "displayName": {Default: "eq startsWith in", Advanced: "ne not endsWith"}, "mail": {Default: "eq startsWith in", Advanced: "ne not endsWith"}, "userPrincipalName": {Default: "eq startsWith in", Advanced: "ne not endsWith"}, "accountEnabled": {Default: "eq", Advanced: "ne not"}, "userType": {Default: "eq", Advanced: "ne not"}},
		Advanced:   true,
		OrderBy:    []string{"displayName"},
		Search:     []string{"displayName", "mail", "userPrincipalName"},
	}
	// {path}/$count works on every membership collection (with
	// ConsistencyLevel: eventual, as Advanced requires).
	es.CountSegment = true
	if cast != KindUnknown {
		es.RequireEventual = true
		es.ODataContext = strings.TrimPrefix(odataTypeOf(cast), "#microsoft.graph.") + "s"
	}
	es.DefaultProject = projectMemberDefault
	es.Redact = redactInaccessible
	return es
}

// typeReadPerms are the application permissions that let a caller read each
// directoryObject type in full.
var typeReadPerms = map[string][]string{
	"#microsoft.graph.user":             {"User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
	"#microsoft.graph.group":            {"GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
	"#microsoft.graph.servicePrincipal": {"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
	"#microsoft.graph.device":           {"Device.Read.All", "Device.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
	"#microsoft.graph.directoryRole":    {"RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory", "Directory.Read.All", "Directory.ReadWrite.All"},
}

// redactInaccessible applies Graph's "limited information returned for
// inaccessible member objects": a member of a type the caller may not read
// keeps its @odata.type and id, and every other property is null.
func redactInaccessible(c *Caller, e entity) entity {
	typ, _ := e.get("@odata.type")
	perms, known := typeReadPerms[fmt.Sprint(typ)]
	if !known || c.Has(perms...) {
		return e
	}
	out := make(entity, len(e))
	for i, p := range e {
		if p.Name == "@odata.type" || p.Name == "id" {
			out[i] = p
		} else {
			out[i] = property{p.Name, nil}
		}
	}
	return out
}

func (s *Server) registerGroupRoutes() {
	s.registerEntitySet(s.groupsSet())

	// Items resolves the group first, so these look-ups always succeed.
	members := func(t *Tenant, id string) []string { return t.groupLocked(id).Members }
	owners := func(t *Tenant, id string) []string { return t.groupLocked(id).Owners }
	transitive := func(t *Tenant, id string) []string { return transitiveMemberIDs(t, t.groupLocked(id)) }

	// Costs from graph-facts §3: members 3, transitiveMembers 5.
	s.registerEntitySet(membershipSet("/groups/{id}/members", 3, groupReadPerms, false, members, KindUnknown))
	s.registerEntitySet(membershipSet("/groups/{id}/owners", 1, groupReadPerms, false, owners, KindUnknown))
	s.registerEntitySet(membershipSet("/groups/{id}/transitiveMembers", 5, groupReadPerms, false, transitive, KindUnknown))
	for _, k := range []ObjectKind{KindUser, KindGroup, KindServicePrincipal, KindDevice} {
		cast := "/" + strings.TrimPrefix(odataTypeOf(k), "#")
		s.registerEntitySet(membershipSet("/groups/{id}/members"+cast, 3, groupReadPerms, false, members, k))
		s.registerEntitySet(membershipSet("/groups/{id}/transitiveMembers"+cast, 5, groupReadPerms, false, transitive, k))
	}
	// A user's registered (and owned) devices: the Entra ID devices whose
	// registered owner they are (user-list-registereddevices).
	devicePerms := []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	s.registerEntitySet(membershipSet("/users/{id}/registeredDevices", 1, devicePerms, true, devicesOwnedBy, KindUnknown))
	s.registerEntitySet(membershipSet("/users/{id}/ownedDevices", 1, devicePerms, true, devicesOwnedBy, KindUnknown))
	s.registerEntitySet(membershipSetWithRoles("/users/{id}/memberOf", 1, memberOfPerms, true, memberOfIDs, KindUnknown, directRolesOf))
	s.registerEntitySet(membershipSetWithRoles("/users/{id}/transitiveMemberOf", 1, memberOfPerms, true, transitiveMemberOfIDs, KindUnknown, transitiveRolesOf))
	s.registerEntitySet(membershipSet("/users/{id}/memberOf/microsoft.graph.group", 1, memberOfPerms, true, memberOfIDs, KindGroup))
	s.registerEntitySet(membershipSet("/users/{id}/transitiveMemberOf/microsoft.graph.group", 1, memberOfPerms, true, transitiveMemberOfIDs, KindGroup))
}
