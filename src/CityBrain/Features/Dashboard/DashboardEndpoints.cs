using System.Net.ServerSentEvents;
using CityBrain.Domain.Identity;
using CityBrain.Features.RiskMap;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CityBrain.Features.Dashboard;

/// <summary>
/// /api/v1/dashboard: the command centre's big screen (城市大脑大屏). Health officials and administrators (the data
/// bureau) read it; a big screen signs in like any staff account. The page itself is wwwroot/index.html.
/// </summary>
public static partial class DashboardEndpoints
{
    /// <summary>The policy of the dashboard's endpoints: a health official or an administrator.</summary>
    public const string Policy = "dashboard";

    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>().Bind(builder.Configuration.GetSection(DashboardOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.RequireAuthenticatedUser().RequireRole(Roles.HealthOfficial, Roles.Administrator));
        // A grading run that changed the risk map is pushed to every screen at once.
        builder.Services.AddSingleton(sp =>
        {
            var signals = new DashboardSignals();
            sp.GetRequiredService<RiskMapService>().RiskMapChanged += change => signals.RiskMapChanged(change.Version);
            return signals;
        });
        builder.Services.AddSingleton<DashboardStreams>();
        builder.Services.AddSingleton<DashboardSnapshots>();
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<DashboardSignals>(); // listening before the first grading run
        var g = app.MapGroup("/api/v1/dashboard").WithTags("Dashboard").RequireAuthorization(Policy);
        g.MapGet("/summary", Summary)
            .WithSummary("Codes by colour, check-ins by hour, the busiest venues and areas now, the work-resumption index (aggregates only)");
        g.MapGet("/events", Events)
            .WithSummary("Live updates (text/event-stream): 'snapshot' every few seconds (the summary), 'riskmap' when a grading changes");
        return app;
    }

    private static async Task<Ok<DashboardSnapshot>> Summary(DashboardSnapshots snapshots, CancellationToken ct) =>
        TypedResults.Ok((await snapshots.GetAsync(ct)).Snapshot);

    private static Results<ServerSentEventsResult<string>, ProblemHttpResult> Events(HttpContext ctx, DashboardStreams streams, DashboardSnapshots snapshots,
        DashboardSignals signals, IOptions<DashboardOptions> options, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        var lease = streams.TryEnter();
        if (lease is null)
        {
            ctx.Response.Headers.RetryAfter = "10";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Overloaded",
                detail: $"{options.Value.MaxStreams} live streams are open already: try again later");
        }
        // The stream ends when the client goes or the server stops: an open stream never holds up a shutdown.
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, lifetime.ApplicationStopping);
        ctx.Response.RegisterForDispose(lease);
        ctx.Response.RegisterForDispose(stop);
        ctx.Response.Headers.CacheControl = "no-cache, no-store";
        ctx.Response.Headers["X-Accel-Buffering"] = "no";
        var log = loggers.CreateLogger(typeof(DashboardEndpoints).FullName!);
        return TypedResults.ServerSentEvents(Stream(snapshots, signals, TimeSpan.FromSeconds(options.Value.SnapshotSeconds), log, stop.Token));
    }

    /// <summary>A snapshot at once and then every interval; a 'riskmap' event as soon as the grading changes.</summary>
    internal static async IAsyncEnumerable<SseItem<string>> Stream(DashboardSnapshots snapshots, DashboardSignals signals, TimeSpan interval, ILogger log,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var riskMap = signals.RiskMapVersion;
        var snapshot = await TrySnapshotAsync(snapshots, log, ct);
        yield return new SseItem<string>(snapshot ?? "{}", "snapshot") { ReconnectionInterval = TimeSpan.FromSeconds(3) };
        using var timer = new PeriodicTimer(interval);
        Task<bool>? tick = null;
        while (!ct.IsCancellationRequested)
        {
            tick ??= timer.WaitForNextTickAsync(ct).AsTask();
            var next = signals.Next;
            if (signals.RiskMapVersion != riskMap)
            {
                riskMap = signals.RiskMapVersion;
                yield return new SseItem<string>($"{{\"version\":{riskMap}}}", "riskmap");
                continue;
            }
            await Task.WhenAny(tick, next);
            if (ct.IsCancellationRequested)
            {
                yield break;
            }
            if (tick.IsCompleted)
            {
                tick = null;
                if (await TrySnapshotAsync(snapshots, log, ct) is { } json)
                {
                    yield return new SseItem<string>(json, "snapshot");
                }
            }
        }
    }

    private static async Task<string?> TrySnapshotAsync(DashboardSnapshots snapshots, ILogger log, CancellationToken ct)
    {
        try
        {
            return (await snapshots.GetAsync(ct)).Json;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e)
        {
            // A failed read (the database busy or gone) skips one beat; the stream stays open.
            LogSnapshotFailed(log, e);
            return null;
        }
    }

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "A dashboard snapshot failed")]
    private static partial void LogSnapshotFailed(ILogger logger, Exception e);
}
