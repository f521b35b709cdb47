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

/// <summary>
/// One trace's working memory (reused per thread). Contacts accumulate in slots found through an open-addressing map
/// keyed by resident; slot 0 is the case (degree 0), so it is never counted.
/// <para>Per venue the case stays (windows) are sorted by start; the venue's stays are read once per union of
/// overlapping windows. For a stay [qin, qout] the number of windows it meets is #(A ≤ qout) − #(B &lt; qin) (two
/// binary searches, or two moving pointers along the point tier), and the overlap with the unwidened case stays is
/// F(qout) − F(qin), where F(x) = Σ |[cin, cout] ∩ (−∞, x]| comes from sorted ends and prefix sums. For degree 2 the
/// smallest source among the windows holding a point comes from a min-heap with lazy removal.</para>
/// </summary>
internal sealed class TraceRun
{
    [ThreadStatic]
    private static TraceRun? t_cached;

    private readonly ResidentMap _map = new();
    private int[] _res = new int[1024];
    private byte[] _deg = new byte[1024];
    private uint[] _first = new uint[1024];
    private int[] _venue = new int[1024];
    private int[] _via = new int[1024];
    private long[] _exp = new long[1024];
    private long[] _ovl = new long[1024];
    private int _slots;

    private Window[] _windows = new Window[256];
    private int _windowCount;

    private long[] _a = new long[256];
    private long[] _b = new long[256];
    private long[] _cin = new long[256];
    private long[] _cout = new long[256];
    private long[] _cinSum = new long[257];
    private long[] _coutSum = new long[257];
    private int _intervals;
    private long _maxWindow;
    private readonly MinHeap _heap = new();

    private readonly List<ulong> _events = [];
    private readonly List<CoPresenceIndex.StayRecord> _stays = [];
    private readonly HashSet<int> _dirty = [];

    public static TraceRun Rent()
    {
        var r = t_cached ?? new TraceRun();
        t_cached = null;
        return r;
    }

    public static void Return(TraceRun run)
    {
        if (run._res.Length <= 1 << 22)
        {
            t_cached = run;
        }
    }

    public TraceResult Execute(CoPresenceIndex.State s, int caseResident, TraceQuery query, uint at)
    {
        _map.Clear();
        _slots = 0;
        var w = query.WindowSeconds;
        var lo = Math.Max(0L, (long)at - (query.Days * 86_400L));
        CoPresenceIndex.PairedStays(s, caseResident, -1, lo, at, _events, _stays);
        var caseStays = _stays.ConvertAll(x => x.ToStay());

        NewSlot(caseResident, 0, 0, 0, -1, 0, 0);
        _windowCount = 0;
        foreach (var st in _stays)
        {
            AddWindow(st, w, caseResident);
        }
        Expand(s, 1);

        if (query.Degree == 2)
        {
            var firstDegree = _slots;
            _windowCount = 0;
            for (var slot = 1; slot < firstDegree; slot++)
            {
                CoPresenceIndex.PairedStays(s, _res[slot], -1, _first[slot], at, _events, _stays);
                foreach (var st in _stays)
                {
                    AddWindow(st, w, _res[slot]);
                }
            }
            Expand(s, 2);
        }

        var order = new ulong[_slots - 1];
        for (var slot = 1; slot < _slots; slot++)
        {
            order[slot - 1] = ((ulong)_deg[slot] << 32) | (uint)_res[slot];
        }
        var slotsInOrder = new int[order.Length];
        for (var i = 0; i < slotsInOrder.Length; i++)
        {
            slotsInOrder[i] = i + 1;
        }
        Array.Sort(order, slotsInOrder);
        var contacts = new Contact[order.Length];
        for (var i = 0; i < contacts.Length; i++)
        {
            var slot = slotsInOrder[i];
            contacts[i] = new Contact(_res[slot], _deg[slot], Packing.Decode(_first[slot]), _venue[slot], _ovl[slot],
                (int)Math.Min(int.MaxValue, _exp[slot]), _deg[slot] == 2 ? _via[slot] : null);
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
        var ws = _windows.AsSpan(0, _windowCount);
        ws.Sort(new ByVenueThenStart());
        var i = 0;
        while (i < ws.Length)
        {
            var j = i + 1;
            while (j < ws.Length && ws[j].Venue == ws[i].Venue)
            {
                j++;
            }
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
        _maxWindow = 0;
        _intervals = 0;
        for (var k = 0; k < n; k++)
        {
            _a[k] = ws[k].A;
            _b[k] = ws[k].B;
            _maxWindow = Math.Max(_maxWindow, ws[k].B - ws[k].A);
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

    /// <summary>The smallest source among the windows meeting [qin, qout].</summary>
    private static int MinSource(ReadOnlySpan<Window> ws, ReadOnlySpan<long> a, long maxWindow, long qin, long qout)
    {
        var best = int.MaxValue;
        for (var k = LowerBound(a, qin - maxWindow); k < ws.Length && ws[k].A <= qout; k++)
        {
            if (ws[k].B >= qin && ws[k].Src < best)
            {
                best = ws[k].Src;
            }
        }
        return best;
    }

    private void ScanVenue(CoPresenceIndex.State s, int venue, ReadOnlySpan<Window> ws, int degree)
    {
        var n = ws.Length;
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
                        var slot = Touch(resident, (uint)q, venue, ia - ib, 0, degree, out var needVia);
                        if (needVia != 0)
                        {
                            SetVia(slot, _heap.Min(q), needVia);
                        }
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
                        var slot = Touch(resident, (uint)qin, venue, k, Overlap(qin, qout), degree, out var needVia);
                        if (needVia != 0)
                        {
                            SetVia(slot, MinSource(ws, a, _maxWindow, qin, qout), needVia);
                        }
                    }
                    scanned = p;
                }
            }
        }
        if (hasDirty)
        {
            // People with check-ins appended since the base: their stays here, paired from all their check-ins.
            var events = new List<ulong>();
            var stays = new List<CoPresenceIndex.StayRecord>();
            foreach (var resident in _dirty)
            {
                var existing = _map.Get(resident);
                if (existing >= 0 && _deg[existing] != degree)
                {
                    continue;
                }
                CoPresenceIndex.PairedStays(s, resident, venue, 0, uint.MaxValue, events, stays);
                foreach (var st in stays)
                {
                    var k = Meets(n, st.In, st.Out);
                    if (k <= 0)
                    {
                        continue;
                    }
                    var slot = Touch(resident, st.In, venue, k, Overlap(st.In, st.Out), degree, out var needVia);
                    if (needVia != 0)
                    {
                        SetVia(slot, MinSource(ws, a, _maxWindow, st.In, st.Out), needVia);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Counts a stay of <paramref name="resident"/> meeting <paramref name="k"/> windows. Returns the slot (or -1 when
    /// the resident is the case or of a lower degree) and whether the source must be set (1) or lowered (2).
    /// </summary>
    private int Touch(int resident, uint qin, int venue, long k, long overlap, int degree, out int needVia)
    {
        needVia = 0;
        var slot = _map.Get(resident);
        if (slot < 0)
        {
            slot = NewSlot(resident, (byte)degree, qin, venue, -1, k, overlap);
            needVia = degree == 2 ? 1 : 0;
            return slot;
        }
        if (_deg[slot] != degree)
        {
            return -1;
        }
        _exp[slot] += k;
        _ovl[slot] += overlap;
        if (qin < _first[slot] || (qin == _first[slot] && venue < _venue[slot]))
        {
            _first[slot] = qin;
            _venue[slot] = venue;
            needVia = degree == 2 ? 1 : 0;
        }
        else if (degree == 2 && qin == _first[slot] && venue == _venue[slot])
        {
            needVia = 2;
        }
        return slot;
    }

    private void SetVia(int slot, int via, int mode)
    {
        if (mode == 1 || via < _via[slot])
        {
            _via[slot] = via;
        }
    }

    private int NewSlot(int resident, byte degree, uint first, int venue, int via, long exposures, long overlap)
    {
        if (_slots == _res.Length)
        {
            var size = _res.Length * 2;
            Array.Resize(ref _res, size);
            Array.Resize(ref _deg, size);
            Array.Resize(ref _first, size);
            Array.Resize(ref _venue, size);
            Array.Resize(ref _via, size);
            Array.Resize(ref _exp, size);
            Array.Resize(ref _ovl, size);
        }
        var slot = _slots++;
        _res[slot] = resident;
        _deg[slot] = degree;
        _first[slot] = first;
        _venue[slot] = venue;
        _via[slot] = via;
        _exp[slot] = exposures;
        _ovl[slot] = overlap;
        _map.Add(resident, slot);
        return slot;
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

/// <summary>Open addressing, linear probing, int keys ≥ 0 to int values.</summary>
internal sealed class ResidentMap
{
    private int[] _keys = NewKeys(1024);
    private int[] _values = new int[1024];
    private int _count;
    private int _shift = 32 - 10;

    private static int[] NewKeys(int size)
    {
        var k = new int[size];
        k.AsSpan().Fill(-1);
        return k;
    }

    public void Clear()
    {
        if (_count > 0)
        {
            _keys.AsSpan().Fill(-1);
            _count = 0;
        }
    }

    private int Home(int key) => (int)(unchecked((uint)key * 0x9E3779B1u) >> _shift);

    public int Get(int key)
    {
        var mask = _keys.Length - 1;
        for (var i = Home(key); ; i = (i + 1) & mask)
        {
            var k = _keys[i];
            if (k == key)
            {
                return _values[i];
            }
            if (k < 0)
            {
                return -1;
            }
        }
    }

    public void Add(int key, int value)
    {
        if ((_count + 1) * 2 > _keys.Length)
        {
            var oldKeys = _keys;
            var oldValues = _values;
            _keys = NewKeys(oldKeys.Length * 2);
            _values = new int[oldKeys.Length * 2];
            _shift--;
            for (var j = 0; j < oldKeys.Length; j++)
            {
                if (oldKeys[j] >= 0)
                {
                    Insert(oldKeys[j], oldValues[j]);
                }
            }
        }
        Insert(key, value);
        _count++;
    }

    private void Insert(int key, int value)
    {
        var mask = _keys.Length - 1;
        var i = Home(key);
        while (_keys[i] >= 0)
        {
            i = (i + 1) & mask;
        }
        _keys[i] = key;
        _values[i] = value;
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
