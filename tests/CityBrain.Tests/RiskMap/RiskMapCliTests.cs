using System.Text.Json;
using CityBrain.Tests.Infrastructure;

namespace CityBrain.Tests.RiskMap;

/// <summary>`citybrain import casecounts` and `citybrain riskmap` as a real process, on SQLite and PostgreSQL.</summary>
public sealed class RiskMapCliTests : CliProcessTest
{
    private const string Header = "date,division_code,confirmed_new,confirmed_local_new,cluster_events\n";

    [Theory]
    [MemberData(nameof(Databases))]
    public void ImportFolderThenRiskmap_IssueJsonShape(string kind)
    {
        var db = Db(kind);
        var folder = Path.Combine(Dir, "counts");
        Directory.CreateDirectory(folder);
        System.IO.File.WriteAllText(Path.Combine(folder, "a.csv"), Header + "2020-02-08,330102,30,30,1\n2020-02-09,330102,30,30,1\n");
        System.IO.File.WriteAllText(Path.Combine(folder, "b.csv"), Header + "2020-02-09,3303,4,,\n2020-02-09,330399,1,1,0\n"); // line 3: unknown county

        var import = Run(db, "import", "casecounts", folder, "--json");
        Assert.Equal(0, import.Exit);
        var report = JsonDocument.Parse(import.Out).RootElement;
        Assert.Equal((2, 4, 3), (report.GetProperty("files").GetInt32(), report.GetProperty("rows").GetInt32(), report.GetProperty("accepted").GetInt32()));
        var bad = Assert.Single(report.GetProperty("rejected").EnumerateArray());
        Assert.Equal(("b.csv", 3, "division_code"), (bad.GetProperty("file").GetString(), bad.GetProperty("line").GetInt32(), bad.GetProperty("field").GetString()));
        Assert.Contains("330399", bad.GetProperty("reason").GetString(), StringComparison.Ordinal);

        var r = Run(db, "riskmap", "--level", "county", "--json"); // default date: the latest graded day
        Assert.Equal(0, r.Exit);
        var doc = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(["date", "rules", "level", "counts", "areas"], doc.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("2020-02-09", "zhejiang"), (doc.GetProperty("date").GetString(), doc.GetProperty("rules").GetString()));
        var areas = doc.GetProperty("areas").EnumerateArray().ToDictionary(a => a.GetProperty("division_code").GetString()!);
        Assert.All(areas.Values, a => Assert.Equal(["division_code", "name", "name_en", "level", "previous_level", "indicators"], a.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(("上城区", "red"), (areas["330102"].GetProperty("name").GetString(), areas["330102"].GetProperty("level").GetString()));
        Assert.Equal(60, areas["330102"].GetProperty("indicators").GetProperty("confirmed_total").GetInt32());
        Assert.DoesNotContain("330302", areas.Keys);      // Wenzhou reports by city only: no county of it is graded

        var national = JsonDocument.Parse(Run(db, "riskmap", "--date", "2020-02-09", "--level", "city", "--rules", "national", "--json").Out).RootElement;
        var cities = national.GetProperty("areas").EnumerateArray().ToDictionary(a => a.GetProperty("division_code").GetString()!, a => a.GetProperty("level").GetString());
        Assert.Equal(("high", "medium", "low"), (cities["3301"], cities["3303"], cities["3302"]));
        var wenzhou = national.GetProperty("areas").EnumerateArray().Single(a => a.GetProperty("division_code").GetString() == "3303").GetProperty("indicators");
        Assert.True(wenzhou.GetProperty("local_share_assumed").GetBoolean());
        Assert.True(wenzhou.GetProperty("clusters_estimated").GetBoolean());

        var table = Run(db, "riskmap", "--date", "2020-02-08", "--level", "city", "--region", "33");
        Assert.Equal(0, table.Exit);
        Assert.Contains("杭州市", table.Out, StringComparison.Ordinal);
        Assert.Contains("orange", table.Out, StringComparison.Ordinal);

        // the same folder again: nothing changes
        Assert.Equal(0, Run(db, "import", "casecounts", folder, "--json").Exit);
        Assert.Equal(r.Out, Run(db, "riskmap", "--level", "county", "--json").Out);
    }

    [Theory]
    [InlineData("riskmap", "--level", "street")]
    [InlineData("riskmap", "--rules", "hubei")]
    [InlineData("riskmap", "--date", "9 Feb")]
    [InlineData("riskmap", "--region", "99")]
    [InlineData("riskmap", "--nonsense")]
    [InlineData("import", "casecounts", "no-such-file.csv")]
    public void BadUsage_Exit2WithMessage(params string[] args)
    {
        var r = Run($"sqlite:{Dir}/bad.db", args);
        Assert.Equal(2, r.Exit);
        Assert.StartsWith("error:", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void ImportReal2020Data_ZhejiangCitiesOn9February()
    {
        var db = Db("sqlite");
        var data = Path.Combine(AppContext.BaseDirectory, "data", "covid-2020");
        var import = Run(db, "import", "casecounts", data, "--json");
        Assert.Equal(0, import.Exit);
        var report = JsonDocument.Parse(import.Out).RootElement;
        Assert.Equal(182, report.GetProperty("files").GetInt32());
        Assert.True(report.GetProperty("rejected").GetArrayLength() > 0); // 境外输入, 未公布来源, ... have no division code
        Assert.All(report.GetProperty("rejected").EnumerateArray(), e => Assert.True(e.GetProperty("line").GetInt32() > 1));

        var map = JsonDocument.Parse(Run(db, "riskmap", "--date", "2020-02-09", "--level", "city", "--region", "33", "--json").Out).RootElement;
        var areas = map.GetProperty("areas").EnumerateArray().ToList();
        Assert.Equal(11, areas.Count);
        var wenzhou = areas.Single(a => a.GetProperty("division_code").GetString() == "3303");
        Assert.Equal(("温州市", "red", 448), (wenzhou.GetProperty("name").GetString(), wenzhou.GetProperty("level").GetString(),
            wenzhou.GetProperty("indicators").GetProperty("confirmed_total").GetInt32()));
        var last = JsonDocument.Parse(Run(db, "riskmap", "--level", "province", "--json").Out).RootElement;
        Assert.Equal("2020-06-30", last.GetProperty("date").GetString());
    }
}
