using System.Security.Claims;
using CityBrain.Data.Audit;
using CityBrain.Data.Identity;
using CityBrain.Domain.Identity;
using CityBrain.Features.Auth;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityBrain.Features.Admin;

public sealed record NewUserBody(string? Username, string? Password, string? Role);
public sealed record UserView(long Id, string Username, string Role, long? ResidentKey, bool Disabled);
public sealed record RecomputeBody(DateTimeOffset? At);

/// <summary>Administrators: staff accounts, the audit log, a whole-city recompute by hand.</summary>
public static class AdminEndpoints
{
    public static WebApplication MapAdmin(this WebApplication app)
    {
        var g = app.MapGroup("/api/v1/admin").WithTags("Administrators").RequireAuthorization(Roles.Administrator);
        g.MapGet("/users", Users).WithSummary("Staff and resident accounts");
        g.MapPost("/users", AddUser).WithSummary("Add a staff account (checkpoint, health_official, administrator)");
        g.MapGet("/audit", Audit).WithSummary("The audit log, newest first");
        g.MapPost("/recompute", Recompute).WithSummary("Recompute every code now (the nightly job, by hand)");
        return app;
    }

    private static async Task<Ok<List<UserView>>> Users(CityBrainApp cb, CancellationToken ct)
    {
        await using var c = await cb.Db.OpenAsync(ct);
        return TypedResults.Ok(UserStore.All(c).Select(u => new UserView(u.Id, u.Username, u.Role, u.ResidentId, u.Disabled)).ToList());
    }

    private static async Task<Created<UserView>> AddUser(NewUserBody body, ClaimsPrincipal who, CityBrainApp cb, CancellationToken ct)
    {
        var user = await StaffAccounts.AddAsync(cb, who.Actor(), body.Username, body.Password, body.Role, ct);
        return TypedResults.Created($"/api/v1/admin/users/{user.Id}", user);
    }

    private static async Task<Ok<IReadOnlyList<AuditEntry>>> Audit([FromQuery(Name = "resident_key")] long? residentKey, [FromQuery] int? limit, CityBrainApp cb, CancellationToken ct)
    {
        await using var c = await cb.Db.OpenAsync(ct);
        return TypedResults.Ok(AuditLog.Recent(c, residentKey, Math.Clamp(limit ?? 100, 1, 1000)));
    }

    private static async Task<Ok<RecomputeReport>> Recompute(RecomputeBody? body, HealthCodeService s, CityBrainApp cb, CancellationToken ct) =>
        TypedResults.Ok(await s.RecomputeAllAsync(body?.At ?? cb.Now, "recompute", ct: ct));
}

public static class StaffAccounts
{
    public static async Task<UserView> AddAsync(CityBrainApp cb, Actor actor, string? username, string? password, string? role, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(username) || username.Length > 64 || !username.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.'))
        {
            throw new InputException("username", "user name is required: letters, digits, _ - . only, at most 64");
        }
        if (role is not (Roles.Checkpoint or Roles.HealthOfficial or Roles.Administrator))
        {
            throw new InputException("role", "role must be checkpoint, health_official or administrator (residents register themselves)");
        }
        if (password is null || password.Length < 8)
        {
            throw new InputException("password", "password must have at least 8 characters");
        }
        await using var c = await cb.Db.OpenAsync(ct);
        if (UserStore.Find(c, username) is not null)
        {
            throw new ConflictException("username", $"user {username} exists");
        }
        var id = UserStore.Add(c, null, username, Passwords.Hash(password), role, null, cb.Now.ToUnixTimeSeconds());
        AuditLog.Write(c, null, cb.Now.ToUnixTimeSeconds(), actor.Name, actor.Role, "user.add", null, $"{username} as {role}");
        return new UserView(id, username, role, null, false);
    }
}
