-- 0001: connections, sync runs and the versioned tenant copy.
--
-- Every entity table is versioned by generation: a row is visible in
-- generation G when valid_from <= G and (valid_to IS NULL or valid_to > G).
-- A run writes under a new generation and the connection's
-- current_generation moves to it only in the run's final commit, so readers
-- never see a half-written copy. seen_gen marks the rows a run has confirmed
-- unchanged (hash equal); a full pass closes the open rows it did not see.

CREATE TABLE connections (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL UNIQUE,
    tenant_id          TEXT    NOT NULL DEFAULT '',
    current_generation INTEGER NOT NULL DEFAULT 0,
    next_generation    INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT    NOT NULL
);

CREATE TABLE sync_runs (
    id             INTEGER PRIMARY KEY,
    connection_id  INTEGER NOT NULL REFERENCES connections(id),
    generation     INTEGER NOT NULL,
    mode           TEXT    NOT NULL, -- full | delta
    status         TEXT    NOT NULL, -- running | succeeded | failed
    started_at     TEXT    NOT NULL,
    finished_at    TEXT,
    requests       INTEGER NOT NULL DEFAULT 0,
    batch_requests INTEGER NOT NULL DEFAULT 0,
    throttled      INTEGER NOT NULL DEFAULT 0,
    retries        INTEGER NOT NULL DEFAULT 0,
    error          TEXT    NOT NULL DEFAULT '',
    -- heartbeat_at tells a live run from one whose process died.
    heartbeat_at   TEXT    NOT NULL
);
CREATE INDEX sync_runs_connection ON sync_runs(connection_id, id);

CREATE TABLE sync_run_resources (
    run_id      INTEGER NOT NULL REFERENCES sync_runs(id),
    resource    TEXT    NOT NULL,
    status      TEXT    NOT NULL, -- ok | off | skipped | failed
    mode        TEXT    NOT NULL DEFAULT '', -- full | delta
    items       INTEGER NOT NULL DEFAULT 0,
    removed     INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    message     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, resource)
);

CREATE TABLE sync_run_messages (
    run_id   INTEGER NOT NULL REFERENCES sync_runs(id),
    seq      INTEGER NOT NULL,
    level    TEXT    NOT NULL, -- warning | error
    resource TEXT    NOT NULL,
    message  TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Delta links are staged under the run's generation and used only once that
-- generation is (or was) current, so a failed run's links are never used.
CREATE TABLE delta_links (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    resource      TEXT    NOT NULL,
    generation    INTEGER NOT NULL,
    link          TEXT    NOT NULL,
    PRIMARY KEY (connection_id, resource, generation)
);

CREATE TABLE organization (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    created_at   TEXT,
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX organization_open ON organization(connection_id, id) WHERE valid_to IS NULL;

CREATE TABLE domains (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    authentication_type TEXT    NOT NULL,
    is_default          BOOLEAN NOT NULL,
    is_initial          BOOLEAN NOT NULL,
    is_verified         BOOLEAN NOT NULL,
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX domains_open ON domains(connection_id, id) WHERE valid_to IS NULL;

CREATE TABLE identity_providers (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    odata_type             TEXT NOT NULL,
    display_name           TEXT NOT NULL,
    identity_provider_type TEXT NOT NULL,
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX identity_providers_open ON identity_providers(connection_id, id) WHERE valid_to IS NULL;

CREATE TABLE users (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    user_principal_name      TEXT    NOT NULL,
    display_name             TEXT    NOT NULL,
    given_name               TEXT    NOT NULL,
    surname                  TEXT    NOT NULL,
    mail                     TEXT    NOT NULL,
    account_enabled          BOOLEAN NOT NULL,
    user_type                TEXT    NOT NULL,
    created_at               TEXT,
    department               TEXT    NOT NULL,
    job_title                TEXT    NOT NULL,
    company_name             TEXT    NOT NULL,
    office_location          TEXT    NOT NULL,
    usage_location           TEXT    NOT NULL,
    employee_id              TEXT    NOT NULL,
    on_premises_sync_enabled BOOLEAN, -- NULL: never synced from on-premises
    manager_id               TEXT    NOT NULL,
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX users_open ON users(connection_id, id) WHERE valid_to IS NULL;
CREATE INDEX users_upn ON users(connection_id, user_principal_name);

-- One row per licenseAssignmentState: a user can hold a SKU directly
-- (assigned_by_group '') and through one or more groups at once.
CREATE TABLE user_licenses (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_id           TEXT NOT NULL,
    sku_id            TEXT NOT NULL,
    assigned_by_group TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    disabled_plans TEXT NOT NULL, -- JSON array of service plan ids
    state          TEXT NOT NULL,
    error          TEXT NOT NULL,
    last_updated_at TEXT,
    PRIMARY KEY (connection_id, user_id, sku_id, assigned_by_group, valid_from)
);
CREATE UNIQUE INDEX user_licenses_open ON user_licenses(connection_id, user_id, sku_id, assigned_by_group) WHERE valid_to IS NULL;
CREATE INDEX user_licenses_sku ON user_licenses(connection_id, sku_id);

CREATE TABLE user_sign_ins (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    last_sign_in_at                 TEXT,
    last_non_interactive_sign_in_at TEXT,
    last_successful_sign_in_at      TEXT,
    PRIMARY KEY (connection_id, user_id, valid_from)
);
CREATE UNIQUE INDEX user_sign_ins_open ON user_sign_ins(connection_id, user_id) WHERE valid_to IS NULL;

CREATE TABLE user_mailboxes (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    purpose TEXT NOT NULL, -- user | shared | room | equipment | linked | others
    PRIMARY KEY (connection_id, user_id, valid_from)
);
CREATE UNIQUE INDEX user_mailboxes_open ON user_mailboxes(connection_id, user_id) WHERE valid_to IS NULL;

CREATE TABLE subscribed_skus (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    sku_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    sku_part_number    TEXT    NOT NULL,
    capability_status  TEXT    NOT NULL,
    applies_to         TEXT    NOT NULL,
    consumed_units     INTEGER NOT NULL,
    prepaid_enabled    INTEGER NOT NULL,
    prepaid_suspended  INTEGER NOT NULL,
    prepaid_warning    INTEGER NOT NULL,
    prepaid_locked_out INTEGER NOT NULL,
    raw TEXT,
    PRIMARY KEY (connection_id, sku_id, valid_from)
);
CREATE UNIQUE INDEX subscribed_skus_open ON subscribed_skus(connection_id, sku_id) WHERE valid_to IS NULL;

CREATE TABLE sku_service_plans (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    sku_id          TEXT NOT NULL,
    service_plan_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    service_plan_name   TEXT NOT NULL,
    provisioning_status TEXT NOT NULL,
    applies_to          TEXT NOT NULL,
    PRIMARY KEY (connection_id, sku_id, service_plan_id, valid_from)
);
CREATE UNIQUE INDEX sku_service_plans_open ON sku_service_plans(connection_id, sku_id, service_plan_id) WHERE valid_to IS NULL;

CREATE TABLE company_subscriptions (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    commerce_subscription_id TEXT    NOT NULL,
    sku_id                   TEXT    NOT NULL,
    sku_part_number          TEXT    NOT NULL,
    status                   TEXT    NOT NULL,
    is_trial                 BOOLEAN NOT NULL,
    total_licenses           INTEGER NOT NULL,
    created_at               TEXT,
    next_lifecycle_at        TEXT,
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX company_subscriptions_open ON company_subscriptions(connection_id, id) WHERE valid_to IS NULL;

CREATE TABLE groups (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    display_name             TEXT    NOT NULL,
    description              TEXT    NOT NULL,
    mail                     TEXT    NOT NULL,
    mail_nickname            TEXT    NOT NULL,
    mail_enabled             BOOLEAN NOT NULL,
    security_enabled         BOOLEAN NOT NULL,
    group_types              TEXT    NOT NULL, -- JSON array
    visibility               TEXT    NOT NULL,
    created_at               TEXT,
    on_premises_sync_enabled BOOLEAN,
    membership_rule          TEXT    NOT NULL,
    is_assignable_to_role    BOOLEAN NOT NULL,
    assigned_licenses        TEXT    NOT NULL, -- JSON array of {skuId, disabledPlans}
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX groups_open ON groups(connection_id, id) WHERE valid_to IS NULL;

CREATE TABLE group_members (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    group_id  TEXT NOT NULL,
    member_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    member_type TEXT NOT NULL, -- user | group | servicePrincipal | device | orgContact
    PRIMARY KEY (connection_id, group_id, member_id, valid_from)
);
CREATE UNIQUE INDEX group_members_open ON group_members(connection_id, group_id, member_id) WHERE valid_to IS NULL;
CREATE INDEX group_members_member ON group_members(connection_id, member_id);

CREATE TABLE group_owners (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    group_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    owner_type TEXT NOT NULL,
    PRIMARY KEY (connection_id, group_id, owner_id, valid_from)
);
CREATE UNIQUE INDEX group_owners_open ON group_owners(connection_id, group_id, owner_id) WHERE valid_to IS NULL;
CREATE INDEX group_owners_owner ON group_owners(connection_id, owner_id);

CREATE TABLE role_definitions (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    display_name TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    is_built_in  BOOLEAN NOT NULL,
    is_enabled   BOOLEAN NOT NULL,
    template_id  TEXT    NOT NULL,
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX role_definitions_open ON role_definitions(connection_id, id) WHERE valid_to IS NULL;

CREATE TABLE role_assignments (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    principal_id       TEXT NOT NULL,
    role_definition_id TEXT NOT NULL,
    directory_scope_id TEXT NOT NULL,
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX role_assignments_open ON role_assignments(connection_id, id) WHERE valid_to IS NULL;

-- PIM schedules: kind is 'eligibility' or 'assignment'.
CREATE TABLE role_schedules (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    principal_id       TEXT NOT NULL,
    role_definition_id TEXT NOT NULL,
    directory_scope_id TEXT NOT NULL,
    member_type        TEXT NOT NULL,
    assignment_type    TEXT NOT NULL,
    status             TEXT NOT NULL,
    start_at           TEXT,
    end_at             TEXT, -- NULL: no expiration
    raw TEXT,
    PRIMARY KEY (connection_id, kind, id, valid_from)
);
CREATE UNIQUE INDEX role_schedules_open ON role_schedules(connection_id, kind, id) WHERE valid_to IS NULL;

CREATE TABLE service_principals (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    app_id                       TEXT    NOT NULL,
    display_name                 TEXT    NOT NULL,
    service_principal_type       TEXT    NOT NULL,
    account_enabled              BOOLEAN NOT NULL,
    app_owner_organization_id    TEXT    NOT NULL,
    app_role_assignment_required BOOLEAN NOT NULL,
    publisher_name               TEXT    NOT NULL,
    tags                         TEXT    NOT NULL, -- JSON array
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX service_principals_open ON service_principals(connection_id, id) WHERE valid_to IS NULL;

CREATE TABLE applications (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    app_id           TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    created_at       TEXT,
    sign_in_audience TEXT NOT NULL,
    raw TEXT, -- never holds secret text: Graph does not return it from reads
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX applications_open ON applications(connection_id, id) WHERE valid_to IS NULL;

-- Credential metadata only (key id, hint, validity): never secret text.
CREATE TABLE application_credentials (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    application_id TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    kind         TEXT NOT NULL, -- password | certificate
    display_name TEXT NOT NULL,
    hint         TEXT NOT NULL,
    start_at     TEXT,
    end_at       TEXT,
    PRIMARY KEY (connection_id, application_id, key_id, valid_from)
);
CREATE UNIQUE INDEX application_credentials_open ON application_credentials(connection_id, application_id, key_id) WHERE valid_to IS NULL;

CREATE TABLE app_role_assignments (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    resource_id            TEXT NOT NULL,
    app_role_id            TEXT NOT NULL,
    principal_id           TEXT NOT NULL,
    principal_type         TEXT NOT NULL,
    principal_display_name TEXT NOT NULL,
    resource_display_name  TEXT NOT NULL,
    created_at             TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX app_role_assignments_open ON app_role_assignments(connection_id, id) WHERE valid_to IS NULL;
CREATE INDEX app_role_assignments_resource ON app_role_assignments(connection_id, resource_id);

CREATE TABLE oauth2_permission_grants (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    client_id    TEXT NOT NULL,
    consent_type TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    scope        TEXT NOT NULL,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX oauth2_permission_grants_open ON oauth2_permission_grants(connection_id, id) WHERE valid_to IS NULL;

CREATE TABLE synchronization_jobs (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    service_principal_id TEXT NOT NULL,
    id                   TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    template_id        TEXT    NOT NULL,
    schedule_interval  TEXT    NOT NULL,
    schedule_state     TEXT    NOT NULL,
    status_code        TEXT    NOT NULL,
    last_execution_at  TEXT,
    last_successful_at TEXT,
    quarantined        BOOLEAN NOT NULL,
    raw TEXT,
    PRIMARY KEY (connection_id, service_principal_id, id, valid_from)
);
CREATE UNIQUE INDEX synchronization_jobs_open ON synchronization_jobs(connection_id, service_principal_id, id) WHERE valid_to IS NULL;

CREATE TABLE managed_devices (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    user_id                   TEXT    NOT NULL,
    user_principal_name       TEXT    NOT NULL,
    device_name               TEXT    NOT NULL,
    operating_system          TEXT    NOT NULL,
    os_version                TEXT    NOT NULL,
    compliance_state          TEXT    NOT NULL,
    managed_device_owner_type TEXT    NOT NULL,
    management_agent          TEXT    NOT NULL,
    enrolled_at               TEXT,
    last_sync_at              TEXT,
    azure_ad_device_id        TEXT    NOT NULL,
    is_encrypted              BOOLEAN NOT NULL,
    raw TEXT,
    PRIMARY KEY (connection_id, id, valid_from)
);
CREATE UNIQUE INDEX managed_devices_open ON managed_devices(connection_id, id) WHERE valid_to IS NULL;

-- Per-user, per-service last activity from the usage reports (filled by the
-- usage report sync).
CREATE TABLE user_activity (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_principal_name TEXT NOT NULL,
    service             TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    last_activity_date  TEXT, -- YYYY-MM-DD; NULL: no recorded activity
    report_refresh_date TEXT NOT NULL,
    PRIMARY KEY (connection_id, user_principal_name, service, valid_from)
);
CREATE UNIQUE INDEX user_activity_open ON user_activity(connection_id, user_principal_name, service) WHERE valid_to IS NULL;
