using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityBrain.Features.Tracing;
using CityBrain.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static CityBrain.Tests.Infrastructure.Http;

namespace CityBrain.Tests.Tracing;

/// <summary>Contact tracing end to end over real HTTP: check-ins reach the index live, a trace finds first- and
/// second-degree contacts, confirming turns them red and yellow, task lists, progress, audit; SQLite and PostgreSQL.</summary>
public abstract class TraceFlowTests<TServer>(TServer server) where TServer : ServerFixture
{

    private int _seq;

    private async Task<string> NewVenueAsync()
    {
        var id = $"TR-{typeof(TServer).Name[..3]}-{Interlocked.Increment(ref _seq)}-{Guid.NewGuid():N}"[..28];
        using var admin = await server.LoginAsync("admin");
        await Json(await admin.PostAsJsonAsync("/api/v1/admin/venues",
            new { venue_id = id, name = "菜市场 " + id, type = "market", division_code = "330106", lat = 30.27, lon = 120.13, capacity = 0, yellow_policy = "admit" }, ServerFixture.Json));
        return id;
    }

    /// <summary>A check-in by ID number at the fixture clock's current time, moved to <paramref name="at"/>.</summary>
    private async Task CheckInAsync(string venue, string idNumber, DateTimeOffset at, string direction = "in")
    {
        server.Clock.Set(at);
        using var checkpoint = await server.LoginAsync("checkpoint");
        var r = await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/checkin-by-id", new { venue_id = venue, id_number = idNumber, direction }, ServerFixture.Json));
        Assert.True(r.GetProperty("pass").GetBoolean(), r.ToString());
    }

    private async Task<string> ColourAsync(HttpClient resident) => (await Json(await resident.GetAsync("/api/v1/me/code"))).GetProperty("colour").GetString()!;

    [Fact]
    public async Task Trace_CaseAndContacts_FoundLiveConfirmedTurnRedAndYellowWithTasks()
    {
        await server.App.Services.GetRequiredService<TraceIndex>().WhenReady;
        var (a, b) = (await NewVenueAsync(), await NewVenueAsync());
        var (_, caseId, _) = await server.NewResidentAsync();
        var (closeClient, closeId, _) = await server.NewResidentAsync();
        var (secondClient, secondId, _) = await server.NewResidentAsync();
        var (laterClient, laterId, _) = await server.NewResidentAsync();
        var t0 = server.Clock.GetUtcNow().AddDays(1).Date;   // a fresh day, so earlier tests' check-ins stay apart
        var start = new DateTimeOffset(t0, TimeSpan.Zero).AddHours(2);

        await CheckInAsync(a, laterId, start.AddMinutes(-16));                 // one minute too early: nobody
        await CheckInAsync(a, caseId, start);                                  // the case at A
        await CheckInAsync(a, closeId, start.AddMinutes(15));                  // exactly the window later: a close contact
        await CheckInAsync(b, closeId, start.AddHours(2));                     // the close contact goes on to B
        await CheckInAsync(b, secondId, start.AddHours(2).AddMinutes(5));      // and meets somebody there: second degree
        server.Clock.Set(start.AddHours(3));

        using var official = await server.LoginAsync("official");
        var trace = await Json(await official.PostAsJsonAsync("/api/v1/traces",
            new { resident_id = caseId, window_minutes = 15, days = 14, degree = 2, why = "case 2020-0042 confirmed today" }, ServerFixture.Json));
        var contacts = trace.GetProperty("contacts").EnumerateArray().ToList();
        Assert.Equal([(closeId, 1), (secondId, 2)], contacts.Select(k => (k.GetProperty("resident_id").GetString()!, k.GetProperty("degree").GetInt32())).ToList());
        Assert.Equal(a, contacts[0].GetProperty("venue_id").GetString());
        Assert.Equal(start.AddMinutes(15), contacts[0].GetProperty("first_exposure").GetDateTimeOffset());
        Assert.Equal(closeId, contacts[1].GetProperty("via").GetString());
        Assert.Equal("draft", trace.GetProperty("status").GetString());
        var traceId = trace.GetProperty("trace_id").GetInt64();

        // Nothing changes before the official confirms, and no names or phones go out for a draft.
        Assert.Equal("green", await ColourAsync(closeClient));
        Assert.Equal(HttpStatusCode.Conflict, (await official.GetAsync($"/api/v1/traces/{traceId}/tasks")).StatusCode);
        var confirmed = await Json(await official.PostAsync($"/api/v1/traces/{traceId}/confirm", null));
        Assert.Equal("open", confirmed.GetProperty("status").GetString());
        Assert.Equal("red", await ColourAsync(closeClient));
        Assert.Equal("yellow", await ColourAsync(secondClient));
        Assert.Equal("green", await ColourAsync(laterClient));
        Assert.Equal(HttpStatusCode.Conflict, (await official.PostAsync($"/api/v1/traces/{traceId}/confirm", null)).StatusCode);
        // The contact is told where and when (the venue and the time), never who the case was.
        var code = await Json(await closeClient.GetAsync("/api/v1/me/code"));
        var reasons = string.Join(" | ", code.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains(a, reasons);
        Assert.Contains(start.ToOffset(TimeSpan.FromHours(8)).AddMinutes(15).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), reasons);
        Assert.DoesNotContain(caseId, reasons);
        Assert.DoesNotContain(caseId[..6] + "*", reasons);

        // Task lists by township (the home county here) as JSON and CSV, then progress.
        var tasks = await Json(await official.GetAsync($"/api/v1/traces/{traceId}/tasks?by=township"));
        var group = Assert.Single(tasks.GetProperty("groups").EnumerateArray());
        Assert.Equal("330106", group.GetProperty("key").GetString());
        Assert.Equal(2, group.GetProperty("open").GetInt32());
        var csv = await official.GetStringAsync($"/api/v1/traces/{traceId}/tasks.csv?by=police");
        Assert.StartsWith("group,group_name,resident_id,name,phone", csv.TrimStart('\uFEFF'));
        Assert.Contains(closeId, csv);
        Assert.Contains(secondId, csv);
        Assert.Equal(HttpStatusCode.NoContent, (await official.PostAsJsonAsync($"/api/v1/traces/{traceId}/contacts/status",
            new { resident_id = closeId, status = "reached", note = "quarantined at home" }, ServerFixture.Json)).StatusCode);
        var summary = await Json(await official.GetAsync("/api/v1/traces/summary"));
        Assert.True(summary.GetProperty("open_traces").GetInt32() >= 1);
        Assert.True(summary.GetProperty("contacts_reached").GetInt32() >= 1);
        await Task.Delay(1100);   // the dashboard's snapshot is at most a second old
        var dashboard = await Json(await official.GetAsync("/api/v1/dashboard/summary"));
        Assert.True(dashboard.GetProperty("traces").GetProperty("open_traces").GetInt32() >= 1);
        var again = await Json(await official.GetAsync($"/api/v1/traces/{traceId}"));
        Assert.Equal(1, again.GetProperty("reached").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await official.PostAsync($"/api/v1/traces/{traceId}/close", null)).StatusCode);
        Assert.Equal("closed", (await Json(await official.GetAsync($"/api/v1/traces/{traceId}"))).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await official.PostAsync($"/api/v1/traces/{traceId}/close", null)).StatusCode);

        // The close contact's trajectory: A, then B.
        var trajectory = await Json(await official.PostAsJsonAsync("/api/v1/traces/trajectory",
            new { resident_id = closeId, days = 14, why = "case 2020-0042 follow-up" }, ServerFixture.Json));
        Assert.Equal([a, b], trajectory.GetProperty("stays").EnumerateArray().Select(s => s.GetProperty("venue_id").GetString()).ToList());

        using var admin = await server.LoginAsync("admin");
        var audit = await Json(await admin.GetAsync("/api/v1/admin/audit?limit=50"));
        var actions = audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("trace.run", actions);
        Assert.Contains("trace.confirm", actions);
        Assert.Contains("trace.tasks", actions);
        Assert.Contains("trajectory.read", actions);
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "trace.run" && e.GetProperty("detail").GetString()!.Contains("case 2020-0042", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Confirm_ExposureLongAgoWithDailyCheckinsSince_StillRed()
    {
        await server.App.Services.GetRequiredService<TraceIndex>().WhenReady;
        var venue = await NewVenueAsync();
        var (_, caseId, _) = await server.NewResidentAsync();
        var (contact, contactId, _) = await server.NewResidentAsync();
        var start = new DateTimeOffset(server.Clock.GetUtcNow().AddDays(1).Date, TimeSpan.Zero).AddHours(3);
        await CheckInAsync(venue, caseId, start);
        await CheckInAsync(venue, contactId, start.AddMinutes(5));
        // Thirteen days of normal daily health check-ins after the exposure, before anybody knew.
        for (var d = 1; d <= 13; d++)
        {
            server.Clock.Set(start.AddDays(d));
            await Json(await contact.PostAsJsonAsync("/api/v1/me/daily", new { temperature = 36.5, symptoms = Array.Empty<string>() }, ServerFixture.Json));
        }
        using var official = await server.LoginAsync("official");
        var trace = await Json(await official.PostAsJsonAsync("/api/v1/traces", new { resident_id = caseId, why = "late confirmed case" }, ServerFixture.Json));
        await Json(await official.PostAsync($"/api/v1/traces/{trace.GetProperty("trace_id").GetInt64()}/confirm", null));
        Assert.Equal("red", await ColourAsync(contact));
        server.Clock.Advance(TimeSpan.FromDays(1));
        await Json(await contact.PostAsJsonAsync("/api/v1/me/daily", new { temperature = 36.5, symptoms = Array.Empty<string>() }, ServerFixture.Json));
        Assert.Equal("red", await ColourAsync(contact));   // the quarantine counts from when the contact was told
    }

    [Theory]
    [InlineData("""{"resident_id":"%ID%","window_minutes":5000,"why":"case 1 test"}""", "window_minutes")]
    [InlineData("""{"resident_id":"%ID%","degree":3,"why":"case 1 test"}""", "degree")]
    [InlineData("""{"resident_id":"%ID%","days":0,"why":"case 1 test"}""", "days")]
    [InlineData("""{"resident_id":"%ID%"}""", "why")]
    [InlineData("""{"resident_id":"110101198001011234","why":"case 1 test"}""", "resident_id")]
    [InlineData("""{"resident_id":"%ID%","at":"2999-01-01T00:00:00+08:00","why":"case 1 test"}""", "at")]
    [InlineData("""{"resident_id":"%ID%","at":"2020-01-05T00:00:00+08:00","days":14,"why":"past the retention"}""", "at")]
    [InlineData("""{"resident_id":"%ID%","window_minutes":"a lot","why":"case 1 test"}""", "window_minutes")]
    public async Task Trace_BadInput_400NamesTheField(string body, string field)
    {
        var (_, id, _) = await server.NewResidentAsync();
        using var official = await server.LoginAsync("official");
        var r = await official.PostAsync("/api/v1/traces", new StringContent(body.Replace("%ID%", id, StringComparison.Ordinal), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var problem = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task IndexRebuild_AfterImport_HoldsWhatTheDatabaseHolds()
    {
        var index = server.App.Services.GetRequiredService<TraceIndex>();
        await index.WhenReady;
        var venue = await NewVenueAsync();
        var (_, p, _) = await server.NewResidentAsync();
        var (_, q, _) = await server.NewResidentAsync();
        var at = server.Clock.GetUtcNow();
        using var admin = await server.LoginAsync("admin");
        var csv = $"resident_id,venue_id,time,direction\n{p},{venue},{at.AddMinutes(-30):yyyy-MM-ddTHH:mm:sszzz},in\n{q},{venue},{at.AddMinutes(-25):yyyy-MM-ddTHH:mm:sszzz},in\n";
        var builds = index.Builds;
        await Json(await admin.PostAsync("/api/v1/admin/imports/checkins", new StringContent(csv, Encoding.UTF8, "text/csv")));
        // The import asks for a rebuild; wait for it (bounded).
        for (var i = 0; i < 200 && index.Builds == builds; i++)
        {
            await Task.Delay(50);
        }
        Assert.True(index.Builds > builds, "the import did not rebuild the tracing index");
        using var official = await server.LoginAsync("official");
        var trace = await Json(await official.PostAsJsonAsync("/api/v1/traces", new { resident_id = p, why = "imported check-ins test" }, ServerFixture.Json));
        Assert.Contains(trace.GetProperty("contacts").EnumerateArray(), k => k.GetProperty("resident_id").GetString() == q);
        var status = await Json(await official.GetAsync("/api/v1/traces/index"));
        await using var c = await server.App.Services.GetRequiredService<CityBrain.Infrastructure.CityBrainApp>().Db.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM checkins WHERE passed = 1";
        Assert.Equal(Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture), status.GetProperty("checkins").GetInt64());
    }
}

public sealed class TraceFlowSqliteTests(SqliteServer server) : TraceFlowTests<SqliteServer>(server), IClassFixture<SqliteServer>;

public sealed class TraceFlowPostgresTests(PostgresServer server) : TraceFlowTests<PostgresServer>(server), IClassFixture<PostgresServer>;

/// <summary>A server that lets a trace hold one contact.</summary>
public sealed class CappedTraceServer : ServerFixture
{
    protected override bool Postgres => false;

    protected override void Configure(Dictionary<string, string?> settings) => settings["CityBrain:TraceMaxContacts"] = "1";
}

public sealed class TraceCapTests(CappedTraceServer server) : IClassFixture<CappedTraceServer>
{
    [Fact]
    public async Task Trace_MoreContactsThanTheCap_400AskingToNarrowAndNothingStored()
    {
        await server.App.Services.GetRequiredService<TraceIndex>().WhenReady;
        using var admin = await server.LoginAsync("admin");
        (await admin.PostAsJsonAsync("/api/v1/admin/venues", new { venue_id = "CAP-1", name = "大卖场", type = "mall", division_code = "330106", lat = 30.27, lon = 120.13, capacity = 0 }, ServerFixture.Json))
            .EnsureSuccessStatusCode();
        var ids = new List<string>();
        using var checkpoint = await server.LoginAsync("checkpoint");
        for (var i = 0; i < 3; i++)
        {
            var (_, id, _) = await server.NewResidentAsync();
            ids.Add(id);
            (await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/checkin-by-id", new { venue_id = "CAP-1", id_number = id }, ServerFixture.Json)).EnsureSuccessStatusCode();
        }
        using var official = await server.LoginAsync("official");
        var r = await official.PostAsJsonAsync("/api/v1/traces", new { resident_id = ids[0], degree = 1, why = "a crowded mall" }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var problem = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("more than the 1 one trace may hold", problem.GetProperty("errors").GetProperty("window_minutes")[0].GetString());
        Assert.Empty((await official.GetFromJsonAsync<JsonElement>("/api/v1/traces")).EnumerateArray());
    }
}
