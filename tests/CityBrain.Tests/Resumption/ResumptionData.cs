using System.Globalization;
using System.Text;

namespace CityBrain.Tests.Resumption;

/// <summary>Hand-made CSV files for the HTTP and CLI tests.</summary>
internal static class ResumptionData
{
    public const string RegisterHeader = "enterprise_id,name,industry,division_code,scale\n";
    public const string MetersHeader = "enterprise_id,date,kwh\n";

    /// <summary>Every day of December 2019 at the same kWh, one row a day, for each (id, kWh).</summary>
    public static string December(params (string Id, double Kwh)[] enterprises)
    {
        var sb = new StringBuilder();
        for (var d = new DateOnly(2019, 12, 1); d <= new DateOnly(2019, 12, 31); d = d.AddDays(1))
        {
            foreach (var (id, kwh) in enterprises)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{id},{d:yyyy-MM-dd},{kwh}\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Hangzhou, 9 February 2020 (baseline December 2019, threshold 30%):
    ///   {p}1 industry 330106 above_size  baseline 100, that day 40  (40%: resumed)
    ///   {p}2 wholesale 330106            baseline 50,  that day 10  (20%: not)
    ///   {p}3 information 330108          baseline 200, that day 200 (resumed)
    ///   {p}4 hotels 330108               no December readings: no baseline, that day 30
    /// 330106: 1 of 2 resumed, 50/150 kWh: index (0.5 + 0.333333) / 2 = 0.416667 (yellow)
    /// 330108: 1 of 1 resumed, 200/200: index 1 (green); one enterprise without a baseline
    /// Hangzhou (3301): 2 of 3 resumed, 250/350 kWh: index (0.666667 + 0.714286) / 2 = 0.690476
    /// </summary>
    public static (string Register, string Meters) Hangzhou(string p) => (
        RegisterHeader +
        $"{p}1,{p}甲厂,industry,330106,above_size\n" +
        $"{p}2,{p}乙店,批发和零售业,330106001,below_size\n" +
        $"{p}3,{p}丙软件,information,330108,below_size\n" +
        $"{p}4,{p}丁酒店,hotels_catering,330108,below_size\n",
        MetersHeader + December(($"{p}1", 100), ($"{p}2", 50), ($"{p}3", 200)) +
        $"{p}1,2020-02-09,40\n{p}2,2020-02-09,10\n{p}3,2020-02-09,200\n{p}4,2020-02-09,30\n");
}
