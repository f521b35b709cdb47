using CityBrain.Data.Audit;

namespace CityBrain.Data.Tests.Audit;

public class AuditLogTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    [Theory, SqliteData, PostgresData]
    public void WriteThenRecent_NewestFirstFilteredAndLimited(string provider)
    {
        var db = fx.For(provider);
        var r = Seed.Resident(db, fx.Protector);
        var other = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        using (var tx = c.BeginTransaction())
        {
            AuditLog.Write(c, tx, Seed.T0, "official1", "health_official", "reveal", r, "identity for tracing");
            AuditLog.Write(c, tx, Seed.T0 + 1, "official1", "health_official", "trajectory", r, "14 days");
            AuditLog.Write(c, tx, Seed.T0 + 2, "admin", "administrator", "override", other, "red");
            AuditLog.Write(c, tx, Seed.T0 + 3, "official2", "health_official", "list_status", r, "");
            tx.Commit();
        }
        AuditLog.Write(c, null, Seed.T0 + 4, "system", "administrator", "import", null, "cases.csv: 10 rows");

        var mine = AuditLog.Recent(c, r, 10);
        Assert.Equal(["list_status", "trajectory", "reveal"], mine.Select(e => e.Action));
        Assert.All(mine, e => Assert.Equal(r, e.ResidentId));
        var first = mine[^1];
        Assert.Equal((DateTimeOffset.FromUnixTimeSeconds(Seed.T0), "official1", "health_official", "identity for tracing"),
            (first.At, first.Actor, first.Role, first.Detail));
        Assert.True(mine[0].Id > mine[1].Id && mine[1].Id > mine[2].Id);

        Assert.Equal(["list_status", "trajectory"], AuditLog.Recent(c, r, 2).Select(e => e.Action));
        var latest = Assert.Single(AuditLog.Recent(c, null, 1));
        Assert.Equal(("import", (long?)null, "cases.csv: 10 rows"), (latest.Action, latest.ResidentId, latest.Detail));
        Assert.Equal(["override"], AuditLog.Recent(c, other, 10).Select(e => e.Action));
    }
}
