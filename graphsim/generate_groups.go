package graphsim

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Kinds of generated groups beyond the fixed ones (licensing, all-company,
// department).
const (
	groupUnified uint8 = iota
	groupSecurity
	groupDistribution
	groupMailSecurity
	groupDynamic
	groupRoleAssignable
)

// groups creates exactly Profile.Groups groups and their user members:
// licensing groups (group-based licensing), an all-company Microsoft 365
// group, on-premises department groups, then teams, security groups,
// distribution lists, dynamic and role-assignable groups. Membership
// counts are skewed like real tenants: a few very large groups, a long tail
// of small ones; employees average about ten memberships in large tenants.
func (g *gen) groups() error {
	r := g.rng("groups")
	t := g.t
	total := g.p.Groups
	t.Groups = make([]*Group, 0, total)
	g.licGroups = map[string]*Group{}
	unified := []string{"Unified"}
	dynamic := []string{"DynamicMembership"}
	none := []string{}

	newGroup := func(name string) *Group {
		grp := &Group{ID: newGUID(r), DisplayName: name, GroupTypes: none, Members: nil, Owners: nil}
		grp.CreatedDateTime = randomTimeBetween(r, t.Created, t.Now.Add(-24*time.Hour))
		t.Groups = append(t.Groups, grp)
		return grp
	}
	nicknames := map[string]int{}
	setMail := func(grp *Group, base string) {
		grp.MailNickname = uniqueLocal(nicknames, base)
		if grp.MailEnabled {
			grp.Mail = grp.MailNickname + "@" + t.DefaultDomain
		}
	}

	// Licensing groups.
	if total >= len(g.groupLicensed) {
		for _, part := range g.groupLicensed {
			i, ok := g.skuByPart[part]
			if !ok {
				continue
			}
			sku := t.SubscribedSKUs[i]
			grp := newGroup("LIC - " + part)
			grp.SecurityEnabled = true
			grp.Description = "Group-based licensing: members receive " + part
			grp.AssignedLicenses = []AssignedLicense{{SkuID: sku.SkuID, DisabledPlans: []string{}}}
			setMail(grp, "lic-"+strings.ToLower(strings.ReplaceAll(part, "_", "-")))
			g.licGroups[part] = grp
		}
		for ui, p := range g.plans {
			for _, it := range p {
				if it.viaGroup {
					grp := g.licGroups[t.SubscribedSKUs[it.sku].SkuPartNumber]
					grp.Members = append(grp.Members, t.Users[ui].ID)
				}
			}
		}
	}

	// All Company.
	if len(t.Groups) < total {
		grp := newGroup("All Company")
		grp.GroupTypes, grp.MailEnabled, grp.Visibility = unified, true, "Public"
		grp.Description = "Everyone at " + t.DisplayName
		setMail(grp, "allcompany")
		for _, ui := range g.people {
			grp.Members = append(grp.Members, t.Users[ui].ID)
		}
	}

	// Department groups, synchronised from on-premises AD.
	nDept := min(len(departments), (total-len(t.Groups))/3)
	deptGroups := make([]*Group, nDept)
	for d := 0; d < nDept; d++ {
		grp := newGroup("Dept - " + departments[d])
		grp.SecurityEnabled = true
		grp.OnPremisesSyncEnabled = synced()
		grp.Description = departments[d] + " department (synchronised from on-premises AD)"
		setMail(grp, "dept-"+domainLabel(departments[d]))
		deptGroups[d] = grp
	}
	for _, ui := range g.people {
		if d := int(g.dept[ui]); d < nDept {
			deptGroups[d].Members = append(deptGroups[d].Members, t.Users[ui].ID)
		}
	}

	// The long tail.
	rest := total - len(t.Groups)
	first := len(t.Groups)
	topicUse := map[string]int{}
	nRoleAssignable := 0
	if rest >= 10 {
		nRoleAssignable = 2
	}
	// One dynamic group per department at most: their membership is the
	// whole department, so more would inflate memberships unrealistically.
	dynamicDepts := r.Perm(len(departments))
	for k := 0; k < rest; k++ {
		kind := []uint8{groupUnified, groupSecurity, groupDistribution, groupMailSecurity, groupDynamic}[weighted(r, []int{50, 30, 10, 4, 6})]
		if k < nRoleAssignable {
			kind = groupRoleAssignable
		}
		if kind == groupDynamic && len(dynamicDepts) == 0 {
			kind = groupSecurity
		}
		topic := pick(r, groupTopics[:])
		n := topicUse[topic]
		topicUse[topic] = n + 1
		if n > 0 {
			topic += " " + strconv.Itoa(n+1)
		}
		var grp *Group
		switch kind {
		case groupUnified:
			grp = newGroup(topic)
			grp.GroupTypes, grp.MailEnabled = unified, true
			grp.Visibility = pick(r, []string{"Private", "Public", "Private"})
			grp.Description = topic + " team"
		case groupSecurity:
			grp = newGroup("SG - " + topic)
			grp.SecurityEnabled = true
			if chance(r, 0.3) {
				grp.OnPremisesSyncEnabled = synced()
			}
		case groupDistribution:
			grp = newGroup("DL - " + topic)
			grp.MailEnabled = true
		case groupMailSecurity:
			grp = newGroup("MSG - " + topic)
			grp.MailEnabled, grp.SecurityEnabled = true, true
		case groupDynamic:
			d := dynamicDepts[0]
			dynamicDepts = dynamicDepts[1:]
			grp = newGroup("DYN - " + departments[d])
			grp.GroupTypes, grp.SecurityEnabled = dynamic, true
			grp.MembershipRule = `(user.department -eq "` + departments[d] + `")`
			grp.Description = "All " + departments[d] + " staff (dynamic)"
		case groupRoleAssignable:
			grp = newGroup([]string{"Helpdesk Admins", "Security Operations"}[k%2])
			grp.SecurityEnabled, grp.IsAssignableToRole = true, true
		}
		setMail(grp, domainLabel(grp.DisplayName))
	}

	// Random memberships of employees in the long tail (dynamic groups get
	// their rule's members instead).
	tail := t.Groups[first:]
	if len(tail) > 0 {
		maxK := min(15, len(tail)/2)
		for _, ui := range g.people {
			k := r.IntN(maxK + 1)
			var chosen [15]int
			n := 0
			for tries := 0; n < k && tries < 4*k; tries++ {
				u := r.Float64()
				j := int(float64(len(tail)) * u * u)
				dup := false
				for _, c := range chosen[:n] {
					if c == j {
						dup = true
						break
					}
				}
				if dup || tail[j].MembershipRule != "" {
					continue
				}
				chosen[n] = j
				n++
				tail[j].Members = append(tail[j].Members, t.Users[ui].ID)
			}
		}
		// Guests join a few Microsoft 365 groups.
		for ui, kind := range g.ukind {
			if kind != userGuest {
				continue
			}
			var prev *Group
			for m := r.IntN(3); m > 0; m-- {
				grp := tail[r.IntN(len(tail))]
				if grp != prev && len(grp.GroupTypes) == 1 && grp.GroupTypes[0] == "Unified" {
					grp.Members = append(grp.Members, t.Users[ui].ID)
					prev = grp
				}
			}
		}
		for _, grp := range tail {
			if grp.MembershipRule == "" {
				continue
			}
			dept := grp.MembershipRule[len(`(user.department -eq "`) : len(grp.MembershipRule)-2]
			for _, ui := range g.people {
				if t.Users[ui].Department == dept {
					grp.Members = append(grp.Members, t.Users[ui].ID)
				}
			}
		}
		// Nesting: some groups contain later groups, so there are no cycles.
		for j, grp := range tail[:len(tail)-1] {
			if grp.MembershipRule != "" || len(grp.GroupTypes) > 0 || !chance(r, 0.05) {
				continue // Microsoft 365 and dynamic groups cannot nest groups
			}
			for m := between(r, 1, 2); m > 0; m-- {
				child := tail[j+1+r.IntN(len(tail)-j-1)]
				if !containsString(grp.Members, child.ID) {
					grp.Members = append(grp.Members, child.ID)
				}
			}
		}
	}

	// Owners for cloud groups.
	notOwner := make(map[string]bool, len(t.Groups))
	for _, grp := range t.Groups {
		notOwner[grp.ID] = true
	}
	for ui, kind := range g.ukind {
		if kind == userGuest {
			notOwner[t.Users[ui].ID] = true
		}
	}
	for _, grp := range t.Groups {
		if grp.OnPremisesSyncEnabled != nil || grp.MembershipRule != "" && chance(r, 0.5) {
			continue
		}
		n := 1
		if len(grp.GroupTypes) > 0 && chance(r, 0.5) {
			n = 2
		}
		for ; n > 0; n-- {
			owner := t.Users[g.people[r.IntN(len(g.people))]].ID
			if len(grp.Members) > 0 && chance(r, 0.7) {
				if m := grp.Members[r.IntN(min(len(grp.Members), 50))]; !notOwner[m] {
					owner = m
				}
			}
			if !containsString(grp.Owners, owner) {
				grp.Owners = append(grp.Owners, owner)
			}
		}
	}
	return nil
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// randomTimeBetween draws a time to the second in [from, to).
func randomTimeBetween(r *rand.Rand, from, to time.Time) time.Time {
	span := to.Sub(from)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(r.Int64N(int64(span/time.Second))) * time.Second)
}
