using System.Globalization;
using CityBrain.Domain.Resumption;

namespace CityBrain.Domain.Tests.Resumption;

/// <summary>
/// The real thing: New Zealand's national grid demand (data/electricity, from the Electricity Authority) through the
/// same baseline/ratio code, the nation as one enterprise. NZ went to alert level 4 on 26 March 2020 (announced 23
/// March; level 2 on 21 March) and came out of it by June. Demand is seasonal (the southern winter adds about a
/// tenth by June) and weekly (weekends lower), so each comparison holds season and weekday still:
///   - the drop: 26 March against the same weekday a week before (a one-day baseline), and the first lockdown week
///     against the last full week before the alert levels (16-22 March, seven days: one of each weekday);
///   - the recovery: June 2020 against June 2019 (the same season), with April 2020 against April 2019 to show the hole.
/// </summary>
public class NzDemandPlausibilityTests
{
    private static readonly Lazy<List<(DateOnly Day, double Gwh)>> Demand = new(Load);

    private static List<(DateOnly, double)> Load()
    {
        var rows = new List<(DateOnly, double)>();
        foreach (var line in File.ReadLines(RepoPaths.Data("electricity", "nz-electricity-demand.csv")))
        {
            var f = line.Split(',');
            if (f.Length == 6 && f[3] == "NZ" && DateOnly.TryParseExact(f[0], "dd/MM/yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                rows.Add((day, double.Parse(f[5], CultureInfo.InvariantCulture)));
            }
        }
        return rows;
    }

    private static readonly Enterprise Nation = new(1, "NZ", "New Zealand grid", Sector.Industry, "000000", Scale.AboveSize);

    /// <summary>The production rate (kWh that day / baseline daily mean) of each day from..to, with the given baseline.</summary>
    private static List<double> ProductionRates(DateOnly baselineFrom, DateOnly baselineTo, DateOnly from, DateOnly to)
    {
        var s = ResumptionSettings.Default with { BaselineFrom = baselineFrom, BaselineTo = baselineTo };
        var baselines = new Baselines(1, s);
        foreach (var (day, gwh) in Demand.Value)
        {
            baselines.Add(0, day.DayNumber, gwh);
        }
        var cube = new ResumptionCube([Nation], baselines, s, from, to);
        foreach (var (day, gwh) in Demand.Value)
        {
            cube.Add(0, day.DayNumber, gwh);
        }
        return cube.Trend(from, to).Select(t => t.Figure.ProductionRate!.Value).ToList();
    }

    private static DateOnly D(int y, int m, int d) => new(y, m, d);

    [Fact]
    public void Data_CoversTheLockdown()
    {
        Assert.True(Demand.Value.Count > 3_800);
        Assert.Equal(D(2020, 7, 8), Demand.Value.Max(r => r.Day));
        Assert.Equal(93.861, Demand.Value.Single(r => r.Day == D(2020, 3, 26)).Gwh);
    }

    [Fact]
    public void LockdownDay_AgainstTheSameWeekdayAWeekBefore_About14PercentDown()
    {
        var rate = Assert.Single(ProductionRates(D(2020, 3, 19), D(2020, 3, 19), D(2020, 3, 26), D(2020, 3, 26)));
        Assert.InRange(1 - rate, 0.12, 0.16); // 93.861 / 109.121 GWh: 14.0% down
        Assert.Equal(0.8602, rate, 3);
    }

    [Fact]
    public void LockdownWeek_AgainstTheWeekBeforeTheAlertLevels_About14PercentDown()
    {
        var week = ProductionRates(D(2020, 3, 16), D(2020, 3, 22), D(2020, 3, 26), D(2020, 4, 1));
        Assert.Equal(7, week.Count);
        Assert.InRange(1 - week.Average(), 0.12, 0.16); // 13.6% down
        Assert.All(week, r => Assert.InRange(r, 0.80, 0.90));
        // the week before, at the usual level: the drop is the lockdown's, not noise
        var before = ProductionRates(D(2020, 3, 16), D(2020, 3, 22), D(2020, 3, 16), D(2020, 3, 22));
        Assert.Equal(1.0, before.Average(), 9);
    }

    [Fact]
    public void June_AgainstJune2019_Recovered()
    {
        var april = ProductionRates(D(2019, 4, 1), D(2019, 4, 30), D(2020, 4, 1), D(2020, 4, 30));
        var june = ProductionRates(D(2019, 6, 1), D(2019, 6, 30), D(2020, 6, 1), D(2020, 6, 30));
        Assert.InRange(april.Average(), 0.85, 0.90);   // 87.5%: the hole of alert levels 4 and 3
        Assert.InRange(june.Average(), 0.97, 1.03);    // 100.5%: back to a normal June
        Assert.True(june.Average() - april.Average() > 0.10);
    }
}
