using System.Data.Common;
using CityBrain.Domain.HealthCodes;
using Dapper;

namespace CityBrain.Data.HealthCodes;

public static class ListStore
{
    /// <summary>Records joining a list (no-op if already on it); returns whether anything changed.</summary>
    public static bool Join(DbConnection c, DbTransaction tx, long residentId, ListKind list, long since, long now, string source)
    {
        var active = c.ExecuteScalar<long?>("SELECT id FROM list_entries WHERE resident_id = @residentId AND list = @l AND released_at IS NULL",
            new { residentId, l = (int)list }, tx);
        if (active is not null)
        {
            return false;
        }
        c.Execute("INSERT INTO list_entries (resident_id, list, since, imported_at, source) VALUES (@residentId, @l, @since, @now, @source)",
            new { residentId, l = (int)list, since, now, source }, tx);
        return true;
    }

    /// <summary>Ends an active membership; returns whether there was one.</summary>
    public static bool Release(DbConnection c, DbTransaction tx, long residentId, ListKind list, long at) =>
        c.Execute("UPDATE list_entries SET released_at = @at WHERE resident_id = @residentId AND list = @l AND released_at IS NULL",
            new { residentId, l = (int)list, at }, tx) > 0;

    public sealed record Membership(string List, DateTimeOffset Since, DateTimeOffset? ReleasedAt, string Source);

    public static IReadOnlyList<Membership> History(DbConnection c, long residentId) =>
        c.Query<(int List, long Since, long? Released, string Source)>(
                "SELECT list, since, released_at, source FROM list_entries WHERE resident_id = @residentId ORDER BY since", new { residentId })
            .Select(r => new Membership(Lists.Names[r.List], DateTimeOffset.FromUnixTimeSeconds(r.Since),
                r.Released is { } x ? DateTimeOffset.FromUnixTimeSeconds(x) : null, r.Source))
            .ToList();

    /// <summary>The sources of a resident's active list memberships that start with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<string> ActiveSources(DbConnection c, long residentId, string prefix) =>
        c.Query<string>("SELECT source FROM list_entries WHERE resident_id = @residentId AND released_at IS NULL AND source LIKE @p ORDER BY since",
            new { residentId, p = prefix + "%" }).ToList();

    public static IReadOnlyDictionary<string, long> ActiveCounts(DbConnection c) =>
        c.Query<(int List, long N)>("SELECT list, COUNT(*) FROM list_entries WHERE released_at IS NULL GROUP BY list")
            .ToDictionary(r => Lists.Names[r.List], r => r.N);
}

public static class DeclarationStore
{
    public static long Add(DbConnection c, DbTransaction tx, long residentId, long at, bool daily, int? temperatureX10, Symptoms symptoms, bool contact, string? travel) =>
        c.ExecuteScalar<long>(
            "INSERT INTO declarations (resident_id, at, kind, temperature_x10, symptoms, contact_with_case, travel) VALUES (@residentId, @at, @kind, @t, @s, @contact, @travel) RETURNING id",
            new { residentId, at, kind = daily ? 1 : 0, t = temperatureX10, s = (int)symptoms, contact = contact ? 1 : 0, travel }, tx);

    public sealed record Row(long Id, DateTimeOffset At, bool Daily, int? TemperatureX10, Symptoms Symptoms, bool ContactWithCase, string? Travel);

    public static IReadOnlyList<Row> Recent(DbConnection c, long residentId, int limit) =>
        c.Query<(long Id, long At, int Kind, int? T, int S, int C, string? Travel)>(
                "SELECT id, at, kind, temperature_x10, symptoms, contact_with_case, travel FROM declarations WHERE resident_id = @residentId ORDER BY at DESC, id DESC LIMIT @limit",
                new { residentId, limit })
            .Select(r => new Row(r.Id, DateTimeOffset.FromUnixTimeSeconds(r.At), r.Kind == 1, r.T, (Symptoms)r.S, r.C != 0, r.Travel))
            .ToList();
}

public sealed record OverrideRow(long Id, long ResidentId, Colour Colour, string Reason, DateTimeOffset ExpiresAt, string SetBy,
    DateTimeOffset SetAt, string Status, string? ApprovedBy, DateTimeOffset? ApprovedAt);

public static class OverrideStore
{
    public static long Add(DbConnection c, DbTransaction tx, long residentId, Colour colour, string reason, long expiresAt, string setBy, long now, string status) =>
        c.ExecuteScalar<long>(
            "INSERT INTO code_overrides (resident_id, colour, reason, expires_at, set_by, set_at, status) VALUES (@residentId, @colour, @reason, @expiresAt, @setBy, @now, @status) RETURNING id",
            new { residentId, colour = (int)colour, reason, expiresAt, setBy, now, status }, tx);

    public static OverrideRow? Get(DbConnection c, DbTransaction? tx, long id) =>
        Map(c.Query<(long, long, int, string, long, string, long, string, string?, long?)>(
            "SELECT id, resident_id, colour, reason, expires_at, set_by, set_at, status, approved_by, approved_at FROM code_overrides WHERE id = @id", new { id }, tx)).FirstOrDefault();

    public static IReadOnlyList<OverrideRow> List(DbConnection c, string? status, long? residentId) =>
        Map(c.Query<(long, long, int, string, long, string, long, string, string?, long?)>(
            "SELECT id, resident_id, colour, reason, expires_at, set_by, set_at, status, approved_by, approved_at FROM code_overrides " +
            "WHERE (@status IS NULL OR status = @status) AND (@residentId IS NULL OR resident_id = @residentId) ORDER BY id DESC LIMIT 500",
            new { status, residentId })).ToList();

    /// <summary>
    /// Makes an override the one in force (ending other active ones of the resident). Only from <paramref name="from"/>:
    /// returns false when another official changed it first (two approvals, or an approval and a rejection, at once).
    /// </summary>
    public static bool Activate(DbConnection c, DbTransaction tx, long id, long residentId, string? approvedBy, long now, string from = "pending")
    {
        var moved = c.Execute("UPDATE code_overrides SET status = 'active', approved_by = COALESCE(@approvedBy, approved_by), approved_at = CASE WHEN @approvedBy IS NULL THEN approved_at ELSE @now END WHERE id = @id AND status = @from",
            new { id, approvedBy, now, from }, tx);
        if (moved == 0)
        {
            return false;
        }
        c.Execute("UPDATE code_overrides SET status = 'revoked' WHERE resident_id = @residentId AND status = 'active' AND id <> @id", new { residentId, id }, tx);
        return true;
    }

    /// <summary>Moves an override from one status to another; false when it was no longer in <paramref name="from"/>.</summary>
    public static bool Transition(DbConnection c, DbTransaction tx, long id, string from, string to, string? by, long now) =>
        c.Execute("UPDATE code_overrides SET status = @to, approved_by = COALESCE(@by, approved_by), approved_at = CASE WHEN @by IS NULL THEN approved_at ELSE @now END WHERE id = @id AND status = @from",
            new { id, from, to, by, now }, tx) > 0;

    public static void SetStatus(DbConnection c, DbTransaction tx, long id, string status, string? by, long now) =>
        c.Execute("UPDATE code_overrides SET status = @status, approved_by = COALESCE(@by, approved_by), approved_at = CASE WHEN @by IS NULL THEN approved_at ELSE @now END WHERE id = @id", new { id, status, by, now }, tx);

    private static IEnumerable<OverrideRow> Map(IEnumerable<(long Id, long R, int C, string Reason, long Exp, string SetBy, long SetAt, string Status, string? ApprovedBy, long? ApprovedAt)> rows) =>
        rows.Select(r => new OverrideRow(r.Id, r.R, (Colour)r.C, r.Reason, DateTimeOffset.FromUnixTimeSeconds(r.Exp), r.SetBy,
            DateTimeOffset.FromUnixTimeSeconds(r.SetAt), r.Status, r.ApprovedBy, r.ApprovedAt is { } a ? DateTimeOffset.FromUnixTimeSeconds(a) : null));
}

public sealed record AppealRow(long Id, long ResidentId, Colour Colour, string Rules, string Text, DateTimeOffset FiledAt, string Status,
    string? DecidedBy, DateTimeOffset? DecidedAt, string? Outcome);

public static class AppealStore
{
    public static long File(DbConnection c, DbTransaction tx, long residentId, Colour colour, string rules, string text, long now) =>
        c.ExecuteScalar<long>(
            "INSERT INTO appeals (resident_id, colour, rules, text, filed_at, status) VALUES (@residentId, @colour, @rules, @text, @now, 'open') RETURNING id",
            new { residentId, colour = (int)colour, rules, text, now }, tx);

    /// <summary>Decides an open appeal; false when it was decided already (by another official at the same time).</summary>
    public static bool Decide(DbConnection c, DbTransaction tx, long id, string status, string by, string outcome, long now) =>
        c.Execute("UPDATE appeals SET status = @status, decided_by = @by, decided_at = @now, outcome = @outcome WHERE id = @id AND status = 'open'",
            new { id, status, by, outcome, now }, tx) > 0;

    public static AppealRow? Get(DbConnection c, DbTransaction? tx, long id) =>
        Query(c, tx, "WHERE id = @id", new { id }).FirstOrDefault();

    public static IReadOnlyList<AppealRow> List(DbConnection c, string? status, long? residentId) =>
        Query(c, null, "WHERE (@status IS NULL OR status = @status) AND (@residentId IS NULL OR resident_id = @residentId) ORDER BY id DESC LIMIT 500",
            new { status, residentId }).ToList();

    private static IEnumerable<AppealRow> Query(DbConnection c, DbTransaction? tx, string where, object args) =>
        c.Query<(long Id, long R, int C, string Rules, string Text, long Filed, string Status, string? By, long? At, string? Outcome)>(
                "SELECT id, resident_id, colour, rules, text, filed_at, status, decided_by, decided_at, outcome FROM appeals " + where, args, tx)
            .Select(r => new AppealRow(r.Id, r.R, (Colour)r.C, r.Rules, r.Text, DateTimeOffset.FromUnixTimeSeconds(r.Filed), r.Status, r.By,
                r.At is { } a ? DateTimeOffset.FromUnixTimeSeconds(a) : null, r.Outcome));
}

public static class RiskAreaStore
{
    public static IReadOnlyDictionary<string, RiskRank> All(DbConnection c) =>
        c.Query<(string Code, int Rank)>("SELECT division_code, rank FROM risk_areas").ToDictionary(r => r.Code, r => (RiskRank)r.Rank);

    public static void Set(DbConnection c, DbTransaction tx, string code, RiskRank rank, string by, long now) =>
        c.Execute("INSERT INTO risk_areas (division_code, rank, updated_at, updated_by) VALUES (@code, @rank, @now, @by) " +
                  "ON CONFLICT (division_code) DO UPDATE SET rank = excluded.rank, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            new { code, rank = (int)rank, by, now }, tx);

    /// <summary>Residents whose declared travel passes through <paramref name="code"/> or an area inside it.</summary>
    public static IReadOnlyList<long> ResidentsTravelledThrough(DbConnection c, string code) =>
        c.Query<long>("SELECT resident_id FROM health_state WHERE travel LIKE @p OR travel LIKE @q", new { p = code + "%", q = "%;" + code + "%" }).ToList();
}
