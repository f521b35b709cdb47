using CityBrain.Data.Identity;
using CityBrain.Data.Infrastructure;
using CityBrain.Data.Tracing;
using CityBrain.Data.Venues;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Tracing;
using CityBrain.Domain.Venues;

namespace CityBrain.Data.Tests.Tracing;

public class TraceStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    private static int Venue(Database db)
    {
        using var c = db.Open();
        return VenueStore.Upsert(c, null, new Venue(0, "T-" + Guid.NewGuid().ToString("N")[..8], "车站", VenueType.Station, "330102", 30.25, 120.17, 0, YellowPolicy.Deny, TimeSpan.FromHours(1)), Seed.T0);
    }

    [Theory, SqliteData, PostgresData]
    public void AddConfirmSetStatus_RoundTripsAndCountsOpenTraces(string provider)
    {
        var db = fx.For(provider);
        var (p, q, r) = (Seed.Resident(db, fx.Protector), Seed.Resident(db, fx.Protector), Seed.Resident(db, fx.Protector));
        var venue = Venue(db);
        using var c = db.Open();
        long id;
        using (var tx = c.BeginTransaction())
        {
            id = TraceStore.Add(c, tx, p, Seed.T0, 15, 14, 2, "case 7", "official", Seed.T0 + 5, 1.5, [
                new TraceContactRow(q, 1, Seed.T0 - 600, venue, 300, 2, null, "330102001", "湖滨派出所"),
                new TraceContactRow(r, 2, Seed.T0 - 60, venue, 0, 1, q, "330102", ""),
            ]);
            tx.Commit();
        }
        var t = TraceStore.Get(c, null, id)!;
        Assert.Equal(("draft", 1, 1, 2, 0, 2, 15), (t.Status, t.FirstDegree, t.SecondDegree, t.Open, t.Reached, t.Degree, t.WindowMinutes));
        var contacts = TraceStore.Contacts(c, null, id);
        Assert.Equal(new TraceContactRow(q, 1, Seed.T0 - 600, venue, 300, 2, null, "330102001", "湖滨派出所"), contacts[0]);
        Assert.Equal(q, contacts[1].Via);

        var before = TraceStore.Totals(c);
        using (var tx = c.BeginTransaction())
        {
            Assert.True(TraceStore.Confirm(c, tx, id, "official", Seed.T0 + 10));
            Assert.False(TraceStore.Confirm(c, tx, id, "official2", Seed.T0 + 11));
            tx.Commit();
        }
        Assert.True(TraceStore.SetContactStatus(c, null, id, q, ContactStatus.Reached, "street office", Seed.T0 + 20, "home"));
        Assert.False(TraceStore.SetContactStatus(c, null, id, p, ContactStatus.Reached, "street office", Seed.T0 + 20, null));
        var after = TraceStore.Totals(c);
        Assert.Equal(before.OpenTraces + 1, after.OpenTraces);
        Assert.Equal(before.ContactsReached + 1, after.ContactsReached);
        Assert.Equal(before.ContactsOpen + 1, after.ContactsOpen);
        Assert.Contains(TraceStore.List(c, "open", 10), x => x.Id == id && x.Reached == 1);
    }

    [Theory, SqliteData, PostgresData]
    public void Feed_ReadsAdmittedCheckinsInRange_WithIds(string provider)
    {
        var db = fx.For(provider);
        var r = Seed.Resident(db, fx.Protector);
        var venue = Venue(db);
        using var c = db.Open();
        using (var tx = c.BeginTransaction())
        {
            CheckinStore.Insert(c, tx, [
                new CheckinRow(r, venue, Seed.T0, Direction.In, true, Colour.Green, CheckinMethod.Token),
                new CheckinRow(r, venue, Seed.T0 + 60, Direction.Out, true, Colour.Green, CheckinMethod.Token),
                new CheckinRow(r, venue, Seed.T0 + 120, Direction.In, false, Colour.Red, CheckinMethod.Token),
                new CheckinRow(r, venue, Seed.T0 + 99_999, Direction.In, true, Colour.Green, CheckinMethod.Token),
            ]);
            tx.Commit();
        }
        var read = new List<(long Id, Checkin Row)>();
        CheckinFeed.Read(db, c, Seed.T0, Seed.T0 + 1000, (long id, in Checkin row) => { if (row.Venue == venue) { read.Add((id, row)); } });
        Assert.Equal([new Checkin((int)r, venue, Seed.T0, false), new Checkin((int)r, venue, Seed.T0 + 60, true)], read.Select(x => x.Row).OrderBy(x => x.At).ToList());
        Assert.All(read, x => Assert.True(x.Id > 0));
        Assert.True(CheckinFeed.MinId(c) <= read.Min(x => x.Id));
    }

    [Theory, SqliteData, PostgresData]
    public void RevealMany_DecryptsEveryOneAsked(string provider)
    {
        var db = fx.For(provider);
        var ids = Enumerable.Range(0, 3).Select(_ => Seed.Resident(db, fx.Protector)).ToList();
        using var c = db.Open();
        var people = ResidentStore.RevealMany(c, ids, fx.Protector);
        Assert.Equal(ids.Order(), people.Keys.Order());
        Assert.All(people.Values, p => Assert.Equal(18, p.IdNumber.Length));
    }
}
