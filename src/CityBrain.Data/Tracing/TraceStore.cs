using System.Data.Common;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace CityBrain.Data.Tracing;

public sealed record TraceRow(long Id, long CaseResident, long At, int WindowMinutes, int Days, int Degree, string Why, string CreatedBy,
    long CreatedAt, string Status, string? ConfirmedBy, long? ConfirmedAt, double Millis, int FirstDegree, int SecondDegree, int Open, int Reached);

public sealed record TraceContactRow(long ResidentId, int Degree, long FirstExposure, int VenueKey, long OverlapSeconds, int Exposures, long? Via,
    string Township, string PoliceArea, string Status = "open", string? ReachedBy = null, long? ReachedAt = null, string? Note = null);

/// <summary>Contact status as the street offices and police report it back.</summary>
public static class ContactStatus
{
    public const string Open = "open";
    public const string Reached = "reached";
    public const string Unreachable = "unreachable";
    public static readonly IReadOnlyList<string> All = [Open, Reached, Unreachable];
}

/// <summary>Traces (draft → open on confirmation → closed), their contacts, and police station areas.</summary>
public static class TraceStore
{
    // The traces first (LIMIT applies to them), then one pass over their contacts for the counts.
    private const string TraceColumns =
        "t.id, t.case_resident, t.at, t.window_minutes, t.days, t.degree, t.why, t.created_by, t.created_at, t.status, t.confirmed_by, t.confirmed_at, t.millis, " +
        "COALESCE(SUM(CASE WHEN x.degree = 1 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN x.degree = 2 THEN 1 ELSE 0 END), 0), " +
        "COALESCE(SUM(CASE WHEN x.status = 'open' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN x.status = 'reached' THEN 1 ELSE 0 END), 0)";
    private const string TraceGroup =
        " GROUP BY t.id, t.case_resident, t.at, t.window_minutes, t.days, t.degree, t.why, t.created_by, t.created_at, t.status, t.confirmed_by, t.confirmed_at, t.millis";

    public static long Add(DbConnection c, DbTransaction tx, long caseResident, long at, int windowMinutes, int days, int degree, string why,
        string createdBy, long now, double millis, IReadOnlyList<TraceContactRow> contacts)
    {
        var id = c.ExecuteScalar<long>(
            "INSERT INTO traces (case_resident, at, window_minutes, days, degree, why, created_by, created_at, status, millis) " +
            "VALUES (@caseResident, @at, @windowMinutes, @days, @degree, @why, @createdBy, @now, 'draft', @millis) RETURNING id",
            new { caseResident, at, windowMinutes, days, degree, why, createdBy, now, millis }, tx);
        if (c is NpgsqlConnection pg)
        {
            using var copy = pg.BeginBinaryImport(
                "COPY trace_contacts (trace_id, resident_id, degree, first_exposure, vkey, overlap_seconds, exposures, via_resident, township, police_area, status) FROM STDIN (FORMAT BINARY)");
            foreach (var k in contacts)
            {
                copy.StartRow();
                copy.Write(id, NpgsqlDbType.Bigint);
                copy.Write(k.ResidentId, NpgsqlDbType.Bigint);
                copy.Write(k.Degree, NpgsqlDbType.Integer);
                copy.Write(k.FirstExposure, NpgsqlDbType.Bigint);
                copy.Write(k.VenueKey, NpgsqlDbType.Integer);
                copy.Write(k.OverlapSeconds, NpgsqlDbType.Bigint);
                copy.Write(k.Exposures, NpgsqlDbType.Integer);
                if (k.Via is { } v)
                {
                    copy.Write(v, NpgsqlDbType.Bigint);
                }
                else
                {
                    copy.WriteNull();
                }
                copy.Write(k.Township, NpgsqlDbType.Text);
                copy.Write(k.PoliceArea, NpgsqlDbType.Text);
                copy.Write(k.Status, NpgsqlDbType.Text);
            }
            copy.Complete();
            return id;
        }
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO trace_contacts (trace_id, resident_id, degree, first_exposure, vkey, overlap_seconds, exposures, via_resident, township, police_area, status) " +
                          "VALUES ($t, $r, $d, $f, $v, $o, $e, $via, $town, $police, $s)";
        var p = new[] { "$t", "$r", "$d", "$f", "$v", "$o", "$e", "$via", "$town", "$police", "$s" }.Select(n =>
        {
            var x = cmd.CreateParameter();
            x.ParameterName = n;
            cmd.Parameters.Add(x);
            return x;
        }).ToArray();
        cmd.Prepare();
        foreach (var k in contacts)
        {
            p[0].Value = id;
            p[1].Value = k.ResidentId;
            p[2].Value = k.Degree;
            p[3].Value = k.FirstExposure;
            p[4].Value = k.VenueKey;
            p[5].Value = k.OverlapSeconds;
            p[6].Value = k.Exposures;
            p[7].Value = k.Via is { } v ? v : DBNull.Value;
            p[8].Value = k.Township;
            p[9].Value = k.PoliceArea;
            p[10].Value = k.Status;
            cmd.ExecuteNonQuery();
        }
        return id;
    }

    public static TraceRow? Get(DbConnection c, DbTransaction? tx, long id) =>
        Traces(c, tx, "SELECT * FROM traces WHERE id = @id", new { id }).FirstOrDefault();

    public static IReadOnlyList<TraceRow> List(DbConnection c, string? status, int limit) =>
        Traces(c, null, "SELECT * FROM traces " + (status is null ? "" : "WHERE status = @status ") + "ORDER BY id DESC LIMIT @limit", new { status, limit }).ToList();

    private static IEnumerable<TraceRow> Traces(DbConnection c, DbTransaction? tx, string traces, object args) =>
        c.Query<(long Id, long Case, long At, long W, long D, long Deg, string Why, string By, long Created, string Status, string? ConfirmedBy, long? ConfirmedAt,
                double Millis, long N1, long N2, long Open, long Reached)>(
                $"SELECT {TraceColumns} FROM ({traces}) t LEFT JOIN trace_contacts x ON x.trace_id = t.id{TraceGroup} ORDER BY t.id DESC", args, tx)
            .Select(r => new TraceRow(r.Id, r.Case, r.At, (int)r.W, (int)r.D, (int)r.Deg, r.Why, r.By, r.Created, r.Status, r.ConfirmedBy, r.ConfirmedAt, r.Millis,
                (int)r.N1, (int)r.N2, (int)r.Open, (int)r.Reached));

    public static IReadOnlyList<TraceContactRow> Contacts(DbConnection c, DbTransaction? tx, long traceId) =>
        c.Query<(long R, long Deg, long First, long V, long Overlap, long N, long? Via, string Town, string Police, string Status, string? By, long? At, string? Note)>(
                "SELECT resident_id, degree, first_exposure, vkey, overlap_seconds, exposures, via_resident, township, police_area, status, reached_by, reached_at, note " +
                "FROM trace_contacts WHERE trace_id = @traceId ORDER BY degree, resident_id", new { traceId }, tx)
            .Select(r => new TraceContactRow(r.R, (int)r.Deg, r.First, (int)r.V, r.Overlap, (int)r.N, r.Via, r.Town, r.Police, r.Status, r.By, r.At, r.Note))
            .ToList();

    /// <summary>draft → open, only once (two officials confirming at the same moment: one wins).</summary>
    public static bool Confirm(DbConnection c, DbTransaction tx, long id, string by, long now) =>
        c.Execute("UPDATE traces SET status = 'open', confirmed_by = @by, confirmed_at = @now WHERE id = @id AND status = 'draft'", new { id, by, now }, tx) == 1;

    public static bool Close(DbConnection c, DbTransaction? tx, long id) =>
        c.Execute("UPDATE traces SET status = 'closed' WHERE id = @id AND status = 'open'", new { id }, tx) == 1;

    public static bool SetContactStatus(DbConnection c, DbTransaction? tx, long traceId, long residentId, string status, string by, long now, string? note) =>
        c.Execute("UPDATE trace_contacts SET status = @status, reached_by = @by, reached_at = @now, note = @note WHERE trace_id = @traceId AND resident_id = @residentId",
            new { traceId, residentId, status, by, now, note }, tx) == 1;

    public sealed record Summary(int OpenTraces, int ContactsTotal, int ContactsOpen, int ContactsReached);

    /// <summary>Open traces and their contacts, for the dashboard.</summary>
    public static Summary Totals(DbConnection c)
    {
        var r = c.QuerySingle<(long Traces, long? Total, long? Open, long? Reached)>(
            "SELECT (SELECT COUNT(*) FROM traces WHERE status = 'open'), COUNT(*), " +
            "SUM(CASE WHEN k.status = 'open' THEN 1 ELSE 0 END), SUM(CASE WHEN k.status = 'reached' THEN 1 ELSE 0 END) " +
            "FROM trace_contacts k JOIN traces t ON t.id = k.trace_id WHERE t.status = 'open'");
        return new Summary((int)r.Traces, (int)(r.Total ?? 0), (int)(r.Open ?? 0), (int)(r.Reached ?? 0));
    }

    /// <summary>Deletes drafts created before <paramref name="draftsBefore"/> and closed traces created before
    /// <paramref name="closedBefore"/>, with their contacts; returns how many traces.</summary>
    public static int Purge(DbConnection c, DbTransaction tx, long draftsBefore, long closedBefore)
    {
        const string Old = "SELECT id FROM traces WHERE (status = 'draft' AND created_at < @draftsBefore) OR (status = 'closed' AND created_at < @closedBefore)";
        var args = new { draftsBefore, closedBefore };
        c.Execute($"DELETE FROM trace_contacts WHERE trace_id IN ({Old})", args, tx);
        return c.Execute($"DELETE FROM traces WHERE id IN ({Old})", args, tx);
    }

    // ---------- police station areas ----------

    public static void SetPoliceArea(DbConnection c, DbTransaction tx, string divisionCode, string station) =>
        c.Execute("INSERT INTO police_areas (division_code, station) VALUES (@divisionCode, @station) ON CONFLICT (division_code) DO UPDATE SET station = excluded.station",
            new { divisionCode, station }, tx);

    public static IReadOnlyDictionary<string, string> PoliceAreas(DbConnection c) =>
        c.Query<(string Code, string Station)>("SELECT division_code, station FROM police_areas").ToDictionary(r => r.Code, r => r.Station);
}
