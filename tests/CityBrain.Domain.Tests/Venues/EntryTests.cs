using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Venues;

namespace CityBrain.Domain.Tests.Venues;

public sealed class EntryTests
{
    private static Venue V(YellowPolicy yellow, int capacity = 0) =>
        new(1, "V1", "市场", VenueType.Market, "330102", 30.2, 120.1, capacity, yellow, TimeSpan.FromHours(1));

    [Theory]
    [InlineData(Colour.Green, YellowPolicy.Deny, true)]
    [InlineData(Colour.Yellow, YellowPolicy.Deny, false)]
    [InlineData(Colour.Yellow, YellowPolicy.Admit, true)]
    [InlineData(Colour.Red, YellowPolicy.Admit, false)]
    public void Decide_ColourAndPolicy_PassOrDeny(Colour colour, YellowPolicy yellow, bool pass)
    {
        var d = Entry.Decide(colour, V(yellow), Direction.In, 0);
        Assert.Equal(pass, d.Pass);
        Assert.Contains(colour.Name(), d.Reason);
    }

    [Fact]
    public void Decide_Full_Denied_ExitAlwaysRecorded()
    {
        Assert.False(Entry.Decide(Colour.Green, V(YellowPolicy.Deny, 10), Direction.In, 10).Pass);
        Assert.True(Entry.Decide(Colour.Green, V(YellowPolicy.Deny, 10), Direction.In, 9).Pass);
        Assert.True(Entry.Decide(Colour.Red, V(YellowPolicy.Deny, 10), Direction.Out, 10).Pass);
    }

    [Fact]
    public void VenueTypes_TenTypesEachWithADwell()
    {
        Assert.Equal(10, VenueTypes.Names.Count());
        Assert.All(Enum.GetValues<VenueType>(), t => Assert.True(t.DefaultDwell() > TimeSpan.Zero));
        Assert.True(VenueTypes.TryParse("Scenic_Area", out var s) && s == VenueType.ScenicArea);
        Assert.False(VenueTypes.TryParse("spaceport", out _));
    }
}

public sealed class OccupancyTrackerTests
{
    [Fact]
    public void TryEnter_Capacity_LastPlaceOnceAndReentryFree()
    {
        var o = new OccupancyTracker();
        Assert.True(o.TryEnter(1, 100, 0, 3600, 2).Admitted);
        Assert.True(o.TryEnter(1, 101, 0, 3600, 2).Admitted);
        Assert.False(o.TryEnter(1, 102, 0, 3600, 2).Admitted);
        Assert.True(o.TryEnter(1, 100, 10, 3600, 2).Admitted); // already inside
        Assert.Equal(2, o.Count(1, 10));
        o.Record(1, 101, Direction.Out, 20, 0);
        Assert.True(o.TryEnter(1, 102, 30, 3600, 2).Admitted);
    }

    [Fact]
    public void Count_StayWithoutCheckout_EndsAfterDwell()
    {
        var o = new OccupancyTracker();
        o.Record(7, 1, Direction.In, 0, 3600);
        o.Record(7, 2, Direction.In, 1800, 5400);
        Assert.Equal(2, o.Count(7, 3599));
        Assert.Equal(1, o.Count(7, 3600));
        Assert.False(o.IsInside(7, 1, 3600));
        Assert.Equal(0, o.Count(7, 5400));
        Assert.Empty(o.All(5400));
    }

    [Fact]
    public void TryEnter_ManyThreadsAtTheLastPlaces_NeverOverCapacity()
    {
        var o = new OccupancyTracker();
        var admitted = 0;
        Parallel.For(0, 1000, i =>
        {
            if (o.TryEnter(3, i, 0, 3600, 100).Admitted)
            {
                Interlocked.Increment(ref admitted);
            }
        });
        Assert.Equal(100, admitted);
        Assert.Equal(100, o.Count(3, 1));
    }
}
