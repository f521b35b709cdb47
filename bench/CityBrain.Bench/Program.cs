using CityBrain.Bench;

// citybrain benchmarks. Each prints its figures and the machine; see docs/performance.md.
//   dotnet run -c Release --project bench/CityBrain.Bench -- rules [--residents 1000000]
//   dotnet run -c Release --project bench/CityBrain.Bench -- tokens [--seconds 5]
//   dotnet run -c Release --project bench/CityBrain.Bench -- recompute --db sqlite:/tmp/bench.db|postgres:... [--residents 10000000]
//   dotnet run -c Release --project bench/CityBrain.Bench -- scan [--db sqlite:{dir}/scan.db|postgres:...] [--seconds 60] [--connections 128] [--threads 1]   (needs wrk)
//   dotnet run -c Release --project bench/CityBrain.Bench -- import-checkins [--db ...] [--rows 5000000] [--time-order]
//   dotnet run -c Release --project bench/CityBrain.Bench -- resumption [--db sqlite:/tmp/r.db|postgres:...] [--enterprises 50000] [--days 120] [--enterprise-order]
//   dotnet run -c Release --project bench/CityBrain.Bench -- riskmap [--db sqlite:{dir}/riskmap.db|postgres:...] [--rounds 5]
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
    case "scan":
        await ScanBench.RunScanAsync(Arg("--db", "sqlite:{dir}/scan.db"), int.Parse(Arg("--seconds", "60"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Arg("--connections", "128"), System.Globalization.CultureInfo.InvariantCulture), int.Parse(Arg("--threads", "1"), System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    case "import-checkins":
        await ScanBench.RunImportAsync(Arg("--db", "sqlite:{dir}/import.db"), int.Parse(Arg("--rows", "5000000"), System.Globalization.CultureInfo.InvariantCulture),
            args.Contains("--time-order"));
        return 0;
    case "resumption":
        await ResumptionBench.RunAsync(Arg("--db", "sqlite:/tmp/citybrain-resumption-bench.db"), int.Parse(Arg("--enterprises", "50000"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Arg("--days", "120"), System.Globalization.CultureInfo.InvariantCulture), args.Contains("--enterprise-order"));
        return 0;
    case "riskmap":
        await RiskMapBench.RunAsync(Arg("--db", "sqlite:{dir}/riskmap.db"), int.Parse(Arg("--rounds", "5"), System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    case "trace": return await TraceBench.RunAsync(args); // [--checkins 250000000 --residents 10000000 --venues 500000 --seed N] [--build-only] [--compare --pg CONN --sqlite PATH]
    default:
        Console.WriteLine("usage: CityBrain.Bench rules|tokens|recompute|scan|import-checkins|resumption|riskmap|trace [options]");
        return 2;
}
