package msgraph

import (
	"context"
	"encoding/json"
	"iter"
	"time"
)

// ManagedDevice is an Intune microsoft.graph.managedDevice.
type ManagedDevice struct {
	ID                     string     `json:"id"`
	UserID                 string     `json:"userId"`
	UserPrincipalName      string     `json:"userPrincipalName"`
	DeviceName             string     `json:"deviceName"`
	OperatingSystem        string     `json:"operatingSystem"`
	OSVersion              string     `json:"osVersion"`
	ComplianceState        string     `json:"complianceState"`
	ManagedDeviceOwnerType string     `json:"managedDeviceOwnerType"`
	ManagementAgent        string     `json:"managementAgent"`
	EnrolledDateTime       *time.Time `json:"enrolledDateTime"`
	LastSyncDateTime       *time.Time `json:"lastSyncDateTime"`
	Manufacturer           string     `json:"manufacturer"`
	Model                  string     `json:"model"`
	SerialNumber           string     `json:"serialNumber"`
	AzureADDeviceID        string     `json:"azureADDeviceId"`
	IsEncrypted            bool       `json:"isEncrypted"`

	Raw json.RawMessage `json:"-"`
}

func (d *ManagedDevice) setRaw(r json.RawMessage) { d.Raw = r }
func (d *ManagedDevice) objectID() string         { return d.ID }

// maxPageManagedDevices: Microsoft documents no $top maximum for
// managedDevices (graph-facts §12). Without $top Intune already pages at
// 1,000 (observed: microsoft/Intune-PowerShell-SDK issue 53), so none is
// sent by default.
const maxPageManagedDevices = 0

// ManagedDevices lists /deviceManagement/managedDevices.
func (c *Client) ManagedDevices(ctx context.Context, o ListOptions) iter.Seq2[ManagedDevice, error] {
	return listPath[ManagedDevice](ctx, c, "/deviceManagement/managedDevices", o, maxPageManagedDevices)
}
