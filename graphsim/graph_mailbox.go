package graphsim

// Per-user mailbox settings (GET /users/{id}/mailboxSettings and
// .../mailboxSettings/userPurpose), served by Exchange Online behind Graph:
// its own permission (MailboxSettings.Read), error codes and $select
// wording. Shapes as user-get-mailboxsettings Examples 1 and 4
// (shared/graph-examples/v1.0_users_mailboxSettings*.json).

import (
	"net/http"
	"strings"
	"time"
)

// user-get-mailboxsettings: MailboxSettings.Read (least privileged).
var permsMailboxSettings = []string{"MailboxSettings.Read", "MailboxSettings.ReadWrite"}

// mailboxError answers a mailbox request for a user Exchange cannot serve:
// an unknown user, or one without an Exchange Online mailbox. Wording as
// Exchange-backed Graph endpoints send it (observed: ErrorInvalidUser;
// MailboxNotEnabledForRESTAPI, 404).
func mailboxError(u *User, key string) *APIError {
	if u == nil {
		return &APIError{Status: http.StatusNotFound, Code: "ErrorInvalidUser", Message: "The requested user '" + key + "' is invalid."}
	}
	if u.MailboxPurpose == "" {
		return &APIError{Status: http.StatusNotFound, Code: "MailboxNotEnabledForRESTAPI", Message: "The mailbox is either inactive, soft-deleted, or is hosted on-premise."}
	}
	return nil
}

func (s *Server) getMailboxSettings(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(permsMailboxSettings...) {
		writeGraphError(w, r, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	t := c.Tenant
	key := r.PathValue("id")
	t.mu.RLock()
	u := userLocked(t, key)
	if e := mailboxError(u, key); e != nil {
		t.mu.RUnlock()
		writeAPIError(w, r, e)
		return
	}
	body := renderMailboxSettings(u)
	id := u.ID
	t.mu.RUnlock()
	var sel []string
	if raw := r.URL.Query().Get("$select"); raw != "" {
		for _, p := range strings.Split(raw, ",") {
			p = strings.TrimSpace(p)
			if _, ok := body.get(p); !ok {
				writeGraphError(w, r, http.StatusBadRequest, "RequestBroker--ParseUri", "Could not find a property named '"+p+"' on type 'microsoft.graph.mailboxSettings'.")
				return
			}
			sel = append(sel, p)
		}
		body = project(body, sel, nil)
	}
	ctx := baseURL(r) + "/" + versionOf(r) + "/$metadata#users('" + id + "')/mailboxSettings"
	if sel != nil {
		ctx += "(" + strings.Join(sel, ",") + ")"
	}
	writeJSON(w, http.StatusOK, append(entity{{"@odata.context", ctx}}, body...))
}

func (s *Server) getMailboxUserPurpose(w http.ResponseWriter, r *http.Request, c *Caller) {
	if !c.Has(permsMailboxSettings...) {
		writeGraphError(w, r, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	t := c.Tenant
	key := r.PathValue("id")
	t.mu.RLock()
	u := userLocked(t, key)
	if e := mailboxError(u, key); e != nil {
		t.mu.RUnlock()
		writeAPIError(w, r, e)
		return
	}
	id, purpose := u.ID, u.MailboxPurpose
	t.mu.RUnlock()
	writeJSON(w, http.StatusOK, entity{
		{"@odata.context", baseURL(r) + "/" + versionOf(r) + "/$metadata#users('" + id + "')/mailboxSettings/userPurpose"},
		{"value", purpose},
	})
}

// renderMailboxSettings renders the mailboxSettings of a user with a
// mailbox. Exchange Online defaults for a mailbox nobody customised:
// automatic replies off, Monday-Friday 08:00-17:00 working hours in the
// mailbox's time zone.
func renderMailboxSettings(u *User) entity {
	locale := u.PreferredLanguage
	if locale == "" {
		locale = "en-US"
	}
	tz := timeZoneForUsageLocation(u.UsageLocation)
	start := u.CreatedDateTime.UTC().Truncate(time.Hour)
	return entity{
		{"automaticRepliesSetting", entity{
			{"status", "disabled"},
			{"externalAudience", "all"},
			// Exchange seeds the (unused) schedule with the hour the mailbox
			// was created and the day after.
			{"scheduledStartDateTime", entity{{"dateTime", exchangeDateTime(start)}, {"timeZone", "UTC"}}},
			{"scheduledEndDateTime", entity{{"dateTime", exchangeDateTime(start.Add(24 * time.Hour))}, {"timeZone", "UTC"}}},
			{"internalReplyMessage", ""},
			{"externalReplyMessage", ""},
		}},
		{"timeZone", tz},
		{"language", entity{{"locale", locale}, {"displayName", languageDisplayName(locale)}}},
		{"workingHours", entity{
			{"daysOfWeek", []string{"monday", "tuesday", "wednesday", "thursday", "friday"}},
			{"startTime", "08:00:00.0000000"},
			{"endTime", "17:00:00.0000000"},
			{"timeZone", entity{{"name", tz}}},
		}},
		// The documented example wraps userPurpose in an object; see
		// graph-facts §4.
		{"userPurpose", entity{{"value", u.MailboxPurpose}}},
		{"dateFormat", "M/d/yyyy"},
		{"timeFormat", "h:mm tt"},
		{"delegateMeetingMessageDeliveryOptions", "sendToDelegateOutOfOffice"},
	}
}

// exchangeDateTime formats a dateTimeTimeZone.dateTime as Exchange does:
// seven fractional digits, no offset.
func exchangeDateTime(t time.Time) string {
	return t.Format("2006-01-02T15:04:05.0000000")
}

// timeZoneForUsageLocation picks a Windows time zone name for the country a
// mailbox was created in.
func timeZoneForUsageLocation(country string) string {
	switch strings.ToUpper(country) {
	case "US":
		return "Pacific Standard Time"
	case "CA":
		return "Eastern Standard Time"
	case "GB", "IE":
		return "GMT Standard Time"
	case "DE", "FR", "NL", "BE", "ES", "IT", "AT", "CH", "SE", "NO", "DK", "PL":
		return "W. Europe Standard Time"
	case "IN":
		return "India Standard Time"
	case "JP":
		return "Tokyo Standard Time"
	case "AU":
		return "AUS Eastern Standard Time"
	case "BR":
		return "E. South America Standard Time"
	}
	return "UTC"
}

func languageDisplayName(locale string) string {
	names := map[string]string{
		"en-US": "English (United States)",
		"en-GB": "English (United Kingdom)",
		"de-DE": "German (Germany)",
		"fr-FR": "French (France)",
		"es-ES": "Spanish (Spain)",
		"nl-NL": "Dutch (Netherlands)",
		"ja-JP": "Japanese (Japan)",
		"pt-BR": "Portuguese (Brazil)",
		"it-IT": "Italian (Italy)",
		"sv-SE": "Swedish (Sweden)",
	}
	if n, ok := names[locale]; ok {
		return n
	}
	return locale
}
