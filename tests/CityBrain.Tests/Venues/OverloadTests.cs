using System.Net;
using System.Net.Http.Json;
using CityBrain.Tests.Infrastructure;

namespace CityBrain.Tests.Venues;

/// <summary>A server with room for two scans at a time and no queue.</summary>
public sealed class TinyServer : ServerFixture
{
    protected override bool Postgres => false;

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["CityBrain:ScanConcurrency"] = "2";
        settings["CityBrain:ScanQueue"] = "0";
    }
}

/// <summary>Beyond capacity the server sheds load with 503 and Retry-After, and recovers by itself.</summary>
public sealed class OverloadTests(TinyServer server) : IClassFixture<TinyServer>
{
    [Fact]
    public async Task Scan_BurstBeyondCapacity_503WithRetryAfterThenRecovers()
    {
        using var admin = await server.LoginAsync("admin");
        (await admin.PostAsJsonAsync("/api/v1/admin/venues", new { venue_id = "BURST", name = "Burst", type = "station", division_code = "330102", lat = 30.2, lon = 120.1, capacity = 0 }, ServerFixture.Json))
            .EnsureSuccessStatusCode();
        var (resident, _, _) = await server.NewResidentAsync();
        var token = (await (await resident.GetAsync("/api/v1/me/token")).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("token").GetString();
        using var checkpoint = await server.LoginAsync("checkpoint");

        var burst = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ =>
            checkpoint.PostAsJsonAsync("/api/v1/checkpoint/scan", new { venue_id = "BURST", token }, ServerFixture.Json)));
        var shed = burst.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(shed);
        Assert.All(shed, r => Assert.Equal(TimeSpan.FromSeconds(1), r.Headers.RetryAfter?.Delta));
        Assert.Contains(burst, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(burst, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, r.StatusCode.ToString()));

        for (var i = 0; i < 5; i++)
        {
            var r = await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/scan", new { venue_id = "BURST", token }, ServerFixture.Json);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
    }
}
