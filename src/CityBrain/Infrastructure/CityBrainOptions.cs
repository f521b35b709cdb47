using System.ComponentModel.DataAnnotations;

namespace CityBrain.Infrastructure;

/// <summary>The "CityBrain" configuration section. Validated at start-up: a bad setting fails the boot.</summary>
public sealed class CityBrainOptions : IValidatableObject
{
    public const string Section = "CityBrain";

    /// <summary>sqlite:PATH or postgres:CONNECTION-STRING (env CITYBRAIN_DB, option --db).</summary>
    [Required]
    public string Db { get; set; } = "sqlite:citybrain.db";

    /// <summary>The key file (hash key, data key, token signing keys). Default: next to the SQLite file, or citybrain.keys.json.</summary>
    public string? KeysFile { get; set; }

    /// <summary>The colour rule set (JSON). Default: the shipped Hangzhou-like rules.</summary>
    public string? RulesFile { get; set; }

    /// <summary>The city's time zone: days for "14 days" and daily check-ins are local days.</summary>
    [Required]
    public string TimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>How long a QR token is valid.</summary>
    [Range(30, 3600)]
    public int TokenLifetimeSeconds { get; set; } = 180;

    /// <summary>What a checkpoint does with a yellow code: admit (and record) or deny.</summary>
    [RegularExpression("^(admit|deny)$")]
    public string YellowPolicy { get; set; } = "deny";

    /// <summary>Local time of the nightly recompute of every code (HH:mm).</summary>
    [RegularExpression(@"^\d{2}:\d{2}$")]
    public string NightlyRecomputeAt { get; set; } = "00:05";

    /// <summary>How often codes whose release time has come are recomputed.</summary>
    [Range(5, 3600)]
    public int DueRecomputeEverySeconds { get; set; } = 60;

    /// <summary>How long check-ins (personal data) are kept before they are purged.</summary>
    [Range(1, 3650)]
    public int CheckinRetentionDays { get; set; } = 28;

    /// <summary>Check-ins waiting to be committed before new ones are shed with 503.</summary>
    [Range(100, 1_000_000)]
    public int CheckinQueueLimit { get; set; } = 50_000;

    /// <summary>Check-ins the bulk import commits in one transaction, sorted by time.</summary>
    [Range(1_000, 10_000_000)]
    public int CheckinImportBatch { get; set; } = 200_000;

    /// <summary>The most contacts one trace may hold (a second-degree trace through the busiest venues can reach a large
    /// part of a city: that is refused with a 400 asking to narrow it, not stored and confirmed).</summary>
    [Range(1, 10_000_000)]
    public int TraceMaxContacts { get; set; } = 200_000;

    /// <summary>Scan requests handled at once; more wait in a queue of <see cref="ScanQueue"/>, beyond that 503.</summary>
    [Range(1, 100_000)]
    public int ScanConcurrency { get; set; } = 2048;

    [Range(0, 1_000_000)]
    public int ScanQueue { get; set; } = 4096;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Db.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) && !Db.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult("CityBrain:Db must be sqlite:PATH or postgres:CONNECTION-STRING", [nameof(Db)]);
        }
        if (RulesFile is not null && !File.Exists(RulesFile))
        {
            yield return new ValidationResult($"CityBrain:RulesFile '{RulesFile}' does not exist", [nameof(RulesFile)]);
        }
        if (!TimeOnly.TryParseExact(NightlyRecomputeAt, "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
        {
            yield return new ValidationResult($"CityBrain:NightlyRecomputeAt '{NightlyRecomputeAt}' is not a time of day HH:mm", [nameof(NightlyRecomputeAt)]);
        }
        ValidationResult? tz = null;
        try
        {
            _ = Domain.Common.CityCalendar.FindZone(TimeZone);
        }
        catch (TimeZoneNotFoundException)
        {
            tz = new ValidationResult($"CityBrain:TimeZone '{TimeZone}' is not a known time zone", [nameof(TimeZone)]);
        }
        if (tz is not null)
        {
            yield return tz;
        }
    }
}
