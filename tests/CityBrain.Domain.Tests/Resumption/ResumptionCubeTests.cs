using CityBrain.Domain.Resumption;

namespace CityBrain.Domain.Tests.Resumption;

/// <summary>
/// Hand-made enterprises with known answers. Baseline 2019-12-01..10 (ten days, seven needed), threshold 30%:
///   A industry 330106 (Hangzhou Xihu)   baseline 100          2020-02-19: 50  (50%, resumed)
///   B wholesale 330106                  baseline 20 (8 days)  2020-02-19: 5   (25%, not resumed)
///   C industry 330203 (Ningbo Haishu)   baseline 200 (150/250)2020-02-19: 50  (25%, not resumed)
///   D hotels 330203                     baseline 40           2020-02-19: no reading (not resumed, 0 kWh)
///   E agriculture 330782 (Jinhua Yiwu)  baseline 10           2020-02-19: 8   (80%, resumed)
///   F information 330106                3 baseline days only: no baseline, reported apart
/// </summary>
public class ResumptionCubeTests
{
    private static readonly DateOnly Day = new(2020, 2, 19);
    private const double Tol = 1e-9;

    internal static readonly ResumptionSettings Settings = new()
    {
        BaselineFrom = new DateOnly(2019, 12, 1),
        BaselineTo = new DateOnly(2019, 12, 10),
    };

    internal static readonly Enterprise[] Enterprises =
    [
        new(1, "A", "甲", Sector.Industry, "330106", Scale.AboveSize),
        new(2, "B", "乙", Sector.WholesaleRetail, "330106001", Scale.BelowSize),
        new(3, "C", "丙", Sector.Industry, "330203", Scale.AboveSize),
        new(4, "D", "丁", Sector.HotelsCatering, "330203", Scale.BelowSize),
        new(5, "E", "戊", Sector.Agriculture, "330782", Scale.BelowSize),
        new(6, "F", "己", Sector.Information, "330106", Scale.BelowSize),
    ];

    /// <summary>(enterprise index, day, kWh) of the story above.</summary>
    internal static IEnumerable<(int E, DateOnly Day, double Kwh)> Readings()
    {
        for (var i = 0; i < 10; i++)
        {
            var d = Settings.BaselineFrom.AddDays(i);
            yield return (0, d, 100);
            if (i < 8)
            {
                yield return (1, d, 20);
            }
            yield return (2, d, i % 2 == 0 ? 150 : 250);
            yield return (3, d, 40);
            yield return (4, d, 10);
            if (i < 3)
            {
                yield return (5, d, 30);
            }
        }
        yield return (0, Day, 50);
        yield return (1, Day, 5);
        yield return (2, Day, 50);
        yield return (4, Day, 8);
        yield return (5, Day, 30);
        // a later day: everyone back to the baseline
        foreach (var (e, kwh) in new[] { (0, 100.0), (1, 20.0), (2, 200.0), (3, 40.0), (4, 10.0) })
        {
            yield return (e, Day.AddDays(1), kwh);
        }
    }

    internal static ResumptionCube Build(ResumptionSettings? settings = null, IEnumerable<(int E, DateOnly Day, double Kwh)>? readings = null)
    {
        var s = settings ?? Settings;
        var list = (readings ?? Readings()).ToList();
        var baselines = new Baselines(Enterprises.Length, s);
        foreach (var (e, d, kwh) in list)
        {
            baselines.Add(e, d.DayNumber, kwh);
        }
        var cube = new ResumptionCube(Enterprises, baselines, s, list.Min(r => r.Day), list.Max(r => r.Day));
        foreach (var (e, d, kwh) in list)
        {
            cube.Add(e, d.DayNumber, kwh);
        }
        return cube;
    }

    private static void AssertFigure(Figure f, string key, int enterprises, int resumed, double kwh, double baseline, int noReading, int noBaseline)
    {
        Assert.Equal(key, f.Key);
        Assert.Equal((enterprises, resumed, noReading, noBaseline), (f.Enterprises, f.Resumed, f.NoReading, f.NoBaseline));
        Assert.Equal(kwh, f.Kwh, Tol);
        Assert.Equal(baseline, f.BaselineKwh, Tol);
        Assert.Equal((double)resumed / enterprises, f.ResumptionRate!.Value, Tol);
        Assert.Equal(kwh / baseline, f.ProductionRate!.Value, Tol);
        Assert.Equal((f.ResumptionRate.Value + f.ProductionRate.Value) / 2, f.Index!.Value, Tol);
    }

    [Fact]
    public void Figures_ByCounty_HandComputed()
    {
        var rows = Build().Figures(Day, Level.County);

        Assert.Equal(["330106", "330203", "330782"], rows.Select(r => r.Key));
        // 330106: A resumed, B not; (50 + 5) / (100 + 20); F has no baseline
        AssertFigure(rows[0], "330106", 2, 1, 55, 120, noReading: 0, noBaseline: 1);
        Assert.Equal(0.5 * 0.5 + 0.5 * (55.0 / 120), rows[0].Index!.Value, Tol); // 0.479167
        // 330203: neither C (25%) nor D (no reading); 50 / 240
        AssertFigure(rows[1], "330203", 2, 0, 50, 240, noReading: 1, noBaseline: 0);
        Assert.Equal(0.5 * 0 + 0.5 * (50.0 / 240), rows[1].Index!.Value, Tol); // 0.104167
        // 330782: E at 80%
        AssertFigure(rows[2], "330782", 1, 1, 8, 10, noReading: 0, noBaseline: 0);
        Assert.Equal(0.9, rows[2].Index!.Value, Tol);
    }

    [Fact]
    public void Total_AllEnterprises_HandComputed()
    {
        var total = Build().Total(Day);

        // resumed A and E of five; 113 kWh of 370
        AssertFigure(total, "all", 5, 2, 113, 370, noReading: 1, noBaseline: 1);
        Assert.Equal(0.5 * 0.4 + 0.5 * (113.0 / 370), total.Index!.Value, Tol); // 0.352703
    }

    [Fact]
    public void Figures_ByCityAndProvince_SumTheCounties()
    {
        var cube = Build();
        var cities = cube.Figures(Day, Level.City);
        Assert.Equal(["3301", "3302", "3307"], cities.Select(r => r.Key));
        AssertFigure(cities[0], "3301", 2, 1, 55, 120, 0, 1);
        AssertFigure(cities[1], "3302", 2, 0, 50, 240, 1, 0);
        var province = Assert.Single(cube.Figures(Day, Level.Province));
        AssertFigure(province, "33", 5, 2, 113, 370, 1, 1);
    }

    [Fact]
    public void Figures_ByIndustry_HandComputed()
    {
        var rows = Build().Figures(Day, Level.Industry).ToDictionary(r => r.Key);

        Assert.Equal(["agriculture", "hotels_catering", "industry", "information", "wholesale_retail"], rows.Keys.Order());
        AssertFigure(rows["industry"], "industry", 2, 1, 100, 300, 0, 0);          // A 50 + C 50 of 100 + 200
        AssertFigure(rows["wholesale_retail"], "wholesale_retail", 1, 0, 5, 20, 0, 0);
        AssertFigure(rows["hotels_catering"], "hotels_catering", 1, 0, 0, 40, 1, 0);
        AssertFigure(rows["agriculture"], "agriculture", 1, 1, 8, 10, 0, 0);
        var info = rows["information"];                                               // only F, without a baseline
        Assert.Equal((0, 1), (info.Enterprises, info.NoBaseline));
        Assert.Null(info.ResumptionRate);
        Assert.Null(info.Index);
        Assert.All(rows.Values, r => Assert.Null(r.StructuredIndex));
    }

    [Fact]
    public void Figures_DivisionAndIndustryFilters_Restrict()
    {
        var cube = Build();
        var ningbo = Assert.Single(cube.Figures(Day, Level.Industry, division: "3302", sector: Sector.Industry));
        AssertFigure(ningbo, "industry", 1, 0, 50, 200, 0, 0);                       // C only
        AssertFigure(cube.Total(Day, division: "330106"), "330106", 2, 1, 55, 120, 0, 1);
        AssertFigure(cube.Total(Day, sector: Sector.Industry), "industry", 2, 1, 100, 300, 0, 0);
        Assert.Empty(cube.Figures(Day, Level.County, division: "42"));
    }

    [Fact]
    public void StructuredIndex_BaselineShares_WeighTheThreeIndustries()
    {
        var xihu = Build().Figures(Day, Level.County)[0];
        // secondary (A): 0.5·1 + 0.5·0.5 = 0.75, weight 100; tertiary (B): 0.5·0 + 0.5·0.25 = 0.125, weight 20
        Assert.Equal((0.75 * 100 + 0.125 * 20) / 120, xihu.StructuredIndex!.Value, Tol); // 0.645833
        var total = Build().Total(Day);
        // primary E 0.9 (w 10); secondary A+C: R 1/2, P 100/300 → 0.416667 (w 300); tertiary B+D: R 0, P 5/60 → 0.041667 (w 60)
        Assert.Equal((0.9 * 10 + (0.25 + 100.0 / 600) * 300 + (5.0 / 120) * 60) / 370, total.StructuredIndex!.Value, Tol);
    }

    [Fact]
    public void StructuredIndex_GivenStructure_RenormalisedOverPresentIndustries()
    {
        var s = Settings with { Structure = [0.034, 0.426, 0.540] };
        var xihu = Build(s).Figures(Day, Level.County)[0];
        // no primary industry in Xihu: its weight drops out
        Assert.Equal((0.426 * 0.75 + 0.540 * 0.125) / (0.426 + 0.540), xihu.StructuredIndex!.Value, Tol); // 0.400621
    }

    [Fact]
    public void Trend_EachDay_OwnFigures()
    {
        var trend = Build().Trend(Day, Day.AddDays(1));
        Assert.Equal([Day, Day.AddDays(1)], trend.Select(t => t.Day));
        Assert.Equal(0.352703, trend[0].Figure.Index!.Value, 6);
        var back = trend[1].Figure;                                                   // everyone at the baseline
        Assert.Equal((5, 5, 0), (back.Enterprises, back.Resumed, back.NoReading));
        Assert.Equal(1.0, back.ProductionRate!.Value, Tol);
        Assert.Equal(1.0, back.Index!.Value, Tol);
    }

    [Fact]
    public void Figures_DayWithoutAnyReading_NobodyResumedAllCountedMissing()
    {
        var cube = Build();
        var gap = cube.Total(new DateOnly(2020, 1, 15));
        Assert.Equal((5, 0, 5), (gap.Enterprises, gap.Resumed, gap.NoReading));
        Assert.Equal(0, gap.Index!.Value);
    }

    [Fact]
    public void Figures_DayOutsideTheData_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Build().Total(new DateOnly(2020, 3, 1)));
    }

    [Theory]
    // baseline mean 20, threshold 0.3: resumed from 6 kWh
    [InlineData(6.0, true)]
    [InlineData(5.99, false)]
    [InlineData(0.0, false)]
    [InlineData(20.0, true)]
    public void Add_AtTheThreshold_CountsAsResumed(double kwh, bool resumed)
    {
        var list = Enumerable.Range(0, 10).Select(i => (1, Settings.BaselineFrom.AddDays(i), 20.0)).Append((1, Day, kwh));
        var total = Build(readings: list).Total(Day, sector: Sector.WholesaleRetail);
        Assert.Equal(resumed ? 1 : 0, total.Resumed);
    }

    [Fact]
    public void Production_AboveBaseline_IndexAboveOne()
    {
        // an industry that uses more than in December (irrigation, say): production rate 1.5, the index above 100%
        var list = Enumerable.Range(0, 10).Select(i => (4, Settings.BaselineFrom.AddDays(i), 10.0)).Append((4, Day, 15.0));
        var f = Build(readings: list).Total(Day, sector: Sector.Agriculture);
        Assert.Equal(1.5, f.ProductionRate!.Value, Tol);
        Assert.Equal(1.25, f.Index!.Value, Tol);
    }

    [Fact]
    public void Index_IssueExample_ZhejiangFebruary19()
    {
        // 625 enterprises of baseline 16 kWh (10,000 in all); 360 resumed at 12 kWh, 265 below the threshold (4.8) with
        // 208 kWh between them: resumption rate 57.60%, production rate (4,320 + 208) / 10,000 = 45.28%.
        var s = Settings with { BaselineFrom = Day.AddDays(-1), BaselineTo = Day.AddDays(-1), MinBaselineDays = 1 };
        var enterprises = Enumerable.Range(0, 625).Select(i => new Enterprise(i + 1, "Z" + i, "z", Sector.Industry, "330106", Scale.BelowSize)).ToList();
        var baselines = new Baselines(625, s);
        for (var i = 0; i < 625; i++)
        {
            baselines.Add(i, s.BaselineFrom.DayNumber, 16);
        }
        var cube = new ResumptionCube(enterprises, baselines, s, Day.AddDays(-1), Day);
        for (var i = 0; i < 625; i++)
        {
            cube.Add(i, Day.DayNumber, i < 360 ? 12 : 208.0 / 265);
        }
        var f = cube.Total(Day);
        Assert.Equal(0.5760, f.ResumptionRate!.Value, 12);
        Assert.Equal(0.4528, f.ProductionRate!.Value, 12);
        Assert.Equal(0.5144, f.Index!.Value, 12); // "the resumption power index 51.44"
    }

    [Fact]
    public void Add_ReadingsOutsideTheRangeOrWithoutBaseline_Ignored()
    {
        var cube = Build();
        var before = cube.Total(Day);
        cube.Add(5, Day.DayNumber, 1_000);                  // F: no baseline
        cube.Add(0, new DateOnly(2021, 1, 1).DayNumber, 5); // after the range
        Assert.Equal(before, cube.Total(Day));
    }
}
