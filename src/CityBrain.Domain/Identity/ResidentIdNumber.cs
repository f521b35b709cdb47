namespace CityBrain.Domain.Identity;

/// <summary>
/// An 18-character resident identity number (居民身份证号码, GB 11643-1999):
/// 6-digit division code, 8-digit birth date, 3-digit sequence, and an ISO 7064 MOD 11-2 check character.
/// </summary>
public readonly record struct ResidentIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckChars = "10X98765432";

    public string Value { get; }

    private ResidentIdNumber(string value) => Value = value;

    public string DivisionCode => Value[..6];

    public DateOnly BirthDate => new(
        int.Parse(Value.AsSpan(6, 4), provider: System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(Value.AsSpan(10, 2), provider: System.Globalization.CultureInfo.InvariantCulture),
        int.Parse(Value.AsSpan(12, 2), provider: System.Globalization.CultureInfo.InvariantCulture));

    public override string ToString() => Masked;

    /// <summary>First 6 and last 4 characters kept: 330102********123X.</summary>
    public string Masked => string.Concat(Value.AsSpan(0, 6), "********", Value.AsSpan(14, 4));

    /// <summary>Computes the check character for the first 17 digits.</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }
        return CheckChars[sum % 11];
    }

    /// <summary>
    /// Parses and checks an ID number. <paramref name="knownDivision"/> answers whether a 6-digit code
    /// (or its province/city prefix) is a real division; pass null to check the province prefix only.
    /// </summary>
    public static bool TryParse(string? text, DateOnly today, Func<string, bool>? knownDivision,
        out ResidentIdNumber id, out string error)
    {
        id = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "resident ID number is empty";
            return false;
        }
        var s = text.Trim().ToUpperInvariant();
        if (s.Length != 18)
        {
            error = $"resident ID number must have 18 characters, not {s.Length}";
            return false;
        }
        for (var i = 0; i < 17; i++)
        {
            if (s[i] is < '0' or > '9')
            {
                error = $"resident ID number has a non-digit at position {i + 1}";
                return false;
            }
        }
        if (s[17] is not ((>= '0' and <= '9') or 'X'))
        {
            error = "the last character of a resident ID number must be a digit or X";
            return false;
        }
        var expected = CheckCharacter(s);
        if (s[17] != expected)
        {
            error = $"check digit is {s[17]} but should be {expected}";
            return false;
        }
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var year = int.Parse(s.AsSpan(6, 4), provider: inv);
        var month = int.Parse(s.AsSpan(10, 2), provider: inv);
        var day = int.Parse(s.AsSpan(12, 2), provider: inv);
        if (year < 1880 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            error = $"birth date {s.Substring(6, 8)} is not a valid date";
            return false;
        }
        if (new DateOnly(year, month, day) > today)
        {
            error = $"birth date {s.Substring(6, 8)} is in the future";
            return false;
        }
        var division = s[..6];
        if (!Identity.DivisionCode.IsValidProvince(division[..2]))
        {
            error = $"division prefix {division} does not start with a province code";
            return false;
        }
        if (knownDivision is not null && !knownDivision(division))
        {
            error = $"division prefix {division} is not a known division";
            return false;
        }
        id = new ResidentIdNumber(s);
        error = "";
        return true;
    }

    /// <summary>Builds a valid number from its parts (for demos and tests).</summary>
    public static ResidentIdNumber Create(string division6, DateOnly birth, int sequence)
    {
        if (division6.Length != 6 || sequence is < 0 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence));
        }
        var first17 = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{division6}{birth:yyyyMMdd}{sequence:D3}");
        return new ResidentIdNumber(first17 + CheckCharacter(first17));
    }
}
