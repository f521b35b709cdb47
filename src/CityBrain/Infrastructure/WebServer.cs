using System.Text.Json;
using CityBrain.Features.Admin;
using CityBrain.Features.Auth;
using CityBrain.Features.HealthCodes;
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
        builder.Services.AddOpenApi();
        builder.AddAuth();
        builder.AddHealthCodes();

        var app = builder.Build();
        _ = app.Services.GetRequiredService<CityBrainApp>(); // migrate and load keys at start-up, not on the first request
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = StatusOf,
            ExceptionHandler = WriteProblem,
            // Bad input is the client's error, answered with a 400/404/409: not logged as a server failure.
            SuppressDiagnosticsCallback = ctx => StatusOf(ctx.Exception) < 500,
        });
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).AllowAnonymous().WithTags("Public");
        app.MapAuth();
        app.MapHealthCodes();
        app.MapAdmin();
        app.MapPublic();
        return app;
    }

    private static int StatusOf(Exception e) => e switch
    {
        InputException or BadHttpRequestException or FormatException => StatusCodes.Status400BadRequest,
        NotFoundException => StatusCodes.Status404NotFound,
        ConflictException => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>Every error is RFC 9457 ProblemDetails; bad input names the field and the reason.</summary>
    private static async Task WriteProblem(HttpContext ctx)
    {
        var e = ctx.Features.Get<IExceptionHandlerFeature>()?.Error;
        var status = e is null ? 500 : StatusOf(e);
        ctx.Response.StatusCode = status;
        ProblemDetails problem = e switch
        {
            InputException ie => new ValidationProblemDetails(new Dictionary<string, string[]> { [ie.Field] = [ie.Message] })
            {
                Title = "The request is not valid", Detail = $"{ie.Field}: {ie.Message}", Status = status,
            },
            ConflictException ce => new ProblemDetails { Title = "Conflict", Detail = ce.Message, Status = status, Extensions = { ["field"] = ce.Field } },
            BadHttpRequestException be => new ProblemDetails { Title = "The request is not valid", Detail = be.InnerException?.Message ?? be.Message, Status = status },
            NotFoundException ne => new ProblemDetails { Title = "Not found", Detail = ne.Message, Status = status },
            FormatException fe => new ProblemDetails { Title = "The request is not valid", Detail = fe.Message, Status = status },
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
