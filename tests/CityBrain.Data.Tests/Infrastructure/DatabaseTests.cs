using CityBrain.Data.Infrastructure;

namespace CityBrain.Data.Tests.Infrastructure;

public class DatabaseTests
{
    [Theory]
    [InlineData("", "--db is empty")]
    [InlineData("   ", "--db is empty")]
    [InlineData("sqlite:", "needs a file path")]
    [InlineData("mysql:server=x", "unknown database 'mysql'")]
    [InlineData("citybrain.db", "unknown database 'citybrain.db'")]
    [InlineData("postgres:Host=h;Nonsense Key=1", "connection string is not valid")]
    public void Open_BadSpec_FormatExceptionWithReason(string spec, string reason)
    {
        var e = Assert.Throws<FormatException>(() => Database.Open(spec));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Sqlite_FullPathAndProvider()
    {
        using var db = Database.Open("SQLITE:some/dir/x.db");
        Assert.Equal(DbProvider.Sqlite, db.Provider);
        Assert.False(db.IsPostgres);
        Assert.Equal(Path.GetFullPath("some/dir/x.db"), db.SqlitePath);
        Assert.Equal("sqlite:" + Path.GetFullPath("some/dir/x.db"), db.Display);
    }

    [Theory]
    [InlineData("postgres:Host=db.example;Username=cb;Password=s3cret;Database=cb")]
    [InlineData("postgresql:Host=db.example;Username=cb;Password=s3cret;Database=cb")]
    public void Open_Postgres_DisplayHasNoPassword(string spec)
    {
        using var db = Database.Open(spec);
        Assert.True(db.IsPostgres);
        Assert.Null(db.SqlitePath);
        Assert.StartsWith("postgres:", db.Display, StringComparison.Ordinal);
        Assert.Contains("db.example", db.Display, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", db.Display, StringComparison.Ordinal);
    }
}
