using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CityBrain.Data.Identity;
using CityBrain.Data.Tracing;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using CityBrain.Domain.Common;
using CityBrain.Domain.Tracing;
using CityBrain.Domain.Venues;
using CityBrain.Features.HealthCodes;
using CityBrain.Features.Venues;
using CityBrain.Infrastructure;

namespace CityBrain.Features.Tracing;

public sealed record TraceRequest(string? ResidentId, int? WindowMinutes, int? Days, int? Degree, DateTimeOffset? At, string? Why);

public sealed record ContactView(string ResidentId, int Degree, DateTimeOffset FirstExposure, string VenueId, long OverlapSeconds, int Exposures,
    string? Via, string NameMasked, string VenueName, string Township, string? TownshipName, string PoliceArea, string Status);

public sealed record TraceView(long? TraceId, string Status, string Case, int WindowMinutes, int Days, int Degree, DateTimeOffset At, double Millis,
    int FirstDegree, int SecondDegree, int Open, int Reached, IReadOnlyList<ContactView> Contacts);

public sealed record StayView(string VenueId, string VenueName, string VenueType, string DivisionCode, double Lat, double Lon, DateTimeOffset In, DateTimeOffset? Out);

public sealed record TrajectoryView(string ResidentId, string NameMasked, int Days, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<StayView> Stays);

public sealed record TaskContact(string ResidentId, string Name, string? Phone, int Degree, DateTimeOffset FirstExposure, string VenueId, string VenueName, string Status);

public sealed record TaskGroup(string Key, string Name, int Total, int Open, IReadOnlyList<TaskContact> Contacts);

public sealed record TaskList(long TraceId, string By, IReadOnlyList<TaskGroup> Groups);

public sealed record TraceSummary(int OpenTraces, int ContactsTotal, int ContactsOpen, int ContactsReached, long IndexedCheckins, bool IndexReady);

/// <summary>
/// Contact tracing for health officials: a case's trajectory, a trace (first and second degree) on the in-memory
/// co-presence index, confirming it (contacts join the close-contact / secondary-contact lists and their codes are
/// recomputed at once), task lists for street offices and police stations, and progress. Every step is audited.
/// </summary>
public sealed class TracingService(CityBrainApp app, HealthCodeService codes, VenueRegistry venues, Func<CoPresenceIndex> index)
{
    public const int MaxWindowMinutes = 24 * 60;

    /// <summary>The most contacts one trace may hold (stored, listed and put on the lists when confirmed).</summary>
    public int MaxContacts { get; init; } = new CityBrainOptions().TraceMaxContacts;

    /// <summary>The engine's limit on the period (issue 4: default 14).</summary>
    public const int MaxDays = 28;

    /// <summary>
    /// True for the server, whose index holds the retained check-ins only (a period reaching further back is refused
    /// rather than silently cut short); the command line reads whatever the database still holds for the period.
    /// </summary>
    public bool RetainedOnly { get; init; } = true;

    private static readonly DateTimeOffset TracingEpoch = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Runs a trace and keeps it as a draft (nothing changes for anybody until it is confirmed).</summary>
    public async Task<TraceView> TraceAsync(Actor actor, TraceRequest r, bool save = true, CancellationToken ct = default)
    {
        var why = Why(r.Why);
        var (window, days, degree) = (r.WindowMinutes ?? 15, r.Days ?? 14, r.Degree ?? 1);
        if (window is < 0 or > MaxWindowMinutes)
        {
            throw new InputException("window_minutes", $"must be between 0 and {MaxWindowMinutes}");
        }
        if (days < 1 || days > MaxDays)
        {
            throw new InputException("days", $"must be between 1 and {MaxDays}");
        }
        if (degree is not (1 or 2))
        {
            throw new InputException("degree", "must be 1 or 2");
        }
        var at = r.At ?? app.Now;
        CheckPeriod(at, days);
        await using var c = await app.Db.OpenAsync(ct);
        var caseKey = await FindAsync(r.ResidentId, ct);
        var idx = index();
        var sw = Stopwatch.StartNew();
        var result = idx.Trace(checked((int)caseKey), new TraceQuery(at.ToUnixTimeSeconds(), days, window * 60, degree));
        var millis = sw.Elapsed.TotalMilliseconds;
        if (result.Contacts.Count > MaxContacts)
        {
            // A second-degree trace through the busiest venues can reach a large part of the city: that is not a list
            // anyone can act on, and confirming it would turn hundreds of thousands of codes yellow at once.
            var first = result.Contacts.Count(k => k.Degree == 1);
            throw new InputException(degree == 2 ? "degree" : "window_minutes",
                $"the trace found {first:N0} close and {result.Contacts.Count - first:N0} secondary contacts, more than the {MaxContacts:N0} one trace may hold: " +
                (degree == 2 ? "trace the first degree, or narrow the window or the days" : "narrow the window or the days"));
        }

        var people = ResidentStore.RevealMany(c, result.Contacts.Select(k => (long)k.Resident).Append(caseKey), app.Keys.Protector, idNumbersOnly: true);
        var police = TraceStore.PoliceAreas(c);
        var rows = result.Contacts.Select(k =>
        {
            var p = people[k.Resident];
            return new TraceContactRow(k.Resident, k.Degree, k.FirstExposure, k.Venue, k.OverlapSeconds, k.Exposures, k.Via, Township(p.Division), PoliceArea(police, p.Division));
        }).ToList();
        long? id = null;
        var now = app.Now.ToUnixTimeSeconds();
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            if (save)
            {
                id = TraceStore.Add(c, tx, caseKey, at.ToUnixTimeSeconds(), window, days, degree, why, actor.Name, now, millis, rows);
            }
            codes.Audit(c, tx, actor, "trace.run", caseKey,
                $"{(id is { } t ? $"trace {t}: " : "")}window {window} min, {days} days, degree {degree}, {rows.Count} contacts; why: {why}");
            await tx.CommitAsync(ct);
        }
        var n1 = rows.Count(k => k.Degree == 1);
        return new TraceView(id, save ? "draft" : "not saved", people[caseKey].IdNumber, window, days, degree, app.Calendar.ToLocal(at), millis,
            n1, rows.Count - n1, rows.Count, 0, Sorted(rows.Select(k => View(k, people))));
    }

    /// <summary>A stored trace with its contacts (audited: it names people).</summary>
    public async Task<TraceView> GetAsync(Actor actor, long traceId, CancellationToken ct = default)
    {
        await using var c = await app.Db.OpenAsync(ct);
        var t = TraceStore.Get(c, null, traceId) ?? throw new NotFoundException($"no trace {traceId}");
        var contacts = TraceStore.Contacts(c, null, traceId);
        var people = ResidentStore.RevealMany(c, contacts.Select(k => k.ResidentId).Append(t.CaseResident), app.Keys.Protector, idNumbersOnly: true);
        codes.Audit(c, null, actor, "trace.read", t.CaseResident, $"trace {traceId}: {contacts.Count} contacts");
        return new TraceView(t.Id, t.Status, people[t.CaseResident].IdNumber, t.WindowMinutes, t.Days, t.Degree,
            app.Calendar.ToLocal(DateTimeOffset.FromUnixTimeSeconds(t.At)), t.Millis, t.FirstDegree, t.SecondDegree, t.Open, t.Reached,
            Sorted(contacts.Select(k => View(k, people))));
    }

    public async Task<IReadOnlyList<TraceRow>> ListAsync(string? status, CancellationToken ct = default)
    {
        if (status is not (null or "draft" or "open" or "closed"))
        {
            throw new InputException("status", "must be draft, open or closed");
        }
        await using var c = await app.Db.OpenAsync(ct);
        return TraceStore.List(c, status, 200);
    }

    /// <summary>
    /// Acts on a draft trace: first-degree contacts join the close_contact list (red), second-degree contacts the
    /// secondary_contact list (yellow), since their first exposure, with a reason naming the venue and time (never
    /// the case). The codes are recomputed in the same transaction, so the colours change at once.
    /// </summary>
    public async Task<TraceView> ConfirmAsync(Actor actor, long traceId, CancellationToken ct = default)
    {
        // Quarantine counts from now, when the contact is told: an exposure ten days ago must not let the daily
        // check-ins made before anyone knew count towards the release. The reason still names the venue and time.
        var now = app.Now;
        TraceRow t;
        IReadOnlyList<TraceContactRow> contacts;
        await using var c = await app.Db.OpenAsync(ct);
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            t = TraceStore.Get(c, tx, traceId) ?? throw new NotFoundException($"no trace {traceId}");
            if (!TraceStore.Confirm(c, tx, traceId, actor.Name, now.ToUnixTimeSeconds()))
            {
                throw new ConflictException("status", $"trace {traceId} is {t.Status}: only a draft can be confirmed");
            }
            contacts = TraceStore.Contacts(c, tx, traceId);
            codes.Audit(c, tx, actor, "trace.confirm", t.CaseResident, $"trace {traceId}: {t.FirstDegree} close contacts, {t.SecondDegree} secondary contacts put on the lists");
            await tx.CommitAsync(ct);
        }
        // The lists and codes in transactions of a few hundred people, so a trace of a hundred thousand contacts never
        // holds the database's write lock long enough to stall the scans at the doors.
        var changed = 0;
        foreach (var chunk in contacts.Chunk(500))
        {
            await using var tx = await c.BeginTransactionAsync(ct);
            foreach (var k in chunk)
            {
                var list = k.Degree == 1 ? ListKind.CloseContact : ListKind.SecondaryContact;
                if (await codes.JoinListAsync(c, tx, k.ResidentId, list, now, ListSource(traceId, k), ct))
                {
                    changed++;
                }
            }
            await tx.CommitAsync(ct);
        }
        app.RaiseCodesChanged("trace", changed);
        return await GetAsync(actor, traceId, ct);
    }

    /// <summary>What the contact (and officials) read as the reason: the venue and the time, never the case.</summary>
    private string ListSource(long traceId, TraceContactRow k)
    {
        var venue = venues.Find(k.VenueKey);
        var when = app.Calendar.ToLocal(DateTimeOffset.FromUnixTimeSeconds(k.FirstExposure));
        return $"{TraceSourcePrefix}{traceId}: {(k.Degree == 1 ? "close contact" : "secondary contact")} at {venue?.Name ?? "venue"} ({venue?.Id ?? k.VenueKey.ToString(CultureInfo.InvariantCulture)}), {when:yyyy-MM-dd HH:mm}";
    }

    /// <summary>Marks list entries that a confirmed trace made.</summary>
    public const string TraceSourcePrefix = "trace ";

    /// <summary>Ends a trace: its contacts have all been followed up.</summary>
    public async Task CloseAsync(Actor actor, long traceId, CancellationToken ct = default)
    {
        await using var c = await app.Db.OpenAsync(ct);
        var t = TraceStore.Get(c, null, traceId) ?? throw new NotFoundException($"no trace {traceId}");
        await using var tx = await c.BeginTransactionAsync(ct);
        if (!TraceStore.Close(c, tx, traceId))
        {
            throw new ConflictException("status", $"trace {traceId} is {t.Status}: only an open trace can be closed");
        }
        codes.Audit(c, tx, actor, "trace.close", t.CaseResident, $"trace {traceId} closed: {t.Reached} reached, {t.Open} still open");
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Traces are personal data too: drafts nobody confirmed go after a day, closed traces after the check-in
    /// retention. Open ones stay until they are closed. Returns how many were deleted (written to the audit log).
    /// </summary>
    public async Task<int> PurgeAsync(Actor actor, CancellationToken ct = default)
    {
        await using var c = await app.Db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var n = TraceStore.Purge(c, tx, app.Now.AddDays(-1).ToUnixTimeSeconds(), app.Now.AddDays(-app.Options.CheckinRetentionDays).ToUnixTimeSeconds());
        if (n > 0)
        {
            codes.Audit(c, tx, actor, "traces.purge", null, $"{n} traces deleted (drafts older than a day, closed traces older than {app.Options.CheckinRetentionDays} days)");
        }
        await tx.CommitAsync(ct);
        return n;
    }

    /// <summary>A street office or police station reports a contact reached (or unreachable).</summary>
    public async Task SetContactStatusAsync(Actor actor, long traceId, string? residentId, string? status, string? note, CancellationToken ct = default)
    {
        if (status is null || !ContactStatus.All.Contains(status))
        {
            throw new InputException("status", $"must be one of {string.Join(", ", ContactStatus.All)}");
        }
        var key = await FindAsync(residentId, ct);
        await using var c = await app.Db.OpenAsync(ct);
        var t = TraceStore.Get(c, null, traceId) ?? throw new NotFoundException($"no trace {traceId}");
        if (t.Status != "open")
        {
            throw new ConflictException("status", $"trace {traceId} is {t.Status}: contacts are followed up once it is confirmed");
        }
        await using var tx = await c.BeginTransactionAsync(ct);
        if (!TraceStore.SetContactStatus(c, tx, traceId, key, status, actor.Name, app.Now.ToUnixTimeSeconds(), note?.Trim()))
        {
            throw new NotFoundException($"this person is not a contact of trace {traceId}");
        }
        codes.Audit(c, tx, actor, "trace.contact", key, $"trace {traceId}: {status}{(string.IsNullOrWhiteSpace(note) ? "" : ": " + note.Trim())}");
        await tx.CommitAsync(ct);
    }

    /// <summary>The contacts to reach, split by home street office / township or by police station area, with the
    /// names and phone numbers the people on the ground need (audited).</summary>
    public async Task<TaskList> TasksAsync(Actor actor, long traceId, string? by, CancellationToken ct = default)
    {
        by ??= "township";
        if (by is not ("township" or "police"))
        {
            throw new InputException("by", "must be township or police");
        }
        await using var c = await app.Db.OpenAsync(ct);
        var t = TraceStore.Get(c, null, traceId) ?? throw new NotFoundException($"no trace {traceId}");
        if (t.Status == "draft")
        {
            throw new ConflictException("status", $"trace {traceId} is a draft: confirm it before handing out names and phone numbers");
        }
        var contacts = TraceStore.Contacts(c, null, traceId);
        var people = ResidentStore.RevealMany(c, contacts.Select(k => k.ResidentId), app.Keys.Protector);
        codes.Audit(c, null, actor, "trace.tasks", t.CaseResident, $"trace {traceId}: task lists by {by}, {contacts.Count} contacts with names and phones");
        var groups = contacts
            .GroupBy(k => by == "township" ? k.Township : k.PoliceArea)
            .Select(g => new TaskGroup(g.Key, by == "township" ? app.Divisions.NameOf(g.Key) ?? g.Key : g.Key.Length == 0 ? "no police area covers these homes" : g.Key,
                g.Count(), g.Count(k => k.Status == ContactStatus.Open),
                g.OrderBy(k => k.Degree).ThenBy(k => k.FirstExposure).Select(k =>
                {
                    var p = people[k.ResidentId];
                    var v = venues.Find(k.VenueKey);
                    return new TaskContact(p.IdNumber, p.Name, p.Phone, k.Degree, app.Calendar.ToLocal(DateTimeOffset.FromUnixTimeSeconds(k.FirstExposure)),
                        v?.Id ?? "", v?.Name ?? "", k.Status);
                }).ToList()))
            .OrderByDescending(g => g.Open).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        return new TaskList(traceId, by, groups);
    }

    public static string TasksCsv(TaskList tasks)
    {
        var sb = new StringBuilder("group,group_name,resident_id,name,phone,degree,first_exposure,venue_id,venue_name,status\n");
        foreach (var g in tasks.Groups)
        {
            foreach (var k in g.Contacts)
            {
                sb.AppendJoin(',', new[] { g.Key, g.Name, Text(k.ResidentId), k.Name, Text(k.Phone ?? ""), k.Degree.ToString(CultureInfo.InvariantCulture),
                    k.FirstExposure.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture), k.VenueId, k.VenueName, k.Status }.Select(Csv));
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>Where a person was: every venue and time in the last <paramref name="days"/> days (audited).</summary>
    public async Task<TrajectoryView> TrajectoryAsync(Actor actor, string? residentId, int? days, DateTimeOffset? at, string? why, CancellationToken ct = default)
    {
        var reason = Why(why);
        var d = days ?? 14;
        if (d < 1 || d > MaxDays)
        {
            throw new InputException("days", $"must be between 1 and {MaxDays}");
        }
        var to = at ?? app.Now;
        CheckPeriod(to, d);
        var from = to.AddDays(-d);
        var key = await FindAsync(residentId, ct);
        var stays = index().Trajectory(checked((int)key), from.ToUnixTimeSeconds(), to.ToUnixTimeSeconds());
        await using var c = await app.Db.OpenAsync(ct);
        var person = ResidentStore.Get(c, key)!;
        codes.Audit(c, null, actor, "trajectory.read", key, $"{d} days to {to:O}, {stays.Count} stays; why: {reason}");
        return new TrajectoryView(residentId!.Trim().ToUpperInvariant(), person.NameMasked, d, app.Calendar.ToLocal(from), app.Calendar.ToLocal(to),
            stays.Select(s =>
            {
                var v = venues.Find(s.Venue);
                return new StayView(v?.Id ?? "", v?.Name ?? "", v?.Type.Name() ?? "", v?.DivisionCode ?? "", v?.Latitude ?? 0, v?.Longitude ?? 0,
                    app.Calendar.ToLocal(DateTimeOffset.FromUnixTimeSeconds(s.In)), s.Out is { } o ? app.Calendar.ToLocal(DateTimeOffset.FromUnixTimeSeconds(o)) : null);
            }).ToList());
    }

    public async Task<TraceSummary> SummaryAsync(TraceIndex? live, CancellationToken ct = default)
    {
        await using var c = await app.Db.OpenAsync(ct);
        var s = TraceStore.Totals(c);
        var status = live?.Status;
        return new TraceSummary(s.OpenTraces, s.ContactsTotal, s.ContactsOpen, s.ContactsReached, status?.Count ?? 0, live?.Ready ?? false);
    }

    /// <summary>police_areas.csv: division_code,station — the police station serving a division (the longest prefix wins).</summary>
    public async Task<ImportReport> ImportPoliceAreasAsync(TextReader reader, Actor actor, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        var errors = new List<RowError>();
        var rows = 0;
        var accepted = 0;
        await using var c = await app.Db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        Dictionary<string, int>? h = null;
        foreach (var rec in CityBrain.Domain.Common.Csv.Read(reader))
        {
            if (h is null)
            {
                h = CityBrain.Domain.Common.Csv.Header(rec.Fields, ["division_code", "station"], out var error);
                if (error is not null)
                {
                    throw new InputException("header", error);
                }
                continue;
            }
            rows++;
            var code = rec.Field(h, "division_code");
            var station = rec.Field(h, "station").Trim();
            if (!DivisionCode.IsWellFormed(code) || !app.Divisions.Contains(code))
            {
                errors.Add(new RowError(rec.Line, "division_code", $"'{code}' is not a known division code"));
                continue;
            }
            if (station.Length is 0 or > 200)
            {
                errors.Add(new RowError(rec.Line, "station", "give the police station's name (at most 200 characters)"));
                continue;
            }
            TraceStore.SetPoliceArea(c, tx, code, station);
            accepted++;
        }
        codes.Audit(c, tx, actor, "import.police_areas", null, $"{accepted} police station areas");
        await tx.CommitAsync(ct);
        return new ImportReport("police_areas", rows, accepted, 0, errors, sw.Elapsed.TotalSeconds);
    }

    // ---------- helpers ----------

    /// <summary>The traced period must lie in the check-ins still kept: an older one would be silently cut short.</summary>
    private void CheckPeriod(DateTimeOffset at, int days)
    {
        if (at > app.Now.AddMinutes(5))
        {
            throw new InputException("at", "is in the future");
        }
        if (at.AddDays(-days) < TracingEpoch)
        {
            throw new InputException("at", "the period reaches back before 2020");
        }
        var kept = app.Now.AddDays(-app.Options.CheckinRetentionDays);
        if (RetainedOnly && at.AddDays(-days) < kept)
        {
            throw new InputException("at", $"the period from {days} days before 'at' reaches back past {app.Calendar.ToLocal(kept):yyyy-MM-dd HH:mm}: check-ins are kept {app.Options.CheckinRetentionDays} days");
        }
    }

    private static string Why(string? why) =>
        string.IsNullOrWhiteSpace(why) || why.Trim().Length < 5
            ? throw new InputException("why", "say why (a case number or purpose, at least 5 characters); it goes into the audit log")
            : why.Trim();

    private async Task<long> FindAsync(string? idNumber, CancellationToken ct)
    {
        var id = idNumber?.Trim().ToUpperInvariant();
        if (!ResidentIdNumber.TryParse(id, DateOnly.MaxValue, null, out _, out var error))
        {
            throw new InputException("resident_id", error);
        }
        return await codes.FindResidentAsync(id!, ct) ?? throw new NotFoundException($"no resident with ID number {id![..6]}…");
    }

    /// <summary>The home street office / township (9 digits) when the home is known that finely, else the county.</summary>
    private static string Township(string division) => division.Length >= 9 ? division[..9] : division;

    private static string PoliceArea(IReadOnlyDictionary<string, string> areas, string division)
    {
        foreach (var code in DivisionCode.SelfAndAncestors(division))
        {
            if (areas.TryGetValue(code, out var station))
            {
                return station;
            }
        }
        return "";
    }

    private ContactView View(TraceContactRow k, IReadOnlyDictionary<long, ResidentStore.Revealed> people)
    {
        var p = people[k.ResidentId];
        var v = venues.Find(k.VenueKey);
        return new ContactView(p.IdNumber, k.Degree, app.Calendar.ToLocal(DateTimeOffset.FromUnixTimeSeconds(k.FirstExposure)), v?.Id ?? "", k.OverlapSeconds, k.Exposures,
            k.Via is { } via && people.TryGetValue(via, out var vp) ? vp.IdNumber : null, p.NameMasked, v?.Name ?? "", k.Township, app.Divisions.NameOf(k.Township), k.PoliceArea, k.Status);
    }

    /// <summary>By degree, then by ID number (what the CLI and the API promise).</summary>
    private static List<ContactView> Sorted(IEnumerable<ContactView> contacts) =>
        contacts.OrderBy(k => k.Degree).ThenBy(k => k.ResidentId, StringComparer.Ordinal).ToList();

    /// <summary>A CSV cell a spreadsheet shows as text: a cell that starts like a formula (=, +, -, @, tab, CR) gets a
    /// leading apostrophe, so a name typed in by a resident can never run as a formula.</summary>
    internal static string Csv(string s)
    {
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\r')
        {
            s = "'" + s;
        }
        return s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Digits a spreadsheet must keep as text (an 18-digit ID number would turn into 1.10101E+17): a leading tab.</summary>
    private static string Text(string digits) => digits.Length == 0 ? digits : "\t" + digits;
}
