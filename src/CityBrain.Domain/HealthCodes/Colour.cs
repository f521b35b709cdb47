namespace CityBrain.Domain.HealthCodes;

/// <summary>A health-code colour. Ordered: a higher value is more restrictive.</summary>
public enum Colour : byte
{
    Green = 0,
    Yellow = 1,
    Red = 2,
}

public static class Colours
{
    public static string Name(this Colour c) => c switch
    {
        Colour.Green => "green",
        Colour.Yellow => "yellow",
        Colour.Red => "red",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    public static string ChineseName(this Colour c) => c switch
    {
        Colour.Green => "绿码",
        Colour.Yellow => "黄码",
        Colour.Red => "红码",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    public static bool TryParse(string? s, out Colour colour)
    {
        switch (s?.Trim().ToLowerInvariant())
        {
            case "green": colour = Colour.Green; return true;
            case "yellow": colour = Colour.Yellow; return true;
            case "red": colour = Colour.Red; return true;
            default: colour = default; return false;
        }
    }
}
