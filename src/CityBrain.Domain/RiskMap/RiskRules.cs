using System.Globalization;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Domain.RiskMap;

/// <summary>The two rule sets: Zhejiang's five-colour county map (五色图) and the national three-level rule.</summary>
public enum RiskRules
{
    Zhejiang,
    National,
}

/// <summary>The level of division an area is graded at: province (2 digits), city (4) or county (6).</summary>
public enum AreaLevel
{
    Province = 2,
    City = 4,
    County = 6,
}

public static class RiskMapNames
{
    /// <summary>Zhejiang's five levels, least severe first.</summary>
    public static readonly IReadOnlyList<string> ZhejiangLevels = ["green", "blue", "yellow", "orange", "red"];

    /// <summary>The national three levels, least severe first.</summary>
    public static readonly IReadOnlyList<string> NationalLevels = ["low", "medium", "high"];

    public static string Code(this RiskRules rules) => rules == RiskRules.Zhejiang ? "zhejiang" : "national";

    public static string Code(this AreaLevel level) => level switch
    {
        AreaLevel.Province => "province",
        AreaLevel.City => "city",
        _ => "county",
    };

    public static bool TryParseRules(string? text, out RiskRules rules)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "zhejiang":
                rules = RiskRules.Zhejiang;
                return true;
            case "national":
                rules = RiskRules.National;
                return true;
            default:
                rules = default;
                return false;
        }
    }

    public static bool TryParseLevel(string? text, out AreaLevel level)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "county":
                level = AreaLevel.County;
                return true;
            case "city":
                level = AreaLevel.City;
                return true;
            case "province":
                level = AreaLevel.Province;
                return true;
            default:
                level = default;
                return false;
        }
    }

    public static IReadOnlyList<string> Levels(RiskRules rules) => rules == RiskRules.Zhejiang ? ZhejiangLevels : NationalLevels;

    /// <summary>0 for the least severe level of the rule set; -1 if the level is not one of it.</summary>
    public static int Severity(RiskRules rules, string? level) => level is null ? -1 : IndexOf(Levels(rules), level);

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// The rank the health-code travel rules read: Zhejiang red and orange are high, yellow medium, blue and green low;
    /// the national levels map to themselves.
    /// </summary>
    public static RiskRank Rank(RiskRules rules, string level) => (rules, level) switch
    {
        (RiskRules.Zhejiang, "red" or "orange") => RiskRank.High,
        (RiskRules.Zhejiang, "yellow") => RiskRank.Medium,
        (RiskRules.Zhejiang, "blue" or "green") => RiskRank.Low,
        (RiskRules.National, "high") => RiskRank.High,
        (RiskRules.National, "medium") => RiskRank.Medium,
        (RiskRules.National, "low") => RiskRank.Low,
        _ => RiskRank.Unknown,
    };
}

/// <summary>
/// Thresholds and weights of both rule sets (configuration section CityBrain:RiskMap; README "Risk map").
/// Zhejiang: a score out of the sum of the four weights, from the four published indicators; a division that never had
/// a case, or has had none for <see cref="GreenAfterDays"/>, is green whatever its score.
/// </summary>
public sealed record RiskMapSettings
{
    /// <summary>Weight of cumulative confirmed cases (full at <see cref="CumulativeCap"/> cases).</summary>
    public double CumulativeWeight { get; init; } = 30;

    /// <summary>Weight of the share of local (not imported) cases among the cumulative cases.</summary>
    public double LocalShareWeight { get; init; } = 10;

    /// <summary>Weight of cluster outbreaks within <see cref="ClusterWindowDays"/> (full at <see cref="ClusterCap"/>).</summary>
    public double ClusterWeight { get; init; } = 30;

    /// <summary>Weight of a new case within the last <see cref="RecentDays"/> days (Zhejiang's "连续3天无新增确诊" indicator).</summary>
    public double RecentCaseWeight { get; init; } = 30;

    /// <summary>Cumulative cases at which the cumulative part of the score is full (it grows linearly up to there).</summary>
    public int CumulativeCap { get; init; } = 50;

    /// <summary>Cluster outbreaks in the window at which the cluster part of the score is full.</summary>
    public int ClusterCap { get; init; } = 2;

    /// <summary>A new case within this many days (today included) scores the recent-case part.</summary>
    public int RecentDays { get; init; } = 3;

    /// <summary>Cluster outbreaks are counted over this many days (today included); also the national rule's window.</summary>
    public int ClusterWindowDays { get; init; } = 14;

    /// <summary>Lowest score of red (high), orange (higher), yellow (medium); below yellow a division with cases is blue.</summary>
    public double RedFrom { get; init; } = 90;

    public double OrangeFrom { get; init; } = 65;

    public double YellowFrom { get; init; } = 45;

    /// <summary>A division with no new case for this many days is green (low) again.</summary>
    public int GreenAfterDays { get; init; } = 14;

    /// <summary>National rule: high needs more than this many cumulative cases and a cluster within the window.</summary>
    public int NationalHighCumulative { get; init; } = 50;

    /// <summary>National rule: low after this many days without a new case.</summary>
    public int NationalLowAfterDays { get; init; } = 14;

    /// <summary>Data without cluster counts (the 2020 data): a day with at least this many new cases...</summary>
    public int EstimatedClusterMinNew { get; init; } = 5;

    /// <summary>...and at least this multiple of the mean of the previous 7 days counts as one estimated cluster outbreak.</summary>
    public double EstimatedClusterJump { get; init; } = 2.0;

    public double MaxScore => CumulativeWeight + LocalShareWeight + ClusterWeight + RecentCaseWeight;

    /// <summary>The first setting that makes no sense, with the reason; null if all are fine.</summary>
    public (string Field, string Reason)? Problem()
    {
        foreach (var (name, w) in new[] { ("CumulativeWeight", CumulativeWeight), ("LocalShareWeight", LocalShareWeight), ("ClusterWeight", ClusterWeight), ("RecentCaseWeight", RecentCaseWeight) })
        {
            if (!double.IsFinite(w) || w < 0)
            {
                return (name, "must be a number of at least 0");
            }
        }
        if (MaxScore <= 0)
        {
            return ("CumulativeWeight", "the four weights cannot all be 0");
        }
        if (!(YellowFrom > 0 && YellowFrom < OrangeFrom && OrangeFrom < RedFrom && RedFrom <= MaxScore))
        {
            return ("RedFrom", string.Create(CultureInfo.InvariantCulture,
                $"thresholds must rise: 0 < YellowFrom ({YellowFrom}) < OrangeFrom ({OrangeFrom}) < RedFrom ({RedFrom}) <= the sum of the weights ({MaxScore})"));
        }
        foreach (var (name, v, min) in new[]
                 {
                     ("CumulativeCap", CumulativeCap, 1), ("ClusterCap", ClusterCap, 1), ("RecentDays", RecentDays, 1), ("ClusterWindowDays", ClusterWindowDays, 1),
                     ("GreenAfterDays", GreenAfterDays, 1), ("NationalHighCumulative", NationalHighCumulative, 0), ("NationalLowAfterDays", NationalLowAfterDays, 1),
                     ("EstimatedClusterMinNew", EstimatedClusterMinNew, 1),
                 })
        {
            if (v < min || v > 100_000)
            {
                return (name, string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {min} to 100000"));
            }
        }
        if (!double.IsFinite(EstimatedClusterJump) || EstimatedClusterJump < 1)
        {
            return ("EstimatedClusterJump", "must be at least 1");
        }
        return null;
    }
}

/// <summary>
/// The indicators of one division on one day: what decided its level. <see cref="LocalShareAssumed"/> and
/// <see cref="ClustersEstimated"/> say when the data did not hold them (the 2020 data): local share taken as 1 (all
/// cases local) and cluster outbreaks estimated from jumps in the daily count.
/// </summary>
public sealed record Indicators(
    int ConfirmedTotal,
    int ConfirmedNew,
    double? LocalShare,
    int ClusterEvents,
    int? DaysWithoutNewCase,
    double? Score,
    bool LocalShareAssumed,
    bool ClustersEstimated);

/// <summary>The grading rules themselves: pure functions of the indicators.</summary>
public static class RiskGrader
{
    /// <summary>Zhejiang's score: the weighted sum of the four indicators, each scaled to 0..1.</summary>
    public static double Score(RiskMapSettings s, int total, double? localShare, int clusters, int? daysWithoutNew)
    {
        var cumulative = Math.Min(1.0, Math.Max(0, total) / (double)s.CumulativeCap);
        var cluster = Math.Min(1.0, Math.Max(0, clusters) / (double)s.ClusterCap);
        var recent = daysWithoutNew is { } d && d < s.RecentDays ? 1.0 : 0.0;
        var score = s.CumulativeWeight * cumulative + s.LocalShareWeight * (localShare ?? 0) + s.ClusterWeight * cluster + s.RecentCaseWeight * recent;
        return Math.Round(score, 2);
    }

    /// <summary>The Zhejiang level for a score and the quiet period.</summary>
    public static string Zhejiang(RiskMapSettings s, int total, int? daysWithoutNew, double score)
    {
        if (total <= 0 || daysWithoutNew is null || daysWithoutNew >= s.GreenAfterDays)
        {
            return "green";
        }
        return score >= s.RedFrom ? "red" : score >= s.OrangeFrom ? "orange" : score >= s.YellowFrom ? "yellow" : "blue";
    }

    /// <summary>
    /// The national rule (国务院联防联控机制, February 2020): high = more than 50 cumulative cases and a cluster within 14
    /// days; low = no case, or no new case for 14 days; otherwise medium.
    /// </summary>
    public static string National(RiskMapSettings s, int total, int clusters, int? daysWithoutNew)
    {
        if (total <= 0 || daysWithoutNew is null || daysWithoutNew >= s.NationalLowAfterDays)
        {
            return "low";
        }
        return total > s.NationalHighCumulative && clusters > 0 ? "high" : "medium";
    }

    /// <summary>The level and the indicators (with the score for Zhejiang) of one division on one day.</summary>
    public static (string Level, Indicators Indicators) Grade(RiskRules rules, RiskMapSettings s, int total, int newToday, double? localShare, int clusters,
        int? daysWithoutNew, bool localAssumed, bool clustersEstimated)
    {
        if (rules == RiskRules.National)
        {
            return (National(s, total, clusters, daysWithoutNew),
                new Indicators(total, newToday, localShare, clusters, daysWithoutNew, null, localAssumed, clustersEstimated));
        }
        var score = Score(s, total, localShare, clusters, daysWithoutNew);
        return (Zhejiang(s, total, daysWithoutNew, score), new Indicators(total, newToday, localShare, clusters, daysWithoutNew, score, localAssumed, clustersEstimated));
    }
}
