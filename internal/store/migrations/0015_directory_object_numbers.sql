-- 0015: memberships and ownerships name directory objects by a number per
-- connection instead of by their GUID (store/objnum.go): a large tenant
-- has about a million memberships against 150,000 objects, and rows keyed
-- by integers are half the size, written in half the time and indexed in
-- half the time. directory_objects maps each number to its id; it is not
-- versioned (a number means one object for ever). The by-member index is a
-- late index (store.lateIndexes), built after the next run commits.
CREATE TABLE directory_objects (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    num       INTEGER NOT NULL,
    object_id TEXT NOT NULL,
    PRIMARY KEY (connection_id, num),
    UNIQUE (connection_id, object_id)
) WITHOUT ROWID;

INSERT INTO directory_objects (connection_id, num, object_id)
SELECT connection_id, ROW_NUMBER() OVER (PARTITION BY connection_id ORDER BY object_id), object_id FROM (
    SELECT connection_id, group_id AS object_id FROM group_members
    UNION SELECT connection_id, member_id FROM group_members
    UNION SELECT connection_id, group_id FROM group_owners
    UNION SELECT connection_id, owner_id FROM group_owners);

CREATE TABLE group_members_new (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    group_num  INTEGER NOT NULL,
    member_num INTEGER NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    member_type TEXT NOT NULL, -- user | group | servicePrincipal | device | orgContact
    PRIMARY KEY (connection_id, group_num, member_num, valid_from)
) WITHOUT ROWID;
INSERT INTO group_members_new
SELECT m.connection_id, g.num, o.num, m.valid_from, m.valid_to, m.seen_gen, m.hash, m.member_type
FROM group_members m
JOIN directory_objects g ON g.connection_id = m.connection_id AND g.object_id = m.group_id
JOIN directory_objects o ON o.connection_id = m.connection_id AND o.object_id = m.member_id;
DROP TABLE group_members;
ALTER TABLE group_members_new RENAME TO group_members;

CREATE TABLE group_owners_new (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    group_num INTEGER NOT NULL,
    owner_num INTEGER NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    owner_type TEXT NOT NULL,
    PRIMARY KEY (connection_id, group_num, owner_num, valid_from)
) WITHOUT ROWID;
INSERT INTO group_owners_new
SELECT m.connection_id, g.num, o.num, m.valid_from, m.valid_to, m.seen_gen, m.hash, m.owner_type
FROM group_owners m
JOIN directory_objects g ON g.connection_id = m.connection_id AND g.object_id = m.group_id
JOIN directory_objects o ON o.connection_id = m.connection_id AND o.object_id = m.owner_id;
DROP TABLE group_owners;
ALTER TABLE group_owners_new RENAME TO group_owners;
CREATE INDEX group_owners_owner ON group_owners(connection_id, owner_num);
