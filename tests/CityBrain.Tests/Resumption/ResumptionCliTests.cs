using System.Diagnostics;
using System.Text.Json;
using CityBrain.Tests.Infrastructure;

namespace CityBrain.Tests.Resumption;

/// <summary>`citybrain import enterprises|meters` and `citybrain resumption` as a real process, on SQLite and PostgreSQL.</summary>
public sealed class ResumptionCliTests : CliProcessTest
{
    [Theory]
    [MemberData(nameof(Databases))]
    public void ImportThenResumption_JsonShapeAndHandComputedFigures(string kind)
    {
        var db = Db(kind);
        var (register, meters) = ResumptionData.Hangzhou("C");
        var import = Run(db, "import", "enterprises", File("enterprises.csv", register + "C5,bad,mining,330106,below_size\n"), "--json");
        Assert.Equal(0, import.Exit);
        var report = JsonDocument.Parse(import.Out).RootElement;
        Assert.Equal((5, 4), (report.GetProperty("rows").GetInt32(), report.GetProperty("accepted").GetInt32()));
        Assert.Equal(6, report.GetProperty("rejected")[0].GetProperty("line").GetInt32());
        Assert.Equal("industry", report.GetProperty("rejected")[0].GetProperty("field").GetString());

        var metersImport = Run(db, "import", "meters", File("meters.csv", meters + "C1,2020-02-09,40\nC2,2020-02-09,-1\n"), "--json");
        Assert.Equal(0, metersImport.Exit);
        report = JsonDocument.Parse(metersImport.Out).RootElement;
        Assert.Equal([3 + 93 + 4 - 1, 3 + 93 + 4], report.GetProperty("rejected").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()));

        var r = Run(db, "resumption", "--date", "2020-02-09", "--by", "county", "--json");
        Assert.Equal(0, r.Exit);
        var doc = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(["date", "rows"], doc.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2020-02-09", doc.GetProperty("date").GetString());
        var rows = doc.GetProperty("rows").EnumerateArray().ToList();
        Assert.All(rows, row => Assert.Equal(["key", "name", "enterprises", "resumed", "resumption_rate", "production_rate", "index"], row.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(["330106", "330108"], rows.Select(x => x.GetProperty("key").GetString()));
        Assert.Equal("西湖区", rows[0].GetProperty("name").GetString());
        Assert.Equal((2, 1), (rows[0].GetProperty("enterprises").GetInt32(), rows[0].GetProperty("resumed").GetInt32()));
        Assert.Equal(0.5, rows[0].GetProperty("resumption_rate").GetDouble(), 6);
        Assert.Equal(0.333333, rows[0].GetProperty("production_rate").GetDouble(), 6);
        Assert.Equal(0.416667, rows[0].GetProperty("index").GetDouble(), 6);
        Assert.Equal(1.0, rows[1].GetProperty("index").GetDouble(), 6);

        var city = JsonDocument.Parse(Run(db, "resumption", "--by", "city", "--json").Out).RootElement; // default date: the last with readings
        Assert.Equal("2020-02-09", city.GetProperty("date").GetString());
        Assert.Equal(0.690476, city.GetProperty("rows")[0].GetProperty("index").GetDouble(), 6);

        // a lower bar: at 10% the wholesaler (20%) counts as resumed too
        var low = JsonDocument.Parse(Run(db, "resumption", "--date", "2020-02-09", "--threshold", "0.1", "--division", "330106", "--json").Out).RootElement;
        Assert.Equal(2, low.GetProperty("rows")[0].GetProperty("resumed").GetInt32());

        var table = Run(db, "resumption", "--date", "2020-02-09", "--by", "industry");
        Assert.Equal(0, table.Exit);
        Assert.Contains("工业", table.Out);
        Assert.Contains("1 enterprise(s) have no baseline", table.Out);

        var bands = JsonDocument.Parse(Run(db, "resumption", "bands", "--date", "2020-02-09", "--json").Out).RootElement;
        Assert.Equal(["yellow", "green"], bands.GetProperty("counties").EnumerateArray().Select(c => c.GetProperty("band").GetString()));
        var below = JsonDocument.Parse(Run(db, "resumption", "below", "--date", "2020-02-09", "--threshold", "0.5", "--json").Out).RootElement;
        Assert.Equal("C1", Assert.Single(below.GetProperty("enterprises").EnumerateArray()).GetProperty("enterprise_id").GetString());
        var none = JsonDocument.Parse(Run(db, "resumption", "no-baseline", "--json").Out).RootElement;
        Assert.Equal("C4", Assert.Single(none.GetProperty("enterprises").EnumerateArray()).GetProperty("enterprise_id").GetString());
        var trend = JsonDocument.Parse(Run(db, "resumption", "trend", "--from", "2019-12-30", "--to", "2020-02-09", "--division", "3301", "--json").Out).RootElement;
        Assert.Equal(42, trend.GetProperty("days").GetArrayLength());
    }

    [Fact]
    public void Import_RepeatedThenCorrected_ReplaceFlag()
    {
        var db = Db("sqlite");
        var (register, meters) = ResumptionData.Hangzhou("R");
        Run(db, "import", "enterprises", File("e.csv", register));
        Assert.Equal(0, Run(db, "import", "meters", File("m.csv", meters)).Exit);
        var fix = File("fix.csv", ResumptionData.MetersHeader + "R1,2020-02-09,10\n");
        var flagged = Run(db, "import", "meters", fix, "--json");
        Assert.Equal(1, flagged.Exit); // every row rejected
        Assert.Contains("already stored as 40 kWh", flagged.Out);
        var fixedRun = Run(db, "import", "meters", fix, "--replace", "--json");
        Assert.Equal(0, fixedRun.Exit);
        Assert.Equal(1, JsonDocument.Parse(fixedRun.Out).RootElement.GetProperty("accepted").GetInt32());
        var rows = JsonDocument.Parse(Run(db, "resumption", "--date", "2020-02-09", "--division", "330106", "--json").Out).RootElement.GetProperty("rows");
        Assert.Equal(0, rows[0].GetProperty("resumed").GetInt32()); // 10% of 100 now
    }

    [Fact]
    public void BadUsage_Exit2NamingTheOption_NoDataExit1()
    {
        var db = Db("sqlite");
        var empty = Run(db, "resumption");
        Assert.Equal(1, empty.Exit);
        Assert.Contains("no meter readings yet", empty.Err);

        var (register, meters) = ResumptionData.Hangzhou("B");
        Run(db, "import", "enterprises", File("e.csv", register));
        Run(db, "import", "meters", File("m.csv", meters));
        foreach (var (args, field) in new[]
                 {
                     (new[] { "resumption", "--by", "town" }, "by"),
                     (["resumption", "--baseline", "december"], "baseline"),
                     (["resumption", "--threshold", "-1"], "threshold"),
                     (["resumption", "--date", "2020-02-30"], "date"),
                     (["resumption", "--industry", "mining"], "industry"),
                     (["resumption", "below", "--limit", "many"], "limit"),
                 })
        {
            var r = Run(db, args);
            Assert.True(r.Exit == 2, $"{string.Join(' ', args)}: exit {r.Exit}, {r.Err}");
            Assert.StartsWith($"error: {field}:", r.Err);
        }
        Assert.Equal(2, Run(db, "import", "meters", Path.Combine(Dir, "missing.csv")).Exit);
        Assert.Equal(2, Run(db, "import", "meters", File("header.csv", "id,day,kwh\n")).Exit);
    }
}
