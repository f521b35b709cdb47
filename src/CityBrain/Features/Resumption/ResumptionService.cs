using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using CityBrain.Data.Audit;
using CityBrain.Data.Resumption;
using CityBrain.Domain.Common;
using CityBrain.Domain.Resumption;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;

namespace CityBrain.Features.Resumption;

/// <summary>
/// The work-resumption handlers: imports of the enterprise register and of meter readings, and the figures computed
/// from them. Figures come from one pass over the stored readings (<see cref="ResumptionCube"/>), cached per setting
/// until an import changes the data.
/// </summary>
public sealed partial class ResumptionService(CityBrainApp app, ResumptionOptions options, ILogger<ResumptionService> logger)
{
    /// <summary>Rejected rows listed in an import report; beyond this one line says how many more there were.</summary>
    public const int MaxListedErrors = 10_000;

    private readonly ResumptionSettings _defaults = options.ToSettings();
    private readonly MeterRules _rules = options.ToRules();
    private readonly ConcurrentDictionary<string, Lazy<Task<Computed>>> _cache = new();

    public CityBrainApp App => app;

    public ResumptionSettings Defaults => _defaults;

    // ---------- imports ----------

    /// <summary>enterprises.csv: enterprise_id,name,industry,division_code,scale. Known ids are updated.</summary>
    public async Task<ImportReport> ImportEnterprisesAsync(TextReader reader, Actor actor, CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var errors = new List<RowError>();
        var accepted = new List<Enterprise>();
        var lineOf = new Dictionary<string, int>(StringComparer.Ordinal);
        Dictionary<string, int>? header = null;
        var rows = 0;
        foreach (var rec in Csv.Read(reader))
        {
            if (header is null)
            {
                header = Csv.Header(rec.Fields, ["enterprise_id", "name", "industry", "division_code", "scale"], out var error);
                if (error is not null)
                {
                    throw new InputException("header", error + " (expected enterprise_id,name,industry,division_code,scale)");
                }
                continue;
            }
            if (rec.Fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }
            rows++;
            if (!Enterprise.TryCreate(rec.Field(header, "enterprise_id"), rec.Field(header, "name"), rec.Field(header, "industry"),
                    rec.Field(header, "division_code"), rec.Field(header, "scale"), app.Divisions, out var e, out var bad))
            {
                errors.Add(new RowError(rec.Line, bad.Field, bad.Reason));
            }
            else if (lineOf.TryGetValue(e.Id, out var first))
            {
                errors.Add(new RowError(rec.Line, "enterprise_id", $"duplicate of line {first}: {e.Id} appears twice in this file"));
            }
            else
            {
                lineOf[e.Id] = rec.Line;
                accepted.Add(e);
            }
        }
        if (header is null)
        {
            throw new InputException("header", "the file is empty (expected enterprise_id,name,industry,division_code,scale)");
        }
        await using var c = await app.Db.OpenAsync(ct);
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            EnterpriseStore.Upsert(c, tx, accepted, app.Now.ToUnixTimeSeconds());
            if (accepted.Count > 0)
            {
                MeterStore.BumpVersion(c, tx);
            }
            Audit(c, tx, actor, "resumption.import.enterprises", $"{rows} rows, {accepted.Count} accepted");
            await tx.CommitAsync(ct);
        }
        LogImported(logger, "enterprises", rows, accepted.Count, sw.Elapsed.TotalSeconds);
        return Report("enterprises", rows, accepted.Count, errors.Select(e => new RowProblem(e.Line, e.Field, e.Reason)), sw);
    }

    /// <summary>
    /// meters.csv: enterprise_id,date,kwh (a day's total) or enterprise_id,time,kwh (interval readings, summed per
    /// day). Duplicates, negative and absurd values are flagged, not stored. A day already stored with another value
    /// is flagged unless <paramref name="replace"/> (a correction).
    /// </summary>
    public async Task<ImportReport> ImportMetersAsync(TextReader reader, Actor actor, bool replace = false, CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await using var c = await app.Db.OpenAsync(ct);
        var batch = new MeterBatch(EnterpriseStore.Keys(c), _rules);
        try
        {
            MeterFile.Read(reader, batch, app.Calendar, app.Calendar.DateOf(app.Now));
        }
        catch (MeterFile.HeaderException e)
        {
            throw new InputException("header", e.Message);
        }
        catch (CsvStretches.LineTooLongException e)
        {
            throw new InputException("line", e.Message);
        }
        var shortOfHistory = batch.Sum();
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            MeterStore.LockForImport(c, tx);
            var stored = new Dictionary<int, List<(int Day, double Kwh)>>();
            if (shortOfHistory.Count > 0)
            {
                var wanted = shortOfHistory.ToHashSet();
                MeterStore.Scan(c, tx, _defaults.BaselineFrom.DayNumber, _defaults.BaselineTo.DayNumber, (e, d, kwh) =>
                {
                    if (wanted.Contains(e))
                    {
                        (stored.TryGetValue(e, out var list) ? list : stored[e] = []).Add((d, kwh));
                    }
                });
            }
            batch.FlagAbsurd(stored);
            if (batch.DayRange is { } range && MeterStore.AnyBetween(c, tx, range.First, range.Last))
            {
                batch.Reconcile(MeterStore.Between(c, tx, range.First, range.Last), replace);
            }
            MeterStore.Write(c, tx, batch.Readings);
            if (batch.ReadingCount > 0)
            {
                MeterStore.BumpVersion(c, tx);
            }
            Audit(c, tx, actor, "resumption.import.meters", $"{batch.Rows} rows, {batch.Accepted} accepted, {batch.ReadingCount} daily readings written" + (replace ? " (replace)" : ""));
            await tx.CommitAsync(ct);
        }
        LogImported(logger, "meters", batch.Rows, batch.Accepted, sw.Elapsed.TotalSeconds);
        return Report("meters", batch.Rows, batch.Accepted, batch.Problems, sw);
    }

    private static ImportReport Report(string kind, int rows, int accepted, IEnumerable<RowProblem> problems, System.Diagnostics.Stopwatch sw)
    {
        var all = problems.OrderBy(p => p.Line).ToList();
        var listed = all.Take(MaxListedErrors).Select(p => new RowError(p.Line, p.Field, p.Reason)).ToList();
        if (all.Count > MaxListedErrors)
        {
            listed.Add(new RowError(0, "file", $"{all.Count - MaxListedErrors:N0} more rejected rows are not listed ({all.Count:N0} in all)"));
        }
        return new ImportReport(kind, rows, accepted, 0, listed, sw.Elapsed.TotalSeconds);
    }

    private void Audit(DbConnection c, DbTransaction? tx, Actor actor, string action, string detail) =>
        AuditLog.Write(c, tx, app.Now.ToUnixTimeSeconds(), actor.Name, actor.Role, action, null, detail);

    // ---------- query parameters (the same for the API and the CLI) ----------

    /// <summary>The default settings with a request's baseline, threshold and structure; bad values name their field.</summary>
    public ResumptionSettings Settings(string? baseline = null, string? threshold = null, string? structure = null)
    {
        var s = _defaults;
        if (!string.IsNullOrWhiteSpace(baseline))
        {
            if (!ResumptionSettings.TryParsePeriod(baseline, out var from, out var to))
            {
                throw new InputException("baseline", $"'{baseline}' is not FROM..TO, for example 2019-12-01..2019-12-31");
            }
            s = s with { BaselineFrom = from, BaselineTo = to };
        }
        if (!string.IsNullOrWhiteSpace(threshold))
        {
            if (!double.TryParse(threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out var t))
            {
                throw new InputException("threshold", $"'{threshold}' is not a number (a share: 0.3 is 30%)");
            }
            s = s with { Threshold = t };
        }
        if (!string.IsNullOrWhiteSpace(structure))
        {
            if (!ResumptionSettings.TryParseStructure(structure, out var w))
            {
                throw new InputException("structure", $"'{structure}' is not three numbers: primary,secondary,tertiary");
            }
            s = s with { Structure = w };
        }
        if (s.Problem() is { } p)
        {
            throw new InputException(p.Field, p.Reason);
        }
        return s;
    }

    public static Level ParseLevel(string? by) => by?.Trim().ToLowerInvariant() switch
    {
        null or "" or "county" => Level.County,
        "city" => Level.City,
        "province" => Level.Province,
        "industry" => Level.Industry,
        _ => throw new InputException("by", $"'{by}' must be county, city, province or industry"),
    };

    public static string LevelCode(Level level) => level.ToString().ToLowerInvariant();

    public static DateOnly? ParseDate(string? text, string field) =>
        string.IsNullOrWhiteSpace(text) ? null
        : ResumptionSettings.TryParseDate(text, out var d) ? d
        : throw new InputException(field, $"'{text}' is not a date yyyy-MM-dd");

    /// <summary>A province (2 digits), city (4) or county (6) to restrict to.</summary>
    public string? ParseDivision(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var code = Domain.Identity.DivisionCode.Normalise(text.Trim());
        if (code.Length is not (2 or 4 or 6) || !code.All(char.IsAsciiDigit) || !app.Divisions.Contains(code))
        {
            throw new InputException("division", $"'{text}' is not a known province, city or county code (2, 4 or 6 digits)");
        }
        return code;
    }

    public static Sector? ParseSector(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : Sectors.TryParse(text, out var s) ? s
        : throw new InputException("industry", $"'{text}' is not one of the ten sectors: {string.Join(", ", Sectors.All.Select(x => x.Code()))}");

    // ---------- figures ----------

    /// <summary>Everything computed for one setting: the register, the baselines and every day's tallies.</summary>
    internal sealed record Computed(long Version, List<Enterprise> Enterprises, int[] IndexOfKey, Baselines Baselines, ResumptionCube? Cube, double Seconds);

    /// <summary>The figures of a day (default: the last day with readings) by county, city, province or industry.</summary>
    public async Task<FiguresView> FiguresAsync(DateOnly? date, Level by, string? division, Sector? sector, ResumptionSettings s, CancellationToken ct = default)
    {
        var data = await ComputeAsync(s, ct);
        var cube = data.Cube ?? throw new NotFoundException("no meter readings yet: import meters first");
        var day = DayIn(cube, date);
        var rows = cube.Figures(day, by, division, sector).Select(f => Row(f, by)).ToList();
        var total = Row(cube.Total(day, division, sector), sector is null ? null : Level.Industry);
        return new FiguresView(day, LevelCode(by), division, sector?.Code(), new BaselineView(s.BaselineFrom, s.BaselineTo), s.Threshold, total, rows);
    }

    /// <summary>The total of a division and/or industry for every day from..to (default: every day with readings).</summary>
    public async Task<TrendView> TrendAsync(DateOnly? from, DateOnly? to, string? division, Sector? sector, ResumptionSettings s, CancellationToken ct = default)
    {
        var data = await ComputeAsync(s, ct);
        var cube = data.Cube ?? throw new NotFoundException("no meter readings yet: import meters first");
        var first = from ?? cube.First;
        var last = to ?? cube.Last;
        if (last < first)
        {
            throw new InputException("to", "is before from");
        }
        if (!cube.Covers(first) || !cube.Covers(last))
        {
            throw new InputException(cube.Covers(first) ? "to" : "from", $"readings cover {cube.First:yyyy-MM-dd}..{cube.Last:yyyy-MM-dd}");
        }
        var points = cube.Trend(first, last, division, sector)
            .Select(p => new TrendPoint(p.Day, p.Figure.Enterprises, p.Figure.Resumed, R(p.Figure.ResumptionRate), R(p.Figure.ProductionRate), R(p.Figure.Index),
                R(p.Figure.StructuredIndex), p.Figure.NoReading))
            .ToList();
        var key = sector?.Code() ?? division ?? "all";
        return new TrendView(key, sector?.NameZh() ?? NameOf(division), first, last, new BaselineView(s.BaselineFrom, s.BaselineTo), s.Threshold, points);
    }

    /// <summary>The five-colour resumption map of a day: each county's index and band.</summary>
    public async Task<BandsView> BandsAsync(DateOnly? date, string? division, ResumptionSettings s, CancellationToken ct = default)
    {
        var data = await ComputeAsync(s, ct);
        var cube = data.Cube ?? throw new NotFoundException("no meter readings yet: import meters first");
        var day = DayIn(cube, date);
        var counties = cube.Figures(day, Level.County, division)
            .Select(f => new BandRow(f.Key, NameOf(f.Key), f.Index is { } i ? Bands.Of(i, s.BandFloors).Code() : null, R(f.Index), f.Enterprises))
            .ToList();
        var floors = s.BandFloors;
        var legend = Enum.GetValues<Band>()
            .Select(b => new BandLegend(b.Code(), b == Band.Red ? null : floors[(int)b - 1], b == Band.Green ? null : floors[(int)b]))
            .ToList();
        return new BandsView(day, new BaselineView(s.BaselineFrom, s.BaselineTo), s.Threshold, legend, counties);
    }

    /// <summary>Large (above-size) enterprises below the threshold on a day, biggest first: the ones to call.</summary>
    public async Task<BelowThresholdView> BelowThresholdAsync(DateOnly? date, string? division, Sector? sector, int limit, ResumptionSettings s, CancellationToken ct = default)
    {
        var data = await ComputeAsync(s, ct);
        var cube = data.Cube ?? throw new NotFoundException("no meter readings yet: import meters first");
        var day = DayIn(cube, date);
        var kwh = new double[data.Enterprises.Count];
        Array.Fill(kwh, double.NaN);
        await using (var c = await app.Db.OpenAsync(ct))
        {
            foreach (var (key, value) in MeterStore.OnDay(c, day.DayNumber))
            {
                if (key < data.IndexOfKey.Length && data.IndexOfKey[key] >= 0)
                {
                    kwh[data.IndexOfKey[key]] = value;
                }
            }
        }
        var all = EnterpriseLists.BelowThreshold(data.Enterprises, data.Baselines, kwh, s, division, sector);
        var rows = all.Take(limit).Select(b => new BelowThresholdRow(b.Enterprise.Id, b.Enterprise.Name, b.Enterprise.Sector.Code(), b.Enterprise.DivisionCode,
            NameOf(b.Enterprise.County), Math.Round(b.BaselineMean, 3), b.Kwh is { } k ? Math.Round(k, 3) : null, R(b.Ratio)!.Value)).ToList();
        return new BelowThresholdView(day, s.Threshold, all.Count, rows);
    }

    /// <summary>Enterprises without a baseline (not in the rates), and why.</summary>
    public async Task<NoBaselineView> NoBaselineAsync(string? division, Sector? sector, int limit, ResumptionSettings s, CancellationToken ct = default)
    {
        var data = await ComputeAsync(s, ct);
        var all = EnterpriseLists.NoBaseline(data.Enterprises, data.Baselines, division, sector);
        var rows = all.Take(limit).Select(n => new NoBaselineRow(n.Enterprise.Id, n.Enterprise.Name, n.Enterprise.Sector.Code(), n.Enterprise.DivisionCode,
            Enterprise.ScaleCode(n.Enterprise.Scale), n.BaselineDays, n.Reason)).ToList();
        return new NoBaselineView(new BaselineView(s.BaselineFrom, s.BaselineTo), all.Count, rows);
    }

    private static DateOnly DayIn(ResumptionCube cube, DateOnly? date)
    {
        var day = date ?? cube.Last;
        return cube.Covers(day) ? day : throw new InputException("date", $"no readings for {day:yyyy-MM-dd}: readings cover {cube.First:yyyy-MM-dd}..{cube.Last:yyyy-MM-dd}");
    }

    internal string NameOf(string? key) => key is null ? "全部 All" : app.Divisions.NameOf(key) ?? key;

    private FigureRow Row(Figure f, Level? by) => new(
        f.Key,
        by == Level.Industry && Sectors.TryParse(f.Key, out var sector) ? sector.NameZh() : NameOf(f.Key == "all" ? null : f.Key),
        f.Enterprises, f.Resumed, R(f.ResumptionRate), R(f.ProductionRate), R(f.Index), R(f.StructuredIndex), f.NoReading, f.NoBaseline,
        Math.Round(f.Kwh, 3), Math.Round(f.BaselineKwh, 3));

    /// <summary>Rates as fractions to six places (0.514400 is 51.44%).</summary>
    private static double? R(double? x) => x is { } v ? Math.Round(v, 6) : null;

    /// <summary>
    /// Computes (or takes from the cache) every day's tallies for a setting: the register, one pass over the baseline
    /// period, one over the other days, the readers splitting the days between them.
    /// </summary>
    internal async Task<Computed> ComputeAsync(ResumptionSettings s, CancellationToken ct = default)
    {
        long version;
        await using (var c = await app.Db.OpenAsync(ct))
        {
            version = MeterStore.Version(c);
        }
        var key = string.Join('|', version, s.BaselineFrom.DayNumber, s.BaselineTo.DayNumber, s.Threshold.ToString("R", CultureInfo.InvariantCulture),
            s.MinBaselineDays, s.ResumptionWeight.ToString("R", CultureInfo.InvariantCulture),
            s.Structure is { } w ? string.Join(',', w.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) : "-");
        // Data changed: what was computed before is stale. Many settings in use: start over.
        foreach (var stale in _cache.Keys.Where(k => !k.StartsWith(version.ToString(CultureInfo.InvariantCulture) + "|", StringComparison.Ordinal)))
        {
            _cache.TryRemove(stale, out _);
        }
        if (_cache.Count > 16)
        {
            _cache.Clear();
        }
        var lazy = _cache.GetOrAdd(key, _ => new Lazy<Task<Computed>>(() => Task.Run(() => Compute(s, version), CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(ct);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _cache.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>
    /// Recomputes from the stored data (no cache) and sums the figures of every day at every level (each county, city,
    /// province and industry, and the total): the whole job behind the dashboard.
    /// </summary>
    public async Task<RecomputeSummary> RecomputeAsync(ResumptionSettings s, CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long version;
        await using (var c = await app.Db.OpenAsync(ct))
        {
            version = MeterStore.Version(c);
        }
        var data = await Task.Run(() => Compute(s, version), ct);
        var rows = 0;
        if (data.Cube is { } cube)
        {
            for (var day = cube.First; day <= cube.Last; day = day.AddDays(1))
            {
                foreach (var level in Enum.GetValues<Level>())
                {
                    rows += cube.Figures(day, level).Count; // county rows carry the index their band is read from
                }
                _ = cube.Total(day);
                rows++;
            }
        }
        return new RecomputeSummary(data.Enterprises.Count, data.Cube?.Days ?? 0, rows, data.Seconds, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The computation itself, uncached.</summary>
    internal Computed Compute(ResumptionSettings s, long version)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        List<Enterprise> enterprises;
        (DateOnly First, DateOnly Last)? days;
        using (var c = app.Db.Open())
        {
            enterprises = EnterpriseStore.All(c);
            days = MeterStore.Days(c);
        }
        var indexOf = new int[enterprises.Count == 0 ? 1 : enterprises.Max(e => e.Key) + 1];
        Array.Fill(indexOf, -1);
        for (var i = 0; i < enterprises.Count; i++)
        {
            indexOf[enterprises[i].Key] = i;
        }
        // Pass 1, the baseline period: each reader sums its share of the days, then the shares are added up. The
        // readings are kept: they are days of the figures too, and pass 2 need not read them again.
        var parts = Split(s.BaselineFrom.DayNumber, s.BaselineTo.DayNumber);
        var shares = parts.Select(_ => new Baselines(enterprises.Count, s)).ToArray();
        var kept = parts.Select(_ => new List<(int Index, int Day, double Kwh)>()).ToArray();
        Parallel.For(0, parts.Count, i =>
        {
            using var c = app.Db.Open();
            var (share, rows) = (shares[i], kept[i]);
            MeterStore.Scan(c, null, parts[i].First, parts[i].Last, (key, day, kwh) =>
            {
                if (key < indexOf.Length && indexOf[key] >= 0)
                {
                    share.Add(indexOf[key], day, kwh);
                    rows.Add((indexOf[key], day, kwh));
                }
            });
        });
        var baselines = shares[0];
        foreach (var share in shares.Skip(1))
        {
            baselines.Merge(share);
        }
        if (days is not { } range)
        {
            return new Computed(version, enterprises, indexOf, baselines, null, sw.Elapsed.TotalSeconds);
        }
        // Pass 2, every other day: readers take disjoint days, so they write disjoint parts of the cube.
        var cube = new ResumptionCube(enterprises, baselines, s, range.First, range.Last);
        foreach (var rows in kept)
        {
            foreach (var (index, day, kwh) in rows)
            {
                cube.Add(index, day, kwh);
            }
        }
        parts = [.. Split(range.First.DayNumber, Math.Min(range.Last.DayNumber, s.BaselineFrom.DayNumber - 1)),
                 .. Split(Math.Max(range.First.DayNumber, s.BaselineTo.DayNumber + 1), range.Last.DayNumber)];
        Parallel.For(0, parts.Count, i =>
        {
            using var c = app.Db.Open();
            MeterStore.Scan(c, null, parts[i].First, parts[i].Last, (key, day, kwh) =>
            {
                if (key < indexOf.Length && indexOf[key] >= 0)
                {
                    cube.Add(indexOf[key], day, kwh);
                }
            });
        });
        LogComputed(logger, enterprises.Count, cube.Days, sw.Elapsed.TotalSeconds);
        return new Computed(version, enterprises, indexOf, baselines, cube, sw.Elapsed.TotalSeconds);
    }

    /// <summary>Cuts first..last into one range of days per core (at most four); none if last is before first.</summary>
    private static List<(int First, int Last)> Split(int first, int last)
    {
        var n = Math.Clamp(Environment.ProcessorCount, 1, 4);
        var days = last - first + 1;
        var size = (days + n - 1) / n;
        var list = new List<(int, int)>();
        for (var a = first; a <= last; a += size)
        {
            list.Add((a, Math.Min(last, a + size - 1)));
        }
        return list;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Resumption import of {Kind}: {Rows} rows, {Accepted} accepted, in {Seconds:F1} s")]
    private static partial void LogImported(ILogger logger, string kind, int rows, int accepted, double seconds);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Resumption figures computed for {Enterprises} enterprises over {Days} days in {Seconds:F2} s")]
    private static partial void LogComputed(ILogger logger, int enterprises, int days, double seconds);
}

public sealed record BaselineView(DateOnly From, DateOnly To);

/// <summary>A full recompute: enterprises, days, figure rows summed; seconds reading the data and in all.</summary>
public sealed record RecomputeSummary(int Enterprises, int Days, int FigureRows, double ReadSeconds, double Seconds);

/// <summary>One row of figures. Rates and indexes are fractions (0.5144 = 51.44%); null when no enterprise has a baseline.</summary>
public sealed record FigureRow(string Key, string Name, int Enterprises, int Resumed, double? ResumptionRate, double? ProductionRate, double? Index,
    double? StructuredIndex, int NoReading, int NoBaseline, double Kwh, double BaselineKwh);

public sealed record FiguresView(DateOnly Date, string By, string? Division, string? Industry, BaselineView Baseline, double Threshold, FigureRow Total, IReadOnlyList<FigureRow> Rows);

public sealed record TrendPoint(DateOnly Date, int Enterprises, int Resumed, double? ResumptionRate, double? ProductionRate, double? Index, double? StructuredIndex, int NoReading);

public sealed record TrendView(string Key, string Name, DateOnly From, DateOnly To, BaselineView Baseline, double Threshold, IReadOnlyList<TrendPoint> Days);

public sealed record BandLegend(string Band, double? From, double? Below);

public sealed record BandRow(string Key, string Name, string? Band, double? Index, int Enterprises);

public sealed record BandsView(DateOnly Date, BaselineView Baseline, double Threshold, IReadOnlyList<BandLegend> Legend, IReadOnlyList<BandRow> Counties);

public sealed record BelowThresholdRow(string EnterpriseId, string Name, string Industry, string DivisionCode, string County, double BaselineKwh, double? Kwh, double Ratio);

public sealed record BelowThresholdView(DateOnly Date, double Threshold, int Total, IReadOnlyList<BelowThresholdRow> Enterprises);

public sealed record NoBaselineRow(string EnterpriseId, string Name, string Industry, string DivisionCode, string Scale, int BaselineDays, string Reason);

public sealed record NoBaselineView(BaselineView Baseline, int Total, IReadOnlyList<NoBaselineRow> Enterprises);
