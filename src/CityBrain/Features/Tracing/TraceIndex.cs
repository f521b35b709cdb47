using CityBrain.Data.Tracing;
using CityBrain.Data.Venues;
using CityBrain.Domain.Tracing;
using CityBrain.Domain.Venues;
using CityBrain.Infrastructure;

namespace CityBrain.Features.Tracing;

/// <summary>The tracing index is still being built from the database (start-up).</summary>
public sealed class IndexLoadingException(string message) : Exception(message);

/// <summary>
/// The server's co-presence index over the retained check-ins. Built from the database in the background at
/// start-up, then kept current: the check-in writer hands over each committed batch before it answers the scans
/// (so an acknowledged check-in is traceable at once), the retention purge trims it, and a bulk import (by this
/// process, or by another one: it marks a new generation in the database, which this polls) rebuilds it while the old
/// one keeps answering.
///
/// Consistency with the database during a build: the index subscribes to committed check-ins before it reads the
/// table, buffers what arrives while it reads, and afterwards appends exactly the buffered rows the read did not
/// see (it remembers the ids it read, and keeps them until the next build for a batch whose hand-over was late), so
/// a check-in is neither lost nor counted twice, even when ids commit out of order (PostgreSQL). A purge during a
/// build is applied to the new index before it is swapped in.
/// </summary>
public sealed partial class TraceIndex : BackgroundService
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);
    private const int GenerationEvery = 10;          // polls between looks at the database's generation mark

    /// <summary>Check-ins appended live before they are merged into a new base, off the writer's thread.</summary>
    public const long MergeAfter = 1 << 20;

    private readonly CityBrainApp _app;
    private readonly ILogger<TraceIndex> _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _rebuild = new(0);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile CoPresenceIndex? _index;
    private List<(long Id, Checkin Row)>? _buffer;   // not null while a build runs
    private IdSet? _lastRead;                        // the ids the last build read
    private long _purgedDuringBuild = long.MinValue;
    private string _generation = "";
    private double _buildSeconds;
    private DateTimeOffset? _builtAt;
    private long _builds;

    public TraceIndex(CityBrainApp app, ILogger<TraceIndex> logger)
    {
        _app = app;
        _logger = logger;
        app.CheckinsStored += OnStored;
        app.CheckinsImported += RequestRebuild;
        app.CheckinsPurged += OnPurged;
    }

    public bool Ready => _index is not null;

    /// <summary>How many builds have finished (tests wait for the next one).</summary>
    public long Builds => Interlocked.Read(ref _builds);

    /// <summary>Check-ins held, memory, how long the last build took, and when it finished.</summary>
    public (long Count, long MemoryBytes, double BuildSeconds, DateTimeOffset? BuiltAt, bool Building) Status
    {
        get
        {
            var i = _index;
            return (i?.Count ?? 0, i?.MemoryBytes ?? 0, _buildSeconds, _builtAt, Volatile.Read(ref _buffer) is not null);
        }
    }

    public Task WhenReady => _ready.Task;

    /// <summary>The index, or 503 (with Retry-After) while it is first being built.</summary>
    public CoPresenceIndex Current => _index ?? throw new IndexLoadingException("the tracing index is still being loaded from the database; try again in a few seconds");

    public void RequestRebuild() => _rebuild.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Build(stoppingToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _buffer = null;
                }
                failures++;
                var wait = TimeSpan.FromSeconds(Math.Min(300, 5 * Math.Pow(2, Math.Min(failures - 1, 6))));
                LogBuildFailed(_logger, wait.TotalSeconds, e);
                await Task.Delay(wait, stoppingToken);
                continue;
            }
            // Wait for a rebuild request, or a new generation written by another process; meanwhile merge what the
            // writer appended into a new base here, so the thread that commits check-ins never waits for a merge.
            var polls = 0;
            while (!await _rebuild.WaitAsync(PollEvery, stoppingToken))
            {
                if (_index is { PendingCount: >= MergeAfter } index)
                {
                    index.Compact();
                }
                if (++polls % GenerationEvery == 0 && GenerationChanged())
                {
                    break;
                }
            }
            while (_rebuild.CurrentCount > 0)
            {
                await _rebuild.WaitAsync(stoppingToken);   // several requests, one rebuild
            }
        }
    }

    private bool GenerationChanged()
    {
        try
        {
            using var c = _app.Db.Open();
            return CheckinFeed.Generation(c) != _generation;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads the retained check-ins and swaps in a new index (readers keep the old one meanwhile).</summary>
    private void Build(CancellationToken ct)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        lock (_gate)
        {
            _buffer = [];
            _purgedDuringBuild = long.MinValue;
        }
        var from = _app.Now.AddDays(-_app.Options.CheckinRetentionDays).ToUnixTimeSeconds();
        using var c = _app.Db.Open();
        var generation = CheckinFeed.Generation(c);
        var builder = new CoPresenceIndex.Builder(_index?.Count ?? 0);
        var seen = new IdSet(CheckinFeed.MinId(c));
        var n = CheckinFeed.Read(_app.Db, c, from, long.MaxValue, (long id, in Checkin row) =>
        {
            builder.Add(row);
            seen.Add(id);
            if ((id & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }
        });
        ct.ThrowIfCancellationRequested();
        var index = builder.Build();
        index.CompactAfter = long.MaxValue;   // merged by the loop above, not on the writer's thread
        long purge;
        lock (_gate)
        {
            var late = 0;
            foreach (var (id, row) in _buffer!)
            {
                if (!seen.Contains(id))
                {
                    index.Append(row);
                    late++;
                }
            }
            purge = _purgedDuringBuild;
            _buffer = null;
            _lastRead = seen;
            _generation = generation;
            _index = index;
            _buildSeconds = sw.Elapsed.TotalSeconds;
            _builtAt = _app.Now;
            Interlocked.Increment(ref _builds);
            LogBuilt(_logger, n, late, sw.Elapsed.TotalSeconds, index.MemoryBytes / (1 << 20));
        }
        if (purge != long.MinValue)
        {
            index.RemoveBefore(purge);   // a purge ran during the build: the rows read before it go now
        }
        _ready.TrySetResult();
    }

    private void OnStored(IReadOnlyList<CheckinRow> rows, long[] ids)
    {
        lock (_gate)
        {
            var index = _index;
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                if (ids[i] == 0 || !r.Passed)
                {
                    continue;   // a duplicate upload, or a denied scan: nobody went in
                }
                var row = new Checkin(checked((int)r.ResidentId), r.VenueKey, r.At, r.Direction == Direction.Out);
                _buffer?.Add((ids[i], row));
                if (index is not null && _lastRead?.Contains(ids[i]) != true)
                {
                    index.Append(row);
                }
            }
        }
    }

    private void OnPurged(long before)
    {
        CoPresenceIndex? index;
        lock (_gate)
        {
            if (_buffer is not null)
            {
                _purgedDuringBuild = Math.Max(_purgedDuringBuild, before);
            }
            index = _index;
        }
        // The merge that drops them does not hold up appends (the index's own lock order), so no lock of ours here.
        index?.RemoveBefore(before);
    }

    public override void Dispose()
    {
        _app.CheckinsStored -= OnStored;
        _app.CheckinsImported -= RequestRebuild;
        _app.CheckinsPurged -= OnPurged;
        _rebuild.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The ids a build read: a bitmap from the smallest id on (ids are dense: 31 MB for 250 million rows).</summary>
    private sealed class IdSet(long first)
    {
        private ulong[] _bits = new ulong[1024];
        private readonly HashSet<long> _below = [];

        public void Add(long id)
        {
            if (id < first)
            {
                _below.Add(id);
                return;
            }
            var word = (id - first) >> 6;
            if (word >= _bits.Length)
            {
                Array.Resize(ref _bits, (int)Math.Max(word + 1, _bits.Length * 2L));
            }
            _bits[word] |= 1UL << (int)((id - first) & 63);
        }

        public bool Contains(long id) => id < first
            ? _below.Contains(id)
            : ((id - first) >> 6) < _bits.Length && (_bits[(id - first) >> 6] & (1UL << (int)((id - first) & 63))) != 0;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Tracing index built: {Count} check-ins read, {Late} arrived during the build, {Seconds:F1} s, {MiB} MiB")]
    private static partial void LogBuilt(ILogger logger, long count, int late, double seconds, long miB);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Building the tracing index failed; retrying in {Seconds} s")]
    private static partial void LogBuildFailed(ILogger logger, double seconds, Exception e);
}
