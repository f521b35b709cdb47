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
        // Returned for reuse only after a trace that completed: one that threw may have left its accumulators dirty.
        var result = run.Execute(snapshot, caseResident, query, at);
        TraceRun.Return(run);
        return result;
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
/// One stay found meeting <see cref="K"/> windows: emitted during the venue scans, aggregated afterwards. 24 bytes:
/// every hit is written, counted, copied to its bucket and read again, so its size is most of a large trace's memory
/// traffic. An overlap too large for 32 bits is carried by extra hits with K = 0 (every figure is a sum or a minimum).
/// </summary>
internal struct Hit
{
    public int Resident;
    public uint In;
    public int Venue;
    public int K;
    public int Via;       // degree 1: -1
    public uint Overlap;
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
/// #(A ≤ qout) − #(B &lt; qin) (two moving pointers along the point tier; for stays with a check-out, read in check-in
/// order, a moving pointer for qin and a binary search for qout), and its
/// overlap with the unwidened case stays is F(qout) − F(qin), where F(x) = Σ |[cin, cout] ∩ (−∞, x]| comes from
/// sorted ends and prefix sums. For degree 2 the smallest source among the windows holding a point comes from a
/// min-heap with lazy removal. Each stay found is appended to a buffer of hits (sequential writes only).</para>
/// <para>Aggregate: the hits are partitioned by the high bits of the resident (a few hundred hits a bucket), each
/// bucket is summed in small dense accumulators, so contacts come out in resident order without any random access
/// into a table as large as the result, which is what made a hash map of accumulators slow for hundreds of thousands
/// of second-degree contacts.</para>
/// <para>Both cores: a large trace (a second degree has thousands of windows and millions of hits) scans its venues
/// on <see cref="WorkerCount"/> workers, each with its own hit buffer, then aggregates disjoint ranges of buckets on
/// the same workers. The venues and the buckets are independent, and every figure of a contact is a sum or a minimum,
/// so the result does not depend on which worker found which hit. Small traces stay on the calling thread: handing
/// work to the pool costs tens of microseconds, more than a typical first-degree trace.</para>
/// </summary>
internal sealed class TraceRun
{
    [ThreadStatic]
    private static TraceRun? t_cached;

    internal static readonly int WorkerCount = Math.Clamp(Environment.ProcessorCount, 1, 8);
    // Below these a trace stays on the calling thread (fewer windows: at most a few ms of scanning; fewer hits:
    // aggregating takes well under a millisecond). Tests set them to 0 so small cities take the parallel path too.
    internal static int ParallelWindows = 256;
    internal static int ParallelHits = 1 << 16;

    // Tests: worker i takes venues and bucket ranges i, i + W, ..., whatever the timing (handed out on demand, the
    // first worker often finishes a small trace before the second starts, and the merge of workers goes untested).
    internal static bool RoundRobin;

    internal const int BucketBits = 12;        // 4,096 residents a bucket: its accumulators stay in cache

    internal Window[] Windows = new Window[256];
    internal int WindowCount;
    internal (int Venue, int Start, int End, long MaxWindow)[] Groups = new (int, int, int, long)[64];
    internal int GroupCount;

    private readonly TraceWorker[] _workers;
    private Hit[] _parted = new Hit[1024];
    private int[][] _bucketCursor;
    private Acc[][] _rangeOut;
    private int[] _rangeCount;

    private readonly List<ulong> _events = [];
    private readonly List<CoPresenceIndex.StayRecord> _stays = [];

    private TraceRun()
    {
        _workers = new TraceWorker[WorkerCount];
        for (var i = 0; i < WorkerCount; i++)
        {
            _workers[i] = new TraceWorker(this, i);
        }
        _bucketCursor = new int[WorkerCount][];
        _rangeOut = new Acc[WorkerCount * 4][];
        for (var i = 0; i < _rangeOut.Length; i++)
        {
            _rangeOut[i] = new Acc[256];
        }
        _rangeCount = new int[_rangeOut.Length];
    }

    // One run in the process may keep a large trace's buffers (see Return); the others keep what a typical trace needs.
    private static TraceRun? s_large;

    /// <summary>Above this, a run's buffers are trimmed even in the shared slot.</summary>
    internal const long KeepBytes = 3L << 30;

    public static TraceRun Rent()
    {
        var r = Interlocked.Exchange(ref s_large, null);
        if (r is not null)
        {
            return r;
        }
        r = t_cached ?? new TraceRun();
        t_cached = null;
        return r;
    }

    /// <summary>
    /// Takes a run back after a trace that completed. A large second-degree trace needs buffers of hundreds of MiB to
    /// a few GiB (its hits twice, its contacts). Fresh memory is slow to fault in (on the reference machine, a GiB of
    /// first touches costs half a second to a second of CPU): keeping the buffers between back-to-back large traces
    /// took the second degree's p95 at the city from 449–587 ms to 387–445 ms. But a server runs traces on any
    /// pool thread, and each thread keeping GiBs would add up. So one run in the process keeps its buffers, whatever
    /// their size up to <see cref="KeepBytes"/> (at the city: the largest trace's, about 1.5 GiB); every other
    /// run is trimmed to what a typical trace needs and cached for its thread.
    /// </summary>
    public static void Return(TraceRun run)
    {
        if (run.RetainedBytes <= KeepBytes && Interlocked.CompareExchange(ref s_large, run, null) is null)
        {
            return;
        }
        foreach (var w in run._workers)
        {
            w.Trim();
        }
        if (run._parted.Length > 1 << 21)
        {
            run._parted = new Hit[1024];
        }
        for (var i = 0; i < run._rangeOut.Length; i++)
        {
            if (run._rangeOut[i].Length > 1 << 18)
            {
                run._rangeOut[i] = new Acc[256];
            }
        }
        if (run.Windows.Length > 1 << 20 || run._sorted.Length > 1 << 20)
        {
            run.Windows = new Window[256];
            run._sorted = new Window[256];
            run._sortKeys = new ulong[256];
            run._sortOrder = new int[256];
        }
        t_cached = run;
    }

    /// <summary>The bytes of the run's largest reusable buffers (approximate: the small per-venue scratch is left out).</summary>
    private long RetainedBytes
    {
        get
        {
            long bytes = (_parted.LongLength * 24) + ((Windows.LongLength + _sorted.LongLength) * 40) + (_sortKeys.LongLength * 12);
            foreach (var o in _rangeOut)
            {
                bytes += o.LongLength * 32;
            }
            foreach (var w in _workers)
            {
                bytes += w.RetainedBytes;
            }
            return bytes;
        }
    }

    public TraceResult Execute(CoPresenceIndex.State s, int caseResident, TraceQuery query, uint at)
    {
        var w = query.WindowSeconds;
        var lo = Math.Max(0L, (long)at - (query.Days * 86_400L));
        CoPresenceIndex.PairedStays(s, caseResident, -1, lo, at, _events, _stays);
        var caseStays = _stays.ConvertAll(x => x.ToStay());

        WindowCount = 0;
        foreach (var st in _stays)
        {
            AddWindow(st, w, caseResident);
        }
        Expand(s, 1);
        var first = Aggregate(caseResident, [], degree: 1);

        Acc[] second = [];
        if (query.Degree == 2)
        {
            CollectWindows(s, first, at, w);
            Expand(s, 2);
            var firstKeys = new int[first.Length];
            for (var i = 0; i < firstKeys.Length; i++)
            {
                firstKeys[i] = first[i].Resident;
            }
            second = Aggregate(caseResident, firstKeys, degree: 2);
        }

        // The contacts stay in their compact form (32 bytes each) and become Contact values as they are read: one
        // record object per contact cost more than the whole scan of a large second-degree trace (allocation, and the
        // collector copying millions of live objects).
        return new TraceResult(caseResident, query, caseStays, new ContactList(first, second));
    }

    /// <summary>
    /// The second degree's windows: the stays of each first-degree contact from its first exposure. Each contact's
    /// stays are a random read into the by-resident side; with thousands of contacts the workers share them (slices
    /// handed out one at a time, each worker writing its own windows), joined afterwards; their order does not
    /// matter, as they are sorted next.
    /// </summary>
    private void CollectWindows(CoPresenceIndex.State s, Acc[] first, uint at, int w)
    {
        WindowCount = 0;
        var parallel = WorkerCount > 1 && first.Length >= ParallelWindows * 4;
        if (!parallel)
        {
            foreach (ref readonly var c in first.AsSpan())
            {
                CoPresenceIndex.PairedStays(s, c.Resident, -1, c.First, at, _events, _stays);
                foreach (var st in _stays)
                {
                    AddWindow(st, w, c.Resident);
                }
            }
            return;
        }
        var slice = Math.Clamp(first.Length / (WorkerCount * 16), 1, 1024);
        var slices = (first.Length + slice - 1) / slice;
        foreach (var worker in _workers)
        {
            worker.WindowCount = 0;
        }
        Share(true, slices, (worker, i) => worker.CollectWindows(s, first.AsSpan(i * slice, Math.Min(slice, first.Length - (i * slice))), at, w));
        var total = 0;
        foreach (var worker in _workers)
        {
            total += worker.WindowCount;
        }
        if (Windows.Length < total)
        {
            Windows = new Window[Math.Max(total, Windows.Length * 2)];
        }
        foreach (var worker in _workers)
        {
            worker.Windows.AsSpan(0, worker.WindowCount).CopyTo(Windows.AsSpan(WindowCount));
            WindowCount += worker.WindowCount;
        }
    }

    private void AddWindow(CoPresenceIndex.StayRecord st, int w, int src)
    {
        if (WindowCount == Windows.Length)
        {
            Array.Resize(ref Windows, Windows.Length * 2);
        }
        Windows[WindowCount++] = new Window { Venue = st.Venue, A = (long)st.In - w, B = (long)st.Out + w, CIn = st.In, COut = st.Out, Src = src };
    }

    private ulong[] _sortKeys = new ulong[256];
    private int[] _sortOrder = new int[256];
    private Window[] _sorted = new Window[256];

    /// <summary>
    /// Sorts the windows by venue, then start. Every window of a pass has the same width before its stay (w), so
    /// (venue, check-in) packed in a ulong orders them: sorting those keys with the positions, then moving the
    /// 40-byte windows once, took a third of the time of sorting the windows with a comparer.
    /// </summary>
    private void SortWindows()
    {
        var n = WindowCount;
        if (_sortKeys.Length < n)
        {
            _sortKeys = new ulong[Math.Max(n, _sortKeys.Length * 2)];
            _sortOrder = new int[_sortKeys.Length];
            _sorted = new Window[_sortKeys.Length];
        }
        for (var i = 0; i < n; i++)
        {
            _sortKeys[i] = ((ulong)(uint)Windows[i].Venue << 32) | Windows[i].CIn;
            _sortOrder[i] = i;
        }
        _sortKeys.AsSpan(0, n).Sort(_sortOrder.AsSpan(0, n));
        if (_sorted.Length < Windows.Length)
        {
            _sorted = new Window[Windows.Length];
        }
        for (var i = 0; i < n; i++)
        {
            _sorted[i] = Windows[_sortOrder[i]];
        }
        (Windows, _sorted) = (_sorted, Windows);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for items 0..<paramref name="count"/> − 1 (venue groups, bucket ranges): on the
    /// first worker, or when <paramref name="parallel"/> on every worker, each taking the next item when it is done.
    /// </summary>
    private void Share(bool parallel, int count, Action<TraceWorker, int> body)
    {
        if (!parallel)
        {
            for (var i = 0; i < count; i++)
            {
                body(_workers[0], i);
            }
            return;
        }
        var next = 0;
        Parallel.For(0, _workers.Length, w =>
        {
            var worker = _workers[w];
            if (RoundRobin)
            {
                for (var i = w; i < count; i += _workers.Length)
                {
                    body(worker, i);
                }
                return;
            }
            int item;
            while ((item = Interlocked.Increment(ref next) - 1) < count)
            {
                body(worker, item);
            }
        });
    }

    /// <summary>Runs <paramref name="body"/> once per worker: on the pool when <paramref name="parallel"/>, else inline.</summary>
    private void ForWorkers(bool parallel, Action<TraceWorker> body)
    {
        if (!parallel)
        {
            foreach (var worker in _workers)
            {
                body(worker);
            }
            return;
        }
        Parallel.For(0, _workers.Length, i => body(_workers[i]));
    }

    private void Expand(CoPresenceIndex.State s, int degree)
    {
        foreach (var worker in _workers)
        {
            worker.ClearHits();
        }
        SortWindows();
        var ws = Windows.AsSpan(0, WindowCount);
        GroupCount = 0;
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
            if (GroupCount == Groups.Length)
            {
                Array.Resize(ref Groups, Groups.Length * 2);
            }
            Groups[GroupCount++] = (ws[i].Venue, i, j, maxWindow);
            i = j;
        }
        // Venues are handed out one at a time: their costs differ by orders of magnitude, so fixed shares would leave
        // one core idle while the other finishes the busiest venue's share.
        var parallel = WorkerCount > 1 && GroupCount > 1 && WindowCount >= ParallelWindows;
        Share(parallel, GroupCount, (worker, g) => worker.ScanVenue(s, g, degree));
    }

    /// <summary>
    /// Sums the hits per resident (skipping the case and the residents in <paramref name="excluded"/>, sorted), in
    /// resident order. The earliest exposure is the smallest (check-in, venue, source). The workers' hits are
    /// partitioned by resident / 4,096 into one array (bucket by bucket, streams that stay in cache), then ranges of
    /// buckets are summed, each into its own output, and the outputs joined in order.
    /// </summary>
    private Acc[] Aggregate(int caseResident, int[] excluded, int degree)
    {
        long total = 0;
        var maxResident = 0;
        foreach (var worker in _workers)
        {
            total += worker.HitCount;
            maxResident = Math.Max(maxResident, worker.MaxHitResident);
        }
        if (total == 0)
        {
            return [];
        }
        if (total > Array.MaxLength)
        {
            throw new InvalidOperationException("The trace found more stays than one array holds: narrow the window or the days.");
        }
        var n = (int)total;
        var parallel = WorkerCount > 1 && n >= ParallelHits;
        var buckets = (maxResident >> BucketBits) + 1;
        for (var w = 0; w < _workers.Length; w++)
        {
            if (_bucketCursor[w] is null || _bucketCursor[w].Length < buckets)
            {
                _bucketCursor[w] = new int[Math.Max(buckets, 1024)];
            }
        }
        ForWorkers(parallel, worker => worker.CountBuckets(_bucketCursor[worker.Index], buckets));
        var bucketStart = new int[buckets + 1];
        var pos = 0;
        for (var b = 0; b < buckets; b++)
        {
            bucketStart[b] = pos;
            for (var w = 0; w < _workers.Length; w++)
            {
                var k = _bucketCursor[w][b];
                _bucketCursor[w][b] = pos;
                pos += k;
            }
        }
        bucketStart[buckets] = pos;
        if (_parted.Length < n)
        {
            _parted = GC.AllocateUninitializedArray<Hit>(Math.Max(n, (int)Math.Min(Array.MaxLength, _parted.Length * 2L)));
        }
        ForWorkers(parallel, worker => worker.Scatter(_bucketCursor[worker.Index], _parted, buckets));

        // Ranges of buckets with about equal numbers of hits, handed out one at a time.
        var ranges = parallel ? _rangeOut.Length : 1;
        var rangeStart = new int[ranges + 1];
        for (var r = 1; r < ranges; r++)
        {
            var target = (long)n * r / ranges;
            var b = rangeStart[r - 1];
            while (b < buckets && bucketStart[b] < target)
            {
                b++;
            }
            rangeStart[r] = b;
        }
        rangeStart[ranges] = buckets;
        Share(parallel, ranges, (worker, r) =>
            _rangeCount[r] = worker.AggregateBuckets(_parted, bucketStart, rangeStart[r], rangeStart[r + 1], caseResident, excluded, degree, ref _rangeOut[r]));
        var count = 0;
        for (var r = 0; r < ranges; r++)
        {
            count += _rangeCount[r];
        }
        var result = GC.AllocateUninitializedArray<Acc>(count);
        var offsets = new int[ranges + 1];
        for (var r = 0; r < ranges; r++)
        {
            offsets[r + 1] = offsets[r] + _rangeCount[r];
        }
        // Millions of contacts for a large trace: the copy (and the first touch of the result's pages) on both cores.
        Share(parallel, ranges, (_, r) => _rangeOut[r].AsSpan(0, _rangeCount[r]).CopyTo(result.AsSpan(offsets[r])));
        return result;
    }

    /// <summary>The smallest source among the windows at the hit's venue meeting the hit's stay.</summary>
    internal int ResolveVia(int venue, uint qin, uint qout)
    {
        int lo = 0, hi = GroupCount;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Groups[mid].Venue < venue)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        var (_, start, end, maxWindow) = Groups[lo];
        var ws = Windows.AsSpan(start, end - start);
        var target = (long)qin - maxWindow; // windows starting earlier end before the stay
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
        for (var k = lo; k < ws.Length && ws[k].A <= qout; k++)
        {
            if (ws[k].B >= qin && ws[k].Src < best)
            {
                best = ws[k].Src;
            }
        }
        return best;
    }
}

/// <summary>
/// One worker of a trace: the per-venue scratch, its own buffer of hits and its own accumulators. A worker is used by
/// one thread at a time; the run's windows and groups are only read while workers run.
/// </summary>
internal sealed class TraceWorker(TraceRun run, int index)
{
    private long[] _a = new long[256];
    private long[] _b = new long[256];
    private long[] _cin = new long[256];
    private long[] _cout = new long[256];
    private long[] _cinSum = new long[257];
    private long[] _coutSum = new long[257];
    private int _intervals;
    private readonly MinHeap _heap = new();

    // Hits in chunks: a buffer that grows by doubling copies everything it holds each time (hundreds of MiB for a
    // large trace); chunks are written once and kept for the next trace.
    private const int ChunkBits = 15;
    private const int ChunkSize = 1 << ChunkBits;  // 768 KiB of 24-byte hits
    private const int KeptChunks = 32;
    private readonly List<Hit[]> _chunks = [];
    private Hit[] _current = new Hit[ChunkSize];
    private int _chunk;                            // index of _current in _chunks
    private int _used;                             // hits in _current
    private int _maxHitResident;

    // The second degree's windows this worker collected (see TraceRun.CollectWindows).
    internal Window[] Windows = new Window[256];
    internal int WindowCount;
    private readonly List<ulong> _events = [];
    private readonly List<CoPresenceIndex.StayRecord> _stays = [];

    private readonly List<CoPresenceIndex.StayRecord> _dirtyStays = [];
    private readonly List<ulong> _dirtyEvents = [];
    private readonly HashSet<int> _dirty = [];

    private int[] _sparse = new int[256];
    private bool _sparseBuilt;

    /// <summary>One resident's sums in a bucket (32 bytes, where six parallel arrays took six cache lines a hit); empty between buckets.</summary>
    private struct Slot
    {
        public static readonly Slot Empty = new() { Key = ulong.MaxValue, Via = int.MaxValue };

        public ulong Key;      // (earliest check-in << 32) | its venue
        public int Via;
        public long Exposures;
        public long Overlap;
    }

    private readonly Slot[] _slots = NewSlots();
    private readonly ulong[] _bits = new ulong[(1 << TraceRun.BucketBits) / 64];

    private static Slot[] NewSlots()
    {
        var slots = new Slot[1 << TraceRun.BucketBits];
        slots.AsSpan().Fill(Slot.Empty);
        return slots;
    }

    public int Index => index;

    public long HitCount => ((long)_chunk << ChunkBits) + _used;

    public int MaxHitResident => _maxHitResident;

    public void ClearHits()
    {
        if (_chunks.Count == 0)
        {
            _chunks.Add(_current);
        }
        _chunk = 0;
        _current = _chunks[0];
        _used = 0;
        _maxHitResident = 0;
    }

    /// <summary>Appends the windows of <paramref name="contacts"/>' stays from their first exposure to <paramref name="at"/>.</summary>
    public void CollectWindows(CoPresenceIndex.State s, ReadOnlySpan<Acc> contacts, uint at, int w)
    {
        foreach (ref readonly var c in contacts)
        {
            CoPresenceIndex.PairedStays(s, c.Resident, -1, c.First, at, _events, _stays);
            if (Windows.Length - WindowCount < _stays.Count)
            {
                Array.Resize(ref Windows, Math.Max(WindowCount + _stays.Count, Windows.Length * 2));
            }
            foreach (var st in _stays)
            {
                Windows[WindowCount++] = new Window { Venue = st.Venue, A = (long)st.In - w, B = (long)st.Out + w, CIn = st.In, COut = st.Out, Src = c.Resident };
            }
        }
    }

    /// <summary>The bytes of the worker's reusable buffers (hit chunks and windows).</summary>
    public long RetainedBytes => ((long)_chunks.Count * ChunkSize * 24) + (Windows.LongLength * 40);

    public void Trim()
    {
        if (Windows.Length > 1 << 20)
        {
            Windows = new Window[256];
        }
        if (_chunks.Count > KeptChunks)
        {
            _chunks.RemoveRange(KeptChunks, _chunks.Count - KeptChunks);
        }
    }

    private void NextChunk()
    {
        _chunk++;
        if (_chunk == _chunks.Count)
        {
            _chunks.Add(GC.AllocateUninitializedArray<Hit>(ChunkSize));
        }
        _current = _chunks[_chunk];
        _used = 0;
    }

    private Span<Hit> Chunk(int c) => _chunks[c].AsSpan(0, c == _chunk ? _used : ChunkSize);

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

    private void Emit(int resident, uint qin, int venue, int k, int via, long overlap)
    {
        while (overlap > uint.MaxValue)
        {
            Put(resident, qin, venue, 0, via, uint.MaxValue);
            overlap -= uint.MaxValue;
        }
        Put(resident, qin, venue, k, via, (uint)overlap);
    }

    private void Put(int resident, uint qin, int venue, int k, int via, uint overlap)
    {
        if (_used == ChunkSize)
        {
            NextChunk();
        }
        ref var h = ref _current[_used++];
        h.Resident = resident;
        h.In = qin;
        h.Venue = venue;
        h.K = k;
        h.Via = via;
        h.Overlap = overlap;
        if (resident > _maxHitResident)
        {
            _maxHitResident = resident;
        }
    }

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

    /// <summary>Scans the venue of the run's group <paramref name="group"/> against its windows.</summary>
    public void ScanVenue(CoPresenceIndex.State s, int group, int degree)
    {
        var (venue, start, end, _) = run.Groups[group];
        ReadOnlySpan<Window> ws = run.Windows.AsSpan(start, end - start);
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
                        Emit(resident, (uint)q, venue, ia - ib, degree == 2 ? _heap.Min(q) : -1, 0);
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
                // The tier is read in check-in order, so what depends on qin alone moves forward with pointers (windows
                // ended before qin; case stays begun and ended by qin); only the searches on qout remain.
                var ib = 0;
                var ci = 0;
                var co = 0;
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
                        while (ib < n && _b[ib] < qin)
                        {
                            ib++;
                        }
                        var until = UpperBound(a, qout); // windows starting by qout
                        var k = until - ib;
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
                            if (ia < until)
                            {
                                via = Math.Min(via, RangeMin(ws, ia, until));
                            }
                        }
                        long overlap = 0;
                        if (_intervals > 0 && qout > qin)
                        {
                            while (ci < _intervals && _cin[ci] <= qin)
                            {
                                ci++;
                            }
                            while (co < _intervals && _cout[co] <= qin)
                            {
                                co++;
                            }
                            overlap = Covered(qout) - ((qin * ci) - _cinSum[ci] - (qin * co) + _coutSum[co]);
                        }
                        Emit(resident, (uint)qin, venue, k, via, overlap);
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
                        Emit(resident, st.In, venue, k, degree == 2 ? run.ResolveVia(venue, st.In, st.Out) : -1, Overlap(st.In, st.Out));
                    }
                }
            }
        }
    }

    /// <summary>Counts this worker's hits per bucket into <paramref name="counts"/>.</summary>
    public void CountBuckets(int[] counts, int buckets)
    {
        counts.AsSpan(0, buckets).Clear();
        for (var c = 0; c <= _chunk; c++)
        {
            foreach (ref readonly var h in Chunk(c))
            {
                counts[h.Resident >> TraceRun.BucketBits]++;
            }
        }
    }

    /// <summary>
    /// Copies this worker's hits to their buckets' places in <paramref name="into"/> (<paramref name="cursor"/>: where
    /// this worker's hits of each bucket go), through write-combining buffers (<see cref="LineBuffer{T}"/>): written
    /// directly, each of the thousands of buckets' next 24 bytes is a cache line read from memory first, and this copy
    /// was 16% of a large second-degree trace.
    /// </summary>
    public unsafe void Scatter(int[] cursor, Hit[] into, int buckets)
    {
        if (HitCount < TraceRun.ParallelHits)
        {
            // A small trace (a first degree's hundreds of hits): the buffers would cost more than they save. (Tests set
            // ParallelHits to 0, so the buffered path is the one they check against the brute force.)
            for (var c = 0; c <= _chunk; c++)
            {
                foreach (ref readonly var h in Chunk(c))
                {
                    into[cursor[h.Resident >> TraceRun.BucketBits]++] = h;
                }
            }
            return;
        }
        var first = cursor.AsSpan(0, buckets).ToArray();
        fixed (Hit* at = into)
        {
            var buffer = new LineBuffer<Hit>(at, buckets);
            try
            {
                for (var c = 0; c <= _chunk; c++)
                {
                    foreach (ref readonly var h in Chunk(c))
                    {
                        var b = h.Resident >> TraceRun.BucketBits;
                        buffer.Put(b, cursor[b]++, h, first[b]);
                    }
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
        }
    }

    /// <summary>
    /// Sums buckets [<paramref name="fromBucket"/>, <paramref name="toBucket"/>) of the partitioned hits into
    /// <paramref name="output"/>, in resident order; returns how many contacts it wrote.
    /// </summary>
    public int AggregateBuckets(Hit[] parted, int[] bucketStart, int fromBucket, int toBucket, int caseResident, int[] excluded, int degree, ref Acc[] output)
    {
        const int width = 1 << TraceRun.BucketBits;
        const int mask = width - 1;
        var count = 0;
        var ex = excluded.AsSpan().BinarySearch(fromBucket << TraceRun.BucketBits);
        if (ex < 0)
        {
            ex = ~ex;
        }
        for (var bucket = fromBucket; bucket < toBucket; bucket++)
        {
            var part = parted.AsSpan(bucketStart[bucket], bucketStart[bucket + 1] - bucketStart[bucket]);
            if (part.IsEmpty)
            {
                continue;
            }
            // Sums in the slots (left empty by the previous bucket), with a two-level bitmap of the slots touched:
            // no stamp to test per hit, and the residents come out in order in time proportional to those touched
            // (the stamp test and the pass over 4,096 stamps mispredicted about half their branches).
            ulong summary = 0;
            foreach (ref readonly var h in part)
            {
                var j = h.Resident & mask;
                _bits[j >> 6] |= 1UL << j;
                summary |= 1UL << (j >> 6);
                ref var a = ref _slots[j];
                a.Exposures += h.K;
                a.Overlap += h.Overlap;
                var key = ((ulong)h.In << 32) | (uint)h.Venue;   // earliest check-in, then the smaller venue
                if (key <= a.Key)
                {
                    var via = degree == 2 ? h.Via : int.MaxValue;
                    a.Via = key < a.Key ? via : Math.Min(a.Via, via);
                    a.Key = key;
                }
            }
            var touched = 0;
            for (var s = summary; s != 0; s &= s - 1)
            {
                touched += System.Numerics.BitOperations.PopCount(_bits[System.Numerics.BitOperations.TrailingZeroCount(s)]);
            }
            if (output.Length - count < touched)
            {
                Array.Resize(ref output, Math.Max(count + touched, output.Length * 2));
            }
            var first = bucket << TraceRun.BucketBits;
            for (; summary != 0; summary &= summary - 1)
            {
                var wi = System.Numerics.BitOperations.TrailingZeroCount(summary);
                var word = _bits[wi];
                _bits[wi] = 0;
                for (; word != 0; word &= word - 1)
                {
                    var j = (wi << 6) + System.Numerics.BitOperations.TrailingZeroCount(word);
                    ref var a = ref _slots[j];
                    var resident = first + j;
                    while (ex < excluded.Length && excluded[ex] < resident)
                    {
                        ex++;
                    }
                    if (resident != caseResident && (ex >= excluded.Length || excluded[ex] != resident))
                    {
                        output[count++] = new Acc { Resident = resident, First = (uint)(a.Key >> 32), Venue = unchecked((int)(uint)a.Key), Via = degree == 2 ? a.Via : -1, Exposures = a.Exposures, Overlap = a.Overlap };
                    }
                    a = Slot.Empty;
                }
            }
        }
        return count;
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

/// <summary>
/// The contacts of a trace as <see cref="TraceResult.Contacts"/>: first degree, then second, each in resident order,
/// kept as the 32-byte accumulators the aggregation wrote and turned into <see cref="Contact"/> values when read.
/// </summary>
internal sealed class ContactList(Acc[] first, Acc[] second) : IReadOnlyList<Contact>
{
    public int Count => first.Length + second.Length;

    public Contact this[int index]
    {
        get
        {
            if ((uint)index < (uint)first.Length)
            {
                return ToContact(first[index], 1);
            }
            var i = index - first.Length;
            return (uint)i < (uint)second.Length
                ? ToContact(second[i], 2)
                : throw new ArgumentOutOfRangeException(nameof(index), index, "No such contact.");
        }
    }

    private static Contact ToContact(in Acc c, int degree) =>
        new(c.Resident, degree, Packing.Decode(c.First), c.Venue, c.Overlap, (int)Math.Min(int.MaxValue, c.Exposures), degree == 2 ? c.Via : null);

    public IEnumerator<Contact> GetEnumerator()
    {
        for (var i = 0; i < first.Length; i++)
        {
            yield return ToContact(first[i], 1);
        }
        for (var i = 0; i < second.Length; i++)
        {
            yield return ToContact(second[i], 2);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
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
