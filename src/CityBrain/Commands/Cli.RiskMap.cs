using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.RiskMap;
using CityBrain.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace CityBrain.Commands;

/// <summary>The five-colour risk map (五色图): `import casecounts FILE-OR-FOLDER` and `riskmap`.</summary>
public static partial class Cli
{
    internal static void AddRiskMapCommands(RootCommand root, Command import)
    {
        var cmd = new Command("casecounts", "case counts per division per day: date,division_code,confirmed_new,confirmed_local_new,cluster_events, " +
                                            "or the 2020 data's daily files of cumulative counts (a folder imports every .csv in it); then grades the days they touch");
        var path = new Argument<string>("FILE-OR-FOLDER") { Description = "a CSV file, or a folder of them" };
        cmd.Arguments.Add(path);
        cmd.SetAction(async (p, ct) =>
        {
            var (app, service) = StartRiskMap(p);
            using var _ = app;
            var json = p.GetValue(JsonOption);
            var target = p.GetValue(path)!;
            Task<CaseCountImportReport> Run() => service.ImportPathAsync(target, Actor.Cli, ct);
            var report = json || Console.IsOutputRedirected ? await Run() : await AnsiConsole.Status().StartAsync($"importing {Markup.Escape(target)}…", _ => Run());
            if (json)
            {
                WriteJson(report);
            }
            else
            {
                Console.WriteLine($"casecounts: {report.Files:N0} files, {report.Rows:N0} rows, {report.Accepted:N0} accepted, {report.Rejected.Count:N0} rejected, " +
                                  $"{report.Skipped:N0} skipped (outside China or national totals) ({report.Seconds:F1} s)");
                if (report.Graded is { } g)
                {
                    Console.WriteLine($"graded {g.From:yyyy-MM-dd}..{g.To:yyyy-MM-dd}: {g.Rows:N0} grades, {g.RiskAreasChanged} risk areas changed, " +
                                      $"{g.ManualGradesKept} hand-set grades kept, {g.CodesChanged} codes changed ({g.Seconds:F1} s)");
                }
                if (report.Rejected.Count > 0)
                {
                    var table = new Table().AddColumns("file", "line", "field", "reason");
                    foreach (var e in report.Rejected)
                    {
                        table.AddRow(Markup.Escape(e.File), e.Line.ToString(CultureInfo.InvariantCulture), Markup.Escape(e.Field), Markup.Escape(e.Reason));
                    }
                    AnsiConsole.Write(table);
                }
            }
            return report.Rejected.Count > 0 && report.Accepted == 0 && report.Rows > 0 ? 1 : 0;
        });
        import.Subcommands.Add(cmd);
        root.Subcommands.Add(RiskMapCommand());
    }

    private static (CityBrainApp App, RiskMapService Service) StartRiskMap(ParseResult p)
    {
        var (app, health) = Start(p);
        return (app, new RiskMapService(app, health, new RiskMapOptions(), NullLogger<RiskMapService>.Instance));
    }

    private static Command RiskMapCommand()
    {
        var cmd = new Command("riskmap", "The five-colour risk map (五色图) of a day: each division's level and the indicators that decided it");
        var date = new Option<string?>("--date") { Description = "the day, yyyy-MM-dd (default: the latest graded day)" };
        var level = new Option<string?>("--level") { Description = "county, city or province (default county)" };
        var rules = new Option<string?>("--rules") { Description = "zhejiang (five colours, default) or national (high, medium, low)" };
        var region = new Option<string?>("--region") { Description = "only areas inside this province, city or county (2, 4 or 6 digits)" };
        cmd.Options.Add(date);
        cmd.Options.Add(level);
        cmd.Options.Add(rules);
        cmd.Options.Add(region);
        cmd.SetAction(async (p, ct) =>
        {
            // Bad values are bad usage (exit 2) before anything is opened.
            var d = RiskMapService.ParseDate(p.GetValue(date));
            var l = RiskMapService.ParseLevel(p.GetValue(level));
            var r = RiskMapService.ParseRules(p.GetValue(rules));
            var (app, service) = StartRiskMap(p);
            using var _ = app;
            var view = await service.MapAsync(d, l, r, service.ParseRegion(p.GetValue(region)), ct);
            if (p.GetValue(JsonOption))
            {
                WriteJson(view);
                return 0;
            }
            if (view.Date is null)
            {
                Console.WriteLine("Nothing graded yet: import case counts first (citybrain import casecounts FILE-OR-FOLDER).");
                return 0;
            }
            AnsiConsole.MarkupLine($"[bold]Risk map {view.Date:yyyy-MM-dd}[/], {view.Rules} rules, by {view.Level}: " +
                                   string.Join(", ", view.Counts.Select(kv => $"{kv.Value} {kv.Key}")));
            var table = new Table().AddColumns("code", "name", "level", "was", "cumulative", "new", "local share", "clusters", "days without new", "score");
            foreach (var a in view.Areas)
            {
                var i = a.Indicators;
                table.AddRow(a.DivisionCode, Markup.Escape(a.Name), Colour(a.Level), a.PreviousLevel ?? "", Int(i, "confirmed_total"), Int(i, "confirmed_new"),
                    Num(i, "local_share") + (Flag(i, "local_share_assumed") ? " (assumed)" : ""), Int(i, "cluster_events") + (Flag(i, "clusters_estimated") ? " (est.)" : ""),
                    Int(i, "days_without_new_case"), Num(i, "score"));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }

    private static string Colour(string level) => level switch
    {
        "red" or "high" => $"[red]{level}[/]",
        "orange" => $"[darkorange]{level}[/]",
        "yellow" or "medium" => $"[yellow]{level}[/]",
        "blue" => $"[blue]{level}[/]",
        _ => $"[green]{level}[/]",
    };

    private static string Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64().ToString("N0", CultureInfo.InvariantCulture) : "";

    private static string Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString("0.##", CultureInfo.InvariantCulture) : "";

    private static bool Flag(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
}
