using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.Venues;
using CityBrain.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityBrain.Bench;

/// <summary>
/// Venue check-ins (issue 3). `scan`: the real server on 127.0.0.1 and wrk (Debian package `wrk`) as the load
/// generator on the same machine, POSTing tokens of 20,000 residents to /api/v1/checkpoint/scan at 500 venues, for a
/// bounded time; reports throughput, latency percentiles and checks the database holds every answered check-in.
/// `import`: checkins.csv of N rows through `citybrain import checkins`' handler.
/// </summary>
public static partial class ScanBench
{
    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow;
    }

    private static async Task<(CityBrainApp App, List<long> Residents, List<string> IdNumbers, List<string> Venues)> SetUpAsync(string dbSpec, string keys, int residents, int venues)
    {
        var app = CityBrainApp.Start(new CityBrainOptions { Db = dbSpec, KeysFile = keys });
        var service = new HealthCodeService(app, NullLogger<HealthCodeService>.Instance);
        var ids = new List<string>();
        var csv = new StringBuilder("resident_id,name,phone,division_code\n");
        var counties = Population.Counties.Take(11).ToArray();
        for (var i = 0; i < residents; i++)
        {
            var id = ResidentIdNumber.Create(counties[i % counties.Length], new DateOnly(1950, 1, 1).AddDays(i / 900), i % 900).Value;
            ids.Add(id);
            csv.Append(CultureInfo.InvariantCulture, $"{id},居民{i},,{counties[i % counties.Length]}\n");
        }
        await service.ImportPersonsAsync(new StringReader(csv.ToString()), Actor.Cli);
        var venueCsv = new StringBuilder("venue_id,name,type,division_code,lat,lon,capacity\n");
        var venueIds = new List<string>();
        for (var v = 0; v < venues; v++)
        {
            venueIds.Add($"B{v:D5}");
            venueCsv.Append(CultureInfo.InvariantCulture, $"B{v:D5},场所{v},mall,{counties[v % counties.Length]},30.2,120.1,0\n");
        }
        await new VenueAdmin(app, new VenueRegistry(app)).ImportVenuesAsync(new StringReader(venueCsv.ToString()), Actor.Cli);
        await Features.Admin.StaffAccounts.AddAsync(app, Actor.Cli, "bench-gate", "bench-password", Roles.Checkpoint);
        await using var c = await app.Db.OpenAsync();
        var keysOfResidents = c.Query<long>("SELECT id FROM residents ORDER BY id").ToList();
        return (app, keysOfResidents, ids, venueIds);
    }

    public static async Task RunScanAsync(string dbSpec, int seconds, int connections, int threads)
    {
        var dir = Directory.CreateTempSubdirectory("citybrain-scan-").FullName;
        dbSpec = dbSpec.Replace("{dir}", dir, StringComparison.Ordinal);
        var keys = Path.Combine(dir, "keys.json");
        var sw = Stopwatch.StartNew();
        var (setup, residents, _, venues) = await SetUpAsync(dbSpec, keys, 20_000, 500);
        setup.Dispose();
        Console.WriteLine($"scan: set up 20,000 residents and 500 venues in {sw.Elapsed.TotalSeconds:F1} s ({dbSpec.Split(';')[0]})");

        var web = WebServer.Build([], new Dictionary<string, string?>
        {
            ["CityBrain:Db"] = dbSpec,
            ["CityBrain:KeysFile"] = keys,
            ["urls"] = "http://127.0.0.1:5091",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await web.StartAsync();
        try
        {
            var app = web.Services.GetRequiredService<CityBrainApp>();
            using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:5091") };
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { username = "bench-gate", password = "bench-password" });
            var bearer = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();

            // wrk's script: every request a different resident's token (lifetime 10 minutes), at a Zipf-like venue.
            var rng = new Random(7);
            var lua = new StringBuilder("local bodies = {\n");
            for (var i = 0; i < residents.Count; i++)
            {
                var token = app.Keys.Issuer.Issue(residents[i], Colour.Green, app.Now, 600);
                var venue = venues[Math.Min(venues.Count - 1, (int)(Math.Pow(rng.NextDouble(), 3) * venues.Count))];
                // Relaxed escaping: the default would write + as \u002B, which Lua reads differently.
                var body = JsonSerializer.Serialize(new { venue_id = venue, token, direction = i % 3 == 2 ? "out" : "in" },
                    new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                lua.Append("  '").Append(body.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append("',\n");
            }
            lua.Append("}\n");
            lua.Append("local i = 0\nwrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n");
            lua.Append(CultureInfo.InvariantCulture, $"wrk.headers['Authorization'] = 'Bearer {bearer}'\n");
            lua.Append("function setup(thread) thread:set('offset', math.random(1, #bodies)) end\n");
            lua.Append("function init(args) i = offset end\n");
            lua.Append("function request() i = i % #bodies + 1; return wrk.format(nil, nil, nil, bodies[i]) end\n");
            // No response() hook: wrk would hand every response to Lua; it counts non-2xx answers itself.
            var script = Path.Combine(dir, "scan.lua");
            await File.WriteAllTextAsync(script, lua.ToString());

            long before;
            await using (var c = await app.Db.OpenAsync())
            {
                before = c.ExecuteScalar<long>("SELECT COUNT(*) FROM checkins");
            }
            // One request by hand first: a broken set-up must not pass for a fast server.
            using (var probe = new HttpRequestMessage(HttpMethod.Post, "/api/v1/checkpoint/scan"))
            {
                probe.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
                probe.Content = new StringContent(JsonSerializer.Serialize(new { venue_id = venues[0], token = app.Keys.Issuer.Issue(residents[0], Colour.Green, app.Now, 600) }), Encoding.UTF8, "application/json");
                var r = await http.SendAsync(probe);
                var text = await r.Content.ReadAsStringAsync();
                if (!r.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"the scan endpoint answered {(int)r.StatusCode}: {text}");
                }
            }
            // Warm up (JIT, connection pools), then the measured run.
            await Wrk(script, 5, connections, threads);
            await using (var c = await app.Db.OpenAsync())
            {
                before = c.ExecuteScalar<long>("SELECT COUNT(*) FROM checkins");
            }
            var output = await Wrk(script, seconds, connections, threads);
            Console.WriteLine(output.Trim());
            long after;
            await using (var c = await app.Db.OpenAsync())
            {
                after = c.ExecuteScalar<long>("SELECT COUNT(*) FROM checkins");
            }
            var total = long.Parse(RequestsLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var non2xx = NonTwoXx().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var writer = web.Services.GetRequiredService<CheckinWriter>();
            Console.WriteLine($"scan: {total:N0} requests in {seconds} s = {total / (double)seconds:N0}/s; non-2xx {non2xx:N0}; check-ins stored in the run {after - before:N0}; " +
                              $"writer: {writer.Written:N0} rows in {writer.Batches:N0} commits ({writer.Written / Math.Max(1.0, writer.Batches):F0} a commit); " +
                              $"time inserting {writer.Spent.Insert.TotalSeconds:F1} s, committing {writer.Spent.Commit.TotalSeconds:F1} s, handing to the tracing index {writer.Spent.Listeners.TotalSeconds:F1} s");
            Console.WriteLine("scan: targets: at least 20,000 scans/s sustained for 60 s with p99 at most 50 ms");
        }
        finally
        {
            await web.StopAsync();
            await web.DisposeAsync();
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<string> Wrk(string script, int seconds, int connections, int threads)
    {
        var psi = new ProcessStartInfo("wrk", $"-t{threads} -c{connections} -d{seconds}s --timeout 5s --latency -s {script} http://127.0.0.1:5091/api/v1/checkpoint/scan")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("wrk is needed: apt-get install wrk");
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output;
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonTwoXx();

    public static async Task RunImportAsync(string dbSpec, int rows, bool timeOrder)
    {
        var dir = Directory.CreateTempSubdirectory("citybrain-import-").FullName;
        dbSpec = dbSpec.Replace("{dir}", dir, StringComparison.Ordinal);
        var (app, _, ids, venues) = await SetUpAsync(dbSpec, Path.Combine(dir, "keys.json"), 100_000, 5_000);
        using var _ = app;
        var csv = Path.Combine(dir, "checkins.csv");
        var rng = new Random(11);
        var start = DateTimeOffset.UtcNow.AddDays(-13);
        await using (var w = new StreamWriter(csv, false, new UTF8Encoding(false), 1 << 20))
        {
            await w.WriteLineAsync("resident_id,venue_id,time,direction");
            for (var i = 0; i < rows; i++)
            {
                // Shuffled times (the harder case: every batch spans the whole period) or in time order, as a
                // checkpoint system's export would be.
                var t = start.AddSeconds(timeOrder ? (long)i * 13 * 86400 / rows : rng.Next(13 * 86400)).ToOffset(TimeSpan.FromHours(8));
                w.Write(ids[rng.Next(ids.Count)]);
                w.Write(',');
                w.Write(venues[Math.Min(venues.Count - 1, (int)(Math.Pow(rng.NextDouble(), 3) * venues.Count))]);
                w.Write(',');
                w.Write(t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
                w.WriteLine(i % 4 == 3 ? ",out" : ",in");
            }
        }
        var size = new FileInfo(csv).Length / 1048576.0;
        var admin = new VenueAdmin(app, new VenueRegistry(app));
        Console.WriteLine($"importing {csv} ({size:F0} MiB)");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var sw = Stopwatch.StartNew();
        using var reader = new StreamReader(csv, Encoding.UTF8, true, 1 << 20);
        var report = await admin.ImportCheckinsAsync(reader, Actor.Cli);
        sw.Stop();
        Console.WriteLine($"import: {report.Accepted:N0} of {report.Rows:N0} check-ins ({size:F0} MiB of CSV) in {sw.Elapsed.TotalSeconds:F1} s = {report.Accepted / sw.Elapsed.TotalSeconds:N0}/s " +
                          $"({dbSpec.Split(':')[0]}, {(timeOrder ? "rows in time order" : "rows in random time order")}; target 1,000,000/s); process peak {Machine.PeakMiB():F0} MiB");
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"  {admin.LastCheckinImport}; process CPU {cpu.TotalSeconds:F2} s ({cpu.TotalSeconds / sw.Elapsed.TotalSeconds:F2} cores); " +
                          $"collections {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}, paused {(GC.GetTotalPauseDuration() - paused).TotalSeconds:F2} s");
        Directory.Delete(dir, true);
    }
}
