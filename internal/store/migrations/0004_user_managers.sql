-- 0004: the manager relation gets its own versioned table. Delta rounds
-- carry a changed user's properties but not its manager, so the manager is
-- read separately (with the full listing, for new users, on Entra's own
-- clearing when a manager is deleted, and in a periodic refresh) and must not
-- be rewritten with every user version.
CREATE TABLE user_managers (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    manager_id TEXT NOT NULL,
    PRIMARY KEY (connection_id, user_id, valid_from)
);
CREATE UNIQUE INDEX user_managers_open ON user_managers(connection_id, user_id) WHERE valid_to IS NULL;
CREATE INDEX user_managers_manager ON user_managers(connection_id, manager_id);
INSERT INTO user_managers (connection_id, user_id, valid_from, valid_to, seen_gen, hash, manager_id)
    SELECT connection_id, id, valid_from, valid_to, seen_gen, 0, manager_id FROM users WHERE manager_id <> '';
ALTER TABLE users DROP COLUMN manager_id;
