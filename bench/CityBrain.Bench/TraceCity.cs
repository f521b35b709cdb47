using CityBrain.Domain.Tracing;

namespace CityBrain.Bench;

/// <summary>
/// A seeded synthetic city's check-ins for the tracing benchmark (issue 4). Venue popularity is Zipf-like with the
/// exponent solved so that the busiest venue's weight is 1% (venue keys are a random permutation of the popularity
/// ranks); each resident has 2 to 5 habitual venues drawn from that law and makes 85% of visits there, 15% anywhere
/// (same law); on an active day a resident makes 2 to 6 visits at uniform times between 07:00 and 23:00 local time
/// (UTC+8); 20% of visits end with a check-out 5 minutes to 3 hours later (log-uniform), and 0.5% of those 8 to 24 hours
/// later. Each resident's number of rows is N/R ± up to 75% (pairs of residents trade rows, so the total is exactly N),
/// spread over as many random days of the period as needed. Generated in parallel (deterministic for a seed whatever
/// the cores), then sorted by time (one counting sort by second), which is the order the database gives them.
/// </summary>
public sealed class TraceCity
{
    public const long Start = 1_709_222_400; // 2024-03-01T00:00:00+08:00

    public required int[] Residents { get; init; }   // sign bit: check-out
    public required int[] Venues { get; init; }
    public required uint[] Times { get; init; }      // seconds from CoPresenceIndex.MinTime
    public required int Count { get; init; }
    public required int Days { get; init; }
    public required double ZipfExponent { get; init; }
    public required int ResidentCount { get; init; }
    public required int VenueCount { get; init; }

    public long End => Start + (Days * 86_400L);

    public Checkin this[int i] => new(Residents[i] & int.MaxValue, Venues[i], CoPresenceIndex.MinTime + Times[i], Residents[i] < 0);

    /// <summary>A small fast generator (SplitMix64), so the data do not depend on the runtime's Random.</summary>
    private struct Rng(ulong seed)
    {
        private ulong _s = seed;

        public ulong Next()
        {
            var z = _s += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public int Below(int n) => (int)((Next() >> 33) * (ulong)n >> 31);

        public double Unit() => (Next() >> 11) * (1.0 / (1UL << 53));
    }

    private static double SolveZipf(int venues, double topShare)
    {
        double lo = 0, hi = 3;
        for (var it = 0; it < 40; it++)
        {
            var s = (lo + hi) / 2;
            double h = 0;
            for (var k = 1; k <= venues; k++)
            {
                h += Math.Pow(k, -s);
            }
            if (1 / h < topShare)
            {
                lo = s;
            }
            else
            {
                hi = s;
            }
        }
        return (lo + hi) / 2;
    }

    public static TraceCity Generate(int count, int residents, int venues, ulong seed, int days = 14, bool timeOrder = true)
    {
        var s = SolveZipf(venues, 0.01);
        var cdf = new double[venues];
        double acc = 0;
        for (var k = 0; k < venues; k++)
        {
            acc += Math.Pow(k + 1, -s);
            cdf[k] = acc;
        }
        for (var k = 0; k < venues; k++)
        {
            cdf[k] /= acc;
        }
        var perm = Enumerable.Range(0, venues).ToArray();
        var prng = new Rng(seed ^ 0xC0FFEE);
        for (var i = venues - 1; i > 0; i--)
        {
            var j = prng.Below(i + 1);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        int Zipf(ref Rng rng)
        {
            var u = rng.Unit();
            int lo = 0, hi = venues - 1;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (cdf[mid] < u)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            return perm[lo];
        }
        var baseRows = count / residents;
        var extra = count % residents;
        int Budget(int r)
        {
            var n = baseRows + (r < extra ? 1 : 0);
            var pair = r / 2;
            if ((r ^ 1) >= residents || baseRows < 2)
            {
                return n;
            }
            var h = new Rng(seed * 31 + (ulong)pair);
            var spread = baseRows * 3 / 4;
            var delta = h.Below((2 * spread) + 1) - spread;
            return (r & 1) == 0 ? n + delta : n - delta;
        }
        var chunks = 256;
        var chunkStart = new long[chunks + 1];
        Parallel.For(0, chunks, c =>
        {
            long n = 0;
            for (var r = (int)((long)residents * c / chunks); r < (int)((long)residents * (c + 1) / chunks); r++)
            {
                n += Budget(r);
            }
            chunkStart[c + 1] = n;
        });
        for (var c = 0; c < chunks; c++)
        {
            chunkStart[c + 1] += chunkStart[c];
        }
        if (chunkStart[chunks] != count)
        {
            throw new InvalidOperationException($"budgets sum to {chunkStart[chunks]}, not {count}");
        }
        var res = GC.AllocateUninitializedArray<int>(count);
        var ven = GC.AllocateUninitializedArray<int>(count);
        var tim = GC.AllocateUninitializedArray<uint>(count);
        var offset = (uint)(Start - CoPresenceIndex.MinTime);
        Parallel.For(0, chunks, c =>
        {
            var rng = new Rng(seed + (0x1000UL * (ulong)(c + 1)));
            var o = (int)chunkStart[c];
            Span<int> habitual = stackalloc int[5];
            Span<int> dayOrder = stackalloc int[days];
            Span<int> tod = stackalloc int[6];
            for (var r = (int)((long)residents * c / chunks); r < (int)((long)residents * (c + 1) / chunks); r++)
            {
                var remaining = Budget(r);
                var k = 2 + rng.Below(4);
                for (var j = 0; j < k; j++)
                {
                    habitual[j] = Zipf(ref rng);
                }
                for (var d = 0; d < days; d++)
                {
                    dayOrder[d] = d;
                }
                var di = 0;
                while (remaining > 0)
                {
                    if (di % days == 0)
                    {
                        // A fresh random order of the days (more rows than days: a second round of visits).
                        for (var i = days - 1; i > 0; i--)
                        {
                            var j = rng.Below(i + 1);
                            (dayOrder[i], dayOrder[j]) = (dayOrder[j], dayOrder[i]);
                        }
                    }
                    var day = dayOrder[di++ % days];
                    var m = 2 + rng.Below(5);
                    for (var i = 0; i < m; i++)
                    {
                        tod[i] = (7 * 3600) + rng.Below(16 * 3600);
                    }
                    tod[..m].Sort();
                    for (var i = 0; i < m && remaining > 0; i++)
                    {
                        var v = rng.Unit() < 0.85 ? habitual[rng.Below(k)] : Zipf(ref rng);
                        var t = offset + (uint)(day * 86_400) + (uint)tod[i];
                        res[o] = r;
                        ven[o] = v;
                        tim[o] = t;
                        o++;
                        remaining--;
                        if (remaining > 0 && rng.Unit() < 0.2)
                        {
                            var dur = rng.Unit() < 0.005 ? 28_800 + rng.Below(57_600) : (int)(300 * Math.Exp(rng.Unit() * Math.Log(36)));
                            res[o] = r | int.MinValue;
                            ven[o] = v;
                            tim[o] = t + (uint)dur;
                            o++;
                            remaining--;
                        }
                    }
                }
            }
        });
        var city = new TraceCity { Residents = res, Venues = ven, Times = tim, Count = count, Days = days, ZipfExponent = s, ResidentCount = residents, VenueCount = venues };
        return timeOrder ? city.SortedByTime() : city;
    }

    /// <summary>A stable parallel counting sort by second.</summary>
    private TraceCity SortedByTime()
    {
        var min = Times.AsParallel().Min();
        var max = Times.AsParallel().Max();
        var buckets = (int)(max - min) + 1;
        var parts = Math.Clamp(Environment.ProcessorCount, 1, 8);
        var hist = new int[parts][];
        var n = Count;
        Parallel.For(0, parts, p =>
        {
            var h = hist[p] = new int[buckets];
            for (var i = (int)((long)n * p / parts); i < (int)((long)n * (p + 1) / parts); i++)
            {
                h[Times[i] - min]++;
            }
        });
        var pos = 0;
        for (var b = 0; b < buckets; b++)
        {
            for (var p = 0; p < parts; p++)
            {
                var c = hist[p][b];
                hist[p][b] = pos;
                pos += c;
            }
        }
        var res = GC.AllocateUninitializedArray<int>(n);
        var ven = GC.AllocateUninitializedArray<int>(n);
        var tim = GC.AllocateUninitializedArray<uint>(n);
        Parallel.For(0, parts, p =>
        {
            var cursor = hist[p];
            for (var i = (int)((long)n * p / parts); i < (int)((long)n * (p + 1) / parts); i++)
            {
                var at = cursor[Times[i] - min]++;
                res[at] = Residents[i];
                ven[at] = Venues[i];
                tim[at] = Times[i];
            }
        });
        return new TraceCity { Residents = res, Venues = ven, Times = tim, Count = n, Days = Days, ZipfExponent = ZipfExponent, ResidentCount = ResidentCount, VenueCount = VenueCount };
    }
}
