namespace CityBrain.Domain.Common;

/// <summary>
/// The fast path for the one time format bulk files carry: <c>yyyy-MM-ddTHH:mm:ss</c>, optional fractional seconds,
/// then <c>Z</c> or <c>±hh:mm</c>. Anything else returns false and the caller falls back to the general parser, so this
/// never accepts what that would refuse.
/// </summary>
public static class Iso8601
{
    public static bool TryParseUnixSeconds(ReadOnlySpan<char> s, out long unixSeconds)
    {
        unixSeconds = 0;
        s = s.Trim();
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }
        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day) ||
            !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
        {
            return false;
        }
        var i = 19;
        if (s[i] == '.')
        {
            i++;
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
            if (i == start || i - start > 7)
            {
                return false;
            }
        }
        int offsetMinutes;
        if (i == s.Length - 1 && s[i] == 'Z')
        {
            offsetMinutes = 0;
        }
        else if (i == s.Length - 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':' && Digits(s, i + 1, 2, out var oh) && Digits(s, i + 4, 2, out var om) && om < 60 && (oh * 60) + om <= 14 * 60)
        {
            offsetMinutes = (s[i] == '-' ? -1 : 1) * ((oh * 60) + om);
        }
        else
        {
            return false;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        var local = new DateOnly(year, month, day).DayNumber * 86_400L + (hour * 3_600L) + (minute * 60L) + second;
        unixSeconds = local - (offsetMinutes * 60L) - (DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber * 86_400L);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, int at, int count, out int value)
    {
        value = 0;
        for (var i = at; i < at + count; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }
            value = (value * 10) + (s[i] - '0');
        }
        return true;
    }
}
