using System.Diagnostics;

namespace CityBrain.Tests.Infrastructure;

/// <summary>
/// Runs the citybrain executable as a real process in a temporary folder, against a fresh SQLite file or a new
/// PostgreSQL database; cleans both up afterwards.
/// </summary>
public abstract class CliProcessTest : IDisposable
{
    private readonly List<string> _pgDatabases = [];

    protected string Dir { get; } = Directory.CreateTempSubdirectory("citybrain-cli-").FullName;

    public static TheoryData<string> Databases => new() { "sqlite", "postgres" };

    public void Dispose()
    {
        foreach (var db in _pgDatabases)
        {
            TestDatabases.DropPostgresAsync(db).GetAwaiter().GetResult();
        }
        Directory.Delete(Dir, true);
        GC.SuppressFinalize(this);
    }

    protected (int Exit, string Out, string Err) Run(string db, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Dir, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "citybrain.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.ArgumentList.Add("--db");
        psi.ArgumentList.Add(db);
        psi.Environment["CITYBRAIN_KEYS"] = Path.Combine(Dir, "keys-" + db.GetHashCode(StringComparison.Ordinal).ToString("x", System.Globalization.CultureInfo.InvariantCulture) + ".json");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "citybrain did not finish in 60 s");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    protected string File(string name, string content)
    {
        var path = Path.Combine(Dir, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A new database: "sqlite" or "postgres" (CITYBRAIN_TEST_PG).</summary>
    protected string Db(string kind)
    {
        if (kind == "sqlite")
        {
            return $"sqlite:{Dir}/cli-{Guid.NewGuid():N}.db";
        }
        string? name = null;
        var cs = TestDatabases.CreatePostgresAsync(n => name = n).GetAwaiter().GetResult();
        _pgDatabases.Add(name!);
        return "postgres:" + cs;
    }
}
