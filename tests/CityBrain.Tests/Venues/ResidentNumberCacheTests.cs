using CityBrain.Domain.HealthCodes;
using CityBrain.Features.Venues;

namespace CityBrain.Tests.Venues;

public sealed class ResidentNumberCacheTests
{
    [Fact]
    public void AddThenGet_ThroughGrowth_EveryResidentWithItsColour()
    {
        var cache = new ResidentNumberCache();
        var rng = new Random(3);
        var added = new Dictionary<long, (long, Colour)>();
        while (added.Count < 200_000) // the table starts at 65,536 slots and grows twice
        {
            var number = rng.NextInt64(0, 99_999_999_999_999_999L);
            var resident = (rng.NextInt64(0, 1L << 56), (Colour)rng.Next(0, 3));
            if (added.TryAdd(number, resident))
            {
                cache.Add(number, resident);
            }
        }
        cache.Add(0, (7, Colour.Red)); // number 0 is a real key, not "empty"
        added[0] = (7, Colour.Red);
        foreach (var (number, resident) in added)
        {
            Assert.True(cache.TryGet(number, out var found));
            Assert.Equal(resident, found);
        }
        Assert.False(cache.TryGet(100_000_000_000_000_000L, out _));
        cache.Add(0, (8, Colour.Green)); // adding again changes nothing
        Assert.True(cache.TryGet(0, out var first));
        Assert.Equal((7L, Colour.Red), first);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Add(1, (1L << 56, Colour.Green)));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Add(-1, (1, Colour.Green)));
    }

    [Fact]
    public async Task ReadersWhileAWriterGrowsIt_NeverAWrongAnswer()
    {
        var cache = new ResidentNumberCache();
        const int N = 300_000;
        var written = 0;
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < N; i++)
            {
                cache.Add(i * 7919L, (i, (Colour)(i % 3)));
                Volatile.Write(ref written, i + 1);
            }
        });
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var rng = new Random(r);
            var wrong = 0;
            while (!writer.IsCompleted)
            {
                var upTo = Volatile.Read(ref written);
                if (upTo == 0)
                {
                    continue;
                }
                var i = rng.Next(upTo);
                // Added before this read began: must be found, with its own value.
                if (!cache.TryGet(i * 7919L, out var found) || found != (i, (Colour)(i % 3)))
                {
                    wrong++;
                }
            }
            return wrong;
        })).ToArray();
        await writer;
        var wrongAnswers = await Task.WhenAll(readers);
        Assert.All(wrongAnswers, w => Assert.Equal(0, w));
    }
}
