package arm

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tenantscope/tenantscope/graphsim"
	"github.com/tenantscope/tenantscope/internal/msgraph"
)

// These tests run the ARM client against graphsim and compare with the
// generated tenant's Azure estate.

const readerRoleID = "acdd72a7-3356-4e35-b5e6-3d4c5d6f23cd"
const userAccessAdministratorRoleID = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"

func newSim(t *testing.T) (*Client, *graphsim.Tenant) {
	t.Helper()
	p, err := graphsim.ProfileByName("small", 3)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := graphsim.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := graphsim.Start(graphsim.Options{}, tn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	var appID string
	tn.Snapshot(func(t *graphsim.Tenant) { appID = t.Connector.AppID })
	tok, err := sim.Server.IssueToken(tn.ID, appID, "https://management.azure.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{BaseURL: sim.URL, HTTPClient: sim.Client(),
		Tokens: msgraph.TokenFunc(func(context.Context) (string, error) { return tok, nil })})
	if err != nil {
		t.Fatal(err)
	}
	return c, tn
}

func names[T any](t *testing.T, seq func(yield func(T, error) bool), name func(T) string) []string {
	t.Helper()
	var out []string
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, name(v))
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string { sort.Strings(s); return s }

func TestSimAzureEstateEqualsTenant(t *testing.T) {
	c, tn := newSim(t)
	ctx := context.Background()
	var az graphsim.Azure
	var connector string
	tn.Snapshot(func(t *graphsim.Tenant) { az = t.Azure; connector = t.Connector.ServicePrincipalID })

	subs := names(t, c.Subscriptions(ctx), func(s Subscription) string { return s.SubscriptionID + "|" + s.DisplayName + "|" + s.State })
	var want []string
	for _, s := range az.Subscriptions {
		want = append(want, s.SubscriptionID+"|"+s.DisplayName+"|"+s.State)
	}
	if !slices.Equal(subs, sorted(want)) {
		t.Fatalf("subscriptions = %v, want %v", subs, want)
	}

	for _, s := range az.Subscriptions {
		sub := s.SubscriptionID
		var wantRG, wantSA, wantMI, wantRA []string
		for _, rg := range az.ResourceGroups {
			if rg.SubscriptionID == sub {
				wantRG = append(wantRG, rg.Name+"|"+rg.Location)
			}
		}
		for _, a := range az.StorageAccounts {
			if a.SubscriptionID == sub {
				wantSA = append(wantSA, a.ResourceGroup+"|"+a.Name+"|"+a.Kind+"|"+a.SkuName)
			}
		}
		for _, mi := range az.UserAssignedIdentities {
			if mi.SubscriptionID == sub {
				wantMI = append(wantMI, mi.Name+"|"+mi.PrincipalID+"|"+mi.ClientID)
			}
		}
		for _, ra := range az.RoleAssignments {
			if strings.EqualFold(ra.Scope, "/subscriptions/"+sub) {
				wantRA = append(wantRA, ra.Name+"|"+ra.PrincipalID)
			}
		}
		if got := names(t, c.ResourceGroups(ctx, sub, "", 0), func(g ResourceGroup) string { return g.Name + "|" + g.Location }); !slices.Equal(got, sorted(wantRG)) {
			t.Fatalf("resource groups of %s = %v, want %v", sub, got, wantRG)
		}
		accounts, err := collect(c.StorageAccounts(ctx, sub))
		if err != nil {
			t.Fatal(err)
		}
		var gotSA []string
		for _, a := range accounts {
			gotSA = append(gotSA, a.ResourceGroupName()+"|"+a.Name+"|"+a.Kind+"|"+a.Sku.Name)
			var wantBC []string
			for _, bc := range az.BlobContainers {
				if bc.SubscriptionID == sub && bc.AccountName == a.Name {
					wantBC = append(wantBC, bc.Name+"|"+bc.PublicAccess)
				}
			}
			got := names(t, c.BlobContainers(ctx, sub, a.ResourceGroupName(), a.Name, 2), func(b BlobContainer) string { return b.Name + "|" + b.Properties.PublicAccess })
			if !slices.Equal(got, sorted(wantBC)) {
				t.Fatalf("containers of %s = %v, want %v", a.Name, got, wantBC)
			}
		}
		if !slices.Equal(sorted(gotSA), sorted(wantSA)) {
			t.Fatalf("storage accounts of %s = %v, want %v", sub, gotSA, wantSA)
		}
		if got := names(t, c.UserAssignedIdentities(ctx, sub), func(i UserAssignedIdentity) string {
			return i.Name + "|" + i.Properties.PrincipalID + "|" + i.Properties.ClientID
		}); !slices.Equal(got, sorted(wantMI)) {
			t.Fatalf("identities of %s = %v, want %v", sub, got, wantMI)
		}
		gotRA := names(t, c.RoleAssignments(ctx, "/subscriptions/"+sub, "atScope()"), func(a RoleAssignment) string { return a.Name + "|" + a.Properties.PrincipalID })
		if !slices.Equal(gotRA, sorted(wantRA)) {
			t.Fatalf("role assignments at %s = %v, want %v", sub, gotRA, wantRA)
		}
		if !slices.ContainsFunc(gotRA, func(s string) bool { return strings.HasSuffix(s, "|"+connector) }) {
			t.Fatalf("connector's Reader assignment missing at %s", sub)
		}
		defs, err := collect(c.RoleDefinitions(ctx, "/subscriptions/"+sub, "roleName eq 'Reader'"))
		if err != nil {
			t.Fatal(err)
		}
		if len(defs) != 1 || defs[0].Name != readerRoleID || defs[0].Properties.RoleType != "BuiltInRole" {
			t.Fatalf("Reader definition = %+v", defs)
		}
	}
}

func TestSimRoleAssignmentWrites(t *testing.T) {
	c, tn := newSim(t)
	ctx := context.Background()
	var sub, connector, user string
	tn.Snapshot(func(t *graphsim.Tenant) {
		sub = t.Azure.Subscriptions[0].SubscriptionID
		connector = t.Connector.ServicePrincipalID
		user = t.Users[0].ID
	})
	scope := "/subscriptions/" + sub
	rd := scope + "/providers/Microsoft.Authorization/roleDefinitions/" + readerRoleID

	// With Reader only, the connector may not grant access.
	_, err := c.CreateRoleAssignment(ctx, scope, rd, user, "User")
	if !IsForbidden(err) || !strings.Contains(err.Error(), "403 AuthorizationFailed") {
		t.Fatalf("create as Reader: %v", err)
	}

	if _, err := tn.AddARMRoleAssignment(graphsim.AzRoleAssignment{Scope: scope, RoleDefinitionID: userAccessAdministratorRoleID, PrincipalID: connector}); err != nil {
		t.Fatal(err)
	}
	ra, err := c.CreateRoleAssignment(ctx, scope, rd, user, "User")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(ra.Properties.PrincipalID, user) || !strings.EqualFold(ra.Properties.Scope, scope) ||
		!strings.EqualFold(ra.Properties.RoleDefinitionID, rd) {
		t.Fatalf("created = %+v", ra)
	}
	inTenant := func() bool {
		found := false
		tn.Snapshot(func(t *graphsim.Tenant) {
			for _, a := range t.Azure.RoleAssignments {
				if strings.EqualFold(a.ID, ra.ID) {
					found = true
				}
			}
		})
		return found
	}
	if !inTenant() {
		t.Fatalf("assignment %s not in the tenant", ra.ID)
	}
	// The same grant again: ARM refuses with 409 RoleAssignmentExists.
	if _, err := c.CreateRoleAssignment(ctx, scope, rd, user, "User"); err == nil || !strings.Contains(err.Error(), "409 RoleAssignmentExists") {
		t.Fatalf("duplicate: %v", err)
	}
	if err := c.DeleteRoleAssignment(ctx, ra.ID); err != nil {
		t.Fatal(err)
	}
	if inTenant() {
		t.Fatal("assignment still in the tenant after delete")
	}
}
