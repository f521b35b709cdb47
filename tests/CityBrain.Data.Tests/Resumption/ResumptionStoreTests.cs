using System.Data.Common;
using CityBrain.Data.Resumption;
using CityBrain.Domain.Resumption;

namespace CityBrain.Data.Tests.Resumption;

/// <summary>The register and the daily readings on SQLite and PostgreSQL. Tests share a database: each uses its own ids and days.</summary>
public class ResumptionStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    private static void Tx(DbConnection c, Action<DbTransaction> work)
    {
        using var tx = c.BeginTransaction();
        work(tx);
        tx.Commit();
    }

    private static int[] Register(DbConnection c, params Enterprise[] enterprises)
    {
        Tx(c, tx => EnterpriseStore.Upsert(c, tx, enterprises, Seed.T0));
        var keys = EnterpriseStore.Keys(c);
        return enterprises.Select(e => keys[e.Id]).ToArray();
    }

    [Theory, SqliteData, PostgresData]
    public void Upsert_NewThenKnown_InsertsThenUpdates(string provider)
    {
        using var c = fx.For(provider).Open();
        var (a, b, n) = (Unique("A"), Unique("B"), Unique("N"));
        Register(c, new Enterprise(0, a, "甲厂", Sector.Industry, "330106", Scale.AboveSize), new Enterprise(0, b, "乙店", Sector.WholesaleRetail, "330203001", Scale.BelowSize));
        // A moves county and sector, N is new
        Register(c, new Enterprise(0, a, "甲厂(新)", Sector.Construction, "330782", Scale.BelowSize), new Enterprise(0, n, "新", Sector.PublicServices, "330106", Scale.BelowSize));

        var all = EnterpriseStore.All(c).Where(e => e.Id == a || e.Id == b || e.Id == n).ToDictionary(e => e.Id);
        Assert.Equal(3, all.Count);
        Assert.Equal(("甲厂(新)", Sector.Construction, "330782", Scale.BelowSize), (all[a].Name, all[a].Sector, all[a].DivisionCode, all[a].Scale));
        Assert.Equal(("乙店", Sector.WholesaleRetail, "330203001", Scale.BelowSize), (all[b].Name, all[b].Sector, all[b].DivisionCode, all[b].Scale));
        Assert.Equal(Sector.PublicServices, all[n].Sector);
        var keys = EnterpriseStore.Keys(c);
        Assert.All(all.Values, e => Assert.Equal(e.Key, keys[e.Id]));
        Assert.Equal(3, all.Values.Select(e => e.Key).Distinct().Count());
    }

    [Theory, SqliteData, PostgresData]
    public void Write_ThenScan_RoundTripsEveryReading(string provider)
    {
        using var c = fx.For(provider).Open();
        var keys = Register(c, Enumerable.Range(0, 50).Select(i => new Enterprise(0, Unique("M"), "m", Sector.Industry, "330106", Scale.BelowSize)).ToArray());
        var first = new DateOnly(1990, 1, 1).DayNumber;
        // 50 enterprises × 400 days, in day order (how the import hands them over)
        var readings = Enumerable.Range(0, 400).SelectMany(d => keys.Select((k, i) => new DailyReading(k, first + d, d * 0.25 + i * 1000.125))).ToList();
        Tx(c, tx => MeterStore.Write(c, tx, readings));

        var scanned = new List<DailyReading>();
        MeterStore.Scan(c, null, first, first + 399, (e, d, kwh) => scanned.Add(new DailyReading(e, d, kwh)));
        Assert.Equal(readings.OrderBy(r => r.Day).ThenBy(r => r.Enterprise), scanned.OrderBy(r => r.Day).ThenBy(r => r.Enterprise));
        Assert.Equal(readings.Where(r => r.Day >= first + 10 && r.Day <= first + 12), MeterStore.Between(c, null, first + 10, first + 12));
        Assert.True(MeterStore.AnyBetween(c, null, first + 399, first + 500));
        Assert.False(MeterStore.AnyBetween(c, null, first + 400, first + 500));
        var onDay = MeterStore.OnDay(c, first + 7);
        Assert.Equal(7 * 0.25 + 3 * 1000.125, onDay[keys[3]]);
        var (from, to) = MeterStore.Days(c)!.Value;
        Assert.True(from.DayNumber <= first && to.DayNumber >= first + 399);
    }

    [Theory, SqliteData, PostgresData]
    public void Write_Corrections_ReplaceInPlace(string provider)
    {
        using var c = fx.For(provider).Open();
        var keys = Register(c, new Enterprise(0, Unique("R"), "r", Sector.Transport, "330106", Scale.BelowSize), new Enterprise(0, Unique("S"), "s", Sector.Transport, "330106", Scale.BelowSize));
        var day = new DateOnly(2002, 2, 2).DayNumber;
        Tx(c, tx => MeterStore.Write(c, tx, [new DailyReading(keys[0], day, 10), new DailyReading(keys[1], day, 20)]));
        Tx(c, tx => MeterStore.Write(c, tx, [new DailyReading(keys[0], day, 11, Replaces: true), new DailyReading(keys[1], day + 1, 21)]));

        Assert.Equal([new DailyReading(keys[0], day, 11), new DailyReading(keys[1], day, 20), new DailyReading(keys[1], day + 1, 21)],
            MeterStore.Between(c, null, day, day + 1));
    }

    [Theory, SqliteData, PostgresData]
    public void Write_SameDayTwiceWithoutReplace_FailsAndRollsBack(string provider)
    {
        using var c = fx.For(provider).Open();
        var key = Register(c, new Enterprise(0, Unique("D"), "d", Sector.Transport, "330106", Scale.BelowSize))[0];
        var day = new DateOnly(2003, 3, 3).DayNumber;
        Tx(c, tx => MeterStore.Write(c, tx, [new DailyReading(key, day, 1)]));
        Assert.ThrowsAny<DbException>(() => Tx(c, tx => MeterStore.Write(c, tx, [new DailyReading(key, day + 1, 5), new DailyReading(key, day, 2)])));
        Assert.Equal([new DailyReading(key, day, 1)], MeterStore.Between(c, null, day, day + 1));
    }

    [Theory, SqliteData, PostgresData]
    public void BumpVersion_EachImport_Increments(string provider)
    {
        using var c = fx.For(provider).Open();
        var before = MeterStore.Version(c);
        Tx(c, tx =>
        {
            MeterStore.LockForImport(c, tx);
            MeterStore.BumpVersion(c, tx);
        });
        Tx(c, tx => MeterStore.BumpVersion(c, tx));
        Assert.True(MeterStore.Version(c) >= before + 2);
    }
}
