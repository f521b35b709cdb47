using System.Data.Common;
using Dapper;

namespace CityBrain.Data.Audit;

public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Role, string Action, long? ResidentId, string Detail);

/// <summary>
/// Who did what to whom: every read of a person's identity, list status or trajectory by an official, every
/// hand-set colour, approval, appeal decision, import and purge. Append-only.
/// </summary>
public static class AuditLog
{
    public static void Write(DbConnection c, DbTransaction? tx, long now, string actor, string role, string action, long? residentId, string detail) =>
        c.Execute("INSERT INTO audit_log (at, actor, role, action, resident_id, detail) VALUES (@now, @actor, @role, @action, @residentId, @detail)",
            new { now, actor, role, action, residentId, detail }, tx);

    public static IReadOnlyList<AuditEntry> Recent(DbConnection c, long? residentId, int limit)
    {
        var rows = c.Query<(long Id, long At, string Actor, string Role, string Action, long? ResidentId, string Detail)>(
            "SELECT id, at, actor, role, action, resident_id, detail FROM audit_log " +
            (residentId is null ? "" : "WHERE resident_id = @residentId ") + "ORDER BY id DESC LIMIT @limit",
            new { residentId, limit });
        return rows.Select(r => new AuditEntry(r.Id, DateTimeOffset.FromUnixTimeSeconds(r.At), r.Actor, r.Role, r.Action, r.ResidentId, r.Detail)).ToList();
    }
}
