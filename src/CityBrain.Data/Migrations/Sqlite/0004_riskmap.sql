-- Five-colour risk map (issue 5): case counts per division per day, and the grading computed from them.
-- day is DateOnly.DayNumber of the local date; division_code a province (2 digits), city (4) or county (6).
-- confirmed_local_new NULL: the source has no local/imported split (all taken as local);
-- cluster_events NULL: the source has no cluster counts (estimated from jumps when grading).
-- confirmed_new may be negative when derived from cumulative counts that fell (a correction in the source).
CREATE TABLE case_counts (
    day                 INTEGER NOT NULL,
    division_code       TEXT NOT NULL,
    confirmed_new       INTEGER NOT NULL,
    confirmed_local_new INTEGER CHECK (confirmed_local_new >= 0),
    cluster_events      INTEGER CHECK (cluster_events >= 0),
    source              TEXT NOT NULL,          -- 'daily' (CityBrain's layout) or 'cumulative-2020'
    imported_at         INTEGER NOT NULL,
    PRIMARY KEY (day, division_code)
) WITHOUT ROWID;

-- One row per rule set, level, day and area. grade: red|orange|yellow|blue|green (zhejiang) or high|medium|low
-- (national); previous_grade the same area's grade the day before (NULL on the first day); indicators JSON text.
CREATE TABLE risk_grades (
    rules          TEXT NOT NULL CHECK (rules IN ('zhejiang', 'national')),
    level          TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
    day            INTEGER NOT NULL,
    division_code  TEXT NOT NULL,
    grade          TEXT NOT NULL,
    previous_grade TEXT,
    indicators     TEXT NOT NULL,
    PRIMARY KEY (rules, level, day, division_code)
) WITHOUT ROWID;
CREATE INDEX risk_grades_area ON risk_grades (rules, division_code, day);
