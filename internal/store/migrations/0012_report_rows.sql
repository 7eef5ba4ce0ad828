-- 0012: the per-user rows of the activity and roster reports, kept after
-- each sync (an encoded blob the analysis package owns) so those reports
-- stream them instead of reading and joining the whole tenant. Keyed by the
-- generation they describe and the blob's format; anything else recomputes.
CREATE TABLE report_rows (
    connection_id INTEGER PRIMARY KEY REFERENCES connections(id),
    generation    INTEGER NOT NULL,
    format        TEXT    NOT NULL,
    kept_at       TEXT    NOT NULL,
    data          BLOB    NOT NULL
);
