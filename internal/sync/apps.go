package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/tenantscope/tenantscope/internal/msgraph"
	"github.com/tenantscope/tenantscope/internal/store"
)

var appReadPerms = []string{"Application.Read.All", "Directory.Read.All"}

const servicePrincipalsResourceName = "servicePrincipals"

// servicePrincipalsResource: enterprise applications and managed
// identities.
func servicePrincipalsResource() *resource {
	return &resource{
		name: servicePrincipalsResourceName, group: "apps",
		perms:  appReadPerms,
		tables: []store.Table{store.TableServicePrincipals},
		run: func(ctx context.Context, j *job) error {
			// appRoles names the application permissions and app roles
			// that app role assignments grant (by id); it is kept in a
			// table of its own, not in the raw JSON (Microsoft Graph's
			// service principal defines hundreds).
			sel := []string{"id", "appId", "displayName", "servicePrincipalType", "accountEnabled", "appOwnerOrganizationId",
				"appRoleAssignmentRequired", "publisherName", "tags", "appRoles"}
			for s, err := range j.e.g.ServicePrincipals(ctx, msgraph.ListOptions{Select: sel}) {
				if err != nil {
					return err
				}
				sp := &store.ServicePrincipal{ID: s.ID, AppID: s.AppID, DisplayName: s.DisplayName,
					ServicePrincipalType: s.ServicePrincipalType, AccountEnabled: bv(s.AccountEnabled),
					AppOwnerOrganizationID: s.AppOwnerOrganizationID, AppRoleAssignmentRequired: bv(s.AppRoleAssignmentRequired),
					PublisherName: s.PublisherName, Tags: s.Tags, Raw: msgraph.WithoutProperty(s.Raw, "appRoles")}
				for _, r := range s.AppRoles {
					sp.AppRoles = append(sp.AppRoles, store.AppRole{ID: r.ID, Value: r.Value, DisplayName: r.DisplayName,
						AllowedMemberTypes: r.AllowedMemberTypes, IsEnabled: r.IsEnabled})
				}
				err := j.add(ctx, 1, func(b *store.Batch) { b.PutServicePrincipal(sp) })
				if err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableServicePrincipals) })
		},
	}
}

// applicationsResource: app registrations with their credentials' key ids
// and validity (never secret text), including the connector's own.
func applicationsResource() *resource {
	return &resource{
		name: "applications", group: "apps", alias: "app_credentials",
		perms:  appReadPerms,
		tables: []store.Table{store.TableApplications},
		run: func(ctx context.Context, j *job) error {
			sel := []string{"id", "appId", "displayName", "createdDateTime", "signInAudience", "passwordCredentials", "keyCredentials"}
			for a, err := range j.e.g.Applications(ctx, msgraph.ListOptions{Select: sel}) {
				if err != nil {
					return err
				}
				sa := &store.Application{ID: a.ID, AppID: a.AppID, DisplayName: a.DisplayName, CreatedDateTime: tv(a.CreatedDateTime),
					SignInAudience: a.SignInAudience, Raw: scrubSecrets(a.Raw)}
				for _, p := range a.PasswordCredentials {
					sa.Credentials = append(sa.Credentials, store.AppCredential{KeyID: p.KeyID, Kind: store.CredentialPassword,
						DisplayName: p.DisplayName, Hint: p.Hint, StartDateTime: tv(p.StartDateTime), EndDateTime: tv(p.EndDateTime)})
				}
				for _, k := range a.KeyCredentials {
					sa.Credentials = append(sa.Credentials, store.AppCredential{KeyID: k.KeyID, Kind: store.CredentialCertificate,
						DisplayName: k.DisplayName, StartDateTime: tv(k.StartDateTime), EndDateTime: tv(k.EndDateTime)})
				}
				if err := j.add(ctx, 1, func(b *store.Batch) { b.PutApplication(sa) }); err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableApplications) })
		},
	}
}

// scrubSecrets drops any secretText and key material from an
// application's JSON. Graph does not return them from reads; this makes
// sure nothing secret reaches the database even if a payload did.
func scrubSecrets(raw json.RawMessage) json.RawMessage {
	if !bytes.Contains(raw, []byte(`"secretText":"`)) && !bytes.Contains(raw, []byte(`"key":"`)) {
		return raw
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	for _, field := range []string{"passwordCredentials", "keyCredentials"} {
		var creds []map[string]json.RawMessage
		if err := json.Unmarshal(m[field], &creds); err != nil {
			delete(m, field)
			continue
		}
		for _, c := range creds {
			delete(c, "secretText")
			delete(c, "key")
		}
		b, _ := json.Marshal(creds)
		m[field] = b
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return b
}

var appRoleAssignmentSelect = []string{"id", "appRoleId", "createdDateTime", "principalDisplayName", "principalId", "principalType", "resourceDisplayName", "resourceId"}

// appRoleAssignmentsResource reads who is assigned to each service
// principal (appRoleAssignedTo), batched per service principal.
func appRoleAssignmentsResource() *resource {
	return &resource{
		name: "appRoleAssignments", group: "apps",
		perms:  appReadPerms,
		deps:   []string{servicePrincipalsResourceName},
		tables: []store.Table{store.TableAppRoleAssignments},
		fanout: true,
		run: func(ctx context.Context, j *job) error {
			full, err := j.fanoutFull(ctx)
			if err != nil || !full {
				return err
			}
			ids, err := j.e.run.ServicePrincipalIDs(ctx)
			if err != nil {
				return err
			}
			err = collectEach(ctx, j.e.g, ids, func(id string) string { return msgraph.AppRoleAssignedToURL(id, appRoleAssignmentSelect) },
				func(_ string, item json.RawMessage) error {
					var a msgraph.AppRoleAssignment
					if err := json.Unmarshal(item, &a); err != nil {
						return fmt.Errorf("decode app role assignment: %w", err)
					}
					return j.add(ctx, 1, func(b *store.Batch) {
						b.PutAppRoleAssignment(&store.AppRoleAssignment{ID: a.ID, ResourceID: a.ResourceID, AppRoleID: a.AppRoleID,
							PrincipalID: a.PrincipalID, PrincipalType: a.PrincipalType, PrincipalDisplayName: a.PrincipalDisplayName,
							ResourceDisplayName: a.ResourceDisplayName, CreatedDateTime: tv(a.CreatedDateTime)})
					})
				})
			if err != nil {
				return err
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableAppRoleAssignments) })
		},
	}
}

func oauth2GrantsResource() *resource {
	return &resource{
		name: "oauth2Grants", group: "apps", alias: "oauth2_grants",
		perms:  []string{"Directory.Read.All", "DelegatedPermissionGrant.Read.All"},
		tables: []store.Table{store.TableOAuth2PermissionGrant},
		run: func(ctx context.Context, j *job) error {
			for g, err := range j.e.g.OAuth2PermissionGrants(ctx, msgraph.ListOptions{Select: []string{"id", "clientId", "consentType", "principalId", "resourceId", "scope"}}) {
				if err != nil {
					return err
				}
				err := j.add(ctx, 1, func(b *store.Batch) {
					b.PutOAuth2PermissionGrant(&store.OAuth2PermissionGrant{ID: g.ID, ClientID: g.ClientID, ConsentType: g.ConsentType,
						PrincipalID: g.PrincipalID, ResourceID: g.ResourceID, Scope: g.Scope})
				})
				if err != nil {
					return err
				}
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableOAuth2PermissionGrant) })
		},
	}
}

// syncJobsResource reads SCIM provisioning jobs per service principal.
func syncJobsResource() *resource {
	return &resource{
		name: "syncJobs", group: "apps", alias: "provisioning_jobs",
		perms:  []string{"Synchronization.Read.All"},
		deps:   []string{servicePrincipalsResourceName},
		tables: []store.Table{store.TableSynchronizationJobs},
		fanout: true,
		run: func(ctx context.Context, j *job) error {
			full, err := j.fanoutFull(ctx)
			if err != nil || !full {
				return err
			}
			ids, err := j.e.run.ServicePrincipalIDs(ctx)
			if err != nil {
				return err
			}
			err = collectEach(ctx, j.e.g, ids, func(id string) string { return "/servicePrincipals/" + id + "/synchronization/jobs" },
				func(spID string, item json.RawMessage) error {
					var sj msgraph.SynchronizationJob
					if err := json.Unmarshal(item, &sj); err != nil {
						return fmt.Errorf("decode synchronization job: %w", err)
					}
					row := &store.SynchronizationJob{ServicePrincipalID: spID, ID: sj.ID, TemplateID: sj.TemplateID,
						ScheduleInterval: sj.Schedule.Interval, ScheduleState: sj.Schedule.State, StatusCode: sj.Status.Code,
						Quarantined: sj.Status.Quarantine != nil, Raw: item}
					if x := sj.Status.LastExecution; x != nil {
						row.LastExecution = tv(x.TimeBegan)
					}
					if x := sj.Status.LastSuccessfulExecution; x != nil {
						row.LastSuccessful = tv(x.TimeBegan)
					}
					return j.add(ctx, 1, func(b *store.Batch) { b.PutSynchronizationJob(row) })
				})
			if err != nil {
				return err
			}
			return j.add(ctx, 0, func(b *store.Batch) { b.Sweep(store.TableSynchronizationJobs) })
		},
	}
}
