package msgraph

import (
	"context"
	"encoding/json"
	"iter"
	"time"
)

// Group is microsoft.graph.group.
type Group struct {
	ID                    string            `json:"id"`
	DisplayName           string            `json:"displayName"`
	Description           string            `json:"description"`
	Mail                  string            `json:"mail"`
	MailNickname          string            `json:"mailNickname"`
	MailEnabled           *bool             `json:"mailEnabled"`
	SecurityEnabled       *bool             `json:"securityEnabled"`
	GroupTypes            []string          `json:"groupTypes"`
	Visibility            string            `json:"visibility"`
	CreatedDateTime       *time.Time        `json:"createdDateTime"`
	DeletedDateTime       *time.Time        `json:"deletedDateTime"`
	OnPremisesSyncEnabled *bool             `json:"onPremisesSyncEnabled"`
	MembershipRule        string            `json:"membershipRule"`
	IsAssignableToRole    *bool             `json:"isAssignableToRole"`
	AssignedLicenses      []AssignedLicense `json:"assignedLicenses"`
	// MembersDelta is members@delta in a groups delta response: members
	// added, or removed (Removed) since the previous round.
	MembersDelta []MemberDelta `json:"members@delta"`

	Raw json.RawMessage `json:"-"`
}

func (g *Group) setRaw(r json.RawMessage) { g.Raw = r }
func (g *Group) objectID() string         { return g.ID }

// IsUnified reports a Microsoft 365 group.
func (g *Group) IsUnified() bool {
	for _, t := range g.GroupTypes {
		if t == "Unified" {
			return true
		}
	}
	return false
}

// MemberDelta is one element of members@delta.
type MemberDelta struct {
	ID        string
	ODataType string // e.g. #microsoft.graph.user
	Removed   bool
}

// UnmarshalJSON reads a members@delta entry, whose removal marker is an
// "@removed" object rather than a property of the member.
func (m *MemberDelta) UnmarshalJSON(b []byte) error {
	var w struct {
		ID        string          `json:"id"`
		ODataType string          `json:"@odata.type"`
		Removed   json.RawMessage `json:"@removed"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = MemberDelta{ID: w.ID, ODataType: w.ODataType, Removed: len(w.Removed) > 0 && string(w.Removed) != "null"}
	return nil
}

// DirectoryObject is a member, owner or manager: any directory object,
// told apart by ODataType (#microsoft.graph.user, .group,
// .servicePrincipal, .device, .orgContact).
type DirectoryObject struct {
	ODataType         string `json:"@odata.type"`
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
	Mail              string `json:"mail"`

	Raw json.RawMessage `json:"-"`
}

func (d *DirectoryObject) setRaw(r json.RawMessage) { d.Raw = r }
func (d *DirectoryObject) objectID() string         { return d.ID }

// Groups lists /groups.
func (c *Client) Groups(ctx context.Context, o ListOptions) iter.Seq2[Group, error] {
	return listPath[Group](ctx, c, "/groups", o, maxPageDirectory)
}

// GroupMembers lists a group's direct members.
func (c *Client) GroupMembers(ctx context.Context, groupID string, o ListOptions) iter.Seq2[DirectoryObject, error] {
	return listPath[DirectoryObject](ctx, c, "/groups/"+pathEscape(groupID)+"/members", o, maxPageDirectory)
}

// GroupTransitiveMembers lists a group's members through nested groups.
func (c *Client) GroupTransitiveMembers(ctx context.Context, groupID string, o ListOptions) iter.Seq2[DirectoryObject, error] {
	return listPath[DirectoryObject](ctx, c, "/groups/"+pathEscape(groupID)+"/transitiveMembers", o, maxPageDirectory)
}

// GroupOwners lists a group's owners.
func (c *Client) GroupOwners(ctx context.Context, groupID string, o ListOptions) iter.Seq2[DirectoryObject, error] {
	return listPath[DirectoryObject](ctx, c, "/groups/"+pathEscape(groupID)+"/owners", o, maxPageDirectory)
}

// GroupMembersURL is the relative URL of a group's members at the maximum
// page size, for $batch (CollectBatched follows its nextLinks).
func GroupMembersURL(groupID string, sel []string) string {
	return relative("/groups/"+pathEscape(groupID)+"/members", ListOptions{Select: sel}.query(maxPageDirectory))
}

// GroupOwnersURL is GroupMembersURL for owners.
func GroupOwnersURL(groupID string, sel []string) string {
	return relative("/groups/"+pathEscape(groupID)+"/owners", ListOptions{Select: sel}.query(maxPageDirectory))
}
