using CityBrain.Domain.HealthCodes;

namespace CityBrain.Domain.Venues;

/// <summary>The kinds of venue (场所), each with the default stay used when nobody checks out.</summary>
public enum VenueType : byte
{
    ResidentialCompound = 0,
    Market = 1,
    Mall = 2,
    Factory = 3,
    Station = 4,
    ScenicArea = 5,
    Hospital = 6,
    School = 7,
    Office = 8,
    Other = 9,
}

public static class VenueTypes
{
    private static readonly (VenueType Type, string Name, string Chinese, int DwellMinutes)[] All =
    [
        (VenueType.ResidentialCompound, "residential_compound", "小区", 12 * 60),
        (VenueType.Market, "market", "农贸市场", 60),
        (VenueType.Mall, "mall", "商场", 3 * 60),
        (VenueType.Factory, "factory", "工厂", 10 * 60),
        (VenueType.Station, "station", "车站", 2 * 60),
        (VenueType.ScenicArea, "scenic_area", "景区", 4 * 60),
        (VenueType.Hospital, "hospital", "医院", 3 * 60),
        (VenueType.School, "school", "学校", 9 * 60),
        (VenueType.Office, "office", "写字楼", 10 * 60),
        (VenueType.Other, "other", "其他", 2 * 60),
    ];

    public static IEnumerable<string> Names => All.Select(a => a.Name);

    public static string Name(this VenueType t) => All[(int)t].Name;

    public static string ChineseName(this VenueType t) => All[(int)t].Chinese;

    /// <summary>How long a stay lasts when the person never checks out.</summary>
    public static TimeSpan DefaultDwell(this VenueType t) => TimeSpan.FromMinutes(All[(int)t].DwellMinutes);

    public static bool TryParse(string? s, out VenueType type)
    {
        foreach (var a in All)
        {
            if (string.Equals(a.Name, s?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                type = a.Type;
                return true;
            }
        }
        type = VenueType.Other;
        return false;
    }
}

/// <summary>What a venue does with a yellow code: admit and record, or deny. Green always passes, red never.</summary>
public enum YellowPolicy : byte
{
    Deny = 0,
    Admit = 1,
}

/// <param name="Key">internal key (dense integer, for the check-in table and the tracing index)</param>
/// <param name="Id">the venue's own id, as printed on its poster</param>
public sealed record Venue(
    int Key,
    string Id,
    string Name,
    VenueType Type,
    string DivisionCode,
    double Latitude,
    double Longitude,
    int Capacity,
    YellowPolicy Yellow,
    TimeSpan Dwell);

public enum Direction : byte
{
    In = 0,
    Out = 1,
}

/// <summary>How a check-in was made.</summary>
public enum CheckinMethod : byte
{
    Token = 0,
    VenueCode = 1,
    IdNumber = 2,
    Offline = 3,
    Import = 4,
    PaperCode = 5,
}

public readonly record struct EntryDecision(bool Pass, string Reason);

/// <summary>The door's rule: colour, the venue's policy for yellow, and its capacity (for entries).</summary>
public static class Entry
{
    public static EntryDecision Decide(Colour colour, Venue venue, Direction direction, int occupancy)
    {
        if (direction == Direction.Out)
        {
            return new EntryDecision(true, "exit recorded");
        }
        switch (colour)
        {
            case Colour.Red:
                return new EntryDecision(false, "red code: not admitted; refer to the health authorities");
            case Colour.Yellow when venue.Yellow == YellowPolicy.Deny:
                return new EntryDecision(false, "yellow code: not admitted by this venue's policy");
        }
        if (venue.Capacity > 0 && occupancy >= venue.Capacity)
        {
            return new EntryDecision(false, $"full: {occupancy} of {venue.Capacity} inside");
        }
        return colour == Colour.Yellow
            ? new EntryDecision(true, "yellow code: admitted and recorded")
            : new EntryDecision(true, "green code: pass");
    }
}
