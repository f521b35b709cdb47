namespace CityBrain.Domain.Common;

/// <summary>
/// The city's local calendar. Health-code days (daily check-ins, "14 days") are local days, not UTC days.
/// A day is represented as <see cref="DateOnly.DayNumber"/>.
/// </summary>
public sealed class CityCalendar
{
    public static readonly CityCalendar China = new(FindZone("Asia/Shanghai"));

    public TimeZoneInfo Zone { get; }

    public CityCalendar(TimeZoneInfo zone) => Zone = zone;

    public static TimeZoneInfo FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException) when (id == "Asia/Shanghai")
        {
            return TimeZoneInfo.CreateCustomTimeZone(id, TimeSpan.FromHours(8), id, id);
        }
    }

    public DateOnly DateOf(DateTimeOffset t) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, Zone).DateTime);

    public int DayOf(DateTimeOffset t) => DateOf(t).DayNumber;

    public int DayOfUnix(long unixSeconds) => DayOf(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

    public DateTimeOffset StartOf(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    public DateTimeOffset StartOfDay(int dayNumber) => StartOf(DateOnly.FromDayNumber(dayNumber));

    public DateTimeOffset ToLocal(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Zone);
}
