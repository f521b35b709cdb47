namespace CityBrain.Domain.HealthCodes;

/// <summary>The authoritative lists imported from the health system (建库比对).</summary>
public enum ListKind : byte
{
    Confirmed = 0,
    Suspected = 1,
    CloseContact = 2,
    SecondaryContact = 3,
    InboundQuarantine = 4,
}

public static class Lists
{
    public const int Count = 5;

    public static readonly IReadOnlyList<string> Names =
        ["confirmed", "suspected", "close_contact", "secondary_contact", "inbound_quarantine"];

    public static string Name(this ListKind k) => Names[(int)k];

    public static bool TryParse(string? s, out ListKind kind)
    {
        var i = s is null ? -1 : IndexOf(s.Trim().ToLowerInvariant());
        kind = (ListKind)Math.Max(i, 0);
        return i >= 0;
    }

    private static int IndexOf(string s)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (Names[i] == s)
            {
                return i;
            }
        }
        return -1;
    }

    public static bool Has(byte mask, ListKind k) => (mask & (1 << (int)k)) != 0;
}

/// <summary>Symptoms a resident can declare.</summary>
[Flags]
public enum Symptoms : int
{
    None = 0,
    Fever = 1,
    Cough = 2,
    Fatigue = 4,
    SoreThroat = 8,
    ShortnessOfBreath = 16,
    Diarrhoea = 32,
    LossOfSmellOrTaste = 64,
}

public static class SymptomNames
{
    public static readonly IReadOnlyList<(Symptoms Flag, string Name)> All =
    [
        (Symptoms.Fever, "fever"), (Symptoms.Cough, "cough"), (Symptoms.Fatigue, "fatigue"),
        (Symptoms.SoreThroat, "sore_throat"), (Symptoms.ShortnessOfBreath, "shortness_of_breath"),
        (Symptoms.Diarrhoea, "diarrhoea"), (Symptoms.LossOfSmellOrTaste, "loss_of_smell_or_taste"),
    ];

    public static bool TryParse(string? name, out Symptoms flag)
    {
        foreach (var (f, n) in All)
        {
            if (string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                flag = f;
                return true;
            }
        }
        flag = Symptoms.None;
        return false;
    }

    public static IEnumerable<string> Names(Symptoms s) => All.Where(x => (s & x.Flag) != 0).Select(x => x.Name);

    /// <summary>Temperature at or above which a reading counts as fever (37.3 °C).</summary>
    public const int FeverThresholdX10 = 373;

    public static bool IsAbnormal(Symptoms s, int? temperatureX10) =>
        s != Symptoms.None || temperatureX10 >= FeverThresholdX10;
}

/// <summary>Risk grade of an area as the health-code rules see it (the risk map feeds it).</summary>
public enum RiskRank : byte
{
    Unknown = 0,
    Low = 1,
    Medium = 2,
    High = 3,
}

public static class RiskRanks
{
    public static string Name(this RiskRank r) => r switch
    {
        RiskRank.Low => "low",
        RiskRank.Medium => "medium",
        RiskRank.High => "high",
        _ => "unknown",
    };

    public static bool TryParse(string? s, out RiskRank rank)
    {
        switch (s?.Trim().ToLowerInvariant())
        {
            case "low": rank = RiskRank.Low; return true;
            case "medium": rank = RiskRank.Medium; return true;
            case "high": rank = RiskRank.High; return true;
            default: rank = RiskRank.Unknown; return false;
        }
    }
}
