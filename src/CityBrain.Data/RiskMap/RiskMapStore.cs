using System.Data.Common;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.RiskMap;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace CityBrain.Data.RiskMap;

/// <summary>A stored grade: one area on one day under one rule set, the indicators as JSON text.</summary>
public sealed record StoredGrade(string Rules, string Level, int Day, string Division, string Grade, string? Previous, string Indicators);

/// <summary>
/// case_counts (one row a division a day; re-import replaces) and risk_grades (one row a rule set, level, day and
/// area). Bulk writes: prepared statements in the caller's transaction on SQLite, binary COPY on PostgreSQL.
/// </summary>
public static class RiskMapStore
{
    public const string SourceDaily = "daily";
    public const string SourceCumulative = "cumulative-2020";

    /// <summary>Inserts or replaces (per day and division) the counts, in the caller's transaction.</summary>
    public static int UpsertCounts(DbConnection c, DbTransaction tx, IEnumerable<(CaseCount Count, string Source)> rows, long now)
    {
        const string upsert = "INSERT INTO case_counts (day, division_code, confirmed_new, confirmed_local_new, cluster_events, source, imported_at) {0} " +
                              "ON CONFLICT (day, division_code) DO UPDATE SET confirmed_new = excluded.confirmed_new, confirmed_local_new = excluded.confirmed_local_new, " +
                              "cluster_events = excluded.cluster_events, source = excluded.source, imported_at = excluded.imported_at";
        var n = 0;
        if (c is NpgsqlConnection pg)
        {
            using (var create = new NpgsqlCommand("CREATE TEMP TABLE IF NOT EXISTS case_counts_in (day INTEGER, division_code TEXT, confirmed_new INTEGER, " +
                                                  "confirmed_local_new INTEGER, cluster_events INTEGER, source TEXT, imported_at BIGINT) ON COMMIT DELETE ROWS", pg, (NpgsqlTransaction)tx))
            {
                create.ExecuteNonQuery();
            }
            using (var copy = pg.BeginBinaryImport("COPY case_counts_in (day, division_code, confirmed_new, confirmed_local_new, cluster_events, source, imported_at) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var (r, source) in rows)
                {
                    copy.StartRow();
                    copy.Write(r.Day, NpgsqlDbType.Integer);
                    copy.Write(r.Division, NpgsqlDbType.Text);
                    copy.Write(r.ConfirmedNew, NpgsqlDbType.Integer);
                    WriteNullable(copy, r.LocalNew);
                    WriteNullable(copy, r.Clusters);
                    copy.Write(source, NpgsqlDbType.Text);
                    copy.Write(now, NpgsqlDbType.Bigint);
                    n++;
                }
                copy.Complete();
            }
            using var apply = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, upsert,
                "SELECT day, division_code, confirmed_new, confirmed_local_new, cluster_events, source, imported_at FROM case_counts_in") + "; TRUNCATE case_counts_in", pg, (NpgsqlTransaction)tx);
            apply.ExecuteNonQuery();
            return n;
        }
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = string.Format(System.Globalization.CultureInfo.InvariantCulture, upsert, "VALUES (@day, @code, @new, @local, @clusters, @source, @now)");
        var (day, code, newCases, local, clusters, src, at) = (cmd.AddParameter("@day", 0), cmd.AddParameter("@code", ""), cmd.AddParameter("@new", 0),
            cmd.AddParameter("@local", null), cmd.AddParameter("@clusters", null), cmd.AddParameter("@source", ""), cmd.AddParameter("@now", now));
        cmd.Prepare();
        foreach (var (r, source) in rows)
        {
            day.Value = r.Day;
            code.Value = r.Division;
            newCases.Value = r.ConfirmedNew;
            local.Value = r.LocalNew is { } l ? l : DBNull.Value;
            clusters.Value = r.Clusters is { } k ? k : DBNull.Value;
            src.Value = source;
            cmd.ExecuteNonQuery();
            n++;
        }
        return n;
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, int? value)
    {
        if (value is { } v)
        {
            copy.Write(v, NpgsqlDbType.Integer);
        }
        else
        {
            copy.WriteNull();
        }
    }

    /// <summary>Every stored count.</summary>
    public static List<CaseCount> AllCounts(DbConnection c, DbTransaction? tx = null) =>
        c.Query<(int Day, string Code, int New, int? Local, int? Clusters)>(
                "SELECT day, division_code, confirmed_new, confirmed_local_new, cluster_events FROM case_counts", transaction: tx)
            .Select(r => new CaseCount(r.Code, r.Day, r.New, r.Local, r.Clusters)).ToList();

    public static long CountRows(DbConnection c) => c.ExecuteScalar<long>("SELECT COUNT(*) FROM case_counts");

    /// <summary>Replaces the grades of a rule set and level from <paramref name="fromDay"/> on, in the caller's transaction.</summary>
    public static int ReplaceGrades(DbConnection c, DbTransaction tx, string rules, string level, int fromDay, IEnumerable<StoredGrade> grades)
    {
        c.Execute("DELETE FROM risk_grades WHERE rules = @rules AND level = @level AND day >= @fromDay", new { rules, level, fromDay }, tx);
        var n = 0;
        if (c is NpgsqlConnection pg)
        {
            using var copy = pg.BeginBinaryImport("COPY risk_grades (rules, level, day, division_code, grade, previous_grade, indicators) FROM STDIN (FORMAT BINARY)");
            foreach (var g in grades)
            {
                copy.StartRow();
                copy.Write(g.Rules, NpgsqlDbType.Text);
                copy.Write(g.Level, NpgsqlDbType.Text);
                copy.Write(g.Day, NpgsqlDbType.Integer);
                copy.Write(g.Division, NpgsqlDbType.Text);
                copy.Write(g.Grade, NpgsqlDbType.Text);
                if (g.Previous is null)
                {
                    copy.WriteNull();
                }
                else
                {
                    copy.Write(g.Previous, NpgsqlDbType.Text);
                }
                copy.Write(g.Indicators, NpgsqlDbType.Text);
                n++;
            }
            copy.Complete();
            return n;
        }
        // SQLite: 50 rows a statement (one INSERT ... VALUES (..), (..)), prepared once: a third of the time of one a statement.
        const int Many = 50;
        using var many = InsertGrades(c, tx, Many);
        using var one = InsertGrades(c, tx, 1);
        var pending = new List<StoredGrade>(Many);
        foreach (var g in grades)
        {
            pending.Add(g);
            n++;
            if (pending.Count == Many)
            {
                BindGrades(many, pending);
                many.ExecuteNonQuery();
                pending.Clear();
            }
        }
        foreach (var g in pending)
        {
            BindGrades(one, [g]);
            one.ExecuteNonQuery();
        }
        return n;
    }

    private static DbCommand InsertGrades(DbConnection c, DbTransaction tx, int rows)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO risk_grades (rules, level, day, division_code, grade, previous_grade, indicators) VALUES " +
                          string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@r{i}, @l{i}, @d{i}, @c{i}, @g{i}, @p{i}, @i{i})"));
        for (var i = 0; i < rows; i++)
        {
            foreach (var name in new[] { "r", "l", "d", "c", "g", "p", "i" })
            {
                cmd.AddParameter(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"@{name}{i}"), null);
            }
        }
        cmd.Prepare();
        return cmd;
    }

    private static void BindGrades(DbCommand cmd, IReadOnlyList<StoredGrade> grades)
    {
        for (var i = 0; i < grades.Count; i++)
        {
            var g = grades[i];
            var p = cmd.Parameters;
            p[7 * i].Value = g.Rules;
            p[7 * i + 1].Value = g.Level;
            p[7 * i + 2].Value = g.Day;
            p[7 * i + 3].Value = g.Division;
            p[7 * i + 4].Value = g.Grade;
            p[7 * i + 5].Value = (object?)g.Previous ?? DBNull.Value;
            p[7 * i + 6].Value = g.Indicators;
        }
    }

    /// <summary>
    /// The days with a grading, in order. A skip scan: one primary-key seek per day, instead of a DISTINCT that reads
    /// every area's row with its indicators (200 ms for half a year of city grades, 1 ms this way).
    /// </summary>
    public static List<int> Dates(DbConnection c, string rules, string level) =>
        c.Query<int>(
            "WITH RECURSIVE d(day) AS (SELECT MIN(day) FROM risk_grades WHERE rules = @rules AND level = @level " +
            "UNION ALL SELECT (SELECT MIN(g.day) FROM risk_grades g WHERE g.rules = @rules AND g.level = @level AND g.day > d.day) FROM d WHERE d.day IS NOT NULL) " +
            "SELECT day FROM d WHERE day IS NOT NULL ORDER BY day", new { rules, level }).ToList();

    public static int? LatestDay(DbConnection c, string rules, string level) =>
        c.ExecuteScalar<int?>("SELECT MAX(day) FROM risk_grades WHERE rules = @rules AND level = @level", new { rules, level });

    /// <summary>The grades of a day, optionally only areas whose code starts with <paramref name="region"/>.</summary>
    public static List<StoredGrade> OnDay(DbConnection c, string rules, string level, int day, string? region = null) =>
        c.Query<(string Code, string Grade, string? Previous, string Indicators)>(
                "SELECT division_code, grade, previous_grade, indicators FROM risk_grades WHERE rules = @rules AND level = @level AND day = @day " +
                "AND (@region IS NULL OR division_code LIKE @prefix) ORDER BY division_code",
                new { rules, level, day, region, prefix = region + "%" })
            .Select(r => new StoredGrade(rules, level, day, r.Code, r.Grade, r.Previous, r.Indicators)).ToList();

    /// <summary>An area's grades, day by day.</summary>
    public static List<StoredGrade> History(DbConnection c, string rules, string division) =>
        c.Query<(string Level, int Day, string Grade, string? Previous, string Indicators)>(
                "SELECT level, day, grade, previous_grade, indicators FROM risk_grades WHERE rules = @rules AND division_code = @division ORDER BY day",
                new { rules, division })
            .Select(r => new StoredGrade(rules, r.Level, r.Day, division, r.Grade, r.Previous, r.Indicators)).ToList();
}
