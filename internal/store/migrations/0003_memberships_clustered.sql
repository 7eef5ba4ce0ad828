-- 0003: memberships are the largest tables (millions of rows in a 100,000
-- user tenant). Store them clustered on their key (WITHOUT ROWID) and find
-- the open version through that key instead of a separate partial index.
-- The by-member index is built after a run commits (DB.ensureIndexes): a
-- sorted build of millions of entries is far cheaper than as many random
-- inserts during the first full sync. One open version per key stays the
-- writer's invariant.
CREATE TABLE group_members_new (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    group_id  TEXT NOT NULL,
    member_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    member_type TEXT NOT NULL,
    PRIMARY KEY (connection_id, group_id, member_id, valid_from)
) WITHOUT ROWID;
INSERT INTO group_members_new SELECT connection_id, group_id, member_id, valid_from, valid_to, seen_gen, hash, member_type FROM group_members;
DROP TABLE group_members;
ALTER TABLE group_members_new RENAME TO group_members;

CREATE TABLE group_owners_new (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    group_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    owner_type TEXT NOT NULL,
    PRIMARY KEY (connection_id, group_id, owner_id, valid_from)
) WITHOUT ROWID;
INSERT INTO group_owners_new SELECT connection_id, group_id, owner_id, valid_from, valid_to, seen_gen, hash, owner_type FROM group_owners;
DROP TABLE group_owners;
ALTER TABLE group_owners_new RENAME TO group_owners;
CREATE INDEX group_owners_owner ON group_owners(connection_id, owner_id);
