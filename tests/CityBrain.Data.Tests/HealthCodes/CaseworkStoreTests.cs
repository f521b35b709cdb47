using CityBrain.Data.HealthCodes;
using CityBrain.Domain.HealthCodes;
using Dapper;

namespace CityBrain.Data.Tests.HealthCodes;

public class OverrideStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    private static DateTimeOffset At(long t) => DateTimeOffset.FromUnixTimeSeconds(t);

    [Theory, SqliteData, PostgresData]
    public void Lifecycle_AddActivateReplaceReject(string provider)
    {
        var db = fx.For(provider);
        var r = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        long first, second, third;
        using (var tx = c.BeginTransaction())
        {
            first = OverrideStore.Add(c, tx, r, Colour.Red, "positive test abroad", Seed.T0 + 86_400, "official1", Seed.T0, "pending");
            Assert.Equal(new OverrideRow(first, r, Colour.Red, "positive test abroad", At(Seed.T0 + 86_400), "official1", At(Seed.T0), "pending", null, null),
                OverrideStore.Get(c, tx, first));
            OverrideStore.Activate(c, tx, first, r, "admin1", Seed.T0 + 10);
            tx.Commit();
        }
        Assert.Equal(new OverrideRow(first, r, Colour.Red, "positive test abroad", At(Seed.T0 + 86_400), "official1", At(Seed.T0), "active", "admin1", At(Seed.T0 + 10)),
            OverrideStore.Get(c, null, first));

        using (var tx = c.BeginTransaction())
        {
            // a new active override (activated without a second approver) revokes the earlier one
            second = OverrideStore.Add(c, tx, r, Colour.Yellow, "downgraded", Seed.T0 + 7200, "official2", Seed.T0 + 20, "pending");
            OverrideStore.Activate(c, tx, second, r, null, Seed.T0 + 30);
            third = OverrideStore.Add(c, tx, r, Colour.Green, "mistake", Seed.T0 + 7200, "official3", Seed.T0 + 40, "pending");
            OverrideStore.SetStatus(c, tx, third, "rejected", "admin2", Seed.T0 + 50);
            tx.Commit();
        }
        Assert.Equal("revoked", OverrideStore.Get(c, null, first)!.Status);
        var s = OverrideStore.Get(c, null, second)!;
        Assert.Equal(("active", (string?)null, (DateTimeOffset?)null), (s.Status, s.ApprovedBy, s.ApprovedAt));
        var t = OverrideStore.Get(c, null, third)!;
        Assert.Equal(("rejected", "admin2", (DateTimeOffset?)At(Seed.T0 + 50)), (t.Status, t.ApprovedBy, t.ApprovedAt));

        Assert.Equal([third, second, first], OverrideStore.List(c, null, r).Select(o => o.Id));
        Assert.Equal([second], OverrideStore.List(c, "active", r).Select(o => o.Id));
        Assert.Contains(first, OverrideStore.List(c, "revoked", null).Select(o => o.Id));
        Assert.Empty(OverrideStore.List(c, "pending", r));
        Assert.Null(OverrideStore.Get(c, null, third + 1_000_000));
    }

    [Theory, SqliteData, PostgresData]
    public void Activate_OtherResidentsOverrides_Untouched(string provider)
    {
        var db = fx.For(provider);
        var a = Seed.Resident(db, fx.Protector);
        var b = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        var oa = OverrideStore.Add(c, tx, a, Colour.Red, "x", Seed.T0 + 60, "o", Seed.T0, "active");
        var ob = OverrideStore.Add(c, tx, b, Colour.Red, "y", Seed.T0 + 60, "o", Seed.T0, "pending");
        OverrideStore.Activate(c, tx, ob, b, "admin", Seed.T0 + 1);
        tx.Commit();
        Assert.Equal("active", OverrideStore.Get(c, null, oa)!.Status);
        Assert.Equal("active", OverrideStore.Get(c, null, ob)!.Status);
    }
}

public class AppealStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    [Theory, SqliteData, PostgresData]
    public void Lifecycle_FileThenDecide(string provider)
    {
        var db = fx.For(provider);
        var r = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        long open, decided;
        using (var tx = c.BeginTransaction())
        {
            open = AppealStore.File(c, tx, r, Colour.Yellow, "risky_travel", "I only changed trains in Wuhan", Seed.T0);
            decided = AppealStore.File(c, tx, r, Colour.Red, "close_contact", "wrong person", Seed.T0 + 5);
            Assert.Equal(new AppealRow(open, r, Colour.Yellow, "risky_travel", "I only changed trains in Wuhan", DateTimeOffset.FromUnixTimeSeconds(Seed.T0), "open", null, null, null),
                AppealStore.Get(c, tx, open));
            AppealStore.Decide(c, tx, decided, "overturned", "official9", "not the same person", Seed.T0 + 100);
            tx.Commit();
        }
        Assert.Equal(new AppealRow(decided, r, Colour.Red, "close_contact", "wrong person", DateTimeOffset.FromUnixTimeSeconds(Seed.T0 + 5), "overturned",
                "official9", DateTimeOffset.FromUnixTimeSeconds(Seed.T0 + 100), "not the same person"),
            AppealStore.Get(c, null, decided));
        Assert.Equal([decided, open], AppealStore.List(c, null, r).Select(a => a.Id));
        Assert.Equal([open], AppealStore.List(c, "open", r).Select(a => a.Id));
        Assert.Contains(decided, AppealStore.List(c, "overturned", null).Select(a => a.Id));
        Assert.Empty(AppealStore.List(c, "upheld", r));
        Assert.Null(AppealStore.Get(c, null, decided + 1_000_000));
    }
}

public class RiskAreaStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    [Theory, SqliteData, PostgresData]
    public void Set_ThenSetAgain_Upserts(string provider)
    {
        var db = fx.For(provider);
        using var c = db.Open();
        using (var tx = c.BeginTransaction())
        {
            RiskAreaStore.Set(c, tx, "420106", RiskRank.High, "cdc", Seed.T0);
            RiskAreaStore.Set(c, tx, "3302", RiskRank.Low, "cdc", Seed.T0);
            tx.Commit();
        }
        Assert.Equal(RiskRank.High, RiskAreaStore.All(c)["420106"]);
        using (var tx = c.BeginTransaction())
        {
            RiskAreaStore.Set(c, tx, "420106", RiskRank.Medium, "command", Seed.T0 + 60);
            tx.Commit();
        }
        var all = RiskAreaStore.All(c);
        Assert.Equal(RiskRank.Medium, all["420106"]);
        Assert.Equal(RiskRank.Low, all["3302"]);
        var row = c.QuerySingle<(long UpdatedAt, string UpdatedBy)>("SELECT updated_at, updated_by FROM risk_areas WHERE division_code = '420106'");
        Assert.Equal((Seed.T0 + 60, "command"), row);
    }

    [Theory, SqliteData, PostgresData]
    public void ResidentsTravelledThrough_CodeOrAreaInside_FindsThem(string provider)
    {
        var db = fx.For(provider);
        var first = Seed.Resident(db, fx.Protector);   // Wuchang first
        var later = Seed.Resident(db, fx.Protector);   // Wuchang second
        var elsewhere = Seed.Resident(db, fx.Protector);
        var nowhere = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        using (var tx = c.BeginTransaction())
        {
            foreach (var (id, travel) in new[] { (first, "420106@737000;330102@737001"), (later, "330102@737000;420106001@737002"), (elsewhere, "110101@737000;310101@737001") })
            {
                var f = new HealthFacts();
                f.Reset();
                f.ResidentKey = id;
                f.Travel = travel;
                HealthStateStore.SaveFacts(c, tx, f);
            }
            tx.Commit();
        }
        var wuchang = RiskAreaStore.ResidentsTravelledThrough(c, "420106");
        Assert.Contains(first, wuchang);
        Assert.Contains(later, wuchang);
        Assert.DoesNotContain(elsewhere, wuchang);
        Assert.DoesNotContain(nowhere, wuchang);
        var wuhan = RiskAreaStore.ResidentsTravelledThrough(c, "4201");
        Assert.Contains(first, wuhan);
        Assert.Contains(later, wuhan);
        Assert.Equal([first, later, elsewhere], RiskAreaStore.ResidentsTravelledThrough(c, "3").Intersect([first, later, elsewhere]).Order());
        Assert.Equal([elsewhere], RiskAreaStore.ResidentsTravelledThrough(c, "310101").Intersect([first, later, elsewhere, nowhere]));
        Assert.DoesNotContain(first, RiskAreaStore.ResidentsTravelledThrough(c, "7370")); // a day number is not a division
    }
}
