using CityBrain.Data.HealthCodes;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Data.Tests.HealthCodes;

public class DeclarationStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    [Theory, SqliteData, PostgresData]
    public void Add_ThenRecent_NewestFirstWithEveryField(string provider)
    {
        var db = fx.For(provider);
        var r = Seed.Resident(db, fx.Protector);
        var other = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        long first, second, third;
        using (var tx = c.BeginTransaction())
        {
            first = DeclarationStore.Add(c, tx, r, Seed.T0, false, 376, Symptoms.Fever | Symptoms.LossOfSmellOrTaste, true, "420106@737000;330102@737003");
            second = DeclarationStore.Add(c, tx, r, Seed.T0 + 100, true, null, Symptoms.None, false, null);
            third = DeclarationStore.Add(c, tx, r, Seed.T0 + 100, true, 365, Symptoms.Cough, false, null);
            DeclarationStore.Add(c, tx, other, Seed.T0 + 200, true, 360, Symptoms.None, false, null);
            tx.Commit();
        }
        Assert.True(first < second && second < third);
        var all = DeclarationStore.Recent(c, r, 10);
        Assert.Equal(
            [
                new DeclarationStore.Row(third, DateTimeOffset.FromUnixTimeSeconds(Seed.T0 + 100), true, 365, Symptoms.Cough, false, null),
                new DeclarationStore.Row(second, DateTimeOffset.FromUnixTimeSeconds(Seed.T0 + 100), true, null, Symptoms.None, false, null),
                new DeclarationStore.Row(first, DateTimeOffset.FromUnixTimeSeconds(Seed.T0), false, 376, Symptoms.Fever | Symptoms.LossOfSmellOrTaste, true, "420106@737000;330102@737003"),
            ],
            all);
        Assert.Equal([third, second], DeclarationStore.Recent(c, r, 2).Select(d => d.Id));
        Assert.Empty(DeclarationStore.Recent(c, other + 1_000_000, 10));
    }
}
