using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using CityBrain.Features.Admin;
using CityBrain.Features.Auth;
using CityBrain.Features.Dashboard;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.Resumption;
using CityBrain.Features.RiskMap;
using CityBrain.Features.Tracing;
using CityBrain.Features.Venues;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CityBrain.Infrastructure;

/// <summary>Builds the web server. Only wiring: each feature adds and maps itself.</summary>
public static class WebServer
{
    public static WebApplication Build(string[] args, IDictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        if (Environment.GetEnvironmentVariable("CITYBRAIN_DB") is { Length: > 0 } envDb && builder.Configuration["CityBrain:Db"] is null)
        {
            builder.Configuration["CityBrain:Db"] = envDb;
        }
        builder.Services.AddOptions<CityBrainOptions>().Bind(builder.Configuration.GetSection(CityBrainOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CityBrainOptions>, CityBrainOptionsValidator>();
        // The clock of the domain (tests move it by hand); sign-in lifetimes keep the real clock.
        builder.Services.AddSingleton(sp => CityBrainApp.Start(sp.GetRequiredService<IOptions<CityBrainOptions>>().Value, clock ?? TimeProvider.System));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DictionaryKeyPolicy = null;
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        builder.Services.AddProblemDetails();
        // A body that is not valid JSON, or a value of the wrong type, is answered with a ProblemDetails that names it.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi();
        builder.Services.AddResponseCompression(o => o.MimeTypes = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml"]);
        builder.AddAuth();
        // Sign-in cookies and bearer tokens are protected with keys kept beside the CityBrain key file, so they survive
        // a restart and servers sharing that folder accept each other's sessions.
        builder.Services.AddDataProtection().SetApplicationName("citybrain");
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>>(sp =>
            new Microsoft.Extensions.Options.ConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o =>
            {
                var dir = Path.Combine(Path.GetDirectoryName(sp.GetRequiredService<CityBrainApp>().KeysFile)!, "citybrain-dataprotection");
                o.XmlRepository = new Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository(new DirectoryInfo(dir), sp.GetRequiredService<ILoggerFactory>());
            }));
        builder.AddHealthCodes();
        builder.AddResumption();
        builder.AddVenues();
        builder.AddTracing();
        builder.AddRiskMap();
        builder.AddDashboard();

        var app = builder.Build();
        _ = app.Services.GetRequiredService<CityBrainApp>(); // migrate and load keys at start-up, not on the first request
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = StatusOf,
            ExceptionHandler = WriteProblem,
            // Bad input is the client's error, answered with a 400/404/409: not logged as a server failure.
            SuppressDiagnosticsCallback = ctx => StatusOf(ctx.Exception) is < 500 or 503,
        });
        app.UseStatusCodePages();
        // Pages and scripts; the API never looks at the file system (a file check per request costs a scan path dearly).
        // Compressed (ECharts and the boundaries are most of a first visit); the vendored library and the boundaries
        // are cached for a day, pages and their scripts revalidated so a new version shows at once.
        app.UseWhen(ctx => !ctx.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal), pages =>
        {
            pages.UseResponseCompression();
            pages.UseDefaultFiles();
            pages.UseStaticFiles(new StaticFileOptions
            {
                OnPrepareResponse = f => f.Context.Response.Headers.CacheControl =
                    f.Context.Request.Path.StartsWithSegments("/lib", StringComparison.Ordinal) || f.Context.Request.Path.StartsWithSegments("/geo", StringComparison.Ordinal)
                        ? "public, max-age=86400"
                        : "no-cache",
            });
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi();
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).AllowAnonymous().WithTags("Public");
        app.MapAuth();
        app.MapHealthCodes();
        app.MapResumption();
        app.MapVenues();
        app.MapTracing();
        app.MapRiskMap();
        app.MapDashboard();
        app.MapAdmin();
        app.MapPublic();
        return app;
    }

    private static int StatusOf(Exception e) => e switch
    {
        InputException or BadHttpRequestException => StatusCodes.Status400BadRequest,
        NotFoundException => StatusCodes.Status404NotFound,
        ConflictException => StatusCodes.Status409Conflict,
        OverloadedException or IndexLoadingException => StatusCodes.Status503ServiceUnavailable,
        _ when IsUniqueViolation(e) => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Two identical requests at once (a double-clicked registration): the second is a conflict, not a failure.</summary>
    private static bool IsUniqueViolation(Exception e) => e switch
    {
        Npgsql.PostgresException pg => pg.SqlState == "23505",
        Microsoft.Data.Sqlite.SqliteException lite => lite.SqliteErrorCode == 19 && lite.Message.Contains("UNIQUE", StringComparison.Ordinal),
        _ => false,
    };

    private static string JsonField(BadHttpRequestException e) =>
        e.InnerException is System.Text.Json.JsonException { Path: { Length: > 1 } path } ? path.TrimStart('$', '.') : "body";

    /// <summary>Every error is RFC 9457 ProblemDetails; bad input names the field and the reason.</summary>
    private static async Task WriteProblem(HttpContext ctx)
    {
        var e = ctx.Features.Get<IExceptionHandlerFeature>()?.Error;
        var status = e is null ? 500 : StatusOf(e);
        ctx.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            ctx.Response.Headers.RetryAfter = "1";
        }
        ProblemDetails problem = e switch
        {
            InputException ie => new ValidationProblemDetails(new Dictionary<string, string[]> { [ie.Field] = [ie.Message] })
            {
                Title = "The request is not valid", Detail = $"{ie.Field}: {ie.Message}", Status = status,
            },
            ConflictException ce => new ProblemDetails { Title = "Conflict", Detail = ce.Message, Status = status, Extensions = { ["field"] = ce.Field } },
            BadHttpRequestException be => new ValidationProblemDetails(new Dictionary<string, string[]> { [JsonField(be)] = [be.InnerException?.Message ?? be.Message] })
            {
                Title = "The request is not valid", Detail = $"{JsonField(be)}: {be.InnerException?.Message ?? be.Message}", Status = status,
            },
            NotFoundException ne => new ProblemDetails { Title = "Not found", Detail = ne.Message, Status = status },
            OverloadedException oe => new ProblemDetails { Title = "Overloaded", Detail = oe.Message, Status = status },
            IndexLoadingException le => new ProblemDetails { Title = "Loading", Detail = le.Message, Status = status },

            _ when status == StatusCodes.Status409Conflict => new ProblemDetails { Title = "Conflict", Detail = "the same thing was just created by another request", Status = status },
            _ => new ProblemDetails { Title = "Internal error", Status = status },
        };
        await ctx.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = ctx, ProblemDetails = problem, Exception = e });
    }
}

internal sealed class CityBrainOptionsValidator : IValidateOptions<CityBrainOptions>
{
    public ValidateOptionsResult Validate(string? name, CityBrainOptions options)
    {
        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage!).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
