package graphsim

import (
	"slices"
	"testing"
)

// The views handlers share (users as []any, app role assignments by
// principal and by resource) follow every change after they were built.
func TestViewsFollowChanges(t *testing.T) {
	p, err := ProfileByName("small", 7)
	if err != nil {
		t.Fatal(err)
	}
	ten, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	users := func() []any {
		ten.mu.RLock()
		defer ten.mu.RUnlock()
		return ten.userItemsLocked()
	}
	index := func() appRoleAssignmentIndex {
		ten.mu.RLock()
		defer ten.mu.RUnlock()
		return ten.appRoleAssignmentIndexLocked()
	}
	if got := users(); len(got) != len(ten.Users) || got[0] != any(ten.Users[0]) {
		t.Fatalf("user items: %d, want %d in order", len(got), len(ten.Users))
	}
	var gallery *ServicePrincipal
	for _, sp := range ten.ServicePrincipals {
		if len(sp.AppRoles) == 2 && sp.AppOwnerOrganizationID != ten.ID && sp.AppOwnerOrganizationID != microsoftServicesTenantID {
			gallery = sp
			break
		}
	}
	u := ten.Users[0]
	before := len(index().byResource[gallery.ID])
	a, err := ten.AddAppRoleAssignment(AppRoleAssignment{PrincipalID: u.ID, ResourceID: gallery.ID, AppRoleID: defaultAccessRoleID})
	if err != nil {
		t.Fatal(err)
	}
	x := index()
	if n := len(x.byResource[gallery.ID]); n != before+1 {
		t.Fatalf("after an assignment: %d by resource, want %d", n, before+1)
	}
	if !slices.ContainsFunc(x.byPrincipal[u.ID], func(b *AppRoleAssignment) bool { return b.ID == a.ID }) {
		t.Fatal("the new assignment is not listed by principal")
	}
	if err := ten.DeleteAppRoleAssignment(a.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(index().byResource[gallery.ID]); n != before {
		t.Fatalf("after deleting it: %d by resource, want %d", n, before)
	}

	sum := ten.Churn(0.3, 3)
	if sum.UsersAdded == 0 || sum.UsersDeleted == 0 {
		t.Fatalf("churn added %d and deleted %d users; the test needs both", sum.UsersAdded, sum.UsersDeleted)
	}
	got := users()
	if len(got) != len(ten.Users) {
		t.Fatalf("user items after churn: %d, want %d", len(got), len(ten.Users))
	}
	for i, u := range ten.Users {
		if got[i] != any(u) {
			t.Fatalf("user item %d is not Users[%d]", i, i)
		}
	}
	// A deleted user's assignments are gone from the index too.
	ten.mu.RLock()
	for p, as := range index().byPrincipal {
		if ten.kindByID[p] == KindUnknown {
			ten.mu.RUnlock()
			t.Fatalf("%d assignments of deleted principal %s", len(as), p)
		}
	}
	ten.mu.RUnlock()
}
