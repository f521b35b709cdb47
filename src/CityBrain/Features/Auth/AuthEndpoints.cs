using System.Security.Claims;
using CityBrain.Data.Identity;
using CityBrain.Domain.Identity;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityBrain.Features.Auth;

public sealed record LoginRequest(string? Username, string? Password, bool? UseCookie);

public sealed record MeResponse(string Username, string Role, long? ResidentKey);

/// <summary>
/// ASP.NET Core's own authentication: a cookie for the pages, a bearer token for the API, one login for both.
/// Each role has a policy of the same name; every endpoint group names the one role it serves.
/// </summary>
public static class AuthEndpoints
{
    public const string Scheme = "cookie-or-bearer";
    public const string ResidentClaim = "resident";
    public const string DisplayClaim = "display";

    public static WebApplicationBuilder AddAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "cookie or bearer token", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? BearerTokenDefaults.AuthenticationScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "citybrain";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                // An API answers 401/403; it never redirects to a login page.
                o.Events.OnRedirectToLogin = ctx => { ctx.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
                o.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
            })
            .AddBearerToken(o => o.BearerTokenExpiration = TimeSpan.FromHours(8));
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IPostConfigureOptions<BearerTokenOptions>, CacheBearerTickets>();
        builder.Services.AddAuthorization(o =>
        {
            foreach (var role in Roles.All)
            {
                o.AddPolicy(role, p => p.RequireAuthenticatedUser().RequireRole(role));
            }
        });
        return builder;
    }

    public static WebApplication MapAuth(this WebApplication app)
    {
        var g = app.MapGroup("/api/v1/auth").WithTags("Auth");
        g.MapPost("/login", Login).AllowAnonymous().WithSummary("Log in: a bearer token, or a cookie with use_cookie=true");
        g.MapPost("/logout", Logout).RequireAuthorization().WithSummary("End the cookie session");
        g.MapGet("/me", Me).RequireAuthorization().WithSummary("Who am I");
        return app;
    }

    private static async Task<Results<SignInHttpResult, ProblemHttpResult>> Login(LoginRequest body, CityBrainApp cb, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Username) || string.IsNullOrEmpty(body.Password))
        {
            throw new InputException(string.IsNullOrWhiteSpace(body.Username) ? "username" : "password", "username and password are required");
        }
        await using var c = await cb.Db.OpenAsync(ct);
        var name = body.Username.Trim();
        // Residents log in with their phone number, stored only as a keyed hash.
        var user = UserStore.Find(c, name) ?? (name.Length == 11 && name.All(char.IsAsciiDigit) ? UserStore.Find(c, cb.Keys.Protector.ResidentLogin(name)) : null);
        if (user is null || user.Disabled || !Passwords.Verify(body.Password, user.PasswordHash))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Wrong user name or password");
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Username),
            new(ClaimTypes.Role, user.Role),
        };
        if (user.ResidentId is { } rid)
        {
            claims.Add(new Claim(ResidentClaim, rid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            claims.Add(new Claim(DisplayClaim, Masking.Phone(name)));
        }
        var scheme = body.UseCookie == true ? CookieAuthenticationDefaults.AuthenticationScheme : BearerTokenDefaults.AuthenticationScheme;
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
        return TypedResults.SignIn(principal, authenticationScheme: scheme);
    }

    private static SignOutHttpResult Logout() => TypedResults.SignOut(authenticationSchemes: [CookieAuthenticationDefaults.AuthenticationScheme]);

    private static Ok<MeResponse> Me(ClaimsPrincipal user) =>
        TypedResults.Ok(new MeResponse(user.FindFirstValue(DisplayClaim) ?? user.Identity!.Name!, user.FindFirstValue(ClaimTypes.Role)!, user.ResidentKey()));

    public static long? ResidentKey(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ResidentClaim), System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;

    public static Actor Actor(this ClaimsPrincipal user) =>
        new(user.Identity?.Name ?? "anonymous", user.FindFirstValue(ClaimTypes.Role) ?? "none", user.ResidentKey());
}
