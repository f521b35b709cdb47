using System.Globalization;
using CityBrain.Data.Audit;
using CityBrain.Data.Identity;
using CityBrain.Data.Tracing;
using CityBrain.Data.Venues;
using CityBrain.Domain.Common;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using CityBrain.Domain.Venues;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;

namespace CityBrain.Features.Venues;

public sealed record VenueInput(string? VenueId, string? Name, string? Type, string? DivisionCode, double? Lat, double? Lon, int? Capacity, string? YellowPolicy, int? DwellMinutes);

public sealed record VenueView(string VenueId, string Name, string Type, string TypeZh, string DivisionCode, double Lat, double Lon, int Capacity, string YellowPolicy, int DwellMinutes);

/// <summary>Venues: registration, CSV import, posters; and the bulk import of check-ins.</summary>
public sealed class VenueAdmin(CityBrainApp app, VenueRegistry registry)
{
    public static VenueView View(Venue v) => new(v.Id, v.Name, v.Type.Name(), v.Type.ChineseName(), v.DivisionCode, v.Latitude, v.Longitude, v.Capacity,
        v.Yellow == YellowPolicy.Admit ? "admit" : "deny", (int)v.Dwell.TotalMinutes);

    public Venue Validate(VenueInput input, int key = 0)
    {
        var id = input.VenueId?.Trim();
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.'))
        {
            throw new InputException("venue_id", "venue_id is required: letters, digits, - _ . only, at most 64");
        }
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            throw new InputException("name", "name is required, at most 100 characters");
        }
        if (!VenueTypes.TryParse(input.Type, out var type))
        {
            throw new InputException("type", $"type must be one of {string.Join(", ", VenueTypes.Names)}");
        }
        var division = input.DivisionCode?.Trim();
        if (!DivisionCode.IsWellFormed(division) || division!.Length < 6 || !app.Divisions.Contains(division))
        {
            throw new InputException("division_code", $"'{division}' is not a known county, township or village code");
        }
        if (input.Lat is not { } lat || lat is < 3 or > 54 || input.Lon is not { } lon || lon is < 73 or > 136)
        {
            throw new InputException(input.Lat is null or < 3 or > 54 ? "lat" : "lon", "coordinates must be a point in China (lat 3..54, lon 73..136)");
        }
        if (input.Capacity is not { } capacity || capacity < 0)
        {
            throw new InputException("capacity", "capacity is required: 0 for no limit, or the most people allowed inside");
        }
        var yellow = input.YellowPolicy?.Trim().ToLowerInvariant() switch
        {
            null or "" or "deny" => YellowPolicy.Deny,
            "admit" => YellowPolicy.Admit,
            _ => throw new InputException("yellow_policy", "yellow_policy must be admit or deny"),
        };
        var dwell = input.DwellMinutes is { } m
            ? (m is > 0 and <= 24 * 60 ? TimeSpan.FromMinutes(m) : throw new InputException("dwell_minutes", "dwell_minutes must be 1 to 1440"))
            : type.DefaultDwell();
        return new Venue(key, id, name, type, division, lat, lon, capacity, yellow, dwell);
    }

    public async Task<VenueView> UpsertAsync(Actor actor, VenueInput input, CancellationToken ct = default)
    {
        var v = Validate(input);
        await using var c = await app.Db.OpenAsync(ct);
        var key = VenueStore.Upsert(c, null, v, app.Now.ToUnixTimeSeconds());
        v = v with { Key = key };
        registry.Put(v);
        AuditLog.Write(c, null, app.Now.ToUnixTimeSeconds(), actor.Name, actor.Role, "venue.upsert", null, v.Id);
        return View(v);
    }

    /// <summary>venues.csv: venue_id,name,type,division_code,lat,lon,capacity[,yellow_policy,dwell_minutes].</summary>
    public async Task<ImportReport> ImportVenuesAsync(TextReader reader, Actor actor, CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var errors = new List<RowError>();
        var good = new List<Venue>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rows = 0;
        Dictionary<string, int>? h = null;
        foreach (var rec in Csv.Read(reader))
        {
            if (h is null)
            {
                h = Csv.Header(rec.Fields, ["venue_id", "name", "type", "division_code", "lat", "lon", "capacity"], out var error);
                if (error is not null)
                {
                    throw new InputException("header", error);
                }
                continue;
            }
            if (rec.Fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }
            rows++;
            try
            {
                var v = Validate(new VenueInput(rec.Field(h, "venue_id"), rec.Field(h, "name"), rec.Field(h, "type"), rec.Field(h, "division_code"),
                    Number(rec.Field(h, "lat"), "lat"), Number(rec.Field(h, "lon"), "lon"), (int?)Number(rec.Field(h, "capacity"), "capacity", whole: true),
                    rec.Field(h, "yellow_policy"), (int?)Number(rec.Field(h, "dwell_minutes"), "dwell_minutes", whole: true, optional: true)));
                if (!seen.Add(v.Id))
                {
                    errors.Add(new RowError(rec.Line, "venue_id", "duplicate of an earlier row in this file"));
                    continue;
                }
                good.Add(v);
            }
            catch (InputException e)
            {
                errors.Add(new RowError(rec.Line, e.Field, e.Message));
            }
        }
        await using var c = await app.Db.OpenAsync(ct);
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            var now = app.Now.ToUnixTimeSeconds();
            for (var i = 0; i < good.Count; i++)
            {
                good[i] = good[i] with { Key = VenueStore.Upsert(c, tx, good[i], now) };
            }
            AuditLog.Write(c, tx, now, actor.Name, actor.Role, "import.venues", null, $"{good.Count} venues");
            await tx.CommitAsync(ct);
        }
        foreach (var v in good)
        {
            registry.Put(v);
        }
        return new ImportReport("venues", rows, good.Count, 0, errors, sw.Elapsed.TotalSeconds);
    }

    private static double? Number(string text, string field, bool whole = false, bool optional = false)
    {
        if (text.Length == 0 && optional)
        {
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || (whole && d != Math.Floor(d)))
        {
            throw new InputException(field, $"'{text}' is not a {(whole ? "whole number" : "number")}");
        }
        return d;
    }

    /// <summary>Where the last check-in import of this instance spent its time (for the benchmark).</summary>
    public CheckinImportTimings? LastCheckinImport { get; private set; }

    /// <summary>checkins.csv: resident_id,venue_id,time,direction; see <see cref="CheckinImport"/>.</summary>
    public async Task<ImportReport> ImportCheckinsAsync(TextReader reader, Actor actor, CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var stored = 0;
        CheckinImport.Outcome outcome;
        try
        {
            outcome = await CheckinImport.RunAsync(app, registry, reader, n => Interlocked.Add(ref stored, n), ct);
        }
        finally
        {
            // Even a failed import may have committed batches: tell the readers that keep a copy (this process's
            // tracing index at once, other processes' through the generation mark).
            if (Volatile.Read(ref stored) > 0)
            {
                await using var c = await app.Db.OpenAsync(CancellationToken.None);
                CheckinFeed.BumpGeneration(c);
                app.RaiseCheckinsImported();
            }
        }
        await using (var c = await app.Db.OpenAsync(ct))
        {
            AuditLog.Write(c, null, app.Now.ToUnixTimeSeconds(), actor.Name, actor.Role, "import.checkins", null, $"{outcome.Stored} check-ins");
        }
        LastCheckinImport = outcome.Timings;
        return new ImportReport("checkins", outcome.Rows, outcome.Stored, 0, outcome.Rejected, sw.Elapsed.TotalSeconds);
    }

    /// <summary>Deletes check-ins older than the retention period (personal data) and logs the purge.</summary>
    public async Task<long> PurgeAsync(Actor actor, CancellationToken ct = default)
    {
        var before = app.Now.AddDays(-app.Options.CheckinRetentionDays).ToUnixTimeSeconds();
        await using var c = await app.Db.OpenAsync(ct);
        var n = CheckinStore.PurgeBefore(c, before);
        app.RaiseCheckinsPurged(before);
        AuditLog.Write(c, null, app.Now.ToUnixTimeSeconds(), actor.Name, actor.Role, "checkins.purge", null,
            $"{n} check-ins before {DateTimeOffset.FromUnixTimeSeconds(before):O} deleted (retention {app.Options.CheckinRetentionDays} days)");
        return n;
    }
}
