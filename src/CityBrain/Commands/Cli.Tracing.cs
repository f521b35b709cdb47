using System.CommandLine;
using System.Globalization;
using CityBrain.Data.Tracing;
using CityBrain.Domain.Tracing;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.Tracing;
using CityBrain.Features.Venues;
using CityBrain.Infrastructure;
using Spectre.Console;

namespace CityBrain.Commands;

public static partial class Cli
{
    internal static TracingService TracingFor(CityBrainApp app, HealthCodeService service, CoPresenceIndex index) =>
        new(app, service, new VenueRegistry(app), () => index) { RetainedOnly = false, MaxContacts = app.Options.TraceMaxContacts };

    /// <summary>2020-01-01T00:00Z: the tracing index holds nothing earlier.</summary>
    private const long TracingEpochSeconds = 1_577_836_800;

    private static Command TraceCommand()
    {
        var cmd = new Command("trace", "Trace a case's contacts: everyone at the same venue within the window (first degree), and their contacts (second degree)");
        var id = new Argument<string>("RESIDENT_ID") { Description = "the case's 18-character ID number" };
        var window = new Option<string>("--window") { Description = "how close in time counts as contact: 15m (default), 1h, or minutes", DefaultValueFactory = _ => "15m" };
        var days = new Option<int>("--days") { Description = "how many days back from --at (default 14)", DefaultValueFactory = _ => 14 };
        var degree = new Option<int>("--degree") { Description = "1: close contacts; 2: also their contacts", DefaultValueFactory = _ => 1 };
        var at = new Option<string?>("--at") { Description = "the end of the traced period, ISO 8601 (default now)" };
        var why = new Option<string>("--why") { Description = "the case number or purpose (goes into the audit log)", DefaultValueFactory = _ => "citybrain trace (command line)" };
        cmd.Arguments.Add(id);
        cmd.Options.Add(window);
        cmd.Options.Add(days);
        cmd.Options.Add(degree);
        cmd.Options.Add(at);
        cmd.Options.Add(why);
        cmd.SetAction(async (p, ct) =>
        {
            var minutes = ParseWindow(p.GetValue(window)!);
            var (app, service) = Start(p);
            using var appScope = app;
            var end = p.GetValue(at) is { Length: > 0 } text ? HealthCodeService.ParseTime(text, app.Calendar) : app.Now;
            var d = p.GetValue(days);
            // What the database still holds for the period, from four weeks before it (a stay that began earlier and
            // ended inside it still counts) to now (a stay that began in it and ended after it).
            var from = Math.Min(app.Now.AddDays(-app.Options.CheckinRetentionDays).ToUnixTimeSeconds(), end.AddDays(-Math.Clamp(d, 1, TracingService.MaxDays) - 28).ToUnixTimeSeconds());
            from = Math.Max(from, TracingEpochSeconds);
            var to = long.MaxValue;
            var builder = new CoPresenceIndex.Builder();
            using (var c = app.Db.Open())
            {
                CheckinFeed.Read(app.Db, c, from, to, (long _, in Checkin row) => builder.Add(row));
            }
            var tracing = TracingFor(app, service, builder.Build());
            var view = await tracing.TraceAsync(Actor.Cli, new TraceRequest(p.GetValue(id), minutes, d, p.GetValue(degree), end, p.GetValue(why)), save: false, ct);
            if (p.GetValue(JsonOption))
            {
                WriteJson(new
                {
                    @case = view.Case,
                    window_minutes = view.WindowMinutes,
                    days = view.Days,
                    at = view.At,
                    contacts = view.Contacts.Select(k => new
                    {
                        resident_id = k.ResidentId, degree = k.Degree, first_exposure = k.FirstExposure, venue_id = k.VenueId,
                        overlap_seconds = k.OverlapSeconds, exposures = k.Exposures, via = k.Via,
                    }),
                });
                return 0;
            }
            AnsiConsole.MarkupLine($"Trace of {Markup.Escape(view.Case[..6])}******** to {view.At:yyyy-MM-dd HH:mm zzz}: window {view.WindowMinutes} min, {view.Days} days, degree {view.Degree}");
            AnsiConsole.MarkupLine($"{view.FirstDegree} close contacts (密接), {view.SecondDegree} secondary contacts (次密接), traced in {view.Millis:F1} ms");
            var table = new Table().AddColumns("degree", "resident", "name", "first exposure", "venue", "exposures", "overlap");
            foreach (var k in view.Contacts)
            {
                table.AddRow(k.Degree.ToString(CultureInfo.InvariantCulture), Markup.Escape(k.ResidentId), Markup.Escape(k.NameMasked), $"{k.FirstExposure:MM-dd HH:mm}",
                    Markup.Escape($"{k.VenueId} {k.VenueName}"), k.Exposures.ToString(CultureInfo.InvariantCulture), $"{k.OverlapSeconds / 60} min");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }

    /// <summary>15m, 1h, 90 (minutes).</summary>
    internal static int ParseWindow(string text)
    {
        text = text.Trim().ToLowerInvariant();
        var (number, factor) = text.EndsWith('h') ? (text[..^1], 60) : text.EndsWith('m') ? (text[..^1], 1) : (text, 1);
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || (long)n * factor > TracingService.MaxWindowMinutes)
        {
            throw new InputException("--window", $"'{text}' is not a window: write minutes or hours, e.g. 15m or 1h (at most 24h)");
        }
        return n * factor;
    }
}
