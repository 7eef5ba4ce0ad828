package config

import (
	"slices"
	"testing"

	"github.com/tenantscope/tenantscope/internal/permission"
	"github.com/tenantscope/tenantscope/internal/sync"
)

// The permission catalogue names the sync engine's resources; a rename on
// either side must fail here rather than make sync.resources select nothing.
func TestSyncResourceNamesExist(t *testing.T) {
	known := sync.ResourceNames()
	for _, e := range permission.Catalogue() {
		for _, r := range e.SyncResources {
			if !slices.Contains(known, r) {
				t.Errorf("feature %s names sync resource %q; the engine has %v", e.Feature, r, known)
			}
		}
	}
	c := Connection{Sync: Sync{Resources: []string{"users", "pim", "mailbox_purpose"}}}
	want := []string{"users", "roleEligibility", "roleAssignmentSchedules", "mailboxes"}
	if got := c.SyncOnly(); !slices.Equal(got, want) {
		t.Fatalf("SyncOnly = %v, want %v", got, want)
	}
	if got := (&Connection{}).SyncOnly(); got != nil {
		t.Fatalf("SyncOnly without resources = %v, want nil (all)", got)
	}
}
