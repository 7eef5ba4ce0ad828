package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// ManagedDevice is an Intune managed device.
type ManagedDevice struct {
	ID                     string
	UserID                 string
	UserPrincipalName      string
	DeviceName             string
	OperatingSystem        string
	OSVersion              string
	ComplianceState        string
	ManagedDeviceOwnerType string
	ManagementAgent        string
	EnrolledDateTime       time.Time
	LastSyncDateTime       time.Time
	AzureADDeviceID        string
	IsEncrypted            bool
	Raw                    json.RawMessage
}

// PutManagedDevice writes a managed device.
func (b *Batch) PutManagedDevice(m *ManagedDevice) {
	b.put(tManagedDevices, []any{m.ID}, []any{m.UserID, m.UserPrincipalName, m.DeviceName, m.OperatingSystem, m.OSVersion,
		m.ComplianceState, m.ManagedDeviceOwnerType, m.ManagementAgent, timeCol(m.EnrolledDateTime), timeCol(m.LastSyncDateTime),
		m.AzureADDeviceID, m.IsEncrypted}, m.Raw)
}

// ManagedDevices returns the current managed devices by id.
func (d *DB) ManagedDevices(ctx context.Context, conn Connection) ([]ManagedDevice, error) {
	var out []ManagedDevice
	err := d.selectCurrent(ctx, conn, "managed devices", "m", `SELECT m.id, m.user_id, m.user_principal_name, m.device_name, m.operating_system,
		m.os_version, m.compliance_state, m.managed_device_owner_type, m.management_agent, m.enrolled_at, m.last_sync_at,
		m.azure_ad_device_id, m.is_encrypted, m.raw
		FROM managed_devices m WHERE m.connection_id = ? AND {cur} ORDER BY m.id`, nil, func(rows *sql.Rows) error {
		var m ManagedDevice
		var enrolled, last *string
		var raw sql.NullString
		if err := rows.Scan(&m.ID, &m.UserID, &m.UserPrincipalName, &m.DeviceName, &m.OperatingSystem, &m.OSVersion, &m.ComplianceState,
			&m.ManagedDeviceOwnerType, &m.ManagementAgent, &enrolled, &last, &m.AzureADDeviceID, &m.IsEncrypted, &raw); err != nil {
			return err
		}
		m.EnrolledDateTime, m.LastSyncDateTime = parseTimeCol(enrolled), parseTimeCol(last)
		m.Raw = rawOf(raw)
		out = append(out, m)
		return nil
	})
	return out, err
}

// UserActivity is one user's last activity in one service, from a usage
// report.
type UserActivity struct {
	UserPrincipalName string
	Service           string // exchange | onedrive | sharepoint | skype | yammer | teams | outlook | m365apps
	LastActivityDate  time.Time
	ReportRefreshDate time.Time
	// Amount is the report's number for the row, when it has one: the
	// mailbox's storage in bytes on "mailbox" rows.
	Amount int64
}

// PutUserActivity writes a user's last activity in a service.
func (b *Batch) PutUserActivity(a *UserActivity) {
	var last any
	if !a.LastActivityDate.IsZero() {
		last = a.LastActivityDate.UTC().Format(time.DateOnly)
	}
	var amount any
	if a.Amount != 0 {
		amount = a.Amount
	}
	b.put(tUserActivity, []any{a.Service, a.UserPrincipalName}, []any{last, a.ReportRefreshDate.UTC().Format(time.DateOnly), amount}, nil)
}

// UserActivity returns the current activity rows, by service and UPN.
func (d *DB) UserActivity(ctx context.Context, conn Connection) ([]UserActivity, error) {
	var out []UserActivity
	err := d.EachUserActivity(ctx, conn, func(a *UserActivity) error {
		out = append(out, *a)
		return nil
	})
	return out, err
}

// EachUserActivity streams the current activity rows, in the table's key
// order (service, then user principal name), to fn (a large tenant has a
// million; the licence analysis folds them into its users by name as they
// come). The row is reused: fn must copy what it keeps.
func (d *DB) EachUserActivity(ctx context.Context, conn Connection, fn func(*UserActivity) error) error {
	var a UserActivity
	return d.selectCurrent(ctx, conn, "user activity", "a", `SELECT a.user_principal_name, a.service, a.last_activity_date, a.report_refresh_date, a.amount
		FROM user_activity a WHERE a.connection_id = ? AND {cur} ORDER BY a.service, a.user_principal_name`, nil, func(rows *sql.Rows) error {
		var last *string
		var refresh string
		var amount sql.NullInt64
		if err := rows.Scan(&a.UserPrincipalName, &a.Service, &last, &refresh, &amount); err != nil {
			return err
		}
		a.LastActivityDate = time.Time{}
		if last != nil {
			a.LastActivityDate, _ = time.Parse(time.DateOnly, *last)
		}
		a.ReportRefreshDate, _ = time.Parse(time.DateOnly, refresh)
		a.Amount = amount.Int64
		return fn(&a)
	})
}
