using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CityBrain.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CityBrain.Tests.Infrastructure;

/// <summary>A clock the tests move by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset to) => _now = to;
}

/// <summary>
/// A real CityBrain server on a real socket (127.0.0.1, a free port) over a fresh database: SQLite in a temp folder,
/// or a new database on the PostgreSQL server named by CITYBRAIN_TEST_PG.
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public const string StaffPassword = "test-password-1";

    private readonly string _dir = Directory.CreateTempSubdirectory("citybrain-http-").FullName;
    private string? _pgDatabase;

    public ManualClock Clock { get; } = new(new DateTimeOffset(2020, 2, 10, 9, 0, 0, TimeSpan.FromHours(8)));
    public WebApplication App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public string DbSpec { get; private set; } = "";

    protected abstract bool Postgres { get; }

    /// <summary>Settings a fixture changes (for example small limits to test overload).</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public async Task InitializeAsync()
    {
        DbSpec = Postgres ? "postgres:" + await TestDatabases.CreatePostgresAsync(n => _pgDatabase = n) : $"sqlite:{_dir}/cb.db";
        var settings = new Dictionary<string, string?>
        {
            ["CityBrain:Db"] = DbSpec,
            ["CityBrain:KeysFile"] = Path.Combine(_dir, "keys.json"),
            ["CityBrain:YellowPolicy"] = "deny",
            ["CityBrain:CheckinImportBatch"] = "1000",   // imports of a few thousand rows take the many-batch paths
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        Configure(settings);
        App = WebServer.Build([], settings, Clock);
        await App.StartAsync();
        BaseAddress = new Uri(App.Urls.First());
        var cb = App.Services.GetRequiredService<CityBrainApp>();
        foreach (var (user, role) in new[] { ("admin", "administrator"), ("official", "health_official"), ("official2", "health_official"), ("checkpoint", "checkpoint") })
        {
            await Features.Admin.StaffAccounts.AddAsync(cb, Features.HealthCodes.Actor.Cli, user, StaffPassword, role);
        }
    }

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (_pgDatabase is not null)
        {
            await TestDatabases.DropPostgresAsync(_pgDatabase);
        }
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    public HttpClient Client(string? bearer = null)
    {
        var c = new HttpClient { BaseAddress = BaseAddress };
        if (bearer is not null)
        {
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return c;
    }

    public async Task<HttpClient> LoginAsync(string username, string password = StaffPassword)
    {
        using var anon = Client();
        var r = await anon.PostAsJsonAsync("/api/v1/auth/login", new { username, password });
        r.EnsureSuccessStatusCode();
        var body = await r.Content.ReadFromJsonAsync<JsonElement>();
        return Client(body.GetProperty("access_token").GetString());
    }

    private int _seq;

    /// <summary>Registers a new resident with a valid, unique ID number; returns its logged-in client and ID number.</summary>
    public async Task<(HttpClient Client, string IdNumber, long Key)> NewResidentAsync(string division = "330106")
    {
        var n = Interlocked.Increment(ref _seq);
        var id = Domain.Identity.ResidentIdNumber.Create(division, new DateOnly(1980, 1, 1).AddDays(n * 37 % 9000), n % 1000).Value;
        var phone = "139" + (10_000_000 + n * 7919 % 89_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var anon = Client();
        var r = await anon.PostAsJsonAsync("/api/v1/residents/register", new { id_number = id, name = "测试" + n, phone, division_code = division, password = "resident-pass" }, Json);
        Assert.Equal(System.Net.HttpStatusCode.Created, r.StatusCode);
        var key = (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("resident_key").GetInt64();
        return (await LoginAsync(phone, "resident-pass"), id, key);
    }
}

public sealed class SqliteServer : ServerFixture
{
    protected override bool Postgres => false;
}

public sealed class PostgresServer : ServerFixture
{
    protected override bool Postgres => true;
}

public static class TestDatabases
{
    /// <summary>
    /// CITYBRAIN_TEST_PG: an Npgsql connection string (test.sh starts a server and sets it). Unset or unreachable
    /// fails the PostgreSQL tests (convention 8: fail, not skip).
    /// </summary>
    public static string? PostgresBase => Environment.GetEnvironmentVariable("CITYBRAIN_TEST_PG");

    public static async Task<string> CreatePostgresAsync(Action<string> created)
    {
        var cs = PostgresBase;
        if (string.IsNullOrEmpty(cs) || cs == "unavailable")
        {
            throw new InvalidOperationException("CITYBRAIN_TEST_PG is not set (or no PostgreSQL could be started): PostgreSQL tests fail rather than skip. Run ./test.sh, or set CITYBRAIN_TEST_PG=skip.");
        }
        var name = "cb_http_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(cs))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        created(name);
        return new NpgsqlConnectionStringBuilder(cs) { Database = name }.ConnectionString;
    }

    public static async Task DropPostgresAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(PostgresBase);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", c);
        await cmd.ExecuteNonQueryAsync();
    }
}
