package graphsim

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ChurnSummary counts what Churn changed.
type ChurnSummary struct {
	UsersChanged, UsersAdded, UsersDeleted, GroupsChanged, MembersAdded, MembersRemoved int
}

// Churn applies a day of ordinary directory changes to about fraction of the
// users and groups, deterministically from seed: users change department,
// job title, enabled state or licences; some join and some leave (soft
// deleted, a few hard deleted); groups are renamed and gain and lose
// members. Every change takes a new delta sequence, so delta queries see
// exactly these changes.
func (t *Tenant) Churn(fraction float64, seed int64) ChurnSummary {
	t.mu.Lock()
	defer t.mu.Unlock()
	var sum ChurnSummary
	if fraction <= 0 || len(t.Users) == 0 {
		return sum
	}
	fraction = math.Min(fraction, 1)
	r := streamRand(seed, "churn "+t.ID)
	nUsers := max(1, int(math.Round(fraction*float64(len(t.Users)))))

	var people []*User
	for _, u := range t.Users {
		if u.UserType == "Member" && u.MailboxPurpose != "shared" && u.MailboxPurpose != "room" && u.MailboxPurpose != "equipment" {
			people = append(people, u)
		}
	}
	if len(people) == 0 {
		return sum
	}

	// Changes to existing users.
	changed := map[*User]bool{}
	for k := 0; k < nUsers; k++ {
		u := people[r.IntN(len(people))]
		switch weighted(r, []int{40, 25, 15, 20}) {
		case 0:
			d := r.IntN(len(departments))
			u.Department = departments[d]
			u.JobTitle = pick(r, jobTitles[d][1:])
		case 1:
			if d := slices.Index(departments[:], u.Department); d >= 0 {
				u.JobTitle = pick(r, jobTitles[d])
			} else {
				u.JobTitle = "Consultant"
			}
		case 2:
			u.AccountEnabled = !u.AccountEnabled
		case 3:
			if !t.churnLicenceLocked(u, r.IntN(2) == 0, r.IntN(len(t.SubscribedSKUs)+1)) {
				u.OfficeLocation = offices[weightedOffice(r)].Name // moved office instead
			}
		}
		u.Seq = t.nextSeqLocked()
		changed[u] = true
	}
	sum.UsersChanged = len(changed)

	// Joiners: employees in the default domain, with a usage location.
	nAdd := max(1, nUsers/10)
	used := map[string]int{}
	for _, u := range t.Users {
		used[strings.ToLower(strings.SplitN(u.UserPrincipalName, "@", 2)[0])] = 1
	}
	for k := 0; k < nAdd; k++ {
		given, sur := pick(r, givenNames[:]), pick(r, surnames[:])
		local := uniqueLocal(used, strings.ToLower(given+"."+sur))
		d := r.IntN(len(departments))
		o := offices[weightedOffice(r)]
		u := &User{ID: newGUID(r), UserPrincipalName: local + "@" + t.DefaultDomain, DisplayName: given + " " + sur,
			GivenName: given, Surname: sur, Mail: local + "@" + t.DefaultDomain, MailNickname: local, AccountEnabled: true,
			UserType: "Member", CreatedDateTime: t.Now.Add(-time.Duration(r.IntN(86400)) * time.Second), Department: departments[d],
			JobTitle: pick(r, jobTitles[d][1:]), CompanyName: t.DisplayName, OfficeLocation: o.Name, UsageLocation: o.Country,
			PreferredLanguage: o.Language, EmployeeID: strconv.Itoa(900000 + len(t.Users)),
			AuthMethods: []AuthMethod{{ODataType: "#microsoft.graph.passwordAuthenticationMethod", ID: passwordMethodID}}}
		u.Seq = t.nextSeqLocked()
		t.Users = append(t.Users, u)
		t.userByID[u.ID] = u
		t.userByUPN[strings.ToLower(u.UserPrincipalName)] = u
		t.kindByID[u.ID] = KindUser
		sum.UsersAdded++
	}

	// Leavers: soft-deleted (restorable for 30 days), a few hard-deleted.
	nDel := max(1, nUsers/20)
	for k := 0; k < nDel && len(t.Users) > 1; k++ {
		i := r.IntN(len(t.Users))
		u := t.Users[i]
		if changed[u] || t.holdsRoleLocked(u.ID) {
			continue // keep the change log simple: one change per user
		}
		t.deleteUserLocked(u, r.IntN(5) == 0)
		sum.UsersDeleted++
	}

	// Groups: renames and membership changes in cloud-managed groups.
	var cloud []*Group
	for _, g := range t.Groups {
		if cloudManaged(g) == nil {
			cloud = append(cloud, g)
		}
	}
	nGroups := int(math.Round(fraction * float64(len(t.Groups))))
	if nGroups == 0 && len(cloud) > 0 {
		nGroups = 1
	}
	groupsChanged := map[*Group]bool{}
	for k := 0; k < nGroups && len(cloud) > 0; k++ {
		g := cloud[r.IntN(len(cloud))]
		groupsChanged[g] = true
		if r.IntN(3) == 0 {
			g.DisplayName = strings.TrimSuffix(g.DisplayName, " (archived)")
			if r.IntN(2) == 0 {
				g.DisplayName += " (archived)"
			}
			g.Seq = t.nextSeqLocked()
			continue
		}
		for a := between(r, 1, 3); a > 0; a-- {
			u := t.Users[r.IntN(len(t.Users))]
			if _, ok := t.memberSetLocked(g)[u.ID]; !ok {
				t.addMemberLocked(g, u.ID)
				sum.MembersAdded++
			}
		}
		if len(g.Members) > 0 && r.IntN(2) == 0 {
			t.removeMemberLocked(g, g.Members[r.IntN(len(g.Members))])
			sum.MembersRemoved++
		}
	}
	sum.GroupsChanged = len(groupsChanged)
	return sum
}

// churnLicenceLocked adds (or removes) a direct licence the way an admin
// would, respecting seats and usage location. It reports whether anything
// changed.
func (t *Tenant) churnLicenceLocked(u *User, add bool, skuIdx int) bool {
	if add {
		if skuIdx >= len(t.SubscribedSKUs) || u.UsageLocation == "" {
			return false
		}
		sku := t.SubscribedSKUs[skuIdx]
		if holdsSKU(u, sku.SkuID) || sku.Enabled-t.consumed[sku.SkuID] <= 0 {
			return false
		}
		t.addDirectLicenceLocked(u, sku.SkuID, []string{})
		return true
	}
	for _, s := range u.LicenseAssignmentStates {
		if s.AssignedByGroup == "" && s.State == "Active" {
			t.removeDirectLicenceLocked(u, s.SkuID)
			return true
		}
	}
	return false
}

// deleteUserLocked deletes a user as Entra ID does: memberships and
// licences go, the user moves to Tenant.Deleted for delta's @removed;
// write lock.
func (t *Tenant) deleteUserLocked(u *User, hard bool) {
	for _, g := range slices.Clone(t.memberOf[u.ID]) {
		t.removeMemberLocked(g, u.ID)
	}
	for _, al := range u.AssignedLicenses {
		t.consumed[al.SkuID]--
	}
	for _, other := range t.Users {
		if other.ManagerID == u.ID {
			other.ManagerID = "" // Entra ID clears the reference
			other.Seq = t.nextSeqLocked()
		}
	}
	for _, g := range t.Groups {
		if i := slices.Index(g.Owners, u.ID); i >= 0 {
			g.Owners = slices.Delete(g.Owners, i, i+1)
		}
	}
	t.AppRoleAssignments = slices.DeleteFunc(t.AppRoleAssignments, func(a *AppRoleAssignment) bool { return a.PrincipalID == u.ID })
	t.appRoleAssignmentsChangedLocked()
	t.OAuth2PermissionGrant = slices.DeleteFunc(t.OAuth2PermissionGrant, func(g *OAuth2PermissionGrant) bool { return g.PrincipalID == u.ID })
	i := slices.Index(t.Users, u)
	t.Users = slices.Delete(t.Users, i, i+1)
	delete(t.userByID, u.ID)
	delete(t.userByUPN, strings.ToLower(u.UserPrincipalName))
	delete(t.kindByID, u.ID)
	u.DeletedDateTime = t.Now
	u.HardDeleted = hard
	u.Seq = t.nextSeqLocked()
	t.Deleted = append(t.Deleted, u)
}

// holdsRoleLocked reports whether a principal has a directory role or PIM
// eligibility; read lock.
func (t *Tenant) holdsRoleLocked(id string) bool {
	for _, ra := range t.RoleAssignments {
		if ra.PrincipalID == id {
			return true
		}
	}
	for _, e := range t.RoleEligibilities {
		if e.PrincipalID == id {
			return true
		}
	}
	return false
}
