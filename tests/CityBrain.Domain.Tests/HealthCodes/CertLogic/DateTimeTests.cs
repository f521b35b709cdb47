using System.Text.Json.Nodes;
using CityBrain.Domain.HealthCodes.CertLogic;

namespace CityBrain.Domain.Tests.HealthCodes.CertLogic;

public class DateTimeTests
{
    private static string PlusTime(string date, long amount, string unit)
    {
        // A var operand, so that the run-time path (not compile-time constant folding) is exercised.
        var expr = new JsonObject { ["plusTime"] = new JsonArray(new JsonObject { ["var"] = "" }, JsonValue.Create(amount), JsonValue.Create(unit)) };
        var result = CertLogicCompiler.Compile(expr).Evaluate(CLValue.From(date));
        return CLValue.FormatDateTime(result.AsUnixMilliseconds);
    }

    [Theory]
    [InlineData("2020-02-29", 1, "day", "2020-03-01T00:00:00.000Z")]
    [InlineData("2020-02-29", 1, "month", "2020-03-29T00:00:00.000Z")]
    [InlineData("2020-02-29", 1, "year", "2021-03-01T00:00:00.000Z")]
    [InlineData("2020-02-29", 4, "year", "2024-02-29T00:00:00.000Z")]
    [InlineData("2021-01-31", 1, "month", "2021-03-03T00:00:00.000Z")]
    [InlineData("2021-03-31", -1, "month", "2021-03-03T00:00:00.000Z")]
    [InlineData("2021-01-15", -13, "month", "2019-12-15T00:00:00.000Z")]
    [InlineData("2021-01-01T00:00:00Z", -1, "hour", "2020-12-31T23:00:00.000Z")]
    [InlineData("2021-06-01T12:00:00", 0, "day", "2021-06-01T12:00:00.000Z")]
    [InlineData("2021-06-01T12:00:00+2", 0, "day", "2021-06-01T10:00:00.000Z")]
    [InlineData("2021-06-01T12:00:00+02", 0, "day", "2021-06-01T10:00:00.000Z")]
    [InlineData("2021-06-01T12:00:00+230", 0, "day", "2021-06-01T09:30:00.000Z")]
    [InlineData("2021-06-01T12:00:00-0230", 0, "day", "2021-06-01T14:30:00.000Z")]
    [InlineData("2021-06-01T12:00:00+2:30", 0, "day", "2021-06-01T09:30:00.000Z")]
    [InlineData("2021-06-01T12:00:00-02:30", 0, "day", "2021-06-01T14:30:00.000Z")]
    [InlineData("2021-06-01T12:00:00.1Z", 0, "day", "2021-06-01T12:00:00.100Z")]
    [InlineData("2021-06-01T12:00:00.123456789+01:00", 0, "day", "2021-06-01T11:00:00.123Z")]
    [InlineData("2021-06-01T12:00:00.9999", 0, "day", "2021-06-01T12:00:00.999Z")]
    [InlineData("2004", 0, "day", "2004-12-31T00:00:00.000Z")]
    [InlineData("2004-02", 0, "day", "2004-02-29T00:00:00.000Z")]
    [InlineData("2021-10-31T01:30:00+02:00", 1, "day", "2021-10-31T23:30:00.000Z")]
    public void PlusTime_AllowedFormatsAndUnits_MatchesJavaScriptDateSemantics(string date, long amount, string unit, string expected)
    {
        Assert.Equal(expected, PlusTime(date, amount, unit));
    }

    [Theory]
    [InlineData("2021-02-30")]
    [InlineData("2022-13")]
    [InlineData("21-01-01")]
    [InlineData("2021-01-01T25:00:00")]
    [InlineData("2021-01-01T10:00")]
    [InlineData("2021-01-01T10:00:00.")]
    [InlineData("2021-01-01T10:00:00+123:00")]
    [InlineData("2021-01-01T10:00:00X")]
    [InlineData("")]
    public void PlusTime_DisallowedFormat_ThrowsAtRunTime(string date)
    {
        Assert.Throws<CertLogicException>(() => PlusTime(date, 0, "day"));
    }

    [Theory]
    [InlineData("2004", "2004-12-31T00:00:00.000Z")]
    [InlineData("2004-02", "2004-02-29T00:00:00.000Z")]
    [InlineData("2003-02", "2003-02-28T00:00:00.000Z")]
    [InlineData("2004-04", "2004-04-30T00:00:00.000Z")]
    [InlineData("2004-04-07", "2004-04-07T00:00:00.000Z")]
    public void DccDateOfBirth_PartialDates_LastConsistentDay(string dob, string expected)
    {
        var compiled = CertLogicCompiler.Compile(JsonNode.Parse("""{ "dccDateOfBirth": [ { "var": "" } ] }"""));

        Assert.Equal(expected, CLValue.FormatDateTime(compiled.Evaluate(CLValue.From(dob)).AsUnixMilliseconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2004-1")]
    [InlineData("2004-02-30")]
    [InlineData("2004-02-01T00:00:00Z")]
    public void DccDateOfBirth_Malformed_Throws(string dob)
    {
        var compiled = CertLogicCompiler.Compile(JsonNode.Parse("""{ "dccDateOfBirth": [ { "var": "" } ] }"""));

        Assert.Throws<CertLogicException>(() => compiled.Evaluate(CLValue.From(dob)));
    }

    [Fact]
    public void DateComparisons_TernaryForm_ComparesInstants()
    {
        var compiled = CertLogicCompiler.Compile(JsonNode.Parse("""
            [ { "not-before": [ { "plusTime": [ { "var": "t" }, 0, "day" ] }, { "plusTime": [ "2021-01-01T00:00:00+01:00", 0, "day" ] }, { "plusTime": [ "2020-12-31T23:00:00Z", 0, "day" ] } ] },
              { "before": [ { "plusTime": [ "2020-01-01", 0, "day" ] }, { "plusTime": [ { "var": "t" }, 0, "day" ] }, { "plusTime": [ "2021-01-01", 0, "day" ] } ] },
              { "not-after": [ { "plusTime": [ { "var": "t" }, 0, "day" ] }, { "plusTime": [ "2020-12-31T23:00:00Z", 0, "day" ] } ] },
              { "after": [ { "plusTime": [ { "var": "t" }, 1, "hour" ] }, { "plusTime": [ "2020-12-31T23:00:00Z", 0, "day" ] } ] } ]
            """));

        var result = compiled.Evaluate(CLValue.ParseJson("""{ "t": "2020-12-31T23:00:00.000Z" }"""));

        Assert.Equal(CLValue.ParseJson("[true, true, true, true]"), result);
    }
}
