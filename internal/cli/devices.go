package cli

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantscope/tenantscope/internal/store"
)

func newDevicesCommand(a *App) *cobra.Command {
	var osName, compliance, user string
	var staleDays int
	cmd := &cobra.Command{
		Use:   "devices",
		Short: "List Intune managed devices from the local copy (stale, non-compliant, unencrypted ...)",
		Long: `List Intune managed devices from the local copy, by device name, with their
owner, operating system, compliance state, encryption and last check-in.
--stale N keeps the devices that have not checked in with Intune for N days
or more (never counts as stale).`,
		Args: cobra.NoArgs,
	}
	out := AddOutputFlag(cmd)
	fl := cmd.Flags()
	fl.StringVar(&osName, "os", "", "operating system, e.g. Windows, iOS, Android, macOS (case-insensitive)")
	fl.StringVar(&compliance, "compliance", "", "compliance state: compliant, noncompliant, inGracePeriod, unknown ... (case-insensitive)")
	fl.StringVar(&user, "user", "", "the primary user's principal name (case-insensitive)")
	fl.IntVar(&staleDays, "stale", 0, "only devices that have not checked in for this many days")
	cmd.RunE = a.readCopy(out, func(cmd *cobra.Command, _ []string, f Format, db *store.DB, conn store.Connection) error {
		ctx := cmd.Context()
		if staleDays < 0 {
			return usageError{fmt.Errorf("--stale %d: want a number of days, 1 or more", staleDays)}
		}
		ds, err := db.ManagedDevices(ctx, conn)
		if err != nil {
			return err
		}
		now := a.now()
		cutoff := now.AddDate(0, 0, -staleDays)
		kept := ds[:0]
		for _, d := range ds {
			switch {
			case osName != "" && !strings.EqualFold(d.OperatingSystem, osName),
				compliance != "" && !strings.EqualFold(d.ComplianceState, compliance),
				user != "" && !strings.EqualFold(d.UserPrincipalName, user),
				staleDays > 0 && !d.LastSyncDateTime.IsZero() && d.LastSyncDateTime.After(cutoff):
				continue
			}
			kept = append(kept, d)
		}
		slices.SortStableFunc(kept, func(x, y store.ManagedDevice) int {
			return cmp.Or(strings.Compare(strings.ToLower(x.DeviceName), strings.ToLower(y.DeviceName)), strings.Compare(x.ID, y.ID))
		})
		return WriteSlice(a.Stdout, f, deviceColumns(now), kept)
	})
	return cmd
}

func deviceColumns(now time.Time) []Column[store.ManagedDevice] {
	return []Column[store.ManagedDevice]{
		{Name: "deviceName", Header: "name", Value: func(d store.ManagedDevice) any { return d.DeviceName }},
		{Name: "userPrincipalName", Header: "user", Value: func(d store.ManagedDevice) any { return d.UserPrincipalName }},
		{Name: "operatingSystem", Header: "os", Value: func(d store.ManagedDevice) any { return d.OperatingSystem }},
		{Name: "osVersion", Header: "version", Value: func(d store.ManagedDevice) any { return d.OSVersion }},
		{Name: "complianceState", Header: "compliance", Value: func(d store.ManagedDevice) any { return d.ComplianceState }},
		{Name: "isEncrypted", Header: "encrypted", Value: func(d store.ManagedDevice) any { return d.IsEncrypted }},
		{Name: "managedDeviceOwnerType", Header: "owner", Value: func(d store.ManagedDevice) any { return d.ManagedDeviceOwnerType }},
		{Name: "lastSyncDateTime", Header: "last check-in", Value: func(d store.ManagedDevice) any { return dateOrEmpty(d.LastSyncDateTime) }},
		{Name: "daysSinceLastSync", Header: "days", Value: func(d store.ManagedDevice) any {
			if d.LastSyncDateTime.IsZero() {
				return nil
			}
			return int(now.Sub(d.LastSyncDateTime).Hours() / 24)
		}},
		{Name: "enrolledDateTime", Header: "enrolled", Value: func(d store.ManagedDevice) any { return dateOrEmpty(d.EnrolledDateTime) }},
		{Name: "id", Value: func(d store.ManagedDevice) any { return d.ID }},
		{Name: "azureADDeviceId", Header: "entra device id", Value: func(d store.ManagedDevice) any { return d.AzureADDeviceID }},
	}
}
