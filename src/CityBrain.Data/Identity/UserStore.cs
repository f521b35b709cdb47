using System.Data.Common;
using Dapper;

namespace CityBrain.Data.Identity;

public sealed record UserRow(long Id, string Username, string PasswordHash, string Role, long? ResidentId, bool Disabled);

public static class UserStore
{
    private const string Select = "SELECT id, username, password_hash, role, resident_id, disabled FROM users";

    private static IEnumerable<UserRow> Query(DbConnection c, string where, object? args) =>
        c.Query<(long Id, string Username, string Hash, string Role, long? ResidentId, int Disabled)>(Select + where, args)
            .Select(r => new UserRow(r.Id, r.Username, r.Hash, r.Role, r.ResidentId, r.Disabled != 0));

    public static UserRow? Find(DbConnection c, string username) =>
        Query(c, " WHERE username = @username", new { username }).FirstOrDefault();

    public static UserRow? FindByResident(DbConnection c, long residentId) =>
        Query(c, " WHERE resident_id = @residentId", new { residentId }).FirstOrDefault();

    public static long Add(DbConnection c, DbTransaction? tx, string username, string passwordHash, string role, long? residentId, long now) =>
        c.ExecuteScalar<long>(
            "INSERT INTO users (username, password_hash, role, resident_id, created_at) VALUES (@username, @passwordHash, @role, @residentId, @now) RETURNING id",
            new { username, passwordHash, role, residentId, now }, tx);

    public static int SetPassword(DbConnection c, string username, string passwordHash) =>
        c.Execute("UPDATE users SET password_hash = @passwordHash WHERE username = @username", new { username, passwordHash });

    public static IReadOnlyList<UserRow> All(DbConnection c) => Query(c, " ORDER BY id", null).ToList();
}
