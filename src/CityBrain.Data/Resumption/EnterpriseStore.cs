using System.Data.Common;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.Resumption;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace CityBrain.Data.Resumption;

/// <summary>The enterprise register: one row an enterprise, keyed by the utility's id, numbered by the database.</summary>
public static class EnterpriseStore
{
    /// <summary>Adds new enterprises and updates known ones (name, sector, division, scale) in the caller's transaction.</summary>
    public static void Upsert(DbConnection c, DbTransaction tx, IReadOnlyList<Enterprise> enterprises, long now)
    {
        if (enterprises.Count == 0)
        {
            return;
        }
        const string set = "ON CONFLICT (enterprise_id) DO UPDATE SET name = excluded.name, sector = excluded.sector, " +
                           "division_code = excluded.division_code, scale = excluded.scale, updated_at = excluded.updated_at";
        if (c is NpgsqlConnection pg)
        {
            using (var create = new NpgsqlCommand(
                "CREATE TEMP TABLE IF NOT EXISTS enterprises_in (enterprise_id TEXT, name TEXT, sector TEXT, division_code TEXT, scale TEXT) ON COMMIT DELETE ROWS", pg, (NpgsqlTransaction)tx))
            {
                create.ExecuteNonQuery();
            }
            using (var copy = pg.BeginBinaryImport("COPY enterprises_in (enterprise_id, name, sector, division_code, scale) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var e in enterprises)
                {
                    copy.StartRow();
                    copy.Write(e.Id, NpgsqlDbType.Text);
                    copy.Write(e.Name, NpgsqlDbType.Text);
                    copy.Write(e.Sector.Code(), NpgsqlDbType.Text);
                    copy.Write(e.DivisionCode, NpgsqlDbType.Text);
                    copy.Write(Enterprise.ScaleCode(e.Scale), NpgsqlDbType.Text);
                }
                copy.Complete();
            }
            using var apply = new NpgsqlCommand(
                "INSERT INTO enterprises (enterprise_id, name, sector, division_code, scale, updated_at) " +
                "SELECT enterprise_id, name, sector, division_code, scale, @now FROM enterprises_in " + set + "; TRUNCATE enterprises_in;", pg, (NpgsqlTransaction)tx);
            apply.Parameters.AddWithValue("now", now);
            apply.ExecuteNonQuery();
            return;
        }
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO enterprises (enterprise_id, name, sector, division_code, scale, updated_at) VALUES (@id, @name, @sector, @division, @scale, @now) " + set;
        var pid = cmd.AddParameter("id", "");
        var pname = cmd.AddParameter("name", "");
        var psector = cmd.AddParameter("sector", "");
        var pdivision = cmd.AddParameter("division", "");
        var pscale = cmd.AddParameter("scale", "");
        cmd.AddParameter("now", now);
        cmd.Prepare();
        foreach (var e in enterprises)
        {
            pid.Value = e.Id;
            pname.Value = e.Name;
            psector.Value = e.Sector.Code();
            pdivision.Value = e.DivisionCode;
            pscale.Value = Enterprise.ScaleCode(e.Scale);
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>The whole register, by key. A row the code cannot read (edited by hand) fails loudly.</summary>
    public static List<Enterprise> All(DbConnection c) =>
        c.Query<(int Key, string Id, string Name, string Sector, string Division, string Scale)>(
                "SELECT id, enterprise_id, name, sector, division_code, scale FROM enterprises ORDER BY id")
            .Select(r => new Enterprise(r.Key, r.Id, r.Name,
                Sectors.TryParse(r.Sector, out var s) ? s : throw new InvalidDataException($"enterprise {r.Id}: unknown sector '{r.Sector}' in the database"),
                r.Division, r.Scale == "above_size" ? Scale.AboveSize : Scale.BelowSize))
            .ToList();

    /// <summary>enterprise_id → key, for reading meter files.</summary>
    public static Dictionary<string, int> Keys(DbConnection c, DbTransaction? tx = null) =>
        c.Query<(string Id, int Key)>("SELECT enterprise_id, id FROM enterprises", transaction: tx).ToDictionary(r => r.Id, r => r.Key, StringComparer.Ordinal);
}
