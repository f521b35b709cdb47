using CityBrain.Data.Infrastructure;
using Dapper;

namespace CityBrain.Data.Tests.Infrastructure;

public class MigratorTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    private static readonly string[] Tables =
        ["meta", "residents", "users", "list_entries", "declarations", "health_state", "code_changes", "code_overrides", "appeals", "audit_log", "risk_areas"];

    [Theory, SqliteData, PostgresData]
    public void Apply_NewDatabase_AppliesEveryScript(string provider)
    {
        var db = fx.For(provider);
        var scripts = Migrator.Scripts(db.Provider);
        Assert.NotEmpty(scripts);
        Assert.Equal(scripts.Select(s => s.Version), fx.FirstApply(provider).Select(m => m.Version));
        using var c = db.Open();
        foreach (var table in Tables)
        {
            Assert.Equal(0L, c.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table}"));
        }
    }

    [Theory, SqliteData, PostgresData]
    public void Apply_Again_AppliesNothing(string provider)
    {
        var db = fx.For(provider);
        Assert.Empty(Migrator.Apply(db));
        Assert.Empty(Migrator.Apply(db));
        using var c = db.Open();
        Assert.Equal(Migrator.Scripts(db.Provider).Count, c.ExecuteScalar<int>("SELECT COUNT(*) FROM schema_migrations"));
    }

    [Theory, SqliteData, PostgresData]
    public void SchemaMigrations_AfterApply_RecordsVersionNameAndTime(string provider)
    {
        var db = fx.For(provider);
        using var c = db.Open();
        var rows = c.Query<(int Version, string Name, long AppliedAt)>("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").ToList();
        Assert.Equal(Migrator.Scripts(db.Provider).Select(s => (s.Version, s.Name)), rows.Select(r => (r.Version, r.Name)));
        Assert.Equal((1, "0001_health_codes"), (rows[0].Version, rows[0].Name));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.All(rows, r => Assert.InRange(r.AppliedAt, now - 3600, now + 60));
        Assert.Equal(Migrator.Scripts(db.Provider).Max(s => s.Version), Migrator.CurrentVersion(c));
    }

    [Fact]
    public void Scripts_BothProviders_SameVersionsAndNames()
    {
        var sqlite = Migrator.Scripts(DbProvider.Sqlite);
        var pg = Migrator.Scripts(DbProvider.Postgres);
        Assert.Equal(sqlite.Select(s => (s.Version, s.Name)), pg.Select(s => (s.Version, s.Name)));
        Assert.Equal(sqlite.Select(s => s.Version).Order(), sqlite.Select(s => s.Version));
        Assert.All(sqlite.Concat(pg), s => Assert.Matches("(CREATE|DROP|ALTER) (TABLE|INDEX)", s.Sql));
    }
}
