namespace CityBrain.Domain.Identity;

/// <summary>Who may do what. Each role reaches only its own endpoints.</summary>
public static class Roles
{
    public const string Resident = "resident";
    public const string Checkpoint = "checkpoint";
    public const string HealthOfficial = "health_official";
    public const string Administrator = "administrator";

    public static readonly IReadOnlyList<string> All = [Resident, Checkpoint, HealthOfficial, Administrator];

    public static bool IsValid(string? role) => role is not null && All.Contains(role);
}
