using System.Data.Common;
using CityBrain.Domain.Venues;
using Dapper;

namespace CityBrain.Data.Venues;

public static class VenueStore
{
    /// <summary>Inserts a venue or updates the one with the same id; returns its key.</summary>
    public static int Upsert(DbConnection c, DbTransaction? tx, Venue v, long now) =>
        c.ExecuteScalar<int>(
            "INSERT INTO venues (id, name, type, division_code, lat, lon, capacity, yellow_policy, dwell_minutes, created_at, updated_at) " +
            "VALUES (@Id, @Name, @type, @DivisionCode, @Latitude, @Longitude, @Capacity, @yellow, @dwell, @now, @now) " +
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type, division_code = excluded.division_code, lat = excluded.lat, lon = excluded.lon, " +
            "capacity = excluded.capacity, yellow_policy = excluded.yellow_policy, dwell_minutes = excluded.dwell_minutes, updated_at = excluded.updated_at RETURNING vkey",
            new { v.Id, v.Name, type = (int)v.Type, v.DivisionCode, v.Latitude, v.Longitude, v.Capacity, yellow = (int)v.Yellow, dwell = (int)v.Dwell.TotalMinutes, now }, tx);

    public static List<Venue> All(DbConnection c) =>
        c.Query<(int Key, string Id, string Name, int Type, string Division, double Lat, double Lon, int Capacity, int Yellow, int Dwell)>(
                "SELECT vkey, id, name, type, division_code, lat, lon, capacity, yellow_policy, dwell_minutes FROM venues ORDER BY vkey")
            .Select(r => new Venue(r.Key, r.Id, r.Name, (VenueType)r.Type, r.Division, r.Lat, r.Lon, r.Capacity, (YellowPolicy)r.Yellow, TimeSpan.FromMinutes(r.Dwell)))
            .ToList();
}
