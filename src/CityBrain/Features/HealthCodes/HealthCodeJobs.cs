using CityBrain.Infrastructure;

namespace CityBrain.Features.HealthCodes;

/// <summary>
/// The timers: every minute, codes whose release time or hand-set expiry has come; every night, every code.
/// Each is a handler the CLI can run by hand too (citybrain recompute).
/// </summary>
public sealed partial class HealthCodeJobs(HealthCodeService service, CityBrainApp app, ILogger<HealthCodeJobs> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromSeconds(app.Options.DueRecomputeEverySeconds);
        var nightly = TimeOnly.ParseExact(app.Options.NightlyRecomputeAt, "HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var lastNight = app.Calendar.DateOf(app.Now);
        using var timer = new PeriodicTimer(every, app.Clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var local = app.Calendar.ToLocal(app.Now);
                var today = DateOnly.FromDateTime(local.DateTime);
                if (today > lastNight && TimeOnly.FromDateTime(local.DateTime) >= nightly)
                {
                    lastNight = today;
                    await service.RecomputeAllAsync(app.Now, "nightly", ct: stoppingToken);
                }
                var n = await service.RecomputeDueAsync(stoppingToken);
                if (n > 0)
                {
                    LogDue(logger, n);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Released {Count} codes whose time had come")]
    private static partial void LogDue(ILogger logger, int count);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Scheduled recompute failed")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
