namespace CityBrain.Domain.Identity;

/// <summary>GB/T 2260 division codes: 2 digits province, 4 city, 6 county, 9 township, 12 village.</summary>
public static class DivisionCode
{
    private static readonly HashSet<string> Provinces =
    [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        "71", "81", "82",
    ];

    public static bool IsValidProvince(string two) => Provinces.Contains(two);

    public static bool IsWellFormed(string? code) =>
        code is { Length: 2 or 4 or 6 or 9 or 12 } && code.All(char.IsAsciiDigit) && IsValidProvince(code[..2]);

    /// <summary>The short form of a province or city written with 6 digits: 330000 → 33, 420100 → 4201; others unchanged.</summary>
    public static string Normalise(string code) => code switch
    {
        { Length: 6 } when code.EndsWith("0000", StringComparison.Ordinal) => code[..2],
        { Length: 6 } when code.EndsWith("00", StringComparison.Ordinal) => code[..4],
        _ => code,
    };

    /// <summary>The county (6-digit) part of a code of county level or below; null above county level.</summary>
    public static string? County(string code) => code.Length >= 6 ? code[..6] : null;

    /// <summary>The code itself and every coarser level, finest first: 330102001 → 330102001, 330102, 3301, 33.</summary>
    public static IEnumerable<string> SelfAndAncestors(string code)
    {
        yield return code;
        foreach (var len in new[] { 9, 6, 4, 2 })
        {
            if (code.Length > len)
            {
                yield return code[..len];
            }
        }
    }
}

/// <summary>The catalogue of real divisions (loaded from data/divisions by the caller).</summary>
public sealed class DivisionCatalogue
{
    private readonly Dictionary<string, string> _names;

    public DivisionCatalogue(IEnumerable<KeyValuePair<string, string>> codesAndNames)
    {
        _names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (code, name) in codesAndNames)
        {
            _names.TryAdd(code, name);
        }
    }

    public int Count => _names.Count;

    public bool Contains(string code) => _names.ContainsKey(code);

    public string? NameOf(string code) => _names.GetValueOrDefault(code);

    /// <summary>Whether an ID number's 6-digit prefix names a real county, or at least a real city
    /// (codes of abolished counties stay valid in old ID numbers).</summary>
    public bool IsPlausibleIdPrefix(string division6) =>
        _names.ContainsKey(division6) || _names.ContainsKey(division6[..4]);

    public IEnumerable<string> Codes => _names.Keys;
}
