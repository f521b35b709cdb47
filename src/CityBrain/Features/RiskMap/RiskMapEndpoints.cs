using System.Security.Claims;
using CityBrain.Domain.Identity;
using CityBrain.Features.Auth;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CityBrain.Features.RiskMap;

/// <summary>
/// /api/v1/riskmap: the five-colour risk map. Reads for health officials and administrators (the command centre's
/// dashboard), the import of case counts for health officials. Query parameters arrive as text and are checked by the
/// handlers, so a bad one is a 400 naming it.
/// </summary>
public static class RiskMapEndpoints
{
    public const string ReadPolicy = "riskmap_read";

    public static WebApplicationBuilder AddRiskMap(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RiskMapOptions>().Bind(builder.Configuration.GetSection(RiskMapOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RiskMapOptions>, RiskMapOptionsValidator>();
        builder.Services.AddSingleton(sp => new RiskMapService(sp.GetRequiredService<CityBrainApp>(), sp.GetRequiredService<HealthCodeService>(),
            sp.GetRequiredService<IOptions<RiskMapOptions>>().Value, sp.GetRequiredService<ILogger<RiskMapService>>()));
        builder.Services.AddAuthorizationBuilder().AddPolicy(ReadPolicy, p => p.RequireAuthenticatedUser().RequireRole(Roles.HealthOfficial, Roles.Administrator));
        return builder;
    }

    public static WebApplication MapRiskMap(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<RiskMapService>(); // registered before the demo loads its data
        var g = app.MapGroup("/api/v1/riskmap").WithTags("Risk map");
        g.MapGet("", Map).RequireAuthorization(ReadPolicy)
            .WithSummary("The five-colour map of a day (default: the latest graded day): each area's level, the day before's and the indicators");
        g.MapGet("/dates", Dates).RequireAuthorization(ReadPolicy).WithSummary("The days with a grading");
        g.MapGet("/areas/{code}/history", History).RequireAuthorization(ReadPolicy).WithSummary("An area's level and indicators day by day");
        g.MapPost("/casecounts", Import).RequireAuthorization(Roles.HealthOfficial).AcceptsCsv()
            .WithSummary("Import case counts (CSV: date,division_code,confirmed_new,confirmed_local_new,cluster_events, or the 2020 cumulative layout), then grade the days they touch");
        return app;
    }


    private static async Task<Ok<RiskMapView>> Map(string? date, string? level, string? rules, string? region, RiskMapService s, CancellationToken ct)
    {
        var d = RiskMapService.ParseDate(date);
        var l = RiskMapService.ParseLevel(level);
        var r = RiskMapService.ParseRules(rules);
        return TypedResults.Ok(await s.MapAsync(d, l, r, s.ParseRegion(region), ct));
    }

    private static async Task<Ok<RiskMapDatesView>> Dates(string? rules, string? level, RiskMapService s, CancellationToken ct) =>
        TypedResults.Ok(await s.DatesAsync(RiskMapService.ParseRules(rules), RiskMapService.ParseLevel(level), ct));

    private static async Task<Ok<RiskHistoryView>> History(string code, string? rules, RiskMapService s, CancellationToken ct) =>
        TypedResults.Ok(await s.HistoryAsync(code, RiskMapService.ParseRules(rules), ct));

    private static async Task<Ok<CaseCountImportReport>> Import(HttpRequest request, ClaimsPrincipal u, RiskMapService s, CancellationToken ct)
    {
        using var body = new StreamReader(request.Body, System.Text.Encoding.UTF8);
        var text = await body.ReadToEndAsync(ct);
        return TypedResults.Ok(await s.ImportAsync([("body", () => new StringReader(text))], u.Actor(), ct));
    }
}
