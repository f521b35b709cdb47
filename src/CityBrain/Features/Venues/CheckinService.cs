using System.Collections.Concurrent;
using CityBrain.Data.HealthCodes;
using CityBrain.Data.Identity;
using CityBrain.Data.Venues;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using CityBrain.Domain.Venues;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;

namespace CityBrain.Features.Venues;

/// <summary>The answer at the door.</summary>
public sealed record ScanResult(bool Valid, bool Pass, string? Colour, string? MaskedName, string Reason, string VenueId, string Direction,
    int Occupancy, int Capacity, long? CheckinId, DateTimeOffset At);

/// <summary>
/// Check-ins: a checkpoint scans a resident's token, a resident scans a venue's poster, a checkpoint checks in a
/// person by ID number, an offline checkpoint uploads what it recorded. Each applies the venue's policy to the colour
/// now, writes the check-in through the group-commit writer and answers only once it is committed.
/// </summary>
public sealed class CheckinService(CityBrainApp app, VenueRegistry venues, CheckinWriter writer, OccupancyTracker occupancy,
    HotSpotCounters counters, HealthCodeService codes, CheckpointLookup lookup)
{
    public CityBrainApp App => app;

    private Venue VenueOrThrow(string? venueId, string field = "venue_id") =>
        venues.Find(venueId) ?? throw new InputException(field, string.IsNullOrWhiteSpace(venueId) ? "venue_id is required" : $"no venue '{venueId}'");

    private static Direction ParseDirection(string? d) => d?.Trim().ToLowerInvariant() switch
    {
        null or "" or "in" => Direction.In,
        "out" => Direction.Out,
        _ => throw new InputException("direction", "direction must be in or out"),
    };

    /// <summary>A checkpoint scans a health-code token at a venue.</summary>
    public async Task<ScanResult> ScanAsync(Actor checkpoint, string? venueId, string? token, string? direction, CancellationToken ct = default)
    {
        var venue = VenueOrThrow(venueId);
        var dir = ParseDirection(direction);
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new InputException("token", "token is required");
        }
        var now = app.Now;
        var check = app.Keys.Recognizer.Recognize(token, now);
        if (!check.IsValid)
        {
            return new ScanResult(false, false, null, null, check.Reason, venue.Id, Name(dir), occupancy.Count(venue.Key, now.ToUnixTimeSeconds()), venue.Capacity, null, now);
        }
        return await AdmitAsync(check.Token.Subject, venue, dir, CheckinMethod.Token, checkpoint.Name, now, ct);
    }

    /// <summary>A checkpoint checks in a person without a smartphone by ID number: the same policy applies.</summary>
    public async Task<ScanResult> CheckinByIdNumberAsync(Actor checkpoint, string? venueId, string? idNumber, string? direction, CancellationToken ct = default)
    {
        var venue = VenueOrThrow(venueId);
        var dir = ParseDirection(direction);
        if (!ResidentIdNumber.TryParse(idNumber, DateOnly.MaxValue, null, out var id, out var error))
        {
            throw new InputException("id_number", error);
        }
        await using var c = await app.Db.OpenAsync(ct);
        var resident = ResidentStore.FindByIdNumber(c, null, id.Value, app.Keys.Protector)
            ?? throw new NotFoundException("no resident with this ID number: register the person first");
        return await AdmitAsync(resident, venue, dir, CheckinMethod.IdNumber, checkpoint.Name, app.Now, ct);
    }

    /// <summary>A resident scans the venue's poster (场所码) with their own page.</summary>
    public Task<ScanResult> ResidentCheckinAsync(long residentId, string? venueId, string? direction, CancellationToken ct = default) =>
        AdmitAsync(residentId, VenueOrThrow(venueId), ParseDirection(direction), CheckinMethod.VenueCode, null, app.Now, ct);

    private async Task<ScanResult> AdmitAsync(long residentId, Venue venue, Direction dir, CheckinMethod method, string? checkpoint, DateTimeOffset now, CancellationToken ct)
    {
        var at = now.ToUnixTimeSeconds();
        Colour colour;
        string masked;
        var code = lookup.Find(residentId);
        if (code is null)
        {
            return new ScanResult(false, false, null, null, "the resident of this code is not known", venue.Id, Name(dir), occupancy.Count(venue.Key, at), venue.Capacity, null, now);
        }
        (colour, masked, var next, var computedAt) = code.Value;
        if (next is { } n && n <= at && computedAt < n)
        {
            await using var c = await app.Db.OpenAsync(ct);
            colour = (await codes.FreshCodeAsync(c, residentId, ct))!.Colour; // a release or hand-set expiry is due
        }
        var decision = Entry.Decide(colour, venue, dir, 0);
        var inside = 0;
        if (decision.Pass && dir == Direction.In)
        {
            var (admitted, seen) = occupancy.TryEnter(venue.Key, residentId, at, at + (long)venue.Dwell.TotalSeconds, venue.Capacity);
            inside = seen;
            if (!admitted)
            {
                decision = new EntryDecision(false, $"full: {seen} of {venue.Capacity} inside");
            }
        }
        long id;
        try
        {
            id = await writer.WriteAsync(new CheckinRow(residentId, venue.Key, at, dir, decision.Pass, colour, method, null, checkpoint));
        }
        catch when (decision.Pass && dir == Direction.In)
        {
            occupancy.Record(venue.Key, residentId, Direction.Out, at, 0); // not stored, so not inside
            throw;
        }
        if (dir == Direction.Out)
        {
            occupancy.Record(venue.Key, residentId, Direction.Out, at, 0);
        }
        counters.Add(venue.Key, at, decision.Pass && dir == Direction.In);
        return new ScanResult(true, decision.Pass, colour.Name(), masked, decision.Reason, venue.Id, Name(dir),
            dir == Direction.In && decision.Pass ? inside : occupancy.Count(venue.Key, at), venue.Capacity, id, now);
    }

    private static string Name(Direction d) => d == Direction.In ? "in" : "out";

    // ---------- offline checkpoints ----------

    public sealed record UploadItem(string? ClientId, string? VenueId, string? Token, DateTimeOffset? Time, string? Direction, bool? Passed);

    public sealed record UploadOutcome(int Index, string? ClientId, string Status, string? Reason, long? CheckinId);

    public sealed record UploadReport(int Received, int Stored, int Duplicates, int Rejected, IReadOnlyList<UploadOutcome> Items);

    /// <summary>
    /// An offline checkpoint uploads what it recorded: each item names the token it verified offline, the time and its
    /// own client_id. The token is checked again (signature or tag, valid at that time); an item whose client_id was
    /// uploaded before is a duplicate and is not counted twice.
    /// </summary>
    public async Task<UploadReport> UploadAsync(Actor checkpoint, IReadOnlyList<UploadItem>? items, CancellationToken ct = default)
    {
        if (items is null || items.Count == 0)
        {
            throw new InputException("items", "items are required");
        }
        if (items.Count > 5000)
        {
            throw new InputException("items", "at most 5,000 items an upload");
        }
        var now = app.Now;
        var outcomes = new UploadOutcome?[items.Count];
        var rows = new List<CheckinRow>();
        var rowIndex = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            string? Reject(string reason)
            {
                outcomes[i] = new UploadOutcome(i, item.ClientId, "rejected", reason, null);
                return null;
            }
            if (string.IsNullOrWhiteSpace(item.ClientId) || item.ClientId.Length > 100)
            {
                Reject("client_id is required (at most 100 characters): it makes a repeated upload harmless");
                continue;
            }
            if (!seen.Add(item.ClientId))
            {
                outcomes[i] = new UploadOutcome(i, item.ClientId, "duplicate", "repeated in this upload", null);
                continue;
            }
            var venue = venues.Find(item.VenueId);
            if (venue is null)
            {
                Reject($"no venue '{item.VenueId}'");
                continue;
            }
            if (item.Time is not { } time || time > now.AddMinutes(5) || time < now.AddDays(-app.Options.CheckinRetentionDays))
            {
                Reject("time is required, not in the future and within the retention period");
                continue;
            }
            Direction dir;
            try
            {
                dir = ParseDirection(item.Direction);
            }
            catch (InputException e)
            {
                Reject(e.Message);
                continue;
            }
            // The token must have been valid when it was scanned.
            var check = app.Keys.Recognizer.Recognize(item.Token ?? "", time);
            if (!check.IsValid)
            {
                Reject("token: " + check.Reason);
                continue;
            }
            rows.Add(new CheckinRow(check.Token.Subject, venue.Key, time.ToUnixTimeSeconds(), dir, item.Passed ?? check.Token.Colour == Colour.Green,
                check.Token.Colour, CheckinMethod.Offline, item.ClientId, checkpoint.Name));
            rowIndex.Add(i);
        }
        var ids = rows.Count == 0 ? [] : await writer.WriteManyAsync(rows);
        for (var k = 0; k < rows.Count; k++)
        {
            var i = rowIndex[k];
            var row = rows[k];
            if (ids[k] == 0)
            {
                outcomes[i] = new UploadOutcome(i, items[i].ClientId, "duplicate", "uploaded before", null);
                continue;
            }
            outcomes[i] = new UploadOutcome(i, items[i].ClientId, "stored", null, ids[k]);
            var venue = venues.Find(row.VenueKey)!;
            if (row.Passed)
            {
                occupancy.Record(venue.Key, row.ResidentId, row.Direction, row.At, row.At + (long)venue.Dwell.TotalSeconds);
            }
            counters.Add(venue.Key, row.At, row.Passed && row.Direction == Direction.In);
        }
        var all = outcomes.Select(o => o!).ToList();
        return new UploadReport(items.Count, all.Count(o => o.Status == "stored"), all.Count(o => o.Status == "duplicate"), all.Count(o => o.Status == "rejected"), all);
    }

    // ---------- occupancy and hot spots ----------

    public sealed record OccupancyView(string VenueId, string Name, string Type, string DivisionCode, int Occupancy, int Capacity, bool Full, int CheckinsToday);

    public OccupancyView Occupancy(string? venueId)
    {
        var v = VenueOrThrow(venueId);
        var now = app.Now.ToUnixTimeSeconds();
        var n = occupancy.Count(v.Key, now);
        return new OccupancyView(v.Id, v.Name, v.Type.Name(), v.DivisionCode, n, v.Capacity, v.Capacity > 0 && n >= v.Capacity, counters.Today(v.Key, now));
    }

    public sealed record HotVenue(string VenueId, string Name, string Type, string DivisionCode, int Occupancy, int Capacity, int CheckinsToday, int[] ByHour);

    public sealed record HotArea(string DivisionCode, string? Name, int Occupancy, int CheckinsToday, int[] ByHour);

    public sealed record HotSpots(DateTimeOffset At, int VenuesWithPeople, int PeopleInside, IReadOnlyList<HotVenue> Venues, IReadOnlyList<HotArea> Areas);

    /// <summary>The busiest venues and county areas now, with today's check-ins by hour (热点区域人流量).</summary>
    public HotSpots HotSpotsNow(int limit)
    {
        limit = Math.Clamp(limit, 1, 500);
        var now = app.Now.ToUnixTimeSeconds();
        var live = occupancy.All(now).ToDictionary(x => x.Venue, x => x.Count);
        var today = counters.TodayByVenue(now);
        var keys = live.Keys.Union(today.Keys).ToList();
        var venueRows = keys.Select(k => (Venue: venues.Find(k), Live: live.GetValueOrDefault(k), Hours: today.GetValueOrDefault(k) ?? new int[24]))
            .Where(x => x.Venue is not null)
            .ToList();
        var top = venueRows.OrderByDescending(x => x.Live).ThenByDescending(x => x.Hours.Sum()).Take(limit)
            .Select(x => new HotVenue(x.Venue!.Id, x.Venue.Name, x.Venue.Type.Name(), x.Venue.DivisionCode, x.Live, x.Venue.Capacity, x.Hours.Sum(), x.Hours))
            .ToList();
        var areas = venueRows.GroupBy(x => DivisionCode.County(x.Venue!.DivisionCode) ?? x.Venue.DivisionCode)
            .Select(g => new HotArea(g.Key, app.Divisions.NameOf(g.Key), g.Sum(x => x.Live), g.Sum(x => x.Hours.Sum()),
                Enumerable.Range(0, 24).Select(h => g.Sum(x => x.Hours[h])).ToArray()))
            .OrderByDescending(a => a.Occupancy).ThenByDescending(a => a.CheckinsToday).Take(limit).ToList();
        return new HotSpots(app.Now, live.Count, live.Values.Sum(), top, areas);
    }

    /// <summary>At start-up: who is inside (stays of the last day) and today's counts, from the stored check-ins.</summary>
    public int Rebuild()
    {
        var now = app.Now;
        var since = Math.Min(now.AddDays(-1).ToUnixTimeSeconds(), app.Calendar.StartOf(app.Calendar.DateOf(now)).ToUnixTimeSeconds());
        using var c = app.Db.Open();
        var n = 0;
        foreach (var row in CheckinStore.Since(c, since))
        {
            n++;
            if (venues.Find(row.VenueKey) is not { } v)
            {
                continue;
            }
            if (row.Passed || row.Direction == Direction.Out)
            {
                occupancy.Record(v.Key, row.ResidentId, row.Direction, row.At, row.At + (long)v.Dwell.TotalSeconds);
            }
            counters.Add(v.Key, row.At, row.Passed && row.Direction == Direction.In);
        }
        return n;
    }
}

/// <summary>Today's entries per venue per hour (local time), in memory; rebuilt at start-up.</summary>
public sealed class HotSpotCounters(CityBrainApp app)
{
    private readonly ConcurrentDictionary<int, int[]> _byVenue = new();
    private int _day = int.MinValue;

    public void Add(int venue, long at, bool entry)
    {
        if (!entry)
        {
            return;
        }
        var local = app.Calendar.ToLocal(DateTimeOffset.FromUnixTimeSeconds(at));
        var day = DateOnly.FromDateTime(local.DateTime).DayNumber;
        if (day != Volatile.Read(ref _day))
        {
            if (day < _day)
            {
                return; // an upload of an earlier day does not count for today
            }
            lock (_byVenue)
            {
                if (day > _day)
                {
                    _byVenue.Clear();
                    _day = day;
                }
            }
        }
        var hours = _byVenue.GetOrAdd(venue, _ => new int[24]);
        Interlocked.Increment(ref hours[local.Hour]);
    }

    public int Today(int venue, long now) => TodayByVenue(now).GetValueOrDefault(venue)?.Sum() ?? 0;

    public Dictionary<int, int[]> TodayByVenue(long now)
    {
        var day = app.Calendar.DayOf(DateTimeOffset.FromUnixTimeSeconds(now));
        return day == Volatile.Read(ref _day) ? _byVenue.ToDictionary(k => k.Key, k => (int[])k.Value.Clone()) : [];
    }
}
