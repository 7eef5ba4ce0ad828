package arm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeARMPage feeds arbitrary bytes to the list-page and resource
// decoders: they must fail cleanly, never panic, and keep Raw exact.
func FuzzDecodeARMPage(f *testing.F) {
	for _, n := range []string{"arm_subscriptions_list.json", "arm_roleAssignments_listForScope.json", "arm_storageAccounts_list.json", "arm_blobContainers_list.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pg page
		if json.Unmarshal(b, &pg) != nil {
			return
		}
		for _, raw := range pg.Value {
			if s, err := decode[Subscription](raw); err == nil && string(s.Raw) != string(raw) {
				t.Fatal("Raw not kept")
			}
			decode[RoleAssignment](raw)
			decode[StorageAccount](raw)
			decode[BlobContainer](raw)
			decode[UserAssignedIdentity](raw)
			decode[RoleDefinition](raw)
		}
	})
}
