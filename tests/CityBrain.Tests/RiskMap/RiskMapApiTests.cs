using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityBrain.Features.RiskMap;
using CityBrain.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static CityBrain.Tests.Infrastructure.Http;

namespace CityBrain.Tests.RiskMap;

/// <summary>
/// The risk-map API over real HTTP, on SQLite and PostgreSQL. The server's clock stands at 2020-02-10 09:00; tests
/// share a database, so each keeps to its own province and asks for its dates explicitly.
/// </summary>
public abstract class RiskMapApiTests<TServer>(TServer server) where TServer : ServerFixture
{
    protected TServer Server { get; } = server;

    [Fact]
    public async Task Import_ThenMap_ExactShapeAndLevels()
    {
        using var official = await Server.LoginAsync("official");
        var report = await Json(await official.PostAsync("/api/v1/riskmap/casecounts", Csv(
            "date,division_code,confirmed_new,confirmed_local_new,cluster_events\n" +
            "2020-02-08,330102,30,30,1\n" +
            "2020-02-09,330102,30,30,1\n" +
            "2020-02-09,330105,8,2,0\n" +
            "2020-02-09,339999,1,1,0\n" +      // line 5: unknown
            "2020-02-09,3302,2,,\n")));
        Assert.Equal((5, 4), (report.GetProperty("rows").GetInt32(), report.GetProperty("accepted").GetInt32()));
        var bad = Assert.Single(report.GetProperty("rejected").EnumerateArray());
        Assert.Equal((5, "division_code"), (bad.GetProperty("line").GetInt32(), bad.GetProperty("field").GetString()));
        Assert.Equal("2020-02-09", report.GetProperty("graded").GetProperty("to").GetString());

        var map = await Json(await official.GetAsync("/api/v1/riskmap?date=2020-02-09&level=county&rules=zhejiang&region=3301"));
        Assert.Equal(("2020-02-09", "zhejiang", "county"), (map.GetProperty("date").GetString(), map.GetProperty("rules").GetString(), map.GetProperty("level").GetString()));
        var areas = map.GetProperty("areas").EnumerateArray().ToDictionary(a => a.GetProperty("division_code").GetString()!);
        var shangcheng = areas["330102"];
        Assert.Equal(["division_code", "name", "name_en", "level", "previous_level", "indicators"], shangcheng.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("上城区", "red", "orange"), (shangcheng.GetProperty("name").GetString(), shangcheng.GetProperty("level").GetString(), shangcheng.GetProperty("previous_level").GetString()));
        var i = shangcheng.GetProperty("indicators");
        Assert.Equal((60, 30, 2, 0), (i.GetProperty("confirmed_total").GetInt32(), i.GetProperty("confirmed_new").GetInt32(), i.GetProperty("cluster_events").GetInt32(),
            i.GetProperty("days_without_new_case").GetInt32()));
        Assert.Equal(100, i.GetProperty("score").GetDouble());
        Assert.Equal("blue", areas["330105"].GetProperty("level").GetString());    // 8 cases, a quarter local, recent: 4.8 + 2.5 + 0 + 30 = 37.3
        Assert.Equal("green", areas["330106"].GetProperty("level").GetString());   // no case: a county of a city that reports by county
        Assert.Equal("green", areas["330106"].GetProperty("previous_level").GetString());

        var national = await Json(await official.GetAsync("/api/v1/riskmap?date=2020-02-09&level=city&rules=national&region=33"));
        var cities = national.GetProperty("areas").EnumerateArray().ToDictionary(a => a.GetProperty("division_code").GetString()!, a => a.GetProperty("level").GetString());
        Assert.Equal("high", cities["3301"]);                                       // 68 cases and clusters within 14 days
        Assert.Equal("medium", cities["3302"]);
        var province = await Json(await official.GetAsync("/api/v1/riskmap?date=2020-02-09&level=province&region=33"));
        Assert.Equal(70, Assert.Single(province.GetProperty("areas").EnumerateArray()).GetProperty("indicators").GetProperty("confirmed_total").GetInt32());
    }

    [Theory]
    [InlineData("date=2020-13-01", "date")]
    [InlineData("date=yesterday", "date")]
    [InlineData("date=1999-01-01", "date")]
    [InlineData("level=street", "level")]
    [InlineData("rules=hubei", "rules")]
    [InlineData("region=99", "region")]
    [InlineData("region=33x", "region")]
    public async Task Map_BadParameter_400NamingIt(string query, string field)
    {
        using var official = await Server.LoginAsync("official");
        await Json(await official.PostAsync("/api/v1/riskmap/casecounts", Csv("date,division_code,confirmed_new,confirmed_local_new,cluster_events\n2020-02-09,4201,5,5,0\n")));
        var p = await Problem(await official.GetAsync("/api/v1/riskmap?" + query));
        Assert.True(p.GetProperty("errors").TryGetProperty(field, out _), p.ToString());
        if (field is "level" or "rules")
        {
            var d = await Problem(await official.GetAsync("/api/v1/riskmap/dates?" + query));
            Assert.True(d.GetProperty("errors").TryGetProperty(field, out _), d.ToString());
        }
    }

    [Fact]
    public async Task DatesAndHistory_AfterImport_EveryGradedDay()
    {
        using var official = await Server.LoginAsync("official");
        await Json(await official.PostAsync("/api/v1/riskmap/casecounts", Csv(
            "date,division_code,confirmed_new,confirmed_local_new,cluster_events\n2020-02-05,440100,3,3,0\n2020-02-07,4401,2,2,0\n")));
        using var admin = await Server.LoginAsync("admin"); // the data bureau reads the map too
        var dates = await Json(await admin.GetAsync("/api/v1/riskmap/dates?rules=zhejiang&level=city"));
        var list = dates.GetProperty("dates").EnumerateArray().Select(d => d.GetString()).ToList();
        Assert.Contains("2020-02-05", list);
        Assert.Contains("2020-02-06", list);
        Assert.Equal(list[0], dates.GetProperty("first").GetString());
        Assert.Equal(list[^1], dates.GetProperty("last").GetString());

        var history = await Json(await admin.GetAsync("/api/v1/riskmap/areas/440100/history?rules=zhejiang"));
        Assert.Equal(("4401", "广州市"), (history.GetProperty("division_code").GetString(), history.GetProperty("name").GetString()));
        var days = history.GetProperty("history").EnumerateArray().ToDictionary(h => h.GetProperty("date").GetString()!);
        Assert.Equal((3, 3, "blue"), (days["2020-02-05"].GetProperty("confirmed_new").GetInt32(), days["2020-02-05"].GetProperty("confirmed_total").GetInt32(), days["2020-02-05"].GetProperty("level").GetString()));
        Assert.Equal((0, 3), (days["2020-02-06"].GetProperty("confirmed_new").GetInt32(), days["2020-02-06"].GetProperty("confirmed_total").GetInt32()));
        Assert.Equal((2, 5), (days["2020-02-07"].GetProperty("confirmed_new").GetInt32(), days["2020-02-07"].GetProperty("confirmed_total").GetInt32()));
        Assert.True(days["2020-02-07"].GetProperty("indicators").TryGetProperty("local_share", out _));

        await Problem(await admin.GetAsync("/api/v1/riskmap/areas/339999/history"));                       // not a division: 400
        await Problem(await admin.GetAsync("/api/v1/riskmap/areas/5401/history"), HttpStatusCode.NotFound); // Lhasa: never graded
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PostAsync("/api/v1/riskmap/casecounts", Csv("date,division_code,confirmed_new\n2020-02-05,4401,1\n"))).StatusCode);
    }

    [Fact]
    public async Task Import_SameFileTwice_SameGrades_EventRaisedEachTime()
    {
        using var official = await Server.LoginAsync("official");
        var service = Server.App.Services.GetRequiredService<RiskMapService>();
        var events = new List<RiskMapChange>();
        void OnChange(RiskMapChange c) { lock (events) { events.Add(c); } }
        service.RiskMapChanged += OnChange;
        try
        {
            const string csv = "date,division_code,confirmed_new,confirmed_local_new,cluster_events\n2020-02-09,3501,12,12,1\n";
            await Json(await official.PostAsync("/api/v1/riskmap/casecounts", Csv(csv)));
            var first = await Json(await official.GetAsync("/api/v1/riskmap?date=2020-02-09&level=city&region=3501"));
            await Json(await official.PostAsync("/api/v1/riskmap/casecounts", Csv(csv)));
            var second = await Json(await official.GetAsync("/api/v1/riskmap?date=2020-02-09&level=city&region=3501"));
            Assert.Equal(first.ToString(), second.ToString());
            Assert.Equal(12, second.GetProperty("areas")[0].GetProperty("indicators").GetProperty("confirmed_total").GetInt32());
            lock (events)
            {
                Assert.True(events.Count >= 2);
                Assert.True(events[^1].Version > events[0].Version);
            }
        }
        finally
        {
            service.RiskMapChanged -= OnChange;
        }
    }

    [Fact]
    public async Task OpenApi_DescribesTheRiskMapApi()
    {
        using var anon = Server.Client();
        var paths = JsonDocument.Parse(await anon.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");
        foreach (var p in new[] { "/api/v1/riskmap", "/api/v1/riskmap/dates", "/api/v1/riskmap/areas/{code}/history", "/api/v1/riskmap/casecounts" })
        {
            Assert.True(paths.TryGetProperty(p, out _), p);
        }
    }
}

public sealed class RiskMapApiSqliteTests(SqliteServer server) : RiskMapApiTests<SqliteServer>(server), IClassFixture<SqliteServer>;

public sealed class RiskMapApiPostgresTests(PostgresServer server) : RiskMapApiTests<PostgresServer>(server), IClassFixture<PostgresServer>;

/// <summary>
/// The link to the health codes: a grade change recomputes the travellers through the area. Its own server (grades
/// are global), on SQLite and PostgreSQL.
/// </summary>
public abstract class RiskMapHealthCodeTests<TServer>(TServer server) where TServer : ServerFixture
{
    [Fact]
    public async Task GradeChange_TravellerThroughArea_TurnsYellowThenManualGradeKept()
    {
        var (resident, _, _) = await server.NewResidentAsync("330106");
        var code = await Json(await resident.PostAsJsonAsync("/api/v1/me/declarations",
            new { temperature = 36.5, travel = new[] { new { division = "330102", date = "2020-02-05" } } }, ServerFixture.Json));
        Assert.Equal("green", code.GetProperty("colour").GetString());

        using var official = await server.LoginAsync("official");
        // Hangzhou's Shangcheng: 60 local cases and two clusters by 9 February. Hangzhou (the linked level: city) is red, so high.
        var report = await Json(await official.PostAsync("/api/v1/riskmap/casecounts", Csv(
            "date,division_code,confirmed_new,confirmed_local_new,cluster_events\n2020-02-08,330102,30,30,1\n2020-02-09,330102,30,30,1\n2020-02-09,4201,5,5,0\n")));
        Assert.True(report.GetProperty("codes_changed").GetInt32() >= 1, report.ToString());
        code = await Json(await resident.GetAsync("/api/v1/me/code"));
        Assert.Equal("yellow", code.GetProperty("colour").GetString());
        Assert.Contains("risky_travel", code.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));

        var areas = await Json(await official.GetAsync("/api/v1/health/risk-areas"));
        Assert.Contains("3301", areas.ToString(), StringComparison.Ordinal);

        // An official grades Wuhan high by hand; the map (5 cases: blue, low) does not overwrite it, and says so in the audit log.
        await Json(await official.PutAsJsonAsync("/api/v1/health/risk-areas/4201", new { level = "high" }, ServerFixture.Json));
        var again = await Json(await official.PostAsync("/api/v1/riskmap/casecounts", Csv(
            "date,division_code,confirmed_new,confirmed_local_new,cluster_events\n2020-02-09,4201,5,5,0\n")));
        Assert.True(again.GetProperty("graded").GetProperty("manual_grades_kept").GetInt32() >= 1, again.ToString());
        Assert.Contains("\"4201\"", (await Json(await official.GetAsync("/api/v1/health/risk-areas"))).ToString(), StringComparison.Ordinal);
        using var admin = await server.LoginAsync("admin");
        var audit = (await Json(await admin.GetAsync("/api/v1/admin/audit"))).ToString();
        Assert.Contains("riskmap.manual_kept", audit, StringComparison.Ordinal);
    }
}

public sealed class RiskMapHealthCodeSqliteTests(SqliteServer server) : RiskMapHealthCodeTests<SqliteServer>(server), IClassFixture<SqliteServer>;

public sealed class RiskMapHealthCodePostgresTests(PostgresServer server) : RiskMapHealthCodeTests<PostgresServer>(server), IClassFixture<PostgresServer>;
