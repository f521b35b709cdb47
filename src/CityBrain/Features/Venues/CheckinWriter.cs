using System.Threading.Channels;
using CityBrain.Data.Venues;
using CityBrain.Infrastructure;

namespace CityBrain.Features.Venues;

/// <summary>Too much load: answered with 503 and Retry-After, not a time-out.</summary>
public sealed class OverloadedException(string message) : Exception(message);

/// <summary>
/// Group commit for check-ins. Each request hands its row to one writer and waits; the writer takes everything that
/// has queued up (up to 2,000 rows), writes it in one transaction and only then answers each request with its row id.
/// So an acknowledged check-in is committed (a SIGKILL right after cannot lose it), and at high load one commit
/// serves hundreds of scans. The queue is bounded: when it is full the request is shed with 503.
/// </summary>
public sealed partial class CheckinWriter(CityBrainApp app, ILogger<CheckinWriter> logger) : BackgroundService
{
    private const int MaxBatch = 2000;

    private readonly record struct Pending(CheckinRow Row, TaskCompletionSource<long> Done);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(app.Options.CheckinQueueLimit)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private long _written;
    private bool _busy;
    private long _batches;

    public long Written => Interlocked.Read(ref _written);
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Time the writer spent inserting, committing and handing over to listeners (the benchmark reports it).</summary>
    public (TimeSpan Insert, TimeSpan Commit, TimeSpan Listeners) Spent =>
        (TimeSpan.FromTicks(Interlocked.Read(ref _insertTicks)), TimeSpan.FromTicks(Interlocked.Read(ref _commitTicks)), TimeSpan.FromTicks(Interlocked.Read(ref _listenerTicks)));

    private long _insertTicks;
    private long _commitTicks;
    private long _listenerTicks;

    /// <summary>Queues a row and waits until it is committed; returns its id (0: a duplicate of a stored row).</summary>
    public Task<long> WriteAsync(CheckinRow row)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite(new Pending(row, done)))
        {
            throw new OverloadedException("too many check-ins are waiting to be written; try again in a second");
        }
        return done.Task;
    }

    /// <summary>Queues many rows (an offline upload) and waits for all.</summary>
    public async Task<long[]> WriteManyAsync(IReadOnlyList<CheckinRow> rows)
    {
        var tasks = new Task<long>[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            await _queue.Writer.WriteAsync(new Pending(rows[i], done));
            tasks[i] = done.Task;
        }
        return await Task.WhenAll(tasks);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        var rows = new List<CheckinRow>(MaxBatch);
        System.Data.Common.DbConnection? c = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                rows.Clear();
                // Under load, give the requests arriving right now a moment to join this commit: one commit for many
                // rows costs far less than many commits, and a millisecond is nothing to a person at a gate.
                if (_queue.Reader.Count < 64 && _busy)
                {
                    await Task.Delay(1, stoppingToken);
                }
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var p))
                {
                    batch.Add(p);
                    rows.Add(p.Row);
                }
                try
                {
                    c ??= await app.Db.OpenAsync(stoppingToken);
                    long[] ids;
                    var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                    long t1;
                    await using (var tx = await c.BeginTransactionAsync(stoppingToken))
                    {
                        ids = CheckinStore.Insert(c, tx, rows);
                        t1 = System.Diagnostics.Stopwatch.GetTimestamp();
                        await tx.CommitAsync(stoppingToken);
                    }
                    var t2 = System.Diagnostics.Stopwatch.GetTimestamp();
                    Interlocked.Add(ref _insertTicks, System.Diagnostics.Stopwatch.GetElapsedTime(t0, t1).Ticks);
                    Interlocked.Add(ref _commitTicks, System.Diagnostics.Stopwatch.GetElapsedTime(t1, t2).Ticks);
                    _busy = batch.Count > 8;
                    Interlocked.Add(ref _written, batch.Count);
                    Interlocked.Increment(ref _batches);
                    try
                    {
                        // Before the answer: an acknowledged check-in is already in the tracing index.
                        app.RaiseCheckinsStored(rows, ids);
                        Interlocked.Add(ref _listenerTicks, System.Diagnostics.Stopwatch.GetElapsedTime(t2).Ticks);
                    }
                    catch (Exception e)
                    {
                        // A reader's failure must not fail check-ins that are committed.
                        LogListenerFailed(logger, e);
                    }
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult(ids[i]);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(logger, batch.Count, e);
                    foreach (var p in batch)
                    {
                        p.Done.TrySetException(new InvalidOperationException("the check-in could not be stored", e));
                    }
                    if (c is not null)
                    {
                        await c.DisposeAsync();
                        c = null;
                    }
                }
            }
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var p))
            {
                p.Done.TrySetException(new OverloadedException("the server is shutting down"));
            }
            if (c is not null)
            {
                await c.DisposeAsync();
            }
        }
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "A listener of stored check-ins failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception e);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Writing {Count} check-ins failed")]
    private static partial void LogFailed(ILogger logger, int count, Exception e);
}
