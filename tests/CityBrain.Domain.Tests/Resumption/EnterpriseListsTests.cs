using CityBrain.Domain.Resumption;

namespace CityBrain.Domain.Tests.Resumption;

public class EnterpriseListsTests
{
    private static readonly DateOnly Day = new(2020, 2, 19);

    private static Baselines Baselines(ResumptionSettings s)
    {
        var b = new Baselines(ResumptionCubeTests.Enterprises.Length, s);
        foreach (var (e, d, kwh) in ResumptionCubeTests.Readings())
        {
            b.Add(e, d.DayNumber, kwh);
        }
        return b;
    }

    private static double[] OnDay() =>
        ResumptionCubeTests.Enterprises.Select((_, i) => ResumptionCubeTests.Readings().Where(r => r.E == i && r.Day == Day).Select(r => r.Kwh).DefaultIfEmpty(double.NaN).First()).ToArray();

    [Fact]
    public void BelowThreshold_LargeEnterprisesOnly_BiggestFirst()
    {
        var s = ResumptionCubeTests.Settings;
        var list = EnterpriseLists.BelowThreshold(ResumptionCubeTests.Enterprises, Baselines(s), OnDay(), s);
        // above-size: A at 50% (fine) and C at 25% (below); D is below but small, B below but small
        var c = Assert.Single(list);
        Assert.Equal(("C", 200.0, (double?)50.0, 0.25), (c.Enterprise.Id, c.BaselineMean, c.Kwh, c.Ratio));
    }

    [Fact]
    public void BelowThreshold_HigherThresholdAndNoReading_Listed()
    {
        var s = ResumptionCubeTests.Settings with { Threshold = 0.6 };
        var kwh = OnDay();
        kwh[2] = double.NaN; // C sent nothing that day: counted as 0
        var list = EnterpriseLists.BelowThreshold(ResumptionCubeTests.Enterprises, Baselines(s), kwh, s);
        Assert.Equal(["C", "A"], list.Select(x => x.Enterprise.Id)); // by baseline: 200, then 100
        Assert.Null(list[0].Kwh);
        Assert.Equal(0, list[0].Ratio);
        Assert.Empty(EnterpriseLists.BelowThreshold(ResumptionCubeTests.Enterprises, Baselines(s), kwh, s, division: "3302", sector: Sector.HotelsCatering));
    }

    [Fact]
    public void NoBaseline_ReportedApartWithReason()
    {
        var s = ResumptionCubeTests.Settings;
        var none = Assert.Single(EnterpriseLists.NoBaseline(ResumptionCubeTests.Enterprises, Baselines(s)));
        Assert.Equal(("F", 3, "readings on 3 day(s) of the baseline period; 7 needed"), (none.Enterprise.Id, none.BaselineDays, none.Reason));
        // a baseline period with no data at all: everyone
        var later = s with { BaselineFrom = new DateOnly(2021, 1, 1), BaselineTo = new DateOnly(2021, 1, 31) };
        Assert.Equal(6, EnterpriseLists.NoBaseline(ResumptionCubeTests.Enterprises, Baselines(later)).Count);
        Assert.Equal(["A", "B", "F"], EnterpriseLists.NoBaseline(ResumptionCubeTests.Enterprises, Baselines(later), division: "330106").Select(n => n.Enterprise.Id));
    }
}
