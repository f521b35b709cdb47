using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using CityBrain.Infrastructure;
using CityBrain.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CityBrain.Tests.Dashboard;

/// <summary>A server whose dashboard sends a snapshot every second and allows two live streams.</summary>
public sealed class DashboardServer : ServerFixture
{
    protected override bool Postgres => false;

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["CityBrain:Dashboard:SnapshotSeconds"] = "1";
        settings["CityBrain:Dashboard:MaxStreams"] = "2";
    }
}

public sealed class DashboardEventsTests(DashboardServer server) : IClassFixture<DashboardServer>
{
    private static async Task<(HttpResponseMessage Response, IAsyncEnumerator<SseItem<string>> Events)> OpenAsync(HttpClient client, CancellationToken ct)
    {
        var response = await client.GetAsync("/api/v1/dashboard/events", HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            return (response, AsyncEnumerable.Empty<SseItem<string>>().GetAsyncEnumerator(ct));
        }
        var stream = await response.Content.ReadAsStreamAsync(ct);
        return (response, SseParser.Create(stream).EnumerateAsync(ct).GetAsyncEnumerator(ct));
    }

    private static async Task<SseItem<string>> NextAsync(IAsyncEnumerator<SseItem<string>> events, string type)
    {
        while (await events.MoveNextAsync())
        {
            if (events.Current.EventType == type)
            {
                return events.Current;
            }
        }
        throw new InvalidOperationException($"the stream ended before a '{type}' event");
    }

    [Fact]
    public async Task Events_Official_SnapshotAtOnceThenEachInterval()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var official = await server.LoginAsync("official");
        var (response, events) = await OpenAsync(official, cts.Token);
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var first = await NextAsync(events, "snapshot");
            var snapshot = JsonDocument.Parse(first.Data).RootElement;
            Assert.True(snapshot.GetProperty("codes").GetProperty("colours").ValueKind == JsonValueKind.Object);
            Assert.Equal(24, snapshot.GetProperty("checkins").GetProperty("by_hour").GetArrayLength());
            Assert.Equal(TimeSpan.FromSeconds(3), first.ReconnectionInterval);

            // A resident registers: a later snapshot counts them (no more than a few seconds later).
            var before = snapshot.GetProperty("codes").GetProperty("residents").GetInt64();
            var (resident, _, _) = await server.NewResidentAsync();
            resident.Dispose();
            var sw = Stopwatch.StartNew();
            long now;
            do
            {
                now = JsonDocument.Parse((await NextAsync(events, "snapshot")).Data).RootElement.GetProperty("codes").GetProperty("residents").GetInt64();
            }
            while (now == before && sw.Elapsed < TimeSpan.FromSeconds(10));
            Assert.Equal(before + 1, now);
            await events.DisposeAsync();
        }
    }

    [Fact]
    public async Task Events_CaseCountsImported_RiskmapEventWithTheNewVersion()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var admin = await server.LoginAsync("admin");
        var (response, events) = await OpenAsync(admin, cts.Token);
        using (response)
        {
            var first = JsonDocument.Parse((await NextAsync(events, "snapshot")).Data).RootElement.GetProperty("risk_map_version").GetInt64();
            using var official = await server.LoginAsync("official");
            var csv = "date,division_code,confirmed_new,confirmed_local_new,cluster_events\n2020-02-01,330106,12,10,1\n2020-02-02,330106,3,3,0\n";
            using var imported = await official.PostAsync("/api/v1/riskmap/casecounts", new StringContent(csv, Encoding.UTF8, "text/csv"), cts.Token);
            Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync(cts.Token));

            var change = JsonDocument.Parse((await NextAsync(events, "riskmap")).Data).RootElement.GetProperty("version").GetInt64();
            Assert.True(change > first, $"version {change} after {first}");
            var summary = await admin.GetFromJsonAsync<JsonElement>("/api/v1/dashboard/summary", cts.Token);
            Assert.Equal(change, summary.GetProperty("risk_map_version").GetInt64());
            await events.DisposeAsync();
        }
    }

    [Fact]
    public async Task Events_BeyondMaxStreams_503WithRetryAfter_FreedWhenAStreamCloses()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var official = await server.LoginAsync("official");
        var open = new List<(HttpResponseMessage, IAsyncEnumerator<SseItem<string>>)>();
        for (var i = 0; i < 2; i++)
        {
            // Streams of the tests before are freed at the server's next write (within a second).
            var s = await OpenAsync(official, cts.Token);
            for (var tries = 0; s.Response.StatusCode == HttpStatusCode.ServiceUnavailable && tries < 20; tries++)
            {
                s.Response.Dispose();
                await Task.Delay(250, cts.Token);
                s = await OpenAsync(official, cts.Token);
            }
            Assert.Equal(HttpStatusCode.OK, s.Response.StatusCode);
            await NextAsync(s.Events, "snapshot");
            open.Add(s);
        }
        using (var refused = await official.GetAsync("/api/v1/dashboard/events", HttpCompletionOption.ResponseHeadersRead, cts.Token))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        await open[0].Item2.DisposeAsync();
        open[0].Item1.Dispose();
        // The server notices the closed stream at its next write (within a snapshot interval).
        var sw = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            await Task.Delay(300, cts.Token);
            var again = await OpenAsync(official, cts.Token);
            status = again.Response.StatusCode;
            if (status == HttpStatusCode.OK)
            {
                open.Add(again);
            }
            else
            {
                again.Response.Dispose();
            }
        }
        while (status != HttpStatusCode.OK && sw.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, status);
        foreach (var (r, e) in open.Skip(1))
        {
            await e.DisposeAsync();
            r.Dispose();
        }
    }

    [Fact]
    public async Task Summary_Staff_CountsAndHotSpots_NoPersonalData()
    {
        using var admin = await server.LoginAsync("admin");
        var text = await admin.GetStringAsync("/api/v1/dashboard/summary");
        var s = JsonDocument.Parse(text).RootElement;
        Assert.True(s.TryGetProperty("codes", out _));
        Assert.True(s.TryGetProperty("venues", out _));
        Assert.Equal(JsonValueKind.Null, s.GetProperty("resumption").ValueKind); // no meter readings in this city
        Assert.DoesNotContain("id_number", text, StringComparison.Ordinal);
        using var checkpoint = await server.LoginAsync("checkpoint");
        Assert.Equal(HttpStatusCode.Forbidden, (await checkpoint.GetAsync("/api/v1/dashboard/summary")).StatusCode);
    }
}

/// <summary>Start-up and shutdown: each test builds its own server.</summary>
public sealed class DashboardLifetimeTests
{
    private static Dictionary<string, string?> Settings(string dir) => new()
    {
        ["CityBrain:Db"] = $"sqlite:{dir}/cb.db",
        ["CityBrain:KeysFile"] = Path.Combine(dir, "keys.json"),
        ["urls"] = "http://127.0.0.1:0",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    [Fact]
    public async Task Stop_WithAnOpenStream_EndsTheStreamAndDoesNotWait()
    {
        var dir = Directory.CreateTempSubdirectory("citybrain-dash-").FullName;
        var app = WebServer.Build([], Settings(dir));
        await app.StartAsync();
        var cb = app.Services.GetRequiredService<CityBrainApp>();
        await Features.Admin.StaffAccounts.AddAsync(cb, Features.HealthCodes.Actor.Cli, "official", "test-password-1", "health_official");
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { username = "official", password = "test-password-1" });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.GetAsync("/api/v1/dashboard/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var events = SseParser.Create(stream).EnumerateAsync().GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());

        var sw = Stopwatch.StartNew();
        await app.StopAsync();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"shutdown took {sw.Elapsed.TotalSeconds:F1} s with a stream open");
        // The client sees the end of the stream.
        var ended = false;
        try
        {
            while (await events.MoveNextAsync())
            {
            }
            ended = true;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            ended = true;
        }
        Assert.True(ended);
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("SnapshotSeconds", "0")]
    [InlineData("MaxStreams", "0")]
    public async Task Start_BadDashboardSetting_FailsNamingIt(string key, string value)
    {
        var dir = Directory.CreateTempSubdirectory("citybrain-dash-").FullName;
        var settings = Settings(dir);
        settings[$"CityBrain:Dashboard:{key}"] = value;
        var app = WebServer.Build([], settings);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains($"CityBrain:Dashboard:{key}", e.Message, StringComparison.Ordinal);
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, true);
    }
}
