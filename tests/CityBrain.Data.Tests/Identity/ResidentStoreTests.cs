using System.Data.Common;
using System.Text;
using CityBrain.Data.HealthCodes;
using CityBrain.Data.Identity;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CityBrain.Data.Tests.Identity;

public class ResidentStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    [Theory, SqliteData, PostgresData]
    public async Task Upsert_NewPerson_InsertsResidentAndHealthStateRow(string provider)
    {
        var db = fx.For(provider);
        var idNumber = Seed.NewIdNumber();
        using var c = db.Open();
        var before = ResidentStore.Count(c);
        List<(long Id, bool Created)> result;
        using (var tx = c.BeginTransaction())
        {
            result = ResidentStore.Upsert(c, tx, [new PersonInput(idNumber, "欧阳娜娜", "13812345678", "330106")], fx.Protector, Seed.T0);
            tx.Commit();
        }
        var (id, created) = Assert.Single(result);
        Assert.True(created);
        Assert.Equal(before + 1, ResidentStore.Count(c));
        Assert.Equal(new ResidentRow(id, "欧***", "330106", idNumber.BirthDate.Year), ResidentStore.Get(c, id));

        var f = new HealthFacts();
        var (found, current) = await HealthStateStore.LoadAsync(c, null, id, f);
        Assert.True(found);
        Assert.Equal(id, f.ResidentKey);
        Assert.Equal("330106", f.HomeDivision);
        Assert.Equal(idNumber.BirthDate.Year, f.BirthYear);
        Assert.Equal(Colour.Green, current.Colour);
        var code = await HealthStateStore.GetCodeAsync(c, id);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Seed.T0), code!.ColourSince);
    }

    [Theory, SqliteData, PostgresData]
    public async Task Upsert_KnownIdNumber_UpdatesSameResident(string provider)
    {
        var db = fx.For(provider);
        var idNumber = Seed.NewIdNumber();
        var id = Seed.Resident(db, fx.Protector, idNumber, "张三", "330102", "13800000001");
        using var c = db.Open();
        var before = ResidentStore.Count(c);
        List<(long Id, bool Created)> result;
        using (var tx = c.BeginTransaction())
        {
            result = ResidentStore.Upsert(c, tx, [new PersonInput(idNumber, "李四", null, "420106")], fx.Protector, Seed.T0 + 60);
            tx.Commit();
        }
        Assert.Equal((id, false), Assert.Single(result));
        Assert.Equal(before, ResidentStore.Count(c));
        Assert.Equal("李*", ResidentStore.Get(c, id)!.NameMasked);
        Assert.Equal("420106", ResidentStore.Get(c, id)!.DivisionCode);
        // a missing phone keeps the stored one
        Assert.Equal((idNumber.Value, "李四", "13800000001"), ResidentStore.Reveal(c, id, fx.Protector));
        var f = new HealthFacts();
        await HealthStateStore.LoadAsync(c, null, id, f);
        Assert.Equal("420106", f.HomeDivision);
        Assert.Equal(1L, c.ExecuteScalar<long>("SELECT COUNT(*) FROM health_state WHERE resident_id = @id", new { id }));
        Assert.Equal(Seed.T0 + 60, c.ExecuteScalar<long>("SELECT updated_at FROM residents WHERE id = @id", new { id }));
    }

    [Theory, SqliteData, PostgresData]
    public void Upsert_SamePersonTwiceInOneBatch_OneResident(string provider)
    {
        var db = fx.For(provider);
        var idNumber = Seed.NewIdNumber();
        var other = Seed.NewIdNumber();
        using var c = db.Open();
        using var tx = c.BeginTransaction();
        var result = ResidentStore.Upsert(c, tx,
            [new PersonInput(idNumber, "王五", null, "330102"), new PersonInput(other, "赵六", null, "330102"), new PersonInput(idNumber, "王五五", "13900000000", "330103")],
            fx.Protector, Seed.T0);
        tx.Commit();
        Assert.Equal([true, true, false], result.Select(r => r.Created));
        Assert.Equal(result[0].Id, result[2].Id);
        Assert.NotEqual(result[0].Id, result[1].Id);
        Assert.Equal((idNumber.Value, "王五五", "13900000000"), ResidentStore.Reveal(c, result[0].Id, fx.Protector));
    }

    [Theory, SqliteData, PostgresData]
    public void FindByIdNumberAndFindMany_KnownAndUnknown(string provider)
    {
        var db = fx.For(provider);
        var a = Seed.NewIdNumber();
        var b = Seed.NewIdNumber();
        var unknown = Seed.NewIdNumber();
        var ida = Seed.Resident(db, fx.Protector, a);
        var idb = Seed.Resident(db, fx.Protector, b);
        using var c = db.Open();
        Assert.Equal(ida, ResidentStore.FindByIdNumber(c, null, a.Value, fx.Protector));
        Assert.Null(ResidentStore.FindByIdNumber(c, null, unknown.Value, fx.Protector));
        var many = ResidentStore.FindMany(c, null, [a.Value, unknown.Value, b.Value, a.Value], fx.Protector);
        Assert.Equal(new Dictionary<string, long> { [a.Value] = ida, [b.Value] = idb }, many);
        // the hash is keyed: another key finds nothing
        var otherKeys = new PersonalDataProtector(new byte[32], new byte[32]);
        Assert.Null(ResidentStore.FindByIdNumber(c, null, a.Value, otherKeys));
    }

    [Theory, SqliteData, PostgresData]
    public void Reveal_RoundTripsAndUnknownIsNull(string provider)
    {
        var db = fx.For(provider);
        var idNumber = Seed.NewIdNumber();
        var id = Seed.Resident(db, fx.Protector, idNumber, "司马相如", "330102", null);
        using var c = db.Open();
        Assert.Equal((idNumber.Value, "司马相如", (string?)null), ResidentStore.Reveal(c, id, fx.Protector));
        Assert.Null(ResidentStore.Reveal(c, id + 1_000_000, fx.Protector));
        Assert.Null(ResidentStore.Get(c, id + 1_000_000));
    }

    [Theory, SqliteData, PostgresData]
    public void RawDatabase_AfterUpsert_HoldsNoClearIdNumberNameOrPhone(string provider)
    {
        var db = fx.For(provider);
        var idNumber = Seed.NewIdNumber();
        const string Name = "诸葛孔明";
        const string Phone = "13712345678";
        Seed.Resident(db, fx.Protector, idNumber, Name, "330102", Phone);
        string[] secrets = [idNumber.Value, Name, Phone];

        using (var c = db.Open())
        {
            foreach (var table in new[] { "residents", "health_state", "users", "audit_log" })
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = $"SELECT * FROM {table}";
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    for (var i = 0; i < r.FieldCount; i++)
                    {
                        AssertNoSecret(r.IsDBNull(i) ? null : r.GetValue(i), secrets, $"{table}.{r.GetName(i)}");
                    }
                }
            }
        }
        if (provider == Provider.Sqlite)
        {
            SqliteConnection.ClearAllPools(); // closes the file
            foreach (var file in new[] { fx.SqlitePath!, fx.SqlitePath + "-wal" }.Where(File.Exists))
            {
                var bytes = File.ReadAllBytes(file);
                Assert.True(bytes.Length > 0);
                foreach (var s in secrets)
                {
                    Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(s)) < 0, $"{s} found in clear in {file}");
                }
            }
        }
    }

    private static void AssertNoSecret(object? value, string[] secrets, string where)
    {
        foreach (var s in secrets)
        {
            switch (value)
            {
                case string text:
                    Assert.DoesNotContain(s, text, StringComparison.Ordinal);
                    break;
                case byte[] bytes:
                    Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(s)) < 0, $"{s} in clear in {where}");
                    break;
            }
        }
    }
}
