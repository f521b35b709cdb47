namespace CityBrain.Domain.Tracing;

/// <summary>
/// Stays of one duration class at every venue, CSR: the stays of venue v are
/// <c>Entries[Offsets[v]..Offsets[v+1]]</c> (<c>in &lt;&lt; 32 | resident</c>, sorted by check-in time), with their
/// durations alongside (<see cref="Durations"/>, absent for the point tier) and the longest duration per venue, which
/// bounds how far back a scan for stays overlapping a moment has to start.
/// </summary>
internal sealed class StayTier(int[] offsets, ulong[] entries, uint[]? durations, uint[]? maxDuration)
{
    public readonly int[] Offsets = offsets;
    public readonly ulong[] Entries = entries;
    public readonly uint[]? Durations = durations;
    public readonly uint[]? MaxDuration = maxDuration;

    public long Bytes => (Offsets.LongLength * 4) + (Entries.LongLength * 8) + ((Durations?.LongLength ?? 0) * 4) + ((MaxDuration?.LongLength ?? 0) * 4);

    public long EntryBytes => (Entries.LongLength * 8) + ((Durations?.LongLength ?? 0) * 4);
}

/// <summary>
/// The immutable compact base of the index.
/// <para>By resident: every check-in of resident r is in <c>ResEntries[ResOffsets[r]..ResOffsets[r+1]]</c>, one ulong
/// each (<see cref="Packing.Event"/>), time-sorted: the source of truth from which stays are paired.</para>
/// <para>By venue: the stays, paired once at build time and split into tiers by duration: points (no check-out, or a
/// check-out in the same second), up to 1 hour, up to 8 hours, longer. Each tier is time-sorted per venue, so a
/// search for stays meeting [A, B] reads tier entries with check-in in [A − longest duration of that tier at the venue,
/// B]: the point tier reads exactly [A, B], and a few very long stays do not widen the scans of the short ones.</para>
/// <para>Memory per check-in: 8 bytes by resident, plus 8 bytes per point stay (one check-in) or 12 bytes per stay
/// with check-out (two check-ins): at most 16 bytes per check-in, plus the offset arrays.</para>
/// </summary>
internal sealed class IndexBase
{
    public const int TierCount = 4;
    private const uint HourLimit = 3_600, EightHourLimit = 28_800;

    public readonly int[] ResOffsets;
    public readonly ulong[] ResEntries;
    public readonly StayTier[] Tiers;
    public readonly uint MinTime;

    private IndexBase(int[] resOffsets, ulong[] resEntries, StayTier[] tiers, uint minTime)
    {
        ResOffsets = resOffsets;
        ResEntries = resEntries;
        Tiers = tiers;
        MinTime = minTime;
    }

    public static readonly IndexBase Empty = new([0], [], [.. Enumerable.Range(0, TierCount).Select(t => new StayTier([0], [], t == 0 ? null : [], t == 0 ? null : []))], uint.MaxValue);

    public int ResidentCapacity => ResOffsets.Length - 1;

    public int VenueCapacity => Tiers[0].Offsets.Length - 1;

    public long Count => ResEntries.LongLength;

    public long Bytes => (ResOffsets.LongLength * 4) + (ResEntries.LongLength * 8) + Tiers.Sum(t => t.Bytes);

    public long EntryBytes => (ResEntries.LongLength * 8) + Tiers.Sum(t => t.EntryBytes);

    public ReadOnlySpan<ulong> EventsOf(int resident) =>
        resident < ResidentCapacity ? ResEntries.AsSpan(ResOffsets[resident], ResOffsets[resident + 1] - ResOffsets[resident]) : default;

    internal static int TierOf(uint duration) => duration == 0 ? 0 : duration <= HourLimit ? 1 : duration <= EightHourLimit ? 2 : 3;

    private static int Workers => Math.Clamp(Environment.ProcessorCount, 1, 64);

    /// <summary>
    /// Builds from raw rows: <paramref name="residents"/>[i] and <paramref name="events"/>[i] (packed) for i &lt;
    /// <paramref name="count"/>, in parallel: (1) the rows transposed to resident order by a stable two-pass radix sort
    /// (input in time order needs no sort afterwards; otherwise each resident's few events are sorted); (2) the venue
    /// side from the resident side (<see cref="WithTiers"/>).
    /// <para>Fresh memory is the build's largest cost: on a virtual machine whose host takes freed pages back, a first
    /// touch costs 0.5–1.2 s of CPU per GiB (2.5–3.2 s with huge pages), more than the sorting itself. So the builder's own arrays are
    /// reused: its events array becomes the resident side when it has the right length, and its residents array holds
    /// the stays' durations while the venue side is built. Besides the index itself, the build touches 10 bytes of
    /// scratch per row.</para>
    /// </summary>
    public static IndexBase Build(int[] residents, ulong[] events, int count, int residentCapacity, int venueCapacity, Action<string>? phaseDone = null)
    {
        if (count == 0)
        {
            return Empty;
        }
        var offsets = LargeArrays.Zeroed<int>(residentCapacity + 1);
        var moved = LargeArrays.Uninitialized<ulong>(count, hugePages: false);  // events partitioned by resident; then the stays partitioned by venue
        var local = LargeArrays.Uninitialized<ushort>(count, hugePages: false); // each one's resident within its bucket; then the stay's venue within its range
        var entries = events.Length == count ? events : LargeArrays.Uninitialized<ulong>(count);
        ByResident(residents, events, count, residentCapacity, offsets, entries, moved, local, phaseDone);
        SortSegments(offsets, entries);
        phaseDone?.Invoke("sort residents' segments");
        return WithTiers(offsets, entries, venueCapacity, moved, residents, local, phaseDone);
    }

    /// <summary>The venue side for a resident side already built (a merge).</summary>
    private static IndexBase FromResidentSide(int[] offsets, ulong[] entries, int venueCapacity)
    {
        var n = entries.Length;
        return WithTiers(offsets, entries, venueCapacity, LargeArrays.Uninitialized<ulong>(n, hugePages: false), LargeArrays.Uninitialized<int>(n, hugePages: false),
            LargeArrays.Uninitialized<ushort>(n, hugePages: false));
    }


    /// <summary>
    /// A new base from this one and the check-ins appended since (<paramref name="tail"/>), without any check-in
    /// before <paramref name="cutoff"/>: a linear merge by resident, then the venue side rebuilt.
    /// </summary>
    public IndexBase Merge(ReadOnlySpan<TailEntry> tail, uint cutoff)
    {
        var resCap = ResidentCapacity;
        var venCap = VenueCapacity;
        var extra = new (int Resident, ulong Event)[tail.Length];
        var m = 0;
        foreach (ref readonly var t in tail)
        {
            if (t.Time < cutoff)
            {
                continue;
            }
            extra[m++] = (t.Resident, t.Event);
            resCap = Math.Max(resCap, t.Resident + 1);
            venCap = Math.Max(venCap, t.Venue + 1);
        }
        Array.Sort(extra, 0, m, Comparer<(int Resident, ulong Event)>.Create(static (x, y) => x.Resident != y.Resident ? x.Resident.CompareTo(y.Resident) : x.Event.CompareTo(y.Event)));
        var extraStart = new int[resCap + 1];
        for (var i = 0; i < m; i++)
        {
            extraStart[extra[i].Resident + 1]++;
        }
        for (var r = 0; r < resCap; r++)
        {
            extraStart[r + 1] += extraStart[r];
        }
        var firstKept = new int[resCap];
        var offsets = new int[resCap + 1];
        var cutKey = (ulong)cutoff << 32;
        long total = 0;
        for (var r = 0; r < resCap; r++)
        {
            offsets[r] = checked((int)total);
            var seg = EventsOf(r);
            var skip = cutoff == 0 ? 0 : LowerBound(seg, cutKey);
            firstKept[r] = skip;
            total += seg.Length - skip + extraStart[r + 1] - extraStart[r];
        }
        if (total > Array.MaxLength)
        {
            throw new InvalidOperationException($"The index holds at most {Array.MaxLength} check-ins.");
        }
        offsets[resCap] = (int)total;
        var entries = LargeArrays.Uninitialized<ulong>((int)total);
        var bounds = ChunkBounds(offsets, Workers * 4);
        Parallel.For(0, bounds.Length - 1, c =>
        {
            for (var r = bounds[c]; r < bounds[c + 1]; r++)
            {
                var seg = EventsOf(r)[firstKept[r]..];
                var add = extra.AsSpan(extraStart[r], extraStart[r + 1] - extraStart[r]);
                var dst = entries.AsSpan(offsets[r], offsets[r + 1] - offsets[r]);
                int i = 0, j = 0, o = 0;
                while (i < seg.Length && j < add.Length)
                {
                    dst[o++] = seg[i] <= add[j].Event ? seg[i++] : add[j++].Event;
                }
                while (i < seg.Length)
                {
                    dst[o++] = seg[i++];
                }
                while (j < add.Length)
                {
                    dst[o++] = add[j++].Event;
                }
            }
        });
        return FromResidentSide(offsets, entries, venCap);
    }

    private static int LowerBound(ReadOnlySpan<ulong> sorted, ulong key)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /// <summary>Resident ranges of about equal numbers of entries.</summary>
    private static int[] ChunkBounds(int[] offsets, int parts)
    {
        var n = offsets.Length - 1;
        var total = (long)offsets[n];
        var bounds = new int[parts + 1];
        for (var c = 1; c < parts; c++)
        {
            var target = total * c / parts;
            int lo = bounds[c - 1], hi = n;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (offsets[mid] < target)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            bounds[c] = lo;
        }
        bounds[parts] = n;
        return bounds;
    }
    /// <summary>Per-part histograms turned into write cursors: part c writes bucket b from <c>cursors[c][b]</c> on, after the parts before it.</summary>
    private static int[] Cursors(int[][] counts, int buckets)
    {
        var bucketStart = new int[buckets + 1];
        var pos = 0;
        for (var b = 0; b < buckets; b++)
        {
            bucketStart[b] = pos;
            foreach (var h in counts)
            {
                var n = h[b];
                h[b] = pos;
                pos += n;
            }
        }
        bucketStart[buckets] = pos;
        return bucketStart;
    }

    /// <summary>
    /// The stable transpose of the rows into resident order, in two passes: rows are partitioned by the high bits of the
    /// resident (about 4,096 buckets; written through <see cref="LineBuffer{T}"/>), then each bucket (4,096 residents
    /// or fewer, under a MiB of events) is counting-sorted on its own. A one-pass counting sort over ten million
    /// residents writes every row to a random place in gigabytes of memory and was five times slower.
    /// </summary>
    private static unsafe void ByResident(int[] residents, ulong[] events, int count, int residentCapacity, int[] offsets, ulong[] entries, ulong[] moved, ushort[] local,
        Action<string>? phaseDone)
    {
        var shift = 0;
        while (((long)residentCapacity >> shift) > 4096 && shift < 16)
        {
            shift++;
        }
        var buckets = (int)(((long)residentCapacity - 1) >> shift) + 1;
        var mask = (1 << shift) - 1;
        var parts = Math.Min(16, Workers * 2);
        var chunk = (count + parts - 1) / parts;
        var cursors = new int[parts][];
        Parallel.For(0, parts, c =>
        {
            var h = cursors[c] = new int[buckets];
            var end = Math.Min(count, (c + 1) * chunk);
            for (var i = c * chunk; i < end; i++)
            {
                h[residents[i] >> shift]++;
            }
        });
        var bucketStart = Cursors(cursors, buckets);
        phaseDone?.Invoke("count by resident");
        Parallel.For(0, parts, c =>
        {
            var cursor = cursors[c];
            var first = (int[])cursor.Clone();
            var end = Math.Min(count, (c + 1) * chunk);
            fixed (ulong* movedAt = moved)
            fixed (ushort* localAt = local)
            {
                var ev = new LineBuffer<ulong>(movedAt, buckets);
                var lo = new LineBuffer<ushort>(localAt, buckets);
                try
                {
                    for (var i = c * chunk; i < end; i++)
                    {
                        var r = residents[i];
                        var b = r >> shift;
                        var p = cursor[b]++;
                        ev.Put(b, p, events[i], first[b]);
                        lo.Put(b, p, unchecked((ushort)(r & mask)), first[b]);
                    }
                    for (var b = 0; b < buckets; b++)
                    {
                        ev.Drain(b, first[b], cursor[b]);
                        lo.Drain(b, first[b], cursor[b]);
                    }
                }
                finally
                {
                    ev.Dispose();
                    lo.Dispose();
                }
            }
        });
        phaseDone?.Invoke("partition by resident");
        Parallel.For(0, buckets, () => new int[1 << shift], (b, _, counts) =>
        {
            var firstResident = b << shift;
            var width = Math.Min(residentCapacity - firstResident, 1 << shift);
            var from = bucketStart[b];
            var to = bucketStart[b + 1];
            counts.AsSpan(0, width).Clear();
            for (var q = from; q < to; q++)
            {
                counts[local[q]]++;
            }
            var p = from;
            for (var j = 0; j < width; j++)
            {
                offsets[firstResident + j] = p;
                var n = counts[j];
                counts[j] = p;
                p += n;
            }
            for (var q = from; q < to; q++)
            {
                entries[counts[local[q]]++] = moved[q];
            }
            return counts;
        }, _ => { });
        offsets[residentCapacity] = count;
        phaseDone?.Invoke("sort each resident bucket");
    }

    private static void SortSegments(int[] offsets, ulong[] entries)
    {
        var bounds = ChunkBounds(offsets, Workers * 4);
        Parallel.For(0, bounds.Length - 1, c =>
        {
            for (var r = bounds[c]; r < bounds[c + 1]; r++)
            {
                var seg = entries.AsSpan(offsets[r], offsets[r + 1] - offsets[r]);
                for (var i = 1; i < seg.Length; i++)
                {
                    if (seg[i] < seg[i - 1])
                    {
                        seg.Sort();
                        break;
                    }
                }
            }
        });
    }

    /// <summary>
    /// The venue side from the resident side, in parallel:
    /// (1) check-ins counted per group of 64 venues, and the venues cut into ranges of about equal numbers of stays (a
    /// very busy venue makes a range of its own, so the ranges balance across threads);
    /// (2) each resident's stays paired (in cache: a resident's events are together) and partitioned by venue range in
    /// resident order, through <see cref="LineBuffer{T}"/>: the stay (<see cref="Packing.StayEntry"/>) to
    /// <paramref name="stays"/>, its duration to <paramref name="durations"/>, its venue within the range to
    /// <paramref name="venueLocal"/> (scratch arrays of at least as many elements as there are stays), counting the
    /// stays per range and tier;
    /// (3) per range, in cache: the stays sorted by time (<see cref="RangeScratch"/>), counted per tier and venue, and
    /// scattered into the tiers at the range's place, which leaves every venue's segments sorted by (time, resident),
    /// with each venue's longest stay per tier.
    /// </summary>
    private static unsafe IndexBase WithTiers(int[] offsets, ulong[] entries, int venueCapacity, ulong[] stays, int[] durations, ushort[] venueLocal,
        Action<string>? phaseDone = null)
    {
        const int GroupShift = 6;
        var bounds = ChunkBounds(offsets, Math.Min(16, Workers * 2));
        var parts = bounds.Length - 1;
        var groups = ((venueCapacity - 1) >> GroupShift) + 1;
        var perGroup = new long[groups];
        Parallel.For(0, parts, () => new long[groups], (c, _, h) =>
        {
            var end = offsets[bounds[c + 1]];
            for (var k = offsets[bounds[c]]; k < end; k++)
            {
                var e = entries[k];
                if (!Packing.IsOut(e))
                {
                    h[Packing.Id(e) >> GroupShift]++;
                }
            }
            return h;
        }, h =>
        {
            lock (perGroup)
            {
                for (var i = 0; i < groups; i++)
                {
                    perGroup[i] += h[i];
                }
            }
        });
        // Ranges of whole groups with about equal numbers of stays, at most 65,536 venues each (a venue within its range
        // is a ushort).
        var target = Math.Max(1024, perGroup.Sum() / 2048);
        var firstVenues = new List<int> { 0 };
        long inRange = 0;
        for (var i = 0; i < groups; i++)
        {
            var v = i << GroupShift;
            if (v > firstVenues[^1] && (inRange >= target || v - firstVenues[^1] + (1 << GroupShift) > 65536))
            {
                firstVenues.Add(v);
                inRange = 0;
            }
            inRange += perGroup[i];
        }
        var ranges = firstVenues.Count;
        firstVenues.Add(venueCapacity);
        var firstVenue = firstVenues.ToArray();
        var rangeOfGroup = new int[groups];
        for (var g = 0; g < ranges; g++)
        {
            for (var i = firstVenue[g] >> GroupShift; i <= (firstVenue[g + 1] - 1) >> GroupShift; i++)
            {
                rangeOfGroup[i] = g;
            }
        }
        var cursors = new int[parts][];
        Parallel.For(0, parts, c =>
        {
            var h = cursors[c] = new int[ranges];
            var end = offsets[bounds[c + 1]];
            for (var k = offsets[bounds[c]]; k < end; k++)
            {
                var e = entries[k];
                if (!Packing.IsOut(e))
                {
                    h[rangeOfGroup[Packing.Id(e) >> GroupShift]]++;
                }
            }
        });
        var rangeStart = Cursors(cursors, ranges);
        phaseDone?.Invoke("count by venue");
        var minTimes = new uint[parts];
        var rangeTimes = new (uint Min, uint Max)[parts][]; // per part: the earliest and latest check-in per range
        var tierCounts = new int[parts][]; // per part: stays per (range, tier)
        Parallel.For(0, parts, c =>
        {
            var cursor = cursors[c];
            var first = (int[])cursor.Clone();
            var perTier = tierCounts[c] = new int[ranges * TierCount];
            var match = new int[256];
            var min = uint.MaxValue;
            var times = rangeTimes[c] = new (uint, uint)[ranges];
            times.AsSpan().Fill((uint.MaxValue, 0));
            fixed (ulong* staysAt = stays)
            fixed (int* durationsAt = durations)
            fixed (ushort* venuesAt = venueLocal)
            {
                var so = new LineBuffer<ulong>(staysAt, ranges);
                var du = new LineBuffer<uint>((uint*)durationsAt, ranges);
                var vo = new LineBuffer<ushort>(venuesAt, ranges);
                try
                {
                    for (var r = bounds[c]; r < bounds[c + 1]; r++)
                    {
                        var start = offsets[r];
                        var seg = entries.AsSpan(start, offsets[r + 1] - start);
                        if (seg.IsEmpty)
                        {
                            continue;
                        }
                        min = Math.Min(min, Packing.Time(seg[0]));
                        var anyOut = false;
                        foreach (var e in seg)
                        {
                            anyOut |= Packing.IsOut(e);
                        }
                        if (anyOut)
                        {
                            if (match.Length < seg.Length)
                            {
                                match = new int[Math.Max(seg.Length, match.Length * 2)];
                            }
                            StayPairing.Pair(seg, match);
                        }
                        for (var i = 0; i < seg.Length; i++)
                        {
                            var e = seg[i];
                            if (Packing.IsOut(e))
                            {
                                continue;
                            }
                            var v = Packing.Id(e);
                            var g = rangeOfGroup[v >> GroupShift];
                            var p = cursor[g]++;
                            var f = first[g];
                            var time = Packing.Time(e);
                            var d = anyOut && match[i] >= 0 ? Packing.Time(seg[match[i]]) - time : 0u;
                            perTier[(g * TierCount) + TierOf(d)]++;
                            ref var span = ref times[g];
                            span.Min = Math.Min(span.Min, time);
                            span.Max = Math.Max(span.Max, time);
                            so.Put(g, p, Packing.StayEntry(time, r), f);
                            du.Put(g, p, d, f);
                            vo.Put(g, p, unchecked((ushort)(v - firstVenue[g])), f);
                        }
                    }
                    for (var g = 0; g < ranges; g++)
                    {
                        so.Drain(g, first[g], cursor[g]);
                        du.Drain(g, first[g], cursor[g]);
                        vo.Drain(g, first[g], cursor[g]);
                    }
                }
                finally
                {
                    so.Dispose();
                    du.Dispose();
                    vo.Dispose();
                }
            }
            minTimes[c] = min;
        });
        var minTime = minTimes.Length == 0 ? uint.MaxValue : minTimes.Min();
        phaseDone?.Invoke("pair and partition by venue");
        // Each range's place in each tier: the stays of the ranges before it.
        var tierBase = new int[(ranges + 1) * TierCount];
        for (var t = 0; t < TierCount; t++)
        {
            var pos = 0;
            for (var g = 0; g < ranges; g++)
            {
                tierBase[(g * TierCount) + t] = pos;
                foreach (var h in tierCounts)
                {
                    pos += h[(g * TierCount) + t];
                }
            }
            tierBase[(ranges * TierCount) + t] = pos;
        }
        var tierOffsets = new int[TierCount][];
        var tierEntries = new ulong[TierCount][];
        var tierDurations = new uint[TierCount][];
        var maxDur = new uint[TierCount][];
        for (var t = 0; t < TierCount; t++)
        {
            var size = tierBase[(ranges * TierCount) + t];
            tierOffsets[t] = new int[venueCapacity + 1];
            tierOffsets[t][venueCapacity] = size;
            // Ordinary pages: huge ones cost seconds more to fault in here and made no difference to the traces.
            tierEntries[t] = LargeArrays.Uninitialized<ulong>(size, hugePages: false);
            tierDurations[t] = t == 0 ? [] : LargeArrays.Uninitialized<uint>(size, hugePages: false);
            maxDur[t] = t == 0 ? [] : new uint[venueCapacity];
        }
        Parallel.For(0, ranges, () => new RangeScratch(), (g, _, scratch) =>
        {
            var from = rangeStart[g];
            var n = rangeStart[g + 1] - from;
            var fv = firstVenue[g];
            var width = firstVenue[g + 1] - fv;
            // The stays came in resident order: sort the range by time (stable, so ties stay in resident order), then
            // scatter it by (tier, venue), which leaves every venue's segments sorted by (time, resident).
            // Each range's own span of check-in times sets the radix digits (one stray time elsewhere costs no pass here).
            var (lo, hi) = (uint.MaxValue, 0u);
            foreach (var times in rangeTimes)
            {
                lo = Math.Min(lo, times[g].Min);
                hi = Math.Max(hi, times[g].Max);
            }
            var bits = n == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount(hi - lo);
            var inScratch = scratch.SortByTime(stays.AsSpan(from, n), durations.AsSpan(from, n), venueLocal.AsSpan(from, n), lo, bits, width);
            ReadOnlySpan<ulong> s = inScratch ? scratch.Stays.AsSpan(0, n) : stays.AsSpan(from, n);
            ReadOnlySpan<int> d = inScratch ? scratch.Durations.AsSpan(0, n) : durations.AsSpan(from, n);
            ReadOnlySpan<ushort> v = inScratch ? scratch.Venues.AsSpan(0, n) : venueLocal.AsSpan(from, n);
            var next = scratch.Next; // stays per (tier, venue), counted by the sort
            for (var t = 0; t < TierCount; t++)
            {
                var pos = tierBase[(g * TierCount) + t];
                var off = tierOffsets[t];
                for (var j = 0; j < width; j++)
                {
                    off[fv + j] = pos;
                    var k = next[(t << 16) + j];
                    next[(t << 16) + j] = pos;
                    pos += k;
                }
            }
            var points = tierEntries[0];
            for (var q = 0; q < n; q++)
            {
                var dq = unchecked((uint)d[q]);
                if (dq == 0)
                {
                    points[next[v[q]]++] = s[q];
                    continue;
                }
                var t = TierOf(dq);
                var local = v[q];
                var p = next[(t << 16) + local]++;
                tierEntries[t][p] = s[q];
                tierDurations[t][p] = dq;
                ref var max = ref maxDur[t][fv + local];
                max = Math.Max(max, dq);
            }
            return scratch;
        }, _ => { });
        phaseDone?.Invoke("sort each venue range into the tiers");
        var tiers = new StayTier[TierCount];
        for (var t = 0; t < TierCount; t++)
        {
            tiers[t] = new StayTier(tierOffsets[t], tierEntries[t], t == 0 ? null : tierDurations[t], t == 0 ? null : maxDur[t]);
        }
        return new IndexBase(offsets, entries, tiers, minTime);
    }
}

/// <summary>
/// A thread's scratch for one venue range of the build: a stable LSD radix sort of the range's stays by check-in time
/// (digits of up to 11 bits over the range's span of times: two passes for two weeks), whose first read also counts the
/// stays per (tier, venue) for the scatter into the tiers (<see cref="Next"/>).
/// </summary>
internal sealed class RangeScratch
{
    private const int DigitBits = 11;
    private readonly int[] _counts = new int[3 << DigitBits];

    public ulong[] Stays { get; private set; } = [];
    public int[] Durations { get; private set; } = [];
    public ushort[] Venues { get; private set; } = [];

    /// <summary>After <see cref="SortByTime"/>: the stays of tier t at venue j of the range in <c>Next[(t &lt;&lt; 16) + j]</c>.</summary>
    public int[] Next { get; } = new int[IndexBase.TierCount << 16];

    /// <summary>
    /// Sorts by time, all of whose values lie in [<paramref name="min"/>, min + 2^<paramref name="bits"/>), and counts
    /// the stays per (tier, venue) for venues below <paramref name="width"/>. Returns whether the sorted stays are in
    /// this scratch's arrays (else in the arguments' memory, already sorted).
    /// </summary>
    public bool SortByTime(Span<ulong> stays, Span<int> durations, Span<ushort> venues, uint min, int bits, int width)
    {
        var n = stays.Length;
        for (var t = 0; t < IndexBase.TierCount; t++)
        {
            Next.AsSpan(t << 16, width).Clear();
        }
        var passes = Math.Max(1, (bits + DigitBits - 1) / DigitBits);
        var digit = Math.Max(1, (bits + passes - 1) / passes);
        var mask = (1u << digit) - 1;
        var shift2 = passes > 2 ? 2 * digit : 31; // a third digit only for spans over 2^22 seconds
        var counts = _counts.AsSpan(0, 3 << DigitBits);
        counts.Clear();
        var c0 = counts[..(1 << DigitBits)];
        var c1 = counts.Slice(1 << DigitBits, 1 << DigitBits);
        var c2 = counts.Slice(2 << DigitBits, 1 << DigitBits);
        var next = Next;
        var sorted = true;
        var previous = 0u;
        for (var q = 0; q < n; q++)
        {
            var t = Packing.Time(stays[q]) - min;
            c0[(int)(t & mask)]++;
            c1[(int)((t >> digit) & mask)]++;
            c2[(int)((t >> shift2) & mask)]++;
            sorted &= t >= previous;
            previous = t;
            next[(IndexBase.TierOf(unchecked((uint)durations[q])) << 16) + venues[q]]++;
        }
        if (sorted)
        {
            return false;
        }
        if (Stays.Length < n)
        {
            var size = Math.Max(n, Stays.Length * 2);
            Stays = GC.AllocateUninitializedArray<ulong>(size);
            Durations = GC.AllocateUninitializedArray<int>(size);
            Venues = GC.AllocateUninitializedArray<ushort>(size);
        }
        Span<ulong> s = stays, s2 = Stays.AsSpan(0, n);
        Span<int> d = durations, d2 = Durations.AsSpan(0, n);
        Span<ushort> v = venues, v2 = Venues.AsSpan(0, n);
        for (var pass = 0; pass < passes; pass++)
        {
            var shift = pass * digit;
            var c = counts.Slice(pass << DigitBits, 1 << DigitBits);
            var pos = 0;
            for (var k = 0; k <= (int)mask; k++)
            {
                var m = c[k];
                c[k] = pos;
                pos += m;
            }
            for (var q = 0; q < n; q++)
            {
                var e = s[q];
                var at = c[(int)(((Packing.Time(e) - min) >> shift) & mask)]++;
                s2[at] = e;
                d2[at] = d[q];
                v2[at] = v[q];
            }
            var ts = s; s = s2; s2 = ts;
            var td = d; d = d2; d2 = td;
            var tv = v; v = v2; v2 = tv;
        }
        return passes % 2 == 1;
    }
}

/// <summary>A check-in appended since the base was built, linked to the previous one of its venue and resident.</summary>
internal readonly struct TailEntry(int resident, int venue, ulong @event, int prevByVenue, int prevByResident)
{
    public readonly int Resident = resident;
    public readonly int Venue = venue;
    public readonly ulong Event = @event;
    public readonly int PrevByVenue = prevByVenue;
    public readonly int PrevByResident = prevByResident;

    public uint Time => Packing.Time(Event);
}
