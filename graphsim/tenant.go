package graphsim

import (
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Locking: exported Tenant methods take t.mu themselves. Methods whose names
// end in Locked expect the caller to hold t.mu (read or write, as each
// says); handlers serving a request take t.mu.RLock once and use them.

// rebuildIndexes recomputes every index from the collections. The caller
// holds t.mu for writing (or the tenant is not shared yet).
func (t *Tenant) rebuildIndexes() {
	t.userByID = make(map[string]*User, len(t.Users))
	t.userByUPN = make(map[string]*User, len(t.Users))
	t.groupByID = make(map[string]*Group, len(t.Groups))
	t.spByID = make(map[string]*ServicePrincipal, len(t.ServicePrincipals))
	t.kindByID = make(map[string]ObjectKind, len(t.Users)+len(t.Groups)+len(t.ServicePrincipals)+len(t.Devices)+len(t.Applications))
	t.memberOf = make(map[string][]*Group, len(t.Users))
	t.memberSets = map[string]map[string]struct{}{}
	t.consumed = make(map[string]int, len(t.SubscribedSKUs))
	t.skuByID = make(map[string]*SubscribedSKU, len(t.SubscribedSKUs))
	t.appByAppID = make(map[string]*Application, len(t.Applications))
	t.deviceByID = make(map[string]*Device, len(t.Devices))
	for _, u := range t.Users {
		t.userByID[u.ID] = u
		t.userByUPN[strings.ToLower(u.UserPrincipalName)] = u
		t.kindByID[u.ID] = KindUser
		for _, al := range u.AssignedLicenses {
			t.consumed[al.SkuID]++
		}
	}
	for _, grp := range t.Groups {
		t.groupByID[grp.ID] = grp
		t.kindByID[grp.ID] = KindGroup
		for _, m := range grp.Members {
			t.memberOf[m] = append(t.memberOf[m], grp)
		}
	}
	for _, sp := range t.ServicePrincipals {
		t.spByID[sp.ID] = sp
		t.kindByID[sp.ID] = KindServicePrincipal
	}
	for _, d := range t.Devices {
		t.deviceByID[d.ID] = d
		t.kindByID[d.ID] = KindDevice
	}
	for _, a := range t.Applications {
		t.appByAppID[a.AppID] = a
		t.kindByID[a.ID] = KindApplication
	}
	for _, s := range t.SubscribedSKUs {
		t.skuByID[s.SkuID] = s
	}
	for _, grp := range t.Groups {
		grp.memberKinds = make([]ObjectKind, len(grp.Members))
		for i, m := range grp.Members {
			grp.memberKinds[i] = t.kindByID[m]
		}
	}
}

// initSeq numbers every user and group in creation order, so a first delta
// round returns them all and later changes come after.
func (t *Tenant) initSeq() {
	t.seq = 0
	for _, u := range t.Users {
		t.seq++
		u.Seq = t.seq
	}
	for _, grp := range t.Groups {
		t.seq++
		grp.Seq = t.seq
	}
}

// nextSeqLocked takes the next change sequence number; caller holds the
// write lock.
func (t *Tenant) nextSeqLocked() uint64 {
	t.seq++
	return t.seq
}

// normID lower-cases a GUID so look-ups ignore case, as Graph does. Ids the
// generator makes are lower case already, so this rarely allocates.
func normID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// userLocked finds a live user by object id or user principal name; read
// lock.
func (t *Tenant) userLocked(idOrUPN string) *User {
	k := normID(idOrUPN)
	if u := t.userByID[k]; u != nil {
		return u
	}
	return t.userByUPN[k]
}

// userByIDLocked finds a live user by object id only; read lock.
func (t *Tenant) userByIDLocked(id string) *User { return t.userByID[normID(id)] }

// groupLocked finds a live group by id; read lock.
func (t *Tenant) groupLocked(id string) *Group { return t.groupByID[normID(id)] }

// spLocked finds a service principal by object id; read lock.
func (t *Tenant) spLocked(id string) *ServicePrincipal { return t.spByID[normID(id)] }

// deviceLocked finds an Entra ID device by object id; read lock.
func (t *Tenant) deviceLocked(id string) *Device { return t.deviceByID[normID(id)] }

// kindLocked is the type of a live directory object; read lock.
func (t *Tenant) kindLocked(id string) ObjectKind { return t.kindByID[normID(id)] }

// skuLocked finds a subscribed SKU by skuId; read lock.
func (t *Tenant) skuLocked(skuID string) *SubscribedSKU { return t.skuByID[normID(skuID)] }

// consumedLocked is subscribedSkus.consumedUnits for a SKU; read lock.
func (t *Tenant) consumedLocked(skuID string) int { return t.consumed[normID(skuID)] }

// memberOfLocked lists the groups an object is a direct member of, in
// group creation order; read lock. The slice is the index's: do not modify.
func (t *Tenant) memberOfLocked(id string) []*Group { return t.memberOf[normID(id)] }

// applicationByAppIDLocked finds an app registration by client id; read lock.
func (t *Tenant) applicationByAppIDLocked(appID string) *Application {
	return t.appByAppID[normID(appID)]
}

// applicationLocked finds an app registration by object id; read lock.
func (t *Tenant) applicationLocked(id string) *Application {
	id = normID(id)
	for _, a := range t.Applications {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// reportRefreshDateLocked: Microsoft's usage reports run two days behind.
func (t *Tenant) reportRefreshDateLocked() time.Time {
	return t.Now.Truncate(24*time.Hour).AddDate(0, 0, -2)
}

// User finds a live user by object id or user principal name (any case).
func (t *Tenant) User(idOrUPN string) *User {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.userLocked(idOrUPN)
}

// GroupByID finds a live group.
func (t *Tenant) GroupByID(id string) *Group {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.groupLocked(id)
}

// ServicePrincipalByID finds a service principal by object id.
func (t *Tenant) ServicePrincipalByID(id string) *ServicePrincipal {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.spLocked(id)
}

// ApplicationByAppID finds an app registration by its application (client)
// id.
func (t *Tenant) ApplicationByAppID(appID string) *Application {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.applicationByAppIDLocked(appID)
}

// KindOf is the type of a live directory object; KindUnknown when there is
// none with that id.
func (t *Tenant) KindOf(id string) ObjectKind {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.kindLocked(id)
}

// ConsumedUnits is how many users hold the SKU, directly or through a group,
// counted once each, as subscribedSkus.consumedUnits reports.
func (t *Tenant) ConsumedUnits(skuID string) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.consumedLocked(skuID)
}

// ConnectorSecret is the connector's current client secret: the most
// recently added password credential's. Only the simulator knows it; Graph
// never returns secrets.
func (t *Tenant) ConnectorSecret() string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	app := t.applicationLocked(t.Connector.ApplicationID)
	if app == nil {
		return ""
	}
	for i := len(app.PasswordCredentials) - 1; i >= 0; i-- {
		if s := app.PasswordCredentials[i].SecretText; s != "" {
			return s
		}
	}
	return ""
}

// Seq is the current change sequence: the sequence number of the last
// change to a user, group or membership.
func (t *Tenant) Seq() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.seq
}

// MemberChangesSince returns the membership changes after seq, oldest
// first.
func (t *Tenant) MemberChangesSince(seq uint64) []MemberChange {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.memberChangesSinceLocked(seq)
}

// memberChangesSinceLocked: read lock. The result is a copy.
func (t *Tenant) memberChangesSinceLocked(seq uint64) []MemberChange {
	i := sort.Search(len(t.memberChanges), func(i int) bool { return t.memberChanges[i].Seq > seq })
	return append([]MemberChange(nil), t.memberChanges[i:]...)
}

// ReportRefreshDate is the date the usage reports describe: Now minus
// Microsoft's usual two-day lag, at midnight UTC.
func (t *Tenant) ReportRefreshDate() time.Time {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.reportRefreshDateLocked()
}

// Snapshot runs fn with the tenant read-locked, so tests can read fields
// while handlers and mutations run. fn must not call the tenant's exported
// methods (they would lock again) nor keep references past its return.
func (t *Tenant) Snapshot(fn func(t *Tenant)) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	fn(t)
}

// mutationRandLocked is the random stream for ids mutations create; write
// lock.
func (t *Tenant) mutationRandLocked() *rand.Rand {
	if t.mutRand == nil {
		t.mutRand = streamRand(0, "mutations "+t.ID)
	}
	return t.mutRand
}
