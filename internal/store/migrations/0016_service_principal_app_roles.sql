-- 0016: the app roles each service principal defines (appRoles): the
-- names of the application permissions and app roles granted through
-- app_role_assignments (Microsoft Graph's User.Read.All is an app role of
-- its service principal in the tenant). A child of service_principals,
-- swept with it.
CREATE TABLE service_principal_app_roles (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    service_principal_id TEXT NOT NULL,
    app_role_id          TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    value                TEXT NOT NULL, -- e.g. User.Read.All; "" for a role without one
    display_name         TEXT NOT NULL,
    allowed_member_types TEXT NOT NULL, -- JSON list: Application, User
    is_enabled           BOOLEAN NOT NULL,
    PRIMARY KEY (connection_id, service_principal_id, app_role_id, valid_from)
) WITHOUT ROWID;
