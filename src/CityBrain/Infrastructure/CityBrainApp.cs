using System.Text.Json;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.Common;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using Dapper;

namespace CityBrain.Infrastructure;

/// <summary>
/// What every handler needs, built once for the web server and for each CLI command: the database (migrated),
/// the keys, the city's calendar and clock, the division catalogue and the current rule set.
/// </summary>
public sealed class CityBrainApp : IDisposable
{
    private volatile HealthCodeEngine _engine;

    public CityBrainOptions Options { get; }
    public Database Db { get; }
    public KeyRing Keys { get; }
    public CityCalendar Calendar { get; }
    public TimeProvider Clock { get; }
    public DivisionCatalogue Divisions { get; }

    /// <summary>The key file in use (its folder also holds the keys that protect sign-in cookies and tokens).</summary>
    public string KeysFile { get; private init; } = "";

    /// <summary>Raised after codes changed (event-driven recompute): the server pushes it to dashboards.</summary>
    public event Action<string, int>? CodesChanged;

    /// <summary>Raised by the one check-in writer after a commit, with the rows and their ids (0: a duplicate that
    /// was not stored). The tracing index appends them. Handlers run on the writer's thread: keep them short.</summary>
    public event Action<IReadOnlyList<Data.Venues.CheckinRow>, long[]>? CheckinsStored;

    /// <summary>Raised after check-ins were written other than through the writer (a bulk import): readers of
    /// check-ins that keep their own copy reload.</summary>
    public event Action? CheckinsImported;

    /// <summary>Raised after check-ins older than the given time were purged.</summary>
    public event Action<long>? CheckinsPurged;

    private CityBrainApp(CityBrainOptions options, Database db, KeyRing keys, CityCalendar calendar, TimeProvider clock,
        DivisionCatalogue divisions, HealthCodeEngine engine)
    {
        Options = options;
        Db = db;
        Keys = keys;
        Calendar = calendar;
        Clock = clock;
        Divisions = divisions;
        _engine = engine;
    }

    public HealthCodeEngine Engine => _engine;

    public DateTimeOffset Now => Clock.GetUtcNow();

    public static string DataDirectory
    {
        get
        {
            var beside = Path.Combine(AppContext.BaseDirectory, "data");
            return Directory.Exists(beside) ? beside : Path.Combine(Directory.GetCurrentDirectory(), "data");
        }
    }

    public static string DefaultRulesFile => Path.Combine(DataDirectory, "rules", "hangzhou.json");

    /// <summary>Opens the database, applies migrations, loads (or on first run creates) the keys and the rules.</summary>
    public static CityBrainApp Start(CityBrainOptions options, TimeProvider? clock = null)
    {
        var db = Database.Open(options.Db);
        try
        {
            Migrator.Apply(db);
            var calendar = new CityCalendar(CityCalendar.FindZone(options.TimeZone));
            var keysFile = options.KeysFile ?? (db.SqlitePath is { } p && p != ":memory:" ? p + ".keys.json" : "citybrain.keys.json");
            using var c = db.Open();
            // A bulk import killed before it rebuilt the check-ins' index by time leaves it missing.
            Data.Venues.CheckinStore.EnsureSecondaryIndexes(c);
            var storedCheck = c.ExecuteScalar<string?>("SELECT value FROM meta WHERE key = 'key_check'");
            if (!File.Exists(keysFile))
            {
                if (storedCheck is not null)
                {
                    throw new InvalidOperationException(
                        $"the key file {keysFile} is missing, but this database was written with keys: without them its personal data cannot be read. Restore the key file or set CityBrain:KeysFile.");
                }
                KeyRing.Generate(keysFile);
            }
            var keys = KeyRing.Load(keysFile);
            if (storedCheck is null)
            {
                c.Execute("INSERT INTO meta (key, value) VALUES ('key_check', @v)", new { v = keys.Protector.KeyCheck });
            }
            else if (storedCheck != keys.Protector.KeyCheck)
            {
                throw new InvalidOperationException($"the key file {keysFile} does not belong to this database (key check differs)");
            }
            var divisions = LoadDivisions();
            var rules = LoadRules(c, options);
            return new CityBrainApp(options, db, keys, calendar, clock ?? TimeProvider.System, divisions, new HealthCodeEngine(rules, calendar))
            {
                KeysFile = Path.GetFullPath(keysFile),
            };
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static RuleSet LoadRules(System.Data.Common.DbConnection c, CityBrainOptions options)
    {
        if (options.RulesFile is null)
        {
            var stored = c.ExecuteScalar<string?>("SELECT value FROM meta WHERE key = 'rules'");
            if (stored is not null)
            {
                return RuleSet.Parse(stored);
            }
        }
        var json = File.ReadAllText(options.RulesFile ?? DefaultRulesFile);
        var rules = RuleSet.Parse(json);
        c.Execute("INSERT INTO meta (key, value) VALUES ('rules', @json) ON CONFLICT (key) DO UPDATE SET value = excluded.value", new { json });
        return rules;
    }

    /// <summary>Validates, stores and switches to a new rule set; the caller recomputes the codes.</summary>
    public RuleSet ReplaceRules(string json)
    {
        var rules = RuleSet.Parse(json);
        using var c = Db.Open();
        c.Execute("INSERT INTO meta (key, value) VALUES ('rules', @json) ON CONFLICT (key) DO UPDATE SET value = excluded.value", new { json });
        _engine = new HealthCodeEngine(rules, Calendar);
        return rules;
    }

    public string CurrentRulesJson()
    {
        using var c = Db.Open();
        return c.ExecuteScalar<string>("SELECT value FROM meta WHERE key = 'rules'") ?? "{}";
    }

    private static DivisionCatalogue LoadDivisions()
    {
        var dir = Path.Combine(DataDirectory, "divisions");
        var entries = new List<KeyValuePair<string, string>>();
        foreach (var file in new[] { "provinces.csv", "cities.csv", "areas.csv", "ChinaAreaCode-2019.csv", "streets.csv", "villages-zj.csv" })
        {
            var path = Path.Combine(dir, file);
            if (!File.Exists(path))
            {
                continue;
            }
            using var reader = new StreamReader(path);
            var first = true;
            foreach (var rec in Csv.Read(reader))
            {
                if (first)
                {
                    first = false;
                    continue;
                }
                if (rec.Fields.Length >= 2)
                {
                    var code = rec.Fields[0].Trim();
                    // 2019 list uses 6-digit codes for provinces and cities too (110000); index both forms.
                    entries.Add(new(code, rec.Fields[1]));
                    if (code.Length == 6 && code.EndsWith("0000", StringComparison.Ordinal))
                    {
                        entries.Add(new(code[..2], rec.Fields[1]));
                    }
                    else if (code.Length == 6 && code.EndsWith("00", StringComparison.Ordinal))
                    {
                        entries.Add(new(code[..4], rec.Fields[1]));
                    }
                }
            }
        }
        if (entries.Count == 0)
        {
            throw new InvalidOperationException($"no division data found in {dir}");
        }
        return new DivisionCatalogue(entries);
    }

    internal void RaiseCodesChanged(string cause, int count)
    {
        if (count > 0)
        {
            CodesChanged?.Invoke(cause, count);
        }
    }

    internal void RaiseCheckinsStored(IReadOnlyList<Data.Venues.CheckinRow> rows, long[] ids) => CheckinsStored?.Invoke(rows, ids);

    internal void RaiseCheckinsImported() => CheckinsImported?.Invoke();

    internal void RaiseCheckinsPurged(long before) => CheckinsPurged?.Invoke(before);

    public void Dispose() => Db.Dispose();
}
