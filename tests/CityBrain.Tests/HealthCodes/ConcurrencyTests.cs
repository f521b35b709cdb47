using System.Net.Http.Json;
using CityBrain.Data.HealthCodes;
using CityBrain.Domain.HealthCodes;
using CityBrain.Infrastructure;
using CityBrain.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CityBrain.Tests.HealthCodes;

/// <summary>
/// A whole-city recompute reads a row, and an event (a declaration) changes the same resident before the recompute
/// writes: the recompute's stale code must not overwrite the event's newer one.
/// </summary>
public abstract class ConcurrencyTests<TServer>(TServer server) where TServer : ServerFixture
{
    [Fact]
    public async Task Save_StaleVersionAfterAnEvent_DoesNotOverwriteTheNewerCode()
    {
        var (resident, _, key) = await server.NewResidentAsync();
        var app = server.App.Services.GetRequiredService<CityBrainApp>();
        HealthStateStore.Current stale;
        await using (var c = await app.Db.OpenAsync())
        {
            (_, stale) = await HealthStateStore.LoadAsync(c, null, key, new HealthFacts());
        }
        Assert.True(stale.Version >= 0);

        // The event: fever turns the code yellow.
        (await resident.PostAsJsonAsync("/api/v1/me/declarations", new { temperature = 38.5 }, ServerFixture.Json)).EnsureSuccessStatusCode();

        // The recompute that read the row before the event now writes what it decided then.
        await using (var c = await app.Db.OpenAsync())
        await using (var tx = await c.BeginTransactionAsync())
        {
            HealthStateStore.Save(c, tx, [new CodeUpdate(key, stale.Colour, Colour.Red, "confirmed", null, true, stale.Version)], app.Now.ToUnixTimeSeconds(), "recompute");
            await tx.CommitAsync();
        }
        await using (var c = await app.Db.OpenAsync())
        {
            var code = await HealthStateStore.GetCodeAsync(c, key);
            Assert.Equal(Colour.Yellow, code!.Colour);
            Assert.Equal("symptoms", code.Rules);
            // and no code_changes row claims the stale change happened
            var stales = Dapper.SqlMapper.ExecuteScalar<long>(c, "SELECT COUNT(*) FROM code_changes WHERE resident_id = @key AND cause = 'recompute'", new { key });
            Assert.Equal(0, stales);
        }
    }
}

public sealed class ConcurrencySqliteTests(SqliteServer server) : ConcurrencyTests<SqliteServer>(server), IClassFixture<SqliteServer>;

public sealed class ConcurrencyPostgresTests(PostgresServer server) : ConcurrencyTests<PostgresServer>(server), IClassFixture<PostgresServer>;
