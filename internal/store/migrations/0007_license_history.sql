-- 0007: the licence analysis of each committed generation, kept for trends
-- (issue 5 item 7): per SKU the seat counts, activity verdicts and spend;
-- per finding kind the count, seats and savings. Written after a sync
-- commits; a generation's rows are replaced when it is analysed again.
CREATE TABLE license_history (
    connection_id   INTEGER NOT NULL REFERENCES connections(id),
    generation      INTEGER NOT NULL,
    analysed_at     TEXT    NOT NULL,
    sku_id          TEXT    NOT NULL,
    sku_part_number TEXT    NOT NULL,
    enabled         INTEGER NOT NULL,
    consumed        INTEGER NOT NULL,
    available       INTEGER NOT NULL,
    active_users    INTEGER NOT NULL,
    inactive_users  INTEGER NOT NULL,
    unknown_users   INTEGER NOT NULL,
    annual_spend    TEXT,              -- exact decimal; NULL when no price is known
    currency        TEXT    NOT NULL,
    price_default   INTEGER NOT NULL,
    PRIMARY KEY (connection_id, generation, sku_id)
) WITHOUT ROWID;

CREATE TABLE finding_history (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    generation    INTEGER NOT NULL,
    analysed_at   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    currency      TEXT    NOT NULL,    -- '' for findings without savings
    findings      INTEGER NOT NULL,
    seats         INTEGER NOT NULL,
    annual_savings TEXT   NOT NULL,    -- exact decimal
    PRIMARY KEY (connection_id, generation, kind, currency)
) WITHOUT ROWID;
