using System.Collections.Concurrent;
using CityBrain.Data.Venues;
using CityBrain.Domain.Venues;
using CityBrain.Infrastructure;

namespace CityBrain.Features.Venues;

/// <summary>The venues, in memory (a city has some hundred thousand): the scan path never reads them from the database.</summary>
public sealed class VenueRegistry
{
    private readonly ConcurrentDictionary<string, Venue> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, Venue> _byKey = new();

    public VenueRegistry(CityBrainApp app)
    {
        using var c = app.Db.Open();
        foreach (var v in VenueStore.All(c))
        {
            Put(v);
        }
    }

    public void Put(Venue v)
    {
        _byId[v.Id] = v;
        _byKey[v.Key] = v;
    }

    public Venue? Find(string? id) => id is null ? null : _byId.GetValueOrDefault(id.Trim());

    public Venue? Find(int key) => _byKey.GetValueOrDefault(key);

    /// <summary>By id without a string (the bulk import's fields are spans); <paramref name="id"/> trimmed already.</summary>
    public Venue? Find(ReadOnlySpan<char> id) => _byId.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var v) ? v : null;

    public int Count => _byId.Count;

    public IEnumerable<Venue> All => _byKey.Values.OrderBy(v => v.Key);
}
