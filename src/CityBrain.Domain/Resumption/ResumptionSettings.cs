using System.Globalization;

namespace CityBrain.Domain.Resumption;

/// <summary>
/// How the index is computed. The defaults are State Grid Zhejiang's of February 2020: the December 2019 daily mean as
/// baseline, resumed at 30% of it, the index the plain mean of resumption and production rate.
/// </summary>
public sealed record ResumptionSettings
{
    public static readonly DateOnly DefaultBaselineFrom = new(2019, 12, 1);
    public static readonly DateOnly DefaultBaselineTo = new(2019, 12, 31);

    public static ResumptionSettings Default { get; } = new();

    /// <summary>First and last day (inclusive) of the baseline period.</summary>
    public DateOnly BaselineFrom { get; init; } = DefaultBaselineFrom;

    public DateOnly BaselineTo { get; init; } = DefaultBaselineTo;

    /// <summary>An enterprise is resumed on a day when its kWh reach this share of its baseline daily mean.</summary>
    public double Threshold { get; init; } = 0.30;

    /// <summary>
    /// Days with a reading an enterprise needs in the baseline period to have a baseline (or every day of a shorter
    /// period). Fewer, or a zero mean, and it is reported apart as "no baseline".
    /// </summary>
    public int MinBaselineDays { get; init; } = 7;

    /// <summary>index = w × resumption rate + (1 − w) × production rate; 0.5 reproduces Zhejiang's published figures.</summary>
    public double ResumptionWeight { get; init; } = 0.5;

    /// <summary>
    /// Weights of the primary, secondary and tertiary industry in the structure-weighted index (for example their
    /// shares of GDP from the statistics bureau). Null: each area's own shares of baseline consumption.
    /// </summary>
    public IReadOnlyList<double>? Structure { get; init; }

    /// <summary>Lower bounds of the orange, yellow, blue and green bands of the index; below the first is red.</summary>
    public IReadOnlyList<double> BandFloors { get; init; } = [0.20, 0.40, 0.60, 0.80];

    public int BaselineDays => BaselineTo.DayNumber - BaselineFrom.DayNumber + 1;

    /// <summary>Days with readings needed for a baseline: <see cref="MinBaselineDays"/>, or the whole period if shorter.</summary>
    public int RequiredBaselineDays => Math.Min(MinBaselineDays, BaselineDays);

    /// <summary>The first thing wrong with these settings, or null.</summary>
    public FieldError? Problem()
    {
        if (BaselineTo < BaselineFrom)
        {
            return new("baseline", "the period ends before it starts");
        }
        if (BaselineDays > 366)
        {
            return new("baseline", "the period is longer than a year");
        }
        if (!(Threshold > 0 && Threshold <= 1))
        {
            return new("threshold", "must be more than 0 and at most 1 (a share of the baseline daily mean)");
        }
        if (MinBaselineDays < 1)
        {
            return new("min_baseline_days", "must be at least 1");
        }
        if (!(ResumptionWeight >= 0 && ResumptionWeight <= 1))
        {
            return new("resumption_weight", "must be between 0 and 1");
        }
        if (Structure is { } w && (w.Count != 3 || w.Any(x => !(x >= 0) || double.IsInfinity(x)) || w.Sum() <= 0))
        {
            return new("structure", "needs three non-negative weights (primary, secondary, tertiary), not all zero");
        }
        if (BandFloors.Count != 4 || BandFloors.Any(x => !(x > 0 && x < 1.5)) || !BandFloors.Zip(BandFloors.Skip(1)).All(p => p.First < p.Second))
        {
            return new("bands", "needs four increasing lower bounds (orange, yellow, blue, green), each above 0");
        }
        return null;
    }

    /// <summary>FROM..TO, both yyyy-MM-dd: 2019-12-01..2019-12-31.</summary>
    public static bool TryParsePeriod(string text, out DateOnly from, out DateOnly to)
    {
        from = to = default;
        var parts = text.Trim().Split("..");
        return parts.Length == 2 && TryParseDate(parts[0], out from) && TryParseDate(parts[1], out to);
    }

    public static bool TryParseDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>"primary,secondary,tertiary" weights, for example 3.4,42.6,54.0 (any scale: they are normalised).</summary>
    public static bool TryParseStructure(string text, out IReadOnlyList<double> weights)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                weights = [];
                return false;
            }
        }
        weights = values;
        return values.Length == 3;
    }
}

/// <summary>The five-colour resumption map: bands of the index, red the least resumed (where officials look first).</summary>
public enum Band
{
    Red,
    Orange,
    Yellow,
    Blue,
    Green,
}

public static class Bands
{
    public static Band Of(double index, IReadOnlyList<double> floors)
    {
        var band = Band.Red;
        for (var i = 0; i < floors.Count; i++)
        {
            if (index >= floors[i])
            {
                band = (Band)(i + 1);
            }
        }
        return band;
    }

    public static string Code(this Band b) => b switch
    {
        Band.Red => "red",
        Band.Orange => "orange",
        Band.Yellow => "yellow",
        Band.Blue => "blue",
        _ => "green",
    };
}
