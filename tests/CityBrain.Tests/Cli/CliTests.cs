using System.Diagnostics;
using System.Text.Json;
using CityBrain.Domain.Identity;
using CityBrain.Tests.Infrastructure;

namespace CityBrain.Tests.Cli;

/// <summary>The citybrain executable end to end: a real process, real files, exit codes, on SQLite and PostgreSQL.</summary>
public sealed class CliTests : CliProcessTest
{
    [Theory]
    [MemberData(nameof(Databases))]
    public void ImportAndShow_WholeStory_ColoursAndJsonShape(string kind)
    {
        var db = Db(kind);
        var migrate = Run(db, "db", "migrate", "--json");
        Assert.Equal(0, migrate.Exit);
        Assert.Equal(Data.Infrastructure.Migrator.Scripts(Data.Infrastructure.DbProvider.Sqlite).Max(m => m.Version),
            JsonDocument.Parse(migrate.Out).RootElement.GetProperty("version").GetInt32());

        var a = ResidentIdNumber.Create("330106", new DateOnly(1985, 3, 1), 11).Value;
        var b = ResidentIdNumber.Create("330782", new DateOnly(1990, 7, 9), 12).Value;
        var persons = File("persons.csv", $"resident_id,name,phone,division_code\n{a},张三,13800000001,330106\n330106198001010011,李四,,330106\n{b},王五,,330782\n{b[..17]}Q,赵六,,330782\n");
        var import = Run(db, "import", "persons", persons, "--json");
        Assert.Equal(0, import.Exit);
        var report = JsonDocument.Parse(import.Out).RootElement;
        Assert.Equal(2, report.GetProperty("accepted").GetInt32());
        Assert.Equal([3, 5], report.GetProperty("rejected").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()));

        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var lists = File("lists.csv", $"resident_id,list,since\n{a},close_contact,{today}\n{b},secondary_contact,{today}\n");
        Assert.Equal(0, Run(db, "import", "lists", lists).Exit);

        var show = Run(db, "code", "show", a, "--json");
        Assert.Equal(0, show.Exit);
        var code = JsonDocument.Parse(show.Out).RootElement;
        Assert.Equal(a, code.GetProperty("resident_id").GetString());
        Assert.Equal("red", code.GetProperty("colour").GetString());
        Assert.NotEmpty(code.GetProperty("reasons").EnumerateArray());
        Assert.True(DateTimeOffset.TryParse(code.GetProperty("next_change").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.Equal(["resident_id", "colour", "reasons", "next_change"], code.EnumerateObject().Select(p => p.Name));

        Assert.Equal("yellow", JsonDocument.Parse(Run(db, "code", "show", b, "--json").Out).RootElement.GetProperty("colour").GetString());

        var declarations = File("declarations.csv", $"resident_id,time,temperature,symptoms,travel,contact_with_case\n{a},{today}T08:00:00+08:00,38.1,fever|cough,,false\n{a},yesterday,36.5,,,false\n");
        var decl = Run(db, "import", "declarations", declarations, "--json");
        var declReport = JsonDocument.Parse(decl.Out).RootElement;
        Assert.Equal(1, declReport.GetProperty("accepted").GetInt32());
        Assert.Equal(3, declReport.GetProperty("rejected")[0].GetProperty("line").GetInt32());

        // Three weeks later, with no daily check-ins, the secondary contact stays yellow: releases need check-ins.
        var later = DateTimeOffset.UtcNow.AddDays(21).ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);
        var recompute = Run(db, "recompute", "--at", later, "--json");
        Assert.Equal(0, recompute.Exit);
        Assert.Equal(2, JsonDocument.Parse(recompute.Out).RootElement.GetProperty("residents").GetInt64());
        Assert.Equal(0, Run(db, "recompute", "--at", later, "--json").Exit);
    }

    [Fact]
    public void CodeShow_UnknownResident_Exit1()
    {
        var db = Db("sqlite");
        var r = Run(db, "code", "show", ResidentIdNumber.Create("330106", new DateOnly(1970, 1, 1), 1).Value);
        Assert.Equal(1, r.Exit);
        Assert.Contains("no resident", r.Err);
    }

    [Fact]
    public void BadUsage_Exit2WithMessage()
    {
        var db = Db("sqlite");
        var r = Run(db, "code", "show", "12345");
        Assert.Equal(2, r.Exit);
        Assert.Contains("18 characters", r.Err);
        Assert.Equal(2, Run(db, "import", "persons", Path.Combine(Dir, "missing.csv")).Exit);
        Assert.Equal(2, Run(db, "frobnicate").Exit);
        Assert.Equal(2, Run("mysql:whatever", "db", "migrate").Exit);
    }

    [Fact]
    public void RulesCheck_CertLogicSuite_AllPassAndCounted()
    {
        var suite = Path.Combine(AppContext.BaseDirectory, "data", "certlogic", "testSuite", "comparison.json");
        var r = Run(Db("sqlite"), "rules", "check", suite);
        Assert.Equal(0, r.Exit);
        Assert.Matches(@"(?m)^\d+ passed, 0 failed$", r.Out);
    }

    [Fact]
    public void RulesCheck_FailingAssertion_Exit1()
    {
        var suite = File("suite.json", """
            {"name":"mine","cases":[{"name":"lists","certLogicExpression":{"in":["close_contact",{"var":"lists"}]},
             "assertions":[{"data":{"lists":["close_contact"]},"expected":true,"message":"on list"},
                           {"data":{"lists":[]},"expected":true,"message":"deliberately wrong"}]}]}
            """);
        var r = Run(Db("sqlite"), "rules", "check", suite);
        Assert.Equal(1, r.Exit);
        Assert.Contains("1 passed, 1 failed", r.Out);
        Assert.Contains("FAIL", r.Out);
    }

    [Fact]
    public void RulesCheck_ShippedRuleSet_Valid()
    {
        var rules = Path.Combine(AppContext.BaseDirectory, "data", "rules", "hangzhou.json");
        var r = Run(Db("sqlite"), "rules", "check", rules);
        Assert.Equal(0, r.Exit);
        Assert.Contains("close_contact", r.Out);
    }
}
