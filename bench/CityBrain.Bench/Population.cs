using CityBrain.Domain.HealthCodes;

namespace CityBrain.Bench;

/// <summary>
/// A seeded synthetic population with a realistic mix (February 2020, a city with an outbreak):
/// 0.05% confirmed, 0.1% suspected, 1% close contacts, 2% secondary contacts, 0.5% inbound quarantine;
/// 60% declared in the last 14 days, 2% with symptoms or fever, 5% with travel (a third through risk areas);
/// 30% in a run of daily check-ins.
/// </summary>
public static class Population
{
    public static readonly string[] Counties = ["330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112", "330122", "330127", "330182", "330302", "330303", "420102", "420106", "440305"];

    public static RiskLookup Risk { get; } = new(new Dictionary<string, RiskRank>
    {
        ["4201"] = RiskRank.High,
        ["330302"] = RiskRank.Medium,
        ["330303"] = RiskRank.Medium,
        ["330102"] = RiskRank.Low,
    });

    public static void Fill(HealthFacts f, long id, int today, Random rng)
    {
        f.Reset();
        f.ResidentKey = id;
        f.HomeDivision = Counties[rng.Next(Counties.Length)];
        f.BirthYear = 1940 + rng.Next(80);
        var r = rng.NextDouble();
        void Join(ListKind k, int maxDaysAgo)
        {
            f.Lists |= (byte)(1 << (int)k);
            f.ListSinceDay[(int)k] = today - rng.Next(maxDaysAgo);
        }
        if (r < 0.0005) Join(ListKind.Confirmed, 30);
        else if (r < 0.0015) Join(ListKind.Suspected, 10);
        else if (r < 0.0115) Join(ListKind.CloseContact, 20);
        else if (r < 0.0315) Join(ListKind.SecondaryContact, 12);
        else if (r < 0.0365) Join(ListKind.InboundQuarantine, 20);
        if (rng.NextDouble() < 0.6)
        {
            f.DeclarationDay = today - rng.Next(14);
            f.TemperatureX10 = 360 + rng.Next(10);
            var d = rng.NextDouble();
            if (d < 0.02)
            {
                f.Symptoms = d < 0.01 ? Symptoms.Fever : Symptoms.Cough;
                f.TemperatureX10 = d < 0.01 ? 375 + rng.Next(15) : f.TemperatureX10;
                f.LastAbnormalDay = f.DeclarationDay;
            }
            else if (d < 0.07)
            {
                var county = d < 0.037 ? Counties[rng.Next(11)] : Counties[11 + rng.Next(Counties.Length - 11)];
                f.Travel = $"{county}@{f.DeclarationDay - rng.Next(1, 10)}";
            }
        }
        if (rng.NextDouble() < 0.3)
        {
            var length = 1 + rng.Next(20);
            f.StreakLastDay = today - rng.Next(2);
            f.StreakStartDay = f.StreakLastDay - length + 1;
            if (f.LastAbnormalDay != HealthFacts.NoDay && f.StreakStartDay <= f.LastAbnormalDay)
            {
                f.StreakStartDay = f.LastAbnormalDay + 1;
                if (f.StreakStartDay > f.StreakLastDay)
                {
                    f.StreakStartDay = f.StreakLastDay = HealthFacts.NoDay;
                }
            }
        }
    }
}
