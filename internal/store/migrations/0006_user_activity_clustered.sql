-- 0006: user_activity holds several rows per user (one per workload), as
-- many as the memberships' order of magnitude in a large tenant: cluster it
-- on its key like them (see 0003), one B-tree per row instead of three.
CREATE TABLE user_activity_new (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_principal_name TEXT NOT NULL,
    service             TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    last_activity_date  TEXT,
    report_refresh_date TEXT NOT NULL,
    PRIMARY KEY (connection_id, user_principal_name, service, valid_from)
) WITHOUT ROWID;
INSERT INTO user_activity_new SELECT connection_id, user_principal_name, service, valid_from, valid_to, seen_gen, hash, last_activity_date, report_refresh_date FROM user_activity;
DROP TABLE user_activity;
ALTER TABLE user_activity_new RENAME TO user_activity;
