using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.RiskMap;

namespace CityBrain.Domain.Tests.RiskMap;

/// <summary>The two rule sets at each boundary, with the default settings (README "Five-colour risk map").</summary>
public class RiskGraderTests
{
    private static readonly RiskMapSettings S = new();

    // score = 30 × min(1, total/50) + 10 × local share + 30 × min(1, clusters/2) + 30 × (a new case within 3 days)
    [Theory]
    [InlineData(50, 1.0, 2, 0, 100.0)]
    [InlineData(25, 1.0, 0, 0, 55.0)]
    [InlineData(25, 0.5, 1, 2, 65.0)]
    [InlineData(25, 0.5, 1, 3, 35.0)]   // the third day without a case: no longer recent
    [InlineData(500, 0.0, 9, 10, 60.0)] // capped parts
    [InlineData(1, 1.0, 0, 13, 10.6)]
    public void Score_Indicators_WeightedSum(int total, double local, int clusters, int daysWithout, double expected) =>
        Assert.Equal(expected, RiskGrader.Score(S, total, local, clusters, daysWithout), 6);

    [Theory]
    [InlineData(90.0, "red")]
    [InlineData(89.99, "orange")]
    [InlineData(65.0, "orange")]
    [InlineData(64.99, "yellow")]
    [InlineData(45.0, "yellow")]
    [InlineData(44.99, "blue")]
    [InlineData(0.0, "blue")]
    public void Zhejiang_ScoreBoundaries_Level(double score, string level) =>
        Assert.Equal(level, RiskGrader.Zhejiang(S, total: 10, daysWithoutNew: 0, score));

    [Theory]
    [InlineData(0, null, "green")]   // never a case (从未发生疫情)
    [InlineData(10, 13, "red")]      // a case 13 days ago: still graded by score
    [InlineData(10, 14, "green")]    // 14 days without a new case
    [InlineData(10, null, "green")]
    public void Zhejiang_QuietPeriod_Green(int total, int? daysWithout, string level) =>
        Assert.Equal(level, RiskGrader.Zhejiang(S, total, daysWithout, score: 99));

    [Theory]
    [InlineData(51, 1, 0, "high")]
    [InlineData(50, 1, 0, "medium")]   // "more than 50"
    [InlineData(51, 0, 0, "medium")]   // no cluster within 14 days
    [InlineData(500, 3, 13, "high")]
    [InlineData(500, 3, 14, "low")]    // no new case for 14 days
    [InlineData(0, 0, null, "low")]
    [InlineData(3, 0, 2, "medium")]
    public void National_Boundaries_Level(int total, int clusters, int? daysWithout, string level) =>
        Assert.Equal(level, RiskGrader.National(S, total, clusters, daysWithout));

    [Theory]
    [InlineData(RiskRules.Zhejiang, "red", RiskRank.High)]
    [InlineData(RiskRules.Zhejiang, "orange", RiskRank.High)]
    [InlineData(RiskRules.Zhejiang, "yellow", RiskRank.Medium)]
    [InlineData(RiskRules.Zhejiang, "blue", RiskRank.Low)]
    [InlineData(RiskRules.Zhejiang, "green", RiskRank.Low)]
    [InlineData(RiskRules.National, "high", RiskRank.High)]
    [InlineData(RiskRules.National, "medium", RiskRank.Medium)]
    [InlineData(RiskRules.National, "low", RiskRank.Low)]
    public void Rank_Levels_MapToHealthCodeRanks(RiskRules rules, string level, RiskRank rank) => Assert.Equal(rank, RiskMapNames.Rank(rules, level));

    [Fact]
    public void Settings_Defaults_NoProblem_BadOnesNamed()
    {
        Assert.Null(S.Problem());
        Assert.Equal(100, S.MaxScore);
        Assert.Equal("RedFrom", (S with { OrangeFrom = 90 }).Problem()?.Field);
        Assert.Equal("RedFrom", (S with { RedFrom = 101 }).Problem()?.Field);
        Assert.Equal("ClusterWeight", (S with { ClusterWeight = -1 }).Problem()?.Field);
        Assert.Equal("CumulativeCap", (S with { CumulativeCap = 0 }).Problem()?.Field);
    }

    [Fact]
    public void EstimateClusters_JumpOverPreviousWeek_OneEvent()
    {
        // at least 5 new cases and at least twice the mean of the 7 days before
        Assert.Equal([0, 0, 1], RiskMapCalculator.EstimateClusters([0, 0, 6], S));
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 1], RiskMapCalculator.EstimateClusters([4, 4, 4, 4, 4, 4, 4, 8], S));
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0], RiskMapCalculator.EstimateClusters([4, 4, 4, 4, 4, 4, 4, 7], S));
        Assert.Equal([0, 0], RiskMapCalculator.EstimateClusters([4, -2], S));
    }
}
