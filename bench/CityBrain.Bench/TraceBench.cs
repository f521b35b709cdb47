using System.Diagnostics;
using System.Globalization;
using CityBrain.Domain.Tracing;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace CityBrain.Bench;

/// <summary>
/// Contact tracing (issue 4): `trace` generates a seeded city (<see cref="TraceCity"/>), builds the co-presence index,
/// and times first- and second-degree traces of random cases; `trace --compare` also loads the same stays into
/// PostgreSQL and SQLite and runs the same first-degree query there (<see cref="FirstDegreeSql"/>) for the same cases,
/// checking that all three agree.
/// </summary>
public static class TraceBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// The first-degree query in SQL over pre-paired stays (PostgreSQL spelling; SQLite uses max/min for
    /// greatest/least). Stays are split by duration into the same tiers as the index (0: point, 1: ≤ 1 h, 2: ≤ 8 h, 3:
    /// longer), and trace_venue_tiers holds each venue's longest stay per tier, so each probe is one range scan of the
    /// (venue, tier, in_at) index bounded on both sides.
    /// </summary>
    public const string FirstDegreeSql = """
        WITH p AS (
            SELECT venue, in_at, out_at FROM trace_stays
            WHERE resident = @case AND in_at BETWEEN @from AND @at
        )
        SELECT q.resident, min(q.in_at) AS first_exposure, count(*) AS exposures,
               sum(greatest(0, least(p.out_at, q.out_at) - greatest(p.in_at, q.in_at))) AS overlap_seconds
        FROM p
        JOIN trace_venue_tiers m ON m.venue = p.venue
        JOIN trace_stays q ON q.venue = p.venue AND q.tier = m.tier
             AND q.in_at BETWEEN p.in_at - @w - m.max_dur AND p.out_at + @w
             AND q.out_at >= p.in_at - @w
        WHERE q.resident <> @case
        GROUP BY q.resident
        """;

    /// <summary>
    /// The same first-degree query against the production schema: the raw <c>checkins</c> rows (direction 0 = in, 1 =
    /// out), with check-outs paired in SQL. A check-out matches the most recent unmatched check-in of the same person at
    /// the same venue, a stack per (person, venue); with s the running sum of +1 per check-in and −1 per check-out in
    /// time order (check-ins first within a second), a check-in that brings s to k is matched by the next event of that
    /// (person, venue) that takes s from k back to k − 1, so after keying check-ins by s and check-outs by s + 1, the
    /// check-out of a check-in is the next row of its (person, venue, key) partition, if that row is a check-out. An
    /// ignored check-out (nothing open) never follows a check-in in its partition. The table has no bound on how long a
    /// stay lasts (a check-in weeks before the window may be matched by a check-out after it), so every stay of the case's
    /// venues is paired; the index does this once at build time and keeps each venue's longest stay per tier instead.
    /// </summary>
    public const string FirstDegreeCheckinsSql = """
        WITH pe AS (
            SELECT venue, at, direction,
                   sum(CASE WHEN direction = 0 THEN 1 ELSE -1 END)
                       OVER (PARTITION BY venue ORDER BY at, direction ROWS UNBOUNDED PRECEDING) AS s
            FROM checkins WHERE resident = @case
        ), p AS (
            SELECT venue, in_at, out_at FROM (
                SELECT venue, at AS in_at, direction,
                       CASE WHEN lead(direction) OVER w = 1 THEN lead(at) OVER w ELSE at END AS out_at
                FROM (SELECT venue, at, direction, CASE WHEN direction = 0 THEN s ELSE s + 1 END AS k FROM pe) e
                WINDOW w AS (PARTITION BY venue, k ORDER BY at, direction)
            ) x
            WHERE direction = 0 AND in_at BETWEEN @from AND @at
        ), qe AS (
            SELECT c.resident, c.venue, c.at, c.direction,
                   sum(CASE WHEN c.direction = 0 THEN 1 ELSE -1 END)
                       OVER (PARTITION BY c.venue, c.resident ORDER BY c.at, c.direction ROWS UNBOUNDED PRECEDING) AS s
            FROM checkins c
            WHERE c.venue IN (SELECT DISTINCT venue FROM p) AND c.resident <> @case
        ), q AS (
            SELECT resident, venue, in_at, out_at FROM (
                SELECT resident, venue, at AS in_at, direction,
                       CASE WHEN lead(direction) OVER w = 1 THEN lead(at) OVER w ELSE at END AS out_at
                FROM (SELECT resident, venue, at, direction, CASE WHEN direction = 0 THEN s ELSE s + 1 END AS k FROM qe) e
                WINDOW w AS (PARTITION BY venue, resident, k ORDER BY at, direction)
            ) x
            WHERE direction = 0
        )
        SELECT q.resident, min(q.in_at) AS first_exposure, count(*) AS exposures,
               sum(greatest(0, least(p.out_at, q.out_at) - greatest(p.in_at, q.in_at))) AS overlap_seconds
        FROM p
        JOIN q ON q.venue = p.venue AND q.in_at <= p.out_at + @w AND q.out_at >= p.in_at - @w
        GROUP BY q.resident
        """;

    /// <summary>The production table's indexes: the case's rows by resident, a venue's rows in the order the pairing reads them.</summary>
    public static readonly string[] CheckinsIndexes =
    [
        "SET maintenance_work_mem = '2GB'",
        "SET max_parallel_maintenance_workers = 2",
        "CREATE INDEX checkins_resident ON checkins (resident, at) INCLUDE (venue, direction)",
        "CREATE INDEX checkins_venue ON checkins (venue, resident, at, direction)",
        "VACUUM ANALYZE checkins",
    ];

    /// <summary>The indexes (and the per-venue tier bounds) PostgreSQL gets, after the binary COPY.</summary>
    public static readonly string[] PostgresIndexes =
    [
        "SET maintenance_work_mem = '2GB'",
        "SET max_parallel_maintenance_workers = 2",
        "CREATE INDEX trace_stays_venue ON trace_stays (venue, tier, in_at) INCLUDE (out_at, resident)",
        "CREATE INDEX trace_stays_resident ON trace_stays (resident, in_at) INCLUDE (venue, out_at)",
        "CREATE TABLE trace_venue_tiers AS SELECT venue, tier, max(out_at - in_at) AS max_dur FROM trace_stays GROUP BY venue, tier",
        "ALTER TABLE trace_venue_tiers ADD PRIMARY KEY (venue, tier)",
        "VACUUM ANALYZE trace_stays",
        "VACUUM ANALYZE trace_venue_tiers",
    ];

    private static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static int IntArg(string[] args, string name, int fallback) => int.Parse(Arg(args, name, fallback.ToString(Inv)), Inv);

    public static async Task<int> RunAsync(string[] args)
    {
        var checkins = IntArg(args, "--checkins", 250_000_000);
        var residents = IntArg(args, "--residents", 10_000_000);
        var venues = IntArg(args, "--venues", 500_000);
        var seed = ulong.Parse(Arg(args, "--seed", "20200123"), Inv);
        var days = IntArg(args, "--days", 14);
        var cases1 = IntArg(args, "--cases", 1000);
        var cases2 = IntArg(args, "--cases2", 100);
        var window = IntArg(args, "--window", 900);
        var timeOrder = Arg(args, "--order", "time") == "time";
        var compare = args.Contains("--compare");

        var sw = Stopwatch.StartNew();
        TraceCity? city = TraceCity.Generate(checkins, residents, venues, seed, days, timeOrder);
        var genSeconds = sw.Elapsed.TotalSeconds;
        var (outs, busiest, medianVenue) = Describe(city);
        Console.WriteLine(string.Create(Inv, $"trace: generated {checkins:N0} check-ins ({outs * 100.0 / checkins:F1}% check-outs) of {residents:N0} residents at {venues:N0} venues over {days} days in {genSeconds:F1} s (seed {seed}); Zipf exponent {city.ZipfExponent:F3}: the busiest venue has {busiest * 100.0 / checkins:F2}% of check-ins, the median venue {medianVenue:N0}; rows fed in {(timeOrder ? "time" : "resident")} order"));

        // Build: the Add loop (what start-up does per database row) and the bulk Build, timed separately and together.
        GC.Collect();
        var cpu0 = Environment.CpuUsage.TotalTime;
        sw.Restart();
        var builder = new CoPresenceIndex.Builder(checkins);
        for (var i = 0; i < checkins; i++)
        {
            builder.Add(city[i]);
        }
        var addSeconds = sw.Elapsed.TotalSeconds;
        // The generated rows are no longer needed: free them before Build (not timed), as a server's reader would.
        var at = city.End;
        city = null;
        GC.Collect();
        var cpu1 = Environment.CpuUsage.TotalTime;
        sw.Restart();
        var phases = new List<string>();
        var (phaseWall, phaseCpu) = (TimeSpan.Zero, cpu1);
        var index = builder.Build(name =>
        {
            var (wall, cpu) = (sw.Elapsed, Environment.CpuUsage.TotalTime);
            phases.Add(string.Create(Inv, $"{name} {(wall - phaseWall).TotalSeconds:F2} s ({(cpu - phaseCpu).TotalSeconds:F2} s CPU)"));
            (phaseWall, phaseCpu) = (wall, cpu);
        });
        var buildSeconds = sw.Elapsed.TotalSeconds;
        var cpu2 = Environment.CpuUsage.TotalTime;
        GC.Collect();
        Console.WriteLine(string.Create(Inv, $"build: Add loop {addSeconds:F2} s ({checkins / addSeconds:N0}/s), Build {buildSeconds:F2} s ({checkins / buildSeconds:N0}/s); together {addSeconds + buildSeconds:F2} s = {checkins / (addSeconds + buildSeconds):N0} check-ins/s; process CPU time: Add {(cpu1 - cpu0).TotalSeconds:F2} s, Build {(cpu2 - cpu1).TotalSeconds:F2} s on {Environment.ProcessorCount} cores (load average before: {File.ReadAllText("/proc/loadavg").Split(' ')[0]})"));
        Console.WriteLine($"build phases: {string.Join("; ", phases)}");
        Console.WriteLine(string.Create(Inv, $"memory: entries {index.EntryBytes / 1048576.0:N0} MiB = {index.EntryBytes / (double)index.Count:F2} bytes per check-in; all arrays (with offsets) {index.MemoryBytes / 1048576.0:N0} MiB = {index.MemoryBytes / (double)index.Count:F2} bytes per check-in; managed heap {GC.GetTotalMemory(false) / 1048576.0:N0} MiB; process peak {Machine.PeakMiB():N0} MiB"));

        if (args.Contains("--build-only"))
        {
            return 0;
        }
        var rng = new Random((int)(seed % int.MaxValue));
        var cases = new List<int>();
        while (cases.Count < Math.Max(cases1, cases2))
        {
            var r = rng.Next(residents);
            if (index.Trajectory(r, TraceCity.Start, at).Count > 0)
            {
                cases.Add(r);
            }
        }
        var q1 = new TraceQuery(at, days, window, 1);
        var q2 = q1 with { Degree = 2 };
        foreach (var r in cases.Take(20))
        {
            index.Trace(r, q1); // warm-up
        }
        var (t1, n1, stays1) = Time(index, cases.Take(cases1), q1);
        Console.WriteLine(string.Create(Inv, $"first degree ({cases1:N0} random cases with check-ins, window {window} s, {days} days to the end of the period): p50 {P(t1, 50):F2} ms, p95 {P(t1, 95):F2} ms, p99 {P(t1, 99):F2} ms, max {t1.Max():F2} ms; contacts median {P(n1, 50):N0}, p95 {P(n1, 95):N0}, max {n1.Max():N0}; case stays median {P(stays1, 50):N0}"));
        var load2 = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var cpu3 = Environment.CpuUsage.TotalTime;
        var (t2, n2, _) = Time(index, cases.Take(cases2), q2);
        var cpu4 = Environment.CpuUsage.TotalTime;
        Console.WriteLine(string.Create(Inv, $"second degree ({cases2:N0} cases): p50 {P(t2, 50):F1} ms, p95 {P(t2, 95):F1} ms, p99 {P(t2, 99):F1} ms, max {t2.Max():F1} ms; contacts (both degrees) median {P(n2, 50):N0}, max {n2.Max():N0}; wall {t2.Sum() / 1000:F1} s, process CPU {(cpu4 - cpu3).TotalSeconds:F1} s (load average before: {load2})"));
        Console.WriteLine(string.Create(Inv, $"process peak {Machine.PeakMiB():N0} MiB"));

        if (compare)
        {
            // The production table needs the raw rows, freed before Build: the same seed generates them again.
            Func<TraceCity> rows = () => TraceCity.Generate(checkins, residents, venues, seed, days, timeOrder);
            await CompareAsync(index, residents, cases.Take(IntArg(args, "--compare-cases", 100)).ToList(), q1, Arg(args, "--pg", ""), Arg(args, "--sqlite", "/tmp/citybrain-trace.db"), rows);
        }
        return 0;
    }

    private static (long Outs, long Busiest, long Median) Describe(TraceCity city)
    {
        var perVenue = new long[city.VenueCount];
        long outs = 0;
        for (var i = 0; i < city.Count; i++)
        {
            perVenue[city.Venues[i]]++;
            outs += city.Residents[i] >>> 31;
        }
        Array.Sort(perVenue);
        return (outs, perVenue[^1], perVenue[perVenue.Length / 2]);
    }

    private static long s_sink;

    /// <summary>
    /// A trace, then every field of every contact read, as the server does when it stores and shows them (and as a
    /// database client does with the rows): the timing includes whatever turning the result into Contact values costs.
    /// </summary>
    private static TraceResult TraceAndRead(CoPresenceIndex index, int resident, TraceQuery q)
    {
        var result = index.Trace(resident, q);
        long check = 0;
        foreach (var c in result.Contacts)
        {
            check += c.Resident + c.Degree + c.FirstExposure + c.Venue + c.OverlapSeconds + c.Exposures + (c.Via ?? 0);
        }
        s_sink += check;
        return result;
    }

    private static (List<double> Ms, List<double> Contacts, List<double> Stays) Time(CoPresenceIndex index, IEnumerable<int> cases, TraceQuery q)
    {
        var ms = new List<double>();
        var contacts = new List<double>();
        var stays = new List<double>();
        foreach (var r in cases)
        {
            var t = Stopwatch.GetTimestamp();
            var result = TraceAndRead(index, r, q);
            ms.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            contacts.Add(result.Contacts.Count);
            stays.Add(result.CaseStays.Count);
        }
        return (ms, contacts, stays);
    }

    private static double P(List<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    private static int TierOf(long duration) => duration == 0 ? 0 : duration <= 3_600 ? 1 : duration <= 28_800 ? 2 : 3;

    /// <summary>Every stay of the index (resident, venue, tier, in, out), resident by resident.</summary>
    private static IEnumerable<(int Resident, int Venue, short Tier, long In, long Out)> AllStays(CoPresenceIndex index, int residents)
    {
        for (var r = 0; r < residents; r++)
        {
            foreach (var s in index.Trajectory(r, CoPresenceIndex.MinTime, CoPresenceIndex.MaxTime))
            {
                var o = s.Out ?? s.In;
                yield return (r, s.Venue, (short)TierOf(o - s.In), s.In, o);
            }
        }
    }

    private sealed record Row(long First, long Exposures, long Overlap);

    private static async Task CompareAsync(CoPresenceIndex index, int residents, List<int> cases, TraceQuery q, string pg, string sqlitePath, Func<TraceCity> regenerate)
    {
        var from = q.At - (q.Days * 86_400L);
        var sw = Stopwatch.StartNew();
        Dictionary<int, Row> FromIndex(int c) => index.Trace(c, q).Contacts.ToDictionary(x => x.Resident, x => new Row(x.FirstExposure, x.Exposures, x.OverlapSeconds));

        // The index, on the same cases (warm, then timed).
        var expected = cases.ToDictionary(c => c, FromIndex);
        var indexMs = new List<double>();
        foreach (var c in cases)
        {
            var t = Stopwatch.GetTimestamp();
            TraceAndRead(index, c, q);
            indexMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        Console.WriteLine(string.Create(Inv, $"compare: index p50 {P(indexMs, 50):F3} ms, p95 {P(indexMs, 95):F3} ms over {cases.Count} cases"));

        List<double>? pgMs = null;
        List<double>? rawMs = null;
        if (pg.Length > 0)
        {
            await using var conn = new NpgsqlConnection(pg);
            await conn.OpenAsync();
            await Exec(conn, "DROP TABLE IF EXISTS trace_stays; DROP TABLE IF EXISTS trace_venue_tiers; CREATE UNLOGGED TABLE trace_stays (resident integer NOT NULL, venue integer NOT NULL, tier smallint NOT NULL, in_at bigint NOT NULL, out_at bigint NOT NULL)");
            sw.Restart();
            long rows = 0;
            await using (var copy = await conn.BeginBinaryImportAsync("COPY trace_stays (resident, venue, tier, in_at, out_at) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var s in AllStays(index, residents))
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(s.Resident, NpgsqlDbType.Integer);
                    await copy.WriteAsync(s.Venue, NpgsqlDbType.Integer);
                    await copy.WriteAsync(s.Tier, NpgsqlDbType.Smallint);
                    await copy.WriteAsync(s.In, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(s.Out, NpgsqlDbType.Bigint);
                    rows++;
                }
                await copy.CompleteAsync();
            }
            var copySeconds = sw.Elapsed.TotalSeconds;
            sw.Restart();
            foreach (var sql in PostgresIndexes)
            {
                await Exec(conn, sql);
            }
            Console.WriteLine(string.Create(Inv, $"compare: PostgreSQL loaded {rows:N0} stays by binary COPY in {copySeconds:F1} s, indexes + ANALYZE {sw.Elapsed.TotalSeconds:F1} s"));
            pgMs = await TimePostgresAsync(conn, FirstDegreeSql, "PostgreSQL", expected, cases, q, from);
            Console.WriteLine(string.Create(Inv, $"compare: PostgreSQL p50 {P(pgMs, 50):F2} ms, p95 {P(pgMs, 95):F2} ms; same contacts, first exposures, exposures and overlaps as the index for all {cases.Count} cases"));
            await Exec(conn, "DROP TABLE trace_stays; DROP TABLE trace_venue_tiers");
            rawMs = await CompareCheckinsAsync(conn, expected, cases, q, from, regenerate);
        }

        if (sqlitePath == "none")
        {
            // --sqlite none: PostgreSQL only (SQLite's load and indexes take minutes at 50 million).
            if (pgMs is not null && rawMs is not null)
            {
                Console.WriteLine(string.Create(Inv, $"compare: PostgreSQL / index: {P(pgMs, 50) / P(indexMs, 50):N0}x at p50, {P(pgMs, 95) / P(indexMs, 95):N0}x at p95, {pgMs.Sum() / indexMs.Sum():N0}x in total time"));
                Console.WriteLine(string.Create(Inv, $"compare: PostgreSQL on the checkins table / index: {P(rawMs, 50) / P(indexMs, 50):N0}x at p50, {P(rawMs, 95) / P(indexMs, 95):N0}x at p95, {rawMs.Sum() / indexMs.Sum():N0}x in total time"));
            }
            return;
        }
        File.Delete(sqlitePath);
        var sqlite = new SqliteConnection($"Data Source={sqlitePath}");
        await sqlite.OpenAsync();
        await ExecLite(sqlite, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -2000000; PRAGMA temp_store = MEMORY; CREATE TABLE trace_stays (resident INTEGER NOT NULL, venue INTEGER NOT NULL, tier INTEGER NOT NULL, in_at INTEGER NOT NULL, out_at INTEGER NOT NULL)");
        sw.Restart();
        long liteRows = 0;
        using (var tx = sqlite.BeginTransaction())
        {
            using var ins = sqlite.CreateCommand();
            ins.Transaction = tx;
            ins.CommandText = "INSERT INTO trace_stays VALUES ($r, $v, $t, $i, $o)";
            var pr = ins.Parameters.Add("$r", SqliteType.Integer);
            var pv = ins.Parameters.Add("$v", SqliteType.Integer);
            var pt = ins.Parameters.Add("$t", SqliteType.Integer);
            var pi = ins.Parameters.Add("$i", SqliteType.Integer);
            var po = ins.Parameters.Add("$o", SqliteType.Integer);
            ins.Prepare();
            foreach (var s in AllStays(index, residents))
            {
                pr.Value = s.Resident;
                pv.Value = s.Venue;
                pt.Value = (int)s.Tier;
                pi.Value = s.In;
                po.Value = s.Out;
                ins.ExecuteNonQuery();
                liteRows++;
            }
            tx.Commit();
        }
        var liteLoad = sw.Elapsed.TotalSeconds;
        sw.Restart();
        await ExecLite(sqlite, """
            CREATE INDEX trace_stays_venue ON trace_stays (venue, tier, in_at, out_at, resident);
            CREATE INDEX trace_stays_resident ON trace_stays (resident, in_at, venue, out_at);
            CREATE TABLE trace_venue_tiers (venue INTEGER NOT NULL, tier INTEGER NOT NULL, max_dur INTEGER NOT NULL, PRIMARY KEY (venue, tier)) WITHOUT ROWID;
            INSERT INTO trace_venue_tiers SELECT venue, tier, max(out_at - in_at) FROM trace_stays GROUP BY venue, tier;
            ANALYZE;
            """);
        Console.WriteLine(string.Create(Inv, $"compare: SQLite loaded {liteRows:N0} stays in {liteLoad:F1} s (one transaction, prepared insert), indexes + ANALYZE {sw.Elapsed.TotalSeconds:F1} s"));
        using var lite = sqlite.CreateCommand();
        lite.CommandText = FirstDegreeSql.Replace("greatest(0, least(", "max(0, min(", StringComparison.Ordinal).Replace("greatest(p.in_at", "max(p.in_at", StringComparison.Ordinal);
        var lc = lite.Parameters.Add("@case", SqliteType.Integer);
        var lf = lite.Parameters.Add("@from", SqliteType.Integer);
        var la = lite.Parameters.Add("@at", SqliteType.Integer);
        var lw = lite.Parameters.Add("@w", SqliteType.Integer);
        lite.Prepare();
        Dictionary<int, Row> RunLite(int c)
        {
            lc.Value = c;
            lf.Value = from;
            la.Value = q.At;
            lw.Value = q.WindowSeconds;
            var result = new Dictionary<int, Row>();
            using var reader = lite.ExecuteReader();
            while (reader.Read())
            {
                result[reader.GetInt32(0)] = new Row(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            }
            return result;
        }
        foreach (var c in cases)
        {
            Check("SQLite", c, expected[c], RunLite(c));
        }
        var liteMs = new List<double>();
        foreach (var c in cases)
        {
            var t = Stopwatch.GetTimestamp();
            RunLite(c);
            liteMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        using (var plan = sqlite.CreateCommand())
        {
            plan.CommandText = "EXPLAIN QUERY PLAN " + lite.CommandText;
            plan.Parameters.AddWithValue("@case", cases[0]);
            plan.Parameters.AddWithValue("@from", from);
            plan.Parameters.AddWithValue("@at", q.At);
            plan.Parameters.AddWithValue("@w", q.WindowSeconds);
            using var reader = plan.ExecuteReader();
            Console.WriteLine("compare: SQLite plan:");
            while (reader.Read())
            {
                Console.WriteLine("    " + reader.GetString(3));
            }
        }
        Console.WriteLine(string.Create(Inv, $"compare: SQLite p50 {P(liteMs, 50):F2} ms, p95 {P(liteMs, 95):F2} ms; same results as the index for all {cases.Count} cases"));
        var contacts = expected.Values.Select(d => (double)d.Count).ToList();
        Console.WriteLine(string.Create(Inv, $"compare: {cases.Count} cases, contacts median {P(contacts, 50):N0}, max {contacts.Max():N0}"));
        if (pgMs is not null)
        {
            Console.WriteLine(string.Create(Inv, $"compare: PostgreSQL / index: {P(pgMs, 50) / P(indexMs, 50):N0}x at p50, {P(pgMs, 95) / P(indexMs, 95):N0}x at p95, {pgMs.Sum() / indexMs.Sum():N0}x in total time"));
        }
        Console.WriteLine(string.Create(Inv, $"compare: SQLite / index: {P(liteMs, 50) / P(indexMs, 50):N0}x at p50, {P(liteMs, 95) / P(indexMs, 95):N0}x at p95, {liteMs.Sum() / indexMs.Sum():N0}x in total time"));
        if (rawMs is not null)
        {
            Console.WriteLine(string.Create(Inv, $"compare: PostgreSQL on the checkins table / index: {P(rawMs, 50) / P(indexMs, 50):N0}x at p50, {P(rawMs, 95) / P(indexMs, 95):N0}x at p95, {rawMs.Sum() / indexMs.Sum():N0}x in total time"));
        }
    }

    /// <summary>
    /// PostgreSQL on the production schema: the raw rows in a <c>checkins</c> table, check-outs paired in the query
    /// (<see cref="FirstDegreeCheckinsSql"/>); checked against the index, then timed, like the stays query.
    /// </summary>
    private static async Task<List<double>> CompareCheckinsAsync(NpgsqlConnection conn, Dictionary<int, Dictionary<int, Row>> expected, List<int> cases, TraceQuery q, long from, Func<TraceCity> regenerate)
    {
        TraceCity? city = regenerate();
        await Exec(conn, "DROP TABLE IF EXISTS checkins; CREATE UNLOGGED TABLE checkins (resident integer NOT NULL, venue integer NOT NULL, at bigint NOT NULL, direction smallint NOT NULL)");
        var sw = Stopwatch.StartNew();
        await using (var copy = await conn.BeginBinaryImportAsync("COPY checkins (resident, venue, at, direction) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < city.Count; i++)
            {
                var c = city[i];
                await copy.StartRowAsync();
                await copy.WriteAsync(c.Resident, NpgsqlDbType.Integer);
                await copy.WriteAsync(c.Venue, NpgsqlDbType.Integer);
                await copy.WriteAsync(c.At, NpgsqlDbType.Bigint);
                await copy.WriteAsync((short)(c.Out ? 1 : 0), NpgsqlDbType.Smallint);
            }
            await copy.CompleteAsync();
        }
        var copySeconds = sw.Elapsed.TotalSeconds;
        var count = city.Count;
        city = null;
        sw.Restart();
        foreach (var sql in CheckinsIndexes)
        {
            await Exec(conn, sql);
        }
        Console.WriteLine(string.Create(Inv, $"compare: PostgreSQL loaded {count:N0} check-ins into checkins by binary COPY in {copySeconds:F1} s, indexes + ANALYZE {sw.Elapsed.TotalSeconds:F1} s"));
        var ms = await TimePostgresAsync(conn, FirstDegreeCheckinsSql, "PostgreSQL (checkins)", expected, cases, q, from);
        Console.WriteLine(string.Create(Inv, $"compare: PostgreSQL on the checkins table p50 {P(ms, 50):F2} ms, p95 {P(ms, 95):F2} ms, max {ms.Max():F2} ms; same contacts, first exposures, exposures and overlaps as the index for all {cases.Count} cases (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})"));
        return ms;
    }

    /// <summary>
    /// Runs the first-degree query for every case twice on PostgreSQL: once to check it against the index (and warm
    /// up), once timed; prints the plan of the first case. Returns the timed milliseconds.
    /// </summary>
    private static async Task<List<double>> TimePostgresAsync(NpgsqlConnection conn, string sql, string engine,
        Dictionary<int, Dictionary<int, Row>> expected, List<int> cases, TraceQuery q, long from)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        cmd.Parameters.Add(new NpgsqlParameter("case", NpgsqlDbType.Integer));
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Bigint));
        cmd.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.Bigint));
        cmd.Parameters.Add(new NpgsqlParameter("w", NpgsqlDbType.Bigint));
        await cmd.PrepareAsync();
        async Task<Dictionary<int, Row>> Run(int c)
        {
            cmd.Parameters[0].Value = c;
            cmd.Parameters[1].Value = from;
            cmd.Parameters[2].Value = q.At;
            cmd.Parameters[3].Value = (long)q.WindowSeconds;
            var result = new Dictionary<int, Row>();
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                result[reader.GetInt32(0)] = new Row(reader.GetInt64(1), reader.GetInt64(2), Convert.ToInt64(reader.GetValue(3), Inv));
            }
            return result;
        }
        foreach (var c in cases)
        {
            Check(engine, c, expected[c], await Run(c)); // warm-up and check
        }
        var ms = new List<double>();
        foreach (var c in cases)
        {
            var t = Stopwatch.GetTimestamp();
            await Run(c);
            ms.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        await using (var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + sql, conn) { CommandTimeout = 0 })
        {
            explain.Parameters.AddWithValue("case", cases[0]);
            explain.Parameters.AddWithValue("from", from);
            explain.Parameters.AddWithValue("at", q.At);
            explain.Parameters.AddWithValue("w", (long)q.WindowSeconds);
            await using var reader = await explain.ExecuteReaderAsync();
            Console.WriteLine($"compare: {engine} plan of the first case:");
            while (await reader.ReadAsync())
            {
                Console.WriteLine("    " + reader.GetString(0));
            }
        }
        return ms;
    }

    private static void Check(string engine, int c, Dictionary<int, Row> expected, Dictionary<int, Row> actual)
    {
        if (expected.Count == actual.Count && expected.All(kv => actual.TryGetValue(kv.Key, out var row) && row == kv.Value))
        {
            return;
        }
        var missing = expected.Where(kv => !actual.TryGetValue(kv.Key, out var row) || row != kv.Value).Take(5).Select(kv => $"{kv.Key}:{kv.Value}");
        var extra = actual.Where(kv => !expected.TryGetValue(kv.Key, out var row) || row != kv.Value).Take(5).Select(kv => $"{kv.Key}:{kv.Value}");
        throw new InvalidOperationException($"{engine} disagrees with the index for case {c}: index {expected.Count} contacts, {engine} {actual.Count}; index only/different: {string.Join(", ", missing)}; {engine} only/different: {string.Join(", ", extra)}");
    }

    private static async Task Exec(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task ExecLite(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync();
    }
}
