namespace CityBrain.Domain.HealthCodes.CertLogic;

/// <summary>The time units of <c>plusTime</c>.</summary>
public enum CertLogicTimeUnit
{
    /// <summary><c>"year"</c> (JS <c>setUTCFullYear</c>: 2020-02-29 + 1 year = 2021-03-01).</summary>
    Year,
    /// <summary><c>"month"</c> (JS <c>setUTCMonth</c>: 2020-01-31 + 1 month = 2020-03-02).</summary>
    Month,
    /// <summary><c>"day"</c> (exactly 24 hours, UTC).</summary>
    Day,
    /// <summary><c>"hour"</c>.</summary>
    Hour,
}

/// <summary>
/// The date-time semantics of CertLogic 1.3.3 (<c>plusTime</c>, <c>dccDateOfBirth</c>), on milliseconds since the Unix epoch (UTC).
/// Hand-written parsers: no regular expressions, no allocation.
/// </summary>
public static class CertLogicDateTime
{
    private const long MsPerHour = 3_600_000;
    private const long MsPerDay = 86_400_000;
    private static readonly long MinUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>Parses a time unit name (<c>year</c>, <c>month</c>, <c>day</c>, <c>hour</c>).</summary>
    public static bool TryParseUnit(string? name, out CertLogicTimeUnit unit)
    {
        switch (name)
        {
            case "year": unit = CertLogicTimeUnit.Year; return true;
            case "month": unit = CertLogicTimeUnit.Month; return true;
            case "day": unit = CertLogicTimeUnit.Day; return true;
            case "hour": unit = CertLogicTimeUnit.Hour; return true;
            default: unit = default; return false;
        }
    }

    /// <summary>
    /// Parses one of the date(-time) formats allowed by <c>plusTime</c>: <c>YYYY</c> and <c>YYYY-MM</c> (as
    /// <c>dccDateOfBirth</c>: last day of the year/month), <c>YYYY-MM-DD</c>, and
    /// <c>YYYY-MM-DDThh:mm:ss[.S...][Z|±h|±hh|±hmm|±hhmm|±h:mm|±hh:mm]</c> (missing offset = <c>Z</c>, fraction truncated to ms).
    /// Invalid calendar values (month 13, day 30 in February, hour 24, ...) are rejected.
    /// </summary>
    public static bool TryParseDateTime(ReadOnlySpan<char> s, out long unixMs)
    {
        unixMs = 0;
        if (s.Length <= 10)
        {
            return TryParsePartialDate(s, out unixMs);
        }
        if (s.Length < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }
        if (!TryParseDate(s[..10], out int year, out int month, out int day)
            || !TryDigits(s.Slice(11, 2), out int hour) || hour > 23
            || !TryDigits(s.Slice(14, 2), out int minute) || minute > 59
            || !TryDigits(s.Slice(17, 2), out int second) || second > 59)
        {
            return false;
        }
        int pos = 19;
        int millis = 0;
        if (pos < s.Length && s[pos] == '.')
        {
            pos++;
            int start = pos;
            while (pos < s.Length && char.IsAsciiDigit(s[pos]))
            {
                if (pos - start < 3)
                {
                    millis = (millis * 10) + (s[pos] - '0');
                }
                pos++;
            }
            int count = pos - start;
            if (count == 0)
            {
                return false;
            }
            for (int i = count; i < 3; i++)
            {
                millis *= 10;
            }
        }
        int offsetMinutes = 0;
        if (pos < s.Length)
        {
            char c = s[pos];
            if (c == 'Z')
            {
                if (pos + 1 != s.Length)
                {
                    return false;
                }
            }
            else if (c == '+' || c == '-')
            {
                if (!TryParseOffset(s[(pos + 1)..], out offsetMinutes))
                {
                    return false;
                }
                if (c == '-')
                {
                    offsetMinutes = -offsetMinutes;
                }
            }
            else
            {
                return false;
            }
        }
        long days = DaysSinceEpoch(year, month, day);
        unixMs = (days * MsPerDay) + (hour * MsPerHour) + (minute * 60_000L) + (second * 1000L) + millis - (offsetMinutes * 60_000L);
        return unixMs >= MinUnixMs && unixMs <= MaxUnixMs;
    }

    /// <summary>
    /// The <c>dccDateOfBirth</c> conversion: <c>YYYY</c> → <c>YYYY-12-31</c>, <c>YYYY-MM</c> → last day of that month,
    /// <c>YYYY-MM-DD</c> → that day; always at <c>00:00:00.000Z</c>.
    /// </summary>
    public static bool TryParseDateOfBirth(ReadOnlySpan<char> s, out long unixMs) => TryParsePartialDate(s, out unixMs);

    private static bool TryParsePartialDate(ReadOnlySpan<char> s, out long unixMs)
    {
        unixMs = 0;
        int year, month, day;
        switch (s.Length)
        {
            case 4:
                if (!TryDigits(s, out year) || year < 1)
                {
                    return false;
                }
                month = 12;
                day = 31;
                break;
            case 7:
                if (s[4] != '-' || !TryDigits(s[..4], out year) || year < 1 || !TryDigits(s.Slice(5, 2), out month) || month < 1 || month > 12)
                {
                    return false;
                }
                day = DateTime.DaysInMonth(year, month);
                break;
            case 10:
                if (!TryParseDate(s, out year, out month, out day))
                {
                    return false;
                }
                break;
            default:
                return false;
        }
        unixMs = DaysSinceEpoch(year, month, day) * MsPerDay;
        return true;
    }

    private static bool TryParseDate(ReadOnlySpan<char> s, out int year, out int month, out int day)
    {
        month = day = 0;
        if (s.Length != 10 || s[4] != '-' || s[7] != '-' || !TryDigits(s[..4], out year)
            || !TryDigits(s.Slice(5, 2), out month) || !TryDigits(s.Slice(8, 2), out day))
        {
            year = 0;
            return false;
        }
        return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
    }

    private static bool TryParseOffset(ReadOnlySpan<char> s, out int minutes)
    {
        minutes = 0;
        int hours, mins = 0;
        int colon = s.IndexOf(':');
        if (colon >= 0)
        {
            // h:mm or hh:mm
            if (colon < 1 || colon > 2 || s.Length - colon - 1 != 2 || !TryDigits(s[..colon], out hours) || !TryDigits(s[(colon + 1)..], out mins))
            {
                return false;
            }
        }
        else
        {
            switch (s.Length)
            {
                case 1:
                case 2:
                    if (!TryDigits(s, out hours))
                    {
                        return false;
                    }
                    break;
                case 3:
                case 4:
                    if (!TryDigits(s[..(s.Length - 2)], out hours) || !TryDigits(s[^2..], out mins))
                    {
                        return false;
                    }
                    break;
                default:
                    return false;
            }
        }
        if (hours > 23 || mins > 59)
        {
            return false;
        }
        minutes = (hours * 60) + mins;
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }
        foreach (char c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                value = 0;
                return false;
            }
            value = (value * 10) + (c - '0');
        }
        return true;
    }

    private static long DaysSinceEpoch(int year, int month, int day) =>
        new DateOnly(year, month, day).DayNumber - 719_162L; // DayNumber of 1970-01-01

    /// <summary>
    /// Adds <paramref name="amount"/> units to a date-time with the semantics of JavaScript's
    /// <c>dateTime.setUTC&lt;Unit&gt;(dateTime.getUTC&lt;Unit&gt;() + amount)</c>: months/years keep the day-of-month number and
    /// let it overflow into the next month (2020-02-29 + 1 year = 2021-03-01); days/hours are fixed lengths (no DST, no leap seconds).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The result is outside years 1..9999.</exception>
    public static long PlusTime(long unixMs, long amount, CertLogicTimeUnit unit)
    {
        if (amount == 0)
        {
            return unixMs;
        }
        try
        {
            long result;
            switch (unit)
            {
                case CertLogicTimeUnit.Hour:
                    result = checked(unixMs + (amount * MsPerHour));
                    break;
                case CertLogicTimeUnit.Day:
                    result = checked(unixMs + (amount * MsPerDay));
                    break;
                default:
                {
                    long days = Math.DivRem(unixMs, MsPerDay, out long timeOfDay);
                    if (timeOfDay < 0)
                    {
                        timeOfDay += MsPerDay;
                        days--;
                    }
                    var date = DateOnly.FromDayNumber(checked((int)(days + 719_162L)));
                    long monthIndex = checked((date.Year * 12L) + (date.Month - 1) + (unit == CertLogicTimeUnit.Month ? amount : amount * 12L));
                    long newYear = Math.DivRem(monthIndex, 12L, out long newMonth0);
                    if (newYear < 1 || newYear > 9999)
                    {
                        throw new ArgumentOutOfRangeException(nameof(amount), "date-time out of range");
                    }
                    long firstOfMonth = new DateOnly((int)newYear, (int)newMonth0 + 1, 1).DayNumber - 719_162L;
                    result = checked(((firstOfMonth + date.Day - 1) * MsPerDay) + timeOfDay);
                    break;
                }
            }
            if (result < MinUnixMs || result > MaxUnixMs)
            {
                throw new ArgumentOutOfRangeException(nameof(amount), "date-time out of range");
            }
            return result;
        }
        catch (OverflowException e)
        {
            throw new ArgumentOutOfRangeException("date-time out of range", e);
        }
    }
}
