using CityBrain.Domain.Resumption;

namespace CityBrain.Domain.Tests.Resumption;

public class BaselinesTests
{
    private static readonly ResumptionSettings December = ResumptionSettings.Default;

    private static Baselines With(ResumptionSettings s, params (int Day, double Kwh)[] readings)
    {
        var b = new Baselines(1, s);
        foreach (var (day, kwh) in readings)
        {
            b.Add(0, s.BaselineFrom.AddDays(day).DayNumber, kwh);
        }
        return b;
    }

    [Fact]
    public void Mean_DaysWithReadings_AveragedOverThoseDays()
    {
        // 10 readings of 31 days: the mean is over the 10 days (a missing day is not a zero)
        var b = With(December, Enumerable.Range(0, 10).Select(d => (d * 3, d % 2 == 0 ? 100.0 : 300.0)).ToArray());
        Assert.Equal(200, b.Mean(0));
        Assert.Null(b.Missing(0));
    }

    [Fact]
    public void Add_OutsideThePeriod_Ignored()
    {
        var b = With(December, Enumerable.Range(0, 7).Select(d => (d, 50.0)).ToArray());
        b.Add(0, December.BaselineTo.AddDays(1).DayNumber, 1_000_000);
        b.Add(0, December.BaselineFrom.AddDays(-1).DayNumber, 1_000_000);
        Assert.Equal(50, b.Mean(0));
        Assert.Equal(7, b.Days(0));
    }

    [Theory]
    [InlineData(0, 0.0, "no readings in the baseline period")]
    [InlineData(6, 10.0, "readings on 6 day(s) of the baseline period; 7 needed")]
    [InlineData(7, 0.0, "no consumption in the baseline period")]
    public void Missing_TooFewDaysOrZero_Reason(int days, double kwh, string reason)
    {
        var b = With(December, Enumerable.Range(0, days).Select(d => (d, kwh)).ToArray());
        Assert.True(double.IsNaN(b.Mean(0)));
        Assert.False(b.Has(0));
        Assert.Equal(reason, b.Missing(0));
    }

    [Fact]
    public void Mean_PeriodShorterThanTheMinimum_EveryDayOfItSuffices()
    {
        var oneDay = December with { BaselineTo = December.BaselineFrom };
        Assert.Equal(1, oneDay.RequiredBaselineDays);
        Assert.Equal(42, With(oneDay, (0, 42)).Mean(0));
    }

    [Fact]
    public void Merge_TwoReadersShares_SameAsOne()
    {
        var a = With(December, (0, 10), (1, 20), (2, 30));
        var b = With(December, (3, 40), (4, 50), (5, 60), (6, 70));
        a.Merge(b);
        Assert.Equal(40, a.Mean(0));
        Assert.Equal(7, a.Days(0));
    }
}
