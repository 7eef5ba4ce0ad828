-- 0014: user_activity clustered by service first. Each usage report fills
-- one service (or a few), listing its users in no useful order; keyed by
-- user principal name first, every report's rows landed among all the
-- others' and each sorted run of them rewrote most of the table's pages
-- (a large full sync wrote 300 MB more). By service, a report's rows fill
-- their own range of the key. Readers fold the rows into their users by
-- name and need no order.
CREATE TABLE user_activity_new (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    service             TEXT NOT NULL,
    user_principal_name TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    last_activity_date  TEXT,
    report_refresh_date TEXT NOT NULL,
    amount              INTEGER,
    PRIMARY KEY (connection_id, service, user_principal_name, valid_from)
) WITHOUT ROWID;
INSERT INTO user_activity_new (connection_id, service, user_principal_name, valid_from, valid_to, seen_gen, hash,
    last_activity_date, report_refresh_date, amount)
    SELECT connection_id, service, user_principal_name, valid_from, valid_to, seen_gen, hash,
    last_activity_date, report_refresh_date, amount FROM user_activity;
DROP TABLE user_activity;
ALTER TABLE user_activity_new RENAME TO user_activity;
