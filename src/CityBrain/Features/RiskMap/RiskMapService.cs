using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CityBrain.Data.Audit;
using CityBrain.Data.HealthCodes;
using CityBrain.Data.RiskMap;
using CityBrain.Domain.Common;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using CityBrain.Domain.RiskMap;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Dapper;

namespace CityBrain.Features.RiskMap;

/// <summary>A rejected row of a case-count import: the file (a folder holds many), the line, the field, why.</summary>
public sealed record CaseCountRowError(string File, int Line, string Field, string Reason);

/// <summary>What a grading run did: the days (re)graded, rows written, and what it changed for the health codes.</summary>
public sealed record GradeSummary(DateOnly? From, DateOnly? To, int Rows, int AreasChangedOnLastDay, int RiskAreasChanged, int ManualGradesKept, int CodesChanged, double Seconds);

/// <summary>An import of case counts, like the other imports' reports, with the file of each rejected row and the grading it triggered.</summary>
public sealed record CaseCountImportReport(string Kind, int Files, int Rows, int Accepted, int Skipped, int CodesChanged, IReadOnlyList<CaseCountRowError> Rejected,
    GradeSummary? Graded, double Seconds);

public sealed record RiskAreaView(string DivisionCode, string Name, string? NameEn, string Level, string? PreviousLevel, JsonElement Indicators);

public sealed record RiskMapView(DateOnly? Date, string Rules, string Level, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<RiskAreaView> Areas);

public sealed record RiskMapDatesView(DateOnly? First, DateOnly? Last, IReadOnlyList<DateOnly> Dates);

public sealed record RiskHistoryPoint(DateOnly Date, string Level, JsonElement Indicators, int ConfirmedNew, int ConfirmedTotal);

public sealed record RiskHistoryView(string DivisionCode, string Name, string Rules, IReadOnlyList<RiskHistoryPoint> History);

/// <summary>The event raised after a grading run changed the stored grades (the dashboard pushes it as a server-sent event).</summary>
public sealed record RiskMapChange(long Version, DateOnly? From, DateOnly? To, int AreasChangedOnLastDay, int RiskAreasChanged);

/// <summary>
/// The five-colour risk map (五色图): imports of case counts, the grading of every day at every level under both rule
/// sets, the reads, and the link to the health codes (the latest day's grades become the risk ranks the travel rules
/// read; residents who travelled through an area whose rank changed are recomputed). One per server (a singleton);
/// <see cref="RiskMapChanged"/> fires after each grading run that wrote grades, and <see cref="Version"/> counts them.
/// </summary>
public sealed partial class RiskMapService
{
    public const string ActorPrefix = "riskmap:";
    public const int MaxListedErrors = 10_000;

    private static readonly ConditionalWeakTable<CityBrainApp, RiskMapService> Registered = [];

    internal static readonly JsonSerializerOptions IndicatorJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly CityBrainApp _app;
    private readonly HealthCodeService _health;
    private readonly RiskMapOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lazy<IReadOnlyList<string>> _known;
    private long _version;

    public RiskMapService(CityBrainApp app, HealthCodeService health, RiskMapOptions options, ILogger<RiskMapService> logger)
    {
        _app = app;
        _health = health;
        _options = options;
        _logger = logger;
        Settings = options.ToSettings();
        _known = new Lazy<IReadOnlyList<string>>(LoadKnownDivisions);
        Registered.AddOrUpdate(app, this);
    }

    /// <summary>The service the server registered for this app, or one with the default settings (the CLI).</summary>
    public static RiskMapService For(HealthCodeService health) =>
        Registered.TryGetValue(health.App, out var s) ? s : new RiskMapService(health.App, health, new RiskMapOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<RiskMapService>.Instance);

    public RiskMapSettings Settings { get; }

    public CityBrainApp App => _app;

    /// <summary>Raised after a grading run wrote grades: subscribe to push the new map.</summary>
    public event Action<RiskMapChange>? RiskMapChanged;

    /// <summary>How many grading runs have changed the stored grades since start-up.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>The divisions of today's list (provinces, cities, counties): the areas a level may have.</summary>
    private static IReadOnlyList<string> LoadKnownDivisions()
    {
        var list = new List<string>();
        foreach (var file in new[] { "provinces.csv", "cities.csv", "areas.csv" })
        {
            var path = Path.Combine(CityBrainApp.DataDirectory, "divisions", file);
            if (!File.Exists(path))
            {
                continue;
            }
            using var reader = new StreamReader(path);
            list.AddRange(Csv.Read(reader).Skip(1).Select(r => r.Fields[0].Trim()).Where(c => c.Length is 2 or 4 or 6));
        }
        return list;
    }

    // ---------- imports ----------

    /// <summary>Imports a file, or every *.csv of a folder (in name order), then grades the affected days.</summary>
    public async Task<CaseCountImportReport> ImportPathAsync(string path, Actor actor, CancellationToken ct = default)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.csv").Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
            {
                throw new InputException("FILE", $"{path} holds no .csv file");
            }
            return await ImportAsync(files.Select(f => (Path.GetFileName(f), (Func<TextReader>)(() => new StreamReader(f, System.Text.Encoding.UTF8)))), actor, ct);
        }
        if (!File.Exists(path))
        {
            throw new InputException("FILE", $"{path} does not exist");
        }
        return await ImportAsync([(Path.GetFileName(path), () => new StreamReader(path, System.Text.Encoding.UTF8))], actor, ct);
    }

    /// <summary>
    /// Imports case counts (either layout; see <see cref="CaseCountBatch"/>): good rows are kept, every rejected row is
    /// reported with its file and line. Re-importing replaces the rows of the same day and division. Then the days
    /// from the first imported one on are graded again (indicators carry history forward).
    /// </summary>
    public async Task<CaseCountImportReport> ImportAsync(IEnumerable<(string Name, Func<TextReader> Open)> files, Actor actor, CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var batch = new CaseCountBatch(_app.Divisions);
        foreach (var (name, open) in files)
        {
            using var reader = open();
            try
            {
                batch.Read(reader, name);
            }
            catch (CaseCountBatch.HeaderException e)
            {
                throw new InputException("header", e.Message);
            }
        }
        await _gate.WaitAsync(ct);
        GradeSummary? graded;
        List<CaseCount> rows;
        try
        {
            await using var c = await _app.Db.OpenAsync(ct);
            await using (var tx = await c.BeginTransactionAsync(ct))
            {
                var stored = RiskMapStore.AllCounts(c, tx).GroupBy(r => r.Division)
                    .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Day).ToList(), StringComparer.Ordinal);
                rows = batch.Derive((division, day) => stored.TryGetValue(division, out var list) ? list.Where(r => r.Day < day).Sum(r => r.ConfirmedNew) : 0);
                RiskMapStore.UpsertCounts(c, tx, rows.Select(r => (r, r.LocalNew is null && r.Clusters is null && !batch.IsDaily(r) ? RiskMapStore.SourceCumulative : RiskMapStore.SourceDaily)),
                    _app.Now.ToUnixTimeSeconds());
                AuditLog.Write(c, tx, _app.Now.ToUnixTimeSeconds(), actor.Name, actor.Role, "riskmap.import.casecounts", null,
                    $"{batch.Files} files, {batch.Rows} rows, {rows.Count} accepted, {batch.Skipped} skipped, {batch.Problems.Count} rejected");
                await tx.CommitAsync(ct);
            }
            graded = rows.Count == 0 ? null : await GradeLockedAsync(c, rows.Min(r => r.Day), actor, ct);
        }
        finally
        {
            _gate.Release();
        }
        LogImported(_logger, batch.Files, batch.Rows, rows.Count, batch.Problems.Count, sw.Elapsed.TotalSeconds);
        var problems = batch.Problems.OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line).ToList();
        var listed = problems.Take(MaxListedErrors).Select(p => new CaseCountRowError(p.File, p.Line, p.Field, p.Reason)).ToList();
        if (problems.Count > MaxListedErrors)
        {
            listed.Add(new CaseCountRowError("", 0, "file", $"{problems.Count - MaxListedErrors:N0} more rejected rows are not listed ({problems.Count:N0} in all)"));
        }
        return new CaseCountImportReport("casecounts", batch.Files, batch.Rows, batch.Rows - batch.Skipped - batch.Problems.Count, batch.Skipped, graded?.CodesChanged ?? 0,
            listed, graded, sw.Elapsed.TotalSeconds);
    }

    // ---------- grading ----------

    /// <summary>Grades every day from <paramref name="from"/> (default: all days) at every level under both rule sets.</summary>
    public async Task<GradeSummary> GradeAsync(DateOnly? from, Actor actor, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var c = await _app.Db.OpenAsync(ct);
            return await GradeLockedAsync(c, from?.DayNumber ?? int.MinValue, actor, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Computes the grades in memory (no storage): every rule set, level, area and day. For the benchmark and tests.</summary>
    public static IEnumerable<(RiskRules Rules, AreaLevel Level, AreaGrade Grade)> Compute(RiskMapCalculator calc, IReadOnlyList<string> known)
    {
        foreach (var rules in Enum.GetValues<RiskRules>())
        {
            foreach (var level in Enum.GetValues<AreaLevel>())
            {
                foreach (var area in calc.Areas(level, known))
                {
                    foreach (var g in calc.Grade(area, rules))
                    {
                        yield return (rules, level, g);
                    }
                }
            }
        }
    }

    public IReadOnlyList<string> KnownDivisions => _known.Value;

    private async Task<GradeSummary> GradeLockedAsync(DbConnection c, int fromDay, Actor actor, CancellationToken ct)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var calc = new RiskMapCalculator(RiskMapStore.AllCounts(c), Settings);
        if (calc.Days == 0)
        {
            return new GradeSummary(null, null, 0, 0, 0, 0, 0, sw.Elapsed.TotalSeconds);
        }
        var first = Math.Max(fromDay, calc.FirstDay);
        var written = 0;
        var changedLast = 0;
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            foreach (var rules in Enum.GetValues<RiskRules>())
            {
                foreach (var level in Enum.GetValues<AreaLevel>())
                {
                    var grades = calc.Areas(level, KnownDivisions)
                        .SelectMany(area => calc.Grade(area, rules))
                        .Where(g => g.Day >= first)
                        .Select(g =>
                        {
                            if (g.Day == calc.LastDay && g.PreviousLevel is not null && g.PreviousLevel != g.Level)
                            {
                                changedLast++;
                            }
                            return new StoredGrade(rules.Code(), level.Code(), g.Day, g.Division, g.Level, g.PreviousLevel, JsonSerializer.Serialize(g.Indicators, IndicatorJson));
                        });
                    written += RiskMapStore.ReplaceGrades(c, tx, rules.Code(), level.Code(), first, grades);
                }
            }
            // Grades past the last day with counts (days whose rows were all replaced) would be stale.
            c.Execute("DELETE FROM risk_grades WHERE day > @last", new { last = calc.LastDay }, tx);
            AuditLog.Write(c, tx, _app.Now.ToUnixTimeSeconds(), actor.Name, actor.Role, "riskmap.grade", null,
                $"{DateOnly.FromDayNumber(first):yyyy-MM-dd}..{DateOnly.FromDayNumber(calc.LastDay):yyyy-MM-dd}: {written} grades");
            await tx.CommitAsync(ct);
        }
        var (riskChanged, kept, codes) = await LinkHealthCodesAsync(c, calc, ct);
        var summary = new GradeSummary(DateOnly.FromDayNumber(first), DateOnly.FromDayNumber(calc.LastDay), written, changedLast, riskChanged, kept, codes, sw.Elapsed.TotalSeconds);
        LogGraded(_logger, $"{summary.From:yyyy-MM-dd}", $"{summary.To:yyyy-MM-dd}", written, riskChanged, codes, sw.Elapsed.TotalSeconds);
        var version = Interlocked.Increment(ref _version);
        RiskMapChanged?.Invoke(new RiskMapChange(version, summary.From, summary.To, changedLast, riskChanged));
        return summary;
    }

    /// <summary>
    /// The latest day's grades (rule set and level from the options) become risk ranks. Only changed ranks are
    /// written, as "riskmap:RULES"; a rank an official set by hand is kept unless ReplaceManualGrades, and the
    /// difference is audited. Residents who travelled through an area whose rank changed are recomputed.
    /// </summary>
    private async Task<(int Changed, int Kept, int Codes)> LinkHealthCodesAsync(DbConnection c, RiskMapCalculator calc, CancellationToken ct)
    {
        var rules = _options.LinkRules;
        var level = _options.LinkLevel;
        var wanted = new Dictionary<string, (RiskRank Rank, string Level)>(StringComparer.Ordinal);
        foreach (var area in calc.Areas(level, KnownDivisions))
        {
            var last = calc.Grade(area, rules).Last();
            wanted[area] = (RiskMapNames.Rank(rules, last.Level), last.Level);
        }
        var current = c.Query<(string Code, int Rank, string By)>("SELECT division_code, rank, updated_by FROM risk_areas")
            .ToDictionary(r => r.Code, r => ((RiskRank)r.Rank, r.By), StringComparer.Ordinal);
        var changed = new List<string>();
        var kept = 0;
        var now = _app.Now.ToUnixTimeSeconds();
        var by = ActorPrefix + rules.Code();
        var date = DateOnly.FromDayNumber(calc.LastDay);
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            foreach (var (code, (rank, grade)) in wanted.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var has = current.TryGetValue(code, out var cur);
                if (has ? cur.Item1 == rank : rank <= RiskRank.Low)
                {
                    continue; // unchanged; an area never graded above low needs no row (low and ungraded read the same)
                }
                if (has && !cur.By.StartsWith(ActorPrefix, StringComparison.Ordinal) && !_options.ReplaceManualGrades)
                {
                    kept++;
                    AuditLog.Write(c, tx, now, by, "system", "riskmap.manual_kept", null,
                        $"{code}: {cur.Item1.Name()} set by {cur.By} kept; the {rules.Code()} map of {date:yyyy-MM-dd} grades it {grade} ({rank.Name()})");
                    continue;
                }
                RiskAreaStore.Set(c, tx, code, rank, by, now);
                AuditLog.Write(c, tx, now, by, "system", "risk.set", null,
                    $"{code} {rank.Name()} ({rules.Code()} map of {date:yyyy-MM-dd}: {grade}{(has ? $"; was {cur.Item1.Name()} by {cur.By}" : "")})");
                changed.Add(code);
            }
            await tx.CommitAsync(ct);
        }
        if (changed.Count == 0)
        {
            return (0, kept, 0);
        }
        _health.ForgetRisk();
        var residents = new HashSet<long>();
        foreach (var code in changed)
        {
            residents.UnionWith(RiskAreaStore.ResidentsTravelledThrough(c, code));
        }
        var codes = residents.Count == 0 ? 0 : await _health.RecomputeResidentsAsync(c, residents, "risk", ct);
        return (changed.Count, kept, codes);
    }

    // ---------- reads (the same for the API and the CLI) ----------

    public static RiskRules ParseRules(string? text) =>
        string.IsNullOrWhiteSpace(text) ? RiskRules.Zhejiang
        : RiskMapNames.TryParseRules(text, out var r) ? r : throw new InputException("rules", $"'{text}' must be zhejiang or national");

    public static AreaLevel ParseLevel(string? text) =>
        string.IsNullOrWhiteSpace(text) ? AreaLevel.County
        : RiskMapNames.TryParseLevel(text, out var l) ? l : throw new InputException("level", $"'{text}' must be county, city or province");

    public static DateOnly? ParseDate(string? text, string field = "date") =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d
        : throw new InputException(field, $"'{text}' is not a date yyyy-MM-dd");

    /// <summary>A division prefix (province 2, city 4 or county 6 digits; 330000 and 330100 forms accepted).</summary>
    public string? ParseRegion(string? text, string field = "region")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var code = DivisionCode.Normalise(text.Trim());
        if (code.Length is not (2 or 4 or 6) || !code.All(char.IsAsciiDigit) || !_app.Divisions.Contains(code))
        {
            throw new InputException(field, $"'{text}' is not a known province, city or county code (2, 4 or 6 digits)");
        }
        return code;
    }

    private string NameOf(string code) => _app.Divisions.NameOf(code) ?? code;

    /// <summary>The map of a day (default: the latest graded day); with no grading yet, no date and no areas.</summary>
    public async Task<RiskMapView> MapAsync(DateOnly? date, AreaLevel level, RiskRules rules, string? region, CancellationToken ct = default)
    {
        await using var c = await _app.Db.OpenAsync(ct);
        var day = date?.DayNumber ?? RiskMapStore.LatestDay(c, rules.Code(), level.Code());
        if (day is null)
        {
            return new RiskMapView(null, rules.Code(), level.Code(), new Dictionary<string, int>(), []);
        }
        var rows = RiskMapStore.OnDay(c, rules.Code(), level.Code(), day.Value, region);
        if (rows.Count == 0 && date is not null && region is null)
        {
            var dates = RiskMapStore.Dates(c, rules.Code(), level.Code());
            throw new InputException("date", dates.Count == 0
                ? "nothing graded yet: import case counts first"
                : $"no grading on {date:yyyy-MM-dd}: graded days are {DateOnly.FromDayNumber(dates[0]):yyyy-MM-dd}..{DateOnly.FromDayNumber(dates[^1]):yyyy-MM-dd}");
        }
        var areas = rows.Select(r => new RiskAreaView(r.Division, NameOf(r.Division), null, r.Grade, r.Previous, Parse(r.Indicators))).ToList();
        var counts = RiskMapNames.Levels(rules).Reverse().ToDictionary(l => l, l => areas.Count(a => a.Level == l));
        return new RiskMapView(DateOnly.FromDayNumber(day.Value), rules.Code(), level.Code(), counts, areas);
    }

    private static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    public async Task<RiskMapDatesView> DatesAsync(RiskRules rules, AreaLevel level, CancellationToken ct = default)
    {
        await using var c = await _app.Db.OpenAsync(ct);
        var days = RiskMapStore.Dates(c, rules.Code(), level.Code()).Select(DateOnly.FromDayNumber).ToList();
        return new RiskMapDatesView(days.Count == 0 ? null : days[0], days.Count == 0 ? null : days[^1], days);
    }

    /// <summary>An area's grade day by day, with its new and cumulative cases.</summary>
    public async Task<RiskHistoryView> HistoryAsync(string? code, RiskRules rules, CancellationToken ct = default)
    {
        var division = ParseRegion(code, "code")!;
        await using var c = await _app.Db.OpenAsync(ct);
        var rows = RiskMapStore.History(c, rules.Code(), division);
        if (rows.Count == 0)
        {
            throw new NotFoundException($"{division} ({NameOf(division)}) has no grading under the {rules.Code()} rules");
        }
        var points = rows.Select(r =>
        {
            var ind = Parse(r.Indicators);
            return new RiskHistoryPoint(DateOnly.FromDayNumber(r.Day), r.Grade, ind, ind.GetProperty("confirmed_new").GetInt32(), ind.GetProperty("confirmed_total").GetInt32());
        }).ToList();
        return new RiskHistoryView(division, NameOf(division), rules.Code(), points);
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Case counts imported: {Files} files, {Rows} rows, {Accepted} daily counts stored, {Rejected} rejected, in {Seconds:F1} s")]
    private static partial void LogImported(ILogger logger, int files, int rows, int accepted, int rejected, double seconds);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Risk map graded {From}..{To}: {Rows} grades, {RiskAreas} risk areas changed, {Codes} codes changed, in {Seconds:F2} s")]
    private static partial void LogGraded(ILogger logger, string from, string to, int rows, int riskAreas, int codes, double seconds);
}
