using CityBrain.Data.Infrastructure;
using CityBrain.Data.Venues;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Venues;
using Dapper;

namespace CityBrain.Data.Tests.Venues;

public class CheckinStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    private static int Venue(Database db, string id)
    {
        using var c = db.Open();
        return VenueStore.Upsert(c, null, new Venue(0, id, "菜市场 " + id, VenueType.Market, "330102", 30.25, 120.17, 300, YellowPolicy.Deny, TimeSpan.FromHours(1)), Seed.T0);
    }

    [Theory, SqliteData, PostgresData]
    public void Insert_RepeatedClientId_StoredOnceAndReportedAsDuplicate(string provider)
    {
        var db = fx.For(provider);
        var venue = Venue(db, "V-" + Guid.NewGuid().ToString("N")[..8]);
        var r = Seed.Resident(db, fx.Protector);
        var client = "gate-" + Guid.NewGuid().ToString("N");
        using var c = db.Open();
        long[] first, second;
        using (var tx = c.BeginTransaction())
        {
            first = CheckinStore.Insert(c, tx, [
                new CheckinRow(r, venue, Seed.T0, Direction.In, true, Colour.Green, CheckinMethod.Offline, client),
                new CheckinRow(r, venue, Seed.T0 + 60, Direction.Out, true, Colour.Green, CheckinMethod.Token),
            ]);
            tx.Commit();
        }
        using (var tx = c.BeginTransaction())
        {
            second = CheckinStore.Insert(c, tx, [
                new CheckinRow(r, venue, Seed.T0, Direction.In, true, Colour.Green, CheckinMethod.Offline, client),
                new CheckinRow(r, venue, Seed.T0 + 120, Direction.In, false, Colour.Red, CheckinMethod.IdNumber),
            ]);
            tx.Commit();
        }
        Assert.True(first[0] > 0 && first[1] > first[0]);
        Assert.Equal(0, second[0]);
        Assert.True(second[1] > first[1]);
        var stored = c.Query<(long Id, int Passed, int Colour, int Method)>("SELECT id, passed, colour, method FROM checkins WHERE vkey = @venue ORDER BY id", new { venue }).ToList();
        Assert.Equal([(first[0], 1, 0, 3), (first[1], 1, 0, 0), (second[1], 0, 2, 2)], stored);
    }

    [Theory, SqliteData, PostgresData]
    public void BulkLoad_WithoutIndexes_ThenIndexesBackAndRowsThere(string provider)
    {
        var db = fx.For(provider);
        var venue = Venue(db, "B-" + Guid.NewGuid().ToString("N")[..8]);
        var r = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        CheckinStore.DropTimeIndex(c);
        var dropped = provider == Provider.Sqlite
            ? c.Query<string>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'checkins'").ToList()
            : c.Query<string>("SELECT indexname FROM pg_indexes WHERE tablename = 'checkins'").ToList();
        Assert.DoesNotContain("checkins_at", dropped);
        Assert.Contains("checkins_client", dropped);   // offline uploads during an import still need it
        using (var tx = c.BeginTransaction())
        {
            // 1,000 rows: fifteen 64-row statements and 40 single ones on SQLite.
            CheckinStore.BulkLoad(c, tx, Enumerable.Range(0, 1000)
                .Select(i => new ImportedCheckin(Seed.T0 + i, r, venue, i % 3 == 0 ? Direction.Out : Direction.In, Colour.Yellow)).ToArray());
            tx.Commit();
        }
        CheckinStore.EnsureSecondaryIndexes(c);   // what a start does after an import that died before its rebuild
        Assert.Equal(1000, c.ExecuteScalar<long>("SELECT COUNT(*) FROM checkins WHERE vkey = @venue AND colour = 1 AND method = 4 AND passed = 1", new { venue }));
        Assert.Equal(334, c.ExecuteScalar<long>("SELECT COUNT(*) FROM checkins WHERE vkey = @venue AND direction = 1 AND (at - @t0) % 3 = 0 AND resident_id = @r",
            new { venue, t0 = Seed.T0, r }));
        Assert.Equal(1000L * Seed.T0 + 999 * 1000 / 2, c.ExecuteScalar<long>("SELECT SUM(at) FROM checkins WHERE vkey = @venue", new { venue }));
        var indexes = provider == Provider.Sqlite
            ? c.Query<string>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'checkins'").ToList()
            : c.Query<string>("SELECT indexname FROM pg_indexes WHERE tablename = 'checkins'").ToList();
        Assert.Superset(new HashSet<string> { "checkins_client", "checkins_at" }, indexes.ToHashSet());
        Assert.DoesNotContain("checkins_resident", indexes);   // the tracing index answers by resident and venue (migration 0006)
        Assert.DoesNotContain("checkins_venue", indexes);
        Assert.Equal(1000, CheckinStore.Since(c, Seed.T0).Count(row => row.VenueKey == venue));
    }

    [Theory, SqliteData, PostgresData]
    public void PurgeBefore_OldRowsOnly(string provider)
    {
        var db = fx.For(provider);
        var venue = Venue(db, "P-" + Guid.NewGuid().ToString("N")[..8]);
        var r = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        using (var tx = c.BeginTransaction())
        {
            CheckinStore.Insert(c, tx, [
                new CheckinRow(r, venue, 1_000, Direction.In, true, Colour.Green, CheckinMethod.Token),
                new CheckinRow(r, venue, Seed.T0, Direction.In, true, Colour.Green, CheckinMethod.Token),
            ]);
            tx.Commit();
        }
        Assert.True(CheckinStore.PurgeBefore(c, 2_000) >= 1);
        Assert.Equal([Seed.T0], c.Query<long>("SELECT at FROM checkins WHERE vkey = @venue", new { venue }));
    }
}
