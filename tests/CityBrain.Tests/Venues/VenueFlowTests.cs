using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using CityBrain.Tests.Infrastructure;
using static CityBrain.Tests.Infrastructure.Http;

namespace CityBrain.Tests.Venues;

/// <summary>Venues, scanning and check-ins end to end over real HTTP, on SQLite and on PostgreSQL.</summary>
public abstract class VenueFlowTests<TServer>(TServer server) where TServer : ServerFixture
{

    private int _seq;

    private async Task<string> NewVenueAsync(int capacity = 0, string yellow = "deny", string type = "market")
    {
        var id = $"V-{typeof(TServer).Name[..3]}-{Interlocked.Increment(ref _seq)}-{Guid.NewGuid():N}"[..30];
        using var admin = await server.LoginAsync("admin");
        await Json(await admin.PostAsJsonAsync("/api/v1/admin/venues",
            new { venue_id = id, name = "湖滨银泰 " + id, type, division_code = "330102", lat = 30.2595, lon = 120.1692, capacity, yellow_policy = yellow }, ServerFixture.Json));
        return id;
    }

    private async Task<string> TokenOfAsync(HttpClient resident) =>
        (await Json(await resident.GetAsync("/api/v1/me/token"))).GetProperty("token").GetString()!;

    private async Task<JsonElement> ScanAsync(string venue, string token, string direction = "in")
    {
        using var checkpoint = await server.LoginAsync("checkpoint");
        return await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/scan", new { venue_id = venue, token, direction }, ServerFixture.Json));
    }

    [Fact]
    public async Task ImportVenues_BadRows_ReportedWithLineAndGoodKept()
    {
        using var admin = await server.LoginAsync("admin");
        var csv = "venue_id,name,type,division_code,lat,lon,capacity\n" +
                  "IMP-1,西湖景区,scenic_area,330106,30.24,120.14,5000\n" +
                  "IMP-2,Nowhere,spaceport,330106,30.24,120.14,10\n" +
                  "IMP-3,Off map,mall,330106,80,120,10\n" +
                  "IMP-4,Bad division,mall,999999,30.2,120.1,10\n" +
                  "IMP-1,Again,mall,330106,30.2,120.1,10\n";
        var report = await Json(await admin.PostAsync("/api/v1/admin/imports/venues", Csv(csv)));
        Assert.Equal(1, report.GetProperty("accepted").GetInt32());
        var rejected = report.GetProperty("rejected").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(3, "type"), (4, "lat"), (5, "division_code"), (6, "venue_id")], rejected);
        var venues = await Json(await admin.GetAsync("/api/v1/admin/venues"));
        Assert.Contains(venues.EnumerateArray(), v => v.GetProperty("venue_id").GetString() == "IMP-1" && v.GetProperty("capacity").GetInt32() == 5000);
    }

    [Fact]
    public async Task ImportCheckins_EveryBadRowReportedWithItsLine_GoodRowsStored()
    {
        var venue = await NewVenueAsync();
        var (_, p, pKey) = await server.NewResidentAsync();
        var (_, q, qKey) = await server.NewResidentAsync();
        var t0 = new DateTimeOffset(2020, 2, 9, 9, 0, 0, TimeSpan.FromHours(8));   // the day before the test clock's start
        string T(int seconds) => t0.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);
        // Columns in another order, an extra column, a byte-order mark; then more rows than one stretch of lines holds
        // (so the readers work on several stretches at once), with a bad row far into the file. The test servers commit
        // 1,000 rows a transaction (CityBrain:CheckinImportBatch): these batches overlap in time, so the time index is
        // dropped and built again at the end.
        var csv = new StringBuilder("\uFEFFtime,note,venue_id,resident_id,direction\n");
        csv.Append($"{T(0)},,{venue},{p},in\n");                              // line 2: good
        csv.Append($"\"{T(60)}\",\"a, b\",\"{venue}\",{q.ToLowerInvariant()},out\n"); // 3: good, quoted, ID in lower case
        csv.Append('\n');                                                     // 4: blank, not a row
        csv.Append($"{T(120)},,{venue},110101199001011234,in\n");            // 5: no such resident
        csv.Append($"{T(120)},,NO-SUCH-VENUE,{p},in\n");                      // 6: no such venue
        csv.Append($"2020-02-09 09:02,,{venue},{p},in\n");                    // 7: not ISO 8601 with an offset
        csv.Append($"{T(120)},,{venue},{p},sideways\n");                      // 8: bad direction
        csv.Append($"{T(120)},,{venue}\n");                                   // 9: too few columns
        csv.Append($"{T(120)},\"open,{venue},{p},in\n");                     // 10: unterminated quote
        csv.Append($"2020-02-09T09:03+08:00,,{venue},{p},\n");                // 11: good (no seconds, direction defaults to in)
        csv.Append($"2030-01-01T00:00:00+08:00,,{venue},{p},in\n");           // 12: in the future
        csv.Append($"2019-06-01T08:00:00+08:00,,{venue},{q},in\n");           // 13: good, months before the rest
        csv.Append($"2020-02-09T09:05:00,,{venue},{q},in\n");                 // 14: no offset
        const int Bulk = 210_000;
        for (var i = 0; i < Bulk; i++)
        {
            csv.Append(i == 150_000 ? $"{T(3600)},,{venue},{p},maybe\n" : $"{T(3600 + i % 7200)},,{venue},{(i % 2 == 0 ? p : q)},in\n");
        }
        using var admin = await server.LoginAsync("admin");
        var report = await Json(await admin.PostAsync("/api/v1/admin/imports/checkins", Csv(csv.ToString())));

        var rejected = report.GetProperty("rejected").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(5, "resident_id"), (6, "venue_id"), (7, "time"), (8, "direction"), (9, "row"), (10, "line"), (12, "time"), (14, "time"), (14 + 150_001, "direction")], rejected);
        Assert.Equal(12 + Bulk, report.GetProperty("rows").GetInt32());
        Assert.Equal(4 + Bulk - 1, report.GetProperty("accepted").GetInt32());
        var db = server.App.Services.GetRequiredService<CityBrain.Infrastructure.CityBrainApp>().Db;
        await using var c = await db.OpenAsync();
        var stored = Dapper.SqlMapper.Query<(long Resident, long At, int Direction, int Method)>(c,
            "SELECT c.resident_id, c.at, c.direction, c.method FROM checkins c JOIN venues v ON v.vkey = c.vkey WHERE v.id = @venue ORDER BY c.at, c.resident_id",
            new { venue }).ToList();
        Assert.Equal(4 + Bulk - 1, stored.Count);
        Assert.Equal((qKey, new DateTimeOffset(2019, 6, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), 0, 4), stored[0]);
        Assert.Equal((pKey, t0.ToUnixTimeSeconds(), 0, 4), stored[1]);
        Assert.Equal((qKey, t0.ToUnixTimeSeconds() + 60, 1, 4), stored[2]);
        Assert.Equal((pKey, t0.ToUnixTimeSeconds() + 180, 0, 4), stored[3]);
        Assert.Equal(Bulk / 2 - 1, stored.Count(r => r.Resident == pKey && r.At >= t0.ToUnixTimeSeconds() + 3600));
        var indexes = Dapper.SqlMapper.Query<string>(c, server is PostgresServer
            ? "SELECT indexname FROM pg_indexes WHERE tablename = 'checkins'"
            : "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'checkins'").ToList();
        Assert.Contains("checkins_at", indexes);       // dropped for the bulk load, built again
        Assert.Contains("checkins_client", indexes);   // kept: offline uploads during an import still need it
    }

    [Fact]
    public async Task Scan_GreenPassesRedDenied_CheckinsRecordedAndOccupancyCounts()
    {
        var venue = await NewVenueAsync();
        var (green, _, _) = await server.NewResidentAsync();
        var (red, redId, _) = await server.NewResidentAsync();
        using var official = await server.LoginAsync("official");
        await Json(await official.PostAsync("/api/v1/health/imports/lists", Csv($"resident_id,list,since\n{redId},close_contact,2020-02-01\n")));

        var pass = await ScanAsync(venue, await TokenOfAsync(green));
        Assert.True(pass.GetProperty("pass").GetBoolean());
        Assert.True(pass.GetProperty("checkin_id").GetInt64() > 0);
        Assert.Matches("^测\\*+$", pass.GetProperty("masked_name").GetString());
        var deny = await ScanAsync(venue, await TokenOfAsync(red));
        Assert.False(deny.GetProperty("pass").GetBoolean());
        Assert.Equal("red", deny.GetProperty("colour").GetString());
        Assert.True(deny.GetProperty("checkin_id").GetInt64() > 0, "a denied scan is recorded too");

        using var checkpoint = await server.LoginAsync("checkpoint");
        var occ = await Json(await checkpoint.GetAsync($"/api/v1/checkpoint/venues/{venue}/occupancy"));
        Assert.Equal(1, occ.GetProperty("occupancy").GetInt32());

        await ScanAsync(venue, await TokenOfAsync(green), "out");
        occ = await Json(await checkpoint.GetAsync($"/api/v1/checkpoint/venues/{venue}/occupancy"));
        Assert.Equal(0, occ.GetProperty("occupancy").GetInt32());
    }

    [Fact]
    public async Task Scan_YellowAtVenueThatAdmits_PassesAndRecorded()
    {
        var admits = await NewVenueAsync(yellow: "admit", type: "hospital");
        var denies = await NewVenueAsync(yellow: "deny");
        var (resident, _, _) = await server.NewResidentAsync();
        await Json(await resident.PostAsJsonAsync("/api/v1/me/declarations", new { temperature = 38.0 }, ServerFixture.Json));
        var token = await TokenOfAsync(resident);
        Assert.True((await ScanAsync(admits, token)).GetProperty("pass").GetBoolean());
        Assert.False((await ScanAsync(denies, token)).GetProperty("pass").GetBoolean());
    }

    [Fact]
    public async Task Scan_VenueFull_DeniedUntilSomeoneLeaves()
    {
        var venue = await NewVenueAsync(capacity: 2, type: "scenic_area");
        var residents = new List<HttpClient>();
        for (var i = 0; i < 3; i++)
        {
            residents.Add((await server.NewResidentAsync()).Client);
        }
        Assert.True((await ScanAsync(venue, await TokenOfAsync(residents[0]))).GetProperty("pass").GetBoolean());
        Assert.True((await ScanAsync(venue, await TokenOfAsync(residents[1]))).GetProperty("pass").GetBoolean());
        var full = await ScanAsync(venue, await TokenOfAsync(residents[2]));
        Assert.False(full.GetProperty("pass").GetBoolean());
        Assert.Contains("full", full.GetProperty("reason").GetString());
        // The same person entering again does not take a second place.
        Assert.True((await ScanAsync(venue, await TokenOfAsync(residents[0]))).GetProperty("pass").GetBoolean());
        await ScanAsync(venue, await TokenOfAsync(residents[1]), "out");
        Assert.True((await ScanAsync(venue, await TokenOfAsync(residents[2]))).GetProperty("pass").GetBoolean());
    }

    [Fact]
    public async Task Scan_BadInput_ProblemDetailsNamingTheField()
    {
        var venue = await NewVenueAsync();
        using var checkpoint = await server.LoginAsync("checkpoint");
        var noVenue = await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/scan", new { venue_id = "nope", token = "CB1:X" }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.BadRequest, noVenue.StatusCode);
        Assert.Contains("venue_id", await noVenue.Content.ReadAsStringAsync());
        var badDirection = await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/scan", new { venue_id = venue, token = "CB1:X", direction = "sideways" }, ServerFixture.Json);
        Assert.Contains("direction", await badDirection.Content.ReadAsStringAsync());
        var forged = await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/scan", new { venue_id = venue, token = "CB1:NOT-A-TOKEN" }, ServerFixture.Json));
        Assert.False(forged.GetProperty("valid").GetBoolean());
        Assert.Equal(JsonValueKind.Null, forged.GetProperty("checkin_id").ValueKind);
    }

    [Fact]
    public async Task CheckinById_PersonWithoutPhone_SamePolicy()
    {
        var venue = await NewVenueAsync();
        var (_, id, _) = await server.NewResidentAsync();
        using var checkpoint = await server.LoginAsync("checkpoint");
        var ok = await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/checkin-by-id", new { venue_id = venue, id_number = id }, ServerFixture.Json));
        Assert.True(ok.GetProperty("pass").GetBoolean());
        var unknown = await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/checkin-by-id",
            new { venue_id = venue, id_number = Domain.Identity.ResidentIdNumber.Create("330106", new DateOnly(1950, 1, 1), 999).Value }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ResidentCheckin_ByVenueCode_RecordedWithOwnColour()
    {
        var venue = await NewVenueAsync();
        var (resident, _, _) = await server.NewResidentAsync();
        var r = await Json(await resident.PostAsJsonAsync("/api/v1/me/checkins", new { venue_id = venue }, ServerFixture.Json));
        Assert.True(r.GetProperty("pass").GetBoolean());
        Assert.Equal("green", r.GetProperty("colour").GetString());
    }

    [Fact]
    public async Task Upload_OfflineCheckins_DuplicatesNotCountedTwice()
    {
        var venue = await NewVenueAsync();
        var (resident, _, _) = await server.NewResidentAsync();
        var token = await TokenOfAsync(resident);
        var at = server.Clock.GetUtcNow();
        using var checkpoint = await server.LoginAsync("checkpoint");
        var items = new object[]
        {
            new { client_id = "gate7-0001", venue_id = venue, token, time = at, direction = "in", passed = true },
            new { client_id = "gate7-0002", venue_id = venue, token, time = at.AddMinutes(1), direction = "out", passed = true },
            new { client_id = "gate7-0003", venue_id = venue, token = token[..^2] + "AA", time = at, direction = "in", passed = true },
            new { client_id = "gate7-0001", venue_id = venue, token, time = at, direction = "in", passed = true },
        };
        var first = await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/uploads", new { items }, ServerFixture.Json));
        Assert.Equal(2, first.GetProperty("stored").GetInt32());
        Assert.Equal(1, first.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, first.GetProperty("rejected").GetInt32());
        var again = await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/uploads", new { items }, ServerFixture.Json));
        Assert.Equal(0, again.GetProperty("stored").GetInt32());
        Assert.Equal(3, again.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task HotSpots_BusiestVenueFirst_WithTodaysHours()
    {
        var quiet = await NewVenueAsync(type: "office");
        var busy = await NewVenueAsync(type: "mall");
        for (var i = 0; i < 3; i++)
        {
            var (r, _, _) = await server.NewResidentAsync();
            await ScanAsync(busy, await TokenOfAsync(r));
        }
        var (one, _, _) = await server.NewResidentAsync();
        await ScanAsync(quiet, await TokenOfAsync(one));
        using var official = await server.LoginAsync("official");
        var hot = await Json(await official.GetAsync("/api/v1/health/hotspots?limit=100"));
        var venues = hot.GetProperty("venues").EnumerateArray().Select(v => v.GetProperty("venue_id").GetString()).ToList();
        Assert.True(venues.IndexOf(busy) < venues.IndexOf(quiet) && venues.IndexOf(busy) >= 0);
        var busyRow = hot.GetProperty("venues").EnumerateArray().First(v => v.GetProperty("venue_id").GetString() == busy);
        Assert.Equal(3, busyRow.GetProperty("occupancy").GetInt32());
        Assert.Equal(3, busyRow.GetProperty("by_hour").EnumerateArray().Sum(h => h.GetInt32()));
        Assert.Contains(hot.GetProperty("areas").EnumerateArray(), a => a.GetProperty("division_code").GetString() == "330102");
    }

    [Fact]
    public async Task Poster_SvgAndPng_CarryTheVenueLink()
    {
        var venue = await NewVenueAsync();
        using var admin = await server.LoginAsync("admin");
        var svg = await admin.GetStringAsync($"/api/v1/admin/venues/{venue}/poster.svg");
        Assert.Contains("<svg", svg);
        Assert.Contains(venue, svg);
        var png = await admin.GetByteArrayAsync($"/api/v1/admin/venues/{venue}/poster.png");
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], png[..4]);
    }

    [Fact]
    public async Task Purge_PastRetention_DeletesAndLogs()
    {
        var venue = await NewVenueAsync();
        var (resident, _, _) = await server.NewResidentAsync();
        await ScanAsync(venue, await TokenOfAsync(resident));
        server.Clock.Advance(TimeSpan.FromDays(29));
        using var admin = await server.LoginAsync("admin");
        var purge = await Json(await admin.PostAsync("/api/v1/admin/checkins/purge", null));
        Assert.True(purge.GetProperty("deleted").GetInt64() >= 1);
        var audit = await Json(await admin.GetAsync("/api/v1/admin/audit?limit=20"));
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "checkins.purge");
    }
}

public sealed class VenueFlowSqliteTests(SqliteServer server) : VenueFlowTests<SqliteServer>(server), IClassFixture<SqliteServer>;

public sealed class VenueFlowPostgresTests(PostgresServer server) : VenueFlowTests<PostgresServer>(server), IClassFixture<PostgresServer>;
