using System.Net;
using System.Text;
using System.Text.Json;
using CityBrain.Tests.Infrastructure;
using static CityBrain.Tests.Infrastructure.Http;

namespace CityBrain.Tests.Resumption;

/// <summary>
/// The work-resumption API end to end over real HTTP, on SQLite and PostgreSQL. The server's clock stands at
/// 2020-02-10 09:00 in Hangzhou; tests share a database, so each keeps to its own counties.
/// </summary>
public abstract class ResumptionApiTests<TServer>(TServer server) where TServer : ServerFixture
{
    protected TServer Server { get; } = server;

    private const double Tol = 1e-6;

    private static IEnumerable<int> Lines(JsonElement report) => report.GetProperty("rejected").EnumerateArray().Select(e => e.GetProperty("line").GetInt32());

    private static string Unique() => "T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    private async Task<HttpClient> AdminWithHangzhouAsync()
    {
        var admin = await Server.LoginAsync("admin");
        var (register, meters) = ResumptionData.Hangzhou(Unique());
        await Json(await admin.PostAsync("/api/v1/resumption/imports/enterprises", Csv(register)));
        await Json(await admin.PostAsync("/api/v1/resumption/imports/meters", Csv(meters)));
        return admin;
    }

    [Fact]
    public async Task Figures_ByCountyInHangzhou_HandComputed()
    {
        using var admin = await AdminWithHangzhouAsync();
        // each test imports its own copy of the Hangzhou data: counts grow by two a copy, rates do not
        var f = await Json(await admin.GetAsync("/api/v1/resumption/figures?date=2020-02-09&by=county&division=330106"));
        Assert.Equal("2020-02-09", f.GetProperty("date").GetString());
        Assert.Equal("county", f.GetProperty("by").GetString());
        var row = Assert.Single(f.GetProperty("rows").EnumerateArray());
        Assert.Equal(("330106", "西湖区"), (row.GetProperty("key").GetString(), row.GetProperty("name").GetString()));
        var n = row.GetProperty("enterprises").GetInt32();
        Assert.True(n % 2 == 0 && n > 0);                 // two a test: other tests of this class may have imported theirs
        var copies = n / 2;
        Assert.Equal(copies, row.GetProperty("resumed").GetInt32());
        Assert.Equal(0.5, row.GetProperty("resumption_rate").GetDouble(), Tol);
        Assert.Equal(50.0 / 150, row.GetProperty("production_rate").GetDouble(), Tol);
        Assert.Equal((0.5 + 50.0 / 150) / 2, row.GetProperty("index").GetDouble(), Tol);
        Assert.Equal(50.0 * copies, row.GetProperty("kwh").GetDouble(), Tol);
        Assert.Equal(150.0 * copies, row.GetProperty("baseline_kwh").GetDouble(), Tol);
    }

    [Fact]
    public async Task Figures_CitiesAndIndustries_HandComputed()
    {
        using var admin = await AdminWithHangzhouAsync();
        var byCounty = await Json(await admin.GetAsync("/api/v1/resumption/figures?date=2020-02-09&division=3301"));
        var total = byCounty.GetProperty("total");
        var copies = total.GetProperty("enterprises").GetInt32() / 3;
        Assert.Equal(2 * copies, total.GetProperty("resumed").GetInt32());
        Assert.Equal(copies, total.GetProperty("no_baseline").GetInt32());
        Assert.Equal(250.0 / 350, total.GetProperty("production_rate").GetDouble(), Tol);
        Assert.Equal((2.0 / 3 + 250.0 / 350) / 2, total.GetProperty("index").GetDouble(), Tol);
        Assert.Equal(["330106", "330108"], byCounty.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        var binjiang = byCounty.GetProperty("rows")[1];
        Assert.Equal((1.0, copies), (binjiang.GetProperty("index").GetDouble(), binjiang.GetProperty("no_baseline").GetInt32()));

        var byIndustry = (await Json(await admin.GetAsync("/api/v1/resumption/figures?date=2020-02-09&by=industry&division=3301")))
            .GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!);
        Assert.Equal(0.7, byIndustry["industry"].GetProperty("index").GetDouble(), Tol);            // resumed, 40%
        Assert.Equal("工业", byIndustry["industry"].GetProperty("name").GetString());
        Assert.Equal(0.1, byIndustry["wholesale_retail"].GetProperty("index").GetDouble(), Tol);    // not resumed, 20%
        Assert.Equal(1.0, byIndustry["information"].GetProperty("index").GetDouble(), Tol);
        Assert.Equal(JsonValueKind.Null, byIndustry["hotels_catering"].GetProperty("index").ValueKind);
        Assert.Equal(0, byIndustry["hotels_catering"].GetProperty("enterprises").GetInt32());

        var city = Assert.Single((await Json(await admin.GetAsync("/api/v1/resumption/figures?date=2020-02-09&by=city&division=3301"))).GetProperty("rows").EnumerateArray());
        Assert.Equal(("3301", "杭州市"), (city.GetProperty("key").GetString(), city.GetProperty("name").GetString()));
        Assert.Equal(total.GetProperty("index").GetDouble(), city.GetProperty("index").GetDouble(), Tol);
        Assert.True(city.GetProperty("structured_index").GetDouble() > 0);
    }

    [Fact]
    public async Task BandsBelowThresholdNoBaselineTrend_HandComputed()
    {
        using var admin = await AdminWithHangzhouAsync();
        var bands = await Json(await admin.GetAsync("/api/v1/resumption/bands?date=2020-02-09&division=3301"));
        Assert.Equal([("330106", "yellow"), ("330108", "green")],
            bands.GetProperty("counties").EnumerateArray().Select(c => (c.GetProperty("key").GetString(), c.GetProperty("band").GetString())));
        Assert.Equal(["red", "orange", "yellow", "blue", "green"], bands.GetProperty("legend").EnumerateArray().Select(l => l.GetProperty("band").GetString()));

        // at 30% the large enterprise (40%) is fine; at 50% it is listed, with what it used
        var below = await Json(await admin.GetAsync("/api/v1/resumption/below-threshold?date=2020-02-09&division=330106"));
        Assert.Empty(below.GetProperty("enterprises").EnumerateArray());
        below = await Json(await admin.GetAsync("/api/v1/resumption/below-threshold?date=2020-02-09&division=330106&threshold=0.5"));
        var first = below.GetProperty("enterprises")[0];
        Assert.Equal((100.0, 40.0, 0.4), (first.GetProperty("baseline_kwh").GetDouble(), first.GetProperty("kwh").GetDouble(), first.GetProperty("ratio").GetDouble()));
        Assert.Equal("industry", first.GetProperty("industry").GetString());

        var none = await Json(await admin.GetAsync("/api/v1/resumption/no-baseline?division=330108&industry=hotels_catering"));
        var n = none.GetProperty("enterprises")[0];
        Assert.Equal(("no readings in the baseline period", 0), (n.GetProperty("reason").GetString(), n.GetProperty("baseline_days").GetInt32()));

        var trend = await Json(await admin.GetAsync("/api/v1/resumption/trend?from=2019-12-31&to=2020-02-09&division=330106"));
        var days = trend.GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(41, days.Count);
        Assert.Equal(1.0, days[0].GetProperty("index").GetDouble(), Tol);                 // 31 December: the baseline itself
        Assert.Equal(0.0, days[20].GetProperty("index").GetDouble(), Tol);                // no readings in January: nobody resumed
        Assert.Equal(days[20].GetProperty("enterprises").GetInt32(), days[20].GetProperty("no_reading").GetInt32());
        Assert.Equal((0.5 + 50.0 / 150) / 2, days[^1].GetProperty("index").GetDouble(), Tol);
    }

    [Fact]
    public async Task ImportMeters_BadRows_FlaggedWithLinesThenCorrectedWithReplace()
    {
        using var admin = await Server.LoginAsync("admin");
        var p = Unique();
        await Json(await admin.PostAsync("/api/v1/resumption/imports/enterprises",
            Csv(ResumptionData.RegisterHeader + $"{p}1,a,industry,330203,above_size\n{p}2,b,construction,330203,below_size\n{p}2,again,construction,330203,below_size\n{p}3,c,mining,330203,below_size\n")));
        var meters = ResumptionData.MetersHeader +
                     $"{p}1,2020-02-09,10\n" +        // 2
                     $"{p}1,2020-02-09,10\n" +        // 3 repeated: counted once
                     $"{p}2,2020-02-09,-5\n" +        // 4 negative
                     $"{p}2,2020-02-08,abc\n" +       // 5 not a number
                     $"{p}9,2020-02-09,1\n" +         // 6 not in the register
                     $"{p}2,2020-02-11,3\n" +         // 7 tomorrow
                     ResumptionData.December(($"{p}1", 100), ($"{p}2", 100)) + // 8..69
                     $"{p}1,2020-02-07,99999\n";      // 70 absurd: 1,000 × its typical day
        var report = await Json(await admin.PostAsync("/api/v1/resumption/imports/meters", Csv(meters)));
        Assert.Equal(("meters", 69, 63), (report.GetProperty("kind").GetString(), report.GetProperty("rows").GetInt32(), report.GetProperty("accepted").GetInt32()));
        Assert.Equal([3, 4, 5, 6, 7, 70], Lines(report));
        var reasons = report.GetProperty("rejected").EnumerateArray().Select(e => e.GetProperty("reason").GetString()!).ToList();
        Assert.Contains("duplicate of line 2", reasons[0]);
        Assert.Contains("negative", reasons[1]);
        Assert.Contains("in the future", reasons[4]);
        Assert.StartsWith("absurd", reasons[5]);

        // the same file again: nothing new, the repeat and the bad rows flagged again, no error for stored equal values
        report = await Json(await admin.PostAsync("/api/v1/resumption/imports/meters", Csv(meters)));
        Assert.Equal(63, report.GetProperty("accepted").GetInt32());

        // a different value for a stored day is a conflict, unless it is a correction
        var fix = ResumptionData.MetersHeader + $"{p}1,2020-02-09,12\n";
        report = await Json(await admin.PostAsync("/api/v1/resumption/imports/meters", Csv(fix)));
        Assert.Contains("already stored as 10 kWh, this file says 12", report.GetProperty("rejected")[0].GetProperty("reason").GetString());
        report = await Json(await admin.PostAsync("/api/v1/resumption/imports/meters?replace=true", Csv(fix)));
        Assert.Equal((1, 0), (report.GetProperty("accepted").GetInt32(), report.GetProperty("rejected").GetArrayLength()));

        var haishu = (await Json(await admin.GetAsync("/api/v1/resumption/figures?date=2020-02-09&division=330203"))).GetProperty("total");
        Assert.Equal((2, 0, 1), (haishu.GetProperty("enterprises").GetInt32(), haishu.GetProperty("resumed").GetInt32(), haishu.GetProperty("no_reading").GetInt32()));
        Assert.Equal(12.0 / 200, haishu.GetProperty("production_rate").GetDouble(), Tol);
    }

    [Fact]
    public async Task ImportEnterprises_BadRows_ReportedByLine()
    {
        using var admin = await Server.LoginAsync("admin");
        var p = Unique();
        var report = await Json(await admin.PostAsync("/api/v1/resumption/imports/enterprises",
            Csv(ResumptionData.RegisterHeader + $"{p}1,a,industry,330302,above_size\n{p}1,again,industry,330302,above_size\n{p}2,b,mining,330302,below_size\n{p}3,c,industry,999999,below_size\n{p}4,d,industry,330302,huge\n")));
        Assert.Equal((5, 1), (report.GetProperty("rows").GetInt32(), report.GetProperty("accepted").GetInt32()));
        Assert.Equal([3, 4, 5, 6], Lines(report));
        Assert.Equal(["enterprise_id", "industry", "division_code", "scale"], report.GetProperty("rejected").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
    }

    [Theory]
    [InlineData("/api/v1/resumption/figures?by=town", "by")]
    [InlineData("/api/v1/resumption/figures?date=2020-13-01", "date")]
    [InlineData("/api/v1/resumption/figures?date=2030-01-01", "date")]
    [InlineData("/api/v1/resumption/figures?threshold=abc", "threshold")]
    [InlineData("/api/v1/resumption/figures?threshold=0", "threshold")]
    [InlineData("/api/v1/resumption/figures?baseline=2019-12-31..2019-12-01", "baseline")]
    [InlineData("/api/v1/resumption/figures?division=99", "division")]
    [InlineData("/api/v1/resumption/figures?industry=mining", "industry")]
    [InlineData("/api/v1/resumption/figures?structure=1,2", "structure")]
    [InlineData("/api/v1/resumption/trend?from=2020-02-09&to=2020-02-01", "to")]
    [InlineData("/api/v1/resumption/below-threshold?limit=0", "limit")]
    public async Task Get_BadParameter_400NamingIt(string url, string field)
    {
        using var admin = await AdminWithHangzhouAsync();
        var problem = await Problem(await admin.GetAsync(url));
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Import_BadHeaderOrReplaceFlag_400()
    {
        using var admin = await Server.LoginAsync("admin");
        var problem = await Problem(await admin.PostAsync("/api/v1/resumption/imports/meters", Csv("id,day,kwh\nX,2020-02-01,1\n")));
        Assert.Contains("enterprise_id", problem.GetProperty("errors").GetProperty("header")[0].GetString());
        problem = await Problem(await admin.PostAsync("/api/v1/resumption/imports/enterprises", Csv("")));
        Assert.True(problem.GetProperty("errors").TryGetProperty("header", out _));
        problem = await Problem(await admin.PostAsync("/api/v1/resumption/imports/meters?replace=maybe", Csv(ResumptionData.MetersHeader)));
        Assert.True(problem.GetProperty("errors").TryGetProperty("replace", out _));
    }

    [Fact]
    public async Task Resumption_HealthOfficial_Forbidden()
    {
        using var official = await Server.LoginAsync("official");
        Assert.Equal(HttpStatusCode.Forbidden, (await official.GetAsync("/api/v1/resumption/figures")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await official.PostAsync("/api/v1/resumption/imports/meters", Csv(ResumptionData.MetersHeader))).StatusCode);
        using var anon = Server.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync("/api/v1/resumption/bands")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesTheResumptionApi()
    {
        using var anon = Server.Client();
        var doc = JsonDocument.Parse(await anon.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = doc.GetProperty("paths");
        foreach (var p in new[] { "figures", "trend", "bands", "below-threshold", "no-baseline", "imports/enterprises", "imports/meters" })
        {
            Assert.True(paths.TryGetProperty("/api/v1/resumption/" + p, out _), p);
        }
        var body = paths.GetProperty("/api/v1/resumption/imports/meters").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.True(body.TryGetProperty("text/csv", out _));
        var figures = paths.GetProperty("/api/v1/resumption/figures").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(x => x.GetProperty("name").GetString());
        Assert.Contains("baseline", figures);
    }
}

public sealed class ResumptionApiSqliteTests(SqliteServer server) : ResumptionApiTests<SqliteServer>(server), IClassFixture<SqliteServer>;

public sealed class ResumptionApiPostgresTests(PostgresServer server) : ResumptionApiTests<PostgresServer>(server), IClassFixture<PostgresServer>;
