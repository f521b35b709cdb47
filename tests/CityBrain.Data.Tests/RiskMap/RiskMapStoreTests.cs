using CityBrain.Data.RiskMap;
using CityBrain.Domain.RiskMap;

namespace CityBrain.Data.Tests.RiskMap;

/// <summary>Case counts and grades on SQLite and PostgreSQL. Tests share a database: each keeps to its own days.</summary>
public class RiskMapStoreTests(StoreFixture fx) : IClassFixture<StoreFixture>
{
    [Theory, SqliteData, PostgresData]
    public void UpsertCounts_SameKeyAgain_Replaces(string provider)
    {
        using var c = fx.For(provider).Open();
        var day = new DateOnly(1990, 3, 1).DayNumber;
        (CaseCount, string)[] first = [(new CaseCount("330102", day, 5, 4, 1), RiskMapStore.SourceDaily), (new CaseCount("3301", day, 3, null, null), RiskMapStore.SourceCumulative)];
        (CaseCount, string)[] again = [(new CaseCount("330102", day, 7, 7, 0), RiskMapStore.SourceDaily), (new CaseCount("3301", day, -2, null, null), RiskMapStore.SourceCumulative)];
        foreach (var rows in new[] { first, again, again })
        {
            using var tx = c.BeginTransaction();
            Assert.Equal(2, RiskMapStore.UpsertCounts(c, tx, rows, 1_000));
            tx.Commit();
        }
        var stored = RiskMapStore.AllCounts(c).Where(r => r.Day == day).OrderBy(r => r.Division, StringComparer.Ordinal).ToList();
        Assert.Equal([new CaseCount("3301", day, -2, null, null), new CaseCount("330102", day, 7, 7, 0)], stored);
    }

    [Theory, SqliteData, PostgresData]
    public void ReplaceGrades_FromADay_KeepsEarlierDays_ReadsBack(string provider)
    {
        using var c = fx.For(provider).Open();
        var d0 = new DateOnly(1991, 1, 1).DayNumber;
        var rules = provider == Provider.Sqlite ? "zhejiang" : "national"; // the two rule sets, one per provider: the shared database holds both
        StoredGrade G(int day, string code, string grade, string? previous) => new(rules, "city", d0 + day, code, grade, previous, $$"""{"confirmed_total":{{day}},"confirmed_new":1}""");
        using (var tx = c.BeginTransaction())
        {
            Assert.Equal(4, RiskMapStore.ReplaceGrades(c, tx, rules, "city", d0, [G(0, "3301", "a", null), G(0, "4201", "b", null), G(1, "3301", "c", "a"), G(1, "4201", "b", "b")]));
            tx.Commit();
        }
        using (var tx = c.BeginTransaction())
        {
            Assert.Equal(1, RiskMapStore.ReplaceGrades(c, tx, rules, "city", d0 + 1, [G(1, "3301", "d", "a")]));
            tx.Commit();
        }
        Assert.Equal([d0, d0 + 1], RiskMapStore.Dates(c, rules, "city").Where(d => d >= d0 && d < d0 + 100));
        Assert.Equal(d0 + 1, RiskMapStore.LatestDay(c, rules, "city"));
        var day1 = RiskMapStore.OnDay(c, rules, "city", d0 + 1);
        Assert.Equal([("3301", "d", "a")], day1.Select(g => (g.Division, g.Grade, g.Previous)));
        Assert.Equal(["3301", "4201"], RiskMapStore.OnDay(c, rules, "city", d0).Select(g => g.Division));
        Assert.Equal(["4201"], RiskMapStore.OnDay(c, rules, "city", d0, region: "42").Select(g => g.Division));
        var history = RiskMapStore.History(c, rules, "3301");
        Assert.Equal([("a", (string?)null), ("d", "a")], history.Select(g => (g.Grade, g.Previous)));
        Assert.Contains("\"confirmed_total\":1", history[1].Indicators, StringComparison.Ordinal);
        Assert.Empty(RiskMapStore.OnDay(c, rules, "county", d0));
    }
}
