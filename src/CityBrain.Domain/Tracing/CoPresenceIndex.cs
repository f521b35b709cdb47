namespace CityBrain.Domain.Tracing;

/// <summary>
/// The in-memory co-presence index over the retained check-ins, and the contact trace on it (issue 4).
/// <para><b>Semantics.</b> A stay is a check-in at venue V by Q at time t; a check-out at V by Q matches Q's most recent
/// unmatched check-in at V at or before it (check-outs taken in time order; a check-in and a check-out of the same
/// second match), giving the closed interval [in, out]. A check-in without a matching check-out is the point [t, t];
/// a check-out with no open check-in is ignored. Q (≠ P) is a first-degree contact of P iff for some stay S_P of P
/// with S_P.in in [at − days·86400, at] and some stay S_Q of Q at the same venue, S_Q intersects
/// [S_P.in − w, S_P.out + w] (closed: exactly w apart counts). Second degree: for each first-degree contact C, C's
/// stays with S_C.in in [C.first_exposure, at] act as case stays (same test, same window); the people found who are
/// neither P nor first-degree are second-degree. The fields of <see cref="Contact"/> say how each figure is counted.</para>
/// <para><b>Design.</b> An immutable compact base (<see cref="IndexBase"/>): every check-in once by resident
/// (time-sorted, 8 bytes), and the stays paired at build time once by venue, split by duration into tiers that are
/// time-sorted per venue, so a trace reads only the stretch of each venue's stays that can meet a case stay. Check-ins
/// appended live go to an append-only tail: an array of entries each linked to the previous entry of its venue and of
/// its resident, with the chain heads in arrays; the writer writes the entry, then the heads, then publishes a new
/// immutable <c>State</c> (base, tail, count). A reader takes the state once and ignores tail entries at or past its
/// count, so it sees one consistent set of check-ins however long it runs. Because a late check-in can change how a
/// person's stays pair, a person with any tail check-in at a venue is evaluated at that venue from all of that person's
/// check-ins (base and tail), and their base stays there are skipped. When the tail reaches
/// <see cref="CompactAfter"/> check-ins, the writer merges base and tail into a new base (linear by resident, then the
/// venue side re-paired) and publishes it; <see cref="RemoveBefore"/> does the same without the purged check-ins.</para>
/// <para><b>Threads.</b> One writer at a time (Append, RemoveBefore, Compact are serialised by a lock) and any number of
/// concurrent readers (Trace, Trajectory), which never block and never see a half-applied change.</para>
/// <para><b>Limits.</b> Keys are dense non-negative ints (memory for offsets grows with the largest key); times are
/// uint32 seconds from 2020-01-01 (<see cref="MinTime"/>..<see cref="MaxTime"/>), others throw
/// <see cref="ArgumentOutOfRangeException"/>; at most <see cref="Array.MaxLength"/> check-ins.</para>
/// </summary>
public sealed partial class CoPresenceIndex
{
    /// <summary>The earliest representable time: 2020-01-01T00:00:00Z in Unix seconds.</summary>
    public const long MinTime = Packing.Epoch;

    /// <summary>The latest representable time (2156-02-07T06:28:15Z).</summary>
    public const long MaxTime = Packing.MaxTime;

    private const int InitialTail = 1024;

    internal sealed class State(IndexBase b, TailEntry[] tail, int count, int[] headByVenue, int[] headByResident)
    {
        public readonly IndexBase Base = b;
        public readonly TailEntry[] Tail = tail;
        public readonly int Count = count;
        public readonly int[] HeadByVenue = headByVenue;
        public readonly int[] HeadByResident = headByResident;

        /// <summary>Appends every check-in of <paramref name="resident"/> (base and tail) to <paramref name="into"/>, sorted.</summary>
        public void EventsOf(int resident, List<ulong> into)
        {
            into.Clear();
            foreach (var e in Base.EventsOf(resident))
            {
                into.Add(e);
            }
            if (Count > 0 && resident < HeadByResident.Length)
            {
                var added = false;
                for (var i = FirstInSnapshot(Volatile.Read(ref HeadByResident[resident]), byVenue: false); i >= 0; i = Tail[i].PrevByResident)
                {
                    into.Add(Tail[i].Event);
                    added = true;
                }
                if (added)
                {
                    into.Sort();
                }
            }
        }

        /// <summary>The residents with a tail check-in at <paramref name="venue"/> (their stays there may pair differently).</summary>
        public bool DirtyAt(int venue, HashSet<int> into)
        {
            into.Clear();
            if (Count == 0 || venue >= HeadByVenue.Length)
            {
                return false;
            }
            for (var i = FirstInSnapshot(Volatile.Read(ref HeadByVenue[venue]), byVenue: true); i >= 0; i = Tail[i].PrevByVenue)
            {
                into.Add(Tail[i].Resident);
            }
            return into.Count > 0;
        }

        private int FirstInSnapshot(int i, bool byVenue)
        {
            while (i >= Count)
            {
                i = byVenue ? Tail[i].PrevByVenue : Tail[i].PrevByResident;
            }
            return i;
        }
    }

    private readonly Lock _write = new();
    private readonly Lock _merge = new();   // one merge at a time; taken before _write, never after
    private State _state;

    private CoPresenceIndex(IndexBase b) =>
        _state = new State(b, new TailEntry[InitialTail], 0, [], []);

    /// <summary>An index holding nothing (then fed by <see cref="Append(in Checkin)"/>).</summary>
    public static CoPresenceIndex Empty => new(IndexBase.Empty);

    /// <summary>
    /// Check-ins appended since the last build or merge, after which the writer merges them into a new base (default
    /// 1,048,576; a merge of a 250-million base takes seconds and twice the base's memory while it runs).
    /// </summary>
    public long CompactAfter { get; set; } = 1 << 20;

    /// <summary>The check-ins held (every check-in and check-out, including check-outs that match nothing).</summary>
    public long Count
    {
        get
        {
            var s = Volatile.Read(ref _state);
            return s.Base.Count + s.Count;
        }
    }

    /// <summary>Check-ins appended since the base was built (still in the tail).</summary>
    public long PendingCount => Volatile.Read(ref _state).Count;

    /// <summary>Bytes of every array the index holds: base entries, offsets, tiers' per-venue bounds, tail and heads.</summary>
    public long MemoryBytes
    {
        get
        {
            var s = Volatile.Read(ref _state);
            return s.Base.Bytes + (s.Tail.LongLength * System.Runtime.CompilerServices.Unsafe.SizeOf<TailEntry>()) + (s.HeadByVenue.LongLength * 4) + (s.HeadByResident.LongLength * 4);
        }
    }

    /// <summary>Bytes of the base's per-check-in arrays alone (by resident, stays by venue and their durations), without the offset arrays and the tail.</summary>
    public long EntryBytes => Volatile.Read(ref _state).Base.EntryBytes;

    internal State Snapshot => Volatile.Read(ref _state);

    /// <summary>Adds one check-in the database has committed; any time order (late offline uploads included).</summary>
    public void Append(in Checkin c)
    {
        Packing.Validate(c);
        lock (_write)
        {
            var s = _state;
            var next = AppendCore(s, c);
            Volatile.Write(ref _state, next);
            if (next.Count >= CompactAfter)
            {
                CompactInline();
            }
        }
    }

    /// <summary>Adds a batch of committed check-ins, published to readers together.</summary>
    public void Append(ReadOnlySpan<Checkin> batch)
    {
        foreach (ref readonly var c in batch)
        {
            Packing.Validate(c);
        }
        lock (_write)
        {
            var s = _state;
            foreach (ref readonly var c in batch)
            {
                s = AppendCore(s, c);
            }
            Volatile.Write(ref _state, s);
            if (s.Count >= CompactAfter)
            {
                CompactInline();
            }
        }
    }

    /// <summary>
    /// Merges the appended check-ins into a new base now (the writer does this by itself at <see cref="CompactAfter"/>).
    /// The merge runs without holding up <see cref="Append(in Checkin)"/>: writers go on appending to the old tail,
    /// and what they appended meanwhile moves to the new state's tail when it is published. A server sets
    /// <see cref="CompactAfter"/> to <see cref="long.MaxValue"/> and calls this from a background thread, so the thread
    /// that commits check-ins never waits seconds for a merge.
    /// </summary>
    public void Compact() => Merge(0);

    /// <summary>
    /// The retention purge: drops every check-in before <paramref name="at"/> (Unix seconds) and returns how many. A
    /// check-out whose check-in is dropped then matches nothing, as in the database after its purge. Like
    /// <see cref="Compact"/>, it does not hold up appends while it merges.
    /// </summary>
    public long RemoveBefore(long at)
    {
        if (at <= MinTime)
        {
            return 0;
        }
        if (at > MaxTime)
        {
            lock (_merge)
            {
                lock (_write)
                {
                    var s = _state;
                    Volatile.Write(ref _state, new State(IndexBase.Empty, new TailEntry[InitialTail], 0, [], []));
                    return s.Base.Count + s.Count;
                }
            }
        }
        var cutoff = (uint)(at - MinTime);
        var now = Volatile.Read(ref _state);
        var min = now.Base.MinTime;
        for (var i = 0; i < now.Count; i++)
        {
            min = Math.Min(min, now.Tail[i].Time);
        }
        return min >= cutoff ? 0 : Merge(cutoff);
    }

    /// <summary>Merges base and tail (dropping times before <paramref name="cutoff"/>) outside the write lock; returns how many were dropped.</summary>
    private long Merge(uint cutoff)
    {
        lock (_merge)
        {
            var s = Volatile.Read(ref _state);
            if (s.Count == 0 && cutoff == 0)
            {
                return 0;
            }
            var b = s.Base.Merge(s.Tail.AsSpan(0, s.Count), cutoff);
            var dropped = s.Base.Count + s.Count - b.Count;
            lock (_write)
            {
                // Check-ins appended while the merge ran: re-append them to the new, empty tail, in their order.
                var current = _state;
                var next = new State(b, new TailEntry[InitialTail], 0, [], []);
                for (var i = s.Count; i < current.Count; i++)
                {
                    var t = current.Tail[i];
                    if (Packing.Time(t.Event) < cutoff)
                    {
                        dropped++;
                        continue;
                    }
                    next = AppendCore(next, new Checkin(t.Resident, t.Venue, Packing.Decode(Packing.Time(t.Event)), Packing.IsOut(t.Event)));
                }
                Volatile.Write(ref _state, next);
            }
            return dropped;
        }
    }

    /// <summary>The writer reached <see cref="CompactAfter"/>: merge now, unless a merge is already running.</summary>
    private void CompactInline()
    {
        if (!_merge.TryEnter())
        {
            return;
        }
        try
        {
            var s = _state;
            var b = s.Base.Merge(s.Tail.AsSpan(0, s.Count), 0);
            Volatile.Write(ref _state, new State(b, new TailEntry[InitialTail], 0, [], []));
        }
        finally
        {
            _merge.Exit();
        }
    }

    private static State AppendCore(State s, in Checkin c)
    {
        var tail = s.Tail;
        var headV = s.HeadByVenue;
        var headR = s.HeadByResident;
        if (s.Count == tail.Length)
        {
            if (s.Count >= Array.MaxLength / 2)
            {
                throw new InvalidOperationException("The tail is full: compact the index.");
            }
            // A new tail array: heads are copied too, so arrays older states read are never written again.
            var grown = new TailEntry[tail.Length * 2];
            Array.Copy(tail, grown, s.Count);
            tail = grown;
            headV = (int[])headV.Clone();
            headR = (int[])headR.Clone();
        }
        if (c.Venue >= headV.Length)
        {
            headV = Grow(headV, c.Venue);
        }
        if (c.Resident >= headR.Length)
        {
            headR = Grow(headR, c.Resident);
        }
        var idx = s.Count;
        var e = Packing.Event(Packing.Encode(c.At, nameof(c)), c.Out, c.Venue);
        tail[idx] = new TailEntry(c.Resident, c.Venue, e, headV[c.Venue], headR[c.Resident]);
        Volatile.Write(ref headV[c.Venue], idx);
        Volatile.Write(ref headR[c.Resident], idx);
        return new State(s.Base, tail, idx + 1, headV, headR);
    }

    private static int[] Grow(int[] heads, int key)
    {
        var size = (int)Math.Min(Array.MaxLength, Math.Max((long)key + 1, Math.Max(1024L, heads.LongLength * 2)));
        var grown = new int[size];
        Array.Copy(heads, grown, heads.Length);
        grown.AsSpan(heads.Length).Fill(-1);
        return grown;
    }

    /// <summary>A resident's stays with check-in in [<paramref name="from"/>, <paramref name="to"/>] (Unix seconds), in time order.</summary>
    public IReadOnlyList<Stay> Trajectory(int resident, long from, long to)
    {
        if (resident < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(resident), resident, "Resident keys are non-negative.");
        }
        var s = Snapshot;
        var stays = new List<StayRecord>();
        PairedStays(s, resident, -1, Packing.Clamp(from), Packing.Clamp(to), new List<ulong>(), stays);
        return stays.ConvertAll(x => x.ToStay());
    }

    /// <summary>A stay inside the index: venue, check-in, check-out (equal to check-in for a point) and whether a check-out matched.</summary>
    internal readonly record struct StayRecord(int Venue, uint In, uint Out, bool HasOut)
    {
        public Stay ToStay() => new(Venue, Packing.Decode(In), HasOut ? Packing.Decode(Out) : null);
    }

    /// <summary>
    /// The stays of <paramref name="resident"/> (at <paramref name="venue"/> only, unless it is -1) with check-in in
    /// [<paramref name="from"/>, <paramref name="to"/>] (internal seconds), in time order.
    /// </summary>
    internal static void PairedStays(State s, int resident, int venue, long from, long to, List<ulong> events, List<StayRecord> into)
    {
        into.Clear();
        s.EventsOf(resident, events);
        if (venue >= 0)
        {
            events.RemoveAll(e => Packing.Id(e) != venue);
        }
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(events);
        var match = span.Length <= 256 ? stackalloc int[span.Length] : new int[span.Length];
        StayPairing.Pair(span, match);
        for (var i = 0; i < span.Length; i++)
        {
            var e = span[i];
            if (Packing.IsOut(e))
            {
                continue;
            }
            var t = Packing.Time(e);
            if (t < from || t > to)
            {
                continue;
            }
            var hasOut = match[i] >= 0;
            into.Add(new StayRecord(Packing.Id(e), t, hasOut ? Packing.Time(span[match[i]]) : t, hasOut));
        }
    }
}
