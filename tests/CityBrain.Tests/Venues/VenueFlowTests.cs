using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
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
