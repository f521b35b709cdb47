using CityBrain.Domain.Resumption;

namespace CityBrain.Domain.Tests.Resumption;

public class SettingsAndBandsTests
{
    [Theory]
    [InlineData(0.0, Band.Red)]
    [InlineData(0.1999, Band.Red)]
    [InlineData(0.20, Band.Orange)]
    [InlineData(0.3999, Band.Orange)]
    [InlineData(0.40, Band.Yellow)]
    [InlineData(0.5144, Band.Yellow)]
    [InlineData(0.60, Band.Blue)]
    [InlineData(0.7999, Band.Blue)]
    [InlineData(0.80, Band.Green)]
    [InlineData(1.30, Band.Green)]
    public void BandsOf_DefaultFloors_LowerBoundInclusive(double index, Band band) =>
        Assert.Equal(band, Bands.Of(index, ResumptionSettings.Default.BandFloors));

    [Fact]
    public void Defaults_ZhejiangFebruary2020()
    {
        var s = ResumptionSettings.Default;
        Assert.Equal((new DateOnly(2019, 12, 1), new DateOnly(2019, 12, 31), 0.30, 0.5), (s.BaselineFrom, s.BaselineTo, s.Threshold, s.ResumptionWeight));
        Assert.Equal(31, s.BaselineDays);
        Assert.Null(s.Problem());
    }

    [Theory]
    [InlineData("2019-12-01..2019-12-31", true)]
    [InlineData(" 2020-03-16..2020-03-22 ", true)]
    [InlineData("2019-12-01", false)]
    [InlineData("2019-12-01..", false)]
    [InlineData("2019/12/01..2019/12/31", false)]
    [InlineData("2019-12-01..2019-13-01", false)]
    public void TryParsePeriod_Forms(string text, bool ok) =>
        Assert.Equal(ok, ResumptionSettings.TryParsePeriod(text, out _, out _));

    public static TheoryData<ResumptionSettings, string> Bad => new()
    {
        { ResumptionSettings.Default with { BaselineTo = new DateOnly(2019, 11, 30) }, "baseline" },
        { ResumptionSettings.Default with { BaselineTo = new DateOnly(2021, 1, 1) }, "baseline" },
        { ResumptionSettings.Default with { Threshold = 0 }, "threshold" },
        { ResumptionSettings.Default with { Threshold = 1.5 }, "threshold" },
        { ResumptionSettings.Default with { Threshold = double.NaN }, "threshold" },
        { ResumptionSettings.Default with { MinBaselineDays = 0 }, "min_baseline_days" },
        { ResumptionSettings.Default with { ResumptionWeight = 1.1 }, "resumption_weight" },
        { ResumptionSettings.Default with { Structure = [1, 2] }, "structure" },
        { ResumptionSettings.Default with { Structure = [0, 0, 0] }, "structure" },
        { ResumptionSettings.Default with { Structure = [-1, 2, 3] }, "structure" },
        { ResumptionSettings.Default with { BandFloors = [0.2, 0.4, 0.4, 0.8] }, "bands" },
        { ResumptionSettings.Default with { BandFloors = [0.2, 0.4, 0.6] }, "bands" },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Problem_BadSetting_NamesTheField(ResumptionSettings s, string field) =>
        Assert.Equal(field, s.Problem()?.Field);

    [Theory]
    [InlineData("3.4,42.6,54.0", true)]
    [InlineData("1, 1, 1", true)]
    [InlineData("1,1", false)]
    [InlineData("a,b,c", false)]
    public void TryParseStructure_Forms(string text, bool ok) =>
        Assert.Equal(ok, ResumptionSettings.TryParseStructure(text, out _));
}
