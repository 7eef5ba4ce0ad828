package graphsim

// Intune managed devices (GET /deviceManagement/managedDevices), declared in
// registerDirectoryRoutes. Shape as intune-devices-manageddevice-list
// (shared/graph-examples/v1.0_deviceManagement_managedDevices_list.json).

import "strings"

// renderManagedDevice follows the managedDevice resource in the order of
// intune-devices-manageddevice-list. Properties the model does not track take
// the values Intune reports for a device that never set them.
func renderManagedDevice(t *Tenant, d *ManagedDevice) entity {
	var displayName, email any
	if u := userLocked(t, d.UserID); u != nil {
		displayName = u.DisplayName
		email = stringOrNull(u.Mail)
	}
	enrollment := "userEnrollment"
	if strings.EqualFold(d.OperatingSystem, "Windows") {
		enrollment = "windowsAzureADJoin"
	}
	jailBroken := "Unknown"
	switch strings.ToLower(d.OperatingSystem) {
	case "ios", "ipados", "android":
		jailBroken = "False"
	}
	return entity{
		{"@odata.type", "#microsoft.graph.managedDevice"},
		{"id", d.ID},
		{"userId", d.UserID},
		{"deviceName", d.DeviceName},
		{"managedDeviceOwnerType", d.ManagedDeviceOwnerType},
		{"deviceActionResults", []any{}},
		{"enrolledDateTime", dateTimeOrZero(d.EnrolledDateTime)},
		{"lastSyncDateTime", dateTimeOrZero(d.LastSyncDateTime)},
		{"operatingSystem", d.OperatingSystem},
		{"complianceState", d.ComplianceState},
		{"jailBroken", jailBroken},
		{"managementAgent", d.ManagementAgent},
		{"osVersion", d.OSVersion},
		{"easActivated", false},
		{"easDeviceId", ""},
		{"easActivationDateTime", zeroDateTime},
		{"azureADRegistered", true},
		{"deviceEnrollmentType", enrollment},
		{"activationLockBypassCode", nil},
		{"emailAddress", email},
		{"azureADDeviceId", d.AzureADDeviceID},
		{"deviceRegistrationState", "registered"},
		{"deviceCategoryDisplayName", "Unknown"},
		{"isSupervised", false},
		{"exchangeLastSuccessfulSyncDateTime", zeroDateTime},
		{"exchangeAccessState", "none"},
		{"exchangeAccessStateReason", "none"},
		{"remoteAssistanceSessionUrl", nil},
		{"remoteAssistanceSessionErrorDetails", nil},
		{"isEncrypted", d.IsEncrypted},
		{"userPrincipalName", d.UserPrincipalName},
		{"model", d.Model},
		{"manufacturer", d.Manufacturer},
		{"imei", ""},
		{"complianceGracePeriodExpirationDateTime", "9999-12-31T23:59:59Z"},
		{"serialNumber", d.SerialNumber},
		{"phoneNumber", ""},
		{"androidSecurityPatchLevel", ""},
		{"userDisplayName", displayName},
		{"configurationManagerClientEnabledFeatures", nil},
		{"wiFiMacAddress", ""},
		{"deviceHealthAttestationState", nil},
		{"subscriberCarrier", ""},
		{"meid", ""},
		{"totalStorageSpaceInBytes", 0},
		{"freeStorageSpaceInBytes", 0},
		{"managedDeviceName", d.DeviceName},
		{"partnerReportedThreatState", "unknown"},
		{"iccid", nil},
		{"udid", nil},
		{"notes", nil},
		{"ethernetMacAddress", nil},
		{"physicalMemoryInBytes", 0},
	}
}
