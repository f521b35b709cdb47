namespace CityBrain.Domain.Resumption;

/// <summary>Sums over a set of enterprises on one day. Only enterprises with a baseline count, except <see cref="NoBaseline"/>.</summary>
public struct Tally
{
    /// <summary>Enterprises with a baseline: the denominator of the resumption rate.</summary>
    public int Enterprises;

    /// <summary>Of those, the ones whose kWh that day reached the threshold share of their baseline mean.</summary>
    public int Resumed;

    /// <summary>Of those, the ones with a reading that day (the others count as not resumed, with 0 kWh).</summary>
    public int Readings;

    /// <summary>Their kWh that day.</summary>
    public double Kwh;

    /// <summary>The sum of their baseline daily means: the denominator of the production rate.</summary>
    public double BaselineKwh;

    /// <summary>Enterprises in the set without a baseline, reported apart.</summary>
    public int NoBaseline;

    public void Add(in Tally t)
    {
        Enterprises += t.Enterprises;
        Resumed += t.Resumed;
        Readings += t.Readings;
        Kwh += t.Kwh;
        BaselineKwh += t.BaselineKwh;
        NoBaseline += t.NoBaseline;
    }
}

/// <summary>
/// The figures of one area or industry on one day. Rates and index are fractions (0.5144 is 51.44%); null when no
/// enterprise there has a baseline. <see cref="StructuredIndex"/> is the province-style index weighted by the three
/// industries; null for a single industry.
/// </summary>
public sealed record Figure(
    string Key,
    int Enterprises,
    int Resumed,
    int NoReading,
    int NoBaseline,
    double Kwh,
    double BaselineKwh,
    double? ResumptionRate,
    double? ProductionRate,
    double? Index,
    double? StructuredIndex);

/// <summary>The formulas.</summary>
public static class ResumptionIndex
{
    /// <summary>index = w × resumption rate + (1 − w) × production rate.</summary>
    public static double Combine(double resumptionRate, double productionRate, double resumptionWeight) =>
        resumptionWeight * resumptionRate + (1 - resumptionWeight) * productionRate;

    /// <summary>
    /// The figures of a set of enterprises from its tally and the tallies of its primary, secondary and tertiary parts.
    /// </summary>
    public static Figure Of(string key, in Tally t, ReadOnlySpan<Tally> byThreeIndustry, ResumptionSettings s, bool structured)
    {
        double? r = null, p = null, index = null;
        if (t.Enterprises > 0)
        {
            r = (double)t.Resumed / t.Enterprises;
            p = t.Kwh / t.BaselineKwh;
            index = Combine(r.Value, p.Value, s.ResumptionWeight);
        }
        return new Figure(key, t.Enterprises, t.Resumed, t.Enterprises - t.Readings, t.NoBaseline, t.Kwh, t.BaselineKwh,
            r, p, index, structured ? Structured(byThreeIndustry, s) : null);
    }

    /// <summary>
    /// The province-style index (企业复工率指数): the index of each of the three industries, weighted by the area's
    /// industrial structure: <see cref="ResumptionSettings.Structure"/> if given, else the area's own shares of baseline
    /// consumption. Industries with no enterprise (with a baseline) in the area drop out and the weights are renormalised.
    /// </summary>
    public static double? Structured(ReadOnlySpan<Tally> byThreeIndustry, ResumptionSettings s)
    {
        double weighted = 0, weights = 0;
        for (var i = 0; i < byThreeIndustry.Length; i++)
        {
            ref readonly var t = ref byThreeIndustry[i];
            if (t.Enterprises == 0)
            {
                continue;
            }
            var w = s.Structure is { } structure ? structure[i] : t.BaselineKwh;
            var index = Combine((double)t.Resumed / t.Enterprises, t.Kwh / t.BaselineKwh, s.ResumptionWeight);
            weighted += w * index;
            weights += w;
        }
        return weights > 0 ? weighted / weights : null;
    }
}
