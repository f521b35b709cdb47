namespace CityBrain.Domain.Resumption;

/// <summary>A large enterprise below the threshold on a day: whom to call. <see cref="Kwh"/> is null with no reading.</summary>
public sealed record BelowThreshold(Enterprise Enterprise, double BaselineMean, double? Kwh, double Ratio);

/// <summary>An enterprise without a baseline, and why.</summary>
public sealed record WithoutBaseline(Enterprise Enterprise, int BaselineDays, string Reason);

public static class EnterpriseLists
{
    /// <summary>
    /// Above-size enterprises with a baseline whose kWh on the day (NaN: no reading, counted as 0) are below the
    /// threshold share of their baseline mean; the biggest (by baseline) first.
    /// </summary>
    public static IReadOnlyList<BelowThreshold> BelowThreshold(IReadOnlyList<Enterprise> enterprises, Baselines baselines, ReadOnlySpan<double> kwhOnDay,
        ResumptionSettings settings, string? division = null, Sector? sector = null)
    {
        var list = new List<BelowThreshold>();
        for (var e = 0; e < enterprises.Count; e++)
        {
            var ent = enterprises[e];
            var mean = baselines.Mean(e);
            if (ent.Scale != Scale.AboveSize || double.IsNaN(mean) || !Selected(ent, division, sector))
            {
                continue;
            }
            var kwh = kwhOnDay[e];
            var used = double.IsNaN(kwh) ? 0 : kwh;
            if (used < settings.Threshold * mean)
            {
                list.Add(new BelowThreshold(ent, mean, double.IsNaN(kwh) ? null : kwh, used / mean));
            }
        }
        list.Sort((a, b) => b.BaselineMean.CompareTo(a.BaselineMean) is var byMean and not 0 ? byMean : string.CompareOrdinal(a.Enterprise.Id, b.Enterprise.Id));
        return list;
    }

    /// <summary>Enterprises without a baseline (reported apart from the rates), in id order.</summary>
    public static IReadOnlyList<WithoutBaseline> NoBaseline(IReadOnlyList<Enterprise> enterprises, Baselines baselines, string? division = null, Sector? sector = null)
    {
        var list = new List<WithoutBaseline>();
        for (var e = 0; e < enterprises.Count; e++)
        {
            if (baselines.Missing(e) is { } reason && Selected(enterprises[e], division, sector))
            {
                list.Add(new WithoutBaseline(enterprises[e], baselines.Days(e), reason));
            }
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Enterprise.Id, b.Enterprise.Id));
        return list;
    }

    private static bool Selected(Enterprise e, string? division, Sector? sector) =>
        (division is null || e.DivisionCode.StartsWith(division, StringComparison.Ordinal)) && (sector is null || e.Sector == sector);
}
