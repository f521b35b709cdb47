using System.Text.Json;
using CityBrain.Domain.Identity;
using CityBrain.Tests.Infrastructure;

namespace CityBrain.Tests.Cli;

/// <summary><c>citybrain trace</c> as a real process on imported files: the JSON the issue fixes, and bad usage.</summary>
public sealed class TraceCliTests : CliProcessTest
{
    private static string Id(int n) => ResidentIdNumber.Create("330106", new DateOnly(1980, 1, 1).AddDays(n * 41), n).Value;

    [Theory]
    [MemberData(nameof(Databases))]
    public void Trace_ImportedCheckins_JsonSortedByDegreeThenId(string kind)
    {
        var db = Db(kind);
        var (p, q, r, s, o) = (Id(1), Id(2), Id(3), Id(4), Id(5));
        Assert.Equal(0, Run(db, "import", "persons", File("persons.csv",
            $"resident_id,name,phone,division_code\n{p},病例,,330106\n{q},密接,,330106\n{r},次密接,,330106\n{s},路人,,330106\n{o},出入,,330106\n")).Exit);
        Assert.Equal(0, Run(db, "import", "venues", File("venues.csv",
            "venue_id,name,type,division_code,lat,lon,capacity\nMKT,菜场,market,330106,30.27,120.13,0\nBUS,车站,station,330106,30.28,120.14,0\n")).Exit);
        // p at MKT 10:00; q exactly 15 min later (first degree); s 16 min before p (not first degree); q then at BUS 12:00
        // with r (second degree); o stays in MKT 09:00–10:30 with a check-out: the interval overlaps p's point (first
        // degree), and s came in during o's stay (so s is second degree, through o).
        var imported = Run(db, "import", "checkins", File("checkins.csv", "resident_id,venue_id,time,direction\n" +
            $"{p},MKT,2020-02-01T10:00:00+08:00,in\n{q},MKT,2020-02-01T10:15:00+08:00,in\n{s},MKT,2020-02-01T09:44:00+08:00,in\n" +
            $"{q},BUS,2020-02-01T12:00:00+08:00,in\n{r},BUS,2020-02-01T12:10:00+08:00,in\n" +
            $"{o},MKT,2020-02-01T09:00:00+08:00,in\n{o},MKT,2020-02-01T10:30:00+08:00,out\n"), "--json");
        Assert.Equal(0, imported.Exit);

        var run = Run(db, "trace", p, "--degree", "2", "--at", "2020-02-02T00:00:00+08:00", "--json");
        Assert.True(run.Exit == 0, run.Err);
        var root = JsonDocument.Parse(run.Out).RootElement;
        Assert.Equal(p, root.GetProperty("case").GetString());
        Assert.Equal(15, root.GetProperty("window_minutes").GetInt32());
        Assert.Equal(14, root.GetProperty("days").GetInt32());
        Assert.Equal(new DateTimeOffset(2020, 2, 2, 0, 0, 0, TimeSpan.FromHours(8)), root.GetProperty("at").GetDateTimeOffset());
        var contacts = root.GetProperty("contacts").EnumerateArray().ToList();
        var expected = new[] { (q, 1), (o, 1), (r, 2), (s, 2) }.OrderBy(x => x.Item2).ThenBy(x => x.Item1, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, contacts.Select(k => (k.GetProperty("resident_id").GetString()!, k.GetProperty("degree").GetInt32())).ToList());
        var oRow = contacts.Single(k => k.GetProperty("resident_id").GetString() == o);
        Assert.Equal("MKT", oRow.GetProperty("venue_id").GetString());
        Assert.Equal(new DateTimeOffset(2020, 2, 1, 9, 0, 0, TimeSpan.FromHours(8)), oRow.GetProperty("first_exposure").GetDateTimeOffset());
        Assert.Equal(1, oRow.GetProperty("exposures").GetInt32());
        Assert.Equal(0, oRow.GetProperty("overlap_seconds").GetInt64());   // p's check-in is a point: no time spent together is known
        var rRow = contacts.Single(k => k.GetProperty("resident_id").GetString() == r);
        Assert.Equal("BUS", rRow.GetProperty("venue_id").GetString());
        Assert.Equal(q, rRow.GetProperty("via").GetString());
        Assert.Equal(o, contacts.Single(k => k.GetProperty("resident_id").GetString() == s).GetProperty("via").GetString());

        // Degree 1 only, a window of 20 minutes: s (16 min before) joins.
        var wide = JsonDocument.Parse(Run(db, "trace", p, "--window", "20m", "--at", "2020-02-02T00:00:00+08:00", "--json").Out).RootElement;
        Assert.Contains(wide.GetProperty("contacts").EnumerateArray(), k => k.GetProperty("resident_id").GetString() == s);
        Assert.All(wide.GetProperty("contacts").EnumerateArray(), k => Assert.Equal(1, k.GetProperty("degree").GetInt32()));
    }

    [Theory]
    [InlineData("--window", "soon")]
    [InlineData("--degree", "3")]
    [InlineData("--days", "0")]
    [InlineData("--at", "yesterday")]
    public void Trace_BadUsage_Exit2WithMessage(string option, string value)
    {
        var db = Db("sqlite");
        Assert.Equal(0, Run(db, "import", "persons", File("p.csv", $"resident_id,name,phone,division_code\n{Id(1)},病例,,330106\n")).Exit);
        var run = Run(db, "trace", Id(1), option, value);
        Assert.Equal(2, run.Exit);
        Assert.Contains("error:", run.Err);
    }

    [Fact]
    public void Trace_UnknownResident_Exit1()
    {
        var run = Run(Db("sqlite"), "trace", Id(9), "--json");
        Assert.Equal(1, run.Exit);
        Assert.Contains("no resident", run.Err);
    }
}
