using System.Diagnostics;
using CityBrain.Domain.Common;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Bench;

/// <summary>Rule evaluation on one core: the shipped rule set, compiled once, over a realistic population.</summary>
public static class RulesBench
{
    public static void Run(int residents)
    {
        var root = FindRoot();
        var rules = RuleSet.Parse(File.ReadAllText(Path.Combine(root, "data", "rules", "hangzhou.json")));
        var engine = new HealthCodeEngine(rules, CityCalendar.China);
        var now = new DateTimeOffset(2020, 2, 20, 9, 0, 0, TimeSpan.FromHours(8));
        var today = CityCalendar.China.DayOf(now);
        var rng = new Random(42);
        var facts = new HealthFacts[residents];
        for (var i = 0; i < residents; i++)
        {
            facts[i] = new HealthFacts();
            Population.Fill(facts[i], i + 1, today, rng);
            facts[i].Prepare(now, today, Population.Risk);
        }
        Thread.CurrentThread.Priority = ThreadPriority.Highest;
        var counts = new long[3];
        Evaluate(engine, facts, counts); // warm up (tiered JIT)
        Array.Clear(counts);
        var best = double.MaxValue;
        var allocated = 0L;
        for (var pass = 0; pass < 5; pass++)
        {
            Array.Clear(counts);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            Evaluate(engine, facts, counts);
            sw.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"rules: {rules.Rules.Count} rules ({rules.Name}), {residents:N0} residents, one thread");
        Console.WriteLine($"rules: green {counts[0]:N0}, yellow {counts[1]:N0}, red {counts[2]:N0}");
        Console.WriteLine($"rules: best of 5 passes {best * 1000:F0} ms = {residents / best:N0} residents/s (target 1,000,000/s); {allocated} bytes allocated in the last pass");
    }

    private static void Evaluate(HealthCodeEngine engine, HealthFacts[] facts, long[] counts)
    {
        foreach (var f in facts)
        {
            counts[(int)engine.Evaluate(f).Colour]++;
        }
    }

    public static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CityBrain.slnx")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
