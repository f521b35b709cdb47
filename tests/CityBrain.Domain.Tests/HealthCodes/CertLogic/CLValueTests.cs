using System.Text.Json.Nodes;
using CityBrain.Domain.HealthCodes.CertLogic;

namespace CityBrain.Domain.Tests.HealthCodes.CertLogic;

public class CLValueTests
{
    [Theory]
    [InlineData("true", true, false)]
    [InlineData("false", false, true)]
    [InlineData("null", false, true)]
    [InlineData("0", false, true)]
    [InlineData("-3", true, false)]
    [InlineData("\"\"", false, true)]
    [InlineData("\"0\"", true, false)]
    [InlineData("[]", false, true)]
    [InlineData("[0]", true, false)]
    [InlineData("{}", false, true)]
    [InlineData("{\"a\":null}", true, false)]
    [InlineData("1.5", true, false)]
    public void Truthiness_JsonValue_MatchesSpec(string json, bool truthy, bool falsy)
    {
        var v = CLValue.ParseJson(json);

        Assert.Equal((truthy, falsy), (v.IsTruthy, v.IsFalsy));
    }

    [Fact]
    public void Truthiness_DateTime_IsNeither()
    {
        var v = CLValue.From(DateTimeOffset.UnixEpoch);

        Assert.False(v.IsTruthy);
        Assert.False(v.IsFalsy);
    }

    [Theory]
    [InlineData("1", CLValueKind.Integer)]
    [InlineData("1.0", CLValueKind.Integer)]
    [InlineData("1e3", CLValueKind.Integer)]
    [InlineData("1.25", CLValueKind.Double)]
    [InlineData("1e300", CLValueKind.Double)]
    [InlineData("\"2021-01-01\"", CLValueKind.String)]
    public void FromJson_Number_KindByIntegrality(string json, CLValueKind kind)
    {
        Assert.Equal(kind, CLValue.ParseJson(json).Kind);
    }

    [Fact]
    public void FromJson_CreatedJsonValues_Converted()
    {
        Assert.Equal(CLValue.From(7), CLValue.FromJson(JsonValue.Create(7)));
        Assert.Equal(CLValue.From(7), CLValue.FromJson(JsonValue.Create(7.0)));
        Assert.Equal(CLValueKind.Double, CLValue.FromJson(JsonValue.Create(7.5m)).Kind);
        Assert.Equal(CLValue.From("x"), CLValue.FromJson(JsonValue.Create("x")));
        Assert.Equal(CLValue.From(1.5), CLValue.FromJson(JsonValue.Create(1.5f)));
        Assert.Equal(CLValue.From(9), CLValue.FromJson(JsonValue.Create((short)9)));
        Assert.Equal(CLValueKind.Double, CLValue.FromJson(JsonValue.Create(ulong.MaxValue)).Kind);
    }

    [Fact]
    public void ToJson_RoundTrip_PreservesStructure()
    {
        const string json = """{"a":[1,"x",true,null,{"b":2.5}],"c":{}}""";

        Assert.Equal(json, CLValue.ParseJson(json).ToJson()!.ToJsonString());
    }

    [Fact]
    public void ToJson_DateTime_IsIsoStringWithMilliseconds()
    {
        var v = CLValue.From(new DateTimeOffset(2021, 3, 4, 5, 6, 7, 890, TimeSpan.FromHours(2)));

        Assert.Equal("\"2021-03-04T03:06:07.890Z\"", v.ToString());
        Assert.Equal(v.AsDateTime, new DateTimeOffset(2021, 3, 4, 3, 6, 7, 890, TimeSpan.Zero));
    }

    [Fact]
    public void Equals_StructurallyEqualValues_EqualWithSameHash()
    {
        var a = CLValue.ParseJson("""{"x":[1,{"y":"z"}],"w":null}""");
        var b = CLValue.ParseJson("""{"w":null,"x":[1,{"y":"z"}]}""");

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(CLValue.From(1), CLValue.From("1"));
        Assert.NotEqual(CLValue.From(1), CLValue.True);
        Assert.Equal(CLValue.Null, default);
    }

    [Fact]
    public void Accessors_WrongKind_Throw()
    {
        Assert.Throws<InvalidOperationException>(() => CLValue.From("x").AsInteger);
        Assert.Equal(3, CLValue.From(3).AsInteger);
        Assert.Equal("x", CLValue.From("x").AsString);
        Assert.Equal(2, CLValue.ParseJson("[1,2]").AsArray.Count);
        Assert.True(CLValue.ParseJson("""{"k":1}""").AsObject.ContainsKey("k"));
    }

    [Fact]
    public void JsonDataBinder_EmptyPath_ReturnsWholeContext()
    {
        var data = CLValue.ParseJson("""{"a":1}""");

        Assert.Equal(data, JsonDataBinder.Instance.Bind("")(data));
        Assert.Equal(CLValue.From(1), JsonDataBinder.Access(data, "a"));
        Assert.Equal(CLValue.Null, JsonDataBinder.Access(CLValue.From("abc"), "0"));
    }
}
