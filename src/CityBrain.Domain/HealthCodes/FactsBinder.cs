using CityBrain.Domain.HealthCodes.CertLogic;

namespace CityBrain.Domain.HealthCodes;

/// <summary>
/// Binds the paths of the facts document (docs/rules.md) to fields of <see cref="HealthFacts"/>, once, when a
/// rule set is compiled. An unknown path is an error at load time, not a silent null at run time.
/// </summary>
public sealed class FactsBinder : IVarBinder<HealthFacts>
{
    public static readonly FactsBinder Instance = new();

    private static readonly CLValue[] ListArrays = BuildListArrays();
    private static readonly CLValue[] SymptomArrays = BuildSymptomArrays();

    /// <summary>Every path a rule may read, with its type and meaning (the documented facts document).</summary>
    public static readonly IReadOnlyList<(string Path, string Type, string Meaning)> Paths =
    [
        ("now", "date-time", "the time of evaluation"),
        ("resident.home_division", "string", "division code of the resident's home"),
        ("resident.age", "integer or null", "age in years this year (null when not known)"),
        ("lists", "array of strings", "the authoritative lists the resident is on now: confirmed, suspected, close_contact, secondary_contact, inbound_quarantine"),
        ("list_days.<list>", "integer or null", "days since the resident joined that list (null when not on it)"),
        ("declaration.present", "boolean", "whether the resident has made a self-declaration"),
        ("declaration.days_ago", "integer or null", "days since the latest self-declaration"),
        ("declaration.symptoms", "array of strings", "symptoms in the latest declaration: fever, cough, fatigue, sore_throat, shortness_of_breath, diarrhoea, loss_of_smell_or_taste"),
        ("declaration.fever", "boolean", "fever declared, or a temperature of 37.3 °C or more"),
        ("declaration.temperature_x10", "integer or null", "declared temperature in tenths of a degree Celsius (373 = 37.3 °C)"),
        ("declaration.contact_with_case", "boolean", "the resident declared contact with a known case"),
        ("symptoms.abnormal_reported", "boolean", "a symptom or fever was ever reported (use with a release)"),
        ("symptoms.days_since_abnormal", "integer or null", "days since the last report (declaration or daily check-in) of a symptom or fever"),
        ("daily.normal_streak", "integer", "consecutive days of normal daily health check-ins up to today or yesterday"),
        ("daily.days_since_last", "integer or null", "days since the last normal daily check-in"),
        ("travel.max_risk_rank_14d", "integer", "highest risk grade of the areas travelled through in the last 14 days: 0 unknown, 1 low, 2 medium, 3 high"),
        ("travel.days_since_risky", "integer or null", "days since the last travel through an area graded medium or high"),
        ("travel.items", "array of objects", "each declared trip: {division, date (YYYY-MM-DD), days_ago, risk (low|medium|high|unknown), risk_rank}"),
    ];

    public Func<HealthFacts, CLValue> Bind(string path)
    {
        switch (path)
        {
            case "now": return f => CLValue.From(f.Now);
            case "resident.home_division": return f => CLValue.From(f.HomeDivision);
            case "resident.age": return f => f.BirthYear == 0 ? CLValue.Null : CLValue.From((long)(DateOnly.FromDayNumber(f.Today).Year - f.BirthYear));
            case "lists": return f => ListArrays[f.Lists & 31];
            case "declaration.present": return f => CLValue.From(f.DeclarationDay != HealthFacts.NoDay);
            case "declaration.days_ago": return f => Days(f.DaysSince(f.DeclarationDay));
            case "declaration.symptoms": return f => SymptomArray(f.Symptoms);
            case "declaration.fever": return f => CLValue.From((f.Symptoms & Symptoms.Fever) != 0 || f.TemperatureX10 >= SymptomNames.FeverThresholdX10);
            case "declaration.temperature_x10": return f => f.TemperatureX10 == 0 ? CLValue.Null : CLValue.From((long)f.TemperatureX10);
            case "declaration.contact_with_case": return f => CLValue.From(f.ContactWithCase);
            case "symptoms.abnormal_reported": return f => CLValue.From(f.LastAbnormalDay != HealthFacts.NoDay);
            case "symptoms.days_since_abnormal": return f => Days(f.DaysSince(f.LastAbnormalDay));
            case "daily.normal_streak": return f => CLValue.From((long)f.NormalStreak);
            case "daily.days_since_last": return f => Days(f.DaysSince(f.StreakLastDay));
            case "travel.max_risk_rank_14d": return f => CLValue.From((long)f.TravelMaxRank14);
            case "travel.days_since_risky": return f => Days(f.DaysSince(f.TravelLastRiskyDay));
            case "travel.items": return TravelItemsValue;
        }
        if (path.StartsWith("list_days.", StringComparison.Ordinal) && Lists.TryParse(path["list_days.".Length..], out var kind))
        {
            var i = (int)kind;
            return f => Lists.Has(f.Lists, kind) ? Days(f.DaysSince(f.ListSinceDay[i])) : CLValue.Null;
        }
        throw new CertLogicException("/var", $"unknown fact '{path}'; the facts document has: {string.Join(", ", Paths.Select(p => p.Path))}");
    }

    /// <summary>Binds a path that must give a number of days (release conditions).</summary>
    public Func<HealthFacts, int?> BindDays(string path)
    {
        var accessor = Bind(path);
        return f =>
        {
            var v = accessor(f);
            return v.Kind == CLValueKind.Integer ? checked((int)v.AsInteger) : null;
        };
    }

    private static CLValue Days(int? days) => days is { } d ? CLValue.From((long)d) : CLValue.Null;

    private static CLValue[] BuildListArrays()
    {
        var arrays = new CLValue[32];
        for (var mask = 0; mask < 32; mask++)
        {
            var items = new List<CLValue>();
            for (var k = 0; k < Lists.Count; k++)
            {
                if ((mask & (1 << k)) != 0)
                {
                    items.Add(CLValue.From(Lists.Names[k]));
                }
            }
            arrays[mask] = CLValue.FromArray(items);
        }
        return arrays;
    }

    private static CLValue SymptomArray(Symptoms s) => SymptomArrays[(int)s & 127];

    private static CLValue[] BuildSymptomArrays() =>
        Enumerable.Range(0, 128).Select(i => CLValue.FromArray(SymptomNames.Names((Symptoms)i).Select(CLValue.From).ToList())).ToArray();

    private static CLValue TravelItemsValue(HealthFacts f)
    {
        if (string.IsNullOrEmpty(f.Travel))
        {
            return ListArrays[0];
        }
        var items = new List<CLValue>();
        foreach (var t in TravelItems.Parse(f.Travel))
        {
            var rank = f.RiskOf(t.Division);
            items.Add(CLValue.FromObject(new Dictionary<string, CLValue>
            {
                ["division"] = CLValue.From(t.Division),
                ["date"] = CLValue.From(t.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                ["days_ago"] = CLValue.From((long)(f.Today - t.Day)),
                ["risk"] = CLValue.From(rank.Name()),
                ["risk_rank"] = CLValue.From((long)rank),
            }));
        }
        return CLValue.FromArray(items);
    }
}
