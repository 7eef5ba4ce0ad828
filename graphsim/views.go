package graphsim

// tenantViews are read-only forms of the tenant's collections that handlers
// would otherwise rebuild on every request: listing a page of users put all
// 100,000 of a large tenant in a fresh slice, and rendering an application
// or a service principal's appRoleAssignedTo scanned every app role
// assignment (3,000 service principals by 14,000 assignments). Each view
// records what it was built from and is rebuilt when that has changed.
type tenantViews struct {
	// userItems is t.Users as []any, built at change sequence userSeq for
	// userLen users (a user added or deleted takes a sequence number).
	userItems []any
	userSeq   uint64
	userLen   int
	// ara indexes AppRoleAssignments at araVersion; araBuilt tells an
	// index built at version 0 from none.
	ara        appRoleAssignmentIndex
	araVersion uint64
	araBuilt   bool
}

// appRoleAssignmentIndex lists the app role assignments by principal and by
// resource, each list in the order of Tenant.AppRoleAssignments.
type appRoleAssignmentIndex struct {
	byPrincipal map[string][]*AppRoleAssignment
	byResource  map[string][]*AppRoleAssignment
}

// userItemsLocked is t.Users as []any, for the users entity set; read lock.
// The slice is shared: do not modify it.
func (t *Tenant) userItemsLocked() []any {
	t.viewsMu.Lock()
	defer t.viewsMu.Unlock()
	v := &t.views
	if v.userItems == nil || v.userSeq != t.seq || v.userLen != len(t.Users) {
		items := make([]any, len(t.Users))
		for i, u := range t.Users {
			items[i] = u
		}
		v.userItems, v.userSeq, v.userLen = items, t.seq, len(t.Users)
	}
	return v.userItems
}

// appRoleAssignmentsChangedLocked records a change to AppRoleAssignments;
// every change must call it, under the write lock.
func (t *Tenant) appRoleAssignmentsChangedLocked() { t.araVersion++ }

// appRoleAssignmentIndexLocked indexes AppRoleAssignments; read lock. The
// lists are shared: do not modify them.
func (t *Tenant) appRoleAssignmentIndexLocked() appRoleAssignmentIndex {
	t.viewsMu.Lock()
	defer t.viewsMu.Unlock()
	v := &t.views
	if !v.araBuilt || v.araVersion != t.araVersion {
		x := appRoleAssignmentIndex{byPrincipal: map[string][]*AppRoleAssignment{}, byResource: map[string][]*AppRoleAssignment{}}
		for _, a := range t.AppRoleAssignments {
			x.byPrincipal[a.PrincipalID] = append(x.byPrincipal[a.PrincipalID], a)
			x.byResource[a.ResourceID] = append(x.byResource[a.ResourceID], a)
		}
		v.ara, v.araVersion, v.araBuilt = x, t.araVersion, true
	}
	return v.ara
}
