using CityBrain.Domain.Common;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Domain.Tests.HealthCodes;

/// <summary>The shipped rules (data/rules/hangzhou.json) on a fixed clock: 2020-02-20 10:00 in Hangzhou.</summary>
public class HealthCodeEngineTests
{
    private static readonly RuleSet Shipped = RuleSet.Parse(File.ReadAllText(RepoPaths.Data("rules", "hangzhou.json")));
    private static readonly CityCalendar Calendar = CityCalendar.China;
    private static readonly DateTimeOffset Now = new(2020, 2, 20, 10, 0, 0, TimeSpan.FromHours(8));
    private static readonly int Today = Calendar.DayOf(Now);
    private static readonly HealthCodeEngine Engine = new(Shipped, Calendar);

    private static readonly RiskLookup Grades = new(new Dictionary<string, RiskRank>
    {
        ["4201"] = RiskRank.Medium,   // Wuhan city
        ["420106"] = RiskRank.High,   // Wuchang district
        ["3302"] = RiskRank.Low,      // Ningbo
    });

    // ---- building facts; "ago" counts local days back from Today ----

    private static Action<HealthFacts> Join(ListKind list, int ago) => f =>
    {
        f.Lists |= (byte)(1 << (int)list);
        f.ListSinceDay[(int)list] = Today - ago;
    };

    /// <summary>Normal daily check-ins on each day from <paramref name="fromAgo"/> to <paramref name="toAgo"/> days ago.</summary>
    private static Action<HealthFacts> Checkins(int fromAgo, int toAgo) => f =>
    {
        for (var ago = fromAgo; ago >= toAgo; ago--)
        {
            f.RecordCheckin(Today - ago, abnormal: false);
        }
    };

    /// <summary>A self-declaration as the service applies it: the facts, then the check-in part.</summary>
    private static Action<HealthFacts> Declare(int ago, Symptoms symptoms = Symptoms.None, int temperatureX10 = 365, bool contact = false, string? travel = null) => f =>
    {
        f.DeclarationDay = Today - ago;
        f.Symptoms = symptoms;
        f.TemperatureX10 = temperatureX10;
        f.ContactWithCase = contact;
        f.Travel = travel;
        f.RecordCheckin(Today - ago, SymptomNames.IsAbnormal(symptoms, temperatureX10));
    };

    private static Action<HealthFacts> Fever(int ago) => Declare(ago, Symptoms.Fever, 385);

    private static Action<HealthFacts> Travel(string division, int ago) => f =>
        f.Travel = (f.Travel is null ? "" : f.Travel + ";") + $"{division}@{Today - ago}";

    private static Action<HealthFacts> Override(Colour colour, long untilOffsetSeconds) => f =>
    {
        f.OverrideColour = colour;
        f.OverrideUntil = Now.ToUnixTimeSeconds() + untilOffsetSeconds;
    };

    /// <param name="Setup">the resident's history</param>
    /// <param name="Colour">expected colour</param>
    /// <param name="Rules">expected rule ids (or "override")</param>
    /// <param name="NextChangeDay">expected next change, as local days after Today (null: none)</param>
    private sealed record Case(Action<HealthFacts>[] Setup, Colour Colour, string[] Rules, int? NextChangeDay);

    private static Case C(Colour colour, string[] rules, int? next, params Action<HealthFacts>[] setup) => new(setup, colour, rules, next);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["nobody"] = C(Colour.Green, [], null),
        ["normal declaration and check-ins"] = C(Colour.Green, [], null, Declare(5), Checkins(4, 0)),
        ["confirmed"] = C(Colour.Red, ["confirmed"], null, Join(ListKind.Confirmed, 3)),
        ["confirmed never releases by check-ins"] = C(Colour.Red, ["confirmed"], null, Join(ListKind.Confirmed, 40), Checkins(39, 0)),
        ["suspected"] = C(Colour.Red, ["suspected"], null, Join(ListKind.Suspected, 1)),
        ["close contact joined 3 days ago, no check-ins"] = C(Colour.Red, ["close_contact"], 13, Join(ListKind.CloseContact, 3)),
        ["close contact joined 3 days ago, checked in since"] = C(Colour.Red, ["close_contact"], 11, Join(ListKind.CloseContact, 3), Checkins(2, 1)),
        ["close contact joined 3 days ago, checked in since and today"] = C(Colour.Red, ["close_contact"], 11, Join(ListKind.CloseContact, 3), Checkins(2, 0)),
        ["close contact, 14 check-ins after joining"] = C(Colour.Green, [], null, Join(ListKind.CloseContact, 14), Checkins(13, 0)),
        ["close contact, 20 check-ins after joining"] = C(Colour.Green, [], null, Join(ListKind.CloseContact, 20), Checkins(19, 0)),
        ["close contact, 13 check-ins ending today"] = C(Colour.Red, ["close_contact"], 1, Join(ListKind.CloseContact, 13), Checkins(12, 0)),
        ["close contact, 13 check-ins ending yesterday"] = C(Colour.Red, ["close_contact"], 0, Join(ListKind.CloseContact, 14), Checkins(13, 1)),
        ["close contact, check-in on the joining day does not count"] = C(Colour.Red, ["close_contact"], 0, Join(ListKind.CloseContact, 14), Checkins(14, 1)),
        ["close contact, missed a day"] = C(Colour.Red, ["close_contact"], 9, Join(ListKind.CloseContact, 14), Checkins(13, 6), Checkins(4, 0)),
        ["close contact joined today, checked in today"] = C(Colour.Red, ["close_contact"], 14, Join(ListKind.CloseContact, 0), Checkins(0, 0)),
        ["inbound quarantine joined today, no check-in yet"] = C(Colour.Red, ["inbound_quarantine"], 14, Join(ListKind.InboundQuarantine, 0)),
        ["inbound quarantine, 14 check-ins"] = C(Colour.Green, [], null, Join(ListKind.InboundQuarantine, 15), Checkins(14, 1)),
        ["secondary contact joined 2 days ago"] = C(Colour.Yellow, ["secondary_contact"], 6, Join(ListKind.SecondaryContact, 2)),
        ["secondary contact, 6 check-ins ending today"] = C(Colour.Yellow, ["secondary_contact"], 1, Join(ListKind.SecondaryContact, 6), Checkins(5, 0)),
        ["secondary contact, 7 check-ins"] = C(Colour.Green, [], null, Join(ListKind.SecondaryContact, 7), Checkins(6, 0)),
        ["fever declared today"] = C(Colour.Yellow, ["symptoms"], 7, Fever(0)),
        ["37.3 without symptoms declared today"] = C(Colour.Yellow, ["symptoms"], 7, Declare(0, Symptoms.None, 373)),
        ["37.2 without symptoms"] = C(Colour.Green, [], null, Declare(0, Symptoms.None, 372)),
        ["cough declared 3 days ago, checked in since"] = C(Colour.Yellow, ["symptoms"], 4, Declare(3, Symptoms.Cough), Checkins(2, 0)),
        ["fever 8 days ago, then 7 normal check-ins"] = C(Colour.Green, [], null, Fever(8), Checkins(7, 1)),
        ["fever 8 days ago, then 6 normal check-ins"] = C(Colour.Yellow, ["symptoms"], 0, Fever(8), Checkins(6, 1)),
        ["contact with a case declared today"] = C(Colour.Yellow, ["contact_declared"], 7, Declare(0, contact: true)),
        ["contact with a case declared 15 days ago"] = C(Colour.Green, [], null, Declare(15, contact: true)),
        ["travel through a medium area 5 days ago"] = C(Colour.Yellow, ["risky_travel"], 6, Travel("420102", 5)),
        ["travel through a medium area 5 days ago, checked in since"] = C(Colour.Yellow, ["risky_travel"], 2, Travel("420102", 5), Checkins(4, 0)),
        ["travel through a high area 12 days ago"] = C(Colour.Yellow, ["risky_travel"], 2, Travel("420106", 12)),
        ["travel through a medium area 14 days ago"] = C(Colour.Green, [], null, Travel("420102", 14)),
        ["travel through a medium area 15 days ago"] = C(Colour.Green, [], null, Travel("420102", 15)),
        ["travel through a low area"] = C(Colour.Green, [], null, Travel("330203", 2)),
        ["travel through an unknown area"] = C(Colour.Green, [], null, Travel("110101", 2)),
        ["override red in force"] = C(Colour.Red, ["override"], null, Override(Colour.Red, 3600)),
        ["override green in force beats a list"] = C(Colour.Green, ["override"], null, Join(ListKind.Confirmed, 2), Override(Colour.Green, 60)),
        ["override expired: rules apply"] = C(Colour.Red, ["confirmed"], null, Join(ListKind.Confirmed, 2), Override(Colour.Green, -60)),
        ["override ending now: rules apply"] = C(Colour.Red, ["confirmed"], null, Join(ListKind.Confirmed, 2), Override(Colour.Green, 0)),
        ["confirmed, close contact and fever"] = C(Colour.Red, ["confirmed", "close_contact"], null, Join(ListKind.Confirmed, 1), Join(ListKind.CloseContact, 5), Fever(0)),
        ["close contact and inbound: latest release"] = C(Colour.Red, ["close_contact", "inbound_quarantine"], 13,
            Join(ListKind.CloseContact, 3), Join(ListKind.InboundQuarantine, 1), Checkins(2, 1)),
        ["red beats yellow"] = C(Colour.Red, ["close_contact"], 13, Join(ListKind.CloseContact, 3), Join(ListKind.SecondaryContact, 3), Travel("420106", 1)),
        ["three yellow rules"] = C(Colour.Yellow, ["secondary_contact", "symptoms", "risky_travel"], 6,
            Join(ListKind.SecondaryContact, 1), Fever(2), Checkins(1, 0), Travel("420106", 3), Travel("330203", 1)),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    public static TheoryData<string> ReleasingCaseNames =>
        [.. Cases.Where(c => c.Value.NextChangeDay is not null && !c.Value.Rules.Contains("override")).Select(c => c.Key)];

    private static HealthFacts Build(Case c)
    {
        var f = new HealthFacts();
        f.Reset();
        f.ResidentKey = 1;
        f.HomeDivision = "330102";
        f.BirthYear = 1980;
        foreach (var step in c.Setup)
        {
            step(f);
        }
        f.Prepare(Now, Today, Grades);
        return f;
    }

    private static string[] Ids(CodeDecision d) => d.RuleMask == HealthCodeEngine.OverrideBit
        ? ["override"]
        : Shipped.RulesIn(d.RuleMask).Select(r => r.Id).ToArray();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Evaluate_ShippedRules_Expected(string name)
    {
        var c = Cases[name];
        var d = Engine.Evaluate(Build(c));
        Assert.Equal(c.Colour, d.Colour);
        Assert.Equal(c.Rules, Ids(d));
        if (c.Rules is ["override"])
        {
            return;
        }
        Assert.Equal(c.NextChangeDay is { } n ? Calendar.StartOfDay(Today + n) : null, d.NextChange);
    }

    /// <summary>
    /// The promise behind NextChange: if the resident goes on with a normal daily check-in every day (today's included
    /// if not yet made), the colour drops on exactly that day, and not before.
    /// </summary>
    [Theory]
    [MemberData(nameof(ReleasingCaseNames))]
    public void Evaluate_DailyNormalCheckinsFromToday_ColourDropsOnNextChangeDay(string name)
    {
        var c = Cases[name];
        var f = Build(c);
        var first = Engine.Evaluate(f);
        int? droppedOn = null;
        for (var day = Today; day <= Today + 40 && droppedOn is null; day++)
        {
            f.RecordCheckin(day, abnormal: false);
            f.Prepare(Calendar.StartOfDay(day).AddHours(10), day, Grades);
            if (Engine.Evaluate(f).Colour < first.Colour)
            {
                droppedOn = day;
            }
        }
        Assert.NotNull(droppedOn);
        Assert.Equal(Calendar.StartOfDay(droppedOn.Value), first.NextChange);
    }

    [Fact]
    public void Evaluate_OverrideInForce_NextChangeIsOverrideEnd()
    {
        var f = Build(C(Colour.Red, [], null, Override(Colour.Yellow, 7200)));
        var d = Engine.Evaluate(f);
        Assert.Equal(Colour.Yellow, d.Colour);
        Assert.Equal(HealthCodeEngine.OverrideBit, d.RuleMask);
        Assert.Equal(Now.AddSeconds(7200), d.NextChange);
        Assert.Empty(Shipped.RulesIn(d.RuleMask));
    }

    [Fact]
    public void Evaluate_SameFactsTwice_SameDecision()
    {
        var f = Build(Cases["three yellow rules"]);
        Assert.Equal(Engine.Evaluate(f), Engine.Evaluate(f));
    }

    [Fact]
    public void Evaluate_RuleWithoutRelease_NeverReleasesEvenWhenOthersDo()
    {
        // A yellow rule with no release next to a releasing yellow rule: the code cannot change by itself.
        var rules = RuleSet.Parse("""
            { "name": "t", "rules": [
              { "id": "forever", "colour": "yellow", "when": { "var": "declaration.contact_with_case" }, "reason": "r" },
              { "id": "fever", "colour": "yellow", "when": { "var": "symptoms.abnormal_reported" }, "reason": "r",
                "release": { "normal_checkins": 2, "after": "symptoms.days_since_abnormal" } } ] }
            """);
        var f = Build(C(Colour.Yellow, [], null, Declare(1, Symptoms.Fever, 390, contact: true)));
        var d = new HealthCodeEngine(rules, Calendar).Evaluate(f);
        Assert.Equal(Colour.Yellow, d.Colour);
        Assert.Equal(0b11UL, d.RuleMask);
        Assert.Null(d.NextChange);
    }

    [Fact]
    public void Evaluate_DaysRelease_ReleasesAfterThatManyDaysWithoutCheckins()
    {
        var rules = RuleSet.Parse("""
            { "name": "t", "rules": [
              { "id": "contact", "colour": "red", "when": { "in": ["close_contact", { "var": "lists" }] }, "reason": "r",
                "release": { "days": 10, "after": "list_days.close_contact" } } ] }
            """);
        var engine = new HealthCodeEngine(rules, Calendar);
        var held = engine.Evaluate(Build(C(Colour.Red, [], null, Join(ListKind.CloseContact, 9))));
        Assert.Equal(Colour.Red, held.Colour);
        Assert.Equal(Calendar.StartOfDay(Today + 1), held.NextChange);
        Assert.Equal(Colour.Green, engine.Evaluate(Build(C(Colour.Green, [], null, Join(ListKind.CloseContact, 10)))).Colour);
    }
}
