package msgraph

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// AssignLicense adds and removes licences on a user (POST assignLicense).
// Both lists are sent even when empty, as Graph requires. remove holds
// skuIds. Group-inherited licences cannot be removed this way; Graph answers
// 400 Request_BadRequest.
func (c *Client) AssignLicense(ctx context.Context, userID string, add []AssignedLicense, remove []string) error {
	body := struct {
		AddLicenses    []AssignedLicense `json:"addLicenses"`
		RemoveLicenses []string          `json:"removeLicenses"`
	}{AddLicenses: make([]AssignedLicense, 0, len(add)), RemoveLicenses: make([]string, 0, len(remove))}
	for _, a := range add {
		if a.DisabledPlans == nil {
			a.DisabledPlans = []string{}
		}
		body.AddLicenses = append(body.AddLicenses, a)
	}
	body.RemoveLicenses = append(body.RemoveLicenses, remove...)
	u := c.url("v1.0", "/users/"+pathEscape(userID)+"/assignLicense", nil)
	return c.sendJSON(ctx, http.MethodPost, u, body, nil)
}

// SetAccountEnabled enables or blocks sign-in for a user (PATCH
// accountEnabled).
func (c *Client) SetAccountEnabled(ctx context.Context, userID string, enabled bool) error {
	u := c.url("v1.0", "/users/"+pathEscape(userID), nil)
	return c.sendJSON(ctx, http.MethodPatch, u, map[string]bool{"accountEnabled": enabled}, nil)
}

// RevokeSignInSessions invalidates a user's refresh tokens and session
// cookies. Graph has answered both 200 {"value":true} and 204; either is
// success.
func (c *Client) RevokeSignInSessions(ctx context.Context, userID string) error {
	u := c.url("v1.0", "/users/"+pathEscape(userID)+"/revokeSignInSessions", nil)
	return c.sendJSON(ctx, http.MethodPost, u, nil, nil)
}

// AddGroupMember adds a directory object to a group (POST members/$ref).
// A member that is already there counts as success, so the call is
// idempotent: a retry after a lost response, or an action applied twice,
// does not fail.
func (c *Client) AddGroupMember(ctx context.Context, groupID, memberID string) error {
	// The @odata.id names the object under this client's own Graph root, so
	// national clouds and the simulator get their own host.
	ref := map[string]string{"@odata.id": c.url("v1.0", "/directoryObjects/"+pathEscape(memberID), nil)}
	u := c.url("v1.0", "/groups/"+pathEscape(groupID)+"/members/$ref", nil)
	err := c.sendJSON(ctx, http.MethodPost, u, ref, nil)
	if alreadyMember(err) {
		return nil
	}
	return err
}

// alreadyMember recognises Graph's answer to adding a present member: 400
// Request_BadRequest "One or more added object references already exist for
// the following modified properties: 'members'." (graph-facts §6).
func alreadyMember(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusBadRequest &&
		strings.Contains(e.Message, "added object references already exist")
}

// RemoveGroupMember removes a direct member from a group (DELETE
// members/{id}/$ref). A member that is not there (404 naming the member, not
// the group) counts as success, so the call is idempotent like
// AddGroupMember; a missing group is still an error.
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, memberID string) error {
	u := c.url("v1.0", "/groups/"+pathEscape(groupID)+"/members/"+pathEscape(memberID)+"/$ref", nil)
	err := c.sendJSON(ctx, http.MethodDelete, u, nil, nil)
	var e *Error
	if errors.As(err, &e) && e.StatusCode == http.StatusNotFound &&
		strings.Contains(strings.ToLower(e.Message), "'"+strings.ToLower(memberID)+"'") &&
		!strings.Contains(strings.ToLower(e.Message), "'"+strings.ToLower(groupID)+"'") {
		return nil
	}
	return err
}
