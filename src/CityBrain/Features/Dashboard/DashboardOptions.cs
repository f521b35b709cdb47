using System.ComponentModel.DataAnnotations;

namespace CityBrain.Features.Dashboard;

/// <summary>The "CityBrain:Dashboard" configuration section, validated at start-up.</summary>
public sealed class DashboardOptions
{
    public const string Section = "CityBrain:Dashboard";

    /// <summary>Seconds between two <c>snapshot</c> events on the live stream.</summary>
    [Range(1, 3600, ErrorMessage = "CityBrain:Dashboard:SnapshotSeconds must be from 1 to 3600")]
    public int SnapshotSeconds { get; set; } = 5;

    /// <summary>Live streams open at once (big screens and browsers); one more is refused with 503 and Retry-After.</summary>
    [Range(1, 10_000, ErrorMessage = "CityBrain:Dashboard:MaxStreams must be from 1 to 10000")]
    public int MaxStreams { get; set; } = 64;

    /// <summary>Busiest venues and areas in a snapshot.</summary>
    [Range(1, 100, ErrorMessage = "CityBrain:Dashboard:TopVenues must be from 1 to 100")]
    public int TopVenues { get; set; } = 10;
}
