namespace CityBrain.Domain.Tracing;

/// <summary>
/// Compact encodings shared by the index. Times are uint32 seconds from <see cref="Epoch"/> (2020-01-01T00:00:00Z).
/// A resident-side event is one ulong: <c>time &lt;&lt; 32 | out &lt;&lt; 31 | venue</c>, so sorting the ulongs sorts by
/// time, then check-ins before check-outs of the same second. A venue-side stay entry is <c>in &lt;&lt; 32 | resident</c>.
/// </summary>
internal static class Packing
{
    public const long Epoch = 1_577_836_800;
    public const long MaxTime = Epoch + uint.MaxValue;
    public const ulong OutBit = 0x8000_0000UL;

    public static uint Encode(long at, string paramName) => at is >= Epoch and <= MaxTime
        ? unchecked((uint)(at - Epoch))
        : throw new ArgumentOutOfRangeException(paramName, at, $"Times must lie between {Epoch} (2020-01-01) and {MaxTime} (Unix seconds).");

    /// <summary>Clamps a Unix time into the internal range (for query bounds, which may lie outside it).</summary>
    public static long Clamp(long at) => at < Epoch ? -1 : at > MaxTime ? (long)uint.MaxValue + 1 : at - Epoch;

    public static long Decode(uint t) => Epoch + t;

    public static ulong Event(uint t, bool isOut, int venue) => unchecked(((ulong)t << 32) | (isOut ? OutBit : 0UL) | (uint)venue);

    public static uint Time(ulong e) => unchecked((uint)(e >> 32));

    public static bool IsOut(ulong e) => (e & OutBit) != 0;

    public static int Id(ulong e) => unchecked((int)(uint)(e & 0x7FFF_FFFFUL));

    public static ulong StayEntry(uint inTime, int resident) => unchecked(((ulong)inTime << 32) | (uint)resident);

    public static void Validate(in Checkin c)
    {
        // The index sizes its arrays by the largest key + 1, so int.MaxValue itself is out.
        if (c.Resident is < 0 or int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c.Resident, "Resident keys lie in 0 .. 2,147,483,646.");
        }
        if (c.Venue is < 0 or int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c.Venue, "Venue keys lie in 0 .. 2,147,483,646.");
        }
        Encode(c.At, nameof(c));
    }
}

/// <summary>
/// Turns a resident's time-sorted events into stays: a check-out matches the most recent unmatched check-in at the same
/// venue at or before it (check-outs taken in time order, so per venue a stack); a check-out with nothing open is
/// ignored; a check-in left unmatched is a point.
/// </summary>
internal static class StayPairing
{
    /// <summary>
    /// For each check-in at index k of <paramref name="events"/> (sorted ascending), <paramref name="match"/>[k] receives
    /// the index of its check-out, or -1. Entries of check-outs receive -1.
    /// </summary>
    public static void Pair(ReadOnlySpan<ulong> events, Span<int> match)
    {
        match[..events.Length].Fill(-1);
        if (events.Length <= 64)
        {
            for (var j = 0; j < events.Length; j++)
            {
                if (!Packing.IsOut(events[j]))
                {
                    continue;
                }
                var v = Packing.Id(events[j]);
                for (var k = j - 1; k >= 0; k--)
                {
                    if (!Packing.IsOut(events[k]) && match[k] < 0 && Packing.Id(events[k]) == v)
                    {
                        match[k] = j;
                        break;
                    }
                }
            }
            return;
        }
        // Many events: group by venue (stable, by index) and run a stack per venue.
        var keys = new ulong[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            keys[i] = unchecked(((ulong)(uint)Packing.Id(events[i]) << 32) | (uint)i);
        }
        Array.Sort(keys);
        var stack = new int[events.Length];
        var top = 0;
        var venue = -1L;
        foreach (var key in keys)
        {
            var v = (long)(key >> 32);
            var i = unchecked((int)(uint)key);
            if (v != venue)
            {
                venue = v;
                top = 0;
            }
            if (!Packing.IsOut(events[i]))
            {
                stack[top++] = i;
            }
            else if (top > 0)
            {
                match[stack[--top]] = i;
            }
        }
    }
}
