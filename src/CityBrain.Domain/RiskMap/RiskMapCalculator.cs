namespace CityBrain.Domain.RiskMap;

/// <summary>
/// One stored row of case counts: a division's new confirmed cases on a day. <see cref="LocalNew"/> null: the source
/// has no local/imported split (all taken as local); <see cref="Clusters"/> null: the source has no cluster counts
/// (estimated from jumps). <see cref="ConfirmedNew"/> may be negative in data derived from cumulative counts (a
/// correction); a day with no positive count is a day without a new case.
/// </summary>
public readonly record struct CaseCount(string Division, int Day, int ConfirmedNew, int? LocalNew, int? Clusters);

/// <summary>One graded area on one day.</summary>
public sealed record AreaGrade(string Division, int Day, string Level, string? PreviousLevel, Indicators Indicators);

/// <summary>
/// Grades every area of a level on every day of the stored counts.
/// <list type="bullet">
/// <item>A division's figures are its own rows when it has any (they may include cases not attributed to any division
/// inside it, as the 2020 province totals do); otherwise the sum of the divisions inside it, by the same rule.</item>
/// <item>The areas of a level are those with data inside them, plus every known division of that level whose parent
/// reports at that level or finer: a province with any city (or county) rows, a city without rows of its own but with
/// county rows. A division missing from such a report had no case.</item>
/// <item>Indicators on a day use the days up to it: cumulative cases, local share of them, cluster outbreaks in the
/// window, days since the last new case.</item>
/// </list>
/// </summary>
public sealed class RiskMapCalculator
{
    private readonly Dictionary<string, Series> _own = new(StringComparer.Ordinal);
    private readonly RiskMapSettings _settings;

    public int FirstDay { get; }
    public int LastDay { get; }
    public int Days => _own.Count == 0 ? 0 : LastDay - FirstDay + 1;

    private sealed class Series(int days)
    {
        public readonly int[] New = new int[days];
        public readonly int[] Local = new int[days];
        public readonly int[] Clusters = new int[days];
        public bool LocalAssumed;
        public bool ClustersEstimated;
    }

    public RiskMapCalculator(IEnumerable<CaseCount> counts, RiskMapSettings settings)
    {
        _settings = settings;
        var rows = counts as IReadOnlyCollection<CaseCount> ?? counts.ToList();
        if (rows.Count == 0)
        {
            return;
        }
        FirstDay = rows.Min(r => r.Day);
        LastDay = rows.Max(r => r.Day);
        var unknownClusters = new Dictionary<string, bool[]>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            if (!_own.TryGetValue(r.Division, out var s))
            {
                _own[r.Division] = s = new Series(LastDay - FirstDay + 1);
            }
            var i = r.Day - FirstDay;
            s.New[i] += r.ConfirmedNew;
            if (r.LocalNew is { } local)
            {
                s.Local[i] += local;
            }
            else
            {
                s.Local[i] += r.ConfirmedNew;
                s.LocalAssumed = true;
            }
            if (r.Clusters is { } k)
            {
                s.Clusters[i] += k;
            }
            else
            {
                s.ClustersEstimated = true;
                (unknownClusters.TryGetValue(r.Division, out var u) ? u : unknownClusters[r.Division] = new bool[LastDay - FirstDay + 1])[i] = true;
            }
        }
        foreach (var (division, unknown) in unknownClusters)
        {
            var s = _own[division];
            var estimated = EstimateClusters(s.New, settings);
            for (var i = 0; i < unknown.Length; i++)
            {
                if (unknown[i])
                {
                    s.Clusters[i] = estimated[i];
                }
            }
        }
    }

    /// <summary>
    /// Cluster outbreaks estimated from a daily series without them: one on a day with at least
    /// <see cref="RiskMapSettings.EstimatedClusterMinNew"/> new cases and at least <see cref="RiskMapSettings.EstimatedClusterJump"/>
    /// times the mean of the 7 days before.
    /// </summary>
    public static int[] EstimateClusters(IReadOnlyList<int> daily, RiskMapSettings s)
    {
        var result = new int[daily.Count];
        long window = 0;
        for (var i = 0; i < daily.Count; i++)
        {
            var mean = window / 7.0;
            if (daily[i] >= s.EstimatedClusterMinNew && daily[i] >= s.EstimatedClusterJump * mean)
            {
                result[i] = 1;
            }
            window += Math.Max(0, daily[i]);
            if (i >= 7)
            {
                window -= Math.Max(0, daily[i - 7]);
            }
        }
        return result;
    }

    /// <summary>Divisions that have rows of their own.</summary>
    public IEnumerable<string> OwnDivisions => _own.Keys;

    /// <summary>The areas graded at a level (see the class summary), given the known divisions of that level.</summary>
    public IReadOnlyList<string> Areas(AreaLevel level, IEnumerable<string> knownDivisions)
    {
        var n = (int)level;
        var areas = new HashSet<string>(StringComparer.Ordinal);
        var reportingParents = new HashSet<string>(StringComparer.Ordinal);
        var parentLength = level == AreaLevel.County ? 4 : 2;
        foreach (var code in _own.Keys)
        {
            if (code.Length >= n)
            {
                areas.Add(code[..n]);
                // A city with rows of its own reports as a city: a county listed beside it (托克托县 beside 呼和浩特) says
                // nothing of its other counties. A province's totals sit beside its city breakdown (the 2020 layout).
                var parent = code[..parentLength];
                if (level != AreaLevel.Province && (parentLength == 2 || !_own.ContainsKey(parent)))
                {
                    reportingParents.Add(parent);
                }
            }
        }
        foreach (var code in knownDivisions)
        {
            if (code.Length == n && level != AreaLevel.Province && reportingParents.Contains(code[..parentLength]))
            {
                areas.Add(code);
            }
        }
        return [.. areas.Order(StringComparer.Ordinal)];
    }

    /// <summary>The own divisions whose rows make up an area's figures.</summary>
    public IReadOnlyList<string> SourcesOf(string area)
    {
        if (_own.ContainsKey(area))
        {
            return [area];
        }
        var inside = _own.Keys.Where(k => k.Length > area.Length && k.StartsWith(area, StringComparison.Ordinal)).ToList();
        var own = inside.ToHashSet(StringComparer.Ordinal);
        return inside.Where(k => !Enumerable.Range(area.Length + 1, k.Length - area.Length - 1).Any(len => own.Contains(k[..len])))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every day of an area, first to last, with its level under the rule set and the previous day's.</summary>
    public IEnumerable<AreaGrade> Grade(string area, RiskRules rules)
    {
        if (_own.Count == 0)
        {
            yield break;
        }
        var days = LastDay - FirstDay + 1;
        var sources = SourcesOf(area).Select(k => _own[k]).ToList();
        var newCases = new int[days];
        var local = new int[days];
        var clusters = new int[days];
        var localAssumed = false;
        var estimated = false;
        foreach (var s in sources)
        {
            for (var i = 0; i < days; i++)
            {
                newCases[i] += s.New[i];
                local[i] += s.Local[i];
                clusters[i] += s.Clusters[i];
            }
            localAssumed |= s.LocalAssumed;
            estimated |= s.ClustersEstimated;
        }
        long total = 0;
        long localTotal = 0;
        long windowClusters = 0;
        int? lastNew = null;
        string? previous = null;
        var window = _settings.ClusterWindowDays;
        for (var i = 0; i < days; i++)
        {
            total += newCases[i];
            localTotal += local[i];
            windowClusters += clusters[i];
            if (i >= window)
            {
                windowClusters -= clusters[i - window];
            }
            if (newCases[i] > 0)
            {
                lastNew = i;
            }
            var t = (int)Math.Max(0, total);
            double? share = t == 0 ? null : Math.Round(Math.Clamp(localTotal / (double)total, 0, 1), 4);
            var (level, indicators) = RiskGrader.Grade(rules, _settings, t, newCases[i], share, (int)windowClusters, i - lastNew, localAssumed && t > 0, estimated && t > 0);
            yield return new AreaGrade(area, FirstDay + i, level, previous, indicators);
            previous = level;
        }
    }
}
