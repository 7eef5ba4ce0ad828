package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// User is a directory user as stored: the typed columns reports query, the
// licence states as child rows and Graph's JSON beside them.
type User struct {
	ID                    string
	UserPrincipalName     string
	DisplayName           string
	GivenName             string
	Surname               string
	Mail                  string
	AccountEnabled        bool
	UserType              string
	CreatedDateTime       time.Time
	Department            string
	JobTitle              string
	CompanyName           string
	OfficeLocation        string
	UsageLocation         string
	EmployeeID            string
	OnPremisesSyncEnabled *bool
	// ManagerID is read from the manager relation (PutUserManager); PutUser
	// does not write it.
	ManagerID string
	// Licenses are the user's licenseAssignmentStates: one per SKU and
	// assigning group ("" = direct).
	Licenses []UserLicense
	Raw      json.RawMessage
}

// UserLicense is one licenseAssignmentState.
type UserLicense struct {
	SkuID               string
	AssignedByGroup     string // "" = assigned directly
	DisabledPlans       []string
	State               string // Active | ActiveWithError | Disabled | Error
	Error               string
	LastUpdatedDateTime time.Time
}

// PutUser writes the user and replaces its licence rows.
func (b *Batch) PutUser(u *User) {
	b.put(tUsers, []any{u.ID}, []any{
		u.UserPrincipalName, u.DisplayName, u.GivenName, u.Surname, u.Mail, u.AccountEnabled, u.UserType,
		timeCol(u.CreatedDateTime), u.Department, u.JobTitle, u.CompanyName, u.OfficeLocation, u.UsageLocation,
		u.EmployeeID, boolPtrCol(u.OnPremisesSyncEnabled),
	}, u.Raw)
	for _, l := range u.Licenses {
		dp := append([]string(nil), l.DisabledPlans...)
		sort.Strings(dp)
		b.put(tUserLicenses, []any{u.ID, strings.ToLower(l.SkuID), strings.ToLower(l.AssignedByGroup)},
			[]any{jsonStrings(dp), l.State, l.Error, timeCol(l.LastUpdatedDateTime)}, nil)
	}
	b.sweepChildren(tUserLicenses, u.ID)
}

// PutUserManager records a user's manager; "" records that the user has
// none.
func (b *Batch) PutUserManager(userID, managerID string) {
	if managerID == "" {
		b.remove(tUserManagers, userID)
		return
	}
	b.put(tUserManagers, []any{userID}, []any{managerID}, nil)
}

// RemoveUser closes the user and everything that names it (licences,
// sign-in and mailbox rows, memberships, ownerships and app role
// assignments).
func (b *Batch) RemoveUser(id string) { b.remove(tUsers, id) }

// UserQuery filters Users; zero fields do not filter.
type UserQuery struct {
	ID                string
	UserPrincipalName string // case-insensitive equality
	Enabled           *bool
	UserType          string
	Department        string
	SkuID             string // users holding this SKU (directly or by group)
	Licensed          *bool
	Search            string // substring of UPN or display name, case-insensitive
	Limit             int
	// WithoutRaw leaves Graph's JSON out (Raw nil): readers of the typed
	// columns only, such as the licence analysis, spare a third of the
	// memory a large tenant's users take.
	WithoutRaw bool
}

// userCols selects a user at generation g; the manager comes from the
// manager relation as of the same generation.
func userCols(g int64, raw bool) string {
	rawCol := "u.raw"
	if !raw {
		rawCol = "NULL"
	}
	return `u.id, u.user_principal_name, u.display_name, u.given_name, u.surname, u.mail, u.account_enabled, u.user_type,
	u.created_at, u.department, u.job_title, u.company_name, u.office_location, u.usage_location, u.employee_id,
	u.on_premises_sync_enabled,
	COALESCE((SELECT um.manager_id FROM user_managers um WHERE um.connection_id = u.connection_id AND um.user_id = u.id
		AND um.valid_from <= ` + strconv.FormatInt(g, 10) + ` AND (um.valid_to IS NULL OR um.valid_to > ` + strconv.FormatInt(g, 10) + `)), ''),
	` + rawCol
}

func scanUser(rows *sql.Rows, u *User) error {
	var created *string
	var onPrem sql.NullBool
	var raw sql.NullString
	if err := rows.Scan(&u.ID, &u.UserPrincipalName, &u.DisplayName, &u.GivenName, &u.Surname, &u.Mail, &u.AccountEnabled, &u.UserType,
		&created, &u.Department, &u.JobTitle, &u.CompanyName, &u.OfficeLocation, &u.UsageLocation, &u.EmployeeID,
		&onPrem, &u.ManagerID, &raw); err != nil {
		return err
	}
	u.CreatedDateTime = parseTimeCol(created)
	u.OnPremisesSyncEnabled = nullBool(onPrem)
	u.Raw = rawOf(raw)
	return nil
}

// Users returns the current users matching q, ordered by UPN, with their
// licences.
func (d *DB) Users(ctx context.Context, conn Connection, q UserQuery) ([]User, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if q.ID != "" {
		where, args = append(where, "u.id = ?"), append(args, q.ID)
	}
	if q.UserPrincipalName != "" {
		where, args = append(where, "lower(u.user_principal_name) = lower(?)"), append(args, q.UserPrincipalName)
	}
	if q.Enabled != nil {
		where, args = append(where, "u.account_enabled = ?"), append(args, *q.Enabled)
	}
	if q.UserType != "" {
		where, args = append(where, "u.user_type = ?"), append(args, q.UserType)
	}
	if q.Department != "" {
		where, args = append(where, "u.department = ?"), append(args, q.Department)
	}
	if q.Search != "" {
		s := "%" + strings.ToLower(q.Search) + "%"
		where, args = append(where, "(lower(u.user_principal_name) LIKE ? OR lower(u.display_name) LIKE ?)"), append(args, s, s)
	}
	if q.SkuID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM user_licenses l WHERE l.connection_id = u.connection_id AND l.user_id = u.id AND l.sku_id = lower(?) AND "+current("l")+")")
		args = append(args, q.SkuID, g, g)
	}
	if q.Licensed != nil {
		not := ""
		if !*q.Licensed {
			not = "NOT "
		}
		where = append(where, not+"EXISTS (SELECT 1 FROM user_licenses l WHERE l.connection_id = u.connection_id AND l.user_id = u.id AND "+current("l")+")")
		args = append(args, g, g)
	}
	query := `SELECT ` + userCols(g, !q.WithoutRaw) + ` FROM users u WHERE u.connection_id = ? AND {cur}`
	for _, w := range where {
		query += " AND " + w
	}
	query += " ORDER BY u.user_principal_name, u.id"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	var users []User
	idx := map[string]int{}
	err = d.selectAt(ctx, conn, g, "users", "u", query, args, func(rows *sql.Rows) error {
		var u User
		if err := scanUser(rows, &u); err != nil {
			return err
		}
		idx[u.ID] = len(users)
		users = append(users, u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return users, nil
	}
	// Licences in one pass rather than a query per user.
	lq := `SELECT l.user_id, l.sku_id, l.assigned_by_group, l.disabled_plans, l.state, l.error, l.last_updated_at
		FROM user_licenses l WHERE l.connection_id = ? AND {cur} ORDER BY l.user_id, l.sku_id, l.assigned_by_group`
	err = d.selectAt(ctx, conn, g, "user licenses", "l", lq, nil, func(rows *sql.Rows) error {
		var uid, dp string
		var l UserLicense
		var upd *string
		if err := rows.Scan(&uid, &l.SkuID, &l.AssignedByGroup, &dp, &l.State, &l.Error, &upd); err != nil {
			return err
		}
		i, ok := idx[uid]
		if !ok {
			return nil
		}
		l.DisabledPlans = parseStrings(dp)
		l.LastUpdatedDateTime = parseTimeCol(upd)
		users[i].Licenses = append(users[i].Licenses, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// EachUser streams every current user, ordered by UPN, with their licences,
// to fn; withoutRaw leaves Graph's JSON out. A whole-tenant reader (the
// licence analysis) holds what it keeps of each user, never the []User of
// a large tenant (100,000 users: about 90 MB). The User is reused: fn must
// copy what it keeps.
func (d *DB) EachUser(ctx context.Context, conn Connection, withoutRaw bool, fn func(*User) error) error {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return err
	}
	licences := map[string][]UserLicense{}
	lq := `SELECT l.user_id, l.sku_id, l.assigned_by_group, l.disabled_plans, l.state, l.error, l.last_updated_at
		FROM user_licenses l WHERE l.connection_id = ? AND {cur} ORDER BY l.user_id, l.sku_id, l.assigned_by_group`
	err = d.selectAt(ctx, conn, g, "user licenses", "l", lq, nil, func(rows *sql.Rows) error {
		var uid, dp string
		var l UserLicense
		var upd *string
		if err := rows.Scan(&uid, &l.SkuID, &l.AssignedByGroup, &dp, &l.State, &l.Error, &upd); err != nil {
			return err
		}
		l.DisabledPlans = parseStrings(dp)
		l.LastUpdatedDateTime = parseTimeCol(upd)
		licences[uid] = append(licences[uid], l)
		return nil
	})
	if err != nil {
		return err
	}
	query := `SELECT ` + userCols(g, !withoutRaw) + ` FROM users u WHERE u.connection_id = ? AND {cur} ORDER BY u.user_principal_name, u.id`
	var u User
	return d.selectAt(ctx, conn, g, "users", "u", query, nil, func(rows *sql.Rows) error {
		u = User{}
		if err := scanUser(rows, &u); err != nil {
			return err
		}
		u.Licenses = licences[u.ID]
		return fn(&u)
	})
}

// UserVersion is one stored version of a user and when it became true.
type UserVersion struct {
	User
	Generation int64
	// Since is when the run that observed this version finished; Until is
	// when the run that saw it change finished (zero: still current), and
	// Ended that run's generation (0: still current).
	Since, Until time.Time
	Ended        int64
}

// UserHistory returns every committed version of a user, oldest first, so
// "when was this user disabled" is the Since of the first version with
// AccountEnabled false.
func (d *DB) UserHistory(ctx context.Context, conn Connection, userID string) ([]UserVersion, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	query := `SELECT ` + userCols(g, true) + `, u.valid_from, u.valid_to,
		(SELECT finished_at FROM sync_runs r WHERE r.connection_id = u.connection_id AND r.generation = u.valid_from),
		(SELECT finished_at FROM sync_runs r WHERE r.connection_id = u.connection_id AND r.generation = u.valid_to)
		FROM users u WHERE u.connection_id = ? AND u.valid_from <= ? AND u.id = ?
		ORDER BY u.valid_from`
	rows, err := d.db.QueryContext(ctx, query, conn.ID, g, userID)
	if err != nil {
		return nil, fmt.Errorf("read history of user %s: %w", userID, err)
	}
	defer rows.Close()
	var out []UserVersion
	for rows.Next() {
		var v UserVersion
		var created, since, until *string
		var onPrem sql.NullBool
		var raw sql.NullString
		var validTo sql.NullInt64
		if err := rows.Scan(&v.ID, &v.UserPrincipalName, &v.DisplayName, &v.GivenName, &v.Surname, &v.Mail, &v.AccountEnabled, &v.UserType,
			&created, &v.Department, &v.JobTitle, &v.CompanyName, &v.OfficeLocation, &v.UsageLocation, &v.EmployeeID,
			&onPrem, &v.ManagerID, &raw, &v.Generation, &validTo, &since, &until); err != nil {
			return nil, fmt.Errorf("read history of user %s: %w", userID, err)
		}
		v.CreatedDateTime = parseTimeCol(created)
		v.OnPremisesSyncEnabled = nullBool(onPrem)
		v.Raw = rawOf(raw)
		v.Since = parseTimeCol(since)
		if validTo.Valid && validTo.Int64 <= g {
			v.Until, v.Ended = parseTimeCol(until), validTo.Int64
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// LicenseVersion is one stored version of one of a user's licences and
// when it was true (as UserVersion's Since and Until).
type LicenseVersion struct {
	UserLicense
	Generation   int64
	Since, Until time.Time
	Ended        int64
}

// UserLicenseHistory returns every committed version of a user's licences,
// oldest first: when each was assigned, changed (state, disabled plans)
// and removed.
func (d *DB) UserLicenseHistory(ctx context.Context, conn Connection, userID string) ([]LicenseVersion, error) {
	g, err := d.generation(ctx, conn)
	if err != nil {
		return nil, err
	}
	q := `SELECT l.sku_id, l.assigned_by_group, l.disabled_plans, l.state, l.error, l.last_updated_at, l.valid_from, l.valid_to,
		(SELECT finished_at FROM sync_runs r WHERE r.connection_id = l.connection_id AND r.generation = l.valid_from),
		(SELECT finished_at FROM sync_runs r WHERE r.connection_id = l.connection_id AND r.generation = l.valid_to)
		FROM user_licenses l WHERE l.connection_id = ? AND l.valid_from <= ? AND l.user_id = ?
		ORDER BY l.valid_from, l.sku_id, l.assigned_by_group`
	var out []LicenseVersion
	err = d.scan(ctx, q, []any{conn.ID, g, userID}, func(rows *sql.Rows) error {
		var v LicenseVersion
		var plans string
		var updated, since, until *string
		var validTo sql.NullInt64
		if err := rows.Scan(&v.SkuID, &v.AssignedByGroup, &plans, &v.State, &v.Error, &updated, &v.Generation, &validTo, &since, &until); err != nil {
			return err
		}
		v.DisabledPlans = parseStrings(plans)
		v.LastUpdatedDateTime = parseTimeCol(updated)
		v.Since = parseTimeCol(since)
		if validTo.Valid && validTo.Int64 <= g {
			v.Until, v.Ended = parseTimeCol(until), validTo.Int64
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read licence history of user %s: %w", userID, err)
	}
	return out, nil
}

// UserSignIn is a user's signInActivity (zero times: never).
type UserSignIn struct {
	UserID                           string
	LastSignInDateTime               time.Time
	LastNonInteractiveSignInDateTime time.Time
	LastSuccessfulSignInDateTime     time.Time
}

// PutUserSignIn writes a user's sign-in activity.
func (b *Batch) PutUserSignIn(s *UserSignIn) {
	b.put(tUserSignIns, []any{s.UserID}, []any{timeCol(s.LastSignInDateTime), timeCol(s.LastNonInteractiveSignInDateTime), timeCol(s.LastSuccessfulSignInDateTime)}, nil)
}

// UserSignIns returns the current sign-in activity rows, by user id.
func (d *DB) UserSignIns(ctx context.Context, conn Connection) ([]UserSignIn, error) {
	var out []UserSignIn
	err := d.selectCurrent(ctx, conn, "user sign-ins", "s", `SELECT s.user_id, s.last_sign_in_at, s.last_non_interactive_sign_in_at, s.last_successful_sign_in_at
		FROM user_sign_ins s WHERE s.connection_id = ? AND {cur} ORDER BY s.user_id`, nil, func(rows *sql.Rows) error {
		var s UserSignIn
		var a, b, c *string
		if err := rows.Scan(&s.UserID, &a, &b, &c); err != nil {
			return err
		}
		s.LastSignInDateTime, s.LastNonInteractiveSignInDateTime, s.LastSuccessfulSignInDateTime = parseTimeCol(a), parseTimeCol(b), parseTimeCol(c)
		out = append(out, s)
		return nil
	})
	return out, err
}

// UserMailbox is a user's mailboxSettings.userPurpose.
type UserMailbox struct {
	UserID  string
	Purpose string // user | shared | room | equipment | linked | others
}

// PutUserMailbox writes a user's mailbox purpose.
func (b *Batch) PutUserMailbox(m *UserMailbox) {
	b.put(tUserMailboxes, []any{m.UserID}, []any{m.Purpose}, nil)
}

// RemoveUserMailbox closes a user's mailbox row (the user has no mailbox now).
func (b *Batch) RemoveUserMailbox(userID string) { b.remove(tUserMailboxes, userID) }

// UserMailboxes returns the current mailbox purposes, by user id.
func (d *DB) UserMailboxes(ctx context.Context, conn Connection) ([]UserMailbox, error) {
	var out []UserMailbox
	err := d.selectCurrent(ctx, conn, "user mailboxes", "m", `SELECT m.user_id, m.purpose FROM user_mailboxes m WHERE m.connection_id = ? AND {cur} ORDER BY m.user_id`, nil,
		func(rows *sql.Rows) error {
			var m UserMailbox
			if err := rows.Scan(&m.UserID, &m.Purpose); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	return out, err
}
