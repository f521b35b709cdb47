using CityBrain.Domain.RiskMap;

namespace CityBrain.Domain.Tests.RiskMap;

/// <summary>Aggregation county → city → province, the areas of a level, indicators carried over days.</summary>
public class RiskMapCalculatorTests
{
    private static readonly RiskMapSettings S = new();
    private static readonly int D0 = new DateOnly(2020, 2, 1).DayNumber;

    private static CaseCount C(string division, int day, int newCases, int? local = null, int? clusters = 0) => new(division, D0 + day, newCases, local ?? newCases, clusters);

    private static readonly string[] Known = ["33", "42", "3301", "3302", "3303", "4201", "330102", "330105", "330106", "330203", "330302"];

    [Fact]
    public void Grade_CountiesSumToCityAndProvince()
    {
        var calc = new RiskMapCalculator([C("330102", 0, 30, 20, 1), C("330105", 0, 25, 25, 1), C("330203", 1, 4, 0, 0)], S);
        var city = calc.Grade("3301", RiskRules.Zhejiang).ToList();
        Assert.Equal(2, city.Count);                       // every day of the data
        var i = city[0].Indicators;
        Assert.Equal((55, 55, 2), (i.ConfirmedTotal, i.ConfirmedNew, i.ClusterEvents));
        Assert.Equal(45.0 / 55, i.LocalShare!.Value, 4);
        Assert.Equal(Math.Round(30 + 10 * 45.0 / 55 + 30 + 30, 2), i.Score);
        Assert.Equal("red", city[0].Level);
        Assert.Null(city[0].PreviousLevel);
        Assert.Equal(("red", "red"), (city[1].Level, city[1].PreviousLevel)); // day 2: a case yesterday, still recent

        var province = calc.Grade("33", RiskRules.Zhejiang).Last().Indicators;
        Assert.Equal((59, 4, 2), (province.ConfirmedTotal, province.ConfirmedNew, province.ClusterEvents));
        Assert.Equal(45.0 / 59, province.LocalShare!.Value, 4);

        var national = calc.Grade("3301", RiskRules.National).First();
        Assert.Equal("high", national.Level);              // more than 50 and a cluster within 14 days
        Assert.Null(national.Indicators.Score);
        Assert.Equal("medium", calc.Grade("3302", RiskRules.National).Last().Level);
    }

    [Fact]
    public void SourcesOf_OwnRowsWin_ElseTheCoarsestInside()
    {
        // the province has its own totals (as in the 2020 data), the city none, the counties theirs
        var calc = new RiskMapCalculator([C("33", 0, 100), C("3302", 0, 10), C("330102", 0, 5), C("330105", 0, 6), C("4201", 0, 1)], S);
        Assert.Equal(["33"], calc.SourcesOf("33"));
        Assert.Equal(["330102", "330105"], calc.SourcesOf("3301"));
        Assert.Equal(["3302"], calc.SourcesOf("3302"));
        Assert.Equal(100, calc.Grade("33", RiskRules.Zhejiang).Single().Indicators.ConfirmedTotal);
        Assert.Equal(11, calc.Grade("3301", RiskRules.Zhejiang).Single().Indicators.ConfirmedTotal);
    }

    [Fact]
    public void Areas_ParentReportingAtThatLevel_IncludesSilentSiblings()
    {
        var calc = new RiskMapCalculator([C("330102", 0, 3), C("3303", 0, 1), C("4201", 0, 9)], S);
        // counties: Hangzhou reports by county, so its other counties had no case; Wenzhou and Wuhan report by city only
        Assert.Equal(["330102", "330105", "330106"], calc.Areas(AreaLevel.County, Known));
        // cities: Zhejiang and Hubei report by city (or finer), so every city of them is an area
        Assert.Equal(["3301", "3302", "3303", "4201"], calc.Areas(AreaLevel.City, Known));
        Assert.Equal(["33", "42"], calc.Areas(AreaLevel.Province, Known));
        var silent = calc.Grade("330106", RiskRules.Zhejiang).Single();
        Assert.Equal(("green", 0), (silent.Level, silent.Indicators.ConfirmedTotal));
        Assert.Null(silent.Indicators.DaysWithoutNewCase);

        // a city with rows of its own and one county listed beside it: its other counties are not known to be silent
        var beside = new RiskMapCalculator([C("3301", 0, 3), C("330102", 0, 1)], S);
        Assert.Equal(["330102"], beside.Areas(AreaLevel.County, Known));
        // a province with totals of its own and a city breakdown: its silent cities had no case
        var province = new RiskMapCalculator([C("33", 0, 3), C("3301", 0, 1)], S);
        Assert.Equal(["3301", "3302", "3303"], province.Areas(AreaLevel.City, Known));
    }

    [Fact]
    public void Grade_QuietDaysCountedFromTheLastNewCase()
    {
        // 60 local cases with two clusters on day 0, nothing after: red, then orange once no longer recent, green after 14 days
        var rows = new List<CaseCount> { C("330102", 0, 60, 60, 2), C("330105", 20, 0) };
        var days = new RiskMapCalculator(rows, S).Grade("330102", RiskRules.Zhejiang).ToList();
        Assert.Equal(21, days.Count);
        Assert.Equal(["red", "red", "red", "orange"], days.Take(4).Select(d => d.Level));
        Assert.Equal((3, 70.0), (days[3].Indicators.DaysWithoutNewCase, days[3].Indicators.Score));
        Assert.Equal(("orange", 13), (days[13].Level, days[13].Indicators.DaysWithoutNewCase));
        Assert.Equal(("green", "orange"), (days[14].Level, days[14].PreviousLevel));
        Assert.Equal(0, days[15].Indicators.ClusterEvents);   // the clusters left the 14-day window
    }

    [Fact]
    public void Grade_NoSplitOrClusters_AssumedAndEstimated()
    {
        var calc = new RiskMapCalculator([new CaseCount("4201", D0, 6, null, null), new CaseCount("4201", D0 + 1, -1, null, null)], S);
        var days = calc.Grade("4201", RiskRules.Zhejiang).ToList();
        Assert.True(days[0].Indicators.LocalShareAssumed);
        Assert.True(days[0].Indicators.ClustersEstimated);
        Assert.Equal((1.0, 1), (days[0].Indicators.LocalShare, days[0].Indicators.ClusterEvents));
        Assert.Equal((5, -1, 1), (days[1].Indicators.ConfirmedTotal, days[1].Indicators.ConfirmedNew, days[1].Indicators.DaysWithoutNewCase)); // a correction is no new case
    }

}
