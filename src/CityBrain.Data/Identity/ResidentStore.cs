using System.Data.Common;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.Identity;
using Dapper;

namespace CityBrain.Data.Identity;

/// <summary>A person as given (import or registration), before it is protected for storage.</summary>
public sealed record PersonInput(ResidentIdNumber IdNumber, string Name, string? Phone, string DivisionCode);

/// <summary>What the system keeps in the clear about a resident.</summary>
public sealed record ResidentRow(long Id, string NameMasked, string DivisionCode, int BirthYear);

/// <summary>Residents: the ID number only as a keyed hash plus an encrypted copy (convention 10).</summary>
public static class ResidentStore
{
    /// <summary>Inserts new residents or updates known ones (matched by ID-number hash); returns (id, created).</summary>
    public static List<(long Id, bool Created)> Upsert(DbConnection c, DbTransaction tx, IReadOnlyList<PersonInput> people,
        PersonalDataProtector protector, long now)
    {
        var result = new List<(long, bool)>(people.Count);
        using var find = c.CreateCommand();
        find.Transaction = tx;
        find.CommandText = "SELECT id FROM residents WHERE id_hash = @h";
        var fh = find.AddParameter("h", Array.Empty<byte>());
        find.Prepare();

        using var ins = c.CreateCommand();
        ins.Transaction = tx;
        ins.CommandText = "INSERT INTO residents (id_hash, id_enc, name_enc, name_masked, phone_hash, phone_enc, division_code, birth_year, created_at, updated_at) " +
                          "VALUES (@h, @ie, @ne, @nm, @ph, @pe, @d, @by, @t, @t) RETURNING id";
        var ih = ins.AddParameter("h", Array.Empty<byte>());
        var iie = ins.AddParameter("ie", Array.Empty<byte>());
        var ine = ins.AddParameter("ne", Array.Empty<byte>());
        var inm = ins.AddParameter("nm", "");
        var iph = ins.AddParameter("ph", DBNull.Value);
        var ipe = ins.AddParameter("pe", DBNull.Value);
        var id = ins.AddParameter("d", "");
        var iby = ins.AddParameter("by", 0);
        ins.AddParameter("t", now);
        ins.Prepare();

        using var st = c.CreateCommand();
        st.Transaction = tx;
        st.CommandText = "INSERT INTO health_state (resident_id, home_division, birth_year, colour_since, computed_at) VALUES (@id, @d, @by, @t, @t)";
        var sid = st.AddParameter("id", 0L);
        var sd = st.AddParameter("d", "");
        var sby = st.AddParameter("by", 0);
        st.AddParameter("t", now);
        st.Prepare();

        using var upd = c.CreateCommand();
        upd.Transaction = tx;
        upd.CommandText = "UPDATE residents SET name_enc = @ne, name_masked = @nm, phone_hash = COALESCE(@ph, phone_hash), phone_enc = COALESCE(@pe, phone_enc), division_code = @d, updated_at = @t WHERE id = @id; " +
                          "UPDATE health_state SET home_division = @d WHERE resident_id = @id";
        var une = upd.AddParameter("ne", Array.Empty<byte>());
        var unm = upd.AddParameter("nm", "");
        var uph = upd.AddParameter("ph", DBNull.Value);
        var upe = upd.AddParameter("pe", DBNull.Value);
        var ud = upd.AddParameter("d", "");
        upd.AddParameter("t", now);
        var uid = upd.AddParameter("id", 0L);
        if (c is Microsoft.Data.Sqlite.SqliteConnection)
        {
            upd.Prepare();
        }

        foreach (var p in people)
        {
            var hash = protector.Hash(p.IdNumber.Value);
            fh.Value = hash;
            var existing = find.ExecuteScalar();
            byte[]? phoneHash = p.Phone is null ? null : protector.Hash("phone:" + p.Phone);
            byte[]? phoneEnc = p.Phone is null ? null : protector.Encrypt(p.Phone);
            if (existing is not null and not DBNull)
            {
                var rid = Convert.ToInt64(existing, System.Globalization.CultureInfo.InvariantCulture);
                une.Value = protector.Encrypt(p.Name);
                unm.Value = Masking.Name(p.Name);
                uph.Value = (object?)phoneHash ?? DBNull.Value;
                upe.Value = (object?)phoneEnc ?? DBNull.Value;
                ud.Value = p.DivisionCode;
                uid.Value = rid;
                upd.ExecuteNonQuery();
                result.Add((rid, false));
                continue;
            }
            ih.Value = hash;
            iie.Value = protector.Encrypt(p.IdNumber.Value);
            ine.Value = protector.Encrypt(p.Name);
            inm.Value = Masking.Name(p.Name);
            iph.Value = (object?)phoneHash ?? DBNull.Value;
            ipe.Value = (object?)phoneEnc ?? DBNull.Value;
            id.Value = p.DivisionCode;
            iby.Value = p.IdNumber.BirthDate.Year;
            var newId = Convert.ToInt64(ins.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            sid.Value = newId;
            sd.Value = p.DivisionCode;
            sby.Value = p.IdNumber.BirthDate.Year;
            st.ExecuteNonQuery();
            result.Add((newId, true));
        }
        return result;
    }

    public static void SetPhoneIfMissing(DbConnection c, DbTransaction tx, long id, string phone, PersonalDataProtector protector) =>
        c.Execute("UPDATE residents SET phone_hash = @h, phone_enc = @e WHERE id = @id AND phone_enc IS NULL",
            new { id, h = protector.Hash("phone:" + phone), e = protector.Encrypt(phone) }, tx);

    public static long? FindByIdNumber(DbConnection c, DbTransaction? tx, string idNumber, PersonalDataProtector protector) =>
        c.ExecuteScalar<long?>("SELECT id FROM residents WHERE id_hash = @h", new { h = protector.Hash(idNumber) }, tx);

    /// <summary>Resident ids for many ID numbers at once (unknown ones are absent).</summary>
    public static Dictionary<string, long> FindMany(DbConnection c, DbTransaction? tx, IEnumerable<string> idNumbers, PersonalDataProtector protector)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        using var find = c.CreateCommand();
        find.Transaction = tx;
        find.CommandText = "SELECT id FROM residents WHERE id_hash = @h";
        var fh = find.AddParameter("h", Array.Empty<byte>());
        find.Prepare();
        foreach (var n in idNumbers.Distinct(StringComparer.Ordinal))
        {
            fh.Value = protector.Hash(n);
            if (find.ExecuteScalar() is { } v and not DBNull)
            {
                result[n] = Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return result;
    }

    public static ResidentRow? Get(DbConnection c, long id) =>
        c.Query<(long Id, string Masked, string Division, int BirthYear)>("SELECT id, name_masked, division_code, birth_year FROM residents WHERE id = @id", new { id })
            .Select(r => new ResidentRow(r.Id, r.Masked, r.Division, r.BirthYear)).FirstOrDefault();

    /// <summary>Decrypts a resident's identity for an authorised official; the caller writes the audit row.</summary>
    public static (string IdNumber, string Name, string? Phone)? Reveal(DbConnection c, long id, PersonalDataProtector protector)
    {
        var row = c.QuerySingleOrDefault<(byte[] IdEnc, byte[] NameEnc, byte[]? PhoneEnc)>(
            "SELECT id_enc, name_enc, phone_enc FROM residents WHERE id = @id", new { id });
        if (row.IdEnc is null)
        {
            return null;
        }
        return (protector.Decrypt(row.IdEnc), protector.Decrypt(row.NameEnc), row.PhoneEnc is null ? null : protector.Decrypt(row.PhoneEnc));
    }

    public sealed record Revealed(string IdNumber, string Name, string? Phone, string NameMasked, string Division);

    /// <summary>Decrypts many residents at once (a trace's contacts), 500 to a query; the caller writes the audit row.
    /// <paramref name="idNumbersOnly"/>: leave the name and phone encrypted (Name and Phone come back empty).</summary>
    public static Dictionary<long, Revealed> RevealMany(DbConnection c, IEnumerable<long> ids, PersonalDataProtector protector, bool idNumbersOnly = false)
    {
        var result = new Dictionary<long, Revealed>();
        // PostgreSQL takes the array as one parameter; Dapper expands the list for SQLite.
        var where = c is Npgsql.NpgsqlConnection ? "id = ANY(@chunk)" : "id IN @chunk";
        foreach (var chunk in ids.Distinct().Chunk(500))
        {
            foreach (var r in c.Query<(long Id, byte[] IdEnc, byte[] NameEnc, byte[]? PhoneEnc, string Masked, string Division)>(
                         "SELECT id, id_enc, name_enc, phone_enc, name_masked, division_code FROM residents WHERE " + where, new { chunk }))
            {
                result[r.Id] = idNumbersOnly
                    ? new Revealed(protector.Decrypt(r.IdEnc), "", null, r.Masked, r.Division)
                    : new Revealed(protector.Decrypt(r.IdEnc), protector.Decrypt(r.NameEnc), r.PhoneEnc is null ? null : protector.Decrypt(r.PhoneEnc), r.Masked, r.Division);
            }
        }
        return result;
    }

    public static long Count(DbConnection c) => c.ExecuteScalar<long>("SELECT COUNT(*) FROM residents");
}
