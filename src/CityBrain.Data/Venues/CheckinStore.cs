using System.Data.Common;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Venues;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace CityBrain.Data.Venues;

/// <summary>A check-in from a bulk import: passed, method import, no client id or checkpoint (24 bytes, so batches sort fast).</summary>
public readonly record struct ImportedCheckin(long At, long ResidentId, int VenueKey, Direction Direction, Colour Colour);

/// <summary>One check-in (扫码/亮码 record). Times are Unix seconds.</summary>
public readonly record struct CheckinRow(long ResidentId, int VenueKey, long At, Direction Direction, bool Passed, Colour Colour, CheckinMethod Method, string? ClientId = null, string? Checkpoint = null);

/// <summary>
/// Check-in storage. The hot path writes batches: prepared statements in one transaction on SQLite (WAL), a single
/// multi-row INSERT from arrays on PostgreSQL. Rows with a client id that is already stored are skipped, so an offline
/// checkpoint that uploads twice is not counted twice.
/// </summary>
public static class CheckinStore
{
    private const string Columns = "resident_id, vkey, at, direction, passed, colour, method, client_id, checkpoint";

    /// <summary>Writes a batch in the caller's transaction; returns each row's new id, or 0 for a duplicate.</summary>
    public static long[] Insert(DbConnection c, DbTransaction tx, IReadOnlyList<CheckinRow> rows)
    {
        var ids = new long[rows.Count];
        if (rows.Count == 0)
        {
            return ids;
        }
        if (c is NpgsqlConnection pg)
        {
            InsertPostgres(pg, (NpgsqlTransaction)tx, rows, ids);
            return ids;
        }
        // SQLite's own API: one statement prepared per batch, bound and stepped per row. Through ADO.NET the parameter
        // objects and a reader per row cost more than SQLite's insert itself, on the path every scan takes.
        _ = tx;
        var db = ((SqliteConnection)c).Handle!;
        Check(db, SQLitePCL.raw.sqlite3_prepare_v2(db,
            $"INSERT INTO checkins ({Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING RETURNING id", out var stmt));
        using (stmt)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                BindRow(stmt, row);
                BindText(stmt, 8, row.ClientId);
                BindText(stmt, 9, row.Checkpoint);
                var rc = SQLitePCL.raw.sqlite3_step(stmt);
                if (rc == SQLitePCL.raw.SQLITE_ROW)
                {
                    ids[i] = SQLitePCL.raw.sqlite3_column_int64(stmt, 0);
                    rc = SQLitePCL.raw.sqlite3_step(stmt);
                }
                if (rc != SQLitePCL.raw.SQLITE_DONE)
                {
                    Check(db, rc);
                }
                SQLitePCL.raw.sqlite3_reset(stmt);
            }
        }
        return ids;
    }

    private static void InsertPostgres(NpgsqlConnection c, NpgsqlTransaction tx, IReadOnlyList<CheckinRow> rows, long[] ids)
    {
        var n = rows.Count;
        var reserved = new long[n];
        using (var seq = new NpgsqlCommand("SELECT nextval(pg_get_serial_sequence('checkins', 'id')) FROM generate_series(1, @n)", c, tx))
        {
            seq.Parameters.AddWithValue("n", n);
            using var r = seq.ExecuteReader();
            for (var i = 0; r.Read(); i++)
            {
                reserved[i] = r.GetInt64(0);
            }
        }
        var residents = new long[n];
        var venues = new int[n];
        var at = new long[n];
        var dir = new short[n];
        var passed = new short[n];
        var colour = new short[n];
        var method = new short[n];
        var client = new string?[n];
        var checkpoint = new string?[n];
        for (var i = 0; i < n; i++)
        {
            var row = rows[i];
            residents[i] = row.ResidentId;
            venues[i] = row.VenueKey;
            at[i] = row.At;
            dir[i] = (short)row.Direction;
            passed[i] = (short)(row.Passed ? 1 : 0);
            colour[i] = (short)row.Colour;
            method[i] = (short)row.Method;
            client[i] = row.ClientId;
            checkpoint[i] = row.Checkpoint;
        }
        using var cmd = new NpgsqlCommand(
            $"INSERT INTO checkins (id, {Columns}) SELECT * FROM unnest(@id, @r, @v, @t, @d, @p, @c, @m, @cid, @cp) ON CONFLICT DO NOTHING RETURNING id", c, tx);
        cmd.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = reserved });
        cmd.Parameters.Add(new NpgsqlParameter("r", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = residents });
        cmd.Parameters.Add(new NpgsqlParameter("v", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = venues });
        cmd.Parameters.Add(new NpgsqlParameter("t", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = at });
        cmd.Parameters.Add(new NpgsqlParameter("d", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = dir });
        cmd.Parameters.Add(new NpgsqlParameter("p", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = passed });
        cmd.Parameters.Add(new NpgsqlParameter("c", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = colour });
        cmd.Parameters.Add(new NpgsqlParameter("m", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = method });
        cmd.Parameters.Add(new NpgsqlParameter("cid", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = client });
        cmd.Parameters.Add(new NpgsqlParameter("cp", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = checkpoint });
        var inserted = new HashSet<long>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                inserted.Add(r.GetInt64(0));
            }
        }
        for (var i = 0; i < n; i++)
        {
            ids[i] = inserted.Contains(reserved[i]) ? reserved[i] : 0;
        }
    }

    /// <summary>
    /// Bulk load for imports (no duplicate check, no ids back): prepared statements in the caller's transaction on
    /// SQLite, binary COPY on PostgreSQL.
    /// </summary>
    public static void BulkLoad(DbConnection c, DbTransaction tx, ReadOnlySpan<ImportedCheckin> rows)
    {
        if (c is NpgsqlConnection pg)
        {
            using var copy = pg.BeginBinaryImport($"COPY checkins ({Columns}) FROM STDIN (FORMAT BINARY)");
            foreach (ref readonly var row in rows)
            {
                copy.StartRow();
                copy.Write(row.ResidentId, NpgsqlDbType.Bigint);
                copy.Write(row.VenueKey, NpgsqlDbType.Integer);
                copy.Write(row.At, NpgsqlDbType.Bigint);
                copy.Write((short)row.Direction, NpgsqlDbType.Smallint);
                copy.Write((short)1, NpgsqlDbType.Smallint);
                copy.Write((short)row.Colour, NpgsqlDbType.Smallint);
                copy.Write((short)CheckinMethod.Import, NpgsqlDbType.Smallint);
                copy.WriteNull();
                copy.WriteNull();
            }
            copy.Complete();
            return;
        }
        // SQLite's C API directly (SqliteNative: SQLitePCL's binding layer costs ~45 ns a call, more than SQLite's own
        // work), inside the caller's transaction, 64 rows to an INSERT ... VALUES: a statement per row spends half its
        // time starting and ending the statement rather than in the B-tree.
        _ = tx;
        var db = ((SqliteConnection)c).Handle!;
        const int Many = 64;
        const string Insert = "INSERT INTO checkins (resident_id, vkey, at, direction, passed, colour, method) VALUES ";
        var method = (int)CheckinMethod.Import;
        using var many = SqliteNative.Prepare(db, Insert + string.Join(", ", Enumerable.Range(0, Many)
            .Select(i => $"(?{5 * i + 1}, ?{5 * i + 2}, ?{5 * i + 3}, ?{5 * i + 4}, 1, ?{5 * i + 5}, {method})")));
        using var one = SqliteNative.Prepare(db, Insert + $"(?1, ?2, ?3, ?4, 1, ?5, {method})");
        var (hMany, hOne) = (many.DangerousGetHandle(), one.DangerousGetHandle());
        var whole = rows.Length - rows.Length % Many;
        for (var start = 0; start < whole; start += Many)
        {
            for (var i = 0; i < Many; i++)
            {
                BindImported(hMany, 5 * i, rows[start + i]);
            }
            SqliteNative.Run(db, hMany);
        }
        for (var k = whole; k < rows.Length; k++)
        {
            BindImported(hOne, 0, rows[k]);
            SqliteNative.Run(db, hOne);
        }
    }

    private static void BindImported(IntPtr stmt, int offset, in ImportedCheckin row)
    {
        SqliteNative.BindInt64(stmt, offset + 1, row.ResidentId);
        SqliteNative.BindInt(stmt, offset + 2, row.VenueKey);
        SqliteNative.BindInt64(stmt, offset + 3, row.At);
        SqliteNative.BindInt(stmt, offset + 4, (int)row.Direction);
        SqliteNative.BindInt(stmt, offset + 5, (int)row.Colour);
    }

    /// <summary>Binds parameters 1 to 7: resident, venue, time, direction, passed, colour, method.</summary>
    private static void BindRow(SQLitePCL.sqlite3_stmt stmt, in CheckinRow row)
    {
        SQLitePCL.raw.sqlite3_bind_int64(stmt, 1, row.ResidentId);
        SQLitePCL.raw.sqlite3_bind_int(stmt, 2, row.VenueKey);
        SQLitePCL.raw.sqlite3_bind_int64(stmt, 3, row.At);
        SQLitePCL.raw.sqlite3_bind_int(stmt, 4, (int)row.Direction);
        SQLitePCL.raw.sqlite3_bind_int(stmt, 5, row.Passed ? 1 : 0);
        SQLitePCL.raw.sqlite3_bind_int(stmt, 6, (int)row.Colour);
        SQLitePCL.raw.sqlite3_bind_int(stmt, 7, (int)row.Method);
    }

    private static void BindText(SQLitePCL.sqlite3_stmt stmt, int index, string? value)
    {
        if (value is null)
        {
            SQLitePCL.raw.sqlite3_bind_null(stmt, index);
        }
        else
        {
            SQLitePCL.raw.sqlite3_bind_text(stmt, index, value);
        }
    }

    private static void Check(SQLitePCL.sqlite3 db, int rc)
    {
        if (rc is not (SQLitePCL.raw.SQLITE_OK or SQLitePCL.raw.SQLITE_DONE or SQLitePCL.raw.SQLITE_ROW))
        {
            throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(db).utf8_to_string(), rc);
        }
    }

    /// <summary>
    /// The secondary indexes of the check-in table, as migrations 0002 and 0006 leave them. A bulk load of millions of rows
    /// drops them and builds them again at the end: building an index from sorted data is many times cheaper than
    /// inserting millions of random keys into it one by one.
    /// </summary>
    /// <summary>
    /// Drops the index by time for a bulk load of rows spread over time (<see cref="CreateSecondaryIndexes"/> builds it
    /// again). The unique index on client ids stays: imported rows have none, and offline uploads arriving during the
    /// import still need it to be recognised.
    /// </summary>
    public static void DropTimeIndex(DbConnection c) => c.Execute("DROP INDEX IF EXISTS checkins_at");

    /// <summary>
    /// At start-up: builds the index by time if a bulk import was killed before it rebuilt it. Looks in the catalogue
    /// first, so a start does not lock the table (PostgreSQL locks it even for CREATE INDEX IF NOT EXISTS).
    /// </summary>
    public static void EnsureSecondaryIndexes(DbConnection c)
    {
        var present = c is NpgsqlConnection
            ? c.ExecuteScalar<long>("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'checkins' AND indexname IN ('checkins_at', 'checkins_client')")
            : c.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'checkins' AND name IN ('checkins_at', 'checkins_client')");
        if (present < 2)
        {
            CreateSecondaryIndexes(c);
        }
    }

    /// <summary>Builds the secondary indexes that are missing (all of them exist after the migrations).</summary>
    public static void CreateSecondaryIndexes(DbConnection c)
    {
        var sqlite = c is Microsoft.Data.Sqlite.SqliteConnection;
        if (sqlite)
        {
            // Sort in memory on both cores: the default page cache makes the index build spill and run on one thread.
            c.Execute("PRAGMA threads=4; PRAGMA cache_size=-1048576;");
        }
        try
        {
            c.Execute("CREATE UNIQUE INDEX IF NOT EXISTS checkins_client ON checkins (client_id) WHERE client_id IS NOT NULL", commandTimeout: 0);
            c.Execute("CREATE INDEX IF NOT EXISTS checkins_at ON checkins (at)", commandTimeout: 0);
        }
        finally
        {
            if (sqlite)
            {
                c.Execute("PRAGMA threads=0; PRAGMA cache_size=-32768;");
            }
        }
    }

    /// <summary>Check-ins since <paramref name="from"/>, oldest first (to rebuild occupancy and today's counts).</summary>
    public static IEnumerable<CheckinRow> Since(DbConnection c, long from) =>
        c.Query<(long R, int V, long At, int D, int P, int C, int M)>(
                "SELECT resident_id, vkey, at, direction, passed, colour, method FROM checkins WHERE at >= @from ORDER BY at, id", new { from }, buffered: false)
            .Select(r => new CheckinRow(r.R, r.V, r.At, (Direction)r.D, r.P != 0, (Colour)r.C, (CheckinMethod)r.M));

    /// <summary>Deletes check-ins older than <paramref name="before"/> in batches; returns how many.</summary>
    public static long PurgeBefore(DbConnection c, long before)
    {
        long total = 0;
        while (true)
        {
            var n = c.Execute("DELETE FROM checkins WHERE id IN (SELECT id FROM checkins WHERE at < @before LIMIT 50000)", new { before }, commandTimeout: 0);
            total += n;
            if (n < 50000)
            {
                return total;
            }
        }
    }

    public static long Count(DbConnection c) => c.ExecuteScalar<long>("SELECT COUNT(*) FROM checkins");
}
