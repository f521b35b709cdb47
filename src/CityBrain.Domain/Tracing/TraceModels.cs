namespace CityBrain.Domain.Tracing;

/// <summary>
/// One check-in row as the tracing index sees it: the resident's key (<c>residents.id</c>), the venue's dense key
/// (<c>venues.vkey</c>), the time in Unix seconds and whether it is a check-out. Keys are non-negative ints; times must
/// lie in [<see cref="CoPresenceIndex.MinTime"/>, <see cref="CoPresenceIndex.MaxTime"/>] (2020-01-01 to 2156-02-07 UTC).
/// </summary>
public readonly record struct Checkin(int Resident, int Venue, long At, bool Out);

/// <summary>
/// A trace request: the case's stays with their check-in in [<c>At − Days·86400</c>, <c>At</c>] are searched for people
/// at the same venue within <see cref="WindowSeconds"/>; <see cref="Degree"/> 1 gives close contacts, 2 adds the
/// contacts of those (secondary contacts). Invalid values throw <see cref="ArgumentOutOfRangeException"/> naming the
/// parameter: Days 1..28, WindowSeconds 0..86400, Degree 1 or 2.
/// </summary>
public sealed record TraceQuery(long At, int Days = 14, int WindowSeconds = 900, int Degree = 1)
{
    /// <summary>Days back from <see cref="At"/> (1..28).</summary>
    public int Days { get; init => field = CheckDays(value); } = CheckDays(Days);

    /// <summary>The co-presence window in seconds (0..86400); exactly this far apart still counts.</summary>
    public int WindowSeconds { get; init => field = CheckWindow(value); } = CheckWindow(WindowSeconds);

    /// <summary>1: close contacts only; 2: close and secondary contacts.</summary>
    public int Degree { get; init => field = CheckDegree(value); } = CheckDegree(Degree);

    private static int CheckDays(int value) => value is >= 1 and <= 28
        ? value
        : throw new ArgumentOutOfRangeException(nameof(Days), value, "Days must be between 1 and 28.");

    private static int CheckWindow(int value) => value is >= 0 and <= 86_400
        ? value
        : throw new ArgumentOutOfRangeException(nameof(WindowSeconds), value, "WindowSeconds must be between 0 and 86400.");

    private static int CheckDegree(int value) => value is 1 or 2
        ? value
        : throw new ArgumentOutOfRangeException(nameof(Degree), value, "Degree must be 1 or 2.");
}

/// <summary>
/// A person found by a trace.
/// <list type="bullet">
/// <item><see cref="FirstExposure"/>: the earliest check-in time (Unix seconds) among this person's stays that qualify;
/// <see cref="Venue"/> is the venue of that stay (ties: the smaller venue key).</item>
/// <item><see cref="Exposures"/>: the number of qualifying (case stay, contact stay) pairs (for degree 2 summed over
/// every first-degree contact; saturates at <see cref="int.MaxValue"/>).</item>
/// <item><see cref="OverlapSeconds"/>: the sum over those pairs of the length of the intersection of the two stays as
/// recorded, not widened by the window (a stay without check-out is a point of length 0).</item>
/// <item><see cref="Via"/>: for degree 2, the first-degree contact of the earliest exposure (ties: the smaller venue,
/// then the smaller resident key); null for degree 1.</item>
/// </list>
/// </summary>
public readonly record struct Contact(int Resident, int Degree, long FirstExposure, int Venue, long OverlapSeconds, int Exposures, int? Via);

/// <summary>A stay at a venue: check-in time and, when a check-out matched it, check-out time (Unix seconds).</summary>
public sealed record Stay(int Venue, long In, long? Out);

/// <summary>
/// The answer to a trace: the case, the query, the case's stays searched (check-in in [At − Days·86400, At], time
/// order) and the contacts sorted by degree, then resident key. <see cref="Ranked"/> orders them for a worklist.
/// </summary>
public sealed record TraceResult(int Case, TraceQuery Query, IReadOnlyList<Stay> CaseStays, IReadOnlyList<Contact> Contacts)
{
    /// <summary>The contacts by exposures (most first), then overlap (longest first), then degree and resident key.</summary>
    public IReadOnlyList<Contact> Ranked() => ContactRanking.Rank(Contacts);
}

/// <summary>Orders contacts for the officials' worklist.</summary>
public static class ContactRanking
{
    /// <summary>By exposures descending, overlap seconds descending, then degree and resident key ascending.</summary>
    public static IReadOnlyList<Contact> Rank(IEnumerable<Contact> contacts)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        return contacts
            .OrderByDescending(c => c.Exposures)
            .ThenByDescending(c => c.OverlapSeconds)
            .ThenBy(c => c.Degree)
            .ThenBy(c => c.Resident)
            .ToList();
    }
}
