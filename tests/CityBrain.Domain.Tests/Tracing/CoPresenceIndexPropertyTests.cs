using CityBrain.Domain.Tracing;

namespace CityBrain.Domain.Tests.Tracing;

/// <summary>
/// The index against <see cref="BruteForceTrace"/> on many seeded random small cities: every field of every contact,
/// degree 1 and 2, with check-outs (including orphan and same-second ones, stays of every duration tier), window edges
/// (exactly w and w + 1 apart), midnight, the days boundary, one person at many venues, and indexes built every way:
/// in one bulk build (shuffled or in time order), bulk then live appends (one by one, in batches, with merges into a
/// new base), only appends, and after retention purges.
/// </summary>
public sealed class CoPresenceIndexPropertyTests
{
    // 2024-03-01T00:00:00+08:00: local midnight, where stays cross days.
    internal const long Midnight = 1_709_222_400;

    public enum Variant { BulkShuffled, BulkTimeOrder, BulkThenAppendOneByOne, BulkThenAppendBatchesWithMerges, AppendOnly, AppendWhileMerging }

    internal static List<Checkin> RandomCity(Random rng, int residents, int venues, int rows, double outShare, int window)
    {
        var list = new List<Checkin>();
        var span = 4 * 86_400;
        var start = Midnight - 86_400;
        long RandomTime() => rng.Next(4) switch
        {
            0 => start + (rng.Next(span / 60) * 60L),                 // on the minute: many ties
            1 => Midnight + rng.Next(-1800, 1800),                    // around midnight
            _ => start + rng.Next(span),
        };
        int Venue() => rng.Next(3) == 0 ? 0 : rng.Next(venues);       // venue 0 is busy
        while (list.Count < rows)
        {
            var r = rng.Next(10) == 0 ? 0 : rng.Next(residents);      // resident 0 goes everywhere
            var roll = rng.NextDouble();
            if (roll < 0.15 && list.Count > 0)
            {
                // Someone else exactly at the window's edge (or one second beyond) of an existing check-in.
                var other = list[rng.Next(list.Count)];
                var delta = (rng.Next(2) == 0 ? window : window + 1) * (rng.Next(2) == 0 ? 1 : -1);
                list.Add(new Checkin(r, other.Venue, Math.Max(start, other.At + delta), rng.Next(5) == 0));
                continue;
            }
            if (roll < 0.22 && list.Count > 0)
            {
                var dup = list[rng.Next(list.Count)];
                list.Add(rng.Next(2) == 0 ? dup : dup with { Resident = r }); // a repeated scan, or someone else at that very second
                continue;
            }
            if (roll < 0.25)
            {
                list.Add(new Checkin(r, Venue(), RandomTime(), true));  // a check-out, often with nothing open
                continue;
            }
            var v = Venue();
            var t = RandomTime();
            list.Add(new Checkin(r, v, t, false));
            if (rng.NextDouble() < outShare)
            {
                long d = rng.Next(8) switch
                {
                    0 => 0,                                  // out in the same second
                    1 => window,
                    2 => rng.Next(600),
                    3 => rng.Next(3_600, 28_800),            // second tier
                    4 => rng.Next(28_801, 200_000),          // the long tier
                    _ => rng.Next(1, 3_600),
                };
                list.Add(new Checkin(r, v, t + d, true));
            }
        }
        return list;
    }

    internal static CoPresenceIndex Build(IReadOnlyList<Checkin> data, Variant variant, Random rng)
    {
        var shuffled = data.OrderBy(_ => rng.Next()).ToList();
        switch (variant)
        {
            case Variant.BulkShuffled:
            {
                var b = new CoPresenceIndex.Builder();
                shuffled.ForEach(c => b.Add(c));
                return b.Build();
            }
            case Variant.BulkTimeOrder:
            {
                var b = new CoPresenceIndex.Builder(data.Count);
                foreach (var c in data.OrderBy(c => c.At))
                {
                    b.Add(c);
                }
                return b.Build();
            }
            case Variant.BulkThenAppendOneByOne:
            {
                var b = new CoPresenceIndex.Builder();
                var half = shuffled.Count / 2;
                shuffled.Take(half).ToList().ForEach(c => b.Add(c));
                var index = b.Build();
                index.CompactAfter = long.MaxValue;
                foreach (var c in shuffled.Skip(half))
                {
                    index.Append(c);
                }
                return index;
            }
            case Variant.BulkThenAppendBatchesWithMerges:
            {
                var b = new CoPresenceIndex.Builder();
                var third = shuffled.Count / 3;
                shuffled.Take(third).ToList().ForEach(c => b.Add(c));
                var index = b.Build();
                index.CompactAfter = 1 + rng.Next(40);
                var rest = shuffled.Skip(third).ToArray();
                for (var i = 0; i < rest.Length;)
                {
                    var n = Math.Min(rest.Length - i, 1 + rng.Next(9));
                    index.Append(rest.AsSpan(i, n));
                    i += n;
                }
                return index;
            }
            case Variant.AppendWhileMerging:
            {
                // The server's way: one thread appends while another merges the tail into new bases.
                var b = new CoPresenceIndex.Builder();
                var third = shuffled.Count / 3;
                shuffled.Take(third).ToList().ForEach(c => b.Add(c));
                var index = b.Build();
                index.CompactAfter = long.MaxValue;
                var rest = shuffled.Skip(third).ToArray();
                var done = 0;
                var merger = Task.Run(() =>
                {
                    while (Volatile.Read(ref done) == 0)
                    {
                        index.Compact();
                    }
                });
                foreach (var c in rest)
                {
                    index.Append(c);
                }
                Volatile.Write(ref done, 1);
                merger.GetAwaiter().GetResult();
                return index;
            }
            default:
            {
                var index = CoPresenceIndex.Empty;
                index.CompactAfter = long.MaxValue;
                shuffled.ForEach(c => index.Append(c));
                return index;
            }
        }
    }

    internal static void AssertSameTrace(IReadOnlyList<Checkin> data, CoPresenceIndex index, int p, TraceQuery q, string context)
    {
        var expected = BruteForceTrace.Trace(data, p, q);
        var actual = index.Trace(p, q);
        Assert.Equal(p, actual.Case);
        Assert.Equal(q, actual.Query);
        var expectedStays = BruteForceTrace.Trajectory(data, p, q.At - (q.Days * 86_400L), q.At);
        Assert.True(expectedStays.SequenceEqual(actual.CaseStays), $"{context}: case stays differ");
        if (!expected.SequenceEqual(actual.Contacts))
        {
            var missing = expected.Except(actual.Contacts).Take(3);
            var extra = actual.Contacts.Except(expected).Take(3);
            Assert.Fail($"{context}: {expected.Count} expected, {actual.Contacts.Count} found; expected but not found: {string.Join("; ", missing)}; found but not expected: {string.Join("; ", extra)}");
        }
    }

    [Theory]
    [InlineData(Variant.BulkShuffled, 0.0, 900)]
    [InlineData(Variant.BulkShuffled, 0.5, 900)]
    [InlineData(Variant.BulkShuffled, 0.5, 0)]
    [InlineData(Variant.BulkTimeOrder, 0.5, 60)]
    [InlineData(Variant.BulkThenAppendOneByOne, 0.5, 900)]
    [InlineData(Variant.BulkThenAppendOneByOne, 0.0, 300)]
    [InlineData(Variant.BulkThenAppendBatchesWithMerges, 0.5, 900)]
    [InlineData(Variant.AppendOnly, 0.5, 900)]
    [InlineData(Variant.AppendWhileMerging, 0.5, 900)]
    [InlineData(Variant.AppendOnly, 0.9, 0)]
    public void Trace_RandomCities_EqualsBruteForce(Variant variant, double outShare, int window)
    {
        var found = new int[3];
        for (var seed = 0; seed < 250; seed++)
        {
            var rng = new Random((seed * 7919) + (int)variant);
            var residents = 2 + rng.Next(25);
            var venues = 1 + rng.Next(6);
            var data = RandomCity(rng, residents, venues, 10 + rng.Next(160), outShare, window);
            var index = Build(data, variant, rng);
            Assert.Equal(data.Count, index.Count);
            for (var query = 0; query < 6; query++)
            {
                var p = query == 0 ? 0 : rng.Next(residents);
                var days = 1 + rng.Next(3);
                // At: a check-in time, or chosen so that a check-in lies exactly on the days boundary.
                var pick = data[rng.Next(data.Count)].At;
                var at = rng.Next(3) switch { 0 => pick, 1 => pick + (days * 86_400L), _ => Midnight + rng.Next(-86_400, 3 * 86_400) };
                var q = new TraceQuery(at, days, window, 1 + (query % 2));
                AssertSameTrace(data, index, p, q, $"seed {seed}, query {query}, {variant}, case {p}, {q}");
                foreach (var c in index.Trace(p, q).Contacts)
                {
                    found[c.Degree]++;
                }
            }
        }
        // The cities are dense enough that the comparison is about real contacts of both degrees.
        Assert.True(found[1] > 1000 && found[2] > 300, $"only {found[1]} first- and {found[2]} second-degree contacts");
    }

    [Theory]
    [InlineData(Variant.BulkShuffled, 0.5, 900)]
    [InlineData(Variant.BulkTimeOrder, 0.0, 60)]
    [InlineData(Variant.BulkThenAppendBatchesWithMerges, 0.5, 900)]
    [InlineData(Variant.AppendOnly, 0.9, 0)]
    public void Trace_EveryTraceOnAllWorkers_EqualsBruteForce(Variant variant, double outShare, int window)
    {
        // Large traces scan venues and sum buckets on several workers; with the thresholds at 0 these small cities
        // take that path too (other tests running meanwhile do as well, which must not change their answers either).
        var (windows, hits) = (TraceRun.ParallelWindows, TraceRun.ParallelHits);
        TraceRun.ParallelWindows = 0;
        TraceRun.ParallelHits = 0;
        TraceRun.RoundRobin = true;
        try
        {
            for (var seed = 0; seed < 150; seed++)
            {
                var rng = new Random((seed * 6007) + (int)variant);
                var residents = 2 + rng.Next(25);
                var data = RandomCity(rng, residents, 1 + rng.Next(6), 10 + rng.Next(160), outShare, window)
                    .Select(c => rng.Next(2) == 0 ? c : c with { Resident = (c.Resident * 4_099) + 3 }).ToList(); // several buckets
                var index = Build(data, variant, rng);
                for (var query = 0; query < 6; query++)
                {
                    var p = data[rng.Next(data.Count)].Resident;
                    var days = 1 + rng.Next(3);
                    var q = new TraceQuery(data[rng.Next(data.Count)].At + rng.Next(86_400), days, window, 1 + (query % 2));
                    AssertSameTrace(data, index, p, q, $"seed {seed}, query {query}, {variant}, all workers");
                }
            }
        }
        finally
        {
            (TraceRun.ParallelWindows, TraceRun.ParallelHits, TraceRun.RoundRobin) = (windows, hits, false);
        }
    }

    [Theory]
    [InlineData(Variant.BulkShuffled)]
    [InlineData(Variant.BulkTimeOrder)]
    [InlineData(Variant.BulkThenAppendBatchesWithMerges)]
    public void Trace_LargeSparseKeys_EqualsBruteForce(Variant variant)
    {
        // Keys spread up to ~1,000,000: the bulk build's radix passes then cut keys into multi-key buckets.
        for (var seed = 0; seed < 40; seed++)
        {
            var rng = new Random(seed + 9000);
            var data = RandomCity(rng, 40, 8, 300, 0.5, 900)
                .Select(c => c with { Resident = (c.Resident * 24_989) + 7, Venue = (c.Venue * 130_003) + 11 }).ToList();
            var index = Build(data, variant, rng);
            for (var query = 0; query < 4; query++)
            {
                var p = (rng.Next(40) * 24_989) + 7;
                var q = new TraceQuery(data[rng.Next(data.Count)].At + rng.Next(86_400), 1 + rng.Next(3), 900, 1 + (query % 2));
                AssertSameTrace(data, index, p, q, $"seed {seed}, sparse keys, {variant}");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RemoveBefore_RandomCities_EqualsFreshBuildOfTheRest(bool withTail)
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var rng = new Random(seed + 1000);
            var data = RandomCity(rng, 2 + rng.Next(20), 1 + rng.Next(5), 20 + rng.Next(150), 0.5, 900);
            var index = Build(data, withTail ? Variant.BulkThenAppendOneByOne : Variant.BulkShuffled, rng);
            var cutoff = data[rng.Next(data.Count)].At;
            var removed = index.RemoveBefore(cutoff);
            var kept = data.Where(c => c.At >= cutoff).ToList();
            Assert.Equal(data.Count - kept.Count, removed);
            Assert.Equal(kept.Count, index.Count);
            Assert.Equal(0, index.RemoveBefore(cutoff));
            for (var query = 0; query < 6; query++)
            {
                var q = new TraceQuery(cutoff + rng.Next(0, 2 * 86_400), 1 + rng.Next(3), 900, 1 + (query % 2));
                AssertSameTrace(kept, index, query == 0 ? 0 : rng.Next(20), q, $"seed {seed} after purge at {cutoff}");
            }
            // And appends after the purge still agree.
            var more = RandomCity(rng, 10, 3, 30, 0.5, 900).Where(c => c.At >= cutoff).ToList();
            foreach (var c in more)
            {
                index.Append(c);
            }
            kept.AddRange(more);
            AssertSameTrace(kept, index, 0, new TraceQuery(cutoff + 86_400, 2, 900, 2), $"seed {seed} purge then append");
        }
    }

    [Fact]
    public void Trajectory_RandomCities_EqualsBruteForce()
    {
        for (var seed = 0; seed < 30; seed++)
        {
            var rng = new Random(seed + 5000);
            var data = RandomCity(rng, 8, 4, 120, 0.5, 900);
            var index = Build(data, (Variant)(seed % 5), rng);
            for (var r = 0; r < 8; r++)
            {
                var from = Midnight - 40_000 + rng.Next(80_000);
                var to = from + rng.Next(200_000);
                Assert.Equal(BruteForceTrace.Trajectory(data, r, from, to), index.Trajectory(r, from, to));
            }
        }
    }

    [Fact]
    public async Task Trace_ConcurrentReadersWhileAppending_EachReadIsAConsistentSnapshot()
    {
        var rng = new Random(42);
        var data = RandomCity(rng, 30, 4, 1500, 0.3, 900).OrderBy(c => c.At).ToList();
        var b = new CoPresenceIndex.Builder();
        data.Take(500).ToList().ForEach(c => b.Add(c));
        var index = b.Build();
        index.CompactAfter = 300;
        var at = data[^1].At;
        var q = new TraceQuery(at, 5, 900, 2);
        // A reader's answer must equal the brute force over some prefix the writer had published.
        var answers = new System.Collections.Concurrent.ConcurrentBag<(long Count, TraceResult Result)>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var snapshot = index.Snapshot;
                var count = snapshot.Base.Count + snapshot.Count;
                Thread.Yield(); // let the writer move on: the snapshot must not change under the reader
                answers.Add((count, CoPresenceIndex.Trace(snapshot, 0, q)));
            }
        })).ToArray();
        await Task.Run(() =>
        {
            Assert.True(SpinWait.SpinUntil(() => !answers.IsEmpty, TimeSpan.FromSeconds(30)));
            foreach (var c in data.Skip(500))
            {
                index.Append(c);
                var seen = answers.Count;
                SpinWait.SpinUntil(() => answers.Count > seen, TimeSpan.FromMilliseconds(2));
            }
        });
        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.NotEmpty(answers);
        Assert.True(answers.Select(a => a.Count).Distinct().Count() > 5, "readers saw too few states");
        foreach (var (count, result) in answers.DistinctBy(a => a.Count).Take(25))
        {
            var expected = BruteForceTrace.Trace(data.Take((int)count).ToList(), 0, q);
            Assert.Equal(expected, result.Contacts);
        }
        Assert.Equal(BruteForceTrace.Trace(data, 0, q), index.Trace(0, q).Contacts);
    }
}
