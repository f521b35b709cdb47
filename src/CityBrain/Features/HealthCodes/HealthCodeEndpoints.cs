using System.Security.Claims;
using CityBrain.Data.Audit;
using CityBrain.Data.HealthCodes;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using CityBrain.Features.Auth;
using CityBrain.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityBrain.Features.HealthCodes;

public sealed record DeclarationBody(decimal? Temperature, List<string>? Symptoms, List<TravelInput>? Travel, bool? ContactWithCase);
public sealed record DailyBody(decimal? Temperature, List<string>? Symptoms);
public sealed record AppealBody(string? Text);
public sealed record VerifyBody(string? Token);
public sealed record OverrideBody(string? Colour, string? Reason, DateTimeOffset? ExpiresAt);
public sealed record AppealDecisionBody(string? Decision, string? Outcome, string? Colour, DateTimeOffset? ExpiresAt);
public sealed record RiskAreaBody(string? Level);
public sealed record RegisterResponse(long ResidentKey, string Username);
public sealed record TokenResponse(string Token, string Colour, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string KeyId, string QrSvg);
public sealed record LookupResponse(long ResidentKey);
public sealed record StatsResponse(IReadOnlyDictionary<string, long> Colours, IReadOnlyDictionary<string, long> Lists, int OpenAppeals, int PendingOverrides, string RuleSet);
public sealed record RulesResponse(string Name, string Fingerprint, IReadOnlyList<RuleSummary> Rules);
public sealed record RuleSummary(string Id, string Colour, string Reason, string? ReasonZh, Release? Release);
public sealed record RulesUpdateResponse(string Name, string Fingerprint, RecomputeReport Recompute);

public static class HealthCodeEndpoints
{
    public static WebApplicationBuilder AddHealthCodes(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HealthCodeService>();
        builder.Services.AddHostedService<HealthCodeJobs>();
        return builder;
    }

    public static WebApplication MapHealthCodes(this WebApplication app)
    {
        app.MapGet("/.well-known/citybrain/jwks.json", (CityBrainApp cb) => TypedResults.Ok(cb.Keys.Jwks()))
            .AllowAnonymous().WithTags("Public").WithSummary("Public keys that verify health-code tokens (JWK set), for offline checkpoints");

        var open = app.MapGroup("/api/v1/residents").WithTags("Residents").AllowAnonymous();
        open.MapPost("/register", Register).WithSummary("A resident registers (the phone number becomes the login name)");

        var me = app.MapGroup("/api/v1/me").WithTags("Resident").RequireAuthorization(Roles.Resident);
        me.MapGet("/code", MyCode).WithSummary("My colour, the reasons and when it can next change");
        me.MapGet("/token", MyToken).WithSummary("A fresh signed QR token, with the QR code as SVG");
        me.MapPost("/declarations", Declare).WithSummary("Self-declaration: symptoms, temperature, travel, contact");
        me.MapPost("/daily", Daily).WithSummary("Daily health check-in (打卡)");
        me.MapGet("/appeals", MyAppeals).WithSummary("My appeals and their outcomes");
        me.MapPost("/appeals", FileAppeal).WithSummary("Appeal my colour (申诉)");

        var cp = app.MapGroup("/api/v1/checkpoint").WithTags("Checkpoint").RequireAuthorization(Roles.Checkpoint);
        cp.MapPost("/verify", Verify).WithSummary("Verify a scanned token: pass or not, colour, masked name");

        var h = app.MapGroup("/api/v1/health").WithTags("Health officials").RequireAuthorization(Roles.HealthOfficial);
        h.MapGet("/residents", Lookup).WithSummary("Find a resident's key by ID number (audited)");
        h.MapGet("/residents/{key:long}", Detail).WithSummary("A resident's identity, code, lists and declarations (audited)");
        h.MapPost("/residents/{key:long}/overrides", SetOverride).WithSummary("Set a colour by hand, with a reason and an expiry; red needs a second official");
        h.MapGet("/overrides", Overrides).WithSummary("Hand-set colours, by status");
        h.MapPost("/overrides/{id:long}/approve", (long id, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) => DecideOverride(id, true, u, s, ct)).WithSummary("Approve a pending red (a different official)");
        h.MapPost("/overrides/{id:long}/reject", (long id, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) => DecideOverride(id, false, u, s, ct)).WithSummary("Reject a pending red");
        h.MapPost("/overrides/{id:long}/revoke", RevokeOverride).WithSummary("End a hand-set colour early");
        h.MapGet("/appeals", Appeals).WithSummary("Appeals, by status");
        h.MapPost("/appeals/{id:long}/decision", DecideAppeal).WithSummary("Decide an appeal: upheld or overturned");
        h.MapPost("/imports/persons", (HttpRequest r, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) => Import(r, u, s, "persons", ct)).WithSummary("Import persons.csv");
        h.MapPost("/imports/lists", (HttpRequest r, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) => Import(r, u, s, "lists", ct)).WithSummary("Import an authoritative list (CSV)");
        h.MapPost("/imports/declarations", (HttpRequest r, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) => Import(r, u, s, "declarations", ct)).WithSummary("Import declarations (CSV)");
        h.MapGet("/risk-areas", RiskAreas).WithSummary("Areas graded for the travel rules");
        h.MapPut("/risk-areas/{code}", SetRiskArea).WithSummary("Grade an area low, medium or high; residents who travelled there are recomputed");
        h.MapGet("/rules", GetRules).WithSummary("The colour rules in force");
        h.MapGet("/rules/source", (CityBrainApp cb) => TypedResults.Text(cb.CurrentRulesJson(), "application/json")).WithSummary("The rule set as JSON");
        h.MapPut("/rules", PutRules).WithSummary("Replace the colour rules (validated) and recompute every code");
        h.MapGet("/stats", Stats).WithSummary("Counts of colours, list members, open appeals");
        return app;
    }

    private static long ResidentOf(ClaimsPrincipal u) => u.ResidentKey() ?? throw new InputException("user", "this login is not linked to a resident");

    private static async Task<Created<RegisterResponse>> Register(RegistrationInput body, HealthCodeService s, CancellationToken ct)
    {
        var id = await s.RegisterAsync(body, ct);
        return TypedResults.Created("/api/v1/me/code", new RegisterResponse(id, Masking.Phone(body.Phone!.Trim())));
    }

    private static async Task<Results<Ok<CodeView>, NotFound>> MyCode(ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) =>
        await s.GetCodeAsync(ResidentOf(u), ct) is { } v ? TypedResults.Ok(v) : TypedResults.NotFound();

    private static async Task<Ok<TokenResponse>> MyToken(ClaimsPrincipal u, HealthCodeService s, HttpResponse response, CancellationToken ct)
    {
        var t = await s.IssueTokenAsync(ResidentOf(u), ct);
        response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new TokenResponse(t.Token, t.Colour, t.IssuedAt, t.ExpiresAt, t.KeyId, QrCodes.Svg(t.Token, t.Colour)));
    }

    private static async Task<Ok<CodeView>> Declare(DeclarationBody body, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) =>
        TypedResults.Ok(await s.DeclareAsync(ResidentOf(u), new DeclarationInput(body.Temperature, body.Symptoms, body.Travel, body.ContactWithCase ?? false), ct));

    private static async Task<Ok<CodeView>> Daily(DailyBody body, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) =>
        TypedResults.Ok(await s.DailyCheckinAsync(ResidentOf(u), body.Temperature, body.Symptoms, ct));

    private static async Task<Ok<IReadOnlyList<AppealRow>>> MyAppeals(ClaimsPrincipal u, CityBrainApp cb, CancellationToken ct)
    {
        await using var c = await cb.Db.OpenAsync(ct);
        return TypedResults.Ok(AppealStore.List(c, null, ResidentOf(u)));
    }

    private static async Task<Created<AppealRow>> FileAppeal(AppealBody body, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct)
    {
        var a = await s.FileAppealAsync(ResidentOf(u), body.Text, ct);
        return TypedResults.Created($"/api/v1/me/appeals/{a.Id}", a);
    }

    private static async Task<Ok<VerifyResult>> Verify(VerifyBody body, HealthCodeService s, CancellationToken ct) =>
        TypedResults.Ok(await s.VerifyAsync(body.Token, ct));

    private static async Task<Results<Ok<LookupResponse>, NotFound<ProblemDetails>>> Lookup([FromQuery(Name = "id_number")] string? idNumber, ClaimsPrincipal u, HealthCodeService s, CityBrainApp cb, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(idNumber))
        {
            throw new InputException("id_number", "id_number is required");
        }
        var key = await s.FindResidentAsync(idNumber, ct);
        await using var c = await cb.Db.OpenAsync(ct);
        s.Audit(c, null, u.Actor(), "resident.lookup", key, key is null ? "not found" : "found by ID number");
        return key is { } k ? TypedResults.Ok(new LookupResponse(k)) : TypedResults.NotFound(new ProblemDetails { Title = "No resident with this ID number", Status = 404 });
    }

    private static async Task<Ok<HealthCodeService.ResidentDetail>> Detail(long key, [FromQuery] string? why, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) =>
        TypedResults.Ok(await s.ResidentDetailAsync(u.Actor(), key, why ?? "", ct));

    private static async Task<Created<OverrideRow>> SetOverride(long key, OverrideBody body, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct)
    {
        var o = await s.SetOverrideAsync(u.Actor(), key, body.Colour, body.Reason, body.ExpiresAt, ct);
        return TypedResults.Created($"/api/v1/health/overrides/{o.Id}", o);
    }

    private static async Task<Ok<IReadOnlyList<OverrideRow>>> Overrides([FromQuery] string? status, ClaimsPrincipal u, HealthCodeService s, CityBrainApp cb, CancellationToken ct)
    {
        await using var c = await cb.Db.OpenAsync(ct);
        var rows = OverrideStore.List(c, status, null);
        s.Audit(c, null, u.Actor(), "overrides.list", null, $"status={status ?? "any"}; residents {string.Join(',', rows.Select(r => r.ResidentId).Distinct())}");
        return TypedResults.Ok(rows);
    }

    private static async Task<Ok<OverrideRow>> DecideOverride(long id, bool approve, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) =>
        TypedResults.Ok(await s.DecideOverrideAsync(u.Actor(), id, approve, ct));

    private static async Task<Ok<OverrideRow>> RevokeOverride(long id, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) =>
        TypedResults.Ok(await s.RevokeOverrideAsync(u.Actor(), id, ct));

    private static async Task<Ok<IReadOnlyList<AppealRow>>> Appeals([FromQuery] string? status, ClaimsPrincipal u, HealthCodeService s, CityBrainApp cb, CancellationToken ct)
    {
        await using var c = await cb.Db.OpenAsync(ct);
        var rows = AppealStore.List(c, status, null);
        s.Audit(c, null, u.Actor(), "appeals.list", null, $"status={status ?? "any"}; residents {string.Join(',', rows.Select(r => r.ResidentId).Distinct())}");
        return TypedResults.Ok(rows);
    }

    private static async Task<Ok<AppealRow>> DecideAppeal(long id, AppealDecisionBody body, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct) =>
        TypedResults.Ok(await s.DecideAppealAsync(u.Actor(), id, body.Decision, body.Outcome, body.Colour, body.ExpiresAt, ct));

    private static async Task<Ok<ImportReport>> Import(HttpRequest request, ClaimsPrincipal u, HealthCodeService s, string kind, CancellationToken ct)
    {
        // Kestrel allows no synchronous reads: take the body first (up to the request size limit; bigger files go
        // through the CLI, which streams).
        using var body = new StreamReader(request.Body, System.Text.Encoding.UTF8);
        using var reader = new StringReader(await body.ReadToEndAsync(ct));
        var report = kind switch
        {
            "persons" => await s.ImportPersonsAsync(reader, u.Actor(), ct),
            "lists" => await s.ImportListsAsync(reader, u.Actor(), "api:" + u.Identity!.Name, ct),
            _ => await s.ImportDeclarationsAsync(reader, u.Actor(), ct),
        };
        return TypedResults.Ok(report);
    }

    private static async Task<Ok<IReadOnlyDictionary<string, string>>> RiskAreas(CityBrainApp cb, CancellationToken ct)
    {
        await using var c = await cb.Db.OpenAsync(ct);
        IReadOnlyDictionary<string, string> result = RiskAreaStore.All(c).ToDictionary(k => k.Key, k => k.Value.Name());
        return TypedResults.Ok(result);
    }

    private static async Task<Ok<object>> SetRiskArea(string code, RiskAreaBody body, ClaimsPrincipal u, HealthCodeService s, CancellationToken ct)
    {
        var changed = await s.SetRiskAreaAsync(u.Actor(), code, body.Level, ct);
        return TypedResults.Ok<object>(new { division_code = code, level = body.Level, codes_changed = changed });
    }

    private static Ok<RulesResponse> GetRules(CityBrainApp cb) => TypedResults.Ok(Summarise(cb.Engine.Rules));

    private static RulesResponse Summarise(RuleSet r) =>
        new(r.Name, r.Fingerprint, r.Rules.Select(x => new RuleSummary(x.Id, x.Colour.Name(), x.Reason, x.ReasonZh, x.Release)).ToList());

    private static async Task<Results<Ok<RulesUpdateResponse>, ValidationProblem>> PutRules(HttpRequest request, ClaimsPrincipal u, CityBrainApp cb, HealthCodeService s, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(ct);
        RuleSet rules;
        try
        {
            rules = cb.ReplaceRules(json);
        }
        catch (RuleSetException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["rules"] = [.. e.Errors] }, title: "The rule set is not valid");
        }
        await using (var c = await cb.Db.OpenAsync(ct))
        {
            s.Audit(c, null, u.Actor(), "rules.replace", null, $"{rules.Name} {rules.Fingerprint}");
        }
        var report = await s.RecomputeAllAsync(cb.Now, "rules", ct: ct);
        return TypedResults.Ok(new RulesUpdateResponse(rules.Name, rules.Fingerprint, report));
    }

    private static async Task<Ok<StatsResponse>> Stats(CityBrainApp cb, CancellationToken ct)
    {
        await using var c = await cb.Db.OpenAsync(ct);
        var colours = await HealthStateStore.CountsAsync(c, ct);
        return TypedResults.Ok(new StatsResponse(colours.ToDictionary(k => k.Key.Name(), k => k.Value), ListStore.ActiveCounts(c),
            AppealStore.List(c, "open", null).Count, OverrideStore.List(c, "pending", null).Count, cb.Engine.Rules.Name));
    }
}

/// <summary>Aggregates only (no personal data): what the public dashboard shows without a login.</summary>
public sealed record PublicSummary(IReadOnlyDictionary<string, long> Colours, long Residents, string RuleSet, DateTimeOffset At);

public static class PublicEndpoints
{
    public static WebApplication MapPublic(this WebApplication app)
    {
        app.MapGet("/api/v1/public/summary", async (CityBrainApp cb, CancellationToken ct) =>
        {
            await using var c = await cb.Db.OpenAsync(ct);
            var colours = await HealthStateStore.CountsAsync(c, ct);
            return TypedResults.Ok(new PublicSummary(colours.ToDictionary(k => k.Key.Name(), k => k.Value), colours.Values.Sum(), cb.Engine.Rules.Name, cb.Now));
        }).AllowAnonymous().WithTags("Public").WithSummary("Counts of green, yellow and red codes (aggregates only)");
        return app;
    }
}
