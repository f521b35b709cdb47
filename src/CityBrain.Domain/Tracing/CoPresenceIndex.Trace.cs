using System.Runtime.InteropServices;

namespace CityBrain.Domain.Tracing;

public sealed partial class CoPresenceIndex
{
    /// <summary>
    /// Traces <paramref name="caseResident"/> (see the class summary for the exact rules). Reads one consistent
    /// snapshot; safe to call from many threads while the writer appends.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative resident key, or <see cref="TraceQuery.At"/> outside the representable times.</exception>
    public TraceResult Trace(int caseResident, TraceQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (caseResident < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(caseResident), caseResident, "Resident keys are non-negative.");
        }
        return Trace(Snapshot, caseResident, query);
    }

    /// <summary>Traces on a snapshot taken earlier (tests use it to know exactly which check-ins a reader saw).</summary>
    internal static TraceResult Trace(State snapshot, int caseResident, TraceQuery query)
    {
        var at = Packing.Encode(query.At, nameof(query.At));
        var run = TraceRun.Rent();
        try
        {
            return run.Execute(snapshot, caseResident, query, at);
        }
        finally
        {
            TraceRun.Return(run);
        }
    }
}

/// <summary>A case stay widened by the window: [A, B] = [in − w, out + w], from source <see cref="Src"/>.</summary>
internal struct Window
{
    public int Venue;
    public long A;
    public long B;
    public uint CIn;
    public uint COut;
    public int Src;
}

/// <summary>One stay found meeting <see cref="K"/> windows: emitted during the venue scans, aggregated afterwards.</summary>
internal struct Hit
{
    public int Resident;
    public uint In;
    public uint Out;
    public int Venue;
    public int K;
    public int Via;       // -1: not known yet (resolved only if this hit decides the contact's earliest exposure)
    public long Overlap;
}

/// <summary>One contact being assembled.</summary>
internal struct Acc
{
    public int Resident;
    public uint First;
    public int Venue;
    public int Via;
    public long Exposures;
    public long Overlap;
}

/// <summary>
/// One trace's working memory (reused per thread).
/// <para>Scan: per venue the case stays (windows, [A, B] = [in − w, out + w]) are sorted by start; the venue's stays
/// are read once per union of overlapping windows. For a stay [qin, qout] the number of windows it meets is
/// #(A ≤ qout) − #(B &lt; qin) (two moving pointers along the point tier, two binary searches otherwise), and its
/// overlap with the unwidened case stays is F(qout) − F(qin), where F(x) = Σ |[cin, cout] ∩ (−∞, x]| comes from
/// sorted ends and prefix sums. For degree 2 the smallest source among the windows holding a point comes from a
/// min-heap with lazy removal. Each stay found is appended to a buffer of hits (sequential writes only).</para>
/// <para>Aggregate: the hits are partitioned by the high bits of the resident (a few hundred hits a bucket), each
/// bucket is sorted by resident and summed, so contacts come out in resident order without any random access into a
/// table as large as the result, which is what made a hash map of accumulators slow for hundreds of thousands of
/// second-degree contacts.</para>
/// </summary>
internal sealed class TraceRun
{
    [ThreadStatic]
    private static TraceRun? t_cached;

    private Window[] _windows = new Window[256];
    private int _windowCount;
    private (int Venue, int Start, int End, long MaxWindow)[] _groups = new (int, int, int, long)[64];
    private int _groupCount;

    private long[] _a = new long[256];
    private long[] _b = new long[256];
    private long[] _cin = new long[256];
    private long[] _cout = new long[256];
    private long[] _cinSum = new long[257];
    private long[] _coutSum = new long[257];
    private int _intervals;
    private readonly MinHeap _heap = new();

    private Hit[] _hits = new Hit[1024];
    private Hit[] _hits2 = new Hit[1024];
    private int _hitCount;
    private int _maxHitResident;

    private readonly List<ulong> _events = [];
    private readonly List<CoPresenceIndex.StayRecord> _stays = [];
    private readonly List<CoPresenceIndex.StayRecord> _dirtyStays = [];
    private readonly List<ulong> _dirtyEvents = [];
    private readonly HashSet<int> _dirty = [];

    public static TraceRun Rent()
    {
        var r = t_cached ?? new TraceRun();
        t_cached = null;
        return r;
    }

    public static void Return(TraceRun run)
    {
        if (run._hits.Length > 1 << 22)
        {
            run._hits = new Hit[1024];
            run._hits2 = new Hit[1024];
        }
        if (run._windows.Length > 1 << 20)
        {
            run._windows = new Window[256];
        }
        t_cached = run;
    }

    public TraceResult Execute(CoPresenceIndex.State s, int caseResident, TraceQuery query, uint at)
    {
        var w = query.WindowSeconds;
        var lo = Math.Max(0L, (long)at - (query.Days * 86_400L));
        CoPresenceIndex.PairedStays(s, caseResident, -1, lo, at, _events, _stays);
        var caseStays = _stays.ConvertAll(x => x.ToStay());

        _windowCount = 0;
        foreach (var st in _stays)
        {
            AddWindow(st, w, caseResident);
        }
        Expand(s, 1);
        var first = Aggregate(caseResident, [], degree: 1);

        var second = new List<Acc>();
        if (query.Degree == 2)
        {
            _windowCount = 0;
            foreach (var c in first)
            {
                CoPresenceIndex.PairedStays(s, c.Resident, -1, c.First, at, _events, _stays);
                foreach (var st in _stays)
                {
                    AddWindow(st, w, c.Resident);
                }
            }
            Expand(s, 2);
            var firstKeys = new int[first.Count];
            for (var i = 0; i < firstKeys.Length; i++)
            {
                firstKeys[i] = first[i].Resident;
            }
            second = Aggregate(caseResident, firstKeys, degree: 2);
        }

        var contacts = new Contact[first.Count + second.Count];
        var o = 0;
        foreach (var c in first)
        {
            contacts[o++] = new Contact(c.Resident, 1, Packing.Decode(c.First), c.Venue, c.Overlap, (int)Math.Min(int.MaxValue, c.Exposures), null);
        }
        foreach (var c in second)
        {
            contacts[o++] = new Contact(c.Resident, 2, Packing.Decode(c.First), c.Venue, c.Overlap, (int)Math.Min(int.MaxValue, c.Exposures), c.Via);
        }
        return new TraceResult(caseResident, query, caseStays, contacts);
    }

    private void AddWindow(CoPresenceIndex.StayRecord st, int w, int src)
    {
        if (_windowCount == _windows.Length)
        {
            Array.Resize(ref _windows, _windows.Length * 2);
        }
        _windows[_windowCount++] = new Window { Venue = st.Venue, A = (long)st.In - w, B = (long)st.Out + w, CIn = st.In, COut = st.Out, Src = src };
    }

    private struct ByVenueThenStart : IComparer<Window>
    {
        public readonly int Compare(Window x, Window y) => x.Venue != y.Venue ? x.Venue.CompareTo(y.Venue) : x.A.CompareTo(y.A);
    }

    private void Expand(CoPresenceIndex.State s, int degree)
    {
        _hitCount = 0;
        _maxHitResident = 0;
        var ws = _windows.AsSpan(0, _windowCount);
        ws.Sort(new ByVenueThenStart());
        _groupCount = 0;
        var i = 0;
        while (i < ws.Length)
        {
            var j = i + 1;
            var maxWindow = ws[i].B - ws[i].A;
            while (j < ws.Length && ws[j].Venue == ws[i].Venue)
            {
                maxWindow = Math.Max(maxWindow, ws[j].B - ws[j].A);
                j++;
            }
            if (_groupCount == _groups.Length)
            {
                Array.Resize(ref _groups, _groups.Length * 2);
            }
            _groups[_groupCount++] = (ws[i].Venue, i, j, maxWindow);
            ScanVenue(s, ws[i].Venue, ws[i..j], degree);
            i = j;
        }
    }

    private void PrepareVenue(ReadOnlySpan<Window> ws)
    {
        var n = ws.Length;
        if (_a.Length < n)
        {
            var size = Math.Max(n, _a.Length * 2);
            _a = new long[size];
            _b = new long[size];
            _cin = new long[size];
            _cout = new long[size];
            _cinSum = new long[size + 1];
            _coutSum = new long[size + 1];
        }
        _intervals = 0;
        for (var k = 0; k < n; k++)
        {
            _a[k] = ws[k].A;
            _b[k] = ws[k].B;
            if (ws[k].COut > ws[k].CIn)
            {
                _cin[_intervals] = ws[k].CIn;
                _cout[_intervals] = ws[k].COut;
                _intervals++;
            }
        }
        _b.AsSpan(0, n).Sort();
        if (_intervals > 0)
        {
            _cin.AsSpan(0, _intervals).Sort();
            _cout.AsSpan(0, _intervals).Sort();
            _cinSum[0] = 0;
            _coutSum[0] = 0;
            for (var k = 0; k < _intervals; k++)
            {
                _cinSum[k + 1] = _cinSum[k] + _cin[k];
                _coutSum[k + 1] = _coutSum[k] + _cout[k];
            }
        }
    }

    /// <summary>Σ over case stays with a check-out of |[cin, cout] ∩ (−∞, x]|.</summary>
    private long Covered(long x)
    {
        var c1 = UpperBound(_cin.AsSpan(0, _intervals), x);
        var c2 = UpperBound(_cout.AsSpan(0, _intervals), x);
        return (x * c1) - _cinSum[c1] - (x * c2) + _coutSum[c2];
    }

    private long Overlap(long qin, long qout) => _intervals == 0 || qout <= qin ? 0 : Covered(qout) - Covered(qin);

    /// <summary>The number of windows [A, B] meeting [qin, qout].</summary>
    private int Meets(int n, long qin, long qout) => UpperBound(_a.AsSpan(0, n), qout) - LowerBound(_b.AsSpan(0, n), qin);

    private void Emit(int resident, uint qin, uint qout, int venue, int k, int via, long overlap)
    {
        if (_hitCount == _hits.Length)
        {
            Array.Resize(ref _hits, _hits.Length * 2);
        }
        ref var h = ref _hits[_hitCount++];
        h.Resident = resident;
        h.In = qin;
        h.Out = qout;
        h.Venue = venue;
        h.K = k;
        h.Via = via;
        h.Overlap = overlap;
        if (resident > _maxHitResident)
        {
            _maxHitResident = resident;
        }
    }

    private int[] _sparse = new int[256];
    private bool _sparseBuilt;

    /// <summary>The smallest source among windows [lo, hi) (sorted by start), from a sparse table built once per venue.</summary>
    private int RangeMin(ReadOnlySpan<Window> ws, int lo, int hi)
    {
        var n = ws.Length;
        var levels = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);
        if (!_sparseBuilt)
        {
            _sparseBuilt = true;
            if (_sparse.Length < n * levels)
            {
                _sparse = new int[Math.Max(n * levels, _sparse.Length * 2)];
            }
            for (var i = 0; i < n; i++)
            {
                _sparse[i] = ws[i].Src;
            }
            for (var l = 1; l < levels; l++)
            {
                var half = 1 << (l - 1);
                var row = l * n;
                var prev = (l - 1) * n;
                for (var i = 0; i + (1 << l) <= n; i++)
                {
                    _sparse[row + i] = Math.Min(_sparse[prev + i], _sparse[prev + i + half]);
                }
            }
        }
        var level = 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)(hi - lo));
        return Math.Min(_sparse[(level * n) + lo], _sparse[(level * n) + hi - (1 << level)]);
    }

    private void ScanVenue(CoPresenceIndex.State s, int venue, ReadOnlySpan<Window> ws, int degree)
    {
        var n = ws.Length;
        _sparseBuilt = false;
        PrepareVenue(ws);
        var a = _a.AsSpan(0, n);
        var hasDirty = s.DirtyAt(venue, _dirty);
        var b = s.Base;
        if (venue < b.VenueCapacity)
        {
            // Points: every point inside the union of windows, with two pointers for the count and a heap for the source.
            var tier = b.Tiers[0];
            var seg = tier.Entries.AsSpan(tier.Offsets[venue], tier.Offsets[venue + 1] - tier.Offsets[venue]);
            if (!seg.IsEmpty)
            {
                int ia = 0, ib = 0;
                _heap.Clear();
                var r = 0;
                while (r < n)
                {
                    var ulo = ws[r].A;
                    var uhi = ws[r].B;
                    for (r++; r < n && ws[r].A <= uhi; r++)
                    {
                        uhi = Math.Max(uhi, ws[r].B);
                    }
                    for (var p = LowerBoundTime(seg, ulo); p < seg.Length; p++)
                    {
                        var e = seg[p];
                        long q = (uint)(e >> 32);
                        if (q > uhi)
                        {
                            break;
                        }
                        while (ia < n && a[ia] <= q)
                        {
                            if (degree == 2)
                            {
                                _heap.Push(ws[ia].Src, ws[ia].B);
                            }
                            ia++;
                        }
                        while (ib < n && _b[ib] < q)
                        {
                            ib++;
                        }
                        var resident = unchecked((int)(uint)e);
                        if (hasDirty && _dirty.Contains(resident))
                        {
                            continue;
                        }
                        Emit(resident, (uint)q, (uint)q, venue, ia - ib, degree == 2 ? _heap.Min(q) : -1, 0);
                    }
                }
            }
            // Stays with a check-out, tier by tier: read from (union start − the tier's longest stay here) to union end.
            for (var t = 1; t < IndexBase.TierCount; t++)
            {
                tier = b.Tiers[t];
                var from = tier.Offsets[venue];
                seg = tier.Entries.AsSpan(from, tier.Offsets[venue + 1] - from);
                if (seg.IsEmpty)
                {
                    continue;
                }
                var durations = tier.Durations!.AsSpan(from, seg.Length);
                long maxDuration = tier.MaxDuration![venue];
                var scanned = 0;
                var r = 0;
                var ia = 0;
                _heap.Clear();
                while (r < n)
                {
                    var ulo = ws[r].A;
                    var uhi = ws[r].B;
                    for (r++; r < n && ws[r].A <= uhi; r++)
                    {
                        uhi = Math.Max(uhi, ws[r].B);
                    }
                    var p = Math.Max(scanned, LowerBoundTime(seg, ulo - maxDuration));
                    for (; p < seg.Length; p++)
                    {
                        var e = seg[p];
                        long qin = (uint)(e >> 32);
                        if (qin > uhi)
                        {
                            break;
                        }
                        var qout = qin + durations[p];
                        var k = Meets(n, qin, qout);
                        if (k <= 0)
                        {
                            continue;
                        }
                        var resident = unchecked((int)(uint)e);
                        if (hasDirty && _dirty.Contains(resident))
                        {
                            continue;
                        }
                        var via = -1;
                        if (degree == 2)
                        {
                            // Windows holding qin (heap, qin only grows) and windows starting in (qin, qout] (range minimum).
                            while (ia < n && a[ia] <= qin)
                            {
                                _heap.Push(ws[ia].Src, ws[ia].B);
                                ia++;
                            }
                            via = _heap.Min(qin);
                            var until = UpperBound(a, qout);
                            if (ia < until)
                            {
                                via = Math.Min(via, RangeMin(ws, ia, until));
                            }
                        }
                        Emit(resident, (uint)qin, (uint)qout, venue, k, via, Overlap(qin, qout));
                    }
                    scanned = p;
                }
            }
        }
        if (hasDirty)
        {
            // People with check-ins appended since the base: their stays here, paired from all their check-ins.
            foreach (var resident in _dirty)
            {
                CoPresenceIndex.PairedStays(s, resident, venue, 0, uint.MaxValue, _dirtyEvents, _dirtyStays);
                foreach (var st in _dirtyStays)
                {
                    var k = Meets(n, st.In, st.Out);
                    if (k > 0)
                    {
                        Emit(resident, st.In, st.Out, venue, k, -1, Overlap(st.In, st.Out));
                    }
                }
            }
        }
    }

    private const int BucketBits = 12; // 4,096 residents a bucket: its accumulators stay in cache
    private readonly uint[] _accFirst = new uint[1 << BucketBits];
    private readonly int[] _accVenue = new int[1 << BucketBits];
    private readonly int[] _accVia = new int[1 << BucketBits];
    private readonly long[] _accExp = new long[1 << BucketBits];
    private readonly long[] _accOvl = new long[1 << BucketBits];
    private readonly int[] _accStamp = new int[1 << BucketBits];
    private int[] _touched = new int[1 << BucketBits];
    private int _generation;

    /// <summary>
    /// Sums the hits per resident (skipping the case and the residents in <paramref name="excluded"/>, sorted), in
    /// resident order. The earliest exposure is the smallest (check-in, venue, source). The hits are partitioned by
    /// resident / 4,096 (one pass, streams that stay in cache), then each bucket is summed into small dense
    /// accumulators and its residents emitted in order.
    /// </summary>
    private List<Acc> Aggregate(int caseResident, int[] excluded, int degree)
    {
        var result = new List<Acc>();
        var n = _hitCount;
        if (n == 0)
        {
            return result;
        }
        var buckets = (_maxHitResident >> BucketBits) + 1;
        var start = new int[buckets + 1];
        var hits = _hits.AsSpan(0, n);
        foreach (ref readonly var h in hits)
        {
            start[(h.Resident >> BucketBits) + 1]++;
        }
        for (var i = 0; i < buckets; i++)
        {
            start[i + 1] += start[i];
        }
        if (_hits2.Length < n)
        {
            _hits2 = new Hit[Math.Max(n, _hits2.Length * 2)];
        }
        var cursor = start.AsSpan(0, buckets).ToArray();
        foreach (ref readonly var h in hits)
        {
            _hits2[cursor[h.Resident >> BucketBits]++] = h;
        }
        const int mask = (1 << BucketBits) - 1;
        var ex = 0;
        for (var bucket = 0; bucket < buckets; bucket++)
        {
            var part = _hits2.AsSpan(start[bucket], start[bucket + 1] - start[bucket]);
            if (part.IsEmpty)
            {
                continue;
            }
            if (_generation == int.MaxValue)
            {
                Array.Clear(_accStamp);
                _generation = 0;
            }
            var gen = ++_generation;
            var touched = 0;
            foreach (ref readonly var h in part)
            {
                var j = h.Resident & mask;
                if (_accStamp[j] != gen)
                {
                    _accStamp[j] = gen;
                    _touched[touched++] = j;
                    _accFirst[j] = h.In;
                    _accVenue[j] = h.Venue;
                    _accExp[j] = h.K;
                    _accOvl[j] = h.Overlap;
                    _accVia[j] = int.MaxValue;
                    continue;
                }
                _accExp[j] += h.K;
                _accOvl[j] += h.Overlap;
                if (h.In < _accFirst[j] || (h.In == _accFirst[j] && h.Venue < _accVenue[j]))
                {
                    _accFirst[j] = h.In;
                    _accVenue[j] = h.Venue;
                }
            }
            if (degree == 2)
            {
                // The source of the earliest exposure: only the hits at it, and only those need a look-up.
                foreach (ref readonly var h in part)
                {
                    var j = h.Resident & mask;
                    if (h.In == _accFirst[j] && h.Venue == _accVenue[j])
                    {
                        var via = h.Via >= 0 ? h.Via : ResolveVia(h);
                        if (via < _accVia[j])
                        {
                            _accVia[j] = via;
                        }
                    }
                }
            }
            var order = _touched.AsSpan(0, touched);
            order.Sort();
            var first = bucket << BucketBits;
            foreach (var j in order)
            {
                var resident = first + j;
                while (ex < excluded.Length && excluded[ex] < resident)
                {
                    ex++;
                }
                if (resident == caseResident || (ex < excluded.Length && excluded[ex] == resident))
                {
                    continue;
                }
                result.Add(new Acc { Resident = resident, First = _accFirst[j], Venue = _accVenue[j], Via = degree == 2 ? _accVia[j] : -1, Exposures = _accExp[j], Overlap = _accOvl[j] });
            }
        }
        return result;
    }

    /// <summary>The smallest source among the windows at the hit's venue meeting the hit's stay.</summary>
    private int ResolveVia(in Hit h)
    {
        int lo = 0, hi = _groupCount;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_groups[mid].Venue < h.Venue)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        var (_, start, end, maxWindow) = _groups[lo];
        var ws = _windows.AsSpan(start, end - start);
        var target = (long)h.In - maxWindow; // windows starting earlier end before the stay
        lo = 0;
        hi = ws.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ws[mid].A < target)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        var best = int.MaxValue;
        for (var k = lo; k < ws.Length && ws[k].A <= h.Out; k++)
        {
            if (ws[k].B >= h.In && ws[k].Src < best)
            {
                best = ws[k].Src;
            }
        }
        return best;
    }

    private static int LowerBoundTime(ReadOnlySpan<ulong> entries, long time)
    {
        if (time <= 0)
        {
            return 0;
        }
        if (time > uint.MaxValue)
        {
            return entries.Length;
        }
        var key = (ulong)time << 32;
        int lo = 0, hi = entries.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (entries[mid] < key)
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

    private static int LowerBound(ReadOnlySpan<long> sorted, long x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < x)
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

    private static int UpperBound(ReadOnlySpan<long> sorted, long x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x)
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
}

/// <summary>A min-heap of (source, window end) by source, with stale windows removed lazily.</summary>
internal sealed class MinHeap
{
    private (int Src, long End)[] _items = new (int, long)[256];
    private int _count;

    public void Clear() => _count = 0;

    public void Push(int src, long end)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _count * 2);
        }
        var i = _count++;
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (_items[parent].Src <= src)
            {
                break;
            }
            _items[i] = _items[parent];
            i = parent;
        }
        _items[i] = (src, end);
    }

    /// <summary>The smallest source among the windows still open at <paramref name="q"/>.</summary>
    public int Min(long q)
    {
        while (_count > 0 && _items[0].End < q)
        {
            Pop();
        }
        return _count > 0 ? _items[0].Src : int.MaxValue;
    }

    private void Pop()
    {
        var last = _items[--_count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= _count)
            {
                break;
            }
            if (child + 1 < _count && _items[child + 1].Src < _items[child].Src)
            {
                child++;
            }
            if (_items[child].Src >= last.Src)
            {
                break;
            }
            _items[i] = _items[child];
            i = child;
        }
        _items[i] = last;
    }
}
