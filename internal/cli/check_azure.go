package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// armSubscriptionsAPI is the api-version of GET /subscriptions (graph-facts §11).
const armSubscriptionsAPI = "2022-12-01"

// probeARM lists the subscriptions the app can read. Tokens do not carry
// Azure RBAC roles, so this is how check learns whether the azure feature
// will find anything. It returns "" when at least one subscription is
// readable, else the reason.
func probeARM(ctx context.Context, conn *Conn) string {
	if conn.Profile.ARMURL == "" {
		return "no Azure Resource Manager endpoint is configured (endpoints.arm)"
	}
	tok, err := conn.Credential.ARM().Token(ctx)
	if err != nil {
		return "cannot sign in to Azure Resource Manager: " + err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, conn.Profile.ARMURL+"/subscriptions?api-version="+armSubscriptionsAPI, nil)
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := conn.HTTP.Do(req)
	if err != nil {
		return "Azure Resource Manager unreachable: " + err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return "Azure Resource Manager: " + err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		return fmt.Sprintf("GET /subscriptions: %d %s: grant the app Reader on the subscriptions to sync", resp.StatusCode, e.Error.Code)
	}
	var list struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return "GET /subscriptions: unreadable answer: " + err.Error()
	}
	if len(list.Value) == 0 {
		return "the app holds no role on any Azure subscription: assign it Reader on each subscription to sync (or remove azure from sync.resources)"
	}
	return ""
}
