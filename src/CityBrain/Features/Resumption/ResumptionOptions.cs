using System.ComponentModel.DataAnnotations;
using System.Globalization;
using CityBrain.Domain.Resumption;

namespace CityBrain.Features.Resumption;

/// <summary>
/// The "CityBrain:Resumption" configuration section: the defaults of the index and the import's plausibility rules.
/// Validated at start-up. Requests and CLI options may override baseline, threshold and structure per query.
/// </summary>
public sealed class ResumptionOptions : IValidatableObject
{
    public const string Section = "CityBrain:Resumption";

    /// <summary>The baseline period, FROM..TO.</summary>
    public string Baseline { get; set; } = "2019-12-01..2019-12-31";

    /// <summary>Resumed at this share of the baseline daily mean.</summary>
    public double Threshold { get; set; } = 0.30;

    /// <summary>Days with a reading needed in the baseline period.</summary>
    [Range(1, 366)]
    public int MinBaselineDays { get; set; } = 7;

    /// <summary>Weight of the resumption rate in the index (the production rate gets the rest).</summary>
    public double ResumptionWeight { get; set; } = 0.5;

    /// <summary>"primary,secondary,tertiary" weights of the structure-weighted index; empty: baseline consumption shares.</summary>
    public string? Structure { get; set; }

    /// <summary>Lower bounds of the orange, yellow, blue and green bands.</summary>
    public string Bands { get; set; } = "0.2,0.4,0.6,0.8";

    /// <summary>A day's total above this is absurd for one meter.</summary>
    [Range(1, double.MaxValue)]
    public double MaxDailyKwh { get; set; } = 10_000_000;

    /// <summary>A day above this multiple of the enterprise's typical day is absurd.</summary>
    [Range(2, 10_000)]
    public double AbsurdFactor { get; set; } = 50;

    public ResumptionSettings ToSettings()
    {
        if (!ResumptionSettings.TryParsePeriod(Baseline, out var from, out var to))
        {
            throw new FormatException($"{Section}:Baseline '{Baseline}' is not FROM..TO (yyyy-MM-dd..yyyy-MM-dd)");
        }
        IReadOnlyList<double>? structure = null;
        if (!string.IsNullOrWhiteSpace(Structure))
        {
            structure = ResumptionSettings.TryParseStructure(Structure, out var w) ? w : throw new FormatException($"{Section}:Structure '{Structure}' is not three numbers");
        }
        var bands = Bands.Split(',', StringSplitOptions.TrimEntries)
            .Select(b => double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : throw new FormatException($"{Section}:Bands '{Bands}' is not four numbers"))
            .ToArray();
        return new ResumptionSettings
        {
            BaselineFrom = from,
            BaselineTo = to,
            Threshold = Threshold,
            MinBaselineDays = MinBaselineDays,
            ResumptionWeight = ResumptionWeight,
            Structure = structure,
            BandFloors = bands,
        };
    }

    public MeterRules ToRules() => new() { MaxDailyKwh = MaxDailyKwh, AbsurdFactor = AbsurdFactor };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        ValidationResult? result = null;
        try
        {
            if (ToSettings().Problem() is { } p)
            {
                result = new ValidationResult($"{Section}: {p.Field} {p.Reason}", [p.Field]);
            }
        }
        catch (FormatException e)
        {
            result = new ValidationResult(e.Message);
        }
        if (result is not null)
        {
            yield return result;
        }
    }
}
