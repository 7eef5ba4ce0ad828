-- 0013: a first full sync of a large tenant writes each user's licences,
-- manager, sign-in activity and mailbox purpose in the order Graph lists the
-- users: random keys. As rowid tables each row went into three B-trees (the
-- table, its key and the partial "open" index), two of them at random
-- places, and the pages they dirtied were most of what the sync wrote to the
-- WAL. Clustered on their key (WITHOUT ROWID, as the memberships in 0003 and
-- user_activity in 0006) a row is one insert into one B-tree, and the key
-- prefix finds the open version. users keeps its rowid (its rows carry
-- Graph's JSON, too large for a clustered index) but loses users_open: its
-- key finds the open version as well. One open version per key stays the
-- writer's invariant.
CREATE TABLE user_licenses_new (
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
) WITHOUT ROWID;
INSERT INTO user_licenses_new (connection_id, user_id, sku_id, assigned_by_group, valid_from, valid_to, seen_gen, hash,
    disabled_plans, state, error, last_updated_at)
    SELECT connection_id, user_id, sku_id, assigned_by_group, valid_from, valid_to, seen_gen, hash,
    disabled_plans, state, error, last_updated_at FROM user_licenses;
DROP TABLE user_licenses;
ALTER TABLE user_licenses_new RENAME TO user_licenses;
-- user_licenses_sku is a late index (built after a run commits).

CREATE TABLE user_managers_new (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    manager_id TEXT NOT NULL,
    PRIMARY KEY (connection_id, user_id, valid_from)
) WITHOUT ROWID;
INSERT INTO user_managers_new (connection_id, user_id, valid_from, valid_to, seen_gen, hash, manager_id)
    SELECT connection_id, user_id, valid_from, valid_to, seen_gen, hash, manager_id FROM user_managers;
DROP TABLE user_managers;
ALTER TABLE user_managers_new RENAME TO user_managers;
-- user_managers_manager becomes a late index too.

CREATE TABLE user_sign_ins_new (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    last_sign_in_at                 TEXT,
    last_non_interactive_sign_in_at TEXT,
    last_successful_sign_in_at      TEXT,
    PRIMARY KEY (connection_id, user_id, valid_from)
) WITHOUT ROWID;
INSERT INTO user_sign_ins_new (connection_id, user_id, valid_from, valid_to, seen_gen, hash,
    last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at)
    SELECT connection_id, user_id, valid_from, valid_to, seen_gen, hash,
    last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at FROM user_sign_ins;
DROP TABLE user_sign_ins;
ALTER TABLE user_sign_ins_new RENAME TO user_sign_ins;

CREATE TABLE user_mailboxes_new (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    purpose TEXT NOT NULL, -- user | shared | room | equipment | linked | others
    PRIMARY KEY (connection_id, user_id, valid_from)
) WITHOUT ROWID;
INSERT INTO user_mailboxes_new (connection_id, user_id, valid_from, valid_to, seen_gen, hash, purpose)
    SELECT connection_id, user_id, valid_from, valid_to, seen_gen, hash, purpose FROM user_mailboxes;
DROP TABLE user_mailboxes;
ALTER TABLE user_mailboxes_new RENAME TO user_mailboxes;

DROP INDEX IF EXISTS users_open;
