package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

// groupSelect is what store.Group keeps, plus members (members@delta).
var groupSelect = []string{
	"id", "displayName", "description", "mail", "mailNickname", "mailEnabled", "securityEnabled", "groupTypes",
	"visibility", "createdDateTime", "onPremisesSyncEnabled", "membershipRule", "isAssignableToRole", "assignedLicenses",
	"members",
}

const groupsResourceName = "groups"

// groupsResource reads groups and their direct members with delta queries:
// the first round (full) carries every member in members@delta, later
// rounds only the changes, so memberships cost no per-group requests.
func groupsResource() *resource {
	return &resource{
		name: groupsResourceName, group: "groups", long: true, critical: true,
		perms:  []string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"},
		tables: []store.Table{store.TableGroups, store.TableGroupMembers},
		run:    syncGroups,
	}
}

func syncGroups(ctx context.Context, j *job) error {
	e := j.e
	if j.mode == store.ModeDelta {
		link, was, err := e.st.DeltaLink(ctx, e.conn, groupsResourceName)
		if err != nil {
			return err
		}
		if link != "" && was != groupsScope(e.o) {
			j.res.Message = "sync options changed (skip_onprem_groups); read all groups"
			link = ""
		}
		if link != "" {
			err := groupsRound(ctx, j, link)
			if !errors.Is(err, msgraph.ErrDeltaExpired) {
				return err
			}
			e.warn(groupsResourceName, "delta link expired; read all groups again")
			j.discard()
		}
		j.mode, j.res.Mode = store.ModeFull, store.ModeFull
	}
	if err := groupsRound(ctx, j, ""); err != nil {
		return err
	}
	return j.add(ctx, 0, func(b *store.Batch) {
		b.Sweep(store.TableGroups)
		b.Sweep(store.TableGroupMembers)
	})
}

// groupsRound runs one delta round; link "" is the initial (full) round.
func groupsRound(ctx context.Context, j *job, link string) error {
	e := j.e
	full := link == ""
	var sel []string
	if full {
		sel = groupSelect
	}
	// A group may come back on several pages (its members split across
	// them); count it once.
	counted := map[string]bool{}
	send, finish := pipeline(ctx, 16, func(p msgraph.DeltaPage[msgraph.Group]) error {
		for i := range p.Items {
			g := &p.Items[i]
			if e.o.SkipOnPremGroups && bv(g.OnPremisesSyncEnabled) {
				if !full {
					if err := j.add(ctx, 0, func(b *store.Batch) { b.RemoveGroup(g.ID) }); err != nil {
						return err
					}
				}
				continue
			}
			sg := storeGroup(g)
			n := 0
			if !counted[g.ID] {
				counted[g.ID] = true
				n = 1
				if !full {
					e.state.groupChanged(g.ID)
				}
			}
			err := j.add(ctx, n, func(b *store.Batch) {
				b.PutGroup(sg)
				for _, m := range g.MembersDelta {
					if m.Removed {
						b.RemoveGroupMember(g.ID, m.ID)
					} else {
						b.PutGroupMember(g.ID, store.DirectoryObjectRef{ID: m.ID, Type: objectType(m.ODataType)})
					}
				}
			})
			if err != nil {
				return err
			}
		}
		for _, r := range p.Removed {
			if err := j.add(ctx, 0, func(b *store.Batch) { b.RemoveGroup(r.ID) }); err != nil {
				return err
			}
		}
		return nil
	})
	next, err := e.g.GroupsDelta(ctx, link, sel, send)
	if ferr := finish(); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	e.run.SetDeltaLink(groupsResourceName, next, groupsScope(e.o))
	return nil
}

// listGroupIDs lists the ids of the groups the groups resource keeps (not
// those synced from on-premises when skip_onprem_groups is set).
func listGroupIDs(ctx context.Context, e *engine) ([]string, error) {
	var ids []string
	for g, err := range e.g.Groups(ctx, msgraph.ListOptions{Select: []string{"id", "onPremisesSyncEnabled"}}) {
		if err != nil {
			return nil, fmt.Errorf("list group ids: %w", err)
		}
		if e.o.SkipOnPremGroups && bv(g.OnPremisesSyncEnabled) {
			continue
		}
		ids = append(ids, g.ID)
	}
	return ids, nil
}

// groupsScope is what a groups delta link depends on.
func groupsScope(o *Options) string {
	if o.SkipOnPremGroups {
		return "skip_onprem_groups"
	}
	return "all"
}

func storeGroup(g *msgraph.Group) *store.Group {
	sg := &store.Group{
		ID: g.ID, DisplayName: g.DisplayName, Description: g.Description, Mail: g.Mail, MailNickname: g.MailNickname,
		MailEnabled: bv(g.MailEnabled), SecurityEnabled: bv(g.SecurityEnabled), GroupTypes: slices.Clone(g.GroupTypes),
		Visibility: g.Visibility, CreatedDateTime: tv(g.CreatedDateTime), OnPremisesSyncEnabled: g.OnPremisesSyncEnabled,
		MembershipRule: g.MembershipRule, IsAssignableToRole: bv(g.IsAssignableToRole),
		// members@delta is a delta round's, not a property of the group.
		Raw: msgraph.WithoutProperty(g.Raw, "members@delta"),
	}
	for _, l := range g.AssignedLicenses {
		sg.AssignedLicenses = append(sg.AssignedLicenses, store.GroupLicense{SkuID: l.SkuID, DisabledPlans: l.DisabledPlans})
	}
	return sg
}

// groupOwnersResource reads each group's owners through $batch. In a full
// run it lists the group ids itself (ten requests for 10,000 groups) and
// runs beside the groups delta round, the longest chain of requests in a
// sync, instead of after it; a delta run waits for the groups that changed.
func groupOwnersResource() *resource {
	return &resource{
		name: "groupOwners", group: "groups",
		perms:     []string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"},
		deps:      []string{groupsResourceName},
		deltaDeps: true,
		tables:    []store.Table{store.TableGroupOwners},
		fanout:    true,
		run: func(ctx context.Context, j *job) error {
			full, err := j.fanoutFull(ctx)
			if err != nil {
				return err
			}
			var ids []string
			switch {
			case full && j.e.mode == store.ModeFull:
				if ids, err = listGroupIDs(ctx, j.e); err != nil {
					return err
				}
			case full:
				if ids, err = j.e.run.GroupIDs(ctx); err != nil {
					return err
				}
			default:
				j.e.state.mu.Lock()
				ids = slices.Clone(j.e.state.changedGroups)
				j.e.state.mu.Unlock()
			}
			err = collectEach(ctx, j.e.g, ids, func(id string) string { return msgraph.GroupOwnersURL(id, []string{"id"}) },
				func(gid string, item json.RawMessage) error {
					id, typ, err := directoryRef(item)
					if err != nil {
						return err
					}
					return j.add(ctx, 1, func(b *store.Batch) { b.PutGroupOwner(gid, store.DirectoryObjectRef{ID: id, Type: typ}) })
				})
			if err != nil {
				return err
			}
			return j.add(ctx, 0, func(b *store.Batch) {
				if full {
					b.Sweep(store.TableGroupOwners)
					return
				}
				for _, id := range ids {
					b.SweepGroupOwners(id)
				}
			})
		},
	}
}
