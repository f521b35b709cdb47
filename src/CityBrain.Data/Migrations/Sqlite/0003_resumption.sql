-- Work-resumption power index (issue 6): the enterprise register and one row of kWh per enterprise per day.
CREATE TABLE enterprises (
    id            INTEGER PRIMARY KEY,
    enterprise_id TEXT NOT NULL UNIQUE,   -- the utility's account number or credit code, as in the files
    name          TEXT NOT NULL,
    sector        TEXT NOT NULL,          -- one of the ten sector codes (README: agriculture, industry, ...)
    division_code TEXT NOT NULL,          -- county (6 digits) or below
    scale         TEXT NOT NULL CHECK (scale IN ('above_size', 'below_size')),
    updated_at    INTEGER NOT NULL
);

-- day is DateOnly.DayNumber of the local date. Clustered by day (WITHOUT ROWID): a day, a range of days or the baseline
-- period is one contiguous read. No foreign key to enterprises: the import writes only enterprises of the register, and
-- the check per row costs about 40% of a bulk load.
CREATE TABLE meter_days (
    day        INTEGER NOT NULL,
    enterprise INTEGER NOT NULL,
    kwh        REAL NOT NULL CHECK (kwh >= 0),
    PRIMARY KEY (day, enterprise)
) WITHOUT ROWID;

-- Bumped by every import that changes enterprises or readings: servers cache computed figures until it moves.
CREATE TABLE resumption_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO resumption_version (id, version) VALUES (1, 0);
