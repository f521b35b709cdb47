using CityBrain.Domain.Tracing;

namespace CityBrain.Domain.Tests.Tracing;

/// <summary>
/// The trace written as plainly as the rules read: pair every (resident, venue)'s check-ins into stays, then compare
/// every case stay with every stay at the same venue. O(n²); the reference the index is checked against.
/// </summary>
internal static class BruteForceTrace
{
    internal sealed record BStay(int Resident, int Venue, long In, long Out, bool HasOut);

    public static List<BStay> Stays(IEnumerable<Checkin> checkins)
    {
        var stays = new List<BStay>();
        foreach (var group in checkins.GroupBy(c => (c.Resident, c.Venue)))
        {
            // Time order; at the same second a check-in comes before a check-out (so they match).
            var ordered = group.OrderBy(c => c.At).ThenBy(c => c.Out ? 1 : 0).ToList();
            var open = new List<int>(); // indexes into stays, unmatched, in order
            foreach (var c in ordered)
            {
                if (!c.Out)
                {
                    stays.Add(new BStay(c.Resident, c.Venue, c.At, c.At, false));
                    open.Add(stays.Count - 1);
                }
                else if (open.Count > 0)
                {
                    var i = open[^1];
                    open.RemoveAt(open.Count - 1);
                    stays[i] = stays[i] with { Out = c.At, HasOut = true };
                }
            }
        }
        return stays;
    }

    public static List<Stay> Trajectory(IEnumerable<Checkin> checkins, int resident, long from, long to) =>
        Stays(checkins).Where(s => s.Resident == resident && s.In >= from && s.In <= to)
            .OrderBy(s => s.In).ThenBy(s => s.Venue)
            .Select(s => new Stay(s.Venue, s.In, s.HasOut ? s.Out : null)).ToList();

    private sealed class Acc
    {
        public long First = long.MaxValue;
        public int Venue = int.MaxValue;
        public int Via = int.MaxValue;
        public long Exposures;
        public long Overlap;
    }

    public static List<Contact> Trace(IReadOnlyList<Checkin> checkins, int p, TraceQuery q)
    {
        var stays = Stays(checkins);
        long w = q.WindowSeconds;
        var lo = q.At - (q.Days * 86_400L);
        var first = new Dictionary<int, Acc>();
        foreach (var sp in stays.Where(s => s.Resident == p && s.In >= lo && s.In <= q.At))
        {
            foreach (var sq in stays.Where(s => s.Venue == sp.Venue && s.Resident != p))
            {
                if (sq.In <= sp.Out + w && sq.Out >= sp.In - w)
                {
                    Count(first, sq, sp, null);
                }
            }
        }
        var result = first.Select(kv => ToContact(kv.Key, 1, kv.Value)).ToList();
        if (q.Degree == 2)
        {
            var second = new Dictionary<int, Acc>();
            foreach (var (c, acc) in first)
            {
                foreach (var sc in stays.Where(s => s.Resident == c && s.In >= acc.First && s.In <= q.At))
                {
                    foreach (var sr in stays.Where(s => s.Venue == sc.Venue && s.Resident != p && !first.ContainsKey(s.Resident)))
                    {
                        if (sr.In <= sc.Out + w && sr.Out >= sc.In - w)
                        {
                            Count(second, sr, sc, c);
                        }
                    }
                }
            }
            result.AddRange(second.Select(kv => ToContact(kv.Key, 2, kv.Value)));
        }
        return result.OrderBy(c => c.Degree).ThenBy(c => c.Resident).ToList();
    }

    private static void Count(Dictionary<int, Acc> into, BStay found, BStay source, int? via)
    {
        if (!into.TryGetValue(found.Resident, out var acc))
        {
            into[found.Resident] = acc = new Acc();
        }
        acc.Exposures++;
        acc.Overlap += Math.Max(0, Math.Min(source.Out, found.Out) - Math.Max(source.In, found.In));
        // The earliest exposure: smallest (check-in, venue, via).
        var v = via ?? -1;
        if (found.In < acc.First || (found.In == acc.First && (found.Venue < acc.Venue || (found.Venue == acc.Venue && v < acc.Via))))
        {
            acc.First = found.In;
            acc.Venue = found.Venue;
            acc.Via = v;
        }
    }

    private static Contact ToContact(int resident, int degree, Acc a) =>
        new(resident, degree, a.First, a.Venue, a.Overlap, (int)a.Exposures, degree == 2 ? a.Via : null);
}
