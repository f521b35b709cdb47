using CityBrain.Data.HealthCodes;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Data.Tests.HealthCodes;

public class ListStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    private const long Day = 86_400;

    [Theory, SqliteData, PostgresData]
    public void Join_ThenAgain_SecondIsNoOp(string provider)
    {
        var db = fx.For(provider);
        var r = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        Assert.True(ListStore.Join(c, tx, r, ListKind.CloseContact, Seed.T0 - 3 * Day, Seed.T0, "cdc-import-1"));
        Assert.False(ListStore.Join(c, tx, r, ListKind.CloseContact, Seed.T0 - Day, Seed.T0, "cdc-import-2"));
        Assert.True(ListStore.Join(c, tx, r, ListKind.Confirmed, Seed.T0 - Day, Seed.T0, "cdc-import-2"));
        tx.Commit();
        Assert.Equal(
            [
                new ListStore.Membership("close_contact", DateTimeOffset.FromUnixTimeSeconds(Seed.T0 - 3 * Day), null, "cdc-import-1"),
                new ListStore.Membership("confirmed", DateTimeOffset.FromUnixTimeSeconds(Seed.T0 - Day), null, "cdc-import-2"),
            ],
            ListStore.History(c, r));
    }

    [Theory, SqliteData, PostgresData]
    public void Release_ActiveThenAgain_OnlyFirstReleases(string provider)
    {
        var db = fx.For(provider);
        var r = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        using (var tx = c.BeginTransaction())
        {
            Assert.False(ListStore.Release(c, tx, r, ListKind.SecondaryContact, Seed.T0));
            ListStore.Join(c, tx, r, ListKind.SecondaryContact, Seed.T0 - 5 * Day, Seed.T0 - 4 * Day, "import");
            Assert.True(ListStore.Release(c, tx, r, ListKind.SecondaryContact, Seed.T0));
            Assert.False(ListStore.Release(c, tx, r, ListKind.SecondaryContact, Seed.T0 + 10));
            // joining again after the release starts a new membership
            Assert.True(ListStore.Join(c, tx, r, ListKind.SecondaryContact, Seed.T0 + Day, Seed.T0 + Day, "import-2"));
            tx.Commit();
        }
        Assert.Equal(
            [
                new ListStore.Membership("secondary_contact", DateTimeOffset.FromUnixTimeSeconds(Seed.T0 - 5 * Day), DateTimeOffset.FromUnixTimeSeconds(Seed.T0), "import"),
                new ListStore.Membership("secondary_contact", DateTimeOffset.FromUnixTimeSeconds(Seed.T0 + Day), null, "import-2"),
            ],
            ListStore.History(c, r));
    }

    [Theory, SqliteData, PostgresData]
    public void Join_RolledBack_LeavesNoHistory(string provider)
    {
        var db = fx.For(provider);
        var r = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        using (var tx = c.BeginTransaction())
        {
            ListStore.Join(c, tx, r, ListKind.Suspected, Seed.T0, Seed.T0, "x");
            tx.Rollback();
        }
        Assert.Empty(ListStore.History(c, r));
    }

    [Theory, SqliteData, PostgresData]
    public void ActiveCounts_JoinAndRelease_CountsActiveOnly(string provider)
    {
        var db = fx.For(provider);
        var a = Seed.Resident(db, fx.Protector);
        var b = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        var before = ListStore.ActiveCounts(c);
        using (var tx = c.BeginTransaction())
        {
            ListStore.Join(c, tx, a, ListKind.InboundQuarantine, Seed.T0, Seed.T0, "x");
            ListStore.Join(c, tx, b, ListKind.InboundQuarantine, Seed.T0, Seed.T0, "x");
            ListStore.Join(c, tx, a, ListKind.Suspected, Seed.T0, Seed.T0, "x");
            ListStore.Release(c, tx, a, ListKind.Suspected, Seed.T0 + 1);
            tx.Commit();
        }
        var after = ListStore.ActiveCounts(c);
        Assert.Equal(before.GetValueOrDefault("inbound_quarantine") + 2, after["inbound_quarantine"]);
        Assert.Equal(before.GetValueOrDefault("suspected"), after.GetValueOrDefault("suspected"));
        Assert.All(after.Keys, k => Assert.Contains(k, Lists.Names));
    }
}
