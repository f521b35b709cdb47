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
    private static readonly uint[] TierLimit = [0, 3_600, 28_800, uint.MaxValue];

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

    private static int TierOf(uint duration) => duration == 0 ? 0 : duration <= TierLimit[1] ? 1 : duration <= TierLimit[2] ? 2 : 3;

    private static int Workers => Math.Clamp(Environment.ProcessorCount, 1, 64);

    /// <summary>
    /// Builds from raw rows: <paramref name="residents"/>[i] and <paramref name="events"/>[i] (packed) for i &lt;
    /// <paramref name="count"/>. (1) A parallel, stable counting sort by resident, remembering each row's position
    /// (so input in time order needs no sort afterwards; otherwise each resident's few events are sorted); (2) each
    /// resident's stays paired, the duration written back to the row of the check-in; (3) the stays scattered by venue
    /// in the order of the input rows, so input in time order (what the database gives) leaves every venue's stays
    /// already sorted by time, and only other orders pay for sorting them.
    /// </summary>
    public static IndexBase Build(int[] residents, ulong[] events, int count, int residentCapacity, int venueCapacity)
    {
        if (count == 0)
        {
            return Empty;
        }
        // Scratch arrays, each used by two phases (fresh gigabytes cost page faults, and the garbage waits for a full GC).
        var offsets = LargeArrays.Zeroed<int>(residentCapacity + 1);
        var entries = LargeArrays.Uninitialized<ulong>(count);
        var rowOf = LargeArrays.Uninitialized<uint>(count);        // then: durations of the stays being scattered
        var scratchA = LargeArrays.Uninitialized<uint>(count);     // residents being partitioned, then: durations by row
        var scratchB = LargeArrays.Uninitialized<ulong>(count);    // events being partitioned, then: stays being scattered
        var scratchC = LargeArrays.Uninitialized<int>(count);      // rows being partitioned, then: venues of the stays
        ByResident(residents, events, count, residentCapacity, offsets, entries, rowOf, scratchA, scratchB, scratchC);
        SortSegments(offsets, entries, rowOf);
        var durations = scratchA;
        Array.Clear(durations, 0, count);
        var minTime = PairStays(offsets, entries, rowOf, durations);
        return WithTiers(offsets, entries, residents, events, durations, venueCapacity, minTime, scratchB, scratchC, rowOf);
    }

    /// <summary>The venue side for a resident side already built (a merge): rows are taken in resident order.</summary>
    private static IndexBase FromResidentSide(int[] offsets, ulong[] entries, int venueCapacity)
    {
        var residents = LargeArrays.Uninitialized<int>(entries.Length);
        var bounds = ChunkBounds(offsets, Workers * 4);
        Parallel.For(0, bounds.Length - 1, c =>
        {
            for (var r = bounds[c]; r < bounds[c + 1]; r++)
            {
                residents.AsSpan(offsets[r], offsets[r + 1] - offsets[r]).Fill(r);
            }
        });
        var durations = LargeArrays.Zeroed<uint>(entries.Length);
        var minTime = PairStays(offsets, entries, null, durations);
        return WithTiers(offsets, entries, residents, entries, durations, venueCapacity, minTime);
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

    /// <summary>The shift that cuts keys below <paramref name="capacity"/> into at most 2,048 buckets.</summary>
    private static int BucketShift(int capacity)
    {
        var shift = 0;
        while (((long)capacity >> shift) >= 2048)
        {
            shift++;
        }
        return shift;
    }

    /// <summary>
    /// The stable transpose of the rows into resident order, cache-friendly in two passes: rows are partitioned by the
    /// high bits of the resident (at most 2,048 output streams, which stay in cache), then each bucket (a few thousand
    /// residents, a few MiB) is counting-sorted on its own. A one-pass counting sort over ten million residents writes
    /// every row to a random place in gigabytes of memory and was five times slower.
    /// </summary>
    private static void ByResident(int[] residents, ulong[] events, int count, int residentCapacity, int[] offsets, ulong[] entries, uint[] rowOf,
        uint[] tmpRes, ulong[] tmpEv, int[] tmpRow)
    {
        var shift = BucketShift(residentCapacity);
        var buckets = (int)(((long)residentCapacity - 1) >> shift) + 1;
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
        var bucketStart = new int[buckets + 1];
        var pos = 0;
        for (var b = 0; b < buckets; b++)
        {
            bucketStart[b] = pos;
            for (var c = 0; c < parts; c++)
            {
                var n = cursors[c][b];
                cursors[c][b] = pos;
                pos += n;
            }
        }
        bucketStart[buckets] = pos;
        Parallel.For(0, parts, c =>
        {
            var cursor = cursors[c];
            var end = Math.Min(count, (c + 1) * chunk);
            for (var i = c * chunk; i < end; i++)
            {
                var r = residents[i];
                var p = cursor[r >> shift]++;
                tmpRes[p] = (uint)r;
                tmpEv[p] = events[i];
                tmpRow[p] = i;
            }
        });
        Parallel.For(0, buckets, () => new int[1 << shift], (b, _, local) =>
        {
            var first = b << shift;
            var width = Math.Min(residentCapacity - first, 1 << shift);
            var from = bucketStart[b];
            var to = bucketStart[b + 1];
            local.AsSpan(0, width).Clear();
            for (var q = from; q < to; q++)
            {
                local[(int)tmpRes[q] - first]++;
            }
            var p = from;
            for (var j = 0; j < width; j++)
            {
                offsets[first + j] = p;
                var n = local[j];
                local[j] = p;
                p += n;
            }
            for (var q = from; q < to; q++)
            {
                var at = local[(int)tmpRes[q] - first]++;
                entries[at] = tmpEv[q];
                rowOf[at] = (uint)tmpRow[q];
            }
            return local;
        }, _ => { });
        offsets[residentCapacity] = count;
    }

    private static void SortSegments(int[] offsets, ulong[] entries, uint[] rowOf)
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
                        seg.Sort(rowOf.AsSpan(offsets[r], seg.Length));
                        break;
                    }
                }
            }
        });
    }

    /// <summary>
    /// Pairs every resident's stays (in parallel over resident ranges) and writes each check-in's duration (0 for a
    /// point) to <paramref name="durations"/> at the check-in's row (<paramref name="rowOf"/>, or its position when
    /// null). Returns the earliest time.
    /// </summary>
    private static uint PairStays(int[] offsets, ulong[] entries, uint[]? rowOf, uint[] durations)
    {
        var bounds = ChunkBounds(offsets, Math.Min(16, Workers * 4));
        var parts = bounds.Length - 1;
        var minTimes = new uint[parts];
        Parallel.For(0, parts, c =>
        {
            var match = new int[256];
            var min = uint.MaxValue;
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
                if (!anyOut)
                {
                    continue; // all points: durations stay 0
                }
                if (match.Length < seg.Length)
                {
                    match = new int[Math.Max(seg.Length, match.Length * 2)];
                }
                StayPairing.Pair(seg, match);
                for (var i = 0; i < seg.Length; i++)
                {
                    if (match[i] >= 0)
                    {
                        var row = rowOf is null ? start + i : (int)rowOf[start + i];
                        durations[row] = Packing.Time(seg[match[i]]) - Packing.Time(seg[i]);
                    }
                }
            }
            minTimes[c] = min;
        });
        return minTimes.Length == 0 ? uint.MaxValue : minTimes.Min();
    }

    /// <summary>
    /// Scatters the stays (rows that are check-ins) into the tiers by venue, in row order (parallel, stable: each chunk
    /// of rows writes after the previous chunk's stays of the same venue), then sorts the venue segments that are not
    /// in time order and records each venue's longest stay per tier.
    /// </summary>
    private static IndexBase WithTiers(int[] offsets, ulong[] entries, int[] rowResidents, ulong[] rowEvents, uint[] rowDurations, int venueCapacity, uint minTime,
        ulong[]? scratchEntries = null, int[]? scratchVenues = null, uint[]? scratchDurations = null)
    {
        var n = entries.Length; // the rows (the builder's arrays may be longer)
        var shift = BucketShift(venueCapacity);
        var buckets = (int)(((long)venueCapacity - 1) >> shift) + 1;
        var parts = Math.Min(16, Workers * 2);
        var chunk = (n + parts - 1) / parts;
        // Pass 1: the check-ins (stays) partitioned by venue bucket, in row order.
        var cursors = new int[parts][];
        Parallel.For(0, parts, c =>
        {
            var h = cursors[c] = new int[buckets];
            var end = Math.Min(n, (c + 1) * chunk);
            for (var i = c * chunk; i < end; i++)
            {
                var e = rowEvents[i];
                if (!Packing.IsOut(e))
                {
                    h[Packing.Id(e) >> shift]++;
                }
            }
        });
        var bucketStart = new int[buckets + 1];
        var stays = 0;
        for (var b = 0; b < buckets; b++)
        {
            bucketStart[b] = stays;
            for (var c = 0; c < parts; c++)
            {
                var k = cursors[c][b];
                cursors[c][b] = stays;
                stays += k;
            }
        }
        bucketStart[buckets] = stays;
        var tmpEntry = scratchEntries is { } se && se.Length >= stays ? se : LargeArrays.Uninitialized<ulong>(stays);
        var tmpVenue = scratchVenues is { } sv && sv.Length >= stays ? sv : LargeArrays.Uninitialized<int>(stays);
        var tmpDur = scratchDurations is { } sd && sd.Length >= stays ? sd : LargeArrays.Uninitialized<uint>(stays);
        Parallel.For(0, parts, c =>
        {
            var cursor = cursors[c];
            var end = Math.Min(n, (c + 1) * chunk);
            for (var i = c * chunk; i < end; i++)
            {
                var e = rowEvents[i];
                if (Packing.IsOut(e))
                {
                    continue;
                }
                var v = Packing.Id(e);
                var p = cursor[v >> shift]++;
                tmpEntry[p] = Packing.StayEntry(Packing.Time(e), rowResidents[i]);
                tmpVenue[p] = v;
                tmpDur[p] = rowDurations[i];
            }
        });
        // Pass 2: per bucket, count by (tier, venue); then the tiers' offsets; then per bucket the stable scatter.
        var tierCounts = new int[TierCount][];
        for (var t = 0; t < TierCount; t++)
        {
            tierCounts[t] = new int[venueCapacity];
        }
        Parallel.For(0, buckets, b =>
        {
            for (var q = bucketStart[b]; q < bucketStart[b + 1]; q++)
            {
                tierCounts[TierOf(tmpDur[q])][tmpVenue[q]]++; // buckets own disjoint venues: no races
            }
        });
        var tierOffsets = new int[TierCount][];
        for (var t = 0; t < TierCount; t++)
        {
            var off = tierOffsets[t] = new int[venueCapacity + 1];
            var cnt = tierCounts[t];
            var pos = 0;
            for (var v = 0; v < venueCapacity; v++)
            {
                off[v] = pos;
                pos += cnt[v];
            }
            off[venueCapacity] = pos;
        }
        tierCounts = null;
        var tierEntries = new ulong[TierCount][];
        var tierDurations = new uint[TierCount][];
        for (var t = 0; t < TierCount; t++)
        {
            tierEntries[t] = LargeArrays.Uninitialized<ulong>(tierOffsets[t][venueCapacity]);
            tierDurations[t] = t == 0 ? [] : LargeArrays.Uninitialized<uint>(tierOffsets[t][venueCapacity]);
        }
        Parallel.For(0, buckets, () => new int[TierCount << shift], (b, _, local) =>
        {
            var first = b << shift;
            var width = Math.Min(venueCapacity - first, 1 << shift);
            for (var t = 0; t < TierCount; t++)
            {
                Array.Copy(tierOffsets[t], first, local, t << shift, width);
            }
            var points = tierEntries[0];
            for (var q = bucketStart[b]; q < bucketStart[b + 1]; q++)
            {
                var d = tmpDur[q];
                var localVenue = tmpVenue[q] - first;
                if (d == 0)
                {
                    points[local[localVenue]++] = tmpEntry[q];
                    continue;
                }
                var t = TierOf(d);
                var p = local[(t << shift) + localVenue]++;
                tierEntries[t][p] = tmpEntry[q];
                tierDurations[t][p] = d;
            }
            return local;
        }, _ => { });
        tmpEntry = null;
        tmpVenue = null;
        tmpDur = null;
        var maxDur = new uint[TierCount][];
        for (var t = 1; t < TierCount; t++)
        {
            maxDur[t] = new uint[venueCapacity];
        }
        var venueParts = Math.Max(1, Math.Min(venueCapacity, Workers * 8));
        Parallel.For(0, venueParts, c =>
        {
            var vFrom = (int)((long)venueCapacity * c / venueParts);
            var vTo = (int)((long)venueCapacity * (c + 1) / venueParts);
            for (var t = 0; t < TierCount; t++)
            {
                var off = tierOffsets[t];
                for (var v = vFrom; v < vTo; v++)
                {
                    var seg = tierEntries[t].AsSpan(off[v], off[v + 1] - off[v]);
                    var sorted = true;
                    for (var i = 1; i < seg.Length; i++)
                    {
                        if ((seg[i] >> 32) < (seg[i - 1] >> 32))
                        {
                            sorted = false;
                            break;
                        }
                    }
                    if (t == 0)
                    {
                        if (!sorted)
                        {
                            seg.Sort();
                        }
                        continue;
                    }
                    var ds = tierDurations[t].AsSpan(off[v], seg.Length);
                    if (!sorted)
                    {
                        seg.Sort(ds);
                    }
                    uint max = 0;
                    foreach (var d in ds)
                    {
                        max = Math.Max(max, d);
                    }
                    maxDur[t][v] = max;
                }
            }
        });
        var tiers = new StayTier[TierCount];
        for (var t = 0; t < TierCount; t++)
        {
            tiers[t] = new StayTier(tierOffsets[t], tierEntries[t], t == 0 ? null : tierDurations[t], t == 0 ? null : maxDur[t]);
        }
        return new IndexBase(offsets, entries, tiers, minTime);
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
