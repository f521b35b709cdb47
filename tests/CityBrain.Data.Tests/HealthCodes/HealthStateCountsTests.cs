using CityBrain.Data.HealthCodes;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Data.Tests.HealthCodes;

/// <summary>Whole-table figures, on a database of this class only (one test, so nothing else writes to it).</summary>
public class HealthStateCountsTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    [Theory, SqliteData, PostgresData]
    public async Task BoundsAndCountsAsync_EmptyThenFilled_Exact(string provider)
    {
        var db = fx.For(provider);
        using (var c = db.Open())
        {
            Assert.Equal((0L, 0L, 0L), HealthStateStore.Bounds(c));
            Assert.Equal(new Dictionary<Colour, long> { [Colour.Green] = 0, [Colour.Yellow] = 0, [Colour.Red] = 0 }, await HealthStateStore.CountsAsync(c));
        }
        var ids = Enumerable.Range(0, 300).Select(_ => Seed.Resident(db, fx.Protector)).ToList();
        using (var c = db.Open())
        {
            using (var tx = c.BeginTransaction())
            {
                // a batch large enough to matter for the COPY path: 100 red, 50 yellow, 150 unchanged green
                var updates = ids.Select((id, i) => i < 100 ? new CodeUpdate(id, Colour.Green, Colour.Red, "confirmed", null, true)
                    : i < 150 ? new CodeUpdate(id, Colour.Green, Colour.Yellow, "symptoms", Seed.T0 + 86_400, true)
                    : new CodeUpdate(id, Colour.Green, Colour.Green, "", null, false)).ToList();
                HealthStateStore.Save(c, tx, updates, Seed.T0 + 1, "bulk");
                tx.Commit();
            }
            Assert.Equal((ids.Min(), ids.Max(), 300L), HealthStateStore.Bounds(c));
            Assert.Equal(new Dictionary<Colour, long> { [Colour.Green] = 150, [Colour.Yellow] = 50, [Colour.Red] = 100 }, await HealthStateStore.CountsAsync(c));
            Assert.Equal(150L, Dapper.SqlMapper.ExecuteScalar<long>(c, "SELECT COUNT(*) FROM code_changes"));
        }
    }
}
