using System.Runtime.InteropServices;

namespace CityBrain.Data.Infrastructure;

/// <summary>
/// The few SQLite C calls of the bulk loops, called directly. Through SQLitePCL's provider layer each bind or column
/// call costs about 45 ns of marshalling, more than SQLite's own work: reading six million readings took 1.4 s instead
/// of 0.9 s. Statements are still prepared, reported and finalised through SQLitePCL (safe handles); only their raw
/// pointers pass here, while the handle is held. The library is the one Microsoft.Data.Sqlite loads (e_sqlite3).
/// The short calls skip the GC transition; sqlite3_step does not (it may wait on a lock).
/// </summary>
internal static class SqliteNative
{
    public const int Row = 100;
    public const int Done = 101;

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_bind_int"), SuppressGCTransition]
    public static extern int BindInt(IntPtr stmt, int index, int value);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_bind_int64"), SuppressGCTransition]
    public static extern int BindInt64(IntPtr stmt, int index, long value);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_bind_double"), SuppressGCTransition]
    public static extern int BindDouble(IntPtr stmt, int index, double value);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_step")]
    public static extern int Step(IntPtr stmt);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_reset")]
    public static extern int Reset(IntPtr stmt);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_column_int"), SuppressGCTransition]
    public static extern int ColumnInt(IntPtr stmt, int index);

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_column_double"), SuppressGCTransition]
    public static extern double ColumnDouble(IntPtr stmt, int index);

    /// <summary>Prepares a statement through SQLitePCL (a safe handle to dispose), throwing SQLite's message on error.</summary>
    public static SQLitePCL.sqlite3_stmt Prepare(SQLitePCL.sqlite3 db, string sql)
    {
        Check(db, SQLitePCL.raw.sqlite3_prepare_v2(db, sql, out var stmt), SQLitePCL.raw.SQLITE_OK);
        return stmt;
    }

    /// <summary>Steps a statement that returns no rows and resets it for the next binding.</summary>
    public static void Run(SQLitePCL.sqlite3 db, IntPtr stmt)
    {
        var rc = Step(stmt);
        Reset(stmt);
        Check(db, rc, Done);
    }

    public static void Check(SQLitePCL.sqlite3 db, int rc, int expected)
    {
        if (rc != expected)
        {
            throw new Microsoft.Data.Sqlite.SqliteException(SQLitePCL.raw.sqlite3_errmsg(db).utf8_to_string(), rc);
        }
    }
}
