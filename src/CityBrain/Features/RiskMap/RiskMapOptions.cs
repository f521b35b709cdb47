using System.ComponentModel.DataAnnotations;
using CityBrain.Domain.RiskMap;
using Microsoft.Extensions.Options;

namespace CityBrain.Features.RiskMap;

/// <summary>
/// The "CityBrain:RiskMap" configuration section: thresholds and weights of the two rule sets, and how the grading
/// feeds the health codes. Validated at start-up (README "Five-colour risk map" lists every setting and its default).
/// </summary>
public sealed class RiskMapOptions : IValidatableObject
{
    public const string Section = "CityBrain:RiskMap";

    private static readonly RiskMapSettings Defaults = new();

    public double CumulativeWeight { get; set; } = Defaults.CumulativeWeight;
    public double LocalShareWeight { get; set; } = Defaults.LocalShareWeight;
    public double ClusterWeight { get; set; } = Defaults.ClusterWeight;
    public double RecentCaseWeight { get; set; } = Defaults.RecentCaseWeight;
    public int CumulativeCap { get; set; } = Defaults.CumulativeCap;
    public int ClusterCap { get; set; } = Defaults.ClusterCap;
    public int RecentDays { get; set; } = Defaults.RecentDays;
    public int ClusterWindowDays { get; set; } = Defaults.ClusterWindowDays;
    public double RedFrom { get; set; } = Defaults.RedFrom;
    public double OrangeFrom { get; set; } = Defaults.OrangeFrom;
    public double YellowFrom { get; set; } = Defaults.YellowFrom;
    public int GreenAfterDays { get; set; } = Defaults.GreenAfterDays;
    public int NationalHighCumulative { get; set; } = Defaults.NationalHighCumulative;
    public int NationalLowAfterDays { get; set; } = Defaults.NationalLowAfterDays;
    public int EstimatedClusterMinNew { get; set; } = Defaults.EstimatedClusterMinNew;
    public double EstimatedClusterJump { get; set; } = Defaults.EstimatedClusterJump;

    /// <summary>The rule set whose latest day sets the risk ranks the health-code travel rules read (zhejiang or national).</summary>
    public string HealthCodeRules { get; set; } = "zhejiang";

    /// <summary>The level whose grades are written to the risk areas (province, city or county).</summary>
    public string HealthCodeLevel { get; set; } = "city";

    /// <summary>Whether the grading may replace a grade an official set by hand (default: no; it is kept and the difference audited).</summary>
    public bool ReplaceManualGrades { get; set; }

    public RiskMapSettings ToSettings() => new()
    {
        CumulativeWeight = CumulativeWeight,
        LocalShareWeight = LocalShareWeight,
        ClusterWeight = ClusterWeight,
        RecentCaseWeight = RecentCaseWeight,
        CumulativeCap = CumulativeCap,
        ClusterCap = ClusterCap,
        RecentDays = RecentDays,
        ClusterWindowDays = ClusterWindowDays,
        RedFrom = RedFrom,
        OrangeFrom = OrangeFrom,
        YellowFrom = YellowFrom,
        GreenAfterDays = GreenAfterDays,
        NationalHighCumulative = NationalHighCumulative,
        NationalLowAfterDays = NationalLowAfterDays,
        EstimatedClusterMinNew = EstimatedClusterMinNew,
        EstimatedClusterJump = EstimatedClusterJump,
    };

    public RiskRules LinkRules => RiskMapNames.TryParseRules(HealthCodeRules, out var r) ? r : RiskRules.Zhejiang;

    public AreaLevel LinkLevel => RiskMapNames.TryParseLevel(HealthCodeLevel, out var l) ? l : AreaLevel.City;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ToSettings().Problem() is { } p)
        {
            yield return new ValidationResult($"{Section}:{p.Field} {p.Reason}", [p.Field]);
        }
        if (!RiskMapNames.TryParseRules(HealthCodeRules, out _))
        {
            yield return new ValidationResult($"{Section}:HealthCodeRules '{HealthCodeRules}' must be zhejiang or national", [nameof(HealthCodeRules)]);
        }
        if (!RiskMapNames.TryParseLevel(HealthCodeLevel, out _))
        {
            yield return new ValidationResult($"{Section}:HealthCodeLevel '{HealthCodeLevel}' must be province, city or county", [nameof(HealthCodeLevel)]);
        }
    }
}

internal sealed class RiskMapOptionsValidator : IValidateOptions<RiskMapOptions>
{
    public ValidateOptionsResult Validate(string? name, RiskMapOptions options)
    {
        var errors = options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
