package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

// userSelect is exactly what store.User keeps (the columns drive the
// request).
var userSelect = []string{
	"id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "accountEnabled", "userType",
	"createdDateTime", "department", "jobTitle", "companyName", "officeLocation", "usageLocation", "employeeId",
	"onPremisesSyncEnabled", "assignedLicenses", "licenseAssignmentStates",
}

const usersResourceName = "users"

func usersResource() *resource {
	return &resource{
		name: usersResourceName, group: "users", long: true,
		perms:  []string{"User.Read.All", "Directory.Read.All"},
		tables: []store.Table{store.TableUsers, store.TableUserManagers},
		run:    syncUsers,
	}
}

func syncUsers(ctx context.Context, j *job) error {
	e := j.e
	scope := usersScope(e.o)
	if j.mode == store.ModeDelta {
		link, was, err := e.st.DeltaLink(ctx, e.conn, usersResourceName)
		if err != nil {
			return err
		}
		if link != "" && was != scope {
			j.res.Message = "sync options changed (domains); listed all users"
			link = ""
		}
		if link != "" {
			err := usersDelta(ctx, j, link)
			if !errors.Is(err, msgraph.ErrDeltaExpired) {
				return err
			}
			e.warn(usersResourceName, "delta link expired; listed all users again")
			j.discard()
		}
		j.mode, j.res.Mode = store.ModeFull, store.ModeFull
	}
	return usersFull(ctx, j)
}

// usersFull lists every user at the maximum page size with the manager
// expanded, after taking the delta link for "now" ($deltatoken=latest), so
// changes made while listing are replayed by the next delta round.
func usersFull(ctx context.Context, j *job) error {
	e := j.e
	var next string
	if e.o.GraphBaseURL != "" {
		latest := strings.TrimRight(e.o.GraphBaseURL, "/") + "/v1.0/users/delta?$select=" + strings.Join(userSelect, ",") + "&$deltatoken=latest"
		l, err := e.g.UsersDelta(ctx, latest, nil, func(msgraph.DeltaPage[msgraph.User]) error { return nil })
		if err != nil {
			return fmt.Errorf("latest delta link: %w", err)
		}
		next = l
	}
	filter := newDomainFilter(e.o.Domains)
	n := 0
	for u, err := range e.g.Users(ctx, msgraph.ListOptions{Select: userSelect, Expand: "manager($select=id)"}) {
		if err != nil {
			return fmt.Errorf("after %d users: %w", n, err)
		}
		n++
		if !filter.admits(u.UserPrincipalName) {
			continue
		}
		su := storeUser(&u)
		manager := ""
		if u.Manager != nil {
			manager = u.Manager.ID
		}
		// No manager: nothing to write; the sweep below closes a stale one.
		err := j.add(ctx, 1, func(b *store.Batch) {
			b.PutUser(su)
			if manager != "" {
				b.PutUserManager(su.ID, manager)
			}
		})
		if err != nil {
			return err
		}
	}
	if err := j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableUsers); b.Sweep(store.TableUserManagers) }); err != nil {
		return err
	}
	if next == "" {
		// No Graph base to ask for "latest": a full delta round gives the
		// link (its items were just listed).
		l, err := e.g.UsersDelta(ctx, "", []string{"id"}, func(msgraph.DeltaPage[msgraph.User]) error { return nil })
		if err != nil {
			return fmt.Errorf("delta link: %w", err)
		}
		next = l
	}
	e.run.SetDeltaLink(usersResourceName, next, usersScope(e.o))
	return nil
}

// usersScope is what a users delta link depends on: the domains filter.
func usersScope(o *Options) string {
	f := newDomainFilter(o.Domains)
	if f == nil {
		return "domains=*"
	}
	ds := make([]string, 0, len(f))
	for d := range f {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return "domains=" + strings.Join(ds, ",")
}

// usersDelta applies one delta round: changed users as delta returns them,
// removed ones closed (with what names them, including the manager
// reference of their reports, which Entra ID clears). Delta does not carry
// the manager, so new users' managers are read through $batch; an existing
// user's manager is refreshed by the managers resource.
func usersDelta(ctx context.Context, j *job, link string) error {
	e := j.e
	filter := newDomainFilter(e.o.Domains)
	next, err := e.g.UsersDelta(ctx, link, nil, func(p msgraph.DeltaPage[msgraph.User]) error {
		ids := make([]string, 0, len(p.Items))
		for i := range p.Items {
			ids = append(ids, p.Items[i].ID)
		}
		// Known = in the copy before this round. A user on two pages of
		// the round may look new twice; that costs one more manager read.
		t0 := e.o.Now()
		known, err := e.run.ExistingUsers(ctx, ids)
		if err != nil {
			return err
		}
		t1 := e.o.Now()
		var fresh []string
		for i := range p.Items {
			u := &p.Items[i]
			if !filter.admits(u.UserPrincipalName) {
				// Out of scope now; it may have been in scope before.
				if err := j.add(ctx, 0, func(b *store.Batch) { b.RemoveUser(u.ID) }); err != nil {
					return err
				}
				continue
			}
			su := storeUser(u)
			if !known[u.ID] {
				fresh = append(fresh, u.ID)
			}
			e.state.userChanged(su.ID, su.Mail != "")
			if err := j.add(ctx, 1, func(b *store.Batch) { b.PutUser(su) }); err != nil {
				return err
			}
		}
		t2 := e.o.Now()
		managers, err := managersOf(ctx, e.g, fresh)
		if err != nil {
			return err
		}
		e.o.Logger.Debug("users delta page", "changed", len(p.Items), "new", len(fresh), "removed", len(p.Removed),
			"lookup", t1.Sub(t0), "queue", t2.Sub(t1), "managers", e.o.Now().Sub(t2))
		for _, id := range fresh {
			if err := j.add(ctx, 0, func(b *store.Batch) { b.PutUserManager(id, managers[id]) }); err != nil {
				return err
			}
		}
		for _, r := range p.Removed {
			if err := j.add(ctx, 0, func(b *store.Batch) { b.RemoveUser(r.ID) }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.run.SetDeltaLink(usersResourceName, next, usersScope(e.o))
	return nil
}

// managersOf reads each user's manager id through $batch (404: none).
func managersOf(ctx context.Context, g Graph, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	reqs := make([]msgraph.BatchRequest, len(ids))
	for i, id := range ids {
		reqs[i] = msgraph.BatchRequest{ID: strconv.Itoa(i), Method: http.MethodGet, URL: "/users/" + url.PathEscape(id) + "/manager?$select=id"}
	}
	resps, err := g.Batch(ctx, reqs)
	if err != nil {
		return nil, fmt.Errorf("managers: %w", err)
	}
	for i, r := range resps {
		if r.Status == http.StatusNotFound {
			continue
		}
		if err := r.Err(reqs[i]); err != nil {
			return nil, fmt.Errorf("manager of %s: %w", ids[i], err)
		}
		var m struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r.Body, &m); err != nil {
			return nil, fmt.Errorf("manager of %s: %w", ids[i], err)
		}
		out[ids[i]] = m.ID
	}
	return out, nil
}

// managersResource refreshes every user's manager on delta runs when the
// last refresh is older than FanoutMaxAge (full runs read managers with the
// users listing): one light listing, 999 users a page.
func managersResource() *resource {
	return &resource{
		name: "managers", group: "users", long: true,
		perms:  []string{"User.Read.All", "Directory.Read.All"},
		deps:   []string{usersResourceName},
		tables: []store.Table{store.TableUserManagers},
		fanout: true,
		run: func(ctx context.Context, j *job) error {
			if j.mode == store.ModeFull {
				return nil // the users listing expanded every manager
			}
			full, err := j.fanoutFull(ctx)
			if err != nil || !full {
				return err
			}
			filter := newDomainFilter(j.e.o.Domains)
			n := 0
			for u, err := range j.e.g.Users(ctx, msgraph.ListOptions{Select: []string{"id", "userPrincipalName"}, Expand: "manager($select=id)"}) {
				if err != nil {
					return fmt.Errorf("after %d users: %w", n, err)
				}
				n++
				if !filter.admits(u.UserPrincipalName) {
					continue
				}
				manager := ""
				if u.Manager != nil {
					manager = u.Manager.ID
				}
				if err := j.add(ctx, 1, func(b *store.Batch) { b.PutUserManager(u.ID, manager) }); err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableUserManagers) })
		},
	}
}

func storeUser(u *msgraph.User) *store.User {
	su := &store.User{
		ID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName, GivenName: u.GivenName, Surname: u.Surname,
		Mail: u.Mail, AccountEnabled: bv(u.AccountEnabled), UserType: u.UserType, CreatedDateTime: tv(u.CreatedDateTime),
		Department: u.Department, JobTitle: u.JobTitle, CompanyName: u.CompanyName, OfficeLocation: u.OfficeLocation,
		UsageLocation: u.UsageLocation, EmployeeID: u.EmployeeID, OnPremisesSyncEnabled: u.OnPremisesSyncEnabled, Raw: u.Raw,
	}
	seen := map[string]bool{}
	for _, s := range u.LicenseAssignmentStates {
		by := ""
		if s.AssignedByGroup != nil {
			by = *s.AssignedByGroup
		}
		key := strings.ToLower(s.SkuID) + "|" + strings.ToLower(by)
		if seen[key] {
			continue
		}
		seen[key] = true
		su.Licenses = append(su.Licenses, store.UserLicense{SkuID: s.SkuID, AssignedByGroup: by, DisabledPlans: s.DisabledPlans,
			State: s.State, Error: s.Error, LastUpdatedDateTime: tv(s.LastUpdatedDateTime)})
	}
	// A licence in assignedLicenses without a state row (older payloads)
	// is recorded as direct with an unknown state, never dropped.
	for _, l := range u.AssignedLicenses {
		found := false
		for k := range seen {
			if strings.HasPrefix(k, strings.ToLower(l.SkuID)+"|") {
				found = true
				break
			}
		}
		if !found {
			seen[strings.ToLower(l.SkuID)+"|"] = true
			su.Licenses = append(su.Licenses, store.UserLicense{SkuID: l.SkuID, DisabledPlans: l.DisabledPlans})
		}
	}
	return su
}
