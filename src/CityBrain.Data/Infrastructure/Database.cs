using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CityBrain.Data.Infrastructure;

public enum DbProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Where the data lives: <c>sqlite:PATH</c> (the embedded default) or <c>postgres:CONNECTION-STRING</c>.
/// </summary>
public sealed class Database : IDisposable
{
    private readonly NpgsqlDataSource? _pg;
    private readonly string _sqlite = "";

    public DbProvider Provider { get; }

    /// <summary>The spec as given, with any password removed (safe to print).</summary>
    public string Display { get; }

    /// <summary>SQLite file path; null for PostgreSQL.</summary>
    public string? SqlitePath { get; }

    private Database(DbProvider provider, string display, string? sqlitePath, NpgsqlDataSource? pg, string sqlite)
    {
        Provider = provider;
        Display = display;
        SqlitePath = sqlitePath;
        _pg = pg;
        _sqlite = sqlite;
    }

    public bool IsPostgres => Provider == DbProvider.Postgres;

    /// <summary>Parses a database spec; throws <see cref="FormatException"/> with a reason on a bad one.</summary>
    public static Database Open(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw new FormatException("--db is empty; use sqlite:PATH or postgres:CONNECTION-STRING");
        }
        if (spec.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = spec["sqlite:".Length..];
            if (path.Length == 0)
            {
                throw new FormatException("sqlite: needs a file path, for example sqlite:citybrain.db");
            }
            var full = path == ":memory:" ? path : Path.GetFullPath(path);
            var cs = new SqliteConnectionStringBuilder
            {
                DataSource = full,
                Pooling = true,
                DefaultTimeout = 60,
            }.ToString();
            return new Database(DbProvider.Sqlite, "sqlite:" + full, full, null, cs);
        }
        if (spec.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase) || spec.StartsWith("postgresql:", StringComparison.OrdinalIgnoreCase))
        {
            var cs = spec[(spec.IndexOf(':', StringComparison.Ordinal) + 1)..];
            NpgsqlConnectionStringBuilder builder;
            try
            {
                builder = new NpgsqlConnectionStringBuilder(cs);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"postgres: connection string is not valid: {e.Message}");
            }
            builder.MaxPoolSize = Math.Max(builder.MaxPoolSize, 200);
            var safe = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Password = null };
            var ds = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
            return new Database(DbProvider.Postgres, "postgres:" + safe.ConnectionString, null, ds, "");
        }
        throw new FormatException($"unknown database '{spec.Split(':')[0]}'; use sqlite:PATH or postgres:CONNECTION-STRING");
    }

    public DbConnection Open()
    {
        if (_pg is not null)
        {
            return _pg.OpenConnection();
        }
        var c = new SqliteConnection(_sqlite);
        c.Open();
        ConfigureSqlite(c);
        return c;
    }

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        if (_pg is not null)
        {
            return await _pg.OpenConnectionAsync(ct);
        }
        var c = new SqliteConnection(_sqlite);
        await c.OpenAsync(ct);
        ConfigureSqlite(c);
        return c;
    }

    /// <summary>The SQLite handles already set up: a pooled connection keeps its settings, so they are set once.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Configured = new();

    private static void ConfigureSqlite(SqliteConnection c)
    {
        var handle = c.Handle;
        if (handle is not null && Configured.TryGetValue(handle, out _))
        {
            return;
        }
        using var cmd = c.CreateCommand();
        // WAL: readers do not block the writer; NORMAL sync is durable across process crashes in WAL mode (a
        // committed transaction is in the WAL file, which the operating system keeps when the process dies).
        cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=60000; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768;";
        cmd.ExecuteNonQuery();
        if (handle is not null)
        {
            Configured.AddOrUpdate(handle, handle);
        }
    }

    public void Dispose() => _pg?.Dispose();
}
