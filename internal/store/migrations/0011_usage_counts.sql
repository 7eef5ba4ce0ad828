-- 0011: what the per-user usage reports count over their period, beside the
-- last-activity dates of user_activity, versioned the same way and
-- clustered on their key like it (see 0006):
--   user_email_activity  getEmailActivityUserDetail: e-mails sent, received,
--                        read, meetings created and interacted with;
--   user_teams_activity  getTeamsUserActivityUserDetail: team and private
--                        chat messages, calls, meetings organized/attended;
--   user_activations     getOffice365ActivationsUserDetail: one row per user
--                        and Office product, activations per platform.
CREATE TABLE user_email_activity (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_principal_name TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    last_activity_date       TEXT,
    send_count               INTEGER NOT NULL,
    receive_count            INTEGER NOT NULL,
    read_count               INTEGER NOT NULL,
    meeting_created_count    INTEGER NOT NULL,
    meeting_interacted_count INTEGER NOT NULL,
    report_period            INTEGER NOT NULL,
    report_refresh_date      TEXT NOT NULL,
    PRIMARY KEY (connection_id, user_principal_name, valid_from)
) WITHOUT ROWID;

CREATE TABLE user_teams_activity (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_principal_name TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    last_activity_date         TEXT,
    team_chat_message_count    INTEGER NOT NULL,
    private_chat_message_count INTEGER NOT NULL,
    call_count                 INTEGER NOT NULL,
    meeting_count              INTEGER NOT NULL,
    meetings_organized_count   INTEGER NOT NULL,
    meetings_attended_count    INTEGER NOT NULL,
    report_period              INTEGER NOT NULL,
    report_refresh_date        TEXT NOT NULL,
    PRIMARY KEY (connection_id, user_principal_name, valid_from)
) WITHOUT ROWID;

CREATE TABLE user_activations (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_principal_name TEXT NOT NULL,
    product_type        TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER, seen_gen INTEGER NOT NULL, hash INTEGER NOT NULL,
    last_activated_date TEXT,
    windows             INTEGER NOT NULL,
    mac                 INTEGER NOT NULL,
    windows10_mobile    INTEGER NOT NULL,
    ios                 INTEGER NOT NULL,
    android             INTEGER NOT NULL,
    shared_computer     BOOLEAN NOT NULL,
    report_refresh_date TEXT NOT NULL,
    PRIMARY KEY (connection_id, user_principal_name, product_type, valid_from)
) WITHOUT ROWID;
