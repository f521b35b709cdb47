namespace CityBrain;

public static class Program
{
    public static Task<int> Main(string[] args) => Commands.Cli.RunAsync(args);
}
