namespace CityBrain.Domain.Resumption;

/// <summary>
/// The ten industry sectors of the resumption reports: the China Electricity Council's electricity-use headings
/// (全社会用电分类, the classification State Grid's consumption statistics use), with finance and real estate as one
/// heading. See README, "Work-resumption power index", for the sources and the choice.
/// </summary>
public enum Sector
{
    Agriculture,
    Industry,
    Construction,
    Transport,
    Information,
    WholesaleRetail,
    HotelsCatering,
    FinanceRealEstate,
    BusinessServices,
    PublicServices,
}

/// <summary>The three industries of the national accounts (三次产业).</summary>
public enum ThreeIndustry
{
    Primary,
    Secondary,
    Tertiary,
}

/// <summary>Codes, names and the three-industry mapping of the ten sectors.</summary>
public static class Sectors
{
    public const int Count = 10;

    private static readonly (Sector Sector, string Code, string Name, ThreeIndustry Industry, string[] Aliases)[] Table =
    [
        (Sector.Agriculture, "agriculture", "农、林、牧、渔业", ThreeIndustry.Primary, ["农林牧渔业", "农业"]),
        (Sector.Industry, "industry", "工业", ThreeIndustry.Secondary, ["制造业", "采矿业"]),
        (Sector.Construction, "construction", "建筑业", ThreeIndustry.Secondary, []),
        (Sector.Transport, "transport", "交通运输、仓储和邮政业", ThreeIndustry.Tertiary, ["交通运输仓储和邮政业", "交通运输业"]),
        (Sector.Information, "information", "信息传输、软件和信息技术服务业", ThreeIndustry.Tertiary, ["信息传输软件和信息技术服务业", "信息传输软件业"]),
        (Sector.WholesaleRetail, "wholesale_retail", "批发和零售业", ThreeIndustry.Tertiary, []),
        (Sector.HotelsCatering, "hotels_catering", "住宿和餐饮业", ThreeIndustry.Tertiary, []),
        (Sector.FinanceRealEstate, "finance_real_estate", "金融和房地产业", ThreeIndustry.Tertiary, ["金融业", "房地产业"]),
        (Sector.BusinessServices, "business_services", "租赁和商务服务业", ThreeIndustry.Tertiary, []),
        (Sector.PublicServices, "public_services", "公共服务及管理组织", ThreeIndustry.Tertiary, ["公共服务业"]),
    ];

    private static readonly Dictionary<string, Sector> ByName = BuildNames();

    public static IReadOnlyList<Sector> All { get; } = Table.Select(t => t.Sector).ToArray();

    /// <summary>The code used in files and the API: agriculture, industry, ..., public_services.</summary>
    public static string Code(this Sector s) => Table[(int)s].Code;

    /// <summary>The Chinese heading: 工业, 住宿和餐饮业, ...</summary>
    public static string NameZh(this Sector s) => Table[(int)s].Name;

    public static ThreeIndustry ThreeIndustryOf(this Sector s) => Table[(int)s].Industry;

    public static string Code(this ThreeIndustry t) => t switch
    {
        Resumption.ThreeIndustry.Primary => "primary",
        Resumption.ThreeIndustry.Secondary => "secondary",
        _ => "tertiary",
    };

    /// <summary>Accepts the code, the Chinese heading (with or without 、) or a listed alias (金融业, 制造业, ...).</summary>
    public static bool TryParse(string? text, out Sector sector)
    {
        sector = default;
        return text is not null && ByName.TryGetValue(Normalise(text), out sector);
    }

    private static string Normalise(string text) =>
        new(text.Trim().ToLowerInvariant().Where(ch => ch is not ('、' or '，' or ',' or ' ' or '-')).ToArray());

    private static Dictionary<string, Sector> BuildNames()
    {
        var map = new Dictionary<string, Sector>(StringComparer.Ordinal);
        foreach (var (sector, code, name, _, aliases) in Table)
        {
            foreach (var n in aliases.Append(code).Append(name))
            {
                map[Normalise(n)] = sector;
            }
        }
        return map;
    }
}
