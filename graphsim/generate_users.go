package graphsim

import (
	"encoding/base64"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// What a generated user account is for.
const (
	userPerson    uint8 = iota // an employee (userType Member)
	userGuest                  // a B2B guest (#EXT#)
	userShared                 // a shared mailbox
	userRoom                   // a room mailbox
	userEquipment              // an equipment mailbox
)

// Shares of the user population, in per mille.
const (
	guestShare     = 80
	sharedShare    = 15
	roomShare      = 20
	equipmentShare = 5
	// recentShare of users were created within the last 90 days.
	recentShare = 50
	// disabledPersonShare of employees are disabled (leavers, on leave).
	disabledPersonShare = 60
	// syncedShare of employees come from on-premises AD via Entra Connect.
	syncedShare = 450
)

// userKinds lays out exact counts of each kind over n users, shuffled so
// that creation order mixes them.
func userKinds(r *rand.Rand, n int) []uint8 {
	kinds := make([]uint8, n)
	counts := []struct {
		kind uint8
		n    int
	}{
		{userGuest, n * guestShare / 1000},
		{userShared, max(n*sharedShare/1000, min(1, n/20))},
		{userRoom, max(n*roomShare/1000, min(1, n/20))},
		{userEquipment, max(n*equipmentShare/1000, min(1, n/40))},
	}
	i := 0
	for _, c := range counts {
		for j := 0; j < c.n && i < n-1; j++ {
			kinds[i] = c.kind
			i++
		}
	}
	// The rest are employees; kinds[n-1] is always one, so the first user
	// after the shuffle can be made an employee too (the tenant's founder).
	r.Shuffle(n-1, func(a, b int) { kinds[a], kinds[b] = kinds[b], kinds[a] })
	if kinds[0] != userPerson {
		for j := 1; j < n; j++ {
			if kinds[j] == userPerson {
				kinds[0], kinds[j] = kinds[j], kinds[0]
				break
			}
		}
	}
	return kinds
}

// users creates every user account.
func (g *gen) users() error {
	r := g.rng("users")
	t := g.t
	n := g.p.Users
	kinds := userKinds(r, n)
	g.ukind = kinds
	g.dept = make([]uint8, n)

	t.Users = make([]*User, 0, n)
	used := make(map[string]int, n) // UPN local part -> times used
	g.usedNames = used

	// Creation dates rise with creation order; the last recentShare were
	// created within the last 90 days.
	recentFrom := n - n*recentShare/1000
	oldSpan := t.Now.Sub(t.Created) - 91*24*time.Hour

	// Managers: per department, the employees that others report to.
	var managers [len(departments)][]int
	ceo := -1

	for i := 0; i < n; i++ {
		u := &User{ID: newGUID(r), CompanyName: t.DisplayName}
		if i >= recentFrom {
			u.CreatedDateTime = daysAgo(r, t.Now, between(r, 1, 89))
		} else {
			frac := float64(i) / float64(max(1, recentFrom))
			u.CreatedDateTime = t.Created.Add(time.Duration(frac * float64(oldSpan))).Add(time.Duration(r.IntN(3600)) * time.Second).Truncate(time.Second)
		}
		g.dept[i] = 255
		switch kinds[i] {
		case userPerson:
			g.person(r, u, i, used, &managers, &ceo)
		case userGuest:
			g.guest(r, u, used)
		case userShared:
			g.resourceMailbox(r, u, "shared", sharedMailboxNames[:], used)
		case userRoom:
			g.resourceMailbox(r, u, "room", roomNames[:], used)
		case userEquipment:
			g.resourceMailbox(r, u, "equipment", equipmentNames[:], used)
		}
		t.Users = append(t.Users, u)
	}
	return nil
}

// person fills an employee.
func (g *gen) person(r *rand.Rand, u *User, i int, used map[string]int, managers *[len(departments)][]int, ceo *int) {
	t := g.t
	g.people = append(g.people, i)
	u.UserType = "Member"
	u.GivenName = pick(r, givenNames[:])
	u.Surname = pick(r, surnames[:])
	u.DisplayName = u.GivenName + " " + u.Surname
	local := uniqueLocal(used, strings.ToLower(u.GivenName+"."+u.Surname))
	u.MailNickname = local
	u.AccountEnabled = !chance(r, disabledPersonShare/1000.0)

	d := departmentFor(r, *ceo < 0)
	g.dept[i] = uint8(d)
	g.deptCount[d]++
	u.Department = departments[d]
	titles := jobTitles[d]
	ms := managers[d]
	switch {
	case *ceo < 0:
		*ceo = i
		u.JobTitle = "CEO"
		u.AccountEnabled = true // the founder, always a Global Administrator
		managers[d] = append(managers[d], i)
	case len(ms) == 0 || len(ms)*8 < g.deptCount[d]:
		// Departments get a manager per eight staff; the first reports to
		// the CEO.
		u.JobTitle = titles[0]
		if len(ms) == 0 {
			u.ManagerID = t.Users[*ceo].ID
		} else {
			u.ManagerID = t.Users[ms[0]].ID
		}
		managers[d] = append(managers[d], i)
	default:
		u.JobTitle = titles[1+r.IntN(len(titles)-1)]
		if !chance(r, 0.04) { // a few have no manager recorded
			u.ManagerID = t.Users[ms[r.IntN(len(ms))]].ID
		}
	}

	o := offices[weightedOffice(r)]
	u.OfficeLocation = o.Name
	u.UsageLocation = o.Country
	u.PreferredLanguage = o.Language
	// The continental European subsidiary keeps its own federated domain
	// (AD FS), so its people are synchronised from on-premises AD; the
	// domains filter of the sync (seed 003) has someone to filter.
	domain := t.DefaultDomain
	if euSubsidiary(o.Country) {
		domain = subsidiaryDomain(t)
	}
	u.UserPrincipalName = local + "@" + domain
	u.Mail = u.UserPrincipalName
	if chance(r, 0.8) {
		u.BusinessPhones = []string{o.Phone + fourDigits(r)}
	}
	if chance(r, 0.7) {
		u.MobilePhone = o.Phone + fourDigits(r)
	}
	if euSubsidiary(o.Country) || chance(r, syncedShare/1000.0) {
		u.OnPremisesSyncEnabled = synced()
		var b [16]byte
		for k := range b {
			b[k] = byte(r.Uint32())
		}
		u.OnPremisesImmutableID = base64.StdEncoding.EncodeToString(b[:])
	}
	if chance(r, 0.9) {
		u.EmployeeID = strconv.Itoa(100000 + i)
	}
}

// guest fills a B2B guest: UPN mail_domain#EXT#@initial domain, as Entra ID
// writes it on invitation.
func (g *gen) guest(r *rand.Rand, u *User, used map[string]int) {
	u.UserType = "Guest"
	u.GivenName = pick(r, givenNames[:])
	u.Surname = pick(r, surnames[:])
	dom := pick(r, guestDomains[:])
	u.DisplayName = u.GivenName + " " + u.Surname
	// Unique by the external address; the UPN is that address with "@"
	// written as "_" and #EXT# appended, as Entra ID writes it on invitation.
	external := strings.ToLower(u.GivenName + "." + u.Surname)
	for n := 2; used[external+"_"+dom] > 0; n++ {
		external = strings.ToLower(u.GivenName+"."+u.Surname) + strconv.Itoa(n)
	}
	local := external + "_" + dom
	used[local] = 1
	u.Mail = external + "@" + dom
	u.MailNickname = local + "#EXT#"
	u.UserPrincipalName = local + "#EXT#@" + g.t.InitialDomain
	u.AccountEnabled = !chance(r, 0.03)
	if chance(r, 0.5) {
		u.CompanyName = companyOf(dom)
	} else {
		u.CompanyName = ""
	}
}

// resourceMailbox fills a shared, room or equipment mailbox. Their accounts
// are normally disabled: nobody signs in to them.
func (g *gen) resourceMailbox(r *rand.Rand, u *User, purpose string, names []string, used map[string]int) {
	u.UserType = "Member"
	u.MailboxPurpose = purpose
	u.DisplayName = pick(r, names)
	local := uniqueLocal(used, domainLabel(u.DisplayName))
	if local != domainLabel(u.DisplayName) {
		u.DisplayName += " " + strings.TrimPrefix(local, domainLabel(u.DisplayName))
	}
	u.UserPrincipalName = local + "@" + g.t.DefaultDomain
	u.Mail = u.UserPrincipalName
	u.MailNickname = local
	u.AccountEnabled = chance(r, 0.15)
	o := offices[weightedOffice(r)]
	u.OfficeLocation = o.Name
	u.UsageLocation = o.Country
}

// uniqueLocal returns base, or base2, base3 ... when already taken.
func uniqueLocal(used map[string]int, base string) string {
	n := used[base]
	used[base] = n + 1
	if n == 0 {
		return base
	}
	for {
		n++
		cand := base + strconv.Itoa(n)
		if used[cand] == 0 {
			used[cand] = 1
			used[base] = n
			return cand
		}
	}
}

// departmentFor draws a department; the first employee is the CEO.
func departmentFor(r *rand.Rand, first bool) int {
	if first {
		return 11 // Executive Management
	}
	// Sales, Marketing, Finance, HR, Engineering, Research, Operations, Legal,
	// IT, Customer Service, Manufacturing, Executive, Procurement, Retail.
	return weighted(r, []int{14, 7, 6, 4, 16, 4, 8, 2, 6, 10, 8, 1, 3, 11})
}

// weightedOffice draws an office; headquarters sites are larger.
func weightedOffice(r *rand.Rand) int {
	return weighted(r, []int{30, 10, 8, 5, 10, 3, 6, 5, 3, 3, 2, 8, 3, 3, 1})
}

func fourDigits(r *rand.Rand) string {
	return strconv.Itoa(1000 + r.IntN(9000))
}

// companyOf names a guest's organisation by its domain.
func companyOf(domain string) string {
	switch domain {
	case "fabrikam.com":
		return "Fabrikam"
	case "litwareinc.com":
		return "Litware"
	case "adatum.com":
		return "A. Datum"
	case "tailspintoys.com":
		return "Tailspin Toys"
	case "wingtiptoys.com":
		return "Wingtip Toys"
	case "northwindtraders.com":
		return "Northwind Traders"
	}
	return ""
}

// euSubsidiary: offices whose people belong to the subsidiary with its own
// federated domain.
func euSubsidiary(country string) bool {
	switch country {
	case "DE", "FR", "NL":
		return true
	}
	return false
}

// subsidiaryDomain is the federated domain organization() creates.
func subsidiaryDomain(t *Tenant) string {
	return "corp." + strings.TrimSuffix(t.DefaultDomain, ".com") + ".com"
}

// deletedUsers creates the leavers deleted in the last 45 days (1% of the
// users): they are in Tenant.Deleted, not in the directory, and the usage
// reports list them with their last activity. Within 30 days of deletion
// they are soft-deleted (restorable); older ones are gone for good. Their
// licences stay on the object as they were but hold no seat.
func (g *gen) deletedUsers() error {
	r := g.rng("deleted users")
	t := g.t
	n := g.p.Users / 100
	if n == 0 && g.p.Users >= 20 {
		n = 1
	}
	refresh := t.reportRefreshDateLocked()
	for k := 0; k < n; k++ {
		given, sur := pick(r, givenNames[:]), pick(r, surnames[:])
		local := uniqueLocal(g.usedNames, strings.ToLower(given+"."+sur))
		d := departmentFor(r, false)
		o := offices[weightedOffice(r)]
		u := &User{ID: newGUID(r), UserPrincipalName: local + "@" + t.DefaultDomain, DisplayName: given + " " + sur,
			GivenName: given, Surname: sur, Mail: local + "@" + t.DefaultDomain, MailNickname: local, AccountEnabled: false,
			UserType: "Member", Department: departments[d], JobTitle: pick(r, jobTitles[d][1:]), CompanyName: t.DisplayName,
			OfficeLocation: o.Name, UsageLocation: o.Country, PreferredLanguage: o.Language, MailboxPurpose: "user",
			AuthMethods: []AuthMethod{{ODataType: "#microsoft.graph.passwordAuthenticationMethod", ID: passwordMethodID}}}
		u.DeletedDateTime = daysAgo(r, t.Now, between(r, 1, 45))
		u.HardDeleted = t.Now.Sub(u.DeletedDateTime) > 30*24*time.Hour
		u.CreatedDateTime = randomTimeBetween(r, t.Created, u.DeletedDateTime.AddDate(0, -6, 0))
		if i, ok := g.skuByPart[g.primarySKU(r, u)]; ok {
			sku := t.SubscribedSKUs[i]
			when := u.CreatedDateTime.Add(time.Hour)
			u.AssignedLicenses = []AssignedLicense{{SkuID: sku.SkuID, DisabledPlans: []string{}}}
			u.LicenseAssignmentStates = []LicenseAssignmentState{{SkuID: sku.SkuID, DisabledPlans: []string{}, State: "Active", Error: "None", LastUpdatedDateTime: when}}
		}
		// Their last days at work, before the account went.
		rights := t.rightsOf(u)
		lastDay := u.DeletedDateTime.Truncate(24 * time.Hour)
		if lastDay.After(refresh) {
			lastDay = refresh
		}
		for s := Service(0); s < NumServices; s++ {
			if rights.services[s] && chance(r, 0.8) {
				u.Activity.Last[s] = lastDay.AddDate(0, 0, -between(r, 0, 10))
			}
		}
		if rights.mailbox {
			u.Activity.MailboxItemCount = between(r, 500, 40000)
			u.Activity.MailboxStorage = int64(u.Activity.MailboxItemCount) * int64(between(r, 20, 180)) * 1024
		}
		u.SignIn.LastSignInDateTime = u.DeletedDateTime.Add(-time.Duration(between(r, 2, 72)) * time.Hour)
		u.SignIn.LastSignInRequestID = newGUID(r)
		u.SignIn.LastSuccessfulSignInDateTime, u.SignIn.LastSuccessfulSignInRequestID = u.SignIn.LastSignInDateTime, u.SignIn.LastSignInRequestID
		t.Deleted = append(t.Deleted, u)
	}
	return nil
}
