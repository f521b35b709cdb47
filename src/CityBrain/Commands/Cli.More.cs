using System.CommandLine;
using System.Text.Json.Nodes;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.HealthCodes.CertLogic;
using CityBrain.Features.Admin;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Spectre.Console;

namespace CityBrain.Commands;

public static partial class Cli
{
    private static Command ImportCommand()
    {
        var import = new Command("import", "Import CSV files; every rejected row is reported with its line number and the good rows are kept");
        foreach (var (kind, description) in new[]
                 {
                     ("persons", "persons.csv: resident_id,name,phone,division_code"),
                     ("lists", "lists.csv: resident_id,list,since[,released] (list: confirmed, suspected, close_contact, secondary_contact, inbound_quarantine, or released)"),
                     ("declarations", "declarations.csv: resident_id,time,temperature,symptoms,travel,contact_with_case[,kind]"),
                     ("venues", "venues.csv: venue_id,name,type,division_code,lat,lon,capacity[,yellow_policy,dwell_minutes]"),
                     ("checkins", "checkins.csv: resident_id,venue_id,time,direction (time ISO 8601 with offset; direction in or out, default in)"),
                     ("police-areas", "police_areas.csv: division_code,station (the police station serving a division; the longest prefix wins)"),
                 })
        {
            var cmd = new Command(kind, description);
            var file = new Argument<FileInfo>("FILE") { Description = "a CSV file with a header row" };
            cmd.Arguments.Add(file);
            cmd.SetAction(async (p, ct) =>
            {
                var path = p.GetValue(file)!;
                if (!path.Exists)
                {
                    throw new InputException("FILE", $"{path.FullName} does not exist");
                }
                var (app, service) = Start(p);
                using var _ = app;
                using var reader = new StreamReader(path.FullName, System.Text.Encoding.UTF8, true, 1 << 20);
                var report = kind switch
                {
                    "persons" => await service.ImportPersonsAsync(reader, Actor.Cli, ct),
                    "lists" => await service.ImportListsAsync(reader, Actor.Cli, "file:" + path.Name, ct),
                    "venues" => await new Features.Venues.VenueAdmin(app, new Features.Venues.VenueRegistry(app)).ImportVenuesAsync(reader, Actor.Cli, ct),
                    "checkins" => await new Features.Venues.VenueAdmin(app, new Features.Venues.VenueRegistry(app)).ImportCheckinsAsync(reader, Actor.Cli, ct),
                    "police-areas" => await TracingFor(app, service, Domain.Tracing.CoPresenceIndex.Empty).ImportPoliceAreasAsync(reader, Actor.Cli, ct),
                    _ => await service.ImportDeclarationsAsync(reader, Actor.Cli, ct),
                };
                PrintImport(report, p.GetValue(JsonOption));
                return report.Rejected.Count > 0 && report.Accepted == 0 && report.Rows > 0 ? 1 : 0;
            });
            import.Subcommands.Add(cmd);
        }
        return import;
    }

    internal static void PrintImport(ImportReport report, bool json)
    {
        if (json)
        {
            WriteJson(report);
            return;
        }
        Console.WriteLine($"{report.Kind}: {report.Rows:N0} rows, {report.Accepted:N0} accepted, {report.Rejected.Count:N0} rejected, {report.CodesChanged:N0} codes changed ({report.Seconds:F1} s)");
        if (report.Rejected.Count > 0)
        {
            var table = new Table().AddColumns("line", "field", "reason");
            foreach (var e in report.Rejected)
            {
                table.AddRow(e.Line.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(e.Field), Markup.Escape(e.Reason));
            }
            AnsiConsole.Write(table);
        }
    }

    private static Command RulesCommand()
    {
        var rules = new Command("rules", "Colour rules");
        var check = new Command("check", "Run a CertLogic test-suite file through the evaluator (or validate a rule-set file)");
        var file = new Argument<FileInfo>("FILE") { Description = "a CertLogic test-suite JSON file, or a CityBrain rule set" };
        check.Arguments.Add(file);
        check.SetAction(p =>
        {
            var path = p.GetValue(file)!;
            if (!path.Exists)
            {
                throw new InputException("FILE", $"{path.FullName} does not exist");
            }
            JsonNode? doc;
            try
            {
                doc = JsonNode.Parse(File.ReadAllText(path.FullName));
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new InputException("FILE", $"not valid JSON: {e.Message}");
            }
            if (doc is JsonObject o && o.ContainsKey("rules"))
            {
                return CheckRuleSet(File.ReadAllText(path.FullName), p.GetValue(JsonOption));
            }
            if (doc is not JsonObject suite || !suite.ContainsKey("cases"))
            {
                throw new InputException("FILE", "neither a CertLogic test suite (with \"cases\") nor a rule set (with \"rules\")");
            }
            IReadOnlyList<CertLogicTestSuite.AssertionResult> results;
            try
            {
                results = CertLogicTestSuite.Run(suite);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or System.Text.Json.JsonException or NullReferenceException)
            {
                throw new InputException("FILE", $"not a valid CertLogic test suite: {e.Message}");
            }
            var passed = results.Count(r => r.Passed);
            var failed = results.Count - passed;
            if (p.GetValue(JsonOption))
            {
                WriteJson(new { suite = suite["name"]?.ToString(), passed, failed, assertions = results });
            }
            else
            {
                foreach (var r in results)
                {
                    var mark = r.Passed ? "PASS" : "FAIL";
                    Console.WriteLine($"{mark}  {r.CaseName}: {r.Message}" + (r.Passed ? "" : $" (expected {r.Expected}, got {r.Actual}{(r.Error is null ? "" : ", error: " + r.Error)})"));
                }
            }
            if (!p.GetValue(JsonOption))
            {
                Console.WriteLine($"{passed} passed, {failed} failed");
            }
            return failed > 0 ? 1 : 0;
        });
        rules.Subcommands.Add(check);
        return rules;
    }

    private static int CheckRuleSet(string json, bool asJson)
    {
        try
        {
            var set = RuleSet.Parse(json);
            if (asJson)
            {
                WriteJson(new { valid = true, name = set.Name, fingerprint = set.Fingerprint, rules = set.Rules.Select(r => new { r.Id, colour = r.Colour.Name(), r.Reason }) });
            }
            else
            {
                Console.WriteLine($"rule set '{set.Name}' is valid ({set.Rules.Count} rules, fingerprint {set.Fingerprint}):");
                foreach (var r in set.Rules)
                {
                    Console.WriteLine($"  {r.Colour.Name(),-6} {r.Id}: {r.Reason}");
                }
            }
            return 0;
        }
        catch (RuleSetException e)
        {
            if (asJson)
            {
                WriteJson(new { valid = false, errors = e.Errors });
            }
            foreach (var err in e.Errors)
            {
                Console.Error.WriteLine($"error: {err}");
            }
            return 2;
        }
    }

    private static Command UsersCommand()
    {
        var users = new Command("users", "Staff accounts");
        var add = new Command("add", "Add a staff account");
        var name = new Argument<string>("USERNAME");
        var role = new Option<string>("--role") { Description = "checkpoint, health_official or administrator", Required = true };
        var password = new Option<string?>("--password") { Description = "the password (default: read from env CITYBRAIN_PASSWORD)" };
        add.Arguments.Add(name);
        add.Options.Add(role);
        add.Options.Add(password);
        add.SetAction(async (p, ct) =>
        {
            var (app, _) = Start(p);
            using var __ = app;
            var user = await StaffAccounts.AddAsync(app, Actor.Cli, p.GetValue(name), p.GetValue(password) ?? Environment.GetEnvironmentVariable("CITYBRAIN_PASSWORD"), p.GetValue(role), ct);
            if (p.GetValue(JsonOption))
            {
                WriteJson(user);
            }
            else
            {
                Console.WriteLine($"added {user.Username} as {user.Role}");
            }
            return 0;
        });
        users.Subcommands.Add(add);
        return users;
    }

    private static Command KeysCommand()
    {
        var keys = new Command("keys", "Keys that protect personal data and sign QR tokens");
        var rotate = new Command("rotate", "Add a new token signing key; older keys still verify codes already issued");
        rotate.SetAction(p =>
        {
            var (app, _) = Start(p);
            var file = app.Options.KeysFile ?? (app.Db.SqlitePath is { } s ? s + ".keys.json" : "citybrain.keys.json");
            app.Dispose();
            KeyRing.Rotate(file);
            Console.WriteLine($"new signing key added to {file}; restart the servers to sign with it");
            return 0;
        });
        keys.Subcommands.Add(rotate);
        return keys;
    }
}
