-- 0009: the latest licence analysis of each connection, as the reports need
-- it (SKU summaries, findings, non-active verdicts), keyed by the generation
-- it analysed and a fingerprint of the settings it used (inactive days,
-- terms, catalogue). Reports read it instead of the whole tenant when both
-- still match; anything else recomputes.
CREATE TABLE analysis_results (
    connection_id INTEGER PRIMARY KEY REFERENCES connections(id),
    generation    INTEGER NOT NULL,
    settings      TEXT    NOT NULL,
    analysed_at   TEXT    NOT NULL,
    data          BLOB    NOT NULL
);
