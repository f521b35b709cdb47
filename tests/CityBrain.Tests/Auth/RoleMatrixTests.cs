using System.Net;
using System.Text;
using CityBrain.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CityBrain.Tests.Auth;

/// <summary>
/// Every API endpoint x every role: nobody reaches another role's endpoints. The expected role comes from the
/// endpoint's group; an endpoint outside the known groups fails the test, so a new endpoint cannot slip through.
/// </summary>
public sealed class RoleMatrixTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    private static readonly string[] Roles = ["anonymous", "resident", "checkpoint", "health_official", "administrator"];

    private static string? OwnerOf(string route, string method = "GET") => route switch
    {
        "/api/v1/traces/summary" => "health_official|administrator",
        // the risk map: read by the command centre (health officials and the data bureau), imported by health officials
        "/api/v1/riskmap/casecounts" => "health_official",
        _ when route == "/api/v1/riskmap" || route.StartsWith("/api/v1/riskmap/", StringComparison.Ordinal) => method == "GET" ? "health_official|administrator" : "health_official",
        _ when route.StartsWith("/api/v1/me/", StringComparison.Ordinal) => "resident",
        _ when route.StartsWith("/api/v1/traces", StringComparison.Ordinal) => "health_official",
        _ when route.StartsWith("/api/v1/checkpoint/", StringComparison.Ordinal) => "checkpoint",
        _ when route.StartsWith("/api/v1/health/", StringComparison.Ordinal) => "health_official",
        _ when route.StartsWith("/api/v1/admin/", StringComparison.Ordinal) => "administrator",
        _ when route.StartsWith("/api/v1/resumption/", StringComparison.Ordinal) => "administrator",
        // the command centre's dashboard: health officials and the data bureau
        _ when route.StartsWith("/api/v1/dashboard/", StringComparison.Ordinal) => "health_official|administrator",
        "/api/v1/auth/logout" or "/api/v1/auth/me" => "any",
        "/api/v1/auth/login" or "/api/v1/residents/register" or "/api/v1/public/summary" => "public",
        _ => null,
    };

    private List<(string Method, string Route)> Endpoints() =>
        server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, e.RoutePattern.RawText!)))
            .Distinct()
            .ToList();

    [Fact]
    public void Endpoints_AllBelongToAKnownGroup()
    {
        var endpoints = Endpoints();
        Assert.True(endpoints.Count >= 30, $"expected the whole API, found {endpoints.Count} endpoints");
        Assert.All(endpoints, e => Assert.True(OwnerOf(e.Route, e.Method) is not null, $"{e.Method} {e.Route} has no role in the matrix"));
    }

    [Fact]
    public async Task EveryEndpoint_EveryRole_OnlyItsOwnRoleGetsThrough()
    {
        var (residentClient, _, _) = await server.NewResidentAsync();
        var clients = new Dictionary<string, HttpClient>
        {
            ["anonymous"] = server.Client(),
            ["resident"] = residentClient,
            ["checkpoint"] = await server.LoginAsync("checkpoint"),
            ["health_official"] = await server.LoginAsync("official"),
            ["administrator"] = await server.LoginAsync("admin"),
        };
        var failures = new List<string>();
        var checkedCells = 0;
        foreach (var (method, route) in Endpoints())
        {
            var owner = OwnerOf(route, method)!;
            if (owner == "public")
            {
                continue;
            }
            var url = route.Replace("{key:long}", "999999", StringComparison.Ordinal).Replace("{id:long}", "999999", StringComparison.Ordinal).Replace("{code}", "330102", StringComparison.Ordinal).Replace("{id}", "V-NONE", StringComparison.Ordinal);
            foreach (var role in Roles)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), url);
                if (method is "POST" or "PUT")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }
                // Headers only: the dashboard's event stream never ends by itself (disposing the response closes it).
                using var response = await clients[role].SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var status = response.StatusCode;
                checkedCells++;
                var allowed = owner == "any" ? role != "anonymous" : owner.Split('|').Contains(role);
                if (role == "anonymous" && status != HttpStatusCode.Unauthorized)
                {
                    failures.Add($"{method} {url} as anonymous: {(int)status}, expected 401");
                }
                else if (role != "anonymous" && !allowed && status != HttpStatusCode.Forbidden)
                {
                    failures.Add($"{method} {url} as {role}: {(int)status}, expected 403");
                }
                else if (allowed && status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.InternalServerError)
                {
                    failures.Add($"{method} {url} as {role}: {(int)status}, expected to get through (and never a 500)");
                }
            }
        }
        foreach (var c in clients.Values)
        {
            c.Dispose();
        }
        Assert.True(checkedCells > 100, $"only {checkedCells} cells checked");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Login_WrongPassword_401ProblemDetails()
    {
        using var anon = server.Client();
        var r = await anon.PostAsync("/api/v1/auth/login", new StringContent("""{"username":"official","password":"wrong-one"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Login_Cookie_ReachesOwnRoleOnly()
    {
        var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        var r = await browser.PostAsync("/api/v1/auth/login", new StringContent($$"""{"username":"checkpoint","password":"{{ServerFixture.StaffPassword}}","use_cookie":true}""", Encoding.UTF8, "application/json"));
        Assert.True(r.IsSuccessStatusCode);
        Assert.Contains(handler.CookieContainer.GetCookies(server.BaseAddress).Cast<Cookie>(), c => c.Name == "citybrain" && c.HttpOnly);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/api/v1/health/stats")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesTheApi()
    {
        using var anon = server.Client();
        var doc = System.Text.Json.JsonDocument.Parse(await anon.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/checkpoint/verify", paths);
        Assert.Contains("/api/v1/me/declarations", paths);
        Assert.Contains("/api/v1/health/imports/lists", paths);
    }
}
