using CityBrain.Domain.Common;
using CityBrain.Domain.Identity;
using CityBrain.Domain.RiskMap;

namespace CityBrain.Domain.Tests.RiskMap;

/// <summary>Both file layouts: CityBrain's daily counts and the 2020 data's cumulative files, and the real 2020 data.</summary>
public class CaseCountBatchTests
{
    private static readonly DivisionCatalogue Divisions = new([new("33", "浙江省"), new("3301", "杭州市"), new("330102", "上城区"), new("42", "湖北省"), new("4201", "武汉市"), new("11", "北京市"), new("110101", "东城区")]);

    private static readonly int Feb9 = new DateOnly(2020, 2, 9).DayNumber;

    private static CaseCountBatch Read(params (string Name, string Text)[] files)
    {
        var batch = new CaseCountBatch(Divisions);
        foreach (var (name, text) in files)
        {
            batch.Read(new StringReader(text), name);
        }
        return batch;
    }

    [Fact]
    public void Daily_GoodAndBadRows_BadOnesByLine()
    {
        var batch = Read(("a.csv",
            "date,division_code,confirmed_new,confirmed_local_new,cluster_events\n" +
            "2020-02-09,330102,5,4,1\n" +        // 2
            "2020-02-09,330100,2,,\n" +          // 3: the 6-digit city form, no split or clusters
            "2020-02-09,339999,1,1,0\n" +        // 4: unknown division
            "2020-02-09,330102,1,1,0\n" +        // 5: duplicate of line 2
            "2020-02-31,4201,1,1,0\n" +          // 6: no such date
            "2020-02-09,4201,-1,0,0\n" +         // 7: negative
            "2020-02-09,4201,3,4,0\n" +          // 8: more local than new
            "2020-02-09,4201,3,3,x\n" +          // 9: clusters not a number
            "\n" +
            "2020-02-10,42,7,7,0\n"));           // 11
        Assert.Equal(9, batch.Rows);
        Assert.Equal([(4, "division_code"), (5, "division_code"), (6, "date"), (7, "confirmed_new"), (8, "confirmed_local_new"), (9, "cluster_events")],
            batch.Problems.Select(p => (p.Line, p.Field)));
        Assert.Contains("unknown division code '339999'", batch.Problems[0].Reason, StringComparison.Ordinal);
        Assert.Contains("duplicate of line 2", batch.Problems[1].Reason, StringComparison.Ordinal);
        var rows = batch.Derive((_, _) => throw new InvalidOperationException("daily rows need no stored totals")).OrderBy(r => r.Division).ToList();
        Assert.Equal([new CaseCount("3301", Feb9, 2, null, null), new CaseCount("330102", Feb9, 5, 4, 1), new CaseCount("42", Feb9 + 1, 7, 7, 0)], rows);
    }

    [Fact]
    public void Daily_WrongHeader_Throws() =>
        Assert.Throws<CaseCountBatch.HeaderException>(() => Read(("a.csv", "day,code,n\n2020-02-09,33,1\n")));

    private const string Header2020 = "date,country,countryCode,province,provinceCode,city,cityCode,confirmed,suspected,cured,dead\n";

    [Fact]
    public void Cumulative2020_DailyNewDerived_UnmappableRowsByLine()
    {
        var day1 = Header2020 +
                   "2020-02-08,中国,CN,,,,,100,0,0,0\n" +                      // 2: national total, skipped
                   "2020-02-08,澳大利亚,AU,,,,,15,0,3,0\n" +                   // 3: abroad, skipped
                   "2020-02-08,中国,CN,浙江省,330000,,,50,0,0,0\n" +           // 4: province total
                   "2020-02-08,中国,CN,浙江省,330000,杭州市,330100,20,0,0,0\n" + // 5
                   "2020-02-08,中国,CN,浙江省,330000,未公布来源,,0,0,0,0\n" +  // 6: no code
                   "2020-02-08,中国,CN,北京市,110000,东城区,110101,4,0,0,0\n";  // 7: a district of Beijing (county level)
        var day2 = Header2020 +
                   "2020-02-09,中国,CN,浙江省,330000,,,58,0,0,0\n" +
                   "2020-02-09,中国,CN,浙江省,330000,杭州市,330100,26,0,0,0\n" +
                   "2020-02-09,中国,CN,北京市,110000,东城区,110101,3,0,0,0\n" +   // 4: a correction, 4 → 3
                   "2020-02-09,中国,CN,湖北省,420000,武汉市,420199,3,0,0,0\n";    // 5: unknown code
        var batch = Read(("2020-02-08.csv", day1), ("2020-02-09.csv", day2));
        Assert.Equal((10, 2), (batch.Rows, batch.Skipped));
        Assert.Equal([("2020-02-08.csv", 6, "cityCode"), ("2020-02-09.csv", 5, "cityCode")], batch.Problems.Select(p => (p.File, p.Line, p.Field)));
        Assert.Contains("未公布来源", batch.Problems[0].Reason, StringComparison.Ordinal);
        Assert.Contains("420199", batch.Problems[1].Reason, StringComparison.Ordinal);
        // Hangzhou had 15 cases stored before 8 February
        var rows = batch.Derive((division, day) => division == "3301" && day == Feb9 - 1 ? 15 : 0).OrderBy(r => r.Division).ThenBy(r => r.Day).ToList();
        Assert.Equal(
        [
            new CaseCount("110101", Feb9 - 1, 4, null, null), new CaseCount("110101", Feb9, -1, null, null),
            new CaseCount("33", Feb9 - 1, 50, null, null), new CaseCount("33", Feb9, 8, null, null),
            new CaseCount("3301", Feb9 - 1, 5, null, null), new CaseCount("3301", Feb9, 6, null, null),
        ], rows);
    }

    [Fact]
    public void Real2020Data_ZhejiangCitiesOn9February_PublishedCumulativeCounts()
    {
        var batch = new CaseCountBatch(RealDivisions.Value);
        foreach (var file in Directory.GetFiles(RepoPaths.Data("covid-2020"), "*.csv").Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(file);
            batch.Read(reader, Path.GetFileName(file));
        }
        Assert.Equal(182, batch.Files);
        var rows = batch.Derive((_, _) => 0);
        Assert.All(batch.Problems, p => Assert.True(p.Line > 1));
        int Total(string division) => rows.Where(r => r.Division == division && r.Day <= Feb9).Sum(r => r.ConfirmedNew);
        // the published cumulative counts of 9 February 2020: Zhejiang 1,092, Wenzhou 448, Hangzhou 165
        Assert.Equal((1092, 448, 165), (Total("33"), Total("3303"), Total("3301")));
        Assert.True(rows.Select(r => r.Division).Distinct().Count() > 400, "cities, municipal districts and provinces");
    }

    private static readonly Lazy<DivisionCatalogue> RealDivisions = new(() =>
    {
        var entries = new List<KeyValuePair<string, string>>();
        foreach (var file in new[] { "provinces.csv", "cities.csv", "areas.csv", "ChinaAreaCode-2019.csv" })
        {
            using var reader = new StreamReader(RepoPaths.Data("divisions", file));
            foreach (var rec in Csv.Read(reader).Skip(1))
            {
                entries.Add(new(DivisionCode.Normalise(rec.Fields[0]), rec.Fields[1]));
            }
        }
        return new DivisionCatalogue(entries);
    });
}
