package msgraph

import (
	"context"
	"encoding/json"
	"iter"
	"strings"
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
	// A large group's first delta round carries a million of these; the
	// common shape ({"@odata.type":"…","id":"…"}, plain strings) is read
	// directly, anything else by unmarshal (encoding/json's rules).
	if id, typ, ok := scanMemberRef(b); ok {
		*m = MemberDelta{ID: id, ODataType: typ}
		return nil
	}
	var w struct {
		ID        string          `json:"id"`
		ODataType string          `json:"@odata.type"`
		Removed   json.RawMessage `json:"@removed"`
	}
	if err := unmarshal(b, &w); err != nil {
		return err
	}
	*m = MemberDelta{ID: w.ID, ODataType: w.ODataType, Removed: len(w.Removed) > 0 && string(w.Removed) != "null"}
	return nil
}

// scanMemberRef reads an object of plain string properties among which
// "id" and "@odata.type" (others are ignored). ok is false for anything
// else (escapes, non-string values, "@removed"): the caller then decodes b
// with encoding/json, which also reports malformed input.
func scanMemberRef(b []byte) (id, typ string, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return "", "", false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return "", "", skipSpace(b, i+1) == len(b)
	}
	for {
		key, n, ok := plainString(b, i)
		if !ok {
			return "", "", false
		}
		i = skipSpace(b, n)
		if i >= len(b) || b[i] != ':' {
			return "", "", false
		}
		val, n, ok := plainString(b, skipSpace(b, i+1))
		if !ok {
			return "", "", false
		}
		switch {
		case key == "id":
			id = val
		case key == "@odata.type":
			typ = val
		case strings.EqualFold(key, "id") || strings.EqualFold(key, "@odata.type") || strings.EqualFold(key, "@removed"):
			// encoding/json matches names without regard to case.
			return "", "", false
		}
		i = skipSpace(b, n)
		if i >= len(b) {
			return "", "", false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return id, typ, skipSpace(b, i+1) == len(b)
		default:
			return "", "", false
		}
	}
}

// plainString reads a JSON string without escapes starting at b[i]; n is
// the index after its closing quote.
func plainString(b []byte, i int) (s string, n int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return string(b[i+1 : j]), j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", 0, false
		}
	}
	return "", 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
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
