using CityBrain.Domain.Identity;

namespace CityBrain.Domain.Resumption;

/// <summary>规上 / 规下: above or below the statistical size threshold (large enterprises are the ones officials call).</summary>
public enum Scale
{
    BelowSize,
    AboveSize,
}

/// <summary>A bad value in an input row: the field and the reason, in words an official can act on.</summary>
public readonly record struct FieldError(string Field, string Reason);

/// <summary>
/// An enterprise electricity user in the register. <see cref="Key"/> is the database's internal number (0 before it is
/// stored); <see cref="Id"/> the utility's account number or credit code as given in the files.
/// </summary>
public sealed record Enterprise(int Key, string Id, string Name, Sector Sector, string DivisionCode, Scale Scale)
{
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 200;

    /// <summary>The county (6 digits), city (4) and province (2) the enterprise is in.</summary>
    public string County => DivisionCode[..6];

    public string City => DivisionCode[..4];

    public string Province => DivisionCode[..2];

    public static string ScaleCode(Scale s) => s == Scale.AboveSize ? "above_size" : "below_size";

    public static bool TryParseScale(string? text, out Scale scale)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "above_size" or "above" or "规上" or "规模以上":
                scale = Scale.AboveSize;
                return true;
            case "below_size" or "below" or "规下" or "规模以下":
                scale = Scale.BelowSize;
                return true;
            default:
                scale = default;
                return false;
        }
    }

    /// <summary>
    /// Checks one register row: an id (at most 64 printable characters), a name, one of the ten sectors, a division of
    /// county level or below (6, 9 or 12 digits) whose county is in <paramref name="divisions"/>, and the scale.
    /// </summary>
    public static bool TryCreate(string id, string name, string industry, string divisionCode, string scale, DivisionCatalogue divisions,
        out Enterprise enterprise, out FieldError error)
    {
        enterprise = null!;
        id = id.Trim();
        name = name.Trim();
        divisionCode = divisionCode.Trim();
        if (id.Length == 0 || id.Length > MaxIdLength || id.Any(char.IsControl) || id.Any(char.IsWhiteSpace))
        {
            error = new("enterprise_id", $"is required: at most {MaxIdLength} characters, no spaces");
            return false;
        }
        if (name.Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            error = new("name", $"is required, at most {MaxNameLength} characters");
            return false;
        }
        if (!Sectors.TryParse(industry, out var sector))
        {
            error = new("industry", $"'{industry}' is not one of the ten sectors: {string.Join(", ", Sectors.All.Select(s => s.Code()))}");
            return false;
        }
        if (divisionCode.Length is not (6 or 9 or 12) || !divisionCode.All(char.IsAsciiDigit))
        {
            error = new("division_code", $"'{divisionCode}' is not a county, township or village code (6, 9 or 12 digits)");
            return false;
        }
        if (!divisions.Contains(divisionCode[..6]))
        {
            error = new("division_code", $"no county {divisionCode[..6]} in the division list");
            return false;
        }
        if (!TryParseScale(scale, out var s))
        {
            error = new("scale", $"'{scale}' must be above_size or below_size");
            return false;
        }
        enterprise = new Enterprise(0, id, name, sector, divisionCode, s);
        error = default;
        return true;
    }
}
