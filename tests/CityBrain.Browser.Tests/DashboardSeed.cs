using System.Globalization;
using System.Text;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.RiskMap;
using CityBrain.Infrastructure;

namespace CityBrain.Browser.Tests;

/// <summary>
/// The risk map of the browser tests: the demo city brings the real 2020 city-level counts (data/covid-2020); this adds
/// county rows for Zhejiang's 90 counties made from them: each city's daily new cases shared among its counties by fixed weights, so the county
/// map replays the province's real epidemic shape.
/// </summary>
public static class DashboardSeed
{
    public static async Task ImportAsync(RiskMapService riskMap, CancellationToken ct = default)
    {
        var covid = Path.Combine(CityBrainApp.DataDirectory, "covid-2020");
        await riskMap.ImportAsync([("zhejiang-counties.csv", () => new StringReader(ZhejiangCounties(covid)))], Actor.Cli, ct);
    }

    public static IReadOnlyList<string> ZhejiangCountyCodes() =>
        File.ReadLines(Path.Combine(CityBrainApp.DataDirectory, "divisions", "areas.csv")).Skip(1)
            .Select(l => l.Split(',')[0])
            .Where(c => c.Length == 6 && c.StartsWith("33", StringComparison.Ordinal) && !c.EndsWith("00", StringComparison.Ordinal))
            .ToList();

    /// <summary>date,division_code,confirmed_new,confirmed_local_new,cluster_events for every county and day to 2020-03-31.</summary>
    public static string ZhejiangCounties(string covidFolder)
    {
        var counties = ZhejiangCountyCodes().GroupBy(c => c[..4]).ToDictionary(g => g.Key, g => g.ToList());
        var sb = new StringBuilder(CaseCountHeader + "\n");
        var previous = new Dictionary<string, int>();
        foreach (var file in Directory.GetFiles(covidFolder, "2020-*.csv").Where(f => string.CompareOrdinal(Path.GetFileName(f), "2020-04") < 0).Order(StringComparer.Ordinal))
        {
            var date = Path.GetFileNameWithoutExtension(file);
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var f = line.Split(',');
                if (f.Length < 8 || f[4] != "330000" || f[6].Length != 6 || !counties.TryGetValue(f[6][..4], out var list))
                {
                    continue;
                }
                var total = int.Parse(f[7], CultureInfo.InvariantCulture);
                var fresh = Math.Max(0, total - previous.GetValueOrDefault(f[6]));
                previous[f[6]] = total;
                // Fixed weights 1..5 by code; the remainder goes to the heaviest counties first.
                var weights = list.Select(c => 1 + (int.Parse(c[4..], CultureInfo.InvariantCulture) * 7 + 3) % 5).ToList();
                var sum = weights.Sum();
                var shares = weights.Select(w => fresh * w / sum).ToList();
                var left = fresh - shares.Sum();
                foreach (var i in Enumerable.Range(0, list.Count).OrderByDescending(i => weights[i]).ThenBy(i => list[i], StringComparer.Ordinal))
                {
                    if (left-- <= 0)
                    {
                        break;
                    }
                    shares[i]++;
                }
                for (var i = 0; i < list.Count; i++)
                {
                    var n = shares[i];
                    sb.Append(CultureInfo.InvariantCulture, $"{date},{list[i]},{n},{n * 3 / 5},{(n >= 4 ? 1 : 0)}\n");
                }
            }
        }
        return sb.ToString();
    }

    public const string CaseCountHeader = "date,division_code,confirmed_new,confirmed_local_new,cluster_events";
}
