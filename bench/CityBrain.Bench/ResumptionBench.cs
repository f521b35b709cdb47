using System.Diagnostics;
using System.Globalization;
using CityBrain.Domain.Resumption;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.Resumption;
using CityBrain.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CityBrain.Bench;

/// <summary>
/// The work-resumption index at city scale: 50,000 enterprises × 120 days of daily readings (2019-12-01 .. 2020-03-29,
/// the December baseline, the Spring Festival and the slow restart after it), written to CSV files first (not timed),
/// then imported through the same handlers as `citybrain import enterprises|meters`, then a full recompute of every
/// day at every level (county, city, province, industry). Target: import and recompute under 10 s.
/// </summary>
public static class ResumptionBench
{
    private static readonly DateOnly First = new(2019, 12, 1);

    public static async Task RunAsync(string dbSpec, int enterprises, int days, bool enterpriseOrder)
    {
        var dir = Directory.CreateTempSubdirectory("citybrain-resumption-").FullName;
        try
        {
            var sw = Stopwatch.StartNew();
            var (registerFile, metersFile, readings) = WriteFiles(dir, enterprises, days, enterpriseOrder);
            Console.WriteLine($"resumption: wrote {enterprises:N0} enterprises and {readings:N0} readings ({new FileInfo(metersFile).Length / 1048576.0:F0} MiB, " +
                              $"{(enterpriseOrder ? "one enterprise after another" : "one day after another")}) in {sw.Elapsed.TotalSeconds:F1} s (not timed)");
            Reset(dbSpec);
            // the key file outlives the run: a PostgreSQL database is reused, and remembers which keys it was written with
            var keys = Path.Combine(Path.GetTempPath(), "citybrain-resumption-bench-" +
                Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dbSpec)))[..12] + ".keys.json");
            using var app = CityBrainApp.Start(new CityBrainOptions { Db = dbSpec, KeysFile = keys }, new FixedClock(new DateTimeOffset(2020, 3, 30, 8, 0, 0, TimeSpan.FromHours(8))));
            var service = new ResumptionService(app, new ResumptionOptions(), NullLogger<ResumptionService>.Instance);
            GC.Collect();

            var total = Stopwatch.StartNew();
            ImportReport register, meters;
            using (var reader = new StreamReader(registerFile))
            {
                register = await service.ImportEnterprisesAsync(reader, Actor.Cli);
            }
            var afterRegister = total.Elapsed.TotalSeconds;
            using (var reader = new StreamReader(metersFile))
            {
                meters = await service.ImportMetersAsync(reader, Actor.Cli);
            }
            var afterMeters = total.Elapsed.TotalSeconds;
            var summary = await service.RecomputeAsync(service.Defaults);
            var seconds = total.Elapsed.TotalSeconds;
            Console.WriteLine($"resumption: import enterprises {afterRegister:F2} s ({register.Accepted:N0} accepted, {register.Rejected.Count} rejected)");
            Console.WriteLine($"resumption: import meters {afterMeters - afterRegister:F2} s ({meters.Accepted:N0} of {meters.Rows:N0} rows accepted, {meters.Rejected.Count} rejected) = {meters.Rows / (afterMeters - afterRegister):N0} rows/s");
            Console.WriteLine($"resumption: full recompute {seconds - afterMeters:F2} s (reading {summary.ReadSeconds:F2} s): {summary.Enterprises:N0} enterprises, {summary.Days} days, {summary.FigureRows:N0} figure rows");
            Console.WriteLine($"resumption: TOTAL import + recompute {seconds:F2} s on {dbSpec.Split(':')[0]} (target: under 10 s); process peak {Machine.PeakMiB():F0} MiB");

            var day = new DateOnly(2020, 2, 19);
            var figures = await service.FiguresAsync(day, Level.Province, null, null, service.Defaults);
            var p = figures.Total;
            Console.WriteLine($"resumption: {day:yyyy-MM-dd} resumption rate {p.ResumptionRate:P2}, production rate {p.ProductionRate:P2}, index {p.Index:P2} " +
                              $"(by three industries {p.StructuredIndex:P2}); {p.NoBaseline:N0} without a baseline");
            var again = Stopwatch.StartNew();
            using (var reader = new StreamReader(metersFile))
            {
                meters = await service.ImportMetersAsync(reader, Actor.Cli);
            }
            Console.WriteLine($"resumption: the same meter file again (nothing to write, every day compared with the stored one) {again.Elapsed.TotalSeconds:F2} s, {meters.Accepted:N0} accepted, {meters.Rejected.Count} rejected");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static void Reset(string dbSpec)
    {
        using var db = Data.Infrastructure.Database.Open(dbSpec);
        if (db.SqlitePath is { } path && path != ":memory:")
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm", ".keys.json" })
            {
                File.Delete(path + suffix);
            }
            return;
        }
        Data.Infrastructure.Migrator.Apply(db);
        using var c = db.Open();
        using var cmd = new NpgsqlCommand("TRUNCATE enterprises, meter_days", (NpgsqlConnection)c);
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// A seeded synthetic province: enterprises in Zhejiang's 90 counties, mostly industry and trade, 15% above size;
    /// baselines log-normal (median 400 kWh a day); 2% opened after December (no baseline). The Spring Festival from
    /// 2020-01-20 empties the factories; from 2020-02-10 each enterprise restarts on its own day, ramping up over a
    /// week or two, larger ones earlier.
    /// </summary>
    private static (string Register, string Meters, long Readings) WriteFiles(string dir, int enterprises, int days, bool enterpriseOrder)
    {
        var counties = File.ReadLines(Path.Combine(CityBrainApp.DataDirectory, "divisions", "areas.csv")).Skip(1)
            .Select(l => l.Split(',')[0]).Where(c => c.StartsWith("33", StringComparison.Ordinal)).ToArray();
        var sectorShare = new (Sector Sector, double Share)[]
        {
            (Sector.Industry, 0.45), (Sector.WholesaleRetail, 0.18), (Sector.HotelsCatering, 0.08), (Sector.Construction, 0.06), (Sector.Transport, 0.05),
            (Sector.BusinessServices, 0.05), (Sector.Information, 0.04), (Sector.PublicServices, 0.04), (Sector.FinanceRealEstate, 0.03), (Sector.Agriculture, 0.02),
        };
        var rng = new Random(2020);
        var mean = new double[enterprises];
        var opens = new int[enterprises];     // day index it starts using electricity (0, or later for new ones)
        var restart = new int[enterprises];   // day index it restarts after the festival
        var register = Path.Combine(dir, "enterprises.csv");
        using (var w = new StreamWriter(register))
        {
            w.WriteLine("enterprise_id,name,industry,division_code,scale");
            for (var e = 0; e < enterprises; e++)
            {
                var pick = rng.NextDouble();
                var sector = sectorShare[^1].Sector;
                foreach (var (s, share) in sectorShare)
                {
                    if ((pick -= share) < 0)
                    {
                        sector = s;
                        break;
                    }
                }
                var above = rng.NextDouble() < 0.15;
                mean[e] = 400 * Math.Exp(Normal(rng) * 1.2) * (above ? 8 : 1);
                opens[e] = rng.NextDouble() < 0.02 ? 35 + rng.Next(40) : 0;
                restart[e] = 71 + (int)Math.Abs(Normal(rng) * (above ? 6 : 14)) + (sector == Sector.HotelsCatering ? 10 : 0);
                w.WriteLine($"E{e + 1:D8},企业{e + 1},{sector.Code()},{counties[rng.Next(counties.Length)]},{(above ? "above_size" : "below_size")}");
            }
        }
        var meters = Path.Combine(dir, "meters.csv");
        long n = 0;
        using (var w = new StreamWriter(meters, false, new System.Text.UTF8Encoding(false), 1 << 20))
        {
            w.WriteLine("enterprise_id,date,kwh");
            void Write(int e, int d)
            {
                if (d < opens[e])
                {
                    return;
                }
                var date = First.AddDays(d);
                var level = d < 50 ? 1.0                                        // to 2020-01-19: normal
                    : d < restart[e] ? 0.12                                     // the festival and the closure
                    : Math.Min(1.0, 0.3 + 0.7 * (d - restart[e]) / 14.0);      // ramping up after its restart
                var weekly = date.DayOfWeek is DayOfWeek.Sunday ? 0.8 : 1.0;
                var kwh = mean[e] * level * weekly * (0.9 + 0.2 * ((e * 7919 + d * 104729) % 1000) / 1000.0);
                w.Write('E');
                w.Write((e + 1).ToString("D8", CultureInfo.InvariantCulture));
                w.Write(',');
                w.Write(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                w.Write(',');
                w.WriteLine(Math.Round(kwh, 2).ToString(CultureInfo.InvariantCulture));
                n++;
            }
            if (enterpriseOrder)
            {
                for (var e = 0; e < enterprises; e++)
                {
                    for (var d = 0; d < days; d++)
                    {
                        Write(e, d);
                    }
                }
            }
            else
            {
                for (var d = 0; d < days; d++)
                {
                    for (var e = 0; e < enterprises; e++)
                    {
                        Write(e, d);
                    }
                }
            }
        }
        return (register, meters, n);
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
