namespace CityBrain.Domain.HealthCodes;

/// <summary>
/// Everything the colour rules may look at for one resident. One instance is reused across residents
/// during a recompute (no allocation per resident); rules see it through <see cref="FactsBinder"/> as the
/// facts document described in docs/rules.md.
/// </summary>
public sealed class HealthFacts
{
    public const int NoDay = int.MinValue;

    public long ResidentKey;
    public string HomeDivision = "";
    public int BirthYear;

    /// <summary>Active list memberships, one bit per <see cref="ListKind"/>.</summary>
    public byte Lists;

    /// <summary>Local day each active membership began.</summary>
    public readonly int[] ListSinceDay = new int[HealthCodes.Lists.Count];

    /// <summary>Latest full self-declaration.</summary>
    public int DeclarationDay = NoDay;
    public int TemperatureX10;
    public Symptoms Symptoms;
    public bool ContactWithCase;

    /// <summary>Travel in the declaration: "division@day;division@day" (day = DateOnly.DayNumber).</summary>
    public string? Travel;

    /// <summary>Last day anything abnormal was reported (symptom or temperature ≥ 37.3 °C).</summary>
    public int LastAbnormalDay = NoDay;

    /// <summary>The current run of consecutive normal daily check-ins (打卡).</summary>
    public int StreakStartDay = NoDay;
    public int StreakLastDay = NoDay;

    /// <summary>A colour set by hand (approved), in force until <see cref="OverrideUntil"/> (Unix seconds).</summary>
    public Colour? OverrideColour;
    public long OverrideUntil;

    /// <summary>Local day the hand-set colour was set: facts newer than it can outrank a milder hand-set colour.</summary>
    public int OverrideSetDay = NoDay;

    /// <summary>Releases already earned by daily check-ins (see <see cref="ReleasedSet"/>).</summary>
    public string? Released;

    /// <summary>Evaluation time, set by the engine.</summary>
    public DateTimeOffset Now;
    public int Today;

    // Derived by Prepare.
    public IRiskLookup Risk = RiskLookup.Empty;

    public RiskRank RiskOf(string division) => Risk.RankOf(division);

    public int TravelMaxRank14;
    public int TravelLastRiskyDay = NoDay;

    public void Reset()
    {
        ResidentKey = 0;
        HomeDivision = "";
        BirthYear = 0;
        Lists = 0;
        Array.Fill(ListSinceDay, NoDay);
        DeclarationDay = NoDay;
        TemperatureX10 = 0;
        Symptoms = Symptoms.None;
        ContactWithCase = false;
        Travel = null;
        LastAbnormalDay = NoDay;
        StreakStartDay = NoDay;
        StreakLastDay = NoDay;
        OverrideColour = null;
        OverrideUntil = 0;
        OverrideSetDay = NoDay;
        Released = null;
        TravelMaxRank14 = 0;
        TravelLastRiskyDay = NoDay;
    }

    /// <summary>Consecutive normal daily check-ins ending today or yesterday (a missed day breaks the run).</summary>
    public int NormalStreak => StreakLastDay != NoDay && StreakLastDay >= Today - 1 && StreakStartDay <= StreakLastDay
        ? StreakLastDay - StreakStartDay + 1
        : 0;

    /// <summary>Normal daily check-ins in the current run that fall strictly after <paramref name="eventDay"/>.</summary>
    public int NormalStreakAfter(int eventDay)
    {
        if (NormalStreak == 0)
        {
            return 0;
        }
        var from = eventDay == NoDay ? StreakStartDay : Math.Max(StreakStartDay, eventDay + 1);
        return Math.Max(0, StreakLastDay - from + 1);
    }

    /// <summary>
    /// Records a daily health check-in (打卡) or the check-in part of a declaration on local day <paramref name="day"/>:
    /// an abnormal one (symptom or fever) ends the run of normal days; a normal one extends it or starts a new run.
    /// </summary>
    public void RecordCheckin(int day, bool abnormal)
    {
        if (abnormal)
        {
            LastAbnormalDay = LastAbnormalDay == NoDay ? day : Math.Max(LastAbnormalDay, day);
            StreakStartDay = NoDay;
            StreakLastDay = NoDay;
            return;
        }
        if (day <= LastAbnormalDay)
        {
            return; // a normal report on the same day as an abnormal one does not count
        }
        if (StreakLastDay != NoDay && day >= StreakStartDay && day <= StreakLastDay)
        {
            return; // already counted
        }
        if (StreakLastDay != NoDay && day == StreakStartDay - 1)
        {
            StreakStartDay = day; // a late report for the day before the run extends it backwards
            return;
        }
        if (StreakLastDay != NoDay && day < StreakStartDay)
        {
            return; // a late report for an older day does not break the current run
        }
        if (StreakLastDay != NoDay && day == StreakLastDay + 1)
        {
            StreakLastDay = day;
            return;
        }
        StreakStartDay = day;
        StreakLastDay = day;
    }

    public int? DaysSince(int day) => day == NoDay ? null : Today - day;

    /// <summary>Works out the travel facts against the current risk grades.</summary>
    public void Prepare(DateTimeOffset now, int today, IRiskLookup risk)
    {
        Risk = risk;
        Now = now;
        Today = today;
        TravelMaxRank14 = 0;
        TravelLastRiskyDay = NoDay;
        if (string.IsNullOrEmpty(Travel))
        {
            return;
        }
        foreach (var item in TravelItems.Parse(Travel))
        {
            var rank = (int)risk.RankOf(item.Division);
            if (item.Day <= Today && Today - item.Day < 14 && rank > TravelMaxRank14)
            {
                TravelMaxRank14 = rank;
            }
            if (rank >= (int)RiskRank.Medium && item.Day <= Today && item.Day > TravelLastRiskyDay)
            {
                TravelLastRiskyDay = item.Day;
            }
        }
    }
}

/// <summary>The current risk grade of areas (county, city or province codes).</summary>
public interface IRiskLookup
{
    /// <summary>The highest grade of the code and of the areas that contain it.</summary>
    RiskRank RankOf(string divisionCode);
}

public sealed class RiskLookup : IRiskLookup
{
    public static readonly RiskLookup Empty = new(new Dictionary<string, RiskRank>());

    private readonly Dictionary<string, RiskRank> _grades;

    public RiskLookup(IReadOnlyDictionary<string, RiskRank> grades) =>
        _grades = new Dictionary<string, RiskRank>(grades, StringComparer.Ordinal);

    public int Count => _grades.Count;

    public RiskRank RankOf(string divisionCode)
    {
        if (_grades.Count == 0)
        {
            return RiskRank.Unknown;
        }
        var best = RiskRank.Unknown;
        foreach (var code in Identity.DivisionCode.SelfAndAncestors(divisionCode))
        {
            if (_grades.TryGetValue(code, out var r) && r > best)
            {
                best = r;
            }
        }
        return best;
    }
}

public readonly record struct TravelItem(string Division, int Day)
{
    public DateOnly Date => DateOnly.FromDayNumber(Day);
}

public static class TravelItems
{
    public static string Format(IEnumerable<TravelItem> items) =>
        string.Join(';', items.Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{i.Division}@{i.Day}")));

    public static IEnumerable<TravelItem> Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = part.IndexOf('@', StringComparison.Ordinal);
            if (at > 0 && int.TryParse(part.AsSpan(at + 1), System.Globalization.CultureInfo.InvariantCulture, out var day))
            {
                yield return new TravelItem(part[..at], day);
            }
        }
    }
}
