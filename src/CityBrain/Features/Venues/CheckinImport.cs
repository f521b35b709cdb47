using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.ExceptionServices;
using CityBrain.Data.Venues;
using CityBrain.Domain.Common;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using CityBrain.Domain.Venues;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;

namespace CityBrain.Features.Venues;

/// <summary>
/// The bulk import of check-ins, checkins.csv: <c>resident_id,venue_id,time,direction</c> (direction in or out, default
/// in; columns in any order). Built for files of tens of millions of rows, as a pipeline over the cores:
/// <list type="number">
/// <item>one thread reads the file in stretches of whole lines (<see cref="CsvStretches"/>);</item>
/// <item>readers on every core parse whole stretches with fields as spans (no string per line or field; an ID number is
/// hashed once per import, later rows find it by its value as a number);</item>
/// <item>one writer takes the parsed stretches in file order, gathers them into batches
/// (<c>CityBrain:CheckinImportBatch</c>, 200,000 rows), sorts each by time and commits it (SQLite's C API 64 rows a statement, binary COPY on PostgreSQL). While the
/// batches follow each other in time the time index is kept; once they overlap, it is dropped and built once at the
/// end (the sorted batches leave the table nearly in time order, which makes that build cheaper).</item>
/// </list>
/// Every rejected row is reported with its line and the good rows are kept; batches committed before a failure stay.
/// The colour recorded is the resident's colour now; the check-in counts as passed.
/// </summary>
internal sealed class CheckinImport
{
    private static readonly string[] TimeFormats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"];

    private readonly CityBrainApp _app;
    private readonly VenueRegistry _registry;
    private readonly PersonalDataProtector _protector;
    private readonly Dictionary<UInt128, (long Id, Colour Colour)> _residents;
    private readonly int _resident, _venue, _time, _direction, _needed;

    /// <summary>The latest time a check-in may have: now, with an hour's grace for a checkpoint's clock.</summary>
    private readonly long _latest;

    /// <summary>Rows a transaction: big sorted runs make the index build at the end cheap.</summary>
    private readonly int _batchRows;

    // The residents met so far, shared by the readers so that each ID number is hashed once per import. An
    // 18-character ID number (17 digits and a check digit or X, nearly every row) is keyed by its value as a number,
    // without a string; anything else by its text.
    private readonly ResidentNumberCache _byNumber = new();
    private readonly ConcurrentDictionary<string, (long Id, Colour Colour)> _byText = new(StringComparer.Ordinal);

    /// <summary>The readers' own state, taken by a reader for a stretch and put back after.</summary>
    private readonly ConcurrentBag<Reader> _readers = [];

    /// <summary>A reader's own: its HMAC, set up once (a one-shot HMAC costs about 1.3 µs here, a reused one 0.6 µs).</summary>
    private sealed class Reader(PersonalDataProtector.BulkHasher hasher)
    {
        public readonly PersonalDataProtector.BulkHasher Hasher = hasher;
    }

    /// <summary>The ID number as a number, or -1 when it is not 17 digits and a check digit or X.</summary>
    private static long IdAsNumber(ReadOnlySpan<char> id)
    {
        if (id.Length != 18)
        {
            return -1;
        }
        long n = 0;
        for (var i = 0; i < 17; i++)
        {
            var d = id[i] - '0';
            if ((uint)d > 9)
            {
                return -1;
            }
            n = n * 10 + d;
        }
        var check = id[17] switch
        {
            >= '0' and <= '9' => id[17] - '0',
            'X' or 'x' => 10,
            _ => -1,
        };
        return check < 0 ? -1 : n * 11 + check;
    }

    private CheckinImport(CityBrainApp app, VenueRegistry registry, Dictionary<UInt128, (long, Colour)> residents, Dictionary<string, int> header)
    {
        (_app, _registry, _protector, _residents) = (app, registry, app.Keys.Protector, residents);
        (_resident, _venue, _time) = (header["resident_id"], header["venue_id"], header["time"]);
        _direction = header.GetValueOrDefault("direction", -1);
        _needed = Math.Max(_resident, Math.Max(_venue, _time)) + 1;
        _latest = app.Now.ToUnixTimeSeconds() + 3600;
        _batchRows = app.Options.CheckinImportBatch;
    }

    /// <summary>What an import did: data rows read, rows stored, rejected rows by line.</summary>
    internal sealed record Outcome(int Rows, int Stored, List<RowError> Rejected, CheckinImportTimings Timings);

    /// <summary>The rows of one stretch, parsed: rented arrays, given back by the writer.</summary>
    private sealed class Part(int index, int lines)
    {
        /// <summary>The stretch's place in the file: the writer takes parts in file order.</summary>
        public int Index { get; } = index;

        public ImportedCheckin[] Rows { get; private set; } = System.Buffers.ArrayPool<ImportedCheckin>.Shared.Rent(lines);
        public int Count;
        public int DataRows;
        public readonly List<RowError> Rejected = [];

        public void Reject(int line, string field, string reason) => Rejected.Add(new RowError(line, field, reason));

        public void Return()
        {
            System.Buffers.ArrayPool<ImportedCheckin>.Shared.Return(Rows);
            Rows = [];
        }
    }

    /// <summary>
    /// Imports the file. <paramref name="stored"/> is raised with every committed batch's row count (so a caller can
    /// tell the readers that keep a copy even when a later batch fails).
    /// </summary>
    internal static async Task<Outcome> RunAsync(CityBrainApp app, VenueRegistry registry, TextReader reader, Action<int> stored, CancellationToken ct)
    {
        var header = CsvStretches.ReadHeader(reader, out var linesRead, out var unterminated);
        if (header is null)
        {
            return new Outcome(0, 0, [], new CheckinImportTimings());
        }
        if (unterminated)
        {
            throw new InputException("header", "header: unterminated quote");
        }
        var columns = Csv.Header(header, ["resident_id", "venue_id", "time"], out var error);
        if (error is not null)
        {
            throw new InputException("header", error);
        }

        // Resident look-up: every resident's ID hash → key, loaded once (a dictionary of a few hundred MB for ten
        // million people is cheaper than a query per row).
        var timings = new CheckinImportTimings();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Dictionary<UInt128, (long, Colour)> residents;
        await using (var c = await app.Db.OpenAsync(ct))
        {
            residents = ResidentIndex(c);
        }
        var import = new CheckinImport(app, registry, residents, columns);
        timings.Residents = clock.Elapsed.TotalSeconds;

        // Hand-overs wait asynchronously (channels): a blocking queue spins while it waits, on cores the parsers and
        // the writer need.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var queue = System.Threading.Channels.Channel.CreateBounded<Part>(new System.Threading.Channels.BoundedChannelOptions(8) { SingleReader = true });
        var rows = 0;
        var rejected = new List<RowError>();
        // One thread reads stretches of the file; readers on every core parse them and hand the rows to the writer.
        // (Parallel.ForEach over the stretches made each reader take turns reading the file under a lock, spinning
        // while it waited: two readers used twice the CPU of one for the same time.)
        var stretches = System.Threading.Channels.Channel.CreateBounded<CsvStretches.Stretch>(new System.Threading.Channels.BoundedChannelOptions(4) { SingleWriter = true });
        var read = Task.Run(async () =>
        {
            try
            {
                foreach (var stretch in CsvStretches.Read(reader, linesRead))
                {
                    await stretches.Writer.WriteAsync(stretch, cts.Token);
                }
            }
            finally
            {
                stretches.Writer.TryComplete();
            }
        }, CancellationToken.None);
        var readers = Enumerable.Range(0, CsvStretches.Parallelism().MaxDegreeOfParallelism).Select(_ => Task.Run(async () =>
        {
            await foreach (var stretch in stretches.Reader.ReadAllAsync(cts.Token))
            {
                var part = import.Parse(stretch);
                stretch.Return();
                lock (rejected)
                {
                    rows += part.DataRows;
                    rejected.AddRange(part.Rejected);
                }
                await queue.Writer.WriteAsync(part, cts.Token);
            }
        }, CancellationToken.None)).Append(read).ToArray();
        var parse = Task.Run(async () =>
        {
            try
            {
                await Task.WhenAll(readers);
            }
            catch
            {
                await cts.CancelAsync();
                throw;
            }
            finally
            {
                queue.Writer.TryComplete();
                timings.Parsing = clock.Elapsed.TotalSeconds - timings.Residents;
            }
        }, CancellationToken.None);
        var write = Task.Run(async () =>
        {
            try
            {
                return await import.WriteAsync(queue.Reader, stored, timings, cts.Token);
            }
            catch
            {
                await cts.CancelAsync(); // the readers stop instead of waiting for room in the queue
                throw;
            }
        }, CancellationToken.None);

        try
        {
            await Task.WhenAll(parse, write);
        }
        catch (CsvStretches.LineTooLongException e)
        {
            throw new InputException("line", e.Message);
        }
        catch when (write.IsFaulted)
        {
            ExceptionDispatchInfo.Throw(write.Exception!.InnerExceptions[0]); // the cause, not the readers' cancellation
        }
        finally
        {
            while (queue.Reader.TryRead(out var left))
            {
                left.Return();
            }
            while (stretches.Reader.TryRead(out var unread))
            {
                unread.Return();
            }
            foreach (var r in import._readers)
            {
                r.Hasher.Dispose();
            }
        }
        rejected.Sort(static (a, b) => a.Line.CompareTo(b.Line));
        return new Outcome(rows, write.Result, rejected, timings);
    }

    private Part Parse(CsvStretches.Stretch stretch)
    {
        var part = new Part(stretch.Index, stretch.Count);
        var state = _readers.TryTake(out var mine) ? mine : new Reader(_protector.CreateBulkHasher());
        try
        {
            Parse(stretch, part, state);
        }
        finally
        {
            _readers.Add(state);
        }
        return part;
    }

    private void Parse(CsvStretches.Stretch stretch, Part part, Reader state)
    {
        var rows = new CsvStretches.Rows(stretch, stackalloc Range[CsvStretches.MaxColumns], []);
        while (rows.MoveNext())
        {
            var lineNo = rows.Line;
            part.DataRows++;
            if (rows.Unterminated)
            {
                part.Reject(lineNo, "line", "unterminated quote (a field cannot span lines)");
                continue;
            }
            if (rows.FieldCount < _needed)
            {
                part.Reject(lineNo, "row", "too few columns");
                continue;
            }
            var id = rows[_resident];
            if (!TryResident(state, id, out var resident))
            {
                part.Reject(lineNo, "resident_id", id.IsEmpty ? "is required" : "no resident with this ID number");
                continue;
            }
            var venueId = rows[_venue];
            if (_registry.Find(venueId) is not { } venue)
            {
                part.Reject(lineNo, "venue_id", $"no venue '{venueId}'");
                continue;
            }
            var time = rows[_time];
            if (!Iso8601.TryParseUnixSeconds(time, out var unix))
            {
                if (!HasOffset(time) || !DateTimeOffset.TryParseExact(time, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
                {
                    part.Reject(lineNo, "time", $"'{time}' is not an ISO 8601 time with an offset");
                    continue;
                }
                unix = at.ToUnixTimeSeconds();
            }
            if (unix > _latest)
            {
                part.Reject(lineNo, "time", $"'{time}' is in the future");
                continue;
            }
            var direction = rows[_direction];
            Direction dir;
            if (direction.IsEmpty || direction.SequenceEqual("in"))
            {
                dir = Direction.In;
            }
            else if (direction.SequenceEqual("out"))
            {
                dir = Direction.Out;
            }
            else
            {
                part.Reject(lineNo, "direction", "direction must be in or out");
                continue;
            }
            part.Rows[part.Count++] = new ImportedCheckin(unix, resident.Id, venue.Key, dir, resident.Colour);
        }
    }

    /// <summary>A date, a 'T', a time and Z or ±hh:mm: the format's K also matches no offset at all (server-local time).</summary>
    private static bool HasOffset(ReadOnlySpan<char> time)
    {
        var t = time.IndexOf('T');
        return t > 0 && time[t..].IndexOfAny('Z', '+', '-') > 0;
    }

    /// <summary>The resident with this ID number: hashed (HMAC) the first time the import meets it, then by cache.</summary>
    private bool TryResident(Reader reader, ReadOnlySpan<char> id, out (long Id, Colour Colour) resident)
    {
        var number = IdAsNumber(id);
        if (number >= 0 ? _byNumber.TryGet(number, out resident) : _byText.TryGetValue(id.ToString(), out resident))
        {
            return true;
        }
        if (id.IsEmpty || id.Length > 64)
        {
            return false;
        }
        Span<char> normal = stackalloc char[id.Length];
        id.ToUpperInvariant(normal);
        Span<byte> hash = stackalloc byte[32];
        reader.Hasher.Hash(normal, hash);
        if (!_residents.TryGetValue(System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash), out resident))
        {
            return false;
        }
        if (number >= 0)
        {
            _byNumber.Add(number, resident);
        }
        else
        {
            _byText.TryAdd(id.ToString(), resident);
        }
        return true;
    }

    /// <summary>The widest span of seconds a batch is counting-sorted over (48 days: a 16 MiB table of counts).</summary>
    private const int CountingRange = 1 << 22;

    /// <summary>
    /// <paramref name="rows"/> into <paramref name="sorted"/> by time, stable. Within <see cref="CountingRange"/> seconds
    /// a counting sort by second (two passes over the rows: a few ms for a batch, where a comparison sort took 40);
    /// wider batches as one array of longs, (time − earliest) &lt;&lt; bits | position, sorted and gathered.
    /// </summary>
    private static void SortByTime(ReadOnlySpan<ImportedCheckin> rows, ImportedCheckin[] sorted, ref int[]? counts, long[] keys)
    {
        var (min, max) = (long.MaxValue, long.MinValue);
        foreach (ref readonly var r in rows)
        {
            min = Math.Min(min, r.At);
            max = Math.Max(max, r.At);
        }
        if (rows.Length > 0 && max - min < CountingRange)
        {
            var width = (int)(max - min) + 1;
            counts ??= new int[CountingRange + 1];
            var start = counts.AsSpan(0, width + 1);
            start.Clear();
            foreach (ref readonly var r in rows)
            {
                start[(int)(r.At - min) + 1]++;
            }
            for (var i = 1; i < start.Length; i++)
            {
                start[i] += start[i - 1];
            }
            foreach (ref readonly var r in rows)
            {
                sorted[start[(int)(r.At - min)]++] = r;
            }
            return;
        }
        // Times lie within years 1–9999 (< 2^39 s apart) and a batch holds at most 2^24 rows: the key fits a long.
        var bits = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            keys[i] = (rows[i].At - min) << bits | (long)i;
        }
        keys.AsSpan(0, rows.Length).Sort();
        var mask = (1L << bits) - 1;
        for (var i = 0; i < rows.Length; i++)
        {
            sorted[i] = rows[(int)(keys[i] & mask)];
        }
    }


    /// <summary>The writer's loop: returns the rows committed.</summary>
    private async Task<int> WriteAsync(System.Threading.Channels.ChannelReader<Part> queue, Action<int> stored, CheckinImportTimings timings, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var c = _app.Db.Open();
        var batch = new ImportedCheckin[_batchRows];
        var keys = new long[batch.Length];
        var sorted = new ImportedCheckin[batch.Length];
        int[]? counts = null;
        var latestWritten = long.MinValue;
        var n = 0;
        var committed = 0;
        var bulk = false;
        Exception? failure = null;
        try
        {
            // Parts arrive in the order the readers finish them; they are written in file order, so that a file in
            // time order gives batches in time order.
            var early = new Dictionary<int, Part>();
            var next = 0;
            await foreach (var arrived in queue.ReadAllAsync(ct))
            {
                early.Add(arrived.Index, arrived);
                while (early.Remove(next, out var part))
                {
                    next++;
                    for (var taken = 0; taken < part.Count;)
                    {
                        var take = Math.Min(part.Count - taken, batch.Length - n);
                        part.Rows.AsSpan(taken, take).CopyTo(batch.AsSpan(n));
                        (n, taken) = (n + take, taken + take);
                        if (n == batch.Length)
                        {
                            Commit();
                        }
                    }
                    part.Return();
                }
            }
            if (n > 0)
            {
                Commit();
            }
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            timings.Waiting = clock.Elapsed.TotalSeconds - timings.Sorting - timings.Writing;
            if (bulk)
            {
                var start = clock.Elapsed;
                try
                {
                    CheckinStore.CreateSecondaryIndexes(c);
                }
                catch when (failure is not null)
                {
                    // The import's own failure is the one to report; the index is built again at the next start.
                }
                timings.Indexing = (clock.Elapsed - start).TotalSeconds;
            }
        }
        return committed;

        void Commit()
        {
            var start = clock.Elapsed;
            // In time order: the table then lies roughly by time, and building (or appending to) the time index
            // afterwards is far cheaper than for rows in file order (2.4 s → under 1 s for 2 million).
            SortByTime(batch.AsSpan(0, n), sorted, ref counts, keys);
            var rows = sorted.AsSpan(0, n);
            timings.Sorting += (clock.Elapsed - start).TotalSeconds;
            start = clock.Elapsed;
            // While the batches come in time order (an export usually does), each batch's index entries follow the
            // last one's and the index is kept. Once a batch reaches back into times already written, the rows are
            // spread over the whole period: the time index is dropped and built once at the end, which is far
            // cheaper than inserting into it all over for every batch (twice the writer's time measured).
            if (!bulk && rows[0].At < latestWritten)
            {
                bulk = true; // before the drop: a failure half-way still rebuilds
                CheckinStore.DropTimeIndex(c);
            }
            latestWritten = Math.Max(latestWritten, rows[^1].At);
            using (var tx = c.BeginTransaction())
            {
                CheckinStore.BulkLoad(c, tx, rows);
                tx.Commit();
            }
            timings.Writing += (clock.Elapsed - start).TotalSeconds;
            committed += n;
            stored(n);
            n = 0;
        }
    }

    /// <summary>The first 128 bits of an ID-number hash: a compact dictionary key (about 40 bytes a resident).</summary>
    private static UInt128 HashKey(byte[] hash) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);

    private static Dictionary<UInt128, (long, Colour)> ResidentIndex(System.Data.Common.DbConnection c)
    {
        var map = new Dictionary<UInt128, (long, Colour)>();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT r.id, r.id_hash, h.colour FROM residents r JOIN health_state h ON h.resident_id = r.id";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            map[HashKey((byte[])r.GetValue(1))] = (r.GetInt64(0), (Colour)r.GetInt32(2));
        }
        return map;
    }
}

/// <summary>Where a check-in import's time went, in seconds (the benchmark prints it).</summary>
public sealed class CheckinImportTimings
{
    /// <summary>Loading every resident's ID hash.</summary>
    public double Residents { get; set; }

    /// <summary>Reading and parsing the file (wall time, the readers run beside the writer).</summary>
    public double Parsing { get; set; }

    /// <summary>The writer waiting for parsed rows.</summary>
    public double Waiting { get; set; }

    /// <summary>The writer sorting batches by time.</summary>
    public double Sorting { get; set; }

    /// <summary>The writer inserting and committing.</summary>
    public double Writing { get; set; }

    /// <summary>Building the secondary indexes again after a bulk load.</summary>
    public double Indexing { get; set; }

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"residents {Residents:F2} s, parsing {Parsing:F2} s; writer: waiting {Waiting:F2} s, sorting {Sorting:F2} s, writing {Writing:F2} s, indexing {Indexing:F2} s");
}
