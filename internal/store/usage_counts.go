package store

import (
	"context"
	"database/sql"
	"time"
)

// The per-user counts of the usage reports, beside user_activity's
// last-activity dates (migration 0011).
var (
	tUserEmailActivity = &table{name: "user_email_activity", keys: []string{"user_principal_name"}, cols: []string{
		"last_activity_date", "send_count", "receive_count", "read_count", "meeting_created_count", "meeting_interacted_count",
		"report_period", "report_refresh_date"}}
	tUserTeamsActivity = &table{name: "user_teams_activity", keys: []string{"user_principal_name"}, cols: []string{
		"last_activity_date", "team_chat_message_count", "private_chat_message_count", "call_count", "meeting_count",
		"meetings_organized_count", "meetings_attended_count", "report_period", "report_refresh_date"}}
	tUserActivations = &table{name: "user_activations", keys: []string{"user_principal_name", "product_type"}, cols: []string{
		"last_activated_date", "windows", "mac", "windows10_mobile", "ios", "android", "shared_computer", "report_refresh_date"}}
)

// Tables the usage syncer sweeps besides TableUserActivity.
var (
	TableUserEmailActivity = Table{ts: []*table{tUserEmailActivity}}
	TableUserTeamsActivity = Table{ts: []*table{tUserTeamsActivity}}
	TableUserActivations   = Table{ts: []*table{tUserActivations}}
)

// UserEmailActivity is a user's row of getEmailActivityUserDetail: counts
// over the report period (ReportPeriod days up to ReportRefreshDate).
type UserEmailActivity struct {
	UserPrincipalName      string
	LastActivityDate       time.Time
	SendCount              int64
	ReceiveCount           int64
	ReadCount              int64
	MeetingCreatedCount    int64
	MeetingInteractedCount int64
	ReportPeriod           int // days
	ReportRefreshDate      time.Time
}

// UserTeamsActivity is a user's row of getTeamsUserActivityUserDetail.
type UserTeamsActivity struct {
	UserPrincipalName       string
	LastActivityDate        time.Time
	TeamChatMessageCount    int64
	PrivateChatMessageCount int64
	CallCount               int64
	MeetingCount            int64
	MeetingsOrganizedCount  int64
	MeetingsAttendedCount   int64
	ReportPeriod            int // days
	ReportRefreshDate       time.Time
}

// UserActivation is one row of getOffice365ActivationsUserDetail: a user's
// activations of one Office product, by platform.
type UserActivation struct {
	UserPrincipalName string
	ProductType       string // e.g. MICROSOFT 365 APPS FOR ENTERPRISE
	LastActivatedDate time.Time
	Windows, Mac      int64
	Windows10Mobile   int64
	IOS, Android      int64
	SharedComputer    bool
	ReportRefreshDate time.Time
}

func dateCol(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.DateOnly)
}

func parseDateCol(s *string) time.Time {
	if s == nil || *s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// PutUserEmailActivity writes a user's e-mail activity counts.
func (b *Batch) PutUserEmailActivity(a *UserEmailActivity) {
	b.put(tUserEmailActivity, []any{a.UserPrincipalName}, []any{dateCol(a.LastActivityDate), a.SendCount, a.ReceiveCount, a.ReadCount,
		a.MeetingCreatedCount, a.MeetingInteractedCount, int64(a.ReportPeriod), a.ReportRefreshDate.UTC().Format(time.DateOnly)}, nil)
}

// PutUserTeamsActivity writes a user's Teams activity counts.
func (b *Batch) PutUserTeamsActivity(a *UserTeamsActivity) {
	b.put(tUserTeamsActivity, []any{a.UserPrincipalName}, []any{dateCol(a.LastActivityDate), a.TeamChatMessageCount, a.PrivateChatMessageCount,
		a.CallCount, a.MeetingCount, a.MeetingsOrganizedCount, a.MeetingsAttendedCount, int64(a.ReportPeriod), a.ReportRefreshDate.UTC().Format(time.DateOnly)}, nil)
}

// PutUserActivation writes a user's activations of one product.
func (b *Batch) PutUserActivation(a *UserActivation) {
	b.put(tUserActivations, []any{a.UserPrincipalName, a.ProductType}, []any{dateCol(a.LastActivatedDate), a.Windows, a.Mac,
		a.Windows10Mobile, a.IOS, a.Android, a.SharedComputer, a.ReportRefreshDate.UTC().Format(time.DateOnly)}, nil)
}

// UserEmailActivity returns the current e-mail activity rows by UPN.
func (d *DB) UserEmailActivity(ctx context.Context, conn Connection) ([]UserEmailActivity, error) {
	var out []UserEmailActivity
	err := d.selectCurrent(ctx, conn, "e-mail activity", "a", `SELECT a.user_principal_name, a.last_activity_date, a.send_count, a.receive_count,
		a.read_count, a.meeting_created_count, a.meeting_interacted_count, a.report_period, a.report_refresh_date
		FROM user_email_activity a WHERE a.connection_id = ? AND {cur} ORDER BY a.user_principal_name`, nil, func(rows *sql.Rows) error {
		var a UserEmailActivity
		var last *string
		var refresh string
		if err := rows.Scan(&a.UserPrincipalName, &last, &a.SendCount, &a.ReceiveCount, &a.ReadCount, &a.MeetingCreatedCount,
			&a.MeetingInteractedCount, &a.ReportPeriod, &refresh); err != nil {
			return err
		}
		a.LastActivityDate, a.ReportRefreshDate = parseDateCol(last), parseDateCol(&refresh)
		out = append(out, a)
		return nil
	})
	return out, err
}

// UserTeamsActivity returns the current Teams activity rows by UPN.
func (d *DB) UserTeamsActivity(ctx context.Context, conn Connection) ([]UserTeamsActivity, error) {
	var out []UserTeamsActivity
	err := d.selectCurrent(ctx, conn, "Teams activity", "a", `SELECT a.user_principal_name, a.last_activity_date, a.team_chat_message_count,
		a.private_chat_message_count, a.call_count, a.meeting_count, a.meetings_organized_count, a.meetings_attended_count,
		a.report_period, a.report_refresh_date
		FROM user_teams_activity a WHERE a.connection_id = ? AND {cur} ORDER BY a.user_principal_name`, nil, func(rows *sql.Rows) error {
		var a UserTeamsActivity
		var last *string
		var refresh string
		if err := rows.Scan(&a.UserPrincipalName, &last, &a.TeamChatMessageCount, &a.PrivateChatMessageCount, &a.CallCount, &a.MeetingCount,
			&a.MeetingsOrganizedCount, &a.MeetingsAttendedCount, &a.ReportPeriod, &refresh); err != nil {
			return err
		}
		a.LastActivityDate, a.ReportRefreshDate = parseDateCol(last), parseDateCol(&refresh)
		out = append(out, a)
		return nil
	})
	return out, err
}

// UserActivations returns the current activation rows by UPN and product.
func (d *DB) UserActivations(ctx context.Context, conn Connection) ([]UserActivation, error) {
	var out []UserActivation
	err := d.selectCurrent(ctx, conn, "Office activations", "a", `SELECT a.user_principal_name, a.product_type, a.last_activated_date,
		a.windows, a.mac, a.windows10_mobile, a.ios, a.android, a.shared_computer, a.report_refresh_date
		FROM user_activations a WHERE a.connection_id = ? AND {cur} ORDER BY a.user_principal_name, a.product_type`, nil, func(rows *sql.Rows) error {
		var a UserActivation
		var last *string
		var refresh string
		if err := rows.Scan(&a.UserPrincipalName, &a.ProductType, &last, &a.Windows, &a.Mac, &a.Windows10Mobile, &a.IOS, &a.Android,
			&a.SharedComputer, &refresh); err != nil {
			return err
		}
		a.LastActivatedDate, a.ReportRefreshDate = parseDateCol(last), parseDateCol(&refresh)
		out = append(out, a)
		return nil
	})
	return out, err
}
