namespace CityBrain.Domain.Tests;

/// <summary>Finds the repository (the folder holding CityBrain.slnx) from the test binaries, to read its data/ folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Data(params string[] parts) => Path.Combine([Root, "data", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CityBrain.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no CityBrain.slnx above {AppContext.BaseDirectory}");
    }
}
