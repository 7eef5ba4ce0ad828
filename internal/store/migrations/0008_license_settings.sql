-- 0008: what the asset manager tells tenantscope about licences, beside the
-- synced copy: licence terms per connection (`licenses terms set`; the
-- configuration's license_terms take precedence for the same SKU), and a
-- newer copy of Microsoft's product and service-plan table (`licenses
-- catalog update FILE`) that replaces the embedded one.
CREATE TABLE license_terms (
    connection_id     INTEGER NOT NULL REFERENCES connections(id),
    sku_part_number   TEXT    NOT NULL,
    effective_date    TEXT,
    expiration_date   TEXT,
    cost_per_unit     TEXT    NOT NULL,  -- exact decimal
    currency          TEXT    NOT NULL,
    payment_frequency TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    PRIMARY KEY (connection_id, sku_part_number)
) WITHOUT ROWID;

CREATE TABLE license_catalog (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    imported_at TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    products    INTEGER NOT NULL,
    data        BLOB    NOT NULL
);
