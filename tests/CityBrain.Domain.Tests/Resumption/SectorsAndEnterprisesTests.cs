using CityBrain.Domain.Identity;
using CityBrain.Domain.Resumption;

namespace CityBrain.Domain.Tests.Resumption;

public class SectorsAndEnterprisesTests
{
    [Fact]
    public void Sectors_TenWithUniqueCodesAndNames()
    {
        Assert.Equal(10, Sectors.All.Count);
        Assert.Equal(10, Sectors.All.Select(s => s.Code()).Distinct().Count());
        Assert.Equal(10, Sectors.All.Select(s => s.NameZh()).Distinct().Count());
        Assert.All(Sectors.All, s => Assert.True(Sectors.TryParse(s.Code(), out var back) && back == s));
        Assert.All(Sectors.All, s => Assert.True(Sectors.TryParse(s.NameZh(), out var back) && back == s));
    }

    [Theory]
    [InlineData(Sector.Agriculture, ThreeIndustry.Primary)]
    [InlineData(Sector.Industry, ThreeIndustry.Secondary)]
    [InlineData(Sector.Construction, ThreeIndustry.Secondary)]
    [InlineData(Sector.Transport, ThreeIndustry.Tertiary)]
    [InlineData(Sector.Information, ThreeIndustry.Tertiary)]
    [InlineData(Sector.WholesaleRetail, ThreeIndustry.Tertiary)]
    [InlineData(Sector.HotelsCatering, ThreeIndustry.Tertiary)]
    [InlineData(Sector.FinanceRealEstate, ThreeIndustry.Tertiary)]
    [InlineData(Sector.BusinessServices, ThreeIndustry.Tertiary)]
    [InlineData(Sector.PublicServices, ThreeIndustry.Tertiary)]
    public void ThreeIndustryOf_NationalAccounts(Sector sector, ThreeIndustry industry) => Assert.Equal(industry, sector.ThreeIndustryOf());

    [Theory]
    [InlineData("industry", Sector.Industry)]
    [InlineData(" Wholesale_Retail ", Sector.WholesaleRetail)]
    [InlineData("农林牧渔业", Sector.Agriculture)]
    [InlineData("农、林、牧、渔业", Sector.Agriculture)]
    [InlineData("制造业", Sector.Industry)]
    [InlineData("信息传输、软件和信息技术服务业", Sector.Information)]
    [InlineData("信息传输软件业", Sector.Information)]
    [InlineData("金融业", Sector.FinanceRealEstate)]
    [InlineData("房地产业", Sector.FinanceRealEstate)]
    [InlineData("公共服务业", Sector.PublicServices)]
    public void TryParse_CodesNamesAliases(string text, Sector expected)
    {
        Assert.True(Sectors.TryParse(text, out var s));
        Assert.Equal(expected, s);
    }

    [Theory]
    [InlineData("")]
    [InlineData("mining")]
    [InlineData("居民生活")]
    public void TryParse_Unknown_False(string text) => Assert.False(Sectors.TryParse(text, out _));

    private static readonly DivisionCatalogue Divisions = new([new("33", "浙江省"), new("3301", "杭州市"), new("330106", "西湖区")]);

    [Theory]
    [InlineData("E1", "甲厂", "industry", "330106", "above_size", null)]
    [InlineData("E1", "甲厂", "工业", "330106001001", "规上", null)]
    [InlineData("", "甲厂", "industry", "330106", "above_size", "enterprise_id")]
    [InlineData("E 1", "甲厂", "industry", "330106", "above_size", "enterprise_id")]
    [InlineData("E1", "", "industry", "330106", "above_size", "name")]
    [InlineData("E1", "甲厂", "mining", "330106", "above_size", "industry")]
    [InlineData("E1", "甲厂", "industry", "3301", "above_size", "division_code")]
    [InlineData("E1", "甲厂", "industry", "33010X", "above_size", "division_code")]
    [InlineData("E1", "甲厂", "industry", "330199", "above_size", "division_code")]
    [InlineData("E1", "甲厂", "industry", "330106", "large", "scale")]
    public void TryCreate_Row_FieldNamedWhenBad(string id, string name, string industry, string division, string scale, string? field)
    {
        var ok = Enterprise.TryCreate(id, name, industry, division, scale, Divisions, out var e, out var error);
        Assert.Equal(field is null, ok);
        if (ok)
        {
            Assert.Equal(("330106", "3301", "33"), (e.County, e.City, e.Province));
        }
        else
        {
            Assert.Equal(field, error.Field);
            Assert.False(string.IsNullOrWhiteSpace(error.Reason));
        }
    }
}
