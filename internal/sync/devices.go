package sync

import (
	"context"

	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

func managedDevicesResource() *resource {
	return &resource{
		name: "managedDevices", group: "devices",
		perms:  []string{"DeviceManagementManagedDevices.Read.All"},
		tables: []store.Table{store.TableManagedDevices},
		// No delta query exists for managed devices: delta runs re-list
		// them only when the last listing is older than FanoutMaxAge.
		fanout: true,
		run: func(ctx context.Context, j *job) error {
			full, err := j.fanoutFull(ctx)
			if err != nil || !full {
				return err
			}
			sel := []string{"id", "userId", "userPrincipalName", "deviceName", "operatingSystem", "osVersion", "complianceState",
				"managedDeviceOwnerType", "managementAgent", "enrolledDateTime", "lastSyncDateTime", "azureADDeviceId", "isEncrypted"}
			for d, err := range j.e.g.ManagedDevices(ctx, msgraph.ListOptions{Select: sel}) {
				if err != nil {
					return err
				}
				err := j.add(ctx, 1, func(b *store.Batch) {
					b.PutManagedDevice(&store.ManagedDevice{ID: d.ID, UserID: d.UserID, UserPrincipalName: d.UserPrincipalName,
						DeviceName: d.DeviceName, OperatingSystem: d.OperatingSystem, OSVersion: d.OSVersion, ComplianceState: d.ComplianceState,
						ManagedDeviceOwnerType: d.ManagedDeviceOwnerType, ManagementAgent: d.ManagementAgent,
						EnrolledDateTime: tv(d.EnrolledDateTime), LastSyncDateTime: tv(d.LastSyncDateTime), AzureADDeviceID: d.AzureADDeviceID,
						IsEncrypted: d.IsEncrypted, Raw: d.Raw})
				})
				if err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableManagedDevices) })
		},
	}
}
