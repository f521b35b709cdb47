using System.Collections.Concurrent;
using System.Data.Common;
using CityBrain.Data.Infrastructure;
using CityBrain.Domain.HealthCodes;

namespace CityBrain.Data.HealthCodes;

/// <summary>
/// The scan path's one read: a resident's colour now and masked name. Open connections with the statement prepared
/// once are kept in a small pool and used synchronously (SQLite answers in microseconds; a new command would parse
/// and plan the query again on every scan).
/// </summary>
public sealed class CheckpointLookup(Database db) : IDisposable
{
    private sealed class Slot(DbConnection connection, DbCommand command, DbParameter id)
    {
        public DbConnection Connection { get; } = connection;
        public DbCommand Command { get; } = command;
        public DbParameter Id { get; } = id;
    }

    private readonly ConcurrentBag<Slot> _slots = [];

    public readonly record struct Result(Colour Colour, string MaskedName, long? NextChange, long ComputedAt);

    public Result? Find(long residentId)
    {
        if (!_slots.TryTake(out var slot))
        {
            var c = db.Open();
            var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT h.colour, r.name_masked, h.next_change, h.computed_at FROM health_state h JOIN residents r ON r.id = h.resident_id WHERE h.resident_id = @id";
            var p = cmd.AddParameter("id", 0L);
            cmd.Prepare();
            slot = new Slot(c, cmd, p);
        }
        try
        {
            slot.Id.Value = residentId;
            using var r = slot.Command.ExecuteReader();
            Result? result = r.Read()
                ? new Result((Colour)r.GetInt32(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.GetInt64(3))
                : null;
            _slots.Add(slot);
            return result;
        }
        catch
        {
            slot.Command.Dispose();
            slot.Connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        while (_slots.TryTake(out var slot))
        {
            slot.Command.Dispose();
            slot.Connection.Dispose();
        }
    }
}
