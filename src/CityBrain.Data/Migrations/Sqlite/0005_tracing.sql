-- Contact tracing (issue 4): a trace run by a health official, its contacts, and the police station areas that the
-- task lists are split by. Contacts are personal data: they live as long as the trace (purged with it).
CREATE TABLE traces (
    id             INTEGER PRIMARY KEY,
    case_resident  INTEGER NOT NULL REFERENCES residents (id),
    at             INTEGER NOT NULL,            -- the end of the traced period (Unix seconds)
    window_minutes INTEGER NOT NULL,
    days           INTEGER NOT NULL,
    degree         INTEGER NOT NULL,
    why            TEXT NOT NULL,               -- the case number or purpose the official gave
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    status         TEXT NOT NULL,               -- draft (run, not acted on), open (confirmed: contacts to reach), closed
    confirmed_by   TEXT,
    confirmed_at   INTEGER,
    millis         REAL NOT NULL                -- how long the trace took
);
CREATE INDEX traces_status ON traces (status, created_at);

CREATE TABLE trace_contacts (
    trace_id        INTEGER NOT NULL REFERENCES traces (id),
    resident_id     INTEGER NOT NULL REFERENCES residents (id),
    degree          INTEGER NOT NULL,
    first_exposure  INTEGER NOT NULL,
    vkey            INTEGER NOT NULL,
    overlap_seconds INTEGER NOT NULL,
    exposures       INTEGER NOT NULL,
    via_resident    INTEGER,                    -- second degree: the first-degree contact of the first exposure
    township        TEXT NOT NULL,              -- 9-digit code of the home street office / township, or the county when unknown
    police_area     TEXT NOT NULL,              -- the police station area (police_areas), or '' when none covers the home
    status          TEXT NOT NULL,              -- open, reached, unreachable
    reached_by      TEXT,
    reached_at      INTEGER,
    note            TEXT,
    PRIMARY KEY (trace_id, resident_id)
);

-- Which police station serves which division (longest prefix wins): police_areas.csv division_code,station
CREATE TABLE police_areas (
    division_code TEXT PRIMARY KEY,
    station       TEXT NOT NULL
);
