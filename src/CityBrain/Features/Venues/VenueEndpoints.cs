using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using CityBrain.Domain.Identity;
using CityBrain.Domain.Venues;
using CityBrain.Features.Auth;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using QRCoder;

namespace CityBrain.Features.Venues;

public sealed record ScanBody(string? VenueId, string? Token, string? Direction);
public sealed record IdCheckinBody(string? VenueId, string? IdNumber, string? Direction);
public sealed record ResidentCheckinBody(string? VenueId, string? Direction);
public sealed record UploadBody(List<CheckinService.UploadItem>? Items);
public sealed record PurgeResult(long Deleted, int RetentionDays);

public static class VenueEndpoints
{
    /// <summary>The rate-limiter policy of the scan paths: beyond capacity, 503 with Retry-After, not a time-out.</summary>
    public const string ScanPolicy = "scan";

    public static WebApplicationBuilder AddVenues(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<VenueRegistry>();
        builder.Services.AddSingleton<OccupancyTracker>();
        builder.Services.AddSingleton<HotSpotCounters>();
        builder.Services.AddSingleton<CheckinWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CheckinWriter>());
        builder.Services.AddSingleton(sp => new CityBrain.Data.HealthCodes.CheckpointLookup(sp.GetRequiredService<CityBrainApp>().Db));
        builder.Services.AddSingleton<CheckinService>();
        builder.Services.AddSingleton<VenueAdmin>();
        builder.Services.AddHostedService<VenueJobs>();
        var options = builder.Configuration.GetSection(CityBrainOptions.Section).Get<CityBrainOptions>() ?? new CityBrainOptions();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "1";
                await ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails = { Title = "Overloaded", Status = 503, Detail = "too many scans at once: try again in a second" },
                });
            };
            o.AddConcurrencyLimiter(ScanPolicy, c =>
            {
                c.PermitLimit = options.ScanConcurrency;
                c.QueueLimit = options.ScanQueue;
                c.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
        });
        return builder;
    }

    public static WebApplication MapVenues(this WebApplication app)
    {
        var cp = app.MapGroup("/api/v1/checkpoint").WithTags("Checkpoint").RequireAuthorization(Roles.Checkpoint);
        cp.MapPost("/scan", Scan).RequireRateLimiting(ScanPolicy).WithSummary("Scan a resident's token at a venue: pass or deny, and the check-in recorded");
        cp.MapPost("/checkin-by-id", ById).RequireRateLimiting(ScanPolicy).WithSummary("Check in a person without a smartphone by ID number (same policy)");
        cp.MapPost("/uploads", Upload).WithSummary("An offline checkpoint uploads its check-ins; repeated client_ids are not counted twice");
        cp.MapGet("/venues", (VenueRegistry r) => TypedResults.Ok(r.All.Select(VenueAdmin.View).ToList())).WithSummary("Venues, to choose where this checkpoint is");
        cp.MapGet("/venues/{id}/occupancy", (string id, CheckinService s) => TypedResults.Ok(s.Occupancy(id))).WithSummary("Live occupancy of a venue");

        var me = app.MapGroup("/api/v1/me").WithTags("Resident").RequireAuthorization(Roles.Resident);
        me.MapPost("/checkins", ResidentCheckin).RequireRateLimiting(ScanPolicy).WithSummary("Check in (or out) at a venue by its poster code (场所码)");

        var h = app.MapGroup("/api/v1/health").WithTags("Health officials").RequireAuthorization(Roles.HealthOfficial);
        h.MapGet("/hotspots", ([FromQuery] int? limit, CheckinService s) => TypedResults.Ok(s.HotSpotsNow(limit ?? 20)))
            .WithSummary("The busiest venues and areas now, and today's check-ins by hour (热点区域人流量)");

        var a = app.MapGroup("/api/v1/admin").WithTags("Administrators").RequireAuthorization(Roles.Administrator);
        a.MapGet("/venues", (VenueRegistry r) => TypedResults.Ok(r.All.Select(VenueAdmin.View).ToList())).WithSummary("Venues");
        a.MapPost("/venues", AddVenue).WithSummary("Register or update a venue");
        a.MapPost("/imports/venues", (HttpRequest r, ClaimsPrincipal u, VenueAdmin s, CancellationToken ct) => ImportCsv(r, ct, reader => s.ImportVenuesAsync(reader, u.Actor(), ct)))
            .AcceptsCsv().WithSummary("Import venues.csv");
        a.MapPost("/imports/checkins", (HttpRequest r, ClaimsPrincipal u, VenueAdmin s, CancellationToken ct) => ImportCsv(r, ct, reader => s.ImportCheckinsAsync(reader, u.Actor(), ct)))
            .AcceptsCsv().WithSummary("Import checkins.csv (the CLI streams larger files)");
        a.MapGet("/venues/{id}/poster.svg", PosterSvg).WithSummary("The venue's QR poster (场所码), SVG");
        a.MapGet("/venues/{id}/poster.png", PosterPng).WithSummary("The venue's QR poster (场所码), PNG");
        a.MapPost("/checkins/purge", async (ClaimsPrincipal u, VenueAdmin s, CityBrainApp cb, CancellationToken ct) =>
            TypedResults.Ok(new PurgeResult(await s.PurgeAsync(u.Actor(), ct), cb.Options.CheckinRetentionDays))).WithSummary("Purge check-ins older than the retention period now");
        return app;
    }

    private static async Task<Ok<ScanResult>> Scan(ScanBody body, ClaimsPrincipal u, CheckinService s, CancellationToken ct) =>
        TypedResults.Ok(await s.ScanAsync(u.Actor(), body.VenueId, body.Token, body.Direction, ct));

    private static async Task<Ok<ScanResult>> ById(IdCheckinBody body, ClaimsPrincipal u, CheckinService s, CancellationToken ct) =>
        TypedResults.Ok(await s.CheckinByIdNumberAsync(u.Actor(), body.VenueId, body.IdNumber, body.Direction, ct));

    private static async Task<Ok<CheckinService.UploadReport>> Upload(UploadBody body, ClaimsPrincipal u, CheckinService s, CancellationToken ct) =>
        TypedResults.Ok(await s.UploadAsync(u.Actor(), body.Items, ct));

    private static async Task<Ok<ScanResult>> ResidentCheckin(ResidentCheckinBody body, ClaimsPrincipal u, CheckinService s, CancellationToken ct) =>
        TypedResults.Ok(await s.ResidentCheckinAsync(u.ResidentKey() ?? throw new InputException("user", "this login is not linked to a resident"), body.VenueId, body.Direction, ct));

    private static async Task<Created<VenueView>> AddVenue(VenueInput body, ClaimsPrincipal u, VenueAdmin s, CancellationToken ct)
    {
        var v = await s.UpsertAsync(u.Actor(), body, ct);
        return TypedResults.Created($"/api/v1/admin/venues/{v.VenueId}", v);
    }

    private static async Task<Ok<ImportReport>> ImportCsv(HttpRequest request, CancellationToken ct, Func<TextReader, Task<ImportReport>> import)
    {
        using var reader = await CsvBody.ReadAsync(request, ct);
        return TypedResults.Ok(await import(reader));
    }

    /// <summary>What the poster's QR code says: the resident page with the venue, so any phone camera opens it.</summary>
    private static string PosterLink(HttpRequest request, Venue v) =>
        $"{request.Scheme}://{request.Host}/resident.html#checkin={Uri.EscapeDataString(v.Id)}";

    private static Venue Find(VenueRegistry r, string id) => r.Find(id) ?? throw new NotFoundException($"no venue '{id}'");

    private static ContentHttpResult PosterSvg(string id, HttpRequest request, VenueRegistry r)
    {
        var v = Find(r, id);
        using var gen = new QRCodeGenerator();
        using var data = gen.CreateQrCode(PosterLink(request, v), QRCodeGenerator.ECCLevel.Q);
        var qr = new SvgQRCode(data).GetGraphic(new System.Drawing.Size(560, 560), "#0b3d91", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
        var inner = qr[(qr.IndexOf('>', StringComparison.Ordinal) + 1)..qr.LastIndexOf("</svg>", StringComparison.Ordinal)];
        var name = System.Security.SecurityElement.Escape(v.Name);
        var svg = $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="800" height="1100" viewBox="0 0 800 1100" font-family="sans-serif">
              <rect width="800" height="1100" fill="#ffffff"/>
              <rect width="800" height="150" fill="#0b3d91"/>
              <text x="400" y="70" font-size="48" fill="#ffffff" text-anchor="middle">场所码 Venue check-in</text>
              <text x="400" y="125" font-size="28" fill="#dfe8ff" text-anchor="middle">扫码登记 Scan to check in</text>
              <svg x="120" y="200" width="560" height="560" viewBox="{ViewBox(qr)}">{inner}</svg>
              <text x="400" y="840" font-size="44" fill="#111" text-anchor="middle">{name}</text>
              <text x="400" y="900" font-size="26" fill="#444" text-anchor="middle">{v.Type.ChineseName()} {v.Type.Name()} · {v.DivisionCode}</text>
              <text x="400" y="960" font-size="26" fill="#444" text-anchor="middle">场所编号 Venue id: {System.Security.SecurityElement.Escape(v.Id)}</text>
              <text x="400" y="1040" font-size="22" fill="#666" text-anchor="middle">无智能手机可向工作人员出示身份证 No smartphone? Show your ID card to the staff</text>
            </svg>
            """;
        return TypedResults.Content(svg, "image/svg+xml");
    }

    private static string ViewBox(string svg)
    {
        var i = svg.IndexOf("viewBox=\"", StringComparison.Ordinal);
        return i < 0 ? "0 0 560 560" : svg[(i + 9)..svg.IndexOf('"', i + 9)];
    }

    private static FileContentHttpResult PosterPng(string id, HttpRequest request, VenueRegistry r)
    {
        var v = Find(r, id);
        using var gen = new QRCodeGenerator();
        using var data = gen.CreateQrCode(PosterLink(request, v), QRCodeGenerator.ECCLevel.Q);
        var png = new PngByteQRCode(data).GetGraphic(20, [0x0b, 0x3d, 0x91], [0xff, 0xff, 0xff]);
        return TypedResults.File(png, "image/png", $"venue-{v.Id}.png");
    }
}

/// <summary>At start-up, rebuild occupancy and today's counts; every night, purge check-ins past the retention period.</summary>
public sealed partial class VenueJobs(CheckinService checkins, VenueAdmin admin, CityBrainApp app, ILogger<VenueJobs> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            LogRebuilt(logger, checkins.Rebuild());
            var purged = await admin.PurgeAsync(new Actor("system", "job"), stoppingToken);
            LogPurged(logger, purged);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e);
        }
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        var lastDay = app.Calendar.DateOf(app.Now);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var today = app.Calendar.DateOf(app.Now);
            if (today == lastDay)
            {
                continue;
            }
            lastDay = today;
            try
            {
                LogPurged(logger, await admin.PurgeAsync(new Actor("system", "job"), stoppingToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Occupancy rebuilt from {Count} check-ins")]
    private static partial void LogRebuilt(ILogger logger, int count);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Purged {Count} check-ins past the retention period")]
    private static partial void LogPurged(ILogger logger, long count);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "Venue job failed")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
