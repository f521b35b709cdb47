using System.Data.Common;
using System.Reflection;
using Dapper;

namespace CityBrain.Data.Infrastructure;

public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Applies the versioned SQL scripts in Migrations/Sqlite or Migrations/Postgres (embedded resources named
/// NNNN_name.sql), each in its own transaction, recording them in schema_migrations. Never EnsureCreated.
/// </summary>
public static class Migrator
{
    public static IReadOnlyList<Migration> Scripts(DbProvider provider)
    {
        var folder = provider == DbProvider.Sqlite ? ".Migrations.Sqlite." : ".Migrations.Postgres.";
        var asm = typeof(Migrator).Assembly;
        return asm.GetManifestResourceNames()
            .Where(n => n.Contains(folder, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[(n.IndexOf(folder, StringComparison.Ordinal) + folder.Length)..^4];
                var version = int.Parse(file.AsSpan(0, file.IndexOf('_', StringComparison.Ordinal)), provider: System.Globalization.CultureInfo.InvariantCulture);
                using var s = asm.GetManifestResourceStream(n)!;
                using var r = new StreamReader(s);
                return new Migration(version, file, r.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
    }

    /// <summary>Applies what is missing; returns the migrations applied now.</summary>
    public static IReadOnlyList<Migration> Apply(Database db)
    {
        using var c = db.Open();
        if (db.IsPostgres)
        {
            // One migrator at a time across processes.
            c.Execute("SELECT pg_advisory_lock(727001)");
        }
        try
        {
            c.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            var done = c.Query<int>("SELECT version FROM schema_migrations").ToHashSet();
            var applied = new List<Migration>();
            foreach (var m in Scripts(db.Provider).Where(m => !done.Contains(m.Version)))
            {
                using var tx = c.BeginTransaction();
                c.Execute(m.Sql, transaction: tx);
                c.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @t)",
                    new { v = m.Version, n = m.Name, t = DateTimeOffset.UtcNow.ToUnixTimeSeconds() }, tx);
                tx.Commit();
                applied.Add(m);
            }
            return applied;
        }
        finally
        {
            if (db.IsPostgres)
            {
                c.Execute("SELECT pg_advisory_unlock(727001)");
            }
        }
    }

    public static int CurrentVersion(DbConnection c) =>
        c.ExecuteScalar<int?>("SELECT MAX(version) FROM schema_migrations") ?? 0;
}
