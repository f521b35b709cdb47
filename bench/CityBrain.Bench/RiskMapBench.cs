using System.Diagnostics;
using CityBrain.Data.RiskMap;
using CityBrain.Domain.RiskMap;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.RiskMap;
using CityBrain.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityBrain.Bench;

/// <summary>
/// The risk map on the real 2020 data (data/covid-2020: 182 daily files): the grading of every area (counties, cities,
/// provinces) on every day under both rule sets in memory, then the same import and grading as
/// `citybrain import casecounts data/covid-2020` into a fresh database.
/// </summary>
public static class RiskMapBench
{
    public static async Task RunAsync(string dbSpec, int rounds)
    {
        var folder = Path.Combine(CityBrainApp.DataDirectory, "covid-2020");
        var dir = Directory.CreateTempSubdirectory("citybrain-riskmap-").FullName;
        try
        {
            var spec = dbSpec.Replace("{dir}", dir, StringComparison.Ordinal);
            using var app = CityBrainApp.Start(new CityBrainOptions { Db = spec, KeysFile = Path.Combine(dir, "keys.json") });
            var health = new HealthCodeService(app, NullLogger<HealthCodeService>.Instance);
            var service = new RiskMapService(app, health, new RiskMapOptions(), NullLogger<RiskMapService>.Instance);
            await using (var c = await app.Db.OpenAsync())
            {
                if (RiskMapStore.CountRows(c) > 0)
                {
                    throw new InvalidOperationException($"{spec} already holds case counts: give an empty database");
                }
            }
            // parsing and deriving daily counts (no database)
            var sw = Stopwatch.StartNew();
            var batch = new CaseCountBatch(app.Divisions);
            foreach (var file in Directory.GetFiles(folder, "*.csv").Order(StringComparer.Ordinal))
            {
                using var reader = new StreamReader(file);
                batch.Read(reader, Path.GetFileName(file));
            }
            var rows = batch.Derive((_, _) => 0);
            Console.WriteLine($"riskmap: read {batch.Files} files, {batch.Rows:N0} rows → {rows.Count:N0} daily counts in {sw.Elapsed.TotalMilliseconds:F0} ms");

            // grading in memory: every area, every day, both rule sets, all three levels
            var best = double.MaxValue;
            var grades = 0;
            var counties = 0;
            for (var i = 0; i < rounds; i++)
            {
                sw.Restart();
                var calc = new RiskMapCalculator(rows, service.Settings);
                grades = RiskMapService.Compute(calc, service.KnownDivisions).Count();
                best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
                counties = calc.Areas(AreaLevel.County, service.KnownDivisions).Count;
            }
            Console.WriteLine($"riskmap: graded {grades:N0} area-days (both rule sets; {counties} counties, all cities and provinces; 182 days) in {best:F0} ms (best of {rounds})");

            // the whole import through the handler: parse, store counts, grade, store grades, link to the health codes
            sw.Restart();
            var report = await service.ImportPathAsync(folder, Actor.Cli);
            Console.WriteLine($"riskmap: import + grading into {app.Db.Display.Split(';')[0]}: {report.Accepted:N0} counts, {report.Graded?.Rows:N0} grades stored in {sw.Elapsed.TotalSeconds:F2} s " +
                              $"(grading and storing: {report.Graded?.Seconds:F2} s)");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
