using System.Text.Json;
using CityBrain.Data.HealthCodes;
using CityBrain.Domain.HealthCodes;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.Resumption;
using CityBrain.Features.Tracing;
using CityBrain.Features.Venues;
using CityBrain.Infrastructure;
using Microsoft.Extensions.Options;

namespace CityBrain.Features.Dashboard;

public sealed record CodeCounts(IReadOnlyDictionary<string, long> Colours, long Residents, string RuleSet);

public sealed record CheckinsNow(int PeopleInside, int VenuesWithPeople, int Today, int[] ByHour);

public sealed record ResumptionNow(DateOnly Date, double? Index, double? ResumptionRate, double? ProductionRate, int Enterprises, IReadOnlyList<BandRow> Counties);

/// <summary>What the big screen shows besides the risk map: aggregates only, no personal data.</summary>
public sealed record DashboardSnapshot(
    DateTimeOffset At,
    CodeCounts Codes,
    CheckinsNow Checkins,
    IReadOnlyList<CheckinService.HotVenue> Venues,
    IReadOnlyList<CheckinService.HotArea> Areas,
    ResumptionNow? Resumption,
    TraceSummary? Traces,
    long RiskMapVersion);

/// <summary>
/// Builds the dashboard's snapshot, at most once a second however many screens are watching: every stream and the
/// summary endpoint share the last one.
/// </summary>
public sealed partial class DashboardSnapshots(
    CityBrainApp app,
    CheckinService checkins,
    ResumptionService resumption,
    TracingService tracing,
    TraceIndex traceIndex,
    DashboardSignals signals,
    IOptions<DashboardOptions> options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    ILogger<DashboardSnapshots> logger)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset Made, long RiskMapVersion, DashboardSnapshot Snapshot, string Json)? _last;

    public async Task<(DashboardSnapshot Snapshot, string Json)> GetAsync(CancellationToken ct)
    {
        if (Fresh(_last) is { } hit)
        {
            return hit;
        }
        await _gate.WaitAsync(ct);
        try
        {
            if (Fresh(_last) is { } again)
            {
                return again;
            }
            var snapshot = await BuildAsync(ct);
            var text = JsonSerializer.Serialize(snapshot, json.Value.SerializerOptions);
            _last = (DateTimeOffset.UtcNow, snapshot.RiskMapVersion, snapshot, text);
            return (snapshot, text);
        }
        finally
        {
            _gate.Release();
        }
    }

    private (DashboardSnapshot, string)? Fresh((DateTimeOffset Made, long RiskMapVersion, DashboardSnapshot Snapshot, string Json)? last) =>
        last is { } l && DateTimeOffset.UtcNow - l.Made < MaxAge && l.RiskMapVersion == signals.RiskMapVersion ? (l.Snapshot, l.Json) : null;

    private async Task<DashboardSnapshot> BuildAsync(CancellationToken ct)
    {
        IReadOnlyDictionary<string, long> colours;
        await using (var c = await app.Db.OpenAsync(ct))
        {
            colours = (await HealthStateStore.CountsAsync(c, ct)).ToDictionary(k => k.Key.Name(), k => k.Value);
        }
        var hot = checkins.HotSpotsNow(500);
        var byHour = new int[24];
        foreach (var area in hot.Areas)
        {
            for (var h = 0; h < 24 && h < area.ByHour.Length; h++)
            {
                byHour[h] += area.ByHour[h];
            }
        }
        var top = options.Value.TopVenues;
        return new DashboardSnapshot(
            app.Now,
            new CodeCounts(colours, colours.Values.Sum(), app.Engine.Rules.Name),
            new CheckinsNow(hot.PeopleInside, hot.VenuesWithPeople, byHour.Sum(), byHour),
            hot.Venues.Take(top).ToList(),
            hot.Areas.Take(top).ToList(),
            await ResumptionAsync(ct),
            await tracing.SummaryAsync(traceIndex, ct),
            signals.RiskMapVersion);
    }

    /// <summary>The last day's index of all enterprises and the county bands; null before any meter reading.</summary>
    private async Task<ResumptionNow?> ResumptionAsync(CancellationToken ct)
    {
        try
        {
            var settings = resumption.Settings();
            var figures = await resumption.FiguresAsync(null, Domain.Resumption.Level.Province, null, null, settings, ct);
            var bands = await resumption.BandsAsync(figures.Date, null, settings, ct);
            var t = figures.Total;
            return new ResumptionNow(figures.Date, t.Index, t.ResumptionRate, t.ProductionRate, t.Enterprises, bands.Counties);
        }
        catch (NotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogResumptionFailed(logger, e);
            return null;
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "The dashboard could not read the work-resumption figures")]
    private static partial void LogResumptionFailed(ILogger logger, Exception e);
}
