using System.Diagnostics;
using CityBrain.Data.HealthCodes;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.Common;
using CityBrain.Domain.HealthCodes;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace CityBrain.Bench;

/// <summary>
/// The nightly recompute of a whole city: seeds the health_state table with a realistic population (Population), then
/// runs the same handler the server's nightly job and `citybrain recompute` run, twice: once on the fresh data (many
/// codes change) and once a day later (releases happen). Reports time, rows/s and the process's memory.
/// </summary>
public static class RecomputeBench
{
    public static async Task RunAsync(string dbSpec, int residents, bool reuse)
    {
        var now = new DateTimeOffset(2020, 2, 20, 0, 5, 0, TimeSpan.FromHours(8));
        var keys = Path.Combine(Path.GetTempPath(), "citybrain-bench-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dbSpec)))[..12] + ".keys.json");
        using (var db = Database.Open(dbSpec))
        {
            Migrator.Apply(db);
            using var c = db.Open();
            var have = c.ExecuteScalar<long>("SELECT COUNT(*) FROM health_state");
            if (!reuse || have != residents)
            {
                var sw = Stopwatch.StartNew();
                Seed(db, residents, now);
                Console.WriteLine($"recompute: seeded {residents:N0} residents in {sw.Elapsed.TotalSeconds:F1} s ({db.Display.Split(';')[0]})");
            }
        }
        var app = CityBrainApp.Start(new CityBrainOptions { Db = dbSpec, KeysFile = keys }, new FixedClock(now));
        using var _ = app;
        var service = new HealthCodeService(app, NullLogger<HealthCodeService>.Instance);
        await using (var c = await app.Db.OpenAsync())
        await using (var tx = await c.BeginTransactionAsync())
        {
            RiskAreaStore.Set(c, tx, "4201", RiskRank.High, "bench", now.ToUnixTimeSeconds());
            RiskAreaStore.Set(c, tx, "330302", RiskRank.Medium, "bench", now.ToUnixTimeSeconds());
            RiskAreaStore.Set(c, tx, "330303", RiskRank.Medium, "bench", now.ToUnixTimeSeconds());
            await tx.CommitAsync();
        }
        foreach (var (label, at) in new[] { ("first (fresh data)", now), ("nightly (a day later)", now.AddDays(1)), ("again (nothing to change)", now.AddDays(1)) })
        {
            GC.Collect();
            var heapPeak = 0L;
            using var cts = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!cts.IsCancelled())
                {
                    heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(false));
                    await Task.Delay(50);
                }
            });
            var report = await service.RecomputeAllAsync(at, "bench");
            cts.Cancel();
            await sampler;
            Console.WriteLine($"recompute: {label}: {report.Residents:N0} residents in {report.Seconds:F1} s = {report.Residents / report.Seconds:N0}/s; " +
                              $"{report.Changed:N0} codes written ({report.ColourChanges:N0} colour changes); green {report.Counts["green"]:N0} yellow {report.Counts["yellow"]:N0} red {report.Counts["red"]:N0}; " +
                              $"managed heap peak {heapPeak / 1048576.0:F0} MiB, process peak {Machine.PeakMiB():F0} MiB (target: at most 60 s)");
        }
    }

    private static bool IsCancelled(this CancellationTokenSource cts) => cts.IsCancellationRequested;

    /// <summary>The synthetic city lives in February 2020.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static void Seed(Database db, int residents, DateTimeOffset now)
    {
        var today = CityCalendar.China.DayOf(now);
        var rng = new Random(2020);
        var f = new HealthFacts();
        var t = now.ToUnixTimeSeconds();
        using var c = db.Open();
        if (db.IsPostgres)
        {
            var pg = (NpgsqlConnection)c;
            pg.Execute("ALTER TABLE health_state DROP CONSTRAINT IF EXISTS health_state_resident_id_fkey; TRUNCATE health_state, code_changes");
            using (var copy = pg.BeginBinaryImport("COPY health_state (resident_id, home_division, birth_year, lists, since0, since1, since2, since3, since4, decl_day, temp_x10, symptoms, contact_case, travel, last_abnormal_day, streak_start, streak_last, colour, rules, colour_since, computed_at) FROM STDIN (FORMAT BINARY)"))
            {
            for (var id = 1L; id <= residents; id++)
            {
                Population.Fill(f, id, today, rng);
                copy.StartRow();
                copy.Write(id, NpgsqlDbType.Bigint);
                copy.Write(f.HomeDivision, NpgsqlDbType.Text);
                copy.Write(f.BirthYear, NpgsqlDbType.Integer);
                copy.Write((int)f.Lists, NpgsqlDbType.Integer);
                for (var k = 0; k < Lists.Count; k++)
                {
                    WriteDay(copy, f.ListSinceDay[k]);
                }
                WriteDay(copy, f.DeclarationDay);
                copy.Write(f.TemperatureX10, NpgsqlDbType.Integer);
                copy.Write((int)f.Symptoms, NpgsqlDbType.Integer);
                copy.Write(f.ContactWithCase ? 1 : 0, NpgsqlDbType.Integer);
                if (f.Travel is null) copy.WriteNull(); else copy.Write(f.Travel, NpgsqlDbType.Text);
                WriteDay(copy, f.LastAbnormalDay);
                WriteDay(copy, f.StreakStartDay);
                WriteDay(copy, f.StreakLastDay);
                copy.Write(0, NpgsqlDbType.Integer);
                copy.Write("", NpgsqlDbType.Text);
                copy.Write(t, NpgsqlDbType.Bigint);
                copy.Write(t, NpgsqlDbType.Bigint);
            }
            copy.Complete();
            }
            pg.Execute("VACUUM ANALYZE health_state");
            return;
        }
        var lite = (SqliteConnection)c;
        lite.Execute("PRAGMA foreign_keys=OFF; DELETE FROM health_state; DELETE FROM code_changes;");
        using var cmd = lite.CreateCommand();
        cmd.CommandText = "INSERT INTO health_state (resident_id, home_division, birth_year, lists, since0, since1, since2, since3, since4, decl_day, temp_x10, symptoms, contact_case, travel, last_abnormal_day, streak_start, streak_last, colour, rules, colour_since, computed_at) " +
                          "VALUES ($id, $hd, $by, $l, $s0, $s1, $s2, $s3, $s4, $dd, $t10, $sym, 0, $tr, $lad, $ss, $sl, 0, '', $t, $t)";
        var p = new[] { "$id", "$hd", "$by", "$l", "$s0", "$s1", "$s2", "$s3", "$s4", "$dd", "$t10", "$sym", "$tr", "$lad", "$ss", "$sl", "$t" }
            .Select(n => cmd.Parameters.Add(new SqliteParameter(n, null))).ToArray();
        p[16].Value = t;
        var tx = lite.BeginTransaction();
        cmd.Transaction = tx;
        cmd.Prepare();
        for (var id = 1L; id <= residents; id++)
        {
            Population.Fill(f, id, today, rng);
            p[0].Value = id;
            p[1].Value = f.HomeDivision;
            p[2].Value = f.BirthYear;
            p[3].Value = (int)f.Lists;
            for (var k = 0; k < Lists.Count; k++)
            {
                p[4 + k].Value = Day(f.ListSinceDay[k]);
            }
            p[9].Value = Day(f.DeclarationDay);
            p[10].Value = f.TemperatureX10;
            p[11].Value = (int)f.Symptoms;
            p[12].Value = (object?)f.Travel ?? DBNull.Value;
            p[13].Value = Day(f.LastAbnormalDay);
            p[14].Value = Day(f.StreakStartDay);
            p[15].Value = Day(f.StreakLastDay);
            cmd.ExecuteNonQuery();
            if (id % 500_000 == 0)
            {
                tx.Commit();
                tx = lite.BeginTransaction();
                cmd.Transaction = tx;
            }
        }
        tx.Commit();
        lite.Execute("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;");
    }

    private static object Day(int d) => d == HealthFacts.NoDay ? DBNull.Value : d;

    private static void WriteDay(NpgsqlBinaryImporter copy, int d)
    {
        if (d == HealthFacts.NoDay)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(d, NpgsqlDbType.Integer);
        }
    }
}
