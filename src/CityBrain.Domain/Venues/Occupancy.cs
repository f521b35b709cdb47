using System.Collections.Concurrent;

namespace CityBrain.Domain.Venues;

/// <summary>
/// Live occupancy: who is inside each venue now. A check-in opens a stay that ends at the check-out, or after the
/// venue's default dwell when nobody checks out. Thread-safe; rebuilt from the check-ins of the last day at start-up.
/// Times are Unix seconds.
/// </summary>
public sealed class OccupancyTracker
{
    private sealed class VenueStays
    {
        public readonly Dictionary<long, long> Until = [];

        /// <summary>The earliest end of a stay: the count is exact, swept only when a stay has ended.</summary>
        public long NextExpiry = long.MaxValue;
    }

    private readonly ConcurrentDictionary<int, VenueStays> _venues = new();

    /// <summary>Records an entry (until <paramref name="until"/>) or an exit.</summary>
    public void Record(int venue, long resident, Direction direction, long at, long until)
    {
        var v = _venues.GetOrAdd(venue, _ => new VenueStays());
        lock (v)
        {
            if (direction == Direction.In)
            {
                if (until > at)
                {
                    v.Until[resident] = Math.Max(until, v.Until.GetValueOrDefault(resident));
                    v.NextExpiry = Math.Min(v.NextExpiry, until);
                }
            }
            else
            {
                v.Until.Remove(resident);
            }
        }
    }

    /// <summary>
    /// Admits <paramref name="resident"/> if there is room (someone already inside re-entering always fits); atomic per
    /// venue, so two people at the last place cannot both get in. Returns the occupancy seen and whether admitted.
    /// </summary>
    public (bool Admitted, int Occupancy) TryEnter(int venue, long resident, long at, long until, int capacity)
    {
        var v = _venues.GetOrAdd(venue, _ => new VenueStays());
        lock (v)
        {
            if (at >= v.NextExpiry)
            {
                Sweep(v, at);
            }
            var inside = v.Until.TryGetValue(resident, out var u) && u > at;
            if (!inside && capacity > 0 && v.Until.Count >= capacity)
            {
                return (false, v.Until.Count);
            }
            v.Until[resident] = Math.Max(until, u);
            v.NextExpiry = Math.Min(v.NextExpiry, until);
            return (true, v.Until.Count);
        }
    }

    /// <summary>People inside <paramref name="venue"/> at <paramref name="now"/>.</summary>
    public int Count(int venue, long now)
    {
        if (!_venues.TryGetValue(venue, out var v))
        {
            return 0;
        }
        lock (v)
        {
            if (now >= v.NextExpiry)
            {
                Sweep(v, now);
            }
            return v.Until.Count;
        }
    }

    /// <summary>Whether <paramref name="resident"/> is inside <paramref name="venue"/> (a second entry does not count twice).</summary>
    public bool IsInside(int venue, long resident, long now)
    {
        if (!_venues.TryGetValue(venue, out var v))
        {
            return false;
        }
        lock (v)
        {
            return v.Until.TryGetValue(resident, out var until) && until > now;
        }
    }

    /// <summary>Every venue with people inside, with the count.</summary>
    public IEnumerable<(int Venue, int Count)> All(long now)
    {
        foreach (var (key, v) in _venues)
        {
            int n;
            lock (v)
            {
                Sweep(v, now);
                n = v.Until.Count;
            }
            if (n > 0)
            {
                yield return (key, n);
            }
        }
    }

    private static void Sweep(VenueStays v, long now)
    {
        List<long>? gone = null;
        var next = long.MaxValue;
        foreach (var (resident, until) in v.Until)
        {
            if (until <= now)
            {
                (gone ??= []).Add(resident);
            }
            else if (until < next)
            {
                next = until;
            }
        }
        if (gone is not null)
        {
            foreach (var r in gone)
            {
                v.Until.Remove(r);
            }
        }
        v.NextExpiry = next;
    }
}
