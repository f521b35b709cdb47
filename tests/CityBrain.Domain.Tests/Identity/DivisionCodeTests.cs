using CityBrain.Domain.Identity;

namespace CityBrain.Domain.Tests.Identity;

public class DivisionCodeTests
{
    [Theory]
    [InlineData("11", true)]
    [InlineData("33", true)]
    [InlineData("82", true)]
    [InlineData("10", false)]
    [InlineData("24", false)]
    [InlineData("99", false)]
    public void IsValidProvince_Code_Expected(string code, bool expected) =>
        Assert.Equal(expected, DivisionCode.IsValidProvince(code));

    [Theory]
    [InlineData("33", true)]
    [InlineData("3301", true)]
    [InlineData("330102", true)]
    [InlineData("330102001", true)]
    [InlineData("330102001001", true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("3", false)]
    [InlineData("330", false)]
    [InlineData("3301020", false)]
    [InlineData("3301020010011", false)]
    [InlineData("33010a", false)]
    [InlineData("３３0102", false)] // full-width digits are not ASCII digits
    [InlineData("990102", false)]
    public void IsWellFormed_Code_Expected(string? code, bool expected) =>
        Assert.Equal(expected, DivisionCode.IsWellFormed(code));

    [Theory]
    [InlineData("33", null)]
    [InlineData("3301", null)]
    [InlineData("330102", "330102")]
    [InlineData("330102001", "330102")]
    [InlineData("330102001001", "330102")]
    public void County_Code_Expected(string code, string? county) =>
        Assert.Equal(county, DivisionCode.County(code));

    [Theory]
    [InlineData("330102001001", new[] { "330102001001", "330102001", "330102", "3301", "33" })]
    [InlineData("330102001", new[] { "330102001", "330102", "3301", "33" })]
    [InlineData("330102", new[] { "330102", "3301", "33" })]
    [InlineData("3301", new[] { "3301", "33" })]
    [InlineData("33", new[] { "33" })]
    public void SelfAndAncestors_Code_FinestFirst(string code, string[] expected) =>
        Assert.Equal(expected, DivisionCode.SelfAndAncestors(code).ToArray());

    [Fact]
    public void Catalogue_LooksUpNamesAndIdPrefixes()
    {
        var cat = new DivisionCatalogue([new("3301", "杭州市"), new("330102", "上城区"), new("330102", "重复"), new("4201", "武汉市")]);
        Assert.Equal(3, cat.Count);
        Assert.Equal("上城区", cat.NameOf("330102"));
        Assert.Null(cat.NameOf("330103"));
        Assert.True(cat.Contains("4201"));
        Assert.False(cat.Contains("42"));
        Assert.True(cat.IsPlausibleIdPrefix("330102"));
        Assert.True(cat.IsPlausibleIdPrefix("330199")); // an abolished county of a known city
        Assert.False(cat.IsPlausibleIdPrefix("340102"));
    }
}
