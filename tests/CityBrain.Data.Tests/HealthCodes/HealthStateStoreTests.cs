using System.Data.Common;
using CityBrain.Data.HealthCodes;
using CityBrain.Domain.HealthCodes;
using Dapper;

namespace CityBrain.Data.Tests.HealthCodes;

public class HealthStateStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    private const int D = 737_000;

    private static HealthFacts FullFacts(long residentId)
    {
        var f = new HealthFacts();
        f.Reset();
        f.ResidentKey = residentId;
        f.Lists = (byte)((1 << (int)ListKind.Suspected) | (1 << (int)ListKind.SecondaryContact) | (1 << (int)ListKind.InboundQuarantine));
        f.ListSinceDay[(int)ListKind.Confirmed] = D - 50; // not on that list: must not be stored
        f.ListSinceDay[(int)ListKind.Suspected] = D - 1;
        f.ListSinceDay[(int)ListKind.SecondaryContact] = D - 3;
        f.ListSinceDay[(int)ListKind.InboundQuarantine] = D - 4;
        f.DeclarationDay = D - 2;
        f.TemperatureX10 = 376;
        f.Symptoms = Symptoms.Fever | Symptoms.Diarrhoea;
        f.ContactWithCase = true;
        f.Travel = $"420106@{D - 6};330102@{D - 5}";
        f.LastAbnormalDay = D - 2;
        f.StreakStartDay = D - 1;
        f.StreakLastDay = D;
        return f;
    }

    private static void Tx(DbConnection c, Action<DbTransaction> work)
    {
        using var tx = c.BeginTransaction();
        work(tx);
        tx.Commit();
    }

    [Theory, SqliteData, PostgresData]
    public async Task SaveFacts_ThenLoadAsync_RoundTripsEveryField(string provider)
    {
        var db = fx.For(provider);
        var id = Seed.Resident(db, fx.Protector, division: "330106");
        var saved = FullFacts(id);
        using var c = db.Open();
        Tx(c, tx =>
        {
            HealthStateStore.SaveFacts(c, tx, saved);
            HealthStateStore.SaveOverride(c, tx, id, Colour.Red, Seed.T0 + 3600, "held by the command");
        });

        var f = new HealthFacts();
        f.Reset();
        f.Travel = "stale";
        var (found, current) = await HealthStateStore.LoadAsync(c, null, id, f);
        Assert.True(found);
        Assert.Equal(id, f.ResidentKey);
        Assert.Equal("330106", f.HomeDivision);
        Assert.Equal(1950, f.BirthYear); // Seed makes residents born in 1950
        Assert.Equal(saved.Lists, f.Lists);
        Assert.Equal([HealthFacts.NoDay, D - 1, HealthFacts.NoDay, D - 3, D - 4], f.ListSinceDay);
        Assert.Equal(D - 2, f.DeclarationDay);
        Assert.Equal(376, f.TemperatureX10);
        Assert.Equal(Symptoms.Fever | Symptoms.Diarrhoea, f.Symptoms);
        Assert.True(f.ContactWithCase);
        Assert.Equal(saved.Travel, f.Travel);
        Assert.Equal(D - 2, f.LastAbnormalDay);
        Assert.Equal(D - 1, f.StreakStartDay);
        Assert.Equal(D, f.StreakLastDay);
        Assert.Equal(Colour.Red, f.OverrideColour);
        Assert.Equal(Seed.T0 + 3600, f.OverrideUntil);
        Assert.Equal((Colour.Green, "", (long?)null, (Colour?)Colour.Red, (long?)(Seed.T0 + 3600)),
            (current.Colour, current.Rules, current.NextChange, current.OverrideColour, current.OverrideUntil));
        var code = await HealthStateStore.GetCodeAsync(c, id);
        Assert.Equal("held by the command", code!.OverrideReason);
        Assert.Equal(Colour.Red, code.OverrideColour);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Seed.T0 + 3600), code.OverrideUntil);
    }

    [Theory, SqliteData, PostgresData]
    public async Task SaveFacts_EmptyFacts_StoresNullsAndLoadsNoDay(string provider)
    {
        var db = fx.For(provider);
        var id = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        Tx(c, tx =>
        {
            HealthStateStore.SaveFacts(c, tx, FullFacts(id));
            HealthStateStore.SaveOverride(c, tx, id, Colour.Yellow, Seed.T0, "x");
        });
        var empty = new HealthFacts();
        empty.Reset();
        empty.ResidentKey = id;
        Tx(c, tx =>
        {
            HealthStateStore.SaveFacts(c, tx, empty);
            HealthStateStore.SaveOverride(c, tx, id, null, null, null);
        });
        var f = FullFacts(0);
        var (found, current) = await HealthStateStore.LoadAsync(c, null, id, f);
        Assert.True(found);
        Assert.Equal(0, f.Lists);
        Assert.All(f.ListSinceDay, d => Assert.Equal(HealthFacts.NoDay, d));
        Assert.Equal(HealthFacts.NoDay, f.DeclarationDay);
        Assert.Equal(0, f.TemperatureX10);
        Assert.Equal(Symptoms.None, f.Symptoms);
        Assert.False(f.ContactWithCase);
        Assert.Null(f.Travel);
        Assert.Equal(HealthFacts.NoDay, f.LastAbnormalDay);
        Assert.Equal(HealthFacts.NoDay, f.StreakStartDay);
        Assert.Equal(HealthFacts.NoDay, f.StreakLastDay);
        Assert.Null(f.OverrideColour);
        Assert.Equal(0, f.OverrideUntil);
        Assert.Null(current.OverrideColour);
        Assert.Null(current.OverrideUntil);
    }

    [Theory, SqliteData, PostgresData]
    public async Task LoadAsync_UnknownResident_NotFound(string provider)
    {
        var db = fx.For(provider);
        using var c = db.Open();
        var (found, _) = await HealthStateStore.LoadAsync(c, null, 987_654_321, new HealthFacts());
        Assert.False(found);
        Assert.Null(await HealthStateStore.GetCodeAsync(c, 987_654_321));
    }

    private static List<(long Resident, long At, int? From, int To, string Rules, string Cause)> Changes(DbConnection c, params long[] ids) =>
        c.Query<(long, long, int?, int, string, string)>(
            $"SELECT resident_id, at, colour_from, colour_to, rules, cause FROM code_changes WHERE resident_id IN ({string.Join(',', ids)}) ORDER BY id")
            .ToList();

    [Theory, SqliteData, PostgresData]
    public async Task Save_Codes_UpdatesAllAndLogsOnlyColourChanges(string provider)
    {
        var db = fx.For(provider);
        var a = Seed.Resident(db, fx.Protector);
        var b = Seed.Resident(db, fx.Protector);
        var cc = Seed.Resident(db, fx.Protector);
        var untouched = Seed.Resident(db, fx.Protector);
        const long T1 = Seed.T0 + 1000;
        const long T2 = Seed.T0 + 2000;
        using var c = db.Open();
        Tx(c, tx => HealthStateStore.Save(c, tx,
        [
            new CodeUpdate(a, Colour.Green, Colour.Red, "confirmed", null, true),
            new CodeUpdate(b, Colour.Green, Colour.Green, "", null, false),
            new CodeUpdate(cc, Colour.Green, Colour.Yellow, "symptoms,risky_travel", T1 + 86_400, true),
        ], T1, "recompute"));

        Assert.Equal(
            new StoredCode(a, Colour.Red, "confirmed", null, DateTimeOffset.FromUnixTimeSeconds(T1), DateTimeOffset.FromUnixTimeSeconds(T1), null, null, null),
            await HealthStateStore.GetCodeAsync(c, a));
        Assert.Equal(
            new StoredCode(b, Colour.Green, "", null, DateTimeOffset.FromUnixTimeSeconds(Seed.T0), DateTimeOffset.FromUnixTimeSeconds(T1), null, null, null),
            await HealthStateStore.GetCodeAsync(c, b));
        Assert.Equal(
            new StoredCode(cc, Colour.Yellow, "symptoms,risky_travel", DateTimeOffset.FromUnixTimeSeconds(T1 + 86_400), DateTimeOffset.FromUnixTimeSeconds(T1),
                DateTimeOffset.FromUnixTimeSeconds(T1), null, null, null),
            await HealthStateStore.GetCodeAsync(c, cc));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Seed.T0), (await HealthStateStore.GetCodeAsync(c, untouched))!.ComputedAt);
        Assert.Equal(
            [(a, T1, 0, 2, "confirmed", "recompute"), (cc, T1, 0, 1, "symptoms,risky_travel", "recompute")],
            Changes(c, a, b, cc, untouched));

        // a second save on the same connection, in a new transaction (PostgreSQL reuses its temp table)
        Tx(c, tx => HealthStateStore.Save(c, tx,
        [
            new CodeUpdate(a, Colour.Red, Colour.Red, "confirmed,symptoms", null, false),
            new CodeUpdate(cc, Colour.Yellow, Colour.Green, "", null, true),
        ], T2, "daily"));
        var codeA = await HealthStateStore.GetCodeAsync(c, a);
        Assert.Equal(("confirmed,symptoms", DateTimeOffset.FromUnixTimeSeconds(T1), DateTimeOffset.FromUnixTimeSeconds(T2)), (codeA!.Rules, codeA.ColourSince, codeA.ComputedAt));
        var codeC = await HealthStateStore.GetCodeAsync(c, cc);
        Assert.Equal((Colour.Green, (DateTimeOffset?)null, DateTimeOffset.FromUnixTimeSeconds(T2)), (codeC!.Colour, codeC.NextChange, codeC.ColourSince));
        Assert.Equal(
            [(a, T1, 0, 2, "confirmed", "recompute"), (cc, T1, 0, 1, "symptoms,risky_travel", "recompute"), (cc, T2, 1, 0, "", "daily")],
            Changes(c, a, b, cc, untouched));
    }

    [Theory, SqliteData, PostgresData]
    public async Task Save_StaleVersion_SkipsRowAndLogsNothing(string provider)
    {
        var db = fx.For(provider);
        var a = Seed.Resident(db, fx.Protector);
        var b = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        var read = new HealthFacts();
        var (_, currentA) = await HealthStateStore.LoadAsync(c, null, a, read);
        var (_, currentB) = await HealthStateStore.LoadAsync(c, null, b, read);
        // an event changes a's facts after the recompute read them
        Tx(c, tx => HealthStateStore.SaveFacts(c, tx, FullFacts(a)));
        Tx(c, tx => HealthStateStore.Save(c, tx,
        [
            new CodeUpdate(a, Colour.Green, Colour.Red, "stale", null, true, currentA.Version),
            new CodeUpdate(b, Colour.Green, Colour.Yellow, "fresh", null, true, currentB.Version),
        ], Seed.T0 + 7, "recompute"));
        var codeA = await HealthStateStore.GetCodeAsync(c, a);
        Assert.Equal((Colour.Green, ""), (codeA!.Colour, codeA.Rules));
        Assert.Equal(Colour.Yellow, (await HealthStateStore.GetCodeAsync(c, b))!.Colour);
        Assert.Equal([(b, Seed.T0 + 7, (int?)0, 1, "fresh", "recompute")], Changes(c, a, b));
    }

    [Theory, SqliteData, PostgresData]
    public async Task Save_TwiceInOneTransaction_BothApplied(string provider)
    {
        var db = fx.For(provider);
        var a = Seed.Resident(db, fx.Protector);
        var b = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        Tx(c, tx =>
        {
            HealthStateStore.Save(c, tx, [new CodeUpdate(a, Colour.Green, Colour.Yellow, "symptoms", null, true)], Seed.T0 + 5, "one");
            HealthStateStore.Save(c, tx, [new CodeUpdate(b, Colour.Green, Colour.Red, "suspected", null, true)], Seed.T0 + 6, "two");
        });
        Assert.Equal(Colour.Yellow, (await HealthStateStore.GetCodeAsync(c, a))!.Colour);
        Assert.Equal(Colour.Red, (await HealthStateStore.GetCodeAsync(c, b))!.Colour);
        Assert.Equal([(a, Seed.T0 + 5, (int?)0, 1, "symptoms", "one"), (b, Seed.T0 + 6, 0, 2, "suspected", "two")], Changes(c, a, b));
    }

    [Theory, SqliteData, PostgresData]
    public async Task Save_RolledBack_ChangesNothing(string provider)
    {
        var db = fx.For(provider);
        var a = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        using (var tx = c.BeginTransaction())
        {
            HealthStateStore.Save(c, tx, [new CodeUpdate(a, Colour.Green, Colour.Red, "confirmed", null, true)], Seed.T0 + 5, "x");
            tx.Rollback();
        }
        Assert.Equal(Colour.Green, (await HealthStateStore.GetCodeAsync(c, a))!.Colour);
        Assert.Empty(Changes(c, a));
    }

    [Theory, SqliteData, PostgresData]
    public void Save_NoUpdates_NoOp(string provider)
    {
        var db = fx.For(provider);
        using var c = db.Open();
        var before = c.ExecuteScalar<long>("SELECT COUNT(*) FROM code_changes");
        Tx(c, tx => HealthStateStore.Save(c, tx, [], Seed.T0, "x"));
        Assert.Equal(before, c.ExecuteScalar<long>("SELECT COUNT(*) FROM code_changes"));
    }

    [Theory, SqliteData, PostgresData]
    public void OpenRange_IdsInHalfOpenRange_InOrderWithFacts(string provider)
    {
        var db = fx.For(provider);
        var ids = Enumerable.Range(0, 4).Select(i => Seed.Resident(db, fx.Protector, division: $"33010{i + 2}")).ToList();
        using var c = db.Open();
        Tx(c, tx =>
        {
            var f = FullFacts(ids[1]);
            HealthStateStore.SaveFacts(c, tx, f);
        });
        var read = new List<(long Id, string Division, byte Lists)>();
        using (var r = HealthStateStore.OpenRange(c, ids[0], ids[3]))
        {
            var f = new HealthFacts();
            while (r.Read())
            {
                HealthStateStore.Read(r, f);
                read.Add((f.ResidentKey, f.HomeDivision, f.Lists));
            }
        }
        Assert.Equal([(ids[0], "330102", (byte)0), (ids[1], "330103", FullFacts(0).Lists), (ids[2], "330104", (byte)0)], read);
    }

    [Theory, SqliteData, PostgresData]
    public void Bounds_MatchesResidents(string provider)
    {
        var db = fx.For(provider);
        var a = Seed.Resident(db, fx.Protector);
        var b = Seed.Resident(db, fx.Protector);
        using var c = db.Open();
        var (min, max, count) = HealthStateStore.Bounds(c);
        Assert.True(min <= a && max >= b && count >= 2);
        Assert.Equal(c.ExecuteScalar<long>("SELECT COUNT(*) FROM residents"), count);
    }
}
