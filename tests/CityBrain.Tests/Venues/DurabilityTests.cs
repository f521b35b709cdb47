using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using CityBrain.Tests.Infrastructure;
using Dapper;

namespace CityBrain.Tests.Venues;

/// <summary>
/// An acknowledged check-in is never lost: a real `citybrain serve` process takes scans from 32 concurrent clients,
/// is killed with SIGKILL in the middle, restarts, and every check-in that got a success answer is in the database.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("citybrain-kill-").FullName;
    private string? _pgDatabase;

    public void Dispose()
    {
        if (_pgDatabase is not null)
        {
            TestDatabases.DropPostgresAsync(_pgDatabase).GetAwaiter().GetResult();
        }
        Directory.Delete(_dir, true);
    }

    public static TheoryData<string> Databases => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Serve_KilledDuringLoad_EveryAcknowledgedCheckinSurvives(string kind)
    {
        var db = kind == "sqlite" ? $"sqlite:{_dir}/kill.db" : "postgres:" + await TestDatabases.CreatePostgresAsync(n => _pgDatabase = n);
        var keys = Path.Combine(_dir, "keys.json");

        // A small city: 60 residents, one venue, a checkpoint account, set up through the same code the CLI uses.
        var subjects = new List<long>();
        using (var app = CityBrain.Infrastructure.CityBrainApp.Start(new CityBrain.Infrastructure.CityBrainOptions { Db = db, KeysFile = keys }))
        {
            var service = new Features.HealthCodes.HealthCodeService(app, Microsoft.Extensions.Logging.Abstractions.NullLogger<Features.HealthCodes.HealthCodeService>.Instance);
            var csv = "resident_id,name,phone,division_code\n" + string.Join("\n", Enumerable.Range(1, 60).Select(i =>
                $"{ResidentIdNumber.Create("330106", new DateOnly(1980, 1, 1).AddDays(i * 11), i).Value},测试{i},,330106"));
            await service.ImportPersonsAsync(new StringReader(csv), Features.HealthCodes.Actor.Cli);
            await new Features.Venues.VenueAdmin(app, new Features.Venues.VenueRegistry(app)).ImportVenuesAsync(
                new StringReader("venue_id,name,type,division_code,lat,lon,capacity\nGATE,北站,station,330106,30.3,120.1,0\n"), Features.HealthCodes.Actor.Cli);
            await Features.Admin.StaffAccounts.AddAsync(app, Features.HealthCodes.Actor.Cli, "gate", "gate-password", "checkpoint");
            await using var c = await app.Db.OpenAsync();
            subjects.AddRange(c.Query<long>("SELECT id FROM residents ORDER BY id"));
        }
        var issuer = CityBrain.Infrastructure.KeyRing.Load(keys).Issuer;
        var tokens = subjects.Select(s => issuer.Issue(s, Colour.Green, DateTimeOffset.UtcNow, 600)).ToArray();

        var port = FreePort();
        var server = StartServer(db, keys, port);
        var acked = new ConcurrentBag<long>();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            await WaitUntilUp(http);
            var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { username = "gate", password = "gate-password" });
            var bearer = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var sent = 0;
            var workers = Enumerable.Range(0, 32).Select(w => Task.Run(async () =>
            {
                for (var i = w; !stop.IsCancellationRequested && i < 200_000; i += 32)
                {
                    Interlocked.Increment(ref sent);
                    try
                    {
                        using var r = await http.PostAsJsonAsync("/api/v1/checkpoint/scan",
                            new { venue_id = "GATE", token = tokens[i % tokens.Length], direction = i % 2 == 0 ? "in" : "out" }, stop.Token);
                        if (r.IsSuccessStatusCode)
                        {
                            var id = (await r.Content.ReadFromJsonAsync<JsonElement>(stop.Token)).GetProperty("checkin_id").GetInt64();
                            acked.Add(id);
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or JsonException)
                    {
                        if (server.HasExited)
                        {
                            return;
                        }
                    }
                }
            })).ToList();

            // Kill in the middle of the load, once a good number of check-ins have been acknowledged.
            var deadline = Stopwatch.StartNew();
            while (acked.Count < 500 && deadline.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(20);
            }
            server.Kill(entireProcessTree: true); // SIGKILL on Linux: no shutdown, no flush
            await server.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(workers);
            Assert.True(acked.Count >= 500, $"only {acked.Count} check-ins acknowledged before the kill ({sent} sent)");
            Assert.True(acked.All(id => id > 0));
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
            server.Dispose();
        }

        // Restart: the server comes back on the same database, and every acknowledged check-in is there.
        var restarted = StartServer(db, keys, port);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitUntilUp(http);
        }
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
            restarted.Dispose();
        }
        using var database = Database.Open(db);
        using var conn = database.Open();
        var stored = conn.Query<long>("SELECT id FROM checkins").ToHashSet();
        var lost = acked.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acked.Count} acknowledged check-ins were lost");
    }

    private static int FreePort()
    {
        var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private Process StartServer(string db, string keys, int port)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "citybrain.dll"), "serve", "--urls", $"http://127.0.0.1:{port}", "--db", db, "--keys", keys })
        {
            psi.ArgumentList.Add(a);
        }
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task WaitUntilUp(HttpClient http)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("the server did not come up in 30 s");
    }
}
