using System.Data.Common;
using CityBrain.Data.Identity;
using CityBrain.Domain.Identity;

namespace CityBrain.Data.Tests.Identity;

public class UserStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    [Theory, SqliteData, PostgresData]
    public void Add_ThenFind_RoundTrips(string provider)
    {
        var db = fx.For(provider);
        var rid = Seed.Resident(db, fx.Protector);
        var name = "u" + Guid.NewGuid().ToString("N")[..8];
        var hash = Passwords.Hash("pw");
        using var c = db.Open();
        long id;
        using (var tx = c.BeginTransaction())
        {
            id = UserStore.Add(c, tx, name, hash, Roles.Resident, rid, Seed.T0);
            tx.Commit();
        }
        var expected = new UserRow(id, name, hash, Roles.Resident, rid, false);
        Assert.Equal(expected, UserStore.Find(c, name));
        Assert.Equal(expected, UserStore.FindByResident(c, rid));
        Assert.Contains(expected, UserStore.All(c));
        Assert.Null(UserStore.Find(c, name + "x"));
        Assert.Null(UserStore.FindByResident(c, rid + 1_000_000));
    }

    [Theory, SqliteData, PostgresData]
    public void Add_StaffWithoutResident_NullResident(string provider)
    {
        var db = fx.For(provider);
        var name = "staff" + Guid.NewGuid().ToString("N")[..8];
        using var c = db.Open();
        var id = UserStore.Add(c, null, name, "h", Roles.HealthOfficial, null, Seed.T0);
        Assert.Equal(new UserRow(id, name, "h", Roles.HealthOfficial, null, false), UserStore.Find(c, name));
    }

    [Theory, SqliteData, PostgresData]
    public void All_OrderedById(string provider)
    {
        var db = fx.For(provider);
        using var c = db.Open();
        var a = UserStore.Add(c, null, "a" + Guid.NewGuid().ToString("N")[..8], "h", Roles.Checkpoint, null, Seed.T0);
        var b = UserStore.Add(c, null, "b" + Guid.NewGuid().ToString("N")[..8], "h", Roles.Administrator, null, Seed.T0);
        var ids = UserStore.All(c).Select(u => u.Id).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.True(ids.IndexOf(a) < ids.IndexOf(b));
    }

    [Theory, SqliteData, PostgresData]
    public void SetPassword_KnownAndUnknownUser(string provider)
    {
        var db = fx.For(provider);
        var name = "p" + Guid.NewGuid().ToString("N")[..8];
        using var c = db.Open();
        UserStore.Add(c, null, name, "old", Roles.Checkpoint, null, Seed.T0);
        Assert.Equal(1, UserStore.SetPassword(c, name, "new"));
        Assert.Equal("new", UserStore.Find(c, name)!.PasswordHash);
        Assert.Equal(0, UserStore.SetPassword(c, name + "-nobody", "x"));
    }

    [Theory, SqliteData, PostgresData]
    public void Add_DuplicateUsername_Throws(string provider)
    {
        var db = fx.For(provider);
        var name = "d" + Guid.NewGuid().ToString("N")[..8];
        using var c = db.Open();
        UserStore.Add(c, null, name, "h", Roles.Checkpoint, null, Seed.T0);
        Assert.ThrowsAny<DbException>(() => UserStore.Add(c, null, name, "h2", Roles.Checkpoint, null, Seed.T0));
        Assert.Equal("h", UserStore.Find(c, name)!.PasswordHash);
    }
}
