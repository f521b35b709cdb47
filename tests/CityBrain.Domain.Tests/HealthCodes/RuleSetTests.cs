using System.Text.Json.Nodes;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Domain.Tests.HealthCodes;

public class RuleSetTests
{
    private static string ShippedText => File.ReadAllText(RepoPaths.Data("rules", "hangzhou.json"));

    private const string GoodRule = """{ "id": "first", "colour": "yellow", "when": { "var": "declaration.contact_with_case" }, "reason": "ok" }""";

    /// <summary>A rule set whose second rule (id "second") is given by <paramref name="second"/>.</summary>
    private static string WithSecond(string second) => $$"""{ "name": "t", "rules": [ {{GoodRule}}, {{second}} ] }""";

    [Fact]
    public void Parse_ShippedRules_EightRulesInOrder()
    {
        var rules = RuleSet.Parse(ShippedText);
        Assert.Equal("hangzhou-2020", rules.Name);
        Assert.NotEmpty(rules.Description);
        Assert.Equal(
            ["confirmed", "suspected", "close_contact", "inbound_quarantine", "secondary_contact", "symptoms", "contact_declared", "risky_travel"],
            rules.Rules.Select(r => r.Id));
        Assert.Equal(Colour.Red, rules.Find("close_contact")!.Colour);
        Assert.Equal(new Release(14, null, "list_days.close_contact"), rules.Find("close_contact")!.Release);
        Assert.Equal(new Release(7, 14, "travel.days_since_risky"), rules.Find("risky_travel")!.Release);
        Assert.Null(rules.Find("confirmed")!.Release);
        Assert.Equal("确诊病例", rules.Find("confirmed")!.ReasonZh);
        Assert.Null(rules.Find("nope"));
        Assert.Matches("^[0-9a-f]{16}$", rules.Fingerprint);
    }

    [Fact]
    public void Fingerprint_SameText_SameValue_ChangedRule_Differs()
    {
        var a = RuleSet.Parse(ShippedText);
        var b = RuleSet.Parse(ShippedText);
        var c = RuleSet.Parse(ShippedText.Replace("\"normal_checkins\": 14", "\"normal_checkins\": 10", StringComparison.Ordinal));
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
    }

    [Fact]
    public void MaskOf_ThenRulesIn_RoundTrips()
    {
        var rules = RuleSet.Parse(ShippedText);
        var mask = rules.MaskOf(["symptoms", "confirmed", "unknown"]);
        Assert.Equal((1UL << 0) | (1UL << 5), mask);
        Assert.Equal(["confirmed", "symptoms"], rules.RulesIn(mask).Select(r => r.Id));
    }

    [Fact]
    public void Parse_CommentsTrailingCommasAndColorSpelling_Accepted()
    {
        var rules = RuleSet.Parse("""
            // a comment
            { "name": "t", "rules": [ { "id": "a", "color": "red", "when": true, "reason": "r", }, ], }
            """);
        Assert.Equal(Colour.Red, rules.Rules[0].Colour);
    }

    public static TheoryData<string, string, string[]> Invalid => new()
    {
        // case, rule set text, words every one of which the error message must contain
        { "invalid JSON", "{ \"rules\": [", ["not valid JSON"] },
        { "not an object", "[1, 2]", ["JSON object"] },
        { "no rules", """{ "name": "t", "rules": [] }""", ["\"rules\" must be a non-empty array"] },
        { "rules missing", """{ "name": "t" }""", ["\"rules\" must be a non-empty array"] },
        { "rule not an object", WithSecond("7"), ["rules[1]: must be an object"] },
        { "duplicate ids", WithSecond("""{ "id": "first", "colour": "red", "when": true, "reason": "r" }"""), ["rules[1].id", "'first' is used twice"] },
        { "bad id", WithSecond("""{ "id": "Second-Rule", "colour": "red", "when": true, "reason": "r" }"""), ["rules[1].id", "lower-case"] },
        { "missing id", WithSecond("""{ "colour": "red", "when": true, "reason": "r" }"""), ["rules[1].id: required"] },
        { "bad colour", WithSecond("""{ "id": "second", "colour": "blue", "when": true, "reason": "r" }"""), ["rules[1] (second).colour", "green, yellow or red"] },
        { "missing colour", WithSecond("""{ "id": "second", "when": true, "reason": "r" }"""), ["rules[1] (second).colour"] },
        { "missing reason", WithSecond("""{ "id": "second", "colour": "red", "when": true }"""), ["rules[1] (second).reason: required"] },
        { "missing when", WithSecond("""{ "id": "second", "colour": "red", "reason": "r" }"""), ["rules[1] (second).when: required"] },
        { "unknown fact path in when", WithSecond("""{ "id": "second", "colour": "red", "when": { "===": [{ "var": "travel.planet" }, "mars"] }, "reason": "r" }"""),
            ["rules[1] (second).when", "unknown fact 'travel.planet'"] },
        { "unknown list in list_days", WithSecond("""{ "id": "second", "colour": "red", "when": { "<": [{ "var": "list_days.vip" }, 3] }, "reason": "r" }"""),
            ["rules[1] (second).when", "list_days.vip"] },
        { "null literal", WithSecond("""{ "id": "second", "colour": "red", "when": { "===": [{ "var": "resident.age" }, null] }, "reason": "r" }"""),
            ["rules[1] (second).when", "null"] },
        { "unknown operation", WithSecond("""{ "id": "second", "colour": "red", "when": { "frobnicate": [1, 2] }, "reason": "r" }"""),
            ["rules[1] (second).when", "unknown operation \"frobnicate\""] },
        { "release without counts", WithSecond("""{ "id": "second", "colour": "red", "when": true, "reason": "r", "release": { "after": "list_days.close_contact" } }"""),
            ["rules[1] (second).release", "normal_checkins, days or both"] },
        { "days without after", WithSecond("""{ "id": "second", "colour": "red", "when": true, "reason": "r", "release": { "days": 14 } }"""),
            ["rules[1] (second).release.after", "required with days"] },
        { "unknown fact in after", WithSecond("""{ "id": "second", "colour": "red", "when": true, "reason": "r", "release": { "normal_checkins": 3, "after": "list_days.nope" } }"""),
            ["rules[1] (second).release.after", "list_days.nope"] },
        { "zero check-ins", WithSecond("""{ "id": "second", "colour": "red", "when": true, "reason": "r", "release": { "normal_checkins": 0 } }"""),
            ["rules[1] (second).release.normal_checkins", "whole number of days from 1 to 366"] },
        { "fractional days", WithSecond("""{ "id": "second", "colour": "red", "when": true, "reason": "r", "release": { "days": 1.5, "after": "declaration.days_ago" } }"""),
            ["rules[1] (second).release.days", "whole number of days from 1 to 366"] },
        { "check-ins as text", WithSecond("""{ "id": "second", "colour": "red", "when": true, "reason": "r", "release": { "normal_checkins": "7" } }"""),
            ["rules[1] (second).release.normal_checkins", "whole number of days from 1 to 366"] },
        { "release not an object", WithSecond("""{ "id": "second", "colour": "red", "when": true, "reason": "r", "release": 7 }"""),
            ["rules[1] (second).release: must be an object"] },
        { "name not a string", $$"""{ "name": 5, "rules": [ {{GoodRule}} ] }""", ["name"] },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_Invalid_ThrowsNamingRuleAndField(string @case, string json, string[] words)
    {
        var e = Assert.Throws<RuleSetException>(() => RuleSet.Parse(json));
        Assert.NotEmpty(e.Errors);
        foreach (var w in words)
        {
            Assert.True(e.Message.Contains(w, StringComparison.Ordinal), $"{@case}: '{w}' not in: {e.Message}");
        }
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsEach()
    {
        var e = Assert.Throws<RuleSetException>(() => RuleSet.Parse(WithSecond("""{ "id": "second", "colour": "pink", "when": { "bogus": [] } }""")));
        Assert.Equal(3, e.Errors.Count);
        Assert.Contains(e.Errors, x => x.StartsWith("rules[1] (second).colour", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.StartsWith("rules[1] (second).reason", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.StartsWith("rules[1] (second).when", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_MoreThanMaxRules_Fails()
    {
        var rules = new JsonArray();
        for (var i = 0; i <= RuleSet.MaxRules; i++)
        {
            rules.Add(JsonNode.Parse($$"""{ "id": "r{{i}}", "colour": "yellow", "when": true, "reason": "r" }"""));
        }
        var e = Assert.Throws<RuleSetException>(() => RuleSet.FromJson(new JsonObject { ["name"] = "t", ["rules"] = rules }));
        Assert.Contains($"at most {RuleSet.MaxRules} rules", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ExactlyMaxRules_Accepted()
    {
        var rules = new JsonArray();
        for (var i = 0; i < RuleSet.MaxRules; i++)
        {
            rules.Add(JsonNode.Parse($$"""{ "id": "r{{i}}", "colour": "yellow", "when": true, "reason": "r" }"""));
        }
        Assert.Equal(RuleSet.MaxRules, RuleSet.FromJson(new JsonObject { ["name"] = "t", ["rules"] = rules }).Rules.Count);
    }
}
