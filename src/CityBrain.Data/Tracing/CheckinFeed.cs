using System.Data.Common;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.Tracing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CityBrain.Data.Tracing;

/// <summary>
/// Streams the check-ins the tracing index holds: admitted ones (a denied scan did not enter), as (id, resident,
/// venue, time, out). PostgreSQL uses binary COPY; SQLite a plain forward-only reader. No ordering is asked for:
/// the index sorts for itself, and an ORDER BY would cost the database a sort of every row.
/// </summary>
public static class CheckinFeed
{
    public delegate void Sink(long id, in Checkin checkin);

    /// <summary>Reads admitted check-ins with time in [from, to]; returns how many were read.</summary>
    public static long Read(Database db, DbConnection c, long from, long to, Sink sink)
    {
        const string Select = "SELECT id, resident_id, vkey, at, direction FROM checkins WHERE passed = 1 AND at >= {0} AND at <= {1}";
        long n = 0;
        if (db.IsPostgres)
        {
            var sql = string.Format(System.Globalization.CultureInfo.InvariantCulture, Select, from, to);
            using var reader = ((NpgsqlConnection)c).BeginBinaryExport($"COPY ({sql}) TO STDOUT (FORMAT BINARY)");
            while (reader.StartRow() >= 0)
            {
                var id = reader.Read<long>();
                var resident = reader.Read<long>();
                var venue = reader.Read<int>();
                var at = reader.Read<long>();
                var direction = reader.Read<short>();
                sink(id, new Checkin(checked((int)resident), venue, at, direction != 0));
                n++;
            }
            return n;
        }
        using var cmd = (SqliteCommand)c.CreateCommand();
        cmd.CommandText = string.Format(System.Globalization.CultureInfo.InvariantCulture, Select, "$from", "$to");
        cmd.Parameters.AddWithValue("$from", from);
        cmd.Parameters.AddWithValue("$to", to);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            sink(r.GetInt64(0), new Checkin(checked((int)r.GetInt64(1)), r.GetInt32(2), r.GetInt64(3), r.GetInt64(4) != 0));
            n++;
        }
        return n;
    }

    /// <summary>
    /// Marks that check-ins changed other than through the server's own writer (a bulk import, a purge), possibly by
    /// another process: servers that keep a copy (the tracing index) see a new generation and reload.
    /// </summary>
    public static void BumpGeneration(DbConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO meta (key, value) VALUES ('checkins_generation', @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        var p = cmd.CreateParameter();
        p.ParameterName = "v";
        p.Value = Guid.NewGuid().ToString("N");
        cmd.Parameters.Add(p);
        cmd.ExecuteNonQuery();
    }

    public static string Generation(DbConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key = 'checkins_generation'";
        return cmd.ExecuteScalar() as string ?? "";
    }

    /// <summary>The oldest check-in id still stored (0 when there is none).</summary>
    public static long MinId(DbConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MIN(id), 0) FROM checkins";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
