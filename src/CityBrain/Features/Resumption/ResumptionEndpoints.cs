using System.Security.Claims;
using CityBrain.Domain.Identity;
using CityBrain.Features.Auth;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CityBrain.Features.Resumption;

/// <summary>
/// /api/v1/resumption: the data bureau (administrator) imports the register and the meter readings and reads the
/// figures. Query parameters arrive as text and are checked by the handlers, so a bad one is a 400 naming it.
/// </summary>
public static class ResumptionEndpoints
{
    public static WebApplicationBuilder AddResumption(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ResumptionOptions>().Bind(builder.Configuration.GetSection(ResumptionOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ResumptionOptions>, ResumptionOptionsValidator>();
        builder.Services.AddSingleton(sp => new ResumptionService(sp.GetRequiredService<CityBrainApp>(),
            sp.GetRequiredService<IOptions<ResumptionOptions>>().Value, sp.GetRequiredService<ILogger<ResumptionService>>()));
        return builder;
    }

    public static WebApplication MapResumption(this WebApplication app)
    {
        var g = app.MapGroup("/api/v1/resumption").WithTags("Work resumption").RequireAuthorization(Roles.Administrator);
        g.MapPost("/imports/enterprises", ImportEnterprises).AcceptsCsv()
            .WithSummary("Import the enterprise register (CSV: enterprise_id,name,industry,division_code,scale)");
        g.MapPost("/imports/meters", ImportMeters).AcceptsCsv()
            .WithSummary("Import meter readings (CSV: enterprise_id,date,kwh or enterprise_id,time,kwh); replace=true corrects stored days");
        g.MapGet("/figures", Figures).WithSummary("Resumption rate, production rate and index of a day, by county, city, province or industry");
        g.MapGet("/trend", Trend).WithSummary("The figures of a division or industry for every day of a range");
        g.MapGet("/bands", CountyBands).WithSummary("The five-colour resumption map: each county's index and band on a day");
        g.MapGet("/below-threshold", BelowThreshold).WithSummary("Large (above-size) enterprises below the threshold on a day, biggest first");
        g.MapGet("/no-baseline", NoBaseline).WithSummary("Enterprises without a baseline (reported apart from the rates), and why");
        return app;
    }


    private static async Task<Ok<ImportReport>> ImportEnterprises(HttpRequest request, ClaimsPrincipal u, ResumptionService s, CancellationToken ct)
    {
        using var reader = await BodyAsync(request, ct);
        return TypedResults.Ok(await s.ImportEnterprisesAsync(reader, u.Actor(), ct));
    }

    private static async Task<Ok<ImportReport>> ImportMeters(HttpRequest request, [FromQuery] string? replace, ClaimsPrincipal u, ResumptionService s, CancellationToken ct)
    {
        var correct = replace?.Trim().ToLowerInvariant() switch
        {
            null or "" or "false" or "0" => false,
            "true" or "1" => true,
            _ => throw new InputException("replace", "must be true or false"),
        };
        using var reader = await BodyAsync(request, ct);
        return TypedResults.Ok(await s.ImportMetersAsync(reader, u.Actor(), correct, ct));
    }

    /// <summary>Kestrel allows no synchronous reads: the body is taken first (bigger files go through the CLI).</summary>
    private static async Task<StringReader> BodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var body = new StreamReader(request.Body, System.Text.Encoding.UTF8);
        return new StringReader(await body.ReadToEndAsync(ct));
    }

    private static async Task<Ok<FiguresView>> Figures(string? date, string? by, string? division, string? industry, string? baseline, string? threshold,
        string? structure, ResumptionService s, CancellationToken ct) =>
        TypedResults.Ok(await s.FiguresAsync(ResumptionService.ParseDate(date, "date"), ResumptionService.ParseLevel(by), s.ParseDivision(division),
            ResumptionService.ParseSector(industry), s.Settings(baseline, threshold, structure), ct));

    private static async Task<Ok<TrendView>> Trend(string? from, string? to, string? division, string? industry, string? baseline, string? threshold,
        string? structure, ResumptionService s, CancellationToken ct) =>
        TypedResults.Ok(await s.TrendAsync(ResumptionService.ParseDate(from, "from"), ResumptionService.ParseDate(to, "to"), s.ParseDivision(division),
            ResumptionService.ParseSector(industry), s.Settings(baseline, threshold, structure), ct));

    private static async Task<Ok<BandsView>> CountyBands(string? date, string? division, string? baseline, string? threshold, ResumptionService s, CancellationToken ct) =>
        TypedResults.Ok(await s.BandsAsync(ResumptionService.ParseDate(date, "date"), s.ParseDivision(division), s.Settings(baseline, threshold), ct));

    private static async Task<Ok<BelowThresholdView>> BelowThreshold(string? date, string? division, string? industry, string? limit, string? baseline,
        string? threshold, ResumptionService s, CancellationToken ct) =>
        TypedResults.Ok(await s.BelowThresholdAsync(ResumptionService.ParseDate(date, "date"), s.ParseDivision(division), ResumptionService.ParseSector(industry),
            Limit(limit), s.Settings(baseline, threshold), ct));

    private static async Task<Ok<NoBaselineView>> NoBaseline(string? division, string? industry, string? limit, string? baseline, ResumptionService s, CancellationToken ct) =>
        TypedResults.Ok(await s.NoBaselineAsync(s.ParseDivision(division), ResumptionService.ParseSector(industry), Limit(limit), s.Settings(baseline), ct));

    private static int Limit(string? text) =>
        string.IsNullOrWhiteSpace(text) ? 100
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 10_000 ? n
        : throw new InputException("limit", "must be a whole number from 1 to 10000");
}

internal sealed class ResumptionOptionsValidator : IValidateOptions<ResumptionOptions>
{
    public ValidateOptionsResult Validate(string? name, ResumptionOptions options)
    {
        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage!).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
