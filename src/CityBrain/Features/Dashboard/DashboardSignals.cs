namespace CityBrain.Features.Dashboard;

/// <summary>
/// What the live streams wait on: a version that moves when the risk map's grading changes, and a task that completes
/// at the next change. Features that change what the big screen shows call <see cref="RiskMapChanged"/>.
/// </summary>
public sealed class DashboardSignals
{
    private long _riskMapVersion;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long RiskMapVersion => Interlocked.Read(ref _riskMapVersion);

    /// <summary>Completes at the next change (take it before reading the version, then compare).</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void RiskMapChanged(long? version = null)
    {
        if (version is { } v)
        {
            long seen;
            do
            {
                seen = Interlocked.Read(ref _riskMapVersion);
            }
            while (v > seen && Interlocked.CompareExchange(ref _riskMapVersion, v, seen) != seen);
            if (v <= seen)
            {
                return;
            }
        }
        else
        {
            Interlocked.Increment(ref _riskMapVersion);
        }
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}

/// <summary>Counts the open live streams and refuses one beyond the limit.</summary>
public sealed class DashboardStreams(Microsoft.Extensions.Options.IOptions<DashboardOptions> options)
{
    private int _open;

    public int Open => Volatile.Read(ref _open);

    /// <summary>A lease to dispose when the stream ends, or null when the limit is reached.</summary>
    public IDisposable? TryEnter()
    {
        if (Interlocked.Increment(ref _open) > options.Value.MaxStreams)
        {
            Interlocked.Decrement(ref _open);
            return null;
        }
        return new Lease(this);
    }

    private sealed class Lease(DashboardStreams owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._open);
            }
        }
    }
}
