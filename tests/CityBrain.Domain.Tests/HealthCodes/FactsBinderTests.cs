using System.Text.Json.Nodes;
using CityBrain.Domain.Common;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.HealthCodes.CertLogic;

namespace CityBrain.Domain.Tests.HealthCodes;

public class FactsBinderTests
{
    private static readonly DateTimeOffset Now = new(2020, 2, 20, 10, 0, 0, TimeSpan.FromHours(8));
    private static readonly int Today = CityCalendar.China.DayOf(Now);

    private static readonly RiskLookup Grades = new(new Dictionary<string, RiskRank> { ["4201"] = RiskRank.Medium, ["420106"] = RiskRank.High });

    /// <summary>Every documented path, with list_days.&lt;list&gt; expanded to each list.</summary>
    public static TheoryData<string> DocumentedPaths
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var (path, _, _) in FactsBinder.Paths)
            {
                if (path == "list_days.<list>")
                {
                    foreach (var list in Lists.Names)
                    {
                        data.Add("list_days." + list);
                    }
                }
                else
                {
                    data.Add(path);
                }
            }
            return data;
        }
    }

    /// <summary>A resident with something in every fact.</summary>
    private static HealthFacts Full()
    {
        var f = new HealthFacts();
        f.Reset();
        f.ResidentKey = 9;
        f.HomeDivision = "330102";
        f.BirthYear = 1985;
        for (var i = 0; i < Lists.Count; i++)
        {
            f.Lists |= (byte)(1 << i);
            f.ListSinceDay[i] = Today - 10 - i;
        }
        f.DeclarationDay = Today - 2;
        f.TemperatureX10 = 376;
        f.Symptoms = Symptoms.Fever | Symptoms.Cough;
        f.ContactWithCase = true;
        f.Travel = $"420106@{Today - 3};330102@{Today - 1}";
        f.RecordCheckin(Today - 2, abnormal: true);
        f.RecordCheckin(Today - 1, abnormal: false);
        f.Prepare(Now, Today, Grades);
        return f;
    }

    private static HealthFacts Empty()
    {
        var f = new HealthFacts();
        f.Reset();
        f.Prepare(Now, Today, Grades);
        return f;
    }

    private static readonly Dictionary<string, CLValueKind[]> KindsByDocumentedType = new()
    {
        ["date-time"] = [CLValueKind.DateTime],
        ["string"] = [CLValueKind.String],
        ["integer"] = [CLValueKind.Integer],
        ["integer or null"] = [CLValueKind.Integer, CLValueKind.Null],
        ["boolean"] = [CLValueKind.Boolean],
        ["array of strings"] = [CLValueKind.Array],
        ["array of objects"] = [CLValueKind.Array],
    };

    private static string DocumentedType(string path) =>
        FactsBinder.Paths.Single(p => p.Path == (path.StartsWith("list_days.", StringComparison.Ordinal) ? "list_days.<list>" : path)).Type;

    [Theory]
    [MemberData(nameof(DocumentedPaths))]
    public void Bind_DocumentedPath_BindsToItsDocumentedType(string path)
    {
        var accessor = FactsBinder.Instance.Bind(path);
        var kinds = KindsByDocumentedType[DocumentedType(path)];
        var full = accessor(Full());
        Assert.Contains(full.Kind, kinds);
        Assert.NotEqual(CLValueKind.Null, full.Kind); // every fact is set in Full()
        var empty = accessor(Empty());
        Assert.True(kinds.Contains(empty.Kind) || (path == "resident.age" && empty.IsNull), $"{path}: {empty.Kind}");
        // and a rule can use it
        var compiled = CertLogicCompiler.Compile(new JsonObject { ["var"] = path }, FactsBinder.Instance);
        Assert.Equal(full, compiled.Evaluate(Full()));
    }

    public static TheoryData<string, string, string> Values => new()
    {
        // path, facts ("full" or "empty"), expected value as JSON
        { "resident.home_division", "full", "\"330102\"" },
        { "resident.age", "full", "35" },
        { "resident.age", "empty", "null" },
        { "lists", "full", """["confirmed","suspected","close_contact","secondary_contact","inbound_quarantine"]""" },
        { "lists", "empty", "[]" },
        { "list_days.confirmed", "full", "10" },
        { "list_days.suspected", "full", "11" },
        { "list_days.close_contact", "full", "12" },
        { "list_days.secondary_contact", "full", "13" },
        { "list_days.inbound_quarantine", "full", "14" },
        { "list_days.close_contact", "empty", "null" },
        { "declaration.present", "full", "true" },
        { "declaration.present", "empty", "false" },
        { "declaration.days_ago", "full", "2" },
        { "declaration.days_ago", "empty", "null" },
        { "declaration.symptoms", "full", """["fever","cough"]""" },
        { "declaration.symptoms", "empty", "[]" },
        { "declaration.fever", "full", "true" },
        { "declaration.fever", "empty", "false" },
        { "declaration.temperature_x10", "full", "376" },
        { "declaration.temperature_x10", "empty", "null" },
        { "declaration.contact_with_case", "full", "true" },
        { "declaration.contact_with_case", "empty", "false" },
        { "symptoms.abnormal_reported", "full", "true" },
        { "symptoms.abnormal_reported", "empty", "false" },
        { "symptoms.days_since_abnormal", "full", "2" },
        { "symptoms.days_since_abnormal", "empty", "null" },
        { "daily.normal_streak", "full", "1" },
        { "daily.normal_streak", "empty", "0" },
        { "daily.days_since_last", "full", "1" },
        { "daily.days_since_last", "empty", "null" },
        { "travel.max_risk_rank_14d", "full", "3" },
        { "travel.max_risk_rank_14d", "empty", "0" },
        { "travel.days_since_risky", "full", "3" },
        { "travel.days_since_risky", "empty", "null" },
        { "travel.items", "empty", "[]" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Bind_Path_GivesFactValue(string path, string facts, string expected)
    {
        var value = FactsBinder.Instance.Bind(path)(facts == "full" ? Full() : Empty());
        Assert.Equal(CLValue.ParseJson(expected), value);
    }

    [Fact]
    public void Bind_Now_IsEvaluationTime() =>
        Assert.Equal(Now, FactsBinder.Instance.Bind("now")(Full()).AsDateTime);

    [Fact]
    public void Bind_TravelItems_DescribesEachTrip()
    {
        var items = FactsBinder.Instance.Bind("travel.items")(Full()).AsArray;
        Assert.Equal(2, items.Count);
        var first = items[0].AsObject;
        Assert.Equal("420106", first["division"].AsString);
        Assert.Equal(DateOnly.FromDayNumber(Today - 3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), first["date"].AsString);
        Assert.Equal("2020-02-17", first["date"].AsString);
        Assert.Equal(3, first["days_ago"].AsInteger);
        Assert.Equal("high", first["risk"].AsString);
        Assert.Equal(3, first["risk_rank"].AsInteger);
        var second = items[1].AsObject;
        Assert.Equal("unknown", second["risk"].AsString);
        Assert.Equal(0, second["risk_rank"].AsInteger);
    }

    [Theory]
    [InlineData(372, Symptoms.None, false)]
    [InlineData(373, Symptoms.None, true)]
    [InlineData(0, Symptoms.Fever, true)]
    [InlineData(365, Symptoms.Cough, false)]
    public void Bind_DeclarationFever_FromTemperatureOrSymptom(int temperatureX10, Symptoms symptoms, bool expected)
    {
        var f = Empty();
        f.TemperatureX10 = temperatureX10;
        f.Symptoms = symptoms;
        Assert.Equal(expected, FactsBinder.Instance.Bind("declaration.fever")(f).AsBoolean);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("list_days.")]
    [InlineData("list_days.vip")]
    [InlineData("Lists")]
    [InlineData("resident")]
    public void Bind_UnknownPath_ThrowsNamingIt(string path)
    {
        var e = Assert.Throws<CertLogicException>(() => FactsBinder.Instance.Bind(path));
        Assert.Contains($"unknown fact '{path}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BindDays_IntegerFact_GivesDaysElseNull()
    {
        Assert.Equal(12, FactsBinder.Instance.BindDays("list_days.close_contact")(Full()));
        Assert.Null(FactsBinder.Instance.BindDays("list_days.close_contact")(Empty()));
        Assert.Null(FactsBinder.Instance.BindDays("lists")(Full()));
    }
}
