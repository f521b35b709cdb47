using CityBrain.Bench;

// citybrain benchmarks. Each prints its figures and the machine; see docs/performance.md.
//   dotnet run -c Release --project bench/CityBrain.Bench -- rules [--residents 1000000]
//   dotnet run -c Release --project bench/CityBrain.Bench -- tokens [--seconds 5]
//   dotnet run -c Release --project bench/CityBrain.Bench -- recompute --db sqlite:/tmp/bench.db|postgres:... [--residents 10000000]
var command = args.Length > 0 ? args[0] : "help";
string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
Console.WriteLine(Machine.Describe());
switch (command)
{
    case "rules":
        RulesBench.Run(int.Parse(Arg("--residents", "1000000"), System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    case "tokens":
        TokenBench.Run(double.Parse(Arg("--seconds", "5"), System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    case "recompute":
        await RecomputeBench.RunAsync(Arg("--db", "sqlite:/tmp/citybrain-bench.db"), int.Parse(Arg("--residents", "10000000"), System.Globalization.CultureInfo.InvariantCulture), args.Contains("--reuse"));
        return 0;
    default:
        Console.WriteLine("usage: CityBrain.Bench rules|tokens|recompute [options]");
        return 2;
}
