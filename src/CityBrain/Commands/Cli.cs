using System.CommandLine;
using System.Text.Json;
using CityBrain.Domain.HealthCodes;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace CityBrain.Commands;

/// <summary>
/// The citybrain command line. Every command takes --db (env CITYBRAIN_DB) and --json; exit code 0 ok,
/// 1 failure, 2 bad usage or bad input. Commands call the same handlers as the HTTP endpoints.
/// </summary>
public static partial class Cli
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    internal static readonly Option<string> DbOption = new("--db")
    {
        Description = "sqlite:PATH or postgres:CONNECTION-STRING (env CITYBRAIN_DB; default sqlite:citybrain.db)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CITYBRAIN_DB") is { Length: > 0 } v ? v : "sqlite:citybrain.db",
    };

    internal static readonly Option<bool> JsonOption = new("--json") { Description = "machine-readable output", Recursive = true };

    internal static readonly Option<string?> KeysOption = new("--keys")
    {
        Description = "key file (default: next to the SQLite file, or citybrain.keys.json; env CITYBRAIN_KEYS)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CITYBRAIN_KEYS") is { Length: > 0 } v ? v : null,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("CityBrain: health codes and emergency operations for a city");
        root.Options.Add(DbOption);
        root.Options.Add(JsonOption);
        root.Options.Add(KeysOption);
        root.Subcommands.Add(DbCommand());
        root.Subcommands.Add(ServeCommand("serve", "Run the web server (API, pages, background jobs)", demo: false));
        root.Subcommands.Add(ServeCommand("demo", "Load a realistic demo city into an embedded database and serve it on http://127.0.0.1:5080", demo: true));
        var import = ImportCommand();
        root.Subcommands.Add(import);
        AddResumptionImports(import);
        AddRiskMapCommands(root, import);
        root.Subcommands.Add(CodeCommand());
        root.Subcommands.Add(RecomputeCommand());
        root.Subcommands.Add(RulesCommand());
        root.Subcommands.Add(UsersCommand());
        root.Subcommands.Add(KeysCommand());
        root.Subcommands.Add(ResumptionCommand());

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                Console.Error.WriteLine($"error: {e.Message}");
            }
            Console.Error.WriteLine("Run 'citybrain --help' for usage.");
            return 2;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"error: {e.Field}: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is FormatException or FileNotFoundException or DirectoryNotFoundException or RuleSetException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is InvalidOperationException or NotFoundException or ConflictException or InvalidDataException
                                      or System.Data.Common.DbException or OptionsValidationFailure)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    internal sealed class OptionsValidationFailure(string message) : Exception(message);

    internal static CityBrainOptions OptionsFrom(ParseResult p, string? dbOverride = null)
    {
        var o = new CityBrainOptions
        {
            Db = dbOverride ?? p.GetValue(DbOption)!,
            KeysFile = p.GetValue(KeysOption),
            RulesFile = Environment.GetEnvironmentVariable("CITYBRAIN_RULES") is { Length: > 0 } r ? r : null,
        };
        var errors = o.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(o)).Select(v => v.ErrorMessage).ToList();
        if (errors.Count > 0)
        {
            throw new OptionsValidationFailure(string.Join("; ", errors));
        }
        return o;
    }

    internal static (CityBrainApp App, HealthCodeService Service) Start(ParseResult p)
    {
        var app = CityBrainApp.Start(OptionsFrom(p));
        return (app, new HealthCodeService(app, NullLogger<HealthCodeService>.Instance));
    }

    internal static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    private static Command DbCommand()
    {
        var db = new Command("db", "Database administration");
        var migrate = new Command("migrate", "Apply the schema migrations that are missing");
        migrate.SetAction(p =>
        {
            using var database = Data.Infrastructure.Database.Open(p.GetValue(DbOption)!);
            var applied = Data.Infrastructure.Migrator.Apply(database);
            using var c = database.Open();
            var version = Data.Infrastructure.Migrator.CurrentVersion(c);
            if (p.GetValue(JsonOption))
            {
                WriteJson(new { database = database.Display, applied = applied.Select(m => m.Name), version });
            }
            else
            {
                Console.WriteLine(applied.Count == 0
                    ? $"{database.Display}: up to date (version {version})"
                    : $"{database.Display}: applied {string.Join(", ", applied.Select(m => m.Name))} (now version {version})");
            }
            return 0;
        });
        db.Subcommands.Add(migrate);
        return db;
    }

    private static Command ServeCommand(string name, string description, bool demo)
    {
        var cmd = new Command(name, description);
        var urls = new Option<string>("--urls") { Description = "where to listen", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        cmd.Options.Add(urls);
        Option<int>? residents = null;
        if (demo)
        {
            residents = new Option<int>("--residents") { Description = "how many synthetic residents", DefaultValueFactory = _ => 5000 };
            cmd.Options.Add(residents);
        }
        cmd.SetAction(async (p, ct) =>
        {
            var db = p.GetValue(DbOption)!;
            if (demo && p.GetResult(DbOption) is null or { Implicit: true } && Environment.GetEnvironmentVariable("CITYBRAIN_DB") is null or "")
            {
                db = "sqlite:citybrain-demo.db";
            }
            var options = OptionsFrom(p, db);
            var settings = new Dictionary<string, string?>
            {
                ["CityBrain:Db"] = options.Db,
                ["CityBrain:KeysFile"] = options.KeysFile,
                ["CityBrain:RulesFile"] = options.RulesFile,
                ["urls"] = p.GetValue(urls),
            };
            var web = WebServer.Build([], settings);
            if (demo)
            {
                var service = web.Services.GetRequiredService<HealthCodeService>();
                await DemoCity.SeedAsync(service, p.GetValue(residents!), Console.Out, ct);
            }
            await web.StartAsync(ct);
            var address = web.Urls.FirstOrDefault() ?? p.GetValue(urls);
            Console.WriteLine($"CityBrain is serving {options.Db.Split(':')[0]} on {address}");
            if (demo)
            {
                DemoCity.PrintWelcome(address!, Console.Out);
            }
            await web.WaitForShutdownAsync(ct);
            return 0;
        });
        return cmd;
    }

    private static Command CodeCommand()
    {
        var code = new Command("code", "Health codes");
        var show = new Command("show", "Show a resident's code");
        var id = new Argument<string>("RESIDENT_ID") { Description = "18-character resident ID number" };
        show.Arguments.Add(id);
        show.SetAction(async (p, ct) =>
        {
            var (app, service) = Start(p);
            using var appScope = app;
            var idNumber = p.GetValue(id)!.Trim().ToUpperInvariant();
            if (!Domain.Identity.ResidentIdNumber.TryParse(idNumber, DateOnly.MaxValue, null, out _, out var error))
            {
                throw new InputException("RESIDENT_ID", error);
            }
            var key = await service.FindResidentAsync(idNumber, ct);
            if (key is null)
            {
                Console.Error.WriteLine($"error: no resident with ID number {idNumber[..6]}…");
                return 1;
            }
            var view = (await service.GetCodeAsync(key.Value, ct))!;
            await using (var c = await app.Db.OpenAsync(ct))
            {
                service.Audit(c, null, Actor.Cli, "code.show", key, "citybrain code show");
            }
            if (p.GetValue(JsonOption))
            {
                WriteJson(new { resident_id = idNumber, colour = view.Colour, reasons = view.Reasons, next_change = view.NextChange });
            }
            else
            {
                var colour = view.Colour switch { "red" => "red", "yellow" => "yellow", _ => "green" };
                AnsiConsole.MarkupLine($"[bold {colour}]{view.Colour.ToUpperInvariant()}[/]  {Markup.Escape(idNumber[..6])}********{Markup.Escape(idNumber[14..])}");
                foreach (var r in view.Reasons)
                {
                    AnsiConsole.MarkupLine($"  • {Markup.Escape(r)}");
                }
                AnsiConsole.MarkupLine(view.NextChange is { } n ? $"  can next change: {app.Calendar.ToLocal(n):yyyy-MM-dd HH:mm zzz}" : "  no change expected by itself");
            }
            return 0;
        });
        code.Subcommands.Add(show);
        return code;
    }

    private static Command RecomputeCommand()
    {
        var cmd = new Command("recompute", "Recompute every code (what the nightly job does)");
        var at = new Option<string?>("--at") { Description = "as of this ISO 8601 time (default now)" };
        cmd.Options.Add(at);
        cmd.SetAction(async (p, ct) =>
        {
            var (app, service) = Start(p);
            using var _ = app;
            var when = p.GetValue(at) is { } text ? HealthCodeService.ParseTime(text, app.Calendar) : app.Now;
            RecomputeReport report;
            if (p.GetValue(JsonOption) || Console.IsOutputRedirected)
            {
                report = await service.RecomputeAllAsync(when, ct: ct);
            }
            else
            {
                report = await AnsiConsole.Progress().StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("recomputing codes");
                    long total;
                    await using (var c = await app.Db.OpenAsync(ct))
                    {
                        total = Data.HealthCodes.HealthStateStore.Bounds(c).Count;
                    }
                    task.MaxValue = Math.Max(1, total);
                    return await service.RecomputeAllAsync(when, progress: new Progress<long>(n => task.Value = n), ct: ct);
                });
            }
            if (p.GetValue(JsonOption))
            {
                WriteJson(report);
            }
            else
            {
                Console.WriteLine($"{report.Residents:N0} codes recomputed in {report.Seconds:F1} s on {report.Database}: {report.Changed:N0} changed ({report.ColourChanges:N0} colours). " +
                                  $"Now green {report.Counts.GetValueOrDefault("green"):N0}, yellow {report.Counts.GetValueOrDefault("yellow"):N0}, red {report.Counts.GetValueOrDefault("red"):N0}.");
            }
            return 0;
        });
        return cmd;
    }
}
