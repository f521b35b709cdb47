using System.Security.Claims;
using CityBrain.Data.Tracing;
using CityBrain.Domain.Identity;
using CityBrain.Features.Auth;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.Venues;
using CityBrain.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityBrain.Features.Tracing;

public sealed record TrajectoryBody(string? ResidentId, int? Days, DateTimeOffset? At, string? Why);
public sealed record ContactStatusBody(string? ResidentId, string? Status, string? Note);
public sealed record IndexStatus(bool Ready, bool Building, long Checkins, long MemoryBytes, double BuildSeconds, DateTimeOffset? BuiltAt);

public static class TracingEndpoints
{
    public static WebApplicationBuilder AddTracing(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TraceIndex>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TraceIndex>());
        builder.Services.AddSingleton(sp =>
        {
            var index = sp.GetRequiredService<TraceIndex>();
            var app = sp.GetRequiredService<CityBrainApp>();
            return new TracingService(app, sp.GetRequiredService<HealthCodeService>(), sp.GetRequiredService<VenueRegistry>(), () => index.Current)
            {
                MaxContacts = app.Options.TraceMaxContacts,
            };
        });
        builder.Services.AddHostedService<TracingJobs>();
        return builder;
    }

    public static WebApplication MapTracing(this WebApplication app)
    {
        // The dashboard's numbers: no personal data, so the command centre's administrators see them too.
        app.MapGet("/api/v1/traces/summary", async (TracingService s, TraceIndex index, CancellationToken ct) => TypedResults.Ok(await s.SummaryAsync(index, ct)))
            .WithTags("Contact tracing").RequireAuthorization(p => p.RequireAuthenticatedUser().RequireRole(Roles.HealthOfficial, Roles.Administrator))
            .WithSummary("Open traces and contacts still to reach (for the dashboard)");

        var t = app.MapGroup("/api/v1/traces").WithTags("Contact tracing").RequireAuthorization(Roles.HealthOfficial);
        t.MapPost("/", Run).WithSummary("Trace a case: first- and second-degree contacts (kept as a draft until confirmed)");
        t.MapGet("/", async ([FromQuery] string? status, TracingService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(status, ct)))
            .WithSummary("Recent traces (draft, open or closed)");
        t.MapPost("/trajectory", Trajectory).WithSummary("A person's trajectory: every venue and time in the last days (audited)");
        t.MapGet("/index", (TraceIndex i) =>
        {
            var s = i.Status;
            return TypedResults.Ok(new IndexStatus(i.Ready, s.Building, s.Count, s.MemoryBytes, s.BuildSeconds, s.BuiltAt));
        }).WithSummary("The in-memory co-presence index: check-ins held, memory, last build");
        t.MapGet("/{id:long}", async (long id, ClaimsPrincipal u, TracingService s, CancellationToken ct) => TypedResults.Ok(await s.GetAsync(u.Actor(), id, ct)))
            .WithSummary("A trace and its contacts");
        t.MapPost("/{id:long}/confirm", async (long id, ClaimsPrincipal u, TracingService s, CancellationToken ct) => TypedResults.Ok(await s.ConfirmAsync(u.Actor(), id, ct)))
            .WithSummary("Confirm a draft: close contacts turn red, secondary contacts yellow, at once");
        t.MapGet("/{id:long}/tasks", async (long id, [FromQuery] string? by, ClaimsPrincipal u, TracingService s, CancellationToken ct) =>
            TypedResults.Ok(await s.TasksAsync(u.Actor(), id, by, ct))).WithSummary("Contacts to reach, by home street office/township or police station area");
        t.MapGet("/{id:long}/tasks.csv", async (long id, [FromQuery] string? by, ClaimsPrincipal u, TracingService s, CancellationToken ct) =>
            {
                var tasks = await s.TasksAsync(u.Actor(), id, by, ct);
                return TypedResults.File(System.Text.Encoding.UTF8.GetPreamble().Concat(System.Text.Encoding.UTF8.GetBytes(TracingService.TasksCsv(tasks))).ToArray(),
                    "text/csv; charset=utf-8", $"trace-{id}-tasks-by-{tasks.By}.csv");
            }).WithSummary("The task lists as CSV (opens in a spreadsheet)");
        t.MapPost("/{id:long}/close", async (long id, ClaimsPrincipal u, TracingService s, CancellationToken ct) =>
            {
                await s.CloseAsync(u.Actor(), id, ct);
                return TypedResults.NoContent();
            }).WithSummary("Close an open trace: its contacts have been followed up");
        t.MapPost("/{id:long}/contacts/status", async (long id, ContactStatusBody body, ClaimsPrincipal u, TracingService s, CancellationToken ct) =>
            {
                await s.SetContactStatusAsync(u.Actor(), id, body.ResidentId, body.Status, body.Note, ct);
                return TypedResults.NoContent();
            }).WithSummary("Record that a contact was reached (or could not be)");

        var a = app.MapGroup("/api/v1/admin").WithTags("Administrators").RequireAuthorization(Roles.Administrator);
        a.MapPost("/trace-index/rebuild", (TraceIndex i) =>
        {
            i.RequestRebuild();
            return TypedResults.Accepted("/api/v1/traces/index");
        }).WithSummary("Rebuild the tracing index from the database (after check-ins were imported by another process)");
        a.MapPost("/imports/police-areas", async (HttpRequest r, ClaimsPrincipal u, TracingService s, CancellationToken ct) =>
        {
            using var reader = await CsvBody.ReadAsync(r, ct);
            return TypedResults.Ok(await s.ImportPoliceAreasAsync(reader, u.Actor(), ct));
        }).AcceptsCsv().WithSummary("Import police_areas.csv (division_code,station)");
        return app;
    }

    private static async Task<Created<TraceView>> Run(TraceRequest body, ClaimsPrincipal u, TracingService s, CancellationToken ct)
    {
        var view = await s.TraceAsync(u.Actor(), body, save: true, ct);
        return TypedResults.Created($"/api/v1/traces/{view.TraceId}", view);
    }

    private static async Task<Ok<TrajectoryView>> Trajectory(TrajectoryBody body, ClaimsPrincipal u, TracingService s, CancellationToken ct) =>
        TypedResults.Ok(await s.TrajectoryAsync(u.Actor(), body.ResidentId, body.Days, body.At, body.Why, ct));
}

/// <summary>When the nightly retention purge has run, traces past their time go too (drafts after a day, closed
/// traces after the check-in retention).</summary>
public sealed partial class TracingJobs(CityBrainApp app, TracingService tracing, ILogger<TracingJobs> logger) : IHostedService
{
    private Task _running = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        app.CheckinsPurged += OnPurged;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        app.CheckinsPurged -= OnPurged;
        await _running.WaitAsync(cancellationToken);
    }

    private void OnPurged(long before) => _running = Task.Run(async () =>
    {
        try
        {
            LogPurged(logger, await tracing.PurgeAsync(new Actor("system", "job")));
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            LogFailed(logger, e);
        }
    });

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Purged {Count} traces past their time")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Purging traces failed")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
