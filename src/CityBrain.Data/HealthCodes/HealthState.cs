using System.Data.Common;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Data.HealthCodes;

/// <summary>The stored code of a resident, as last computed.</summary>
public sealed record StoredCode(long ResidentId, Colour Colour, string Rules, DateTimeOffset? NextChange,
    DateTimeOffset ColourSince, DateTimeOffset ComputedAt, Colour? OverrideColour, string? OverrideReason, DateTimeOffset? OverrideUntil);

/// <summary>A new code to store; <see cref="ColourChanged"/> also writes a row to code_changes.</summary>
/// <remarks>With <see cref="Version"/> at least 0 the update applies only if the row's facts are still that version, so a
/// whole-city recompute that read a row before an event changed it cannot overwrite the event's newer code.</remarks>
public readonly record struct CodeUpdate(long ResidentId, Colour From, Colour Colour, string Rules, long? NextChange, bool ColourChanged, long Version = -1, string? Released = null);

/// <summary>
/// Reads and writes the health_state projection: the facts the rules read and the code they gave, one row a
/// resident, so that a recompute of the whole city is one sequential scan.
/// </summary>
public static class HealthStateStore
{
    internal const string Columns =
        "resident_id, home_division, birth_year, lists, since0, since1, since2, since3, since4, decl_day, temp_x10, symptoms, " +
        "contact_case, travel, last_abnormal_day, streak_start, streak_last, ov_colour, ov_until, colour, rules, next_change, version, released, ov_set_day";

    /// <summary>The current code as stored, plus what the engine needs to know about it.</summary>
    public readonly record struct Current(Colour Colour, string Rules, long? NextChange, Colour? OverrideColour, long? OverrideUntil, long Version = -1, string? Released = null);

    /// <summary>Fills <paramref name="f"/> from a row read with <see cref="Columns"/>.</summary>
    public static Current Read(DbDataReader r, HealthFacts f)
    {
        f.Reset();
        f.ResidentKey = r.GetInt64(0);
        f.HomeDivision = r.GetString(1);
        f.BirthYear = r.GetInt32(2);
        f.Lists = (byte)r.GetInt32(3);
        for (var i = 0; i < Lists.Count; i++)
        {
            f.ListSinceDay[i] = r.IsDBNull(4 + i) ? HealthFacts.NoDay : r.GetInt32(4 + i);
        }
        f.DeclarationDay = r.IsDBNull(9) ? HealthFacts.NoDay : r.GetInt32(9);
        f.TemperatureX10 = r.GetInt32(10);
        f.Symptoms = (Symptoms)r.GetInt32(11);
        f.ContactWithCase = r.GetInt32(12) != 0;
        f.Travel = r.IsDBNull(13) ? null : r.GetString(13);
        f.LastAbnormalDay = r.IsDBNull(14) ? HealthFacts.NoDay : r.GetInt32(14);
        f.StreakStartDay = r.IsDBNull(15) ? HealthFacts.NoDay : r.GetInt32(15);
        f.StreakLastDay = r.IsDBNull(16) ? HealthFacts.NoDay : r.GetInt32(16);
        Colour? ov = r.IsDBNull(17) ? null : (Colour)r.GetInt32(17);
        long? ovUntil = r.IsDBNull(18) ? null : r.GetInt64(18);
        f.OverrideColour = ov;
        f.OverrideUntil = ovUntil ?? 0;
        // Columns in order: the PostgreSQL reader streams them (SequentialAccess).
        var colour = (Colour)r.GetInt32(19);
        var rules = r.GetString(20);
        long? next = r.IsDBNull(21) ? null : r.GetInt64(21);
        var version = r.GetInt64(22);
        f.Released = r.IsDBNull(23) ? null : r.GetString(23);
        f.OverrideSetDay = r.IsDBNull(24) ? HealthFacts.NoDay : r.GetInt32(24);
        return new Current(colour, rules, next, ov, ovUntil, version, f.Released);
    }

    public static async Task<(bool Found, Current Current)> LoadAsync(DbConnection c, DbTransaction? tx, long residentId, HealthFacts f, CancellationToken ct = default)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        // Inside a write transaction the row is locked on PostgreSQL (SQLite write transactions are IMMEDIATE, so
        // writers are serialised): two events for one resident at once cannot lose each other's change.
        cmd.CommandText = $"SELECT {Columns} FROM health_state WHERE resident_id = @id" + (tx is not null && c is Npgsql.NpgsqlConnection ? " FOR UPDATE" : "");
        cmd.AddParameter("id", residentId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return (false, default);
        }
        return (true, Read(r, f));
    }

    /// <summary>Streams rows with ids in [from, to) in id order.</summary>
    public static DbDataReader OpenRange(DbConnection c, long from, long to)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM health_state WHERE resident_id >= @a AND resident_id < @b ORDER BY resident_id";
        cmd.AddParameter("a", from);
        cmd.AddParameter("b", to);
        cmd.CommandTimeout = 0;
        return cmd.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
    }

    public static (long Min, long Max, long Count) Bounds(DbConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MIN(resident_id), 0), COALESCE(MAX(resident_id), 0), COUNT(*) FROM health_state";
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
    }

    /// <summary>Writes the fact columns of one resident back (after a declaration, check-in or list change).</summary>
    public static void SaveFacts(DbConnection c, DbTransaction tx, HealthFacts f)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE health_state SET lists = @lists, since0 = @s0, since1 = @s1, since2 = @s2, since3 = @s3, since4 = @s4, " +
                          "decl_day = @dd, temp_x10 = @temp, symptoms = @sym, contact_case = @cc, travel = @travel, last_abnormal_day = @lad, " +
                          "streak_start = @ss, streak_last = @sl, version = version + 1 WHERE resident_id = @id";
        cmd.AddParameter("lists", (int)f.Lists);
        for (var i = 0; i < Lists.Count; i++)
        {
            cmd.AddParameter("s" + i, Day(Lists.Has(f.Lists, (ListKind)i) ? f.ListSinceDay[i] : HealthFacts.NoDay));
        }
        cmd.AddParameter("dd", Day(f.DeclarationDay));
        cmd.AddParameter("temp", f.TemperatureX10);
        cmd.AddParameter("sym", (int)f.Symptoms);
        cmd.AddParameter("cc", f.ContactWithCase ? 1 : 0);
        cmd.AddParameter("travel", f.Travel);
        cmd.AddParameter("lad", Day(f.LastAbnormalDay));
        cmd.AddParameter("ss", Day(f.StreakStartDay));
        cmd.AddParameter("sl", Day(f.StreakLastDay));
        cmd.AddParameter("id", f.ResidentKey);
        cmd.ExecuteNonQuery();
    }

    public static void SaveOverride(DbConnection c, DbTransaction tx, long residentId, Colour? colour, long? until, string? reason, int? setDay = null)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE health_state SET ov_colour = @c, ov_until = @u, ov_reason = @r, ov_set_day = @d, version = version + 1 WHERE resident_id = @id";
        cmd.AddParameter("d", setDay);
        cmd.AddParameter("c", colour is { } col ? (int)col : null);
        cmd.AddParameter("u", until);
        cmd.AddParameter("r", reason);
        cmd.AddParameter("id", residentId);
        cmd.ExecuteNonQuery();
    }

    private static object Day(int day) => day == HealthFacts.NoDay ? DBNull.Value : day;

    /// <summary>Writes new codes (and a code_changes row where the colour changed) in the caller's transaction.</summary>
    public static void Save(DbConnection c, DbTransaction tx, IReadOnlyList<CodeUpdate> updates, long now, string cause)
    {
        if (updates.Count == 0)
        {
            return;
        }
        if (c is Npgsql.NpgsqlConnection pg)
        {
            SavePostgres(pg, (Npgsql.NpgsqlTransaction)tx, updates, now, cause);
            return;
        }
        using var up = c.CreateCommand();
        up.Transaction = tx;
        up.CommandText = "UPDATE health_state SET colour = @c, rules = @r, next_change = @n, computed_at = @t, released = @rel, " +
                         "colour_since = CASE WHEN @changed = 1 THEN @t ELSE colour_since END WHERE resident_id = @id AND (@v < 0 OR version = @v)";
        var pc = up.AddParameter("c", 0);
        var pr = up.AddParameter("r", "");
        var pn = up.AddParameter("n", DBNull.Value);
        var pt = up.AddParameter("t", now);
        var pch = up.AddParameter("changed", 0);
        var pid = up.AddParameter("id", 0L);
        var pv = up.AddParameter("v", -1L);
        var prel = up.AddParameter("rel", DBNull.Value);
        up.Prepare();
        using var ins = c.CreateCommand();
        ins.Transaction = tx;
        ins.CommandText = "INSERT INTO code_changes (resident_id, at, colour_from, colour_to, rules, cause) VALUES (@id, @t, @f, @c, @r, @cause)";
        var iid = ins.AddParameter("id", 0L);
        ins.AddParameter("t", now);
        var ifrom = ins.AddParameter("f", 0);
        var ic = ins.AddParameter("c", 0);
        var ir = ins.AddParameter("r", "");
        ins.AddParameter("cause", cause);
        ins.Prepare();
        foreach (var u in updates)
        {
            pc.Value = (int)u.Colour;
            pr.Value = u.Rules;
            pn.Value = u.NextChange is { } n ? n : DBNull.Value;
            pch.Value = u.ColourChanged ? 1 : 0;
            pid.Value = u.ResidentId;
            pv.Value = u.Version;
            prel.Value = (object?)u.Released ?? DBNull.Value;
            if (up.ExecuteNonQuery() == 0)
            {
                continue; // changed since it was read: the newer change already computed its code
            }
            if (u.ColourChanged)
            {
                iid.Value = u.ResidentId;
                ifrom.Value = (int)u.From;
                ic.Value = (int)u.Colour;
                ir.Value = u.Rules;
                ins.ExecuteNonQuery();
            }
        }
        _ = pt;
    }

    private static void SavePostgres(Npgsql.NpgsqlConnection c, Npgsql.NpgsqlTransaction tx, IReadOnlyList<CodeUpdate> updates, long now, string cause)
    {
        using (var create = new Npgsql.NpgsqlCommand(
            "CREATE TEMP TABLE IF NOT EXISTS code_updates (resident_id BIGINT, colour_from INTEGER, colour INTEGER, rules TEXT, next_change BIGINT, changed BOOLEAN, version BIGINT, released TEXT) ON COMMIT DELETE ROWS", c, tx))
        {
            create.ExecuteNonQuery();
        }
        using (var copy = c.BeginBinaryImport("COPY code_updates (resident_id, colour_from, colour, rules, next_change, changed, version, released) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var u in updates)
            {
                copy.StartRow();
                copy.Write(u.ResidentId, NpgsqlTypes.NpgsqlDbType.Bigint);
                copy.Write((int)u.From, NpgsqlTypes.NpgsqlDbType.Integer);
                copy.Write((int)u.Colour, NpgsqlTypes.NpgsqlDbType.Integer);
                copy.Write(u.Rules, NpgsqlTypes.NpgsqlDbType.Text);
                if (u.NextChange is { } n)
                {
                    copy.Write(n, NpgsqlTypes.NpgsqlDbType.Bigint);
                }
                else
                {
                    copy.WriteNull();
                }
                copy.Write(u.ColourChanged, NpgsqlTypes.NpgsqlDbType.Boolean);
                copy.Write(u.Version, NpgsqlTypes.NpgsqlDbType.Bigint);
                if (u.Released is null)
                {
                    copy.WriteNull();
                }
                else
                {
                    copy.Write(u.Released, NpgsqlTypes.NpgsqlDbType.Text);
                }
            }
            copy.Complete();
        }
        using var apply = new Npgsql.NpgsqlCommand(
            "WITH applied AS (UPDATE health_state h SET colour = u.colour, rules = u.rules, next_change = u.next_change, computed_at = @t, released = u.released, " +
            "colour_since = CASE WHEN u.changed THEN @t ELSE h.colour_since END FROM code_updates u " +
            "WHERE h.resident_id = u.resident_id AND (u.version < 0 OR h.version = u.version) " +
            "RETURNING u.resident_id, u.colour_from, u.colour, u.rules, u.changed) " +
            "INSERT INTO code_changes (resident_id, at, colour_from, colour_to, rules, cause) " +
            "SELECT resident_id, @t, colour_from, colour, rules, @cause FROM applied WHERE changed; " +
            "TRUNCATE code_updates;", c, tx);
        apply.Parameters.AddWithValue("t", now);
        apply.Parameters.AddWithValue("cause", cause);
        apply.CommandTimeout = 0;
        apply.ExecuteNonQuery();
    }

    public static async Task<StoredCode?> GetCodeAsync(DbConnection c, long residentId, CancellationToken ct = default)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT resident_id, colour, rules, next_change, colour_since, computed_at, ov_colour, ov_reason, ov_until FROM health_state WHERE resident_id = @id";
        cmd.AddParameter("id", residentId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }
        return new StoredCode(r.GetInt64(0), (Colour)r.GetInt32(1), r.GetString(2),
            r.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(3)),
            DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(4)), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(5)),
            r.IsDBNull(6) ? null : (Colour)r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7),
            r.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(8)));
    }

    /// <summary>What a checkpoint needs: the colour now and the masked name; null when the resident is unknown.</summary>
    public static async Task<(Colour Colour, string MaskedName, long? NextChange, long ComputedAt)?> ForCheckpointAsync(DbConnection c, long residentId, CancellationToken ct = default)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT h.colour, r.name_masked, h.next_change, h.computed_at FROM health_state h JOIN residents r ON r.id = h.resident_id WHERE h.resident_id = @id";
        cmd.AddParameter("id", residentId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }
        return ((Colour)r.GetInt32(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.GetInt64(3));
    }

    /// <summary>How many residents have each colour.</summary>
    public static async Task<IReadOnlyDictionary<Colour, long>> CountsAsync(DbConnection c, CancellationToken ct = default)
    {
        await using var cmd = c.CreateCommand();
        // One scan, no sort: a GROUP BY over ten million rows would build its sorter in memory on SQLite.
        cmd.CommandText = "SELECT COALESCE(SUM(CASE WHEN colour = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN colour = 1 THEN 1 ELSE 0 END), 0), " +
                          "COALESCE(SUM(CASE WHEN colour = 2 THEN 1 ELSE 0 END), 0) FROM health_state";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new Dictionary<Colour, long>
        {
            [Colour.Green] = Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
            [Colour.Yellow] = Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
            [Colour.Red] = Convert.ToInt64(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
