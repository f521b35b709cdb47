using CityBrain.Data.RiskMap;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;

namespace CityBrain.Features.RiskMap;

/// <summary>The demo's risk map: the real 2020 city-level data (data/covid-2020), imported and graded once, so the map replays January–June 2020.</summary>
public static class RiskMapDemo
{
    public static async Task LoadAsync(HealthCodeService health, TextWriter output, CancellationToken ct)
    {
        var service = RiskMapService.For(health);
        await using (var c = await health.App.Db.OpenAsync(ct))
        {
            if (RiskMapStore.CountRows(c) > 0)
            {
                return;
            }
        }
        var folder = Path.Combine(CityBrainApp.DataDirectory, "covid-2020");
        if (!Directory.Exists(folder))
        {
            output.WriteLine($"No 2020 case data in {folder}: the risk map starts empty.");
            return;
        }
        var report = await service.ImportPathAsync(folder, new Actor("demo", "operator"), ct);
        output.WriteLine($"Risk map: the 2020 data ({report.Files} daily files, {report.Accepted:N0} rows; {report.Rejected.Count:N0} rows without a division code left out) " +
                         $"graded {report.Graded?.From:yyyy-MM-dd}..{report.Graded?.To:yyyy-MM-dd} in {report.Seconds:F1} s.");
    }
}
