-- Health codes: residents, users, authoritative lists, declarations, the per-resident state the rules read,
-- overrides, appeals, the audit log. Times are Unix seconds; days are DateOnly.DayNumber in the city's time zone.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE residents (
    id            INTEGER PRIMARY KEY,
    id_hash       BLOB NOT NULL UNIQUE,      -- HMAC-SHA256 of the ID number under the hash key (look-up)
    id_enc        BLOB NOT NULL,             -- AES-GCM encrypted ID number
    name_enc      BLOB NOT NULL,
    name_masked   TEXT NOT NULL,             -- 张*: all a checkpoint sees
    phone_hash    BLOB,
    phone_enc     BLOB,
    division_code TEXT NOT NULL,
    birth_year    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX residents_phone ON residents (phone_hash);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    resident_id   INTEGER REFERENCES residents (id),
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE list_entries (
    id          INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL REFERENCES residents (id),
    list        INTEGER NOT NULL,
    since       INTEGER NOT NULL,
    released_at INTEGER,
    imported_at INTEGER NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX list_entries_resident ON list_entries (resident_id, list);

CREATE TABLE declarations (
    id                INTEGER PRIMARY KEY,
    resident_id       INTEGER NOT NULL REFERENCES residents (id),
    at                INTEGER NOT NULL,
    kind              INTEGER NOT NULL,      -- 0 self-declaration, 1 daily check-in
    temperature_x10   INTEGER,
    symptoms          INTEGER NOT NULL,
    contact_with_case INTEGER NOT NULL,
    travel            TEXT
);
CREATE INDEX declarations_resident ON declarations (resident_id, at);

-- One row per resident: the facts the rules read and the code they gave. Maintained in the same transaction
-- as the history tables above, so a recompute is one sequential scan.
CREATE TABLE health_state (
    resident_id       INTEGER PRIMARY KEY REFERENCES residents (id),
    home_division     TEXT NOT NULL,
    birth_year        INTEGER NOT NULL,
    lists             INTEGER NOT NULL DEFAULT 0,
    since0            INTEGER, since1 INTEGER, since2 INTEGER, since3 INTEGER, since4 INTEGER,
    decl_day          INTEGER,
    temp_x10          INTEGER NOT NULL DEFAULT 0,
    symptoms          INTEGER NOT NULL DEFAULT 0,
    contact_case      INTEGER NOT NULL DEFAULT 0,
    travel            TEXT,
    last_abnormal_day INTEGER,
    streak_start      INTEGER,
    streak_last       INTEGER,
    ov_colour         INTEGER,
    ov_until          INTEGER,
    ov_reason         TEXT,
    ov_set_day        INTEGER,                     -- the day it was set: newer facts may outrank a milder hand-set colour
    released          TEXT,                        -- releases earned by daily check-ins, rule@eventDay;...
    colour            INTEGER NOT NULL DEFAULT 0,
    rules             TEXT NOT NULL DEFAULT '',
    next_change       INTEGER,
    colour_since      INTEGER NOT NULL,
    computed_at       INTEGER NOT NULL,
    version           INTEGER NOT NULL DEFAULT 0   -- bumped by every change of facts: a recompute never overwrites a newer change
);

CREATE INDEX health_state_next_change ON health_state (next_change) WHERE next_change IS NOT NULL;

CREATE TABLE code_changes (
    id          INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    colour_from INTEGER,
    colour_to   INTEGER NOT NULL,
    rules       TEXT NOT NULL,
    cause       TEXT NOT NULL
);
CREATE INDEX code_changes_resident ON code_changes (resident_id, at);

CREATE TABLE code_overrides (
    id          INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL REFERENCES residents (id),
    colour      INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    set_by      TEXT NOT NULL,
    set_at      INTEGER NOT NULL,
    status      TEXT NOT NULL,               -- pending, active, rejected, revoked
    approved_by TEXT,
    approved_at INTEGER
);
CREATE INDEX code_overrides_resident ON code_overrides (resident_id);

CREATE TABLE appeals (
    id          INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL REFERENCES residents (id),
    colour      INTEGER NOT NULL,
    rules       TEXT NOT NULL,
    text        TEXT NOT NULL,
    filed_at    INTEGER NOT NULL,
    status      TEXT NOT NULL,               -- open, upheld, overturned
    decided_by  TEXT,
    decided_at  INTEGER,
    outcome     TEXT
);
CREATE INDEX appeals_status ON appeals (status, filed_at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    resident_id INTEGER,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_resident ON audit_log (resident_id, at);

CREATE TABLE risk_areas (
    division_code TEXT PRIMARY KEY,
    rank          INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    updated_by    TEXT NOT NULL
);
