-- Venues and check-ins. A check-in row: person, venue, time, direction, result. Personal data: purged after the
-- retention period (CityBrain:CheckinRetentionDays, default 28).
CREATE TABLE venues (
    vkey          INTEGER PRIMARY KEY,        -- dense internal key (check-ins, the tracing index)
    id            TEXT NOT NULL UNIQUE,       -- the venue's own id, printed on its poster
    name          TEXT NOT NULL,
    type          INTEGER NOT NULL,
    division_code TEXT NOT NULL,
    lat           REAL NOT NULL,
    lon           REAL NOT NULL,
    capacity      INTEGER NOT NULL,           -- 0: no limit
    yellow_policy INTEGER NOT NULL,           -- 0 deny, 1 admit and record
    dwell_minutes INTEGER NOT NULL,           -- a stay without check-out ends after this
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE checkins (
    id          INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL,
    vkey        INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    direction   INTEGER NOT NULL,             -- 0 in, 1 out
    passed      INTEGER NOT NULL,             -- 1 pass, 0 denied
    colour      INTEGER NOT NULL,
    method      INTEGER NOT NULL,             -- 0 token, 1 venue code, 2 ID number, 3 offline upload, 4 import, 5 paper code
    client_id   TEXT,                         -- an offline checkpoint's id for the record: uploads are not counted twice
    checkpoint  TEXT
);
CREATE UNIQUE INDEX checkins_client ON checkins (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX checkins_at ON checkins (at);
CREATE INDEX checkins_resident ON checkins (resident_id, at);
CREATE INDEX checkins_venue ON checkins (vkey, at);
