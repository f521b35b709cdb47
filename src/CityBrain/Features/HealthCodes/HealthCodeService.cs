using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using CityBrain.Data.Audit;
using CityBrain.Data.HealthCodes;
using CityBrain.Data.Identity;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using CityBrain.Infrastructure;

namespace CityBrain.Features.HealthCodes;

/// <summary>A resident's code as shown to the resident or an official.</summary>
public sealed record CodeView(
    long ResidentKey,
    string Colour,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<string> ReasonsZh,
    IReadOnlyList<string> Rules,
    DateTimeOffset? NextChange,
    DateTimeOffset Since,
    bool SetByHand);

public sealed record RecomputeReport(long Residents, long Changed, long ColourChanges, double Seconds, string Database, IReadOnlyDictionary<string, long> Counts);

/// <summary>Thrown by handlers for bad input: becomes a 400 ProblemDetails naming the field, or CLI exit code 2.</summary>
public sealed class InputException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>Thrown when a referenced thing does not exist: 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>
/// The health-code handlers. Every change of facts (declaration, check-in, list, override, risk grade) loads the
/// resident's facts, applies the change, evaluates the rules and stores facts and code in one transaction, so the
/// colour is right the moment the change is acknowledged.
/// </summary>
public sealed partial class HealthCodeService(CityBrainApp app, ILogger<HealthCodeService> logger)
{
    private readonly ConcurrentDictionary<(string, ulong), string> _ruleText = new();

    public CityBrainApp App => app;

    // ---------- deciding ----------

    /// <summary>The rule ids of a decision as stored: "confirmed,fever" or "override".</summary>
    public string RuleText(RuleSet rules, ulong mask) =>
        mask == 0 ? "" : _ruleText.GetOrAdd((rules.Fingerprint, mask), k =>
            k.Item2 == HealthCodeEngine.OverrideBit ? "override" : string.Join(',', rules.RulesIn(k.Item2).Select(r => r.Id)));

    /// <summary>Evaluates prepared facts against the stored code; null when nothing changed.</summary>
    internal CodeUpdate? Decide(HealthCodeEngine engine, HealthFacts f, HealthStateStore.Current current)
    {
        var d = engine.Evaluate(f);
        var rules = RuleText(engine.Rules, d.RuleMask);
        long? next = d.NextChange?.ToUnixTimeSeconds();
        if (d.Colour == current.Colour && rules == current.Rules && next == current.NextChange && d.Released == current.Released)
        {
            return null;
        }
        return new CodeUpdate(f.ResidentKey, current.Colour, d.Colour, rules, next, d.Colour != current.Colour, current.Version, d.Released);
    }

    /// <summary>Loads one resident's facts, lets <paramref name="change"/> alter them, stores facts and the new code.</summary>
    internal async Task<bool> ChangeAsync(DbConnection c, DbTransaction tx, long residentId, string cause, Action<HealthFacts>? change, CancellationToken ct = default)
    {
        var f = new HealthFacts();
        var (found, current) = await HealthStateStore.LoadAsync(c, tx, residentId, f, ct);
        if (!found)
        {
            throw new NotFoundException($"no resident with key {residentId}");
        }
        if (change is not null)
        {
            change(f);
            HealthStateStore.SaveFacts(c, tx, f);
            current = current with { Version = current.Version + 1 };
        }
        var now = app.Now;
        var engine = app.Engine;
        f.Prepare(now, app.Calendar.DayOf(now), await RiskAsync(c, ct));
        var update = Decide(engine, f, current);
        if (update is { } u)
        {
            HealthStateStore.Save(c, tx, [u], now.ToUnixTimeSeconds(), cause);
            return true;
        }
        return false;
    }

    private sealed record RiskCache(RiskLookup Lookup, long Version, long LoadedAt);

    private RiskCache? _risk;
    private long _riskVersion;

    /// <summary>
    /// The risk grades, cached for a few seconds (they change a few times a day). A grade change bumps the version, so
    /// a look-up loaded before the change can never be cached after it.
    /// </summary>
    internal async Task<IRiskLookup> RiskAsync(DbConnection c, CancellationToken ct = default)
    {
        await Task.CompletedTask;
        var version = Interlocked.Read(ref _riskVersion);
        var cached = _risk;
        if (cached is not null && cached.Version == version && Environment.TickCount64 - cached.LoadedAt < 5000)
        {
            return cached.Lookup;
        }
        var fresh = new RiskLookup(RiskAreaStore.All(c));
        if (Interlocked.Read(ref _riskVersion) == version)
        {
            _risk = new RiskCache(fresh, version, Environment.TickCount64);
        }
        return fresh;
    }

    internal void ForgetRisk()
    {
        Interlocked.Increment(ref _riskVersion);
        _risk = null;
    }

    /// <summary>A resident's own code: the colour, the rules' reasons and, when contact tracing put them on a list,
    /// where and when (the venue and time, never who the case was).</summary>
    public async Task<CodeView?> GetCodeAsync(long residentId, CancellationToken ct = default)
    {
        await using var c = await app.Db.OpenAsync(ct);
        var code = await FreshCodeAsync(c, residentId, ct);
        if (code is null)
        {
            return null;
        }
        var view = View(code);
        var traced = ListStore.ActiveSources(c, residentId, Tracing.TracingService.TraceSourcePrefix);
        if (traced.Count == 0 || code.Colour == Colour.Green)
        {
            return view;
        }
        var detail = traced.Select(t => t[(t.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).ToList();
        return view with
        {
            Reasons = [.. view.Reasons, .. detail.Select(d => $"Contact tracing: {d}")],
            ReasonsZh = [.. view.ReasonsZh, .. detail.Select(d => $"流调：{d.Replace("secondary contact at", "次密接，", StringComparison.Ordinal).Replace("close contact at", "密接，", StringComparison.Ordinal)}")],
        };
    }

    /// <summary>
    /// The stored code, recomputed first if its release time (or hand-set expiry) has passed and the minute job has
    /// not got to it yet: a checkpoint never sees an expired hand-set green.
    /// </summary>
    internal async Task<StoredCode?> FreshCodeAsync(DbConnection c, long residentId, CancellationToken ct = default)
    {
        var code = await HealthStateStore.GetCodeAsync(c, residentId, ct);
        if (code?.NextChange is { } next && next <= app.Now && code.ComputedAt < next)
        {
            await using (var tx = await c.BeginTransactionAsync(ct))
            {
                await ChangeAsync(c, tx, residentId, "due", null, ct);
                await tx.CommitAsync(ct);
            }
            code = await HealthStateStore.GetCodeAsync(c, residentId, ct);
        }
        return code;
    }

    public CodeView View(StoredCode code)
    {
        var rules = app.Engine.Rules;
        var ids = code.Rules.Length == 0 ? [] : code.Rules.Split(',');
        var reasons = new List<string>();
        var reasonsZh = new List<string>();
        var byHand = ids is ["override"];
        if (byHand)
        {
            reasons.Add($"Set by a health official: {code.OverrideReason}");
            reasonsZh.Add($"由卫生健康部门人工设定：{code.OverrideReason}");
        }
        else
        {
            foreach (var id in ids)
            {
                var rule = rules.Find(id);
                reasons.Add(rule?.Reason ?? id);
                reasonsZh.Add(rule?.ReasonZh ?? rule?.Reason ?? id);
            }
        }
        if (reasons.Count == 0)
        {
            reasons.Add("No risk found in your declaration, the health lists or your travel.");
            reasonsZh.Add("未发现风险。");
        }
        return new CodeView(code.ResidentId, code.Colour.Name(), reasons, reasonsZh, ids, code.NextChange, code.ColourSince, byHand);
    }

    // ---------- whole-city recompute ----------

    /// <summary>
    /// Recomputes every code at <paramref name="at"/>: time-based releases happen, nothing else changes without a
    /// reason. Streams the state table in id ranges on every core and writes only changed codes.
    /// </summary>
    public async Task<RecomputeReport> RecomputeAllAsync(DateTimeOffset at, string cause = "recompute", IProgress<long>? progress = null, CancellationToken ct = default)
    {
        if (at < app.Now.AddYears(-1) || at > app.Now.AddYears(1))
        {
            throw new InputException("at", "the recompute time must be within a year of now");
        }
        // One whole-city recompute at a time: a rules change waits for the nightly run instead of racing it.
        await _wholeCity.WaitAsync(ct);
        try
        {
            return await RecomputeAllCoreAsync(at, cause, progress, ct);
        }
        finally
        {
            _wholeCity.Release();
        }
    }

    private readonly SemaphoreSlim _wholeCity = new(1, 1);

    private async Task<RecomputeReport> RecomputeAllCoreAsync(DateTimeOffset at, string cause, IProgress<long>? progress, CancellationToken outer)
    {
        // If the writer fails, the readers must stop too (they would block on the full channel for ever).
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(outer);
        var ct = failed.Token;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var engine = app.Engine;
        IRiskLookup risk;
        long min, max;
        await using (var c0 = await app.Db.OpenAsync(ct))
        {
            risk = new RiskLookup(RiskAreaStore.All(c0));
            (min, max, _) = HealthStateStore.Bounds(c0);
        }
        var today = app.Calendar.DayOf(at);
        var nowUnix = at.ToUnixTimeSeconds();
        var workers = Math.Max(1, Environment.ProcessorCount);
        var chunk = Math.Max(1, (max - min + 1 + workers * 8 - 1) / (workers * 8));
        var ranges = new ConcurrentQueue<(long, long)>();
        for (var a = min; a <= max; a += chunk)
        {
            ranges.Enqueue((a, Math.Min(a + chunk, max + 1)));
        }
        var channel = Channel.CreateBounded<List<CodeUpdate>>(new BoundedChannelOptions(8) { SingleReader = true });
        long residents = 0, changed = 0, colourChanges = 0;

        var writer = Task.Run(async () =>
        {
            try
            {
                await using var wc = await app.Db.OpenAsync(ct);
                await foreach (var batch in channel.Reader.ReadAllAsync(ct))
                {
                    await using var tx = await wc.BeginTransactionAsync(ct);
                    HealthStateStore.Save(wc, tx, batch, nowUnix, cause);
                    await tx.CommitAsync(ct);
                }
            }
            catch
            {
                await failed.CancelAsync();
                throw;
            }
        }, ct);

        var readers = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            var f = new HealthFacts();
            using var c = app.Db.Open();
            var batch = new List<CodeUpdate>(10_000);
            long seen = 0, lastReport = 0;
            while (ranges.TryDequeue(out var range))
            {
                using var r = HealthStateStore.OpenRange(c, range.Item1, range.Item2);
                while (r.Read())
                {
                    var current = HealthStateStore.Read(r, f);
                    f.Prepare(at, today, risk);
                    seen++;
                    if (Decide(engine, f, current) is { } u)
                    {
                        batch.Add(u);
                        if (u.ColourChanged)
                        {
                            Interlocked.Increment(ref colourChanges);
                        }
                        if (batch.Count == 10_000)
                        {
                            Interlocked.Add(ref changed, batch.Count);
                            await channel.Writer.WriteAsync(batch, ct);
                            batch = new List<CodeUpdate>(10_000);
                        }
                    }
                    if (seen - lastReport >= 100_000)
                    {
                        Interlocked.Add(ref residents, seen - lastReport);
                        lastReport = seen;
                        progress?.Report(Interlocked.Read(ref residents));
                    }
                }
            }
            Interlocked.Add(ref residents, seen - lastReport);
            if (batch.Count > 0)
            {
                Interlocked.Add(ref changed, batch.Count);
                await channel.Writer.WriteAsync(batch, ct);
            }
        }, ct)).ToList();

        try
        {
            await Task.WhenAll(readers);
        }
        catch
        {
            await failed.CancelAsync();
            channel.Writer.TryComplete();
            try
            {
                await writer; // the writer's failure, when there is one, is the cause: it propagates from here
            }
            catch (OperationCanceledException)
            {
            }
            throw;
        }
        channel.Writer.Complete();
        await writer;
        progress?.Report(residents);
        IReadOnlyDictionary<Colour, long> counts;
        await using (var c1 = await app.Db.OpenAsync(ct))
        {
            counts = await HealthStateStore.CountsAsync(c1, ct);
        }
        sw.Stop();
        LogRecomputed(logger, residents, changed, sw.Elapsed.TotalSeconds);
        app.RaiseCodesChanged(cause, (int)Math.Min(int.MaxValue, colourChanges));
        return new RecomputeReport(residents, changed, colourChanges, sw.Elapsed.TotalSeconds, app.Db.Provider.ToString().ToLowerInvariant(),
            counts.ToDictionary(k => k.Key.Name(), k => k.Value));
    }

    /// <summary>Recomputes the residents whose release time or hand-set expiry has come.</summary>
    public async Task<int> RecomputeDueAsync(CancellationToken ct = default)
    {
        var now = app.Now.ToUnixTimeSeconds();
        await using var c = await app.Db.OpenAsync(ct);
        // Codes whose release time has come and that were not computed since (an expired hand-set colour has its
        // expiry as next_change). Oldest first, in bounded batches, so a backlog drains in order.
        var changed = 0;
        while (true)
        {
            var due = Dapper.SqlMapper.Query<long>(c,
                "SELECT resident_id FROM health_state WHERE next_change IS NOT NULL AND next_change <= @now AND computed_at < next_change ORDER BY next_change LIMIT 5000",
                new { now }).ToList();
            if (due.Count == 0)
            {
                return changed;
            }
            changed += await RecomputeResidentsAsync(c, due, "due", ct);
            // Mark them computed, changed or not, so they are not picked again until something changes.
            await using var tx = await c.BeginTransactionAsync(ct);
            foreach (var batch in due.Chunk(500))
            {
                Dapper.SqlMapper.Execute(c, "UPDATE health_state SET computed_at = @now WHERE resident_id = @id",
                    batch.Select(id => new { now, id }), tx);
            }
            await tx.CommitAsync(ct);
            if (due.Count < 5000)
            {
                return changed;
            }
        }
    }

    internal async Task<int> RecomputeResidentsAsync(DbConnection c, IReadOnlyCollection<long> ids, string cause, CancellationToken ct = default)
    {
        var changed = 0;
        foreach (var batch in ids.Chunk(2000))
        {
            await using var tx = await c.BeginTransactionAsync(ct);
            foreach (var id in batch)
            {
                if (await ChangeAsync(c, tx, id, cause, null, ct))
                {
                    changed++;
                }
            }
            await tx.CommitAsync(ct);
        }
        app.RaiseCodesChanged(cause, changed);
        return changed;
    }

    // ---------- audit ----------

    internal void Audit(DbConnection c, DbTransaction? tx, Actor actor, string action, long? residentId, string detail) =>
        AuditLog.Write(c, tx, app.Now.ToUnixTimeSeconds(), actor.Name, actor.Role, action, residentId, detail);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Recomputed {Residents} codes, {Changed} changed, in {Seconds:F1} s")]
    private static partial void LogRecomputed(ILogger logger, long residents, long changed, double seconds);
}

/// <summary>Who is acting: a user name and role, or "cli" for the command line.</summary>
public sealed record Actor(string Name, string Role, long? ResidentId = null)
{
    public static readonly Actor Cli = new("cli:" + Environment.UserName, "operator");
}
