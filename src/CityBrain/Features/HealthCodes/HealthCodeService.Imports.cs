using CityBrain.Data.HealthCodes;
using CityBrain.Data.Identity;
using CityBrain.Domain.Common;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Features.HealthCodes;

public sealed record RowError(int Line, string Field, string Reason);

/// <summary>What an import did: good rows are kept, every rejected row is reported with its line and reason.</summary>
public sealed record ImportReport(string Kind, int Rows, int Accepted, int CodesChanged, IReadOnlyList<RowError> Rejected, double Seconds);

public sealed partial class HealthCodeService
{
    private const int ImportBatch = 5000;

    private static List<(Csv.Record Rec, Dictionary<string, int> Header)> ReadCsv(TextReader reader, string[] required, List<RowError> errors, out Dictionary<string, int> header)
    {
        header = [];
        var rows = new List<(Csv.Record, Dictionary<string, int>)>();
        var first = true;
        foreach (var rec in Csv.Read(reader))
        {
            if (first)
            {
                first = false;
                header = Csv.Header(rec.Fields, required, out var error);
                if (error is not null)
                {
                    throw new InputException("header", error + $" (expected {string.Join(",", required)})");
                }
                continue;
            }
            if (rec.Fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }
            rows.Add((rec, header));
        }
        return rows;
    }

    /// <summary>persons.csv: resident_id,name,phone,division_code.</summary>
    public async Task<ImportReport> ImportPersonsAsync(TextReader reader, Actor actor, CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var errors = new List<RowError>();
        var rows = ReadCsv(reader, ["resident_id", "name", "division_code"], errors, out var h);
        var accepted = 0;
        var changed = 0;
        await using var c = await App.Db.OpenAsync(ct);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in rows.Chunk(ImportBatch))
        {
            var people = new List<Data.Identity.PersonInput>();
            foreach (var (rec, _) in batch)
            {
                try
                {
                    var p = ValidatePerson(rec.Field(h, "resident_id"), rec.Field(h, "name"), rec.Field(h, "phone"), rec.Field(h, "division_code"));
                    if (!seen.Add(p.IdNumber.Value))
                    {
                        errors.Add(new RowError(rec.Line, "resident_id", "duplicate of an earlier row in this file"));
                        continue;
                    }
                    people.Add(p);
                }
                catch (InputException e)
                {
                    errors.Add(new RowError(rec.Line, e.Field, e.Message));
                }
            }
            await using var tx = await c.BeginTransactionAsync(ct);
            var ids = ResidentStore.Upsert(c, tx, people, App.Keys.Protector, App.Now.ToUnixTimeSeconds());
            foreach (var (id, _) in ids)
            {
                if (await ChangeAsync(c, tx, id, "import", null, ct))
                {
                    changed++;
                }
            }
            Audit(c, tx, actor, "import.persons", null, $"{people.Count} rows");
            await tx.CommitAsync(ct);
            accepted += people.Count;
        }
        return new ImportReport("persons", rows.Count, accepted, changed, errors, sw.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// lists.csv: resident_id,list,since[,released]. list is confirmed, suspected, close_contact, secondary_contact or
    /// inbound_quarantine; a released time ends that membership; list "released" ends every membership of the person.
    /// Every affected code is recomputed in the same transaction.
    /// </summary>
    public async Task<ImportReport> ImportListsAsync(TextReader reader, Actor actor, string source = "import", CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var errors = new List<RowError>();
        var rows = ReadCsv(reader, ["resident_id", "list", "since"], errors, out var h);
        var accepted = 0;
        var changed = 0;
        await using var c = await App.Db.OpenAsync(ct);
        foreach (var batch in rows.Chunk(ImportBatch))
        {
            var known = ResidentStore.FindMany(c, null, batch.Select(b => b.Rec.Field(h, "resident_id").ToUpperInvariant()), App.Keys.Protector);
            await using var tx = await c.BeginTransactionAsync(ct);
            var now = App.Now.ToUnixTimeSeconds();
            foreach (var (rec, _) in batch)
            {
                var idText = rec.Field(h, "resident_id").ToUpperInvariant();
                if (!known.TryGetValue(idText, out var residentId))
                {
                    errors.Add(new RowError(rec.Line, "resident_id", "no resident with this ID number (import persons first)"));
                    continue;
                }
                var listText = rec.Field(h, "list").ToLowerInvariant();
                var releaseAll = listText == "released";
                if (!releaseAll && !Lists.TryParse(listText, out _))
                {
                    errors.Add(new RowError(rec.Line, "list", $"unknown list '{listText}'; use {string.Join(", ", Lists.Names)} or released"));
                    continue;
                }
                Lists.TryParse(listText, out var list);
                DateTimeOffset since;
                DateTimeOffset? released = null;
                var field = "since";
                try
                {
                    since = ParseTime(rec.Field(h, "since"), App.Calendar);
                    var rel = rec.Field(h, "released");
                    field = "released";
                    if (rel.Length > 0)
                    {
                        released = ParseTime(rel, App.Calendar);
                    }
                }
                catch (FormatException e)
                {
                    errors.Add(new RowError(rec.Line, field, e.Message));
                    continue;
                }
                if (since > App.Now.AddMinutes(5))
                {
                    errors.Add(new RowError(rec.Line, "since", "is in the future"));
                    continue;
                }
                if (released > App.Now.AddMinutes(5))
                {
                    errors.Add(new RowError(rec.Line, "released", "is in the future: a release takes effect when it happens"));
                    continue;
                }
                var sinceDay = App.Calendar.DayOf(since);
                var kinds = releaseAll ? Enum.GetValues<ListKind>() : [list];
                var touched = false;
                foreach (var k in kinds)
                {
                    if (releaseAll || released is not null)
                    {
                        touched |= ListStore.Release(c, tx, residentId, k, (released ?? since).ToUnixTimeSeconds());
                    }
                    else
                    {
                        touched |= ListStore.Join(c, tx, residentId, k, since.ToUnixTimeSeconds(), now, source);
                    }
                }
                if (touched && await ChangeAsync(c, tx, residentId, "list", f =>
                    {
                        foreach (var k in kinds)
                        {
                            var bit = (byte)(1 << (int)k);
                            if (releaseAll || released is not null)
                            {
                                f.Lists &= (byte)~bit;
                                f.ListSinceDay[(int)k] = HealthFacts.NoDay;
                            }
                            else
                            {
                                f.Lists |= bit;
                                f.ListSinceDay[(int)k] = sinceDay;
                            }
                        }
                    }, ct))
                {
                    changed++;
                }
                accepted++;
            }
            Audit(c, tx, actor, "import.lists", null, $"{batch.Length} rows from {source}");
            await tx.CommitAsync(ct);
        }
        App.RaiseCodesChanged("list", changed);
        return new ImportReport("lists", rows.Count, accepted, changed, errors, sw.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// declarations.csv: resident_id,time,temperature,symptoms,travel,contact_with_case[,kind]. symptoms and travel are
    /// lists separated by |; a travel entry is DIVISION@YYYY-MM-DD; kind is declaration (default) or daily.
    /// </summary>
    public async Task<ImportReport> ImportDeclarationsAsync(TextReader reader, Actor actor, CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var errors = new List<RowError>();
        var rows = ReadCsv(reader, ["resident_id", "time"], errors, out var h);
        var accepted = 0;
        var changed = 0;
        await using var c = await App.Db.OpenAsync(ct);
        foreach (var batch in rows.Chunk(ImportBatch))
        {
            var known = ResidentStore.FindMany(c, null, batch.Select(b => b.Rec.Field(h, "resident_id").ToUpperInvariant()), App.Keys.Protector);
            await using var tx = await c.BeginTransactionAsync(ct);
            foreach (var (rec, _) in batch)
            {
                if (!known.TryGetValue(rec.Field(h, "resident_id").ToUpperInvariant(), out var residentId))
                {
                    errors.Add(new RowError(rec.Line, "resident_id", "no resident with this ID number (import persons first)"));
                    continue;
                }
                try
                {
                    var at = ParseTime(rec.Field(h, "time"), App.Calendar);
                    if (at > App.Now.AddMinutes(5))
                    {
                        throw new InputException("time", "is in the future");
                    }
                    var day = App.Calendar.DateOf(at);
                    var tempText = rec.Field(h, "temperature");
                    decimal? temp = tempText.Length == 0 ? null
                        : decimal.TryParse(tempText, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t
                        : throw new InputException("temperature", $"'{tempText}' is not a number");
                    var symptoms = Split(rec.Field(h, "symptoms"));
                    var travel = Split(rec.Field(h, "travel")).Select(x =>
                    {
                        var parts = x.Split('@');
                        if (parts.Length != 2 || !DateOnly.TryParseExact(parts[1], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d))
                        {
                            throw new InputException("travel", $"'{x}' is not DIVISION@YYYY-MM-DD");
                        }
                        return new TravelInput(parts[0], d);
                    }).ToList();
                    var contactText = rec.Field(h, "contact_with_case").ToLowerInvariant();
                    var contact = contactText is "true" or "1" or "yes" or "y";
                    if (contactText.Length > 0 && !contact && contactText is not ("false" or "0" or "no" or "n"))
                    {
                        throw new InputException("contact_with_case", "must be true or false");
                    }
                    var kind = rec.Field(h, "kind").ToLowerInvariant();
                    if (kind is not ("" or "declaration" or "daily"))
                    {
                        throw new InputException("kind", "must be declaration or daily");
                    }
                    var daily = kind == "daily";
                    var (tempX10, sym, travelText) = ValidateDeclaration(new DeclarationInput(temp, symptoms, travel, contact), day);
                    DeclarationStore.Add(c, tx, residentId, at.ToUnixTimeSeconds(), daily, tempX10, sym, contact, travelText);
                    if (await ChangeAsync(c, tx, residentId, daily ? "daily" : "declaration", f =>
                        {
                            if (daily)
                            {
                                f.RecordCheckin(day.DayNumber, SymptomNames.IsAbnormal(sym, tempX10));
                            }
                            else
                            {
                                ApplyDeclaration(f, day.DayNumber, tempX10, sym, contact, travelText);
                            }
                        }, ct))
                    {
                        changed++;
                    }
                    accepted++;
                }
                catch (InputException e)
                {
                    errors.Add(new RowError(rec.Line, e.Field, e.Message));
                }
                catch (FormatException e)
                {
                    errors.Add(new RowError(rec.Line, "time", e.Message));
                }
            }
            Audit(c, tx, actor, "import.declarations", null, $"{batch.Length} rows");
            await tx.CommitAsync(ct);
        }
        App.RaiseCodesChanged("declaration", changed);
        return new ImportReport("declarations", rows.Count, accepted, changed, errors, sw.Elapsed.TotalSeconds);
    }

    private static List<string> Split(string s) =>
        s.Split(['|', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
