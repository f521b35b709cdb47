using System.CommandLine;
using System.Globalization;
using CityBrain.Domain.Resumption;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.Resumption;
using CityBrain.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace CityBrain.Commands;

/// <summary>The work-resumption power index (复工电力指数): `import enterprises|meters` and `resumption`.</summary>
public static partial class Cli
{
    /// <summary>Adds `import enterprises FILE` and `import meters FILE [--replace]` to the import command.</summary>
    internal static void AddResumptionImports(Command import)
    {
        foreach (var (kind, description) in new[]
                 {
                     ("enterprises", "enterprises.csv: enterprise_id,name,industry,division_code,scale (the enterprise register of the resumption index)"),
                     ("meters", "meters.csv: enterprise_id,date,kwh (daily totals) or enterprise_id,time,kwh (interval readings, summed per day)"),
                 })
        {
            var cmd = new Command(kind, description);
            var file = new Argument<FileInfo>("FILE") { Description = "a CSV file with a header row" };
            cmd.Arguments.Add(file);
            var replace = new Option<bool>("--replace") { Description = "meters: a day already stored with another value is corrected (default: flagged)" };
            if (kind == "meters")
            {
                cmd.Options.Add(replace);
            }
            cmd.SetAction(async (p, ct) =>
            {
                var path = p.GetValue(file)!;
                if (!path.Exists)
                {
                    throw new InputException("FILE", $"{path.FullName} does not exist");
                }
                var (app, service) = StartResumption(p);
                using var _ = app;
                using var reader = new StreamReader(path.FullName, System.Text.Encoding.UTF8);
                var json = p.GetValue(JsonOption);
                Task<ImportReport> Run() => kind == "enterprises"
                    ? service.ImportEnterprisesAsync(reader, Actor.Cli, ct)
                    : service.ImportMetersAsync(reader, Actor.Cli, p.GetValue(replace), ct);
                var report = json || Console.IsOutputRedirected
                    ? await Run()
                    : await AnsiConsole.Status().StartAsync($"importing {Markup.Escape(path.Name)}…", _ => Run());
                PrintResumptionImport(report, json);
                return report.Rejected.Count > 0 && report.Accepted == 0 && report.Rows > 0 ? 1 : 0;
            });
            import.Subcommands.Add(cmd);
        }
    }

    /// <summary>A read command: the query, then JSON with --json or the table the caller prints.</summary>
    private static async Task<int> ReadAsync<T>(ParseResult p, Func<ResumptionService, Task<T>> query, Action<T> print)
    {
        var (app, service) = StartResumption(p);
        using var _ = app;
        var view = await query(service);
        if (p.GetValue(JsonOption))
        {
            WriteJson(view);
        }
        else
        {
            print(view);
        }
        return 0;
    }

    private static (CityBrainApp App, ResumptionService Service) StartResumption(ParseResult p)
    {
        var app = CityBrainApp.Start(OptionsFrom(p));
        return (app, new ResumptionService(app, new ResumptionOptions(), NullLogger<ResumptionService>.Instance));
    }

    private static void PrintResumptionImport(ImportReport report, bool json)
    {
        if (json)
        {
            WriteJson(report);
            return;
        }
        Console.WriteLine($"{report.Kind}: {report.Rows:N0} rows, {report.Accepted:N0} accepted, {report.Rows - report.Accepted:N0} rejected ({report.Seconds:F1} s)");
        if (report.Rejected.Count > 0)
        {
            var table = new Table().AddColumns("line", "field", "reason");
            foreach (var e in report.Rejected)
            {
                table.AddRow(e.Line.ToString(CultureInfo.InvariantCulture), Markup.Escape(e.Field), Markup.Escape(e.Reason));
            }
            AnsiConsole.Write(table);
        }
    }

    private static Option<string?> Text(string name, string description) => new(name) { Description = description };

    /// <summary>
    /// `resumption`: the figures of a day by county, city, province or industry; subcommands for the trend, the
    /// five-colour county map, the large enterprises below the threshold and those without a baseline.
    /// </summary>
    private static Command ResumptionCommand()
    {
        var cmd = new Command("resumption", "Work-resumption power index (复工电力指数) from smart-meter data: resumption rate, production rate, index");
        var baseline = new Option<string?>("--baseline") { Description = "baseline period FROM..TO (default 2019-12-01..2019-12-31)", Recursive = true };
        var threshold = new Option<string?>("--threshold") { Description = "resumed at this share of the baseline daily mean (default 0.3)", Recursive = true };
        var division = new Option<string?>("--division") { Description = "only this province, city or county (2, 4 or 6 digits)", Recursive = true };
        var industry = new Option<string?>("--industry") { Description = "only this sector (agriculture, industry, construction, ...)", Recursive = true };
        var structure = Text("--structure", "weights primary,secondary,tertiary of the structure-weighted index (default: baseline consumption shares)");
        var date = Text("--date", "the day, yyyy-MM-dd (default: the last day with readings)");
        var by = Text("--by", "county, city, province or industry (default county)");
        cmd.Options.Add(baseline);
        cmd.Options.Add(threshold);
        cmd.Options.Add(division);
        cmd.Options.Add(industry);
        cmd.Options.Add(structure);
        cmd.Options.Add(date);
        cmd.Options.Add(by);
        cmd.SetAction(async (p, ct) =>
        {
            var (app, service) = StartResumption(p);
            using var _ = app;
            var level = ResumptionService.ParseLevel(p.GetValue(by));
            var view = await service.FiguresAsync(ResumptionService.ParseDate(p.GetValue(date), "date"), level, service.ParseDivision(p.GetValue(division)),
                ResumptionService.ParseSector(p.GetValue(industry)), service.Settings(p.GetValue(baseline), p.GetValue(threshold), p.GetValue(structure)), ct);
            if (p.GetValue(JsonOption))
            {
                WriteJson(new
                {
                    date = view.Date,
                    rows = view.Rows.Select(r => new { key = r.Key, name = r.Name, enterprises = r.Enterprises, resumed = r.Resumed, resumption_rate = r.ResumptionRate, production_rate = r.ProductionRate, index = r.Index }),
                });
                return 0;
            }
            AnsiConsole.MarkupLine($"[bold]Work resumption on {view.Date:yyyy-MM-dd}[/] by {view.By}" +
                                   (view.Division is null ? "" : $" in {Markup.Escape(service.NameOf(view.Division))}") + (view.Industry is null ? "" : $", {view.Industry}") +
                                   $" (baseline {view.Baseline.From:yyyy-MM-dd}..{view.Baseline.To:yyyy-MM-dd}, resumed at {view.Threshold:P0} of it)");
            var table = new Table().AddColumns("key", "name", "enterprises", "resumed", "resumption rate", "production rate", "index", "by 3 industries", "no reading", "no baseline");
            foreach (var r in view.Rows.Append(view.Total))
            {
                var total = ReferenceEquals(r, view.Total);
                if (total)
                {
                    table.AddEmptyRow();
                }
                table.AddRow(Markup.Escape(total ? "total" : r.Key), Markup.Escape(r.Name), N(r.Enterprises), N(r.Resumed), Pct(r.ResumptionRate), Pct(r.ProductionRate),
                    Pct(r.Index), Pct(r.StructuredIndex), N(r.NoReading), N(r.NoBaseline));
            }
            AnsiConsole.Write(table);
            if (view.Total.NoBaseline > 0)
            {
                Console.WriteLine($"{view.Total.NoBaseline:N0} enterprise(s) have no baseline and are not in the rates: see `citybrain resumption no-baseline`.");
            }
            return 0;
        });

        var trend = new Command("trend", "The index of a division or industry for every day of a range");
        var from = Text("--from", "first day (default: the first with readings)");
        var to = Text("--to", "last day (default: the last with readings)");
        trend.Options.Add(from);
        trend.Options.Add(to);
        trend.SetAction((p, ct) => ReadAsync(p, service => service.TrendAsync(ResumptionService.ParseDate(p.GetValue(from), "from"), ResumptionService.ParseDate(p.GetValue(to), "to"),
                service.ParseDivision(p.GetValue(division)), ResumptionService.ParseSector(p.GetValue(industry)), service.Settings(p.GetValue(baseline), p.GetValue(threshold)), ct), view =>
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(view.Name)}[/] {view.From:yyyy-MM-dd}..{view.To:yyyy-MM-dd}");
            var table = new Table().AddColumns("date", "enterprises", "resumed", "resumption rate", "production rate", "index", "by 3 industries");
            foreach (var d in view.Days)
            {
                table.AddRow(d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), N(d.Enterprises), N(d.Resumed), Pct(d.ResumptionRate), Pct(d.ProductionRate), Pct(d.Index), Pct(d.StructuredIndex));
            }
            AnsiConsole.Write(table);
        }));
        cmd.Subcommands.Add(trend);

        var bands = new Command("bands", "The five-colour resumption map: each county's index and band on a day");
        var bandsDate = Text("--date", "the day (default: the last with readings)");
        bands.Options.Add(bandsDate);
        bands.SetAction((p, ct) => ReadAsync(p, service => service.BandsAsync(ResumptionService.ParseDate(p.GetValue(bandsDate), "date"), service.ParseDivision(p.GetValue(division)),
                service.Settings(p.GetValue(baseline), p.GetValue(threshold)), ct), view =>
        {
            AnsiConsole.MarkupLine($"[bold]Resumption map on {view.Date:yyyy-MM-dd}[/]: " +
                                   string.Join(", ", view.Legend.Select(l => $"{l.Band} {(l.From is { } f ? $"≥ {f:P0}" : "")}{(l.From is not null && l.Below is not null ? " and " : "")}{(l.Below is { } b ? $"< {b:P0}" : "")}")));
            var table = new Table().AddColumns("county", "name", "band", "index", "enterprises");
            foreach (var c in view.Counties)
            {
                table.AddRow(c.Key, Markup.Escape(c.Name), c.Band is { } band ? $"[{BandStyle(band)}]{band}[/]" : "—", Pct(c.Index), N(c.Enterprises));
            }
            AnsiConsole.Write(table);
        }));
        cmd.Subcommands.Add(bands);

        var below = new Command("below", "Large (above-size) enterprises below the threshold on a day, biggest first: the ones to call");
        var belowDate = Text("--date", "the day (default: the last with readings)");
        var limit = Text("--limit", "at most this many (default 100)");
        below.Options.Add(belowDate);
        below.Options.Add(limit);
        below.SetAction((p, ct) => ReadAsync(p, service => service.BelowThresholdAsync(ResumptionService.ParseDate(p.GetValue(belowDate), "date"), service.ParseDivision(p.GetValue(division)),
                ResumptionService.ParseSector(p.GetValue(industry)), ParseLimit(p.GetValue(limit)), service.Settings(p.GetValue(baseline), p.GetValue(threshold)), ct), view =>
        {
            AnsiConsole.MarkupLine($"[bold]{view.Total:N0} large enterprise(s) below {view.Threshold:P0} of their baseline on {view.Date:yyyy-MM-dd}[/]");
            var table = new Table().AddColumns("enterprise", "name", "industry", "county", "baseline kWh/day", "kWh that day", "share");
            foreach (var e in view.Enterprises)
            {
                table.AddRow(Markup.Escape(e.EnterpriseId), Markup.Escape(e.Name), e.Industry, Markup.Escape(e.County), e.BaselineKwh.ToString("N1", CultureInfo.InvariantCulture),
                    e.Kwh is { } k ? k.ToString("N1", CultureInfo.InvariantCulture) : "no reading", e.Ratio.ToString("P0", CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
        }));
        cmd.Subcommands.Add(below);

        var none = new Command("no-baseline", "Enterprises without a baseline (not in the rates), and why");
        var noneLimit = Text("--limit", "at most this many (default 100)");
        none.Options.Add(noneLimit);
        none.SetAction((p, ct) => ReadAsync(p, service => service.NoBaselineAsync(service.ParseDivision(p.GetValue(division)), ResumptionService.ParseSector(p.GetValue(industry)),
                ParseLimit(p.GetValue(noneLimit)), service.Settings(p.GetValue(baseline)), ct), view =>
        {
            AnsiConsole.MarkupLine($"[bold]{view.Total:N0} enterprise(s) without a baseline in {view.Baseline.From:yyyy-MM-dd}..{view.Baseline.To:yyyy-MM-dd}[/]");
            var table = new Table().AddColumns("enterprise", "name", "industry", "division", "scale", "reason");
            foreach (var e in view.Enterprises)
            {
                table.AddRow(Markup.Escape(e.EnterpriseId), Markup.Escape(e.Name), e.Industry, e.DivisionCode, e.Scale, Markup.Escape(e.Reason));
            }
            AnsiConsole.Write(table);
        }));
        cmd.Subcommands.Add(none);
        return cmd;
    }

    private static int ParseLimit(string? text) =>
        string.IsNullOrWhiteSpace(text) ? 100
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1_000_000 ? n
        : throw new InputException("limit", "must be a whole number of at least 1");

    private static string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Pct(double? x) => x is { } v ? v.ToString("P2", CultureInfo.InvariantCulture) : "—";

    private static string BandStyle(string band) => band switch
    {
        "red" => "red",
        "orange" => "darkorange",
        "yellow" => "yellow",
        "blue" => "blue",
        _ => "green",
    };
}
