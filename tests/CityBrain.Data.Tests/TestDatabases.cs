using System.Reflection;
using CityBrain.Data.Identity;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.Identity;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit.Sdk;

namespace CityBrain.Data.Tests;

/// <summary>
/// The PostgreSQL server the tests use, from CITYBRAIN_TEST_PG (an Npgsql connection string to a server where the
/// tests may CREATE DATABASE). "skip" turns the PostgreSQL cases into skipped test cases (see
/// <see cref="PostgresDataAttribute"/>); unset or unreachable makes each of them fail with the reason (convention 8).
/// </summary>
public static class PgServer
{
    public const string Variable = "CITYBRAIN_TEST_PG";

    public static string? Setting => Environment.GetEnvironmentVariable(Variable);

    public static bool Skipped => string.Equals(Setting?.Trim(), "skip", StringComparison.OrdinalIgnoreCase);

    // Checked once per test run; a failure (exception) is cached too, so an unreachable server costs one time-out.
    private static readonly Lazy<string> Admin = new(Connect);

    private static string Connect()
    {
        if (string.IsNullOrWhiteSpace(Setting))
        {
            throw new InvalidOperationException(
                $"{Variable} is not set: set it to an Npgsql connection string of a PostgreSQL server where the tests may CREATE DATABASE " +
                $"(for example Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres), or to 'skip' to skip the PostgreSQL cases");
        }
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(Setting) { Pooling = false };
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{Variable} is not a valid Npgsql connection string: {e.Message}", e);
        }
        if (builder.Timeout > 10)
        {
            builder.Timeout = 10;
        }
        try
        {
            using var c = new NpgsqlConnection(builder.ConnectionString);
            c.Open();
            using var cmd = new NpgsqlCommand("SELECT 1", c);
            cmd.ExecuteScalar();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            var safe = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Password = null };
            throw new InvalidOperationException($"{Variable} is set but the PostgreSQL server is unreachable ({safe.ConnectionString}): {e.Message}", e);
        }
        return builder.ConnectionString;
    }

    /// <summary>Creates an empty database cb_test_&lt;random&gt;; returns its name and connection string.</summary>
    public static (string Name, string ConnectionString) CreateDatabase()
    {
        var admin = Admin.Value;
        var name = "cb_test_" + Guid.NewGuid().ToString("N")[..16];
        using (var c = new NpgsqlConnection(admin))
        {
            c.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            cmd.ExecuteNonQuery();
        }
        return (name, new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString);
    }

    public static void DropDatabase(string name)
    {
        using var c = new NpgsqlConnection(Admin.Value);
        c.Open();
        using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", c);
        cmd.ExecuteNonQuery();
    }
}

public static class Provider
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
}

/// <summary>The SQLite row of a provider theory.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SqliteDataAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Provider.Sqlite]];
}

/// <summary>
/// The PostgreSQL row of a provider theory. xunit 2 has no dynamic skip (Assert.Skip is xunit 3), but the theory
/// discoverer reads each data attribute's Skip property: when CITYBRAIN_TEST_PG is "skip" this row is reported as
/// skipped with that reason, and is still listed. Otherwise the row runs, and fails if the server is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresDataAttribute : DataAttribute
{
    public override string? Skip
    {
        get => PgServer.Skipped ? $"{PgServer.Variable}=skip" : null;
        set { }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Provider.Postgres]];
}

/// <summary>
/// One database per provider for one test class (an xunit class fixture): a temp SQLite file, and a PostgreSQL database
/// cb_test_&lt;random&gt;, each created on first use, migrated with <see cref="Migrator.Apply"/>, and deleted/dropped when
/// the class is done. Tests in a class share it, so each test makes its own residents.
/// </summary>
public sealed class StoreFixture : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Database> _dbs = [];
    private readonly Dictionary<string, IReadOnlyList<Migration>> _firstApply = [];
    private string? _sqlitePath;
    private string? _pgName;

    public PersonalDataProtector Protector { get; } =
        new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public string? SqlitePath => _sqlitePath;

    public Database For(string provider)
    {
        lock (_gate)
        {
            if (_dbs.TryGetValue(provider, out var db))
            {
                return db;
            }
            if (provider == Provider.Sqlite)
            {
                _sqlitePath = Path.Combine(Path.GetTempPath(), $"cb_test_{Guid.NewGuid():N}.db");
                db = Database.Open("sqlite:" + _sqlitePath);
            }
            else
            {
                var (name, cs) = PgServer.CreateDatabase();
                _pgName = name;
                db = Database.Open("postgres:" + cs);
            }
            _firstApply[provider] = Migrator.Apply(db);
            _dbs[provider] = db;
            return db;
        }
    }

    /// <summary>What the first <see cref="Migrator.Apply"/> on the new database applied.</summary>
    public IReadOnlyList<Migration> FirstApply(string provider)
    {
        For(provider);
        lock (_gate)
        {
            return _firstApply[provider];
        }
    }

    public void Dispose()
    {
        foreach (var db in _dbs.Values)
        {
            db.Dispose();
        }
        if (_sqlitePath is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                try
                {
                    File.Delete(_sqlitePath + suffix);
                }
                catch (IOException)
                {
                    // best effort: a temp file
                }
            }
        }
        if (_pgName is not null)
        {
            PgServer.DropDatabase(_pgName);
        }
    }
}

/// <summary>Residents for tests: every call makes a new, valid, unique ID number.</summary>
public static class Seed
{
    public const long T0 = 1_582_164_000; // 2020-02-20 10:00 +08:00

    private static int _counter;

    public static ResidentIdNumber NewIdNumber()
    {
        var n = Interlocked.Increment(ref _counter);
        return ResidentIdNumber.Create("330102", new DateOnly(1950, 1, 1).AddDays(n / 1000), n % 1000);
    }

    public static long Resident(Database db, PersonalDataProtector protector, string name = "张三", string division = "330102", string? phone = null) =>
        Resident(db, protector, NewIdNumber(), name, division, phone);

    public static long Resident(Database db, PersonalDataProtector protector, ResidentIdNumber id, string name = "张三", string division = "330102", string? phone = null)
    {
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        var r = ResidentStore.Upsert(c, tx, [new PersonInput(id, name, phone, division)], protector, T0);
        tx.Commit();
        return r[0].Id;
    }
}
