-- The check-in table's indexes by resident and by venue served contact tracing in SQL. The in-memory co-presence index
-- (src/CityBrain.Domain/Tracing, issue 4) now answers those questions in microseconds and nothing else reads check-ins
-- by resident or venue, so the two B-trees only cost: every scan at the door inserted into them at random places,
-- which was most of the per-row cost at peak load (docs/performance.md). Kept: by time (start-up, the index build,
-- the retention purge) and the offline uploads' client ids.
DROP INDEX IF EXISTS checkins_resident;
DROP INDEX IF EXISTS checkins_venue;
