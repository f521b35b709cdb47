using CityBrain.Domain.Tracing;

namespace CityBrain.Domain.Tests.Tracing;

/// <summary>The build's two scatter helpers against the plain loops they replace.</summary>
public sealed class BuildScatterTests
{
    /// <summary>
    /// Several writers, each with its own buffer, scatter random values into per-bucket ranges of one array, the way the
    /// build partitions rows: the result must equal writing each value directly. Destinations start at every
    /// alignment within a cache line, buckets are empty, tiny (inside one line, shared with neighbours) and long.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(7, 3, 1)]
    [InlineData(37, 3, 2)]
    [InlineData(300, 4, 3)]
    public void LineBuffer_ScattersLikeDirectWrites(int buckets, int writers, int seed)
    {
        Scatter<ulong>(buckets, writers, seed, r => (ulong)r.NextInt64());
        Scatter<uint>(buckets, writers, seed, r => (uint)r.Next());
        Scatter<ushort>(buckets, writers, seed, r => (ushort)r.Next(65536));
        Scatter<Three>(buckets, writers, seed, r => new Three(r.NextInt64(), r.NextInt64(), r.NextInt64())); // a trace's 24-byte hits
    }

    private readonly record struct Three(long A, long B, long C);

    private static unsafe void Scatter<T>(int buckets, int writers, int seed, Func<Random, T> value) where T : unmanaged, IEquatable<T>
    {
        var line = 64 / Math.Min(64, sizeof(T) & -sizeof(T)); // values per block: every alignment within it
        for (var shift = 0; shift < line; shift++)
        {
            var rng = new Random((seed * 100) + shift);
            var values = new (int Bucket, T Value)[writers][];
            for (var w = 0; w < writers; w++)
            {
                // Skewed: bucket 0 gets many values, others few or none.
                values[w] = [.. Enumerable.Range(0, rng.Next(0, 2000)).Select(_ => (rng.Next(3) == 0 ? 0 : rng.Next(buckets), value(rng)))];
            }
            var cursors = new int[writers][];
            for (var w = 0; w < writers; w++)
            {
                cursors[w] = new int[buckets];
                foreach (var (b, _) in values[w])
                {
                    cursors[w][b]++;
                }
            }
            var pos = 0;
            for (var b = 0; b < buckets; b++)
            {
                for (var w = 0; w < writers; w++)
                {
                    var n = cursors[w][b];
                    cursors[w][b] = pos;
                    pos += n;
                }
            }
            var expected = new T[pos];
            var direct = cursors.Select(c => (int[])c.Clone()).ToArray();
            for (var w = 0; w < writers; w++)
            {
                foreach (var (b, v) in values[w])
                {
                    expected[direct[w][b]++] = v;
                }
            }
            var actual = GC.AllocateArray<T>(pos + shift + line, pinned: true);
            var sentinel = value(rng);
            actual.AsSpan().Fill(sentinel);
            fixed (T* start = actual)
            {
                var dest = start + shift;
                Parallel.For(0, writers, w =>
                {
                    var cursor = cursors[w];
                    var first = (int[])cursor.Clone();
                    var buffer = new LineBuffer<T>(dest, buckets);
                    try
                    {
                        foreach (var (b, v) in values[w])
                        {
                            buffer.Put(b, cursor[b]++, v, first[b]);
                        }
                        for (var b = 0; b < buckets; b++)
                        {
                            buffer.Drain(b, first[b], cursor[b]);
                        }
                    }
                    finally
                    {
                        buffer.Dispose();
                    }
                });
            }
            Assert.Equal(expected, actual.AsSpan(shift, pos).ToArray());
            // Nothing written outside the ranges.
            Assert.All(actual.AsSpan(0, shift).ToArray(), x => Assert.Equal(sentinel, x));
            Assert.All(actual.AsSpan(shift + pos).ToArray(), x => Assert.Equal(sentinel, x));
        }
    }

    /// <summary>
    /// The range sort is a stable sort by check-in time, for spans of one to three radix passes and for sorted input,
    /// and counts the stays per (tier, venue).
    /// </summary>
    [Theory]
    [InlineData(0)]            // all at one second
    [InlineData(2_000)]        // one pass
    [InlineData(1_209_600)]    // two weeks: two passes
    [InlineData(int.MaxValue)] // three passes
    public void RangeScratch_SortsStablyByTime(int span)
    {
        var rng = new Random(span);
        var scratch = new RangeScratch();
        foreach (var n in new[] { 0, 1, 2, 5, 1000, 20_000 })
        {
            var stays = new ulong[n];
            var durations = new int[n];
            var venues = new ushort[n];
            for (var i = 0; i < n; i++)
            {
                // Residents in increasing order, as the build emits them; a few equal times.
                var time = 1_000_000u + (uint)rng.NextInt64(0, (long)span + 1);
                stays[i] = ((ulong)time << 32) | (uint)i;
                durations[i] = rng.Next();
                venues[i] = (ushort)rng.Next(65536);
            }
            var expected = Enumerable.Range(0, n).OrderBy(i => stays[i] >> 32).Select(i => (stays[i], durations[i], venues[i])).ToArray();
            var bits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)span);
            var expectedCounts = new int[IndexBase.TierCount << 16];
            for (var i = 0; i < n; i++)
            {
                expectedCounts[(IndexBase.TierOf((uint)durations[i]) << 16) + venues[i]]++;
            }
            var inScratch = scratch.SortByTime(stays, durations, venues, 1_000_000, bits, 65536);
            Assert.Equal(expectedCounts, scratch.Next);
            var s = inScratch ? scratch.Stays : stays;
            var d = inScratch ? scratch.Durations : durations;
            var v = inScratch ? scratch.Venues : venues;
            Assert.Equal(expected, Enumerable.Range(0, n).Select(i => (s[i], d[i], v[i])).ToArray());
            // Sorted input stays where it is.
            var sorted = expected.Select(e => e.Item1).ToArray();
            Assert.False(scratch.SortByTime(sorted, new int[n], new ushort[n], 1_000_000, bits, 65536));
        }
    }

    /// <summary>
    /// Cities large enough for the build's own paths, against the brute force: the builder sized to exactly the rows
    /// (its arrays then become the index's), several venue ranges cut by their numbers of stays, and times spanning
    /// one, two and three radix digits (folded into 2,000 s; four days; 64 days, with odd residents 60 days later, so
    /// that each half keeps the city's density).
    /// </summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(2_000, 2)]
    [InlineData(60, 3)]
    [InlineData(60, 4)]
    public void Build_ExactlySizedLargeCity_EqualsBruteForce(int stretch, int seed)
    {
        var rng = new Random(seed + 31_000);
        var start = CoPresenceIndexPropertyTests.Midnight - 86_400;
        var data = CoPresenceIndexPropertyTests.RandomCity(rng, 300, 400, 6_000, 0.3, 900)
            .Select(c => c with
            {
                At = stretch switch
                {
                    2_000 => start + ((c.At - start) % 2_000),
                    60 => c.At + (c.Resident % 2 * 60 * 86_400L),
                    _ => c.At,
                },
            })
            .OrderBy(c => c.At).ToList();
        var builder = new CoPresenceIndex.Builder(data.Count);
        data.ForEach(c => builder.Add(c));
        var index = builder.Build();
        var end = data[^1].At;
        for (var query = 0; query < 24; query++)
        {
            var p = query == 0 ? 1 : rng.Next(300);
            var q = new TraceQuery(end - (stretch == 2_000 ? 0 : rng.Next(3) * 86_400L), 1 + rng.Next(28), 900, 1 + (query % 2));
            CoPresenceIndexPropertyTests.AssertSameTrace(data, index, p, q, $"stretch {stretch}, seed {seed}");
        }
    }
}
