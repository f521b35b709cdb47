using CityBrain.Domain.Tracing;

namespace CityBrain.Domain.Tests.Tracing;

public sealed class CoPresenceIndexTests
{
    private const long T0 = CoPresenceIndexPropertyTests.Midnight; // 2024-03-01T00:00+08:00
    private const int P = 1;

    private static CoPresenceIndex Index(params Checkin[] checkins)
    {
        var b = new CoPresenceIndex.Builder();
        foreach (var c in checkins)
        {
            b.Add(c);
        }
        return b.Build();
    }

    private static Checkin In(int resident, int venue, long at) => new(resident, venue, at, false);

    private static Checkin Out(int resident, int venue, long at) => new(resident, venue, at, true);

    [Theory]
    [InlineData(900, 900, true)]     // exactly the window apart counts
    [InlineData(900, 901, false)]    // one second more does not
    [InlineData(900, -900, true)]
    [InlineData(900, -901, false)]
    [InlineData(0, 0, true)]         // window 0: the same second only
    [InlineData(0, 1, false)]
    public void Trace_PointsApart_CountsWithinWindowInclusive(int window, int apart, bool contact)
    {
        var index = Index(In(P, 7, T0), In(2, 7, T0 + apart));
        var r = index.Trace(P, new TraceQuery(T0 + 3600, 14, window));
        Assert.Equal(contact ? [2] : Array.Empty<int>(), r.Contacts.Select(c => c.Resident));
    }

    [Theory]
    [InlineData(0, true)]            // the case's check-in exactly at at − days counts
    [InlineData(-1, false)]          // one second before does not
    public void Trace_CaseCheckinAtDaysBoundary_Included(int offset, bool contact)
    {
        var at = T0 + (3 * 86_400);
        var index = Index(In(P, 7, T0 + offset), In(2, 7, T0 + offset));
        var r = index.Trace(P, new TraceQuery(at, 3));
        Assert.Equal(contact, r.Contacts.Count == 1);
        Assert.Equal(contact, r.CaseStays.Count == 1);
    }

    [Fact]
    public void Trace_CheckoutWithoutCheckin_Ignored()
    {
        // Resident 2's check-out at the same moment matches nothing, so it is no stay and no contact.
        var index = Index(In(P, 7, T0), Out(2, 7, T0), Out(P, 5, T0));
        var r = index.Trace(P, new TraceQuery(T0 + 60));
        Assert.Empty(r.Contacts);
        Assert.Equal([new Stay(7, T0, null)], r.CaseStays);
    }

    [Fact]
    public void Trace_Case_NeverOwnContact()
    {
        var index = Index(In(P, 7, T0), In(P, 7, T0 + 10), Out(P, 7, T0 + 20), In(2, 7, T0 + 5));
        var r = index.Trace(P, new TraceQuery(T0 + 60, Degree: 2));
        Assert.DoesNotContain(r.Contacts, c => c.Resident == P);
        Assert.Equal([2], r.Contacts.Select(c => c.Resident));
    }

    [Fact]
    public void Trace_StaysOverlap_IntervalsWidenedAndOverlapUnwidened()
    {
        // P 10:00–11:00 at venue 7; Q 11:10–12:00 (within 15 min of P's check-out); R 09:00–10:30 overlapping 30 min.
        var index = Index(In(P, 7, T0 + 36_000), Out(P, 7, T0 + 39_600),
            In(2, 7, T0 + 40_200), Out(2, 7, T0 + 43_200),
            In(3, 7, T0 + 32_400), Out(3, 7, T0 + 37_800),
            In(4, 7, T0 + 40_501)); // 15 min + 1 s after P left: no
        var r = index.Trace(P, new TraceQuery(T0 + 86_400));
        Assert.Equal(
            [new Contact(2, 1, T0 + 40_200, 7, 0, 1, null), new Contact(3, 1, T0 + 32_400, 7, 1_800, 1, null)],
            r.Contacts);
        Assert.Equal([new Stay(7, T0 + 36_000, T0 + 39_600)], r.CaseStays);
    }

    [Fact]
    public void Trace_StayAcrossMidnight_MeetsNextDay()
    {
        // Q stays 23:30–00:40 and P checks in at 00:50: 10 minutes after Q left.
        var index = Index(In(2, 7, T0 - 1_800), Out(2, 7, T0 + 2_400), In(P, 7, T0 + 3_000));
        var c = Assert.Single(index.Trace(P, new TraceQuery(T0 + 3_600, 1)).Contacts);
        Assert.Equal((2, T0 - 1_800, 1), (c.Resident, c.FirstExposure, c.Exposures));
    }

    [Fact]
    public void Trace_LongStayWithoutEventsNearby_Found()
    {
        // Q checked in two days before and out a day after: no event of Q anywhere near P's visit.
        var index = Index(In(2, 7, T0 - 172_800), Out(2, 7, T0 + 86_400), In(P, 7, T0));
        var c = Assert.Single(index.Trace(P, new TraceQuery(T0 + 60)).Contacts);
        Assert.Equal(2, c.Resident);
    }

    [Fact]
    public void Trace_CheckoutMatchesMostRecentCheckin()
    {
        // Q: in 10:00, in 12:00, out 12:30 → the out closes 12:00; 10:00 stays a point.
        var index = Index(In(2, 7, T0 + 36_000), In(2, 7, T0 + 43_200), Out(2, 7, T0 + 45_000));
        Assert.Equal([new Stay(7, T0 + 36_000, null), new Stay(7, T0 + 43_200, T0 + 45_000)], index.Trajectory(2, T0, T0 + 86_400));
    }

    [Fact]
    public void Trace_SecondDegree_ExcludesFirstDegreeAndCountsFromFirstExposure()
    {
        // P meets C at venue 7 at 10:00. C met D at venue 8 at 09:00 (before meeting P: not counted) and E at 11:00.
        // C also met F at venue 7 at 10:00 — F is first-degree itself (met P too), so not second-degree.
        var index = Index(In(P, 7, T0 + 36_000), In(3, 7, T0 + 36_000), In(6, 7, T0 + 36_100),
            In(3, 8, T0 + 32_400), In(4, 8, T0 + 32_400),
            In(3, 9, T0 + 39_600), In(5, 9, T0 + 39_700));
        var r = index.Trace(P, new TraceQuery(T0 + 86_400, Degree: 2));
        Assert.Equal(
            [new Contact(3, 1, T0 + 36_000, 7, 0, 1, null), new Contact(6, 1, T0 + 36_100, 7, 0, 1, null), new Contact(5, 2, T0 + 39_700, 9, 0, 1, 3)],
            r.Contacts);
        Assert.Equal([3, 6], index.Trace(P, new TraceQuery(T0 + 86_400)).Contacts.Select(c => c.Resident));
    }

    [Fact]
    public void Trace_OnePersonAtManyVenues_EachVenueSeparately()
    {
        var rows = new List<Checkin>();
        for (var v = 0; v < 200; v++)
        {
            rows.Add(In(P, v, T0 + (v * 60)));
            rows.Add(In(1000 + v, v, T0 + (v * 60) + 30));       // meets P at venue v
            rows.Add(In(5000 + v, (v + 1) % 200, T0 + (v * 60))); // same time, other venue: no
        }
        var r = Index([.. rows]).Trace(P, new TraceQuery(T0 + 86_400, 1, 30));
        Assert.Equal(Enumerable.Range(1000, 200), r.Contacts.Select(c => c.Resident));
        Assert.All(r.Contacts, c => Assert.Equal(c.Resident - 1000, c.Venue));
        Assert.Equal(200, r.CaseStays.Count);
    }

    [Fact]
    public void Append_AfterBuild_SameAsFreshBuild()
    {
        var index = Index(In(P, 7, T0), In(2, 7, T0 + 10));
        index.Append(In(3, 7, T0 + 20));
        index.Append(Out(2, 7, T0 + 4_000));     // turns 2's point into a stay
        index.Append([In(4, 7, T0 + 1_000), In(P, 8, T0 + 50)]);
        var fresh = Index(In(P, 7, T0), In(2, 7, T0 + 10), In(3, 7, T0 + 20), Out(2, 7, T0 + 4_000), In(4, 7, T0 + 1_000), In(P, 8, T0 + 50));
        var q = new TraceQuery(T0 + 86_400);
        Assert.Equal(fresh.Trace(P, q).Contacts, index.Trace(P, q).Contacts);
        Assert.Equal([2, 3], index.Trace(P, q).Contacts.Select(c => c.Resident)); // 4 came 1,000 s after P: no
        Assert.Equal(6, index.Count);
        index.Compact();
        Assert.Equal(0, index.PendingCount);
        Assert.Equal(fresh.Trace(P, q).Contacts, index.Trace(P, q).Contacts);
    }

    [Fact]
    public void RemoveBefore_DropsOlderCheckinsAndTheirStays()
    {
        var index = Index(In(2, 7, T0 - 100), Out(2, 7, T0 + 100), In(P, 7, T0 + 50), In(3, 7, T0 + 60));
        Assert.Equal(1, index.RemoveBefore(T0));
        // 2's check-out lost its check-in: ignored.
        Assert.Equal([3], index.Trace(P, new TraceQuery(T0 + 3_600)).Contacts.Select(c => c.Resident));
        Assert.Equal(3, index.Count);
        Assert.Equal(3, index.RemoveBefore(CoPresenceIndex.MaxTime + 1));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Ranked_ByExposuresThenOverlap()
    {
        var index = Index(In(P, 7, T0), In(P, 7, T0 + 100), Out(P, 7, T0 + 1_000),
            In(2, 7, T0), In(3, 7, T0 + 50), Out(3, 7, T0 + 500), In(4, 7, T0 + 90), In(4, 7, T0 + 95));
        var ranked = index.Trace(P, new TraceQuery(T0 + 3_600)).Ranked();
        Assert.Equal([4, 3, 2], ranked.Select(c => c.Resident));
    }

    [Fact]
    public void Empty_TraceAndTrajectory_Nothing()
    {
        var index = CoPresenceIndex.Empty;
        Assert.Empty(index.Trace(P, new TraceQuery(T0, Degree: 2)).Contacts);
        Assert.Empty(index.Trajectory(P, T0 - 100, T0));
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.RemoveBefore(T0));
    }

    [Theory]
    [InlineData(0, 900, 1, "Days")]
    [InlineData(29, 900, 1, "Days")]
    [InlineData(14, -1, 1, "WindowSeconds")]
    [InlineData(14, 86_401, 1, "WindowSeconds")]
    [InlineData(14, 900, 0, "Degree")]
    [InlineData(14, 900, 3, "Degree")]
    public void TraceQuery_OutOfRange_ThrowsNamingTheParameter(int days, int window, int degree, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TraceQuery(T0, days, window, degree));
        Assert.Equal(name, e.ParamName);
        var ok = new TraceQuery(T0);
        Assert.Throws<ArgumentOutOfRangeException>(() => name switch
        {
            "Days" => ok with { Days = days },
            "WindowSeconds" => ok with { WindowSeconds = window },
            _ => ok with { Degree = degree },
        });
    }

    [Theory]
    [InlineData(-1, 0, T0)]
    [InlineData(0, -1, T0)]
    [InlineData(0, 0, CoPresenceIndex.MinTime - 1)]
    [InlineData(0, 0, CoPresenceIndex.MaxTime + 1)]
    [InlineData(int.MaxValue, 0, T0)]   // arrays are sized by the largest key + 1
    [InlineData(0, int.MaxValue, T0)]
    public void Add_OutOfRange_Throws(int resident, int venue, long at)
    {
        var c = new Checkin(resident, venue, at, false);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoPresenceIndex.Builder().Add(c));
        Assert.Throws<ArgumentOutOfRangeException>(() => CoPresenceIndex.Empty.Append(c));
    }

    [Fact]
    public void Trace_AtOutsideRange_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CoPresenceIndex.Empty.Trace(P, new TraceQuery(CoPresenceIndex.MinTime - 1)));
        Assert.Equal("At", e.ParamName);
    }

    [Fact]
    public void MemoryBytes_AtMostSixteenBytesPerCheckinOfEntries()
    {
        var rng = new Random(3);
        var b = new CoPresenceIndex.Builder();
        for (var i = 0; i < 100_000; i++)
        {
            var t = T0 + rng.Next(86_400);
            b.Add(In(rng.Next(5_000), rng.Next(300), t));
            if (rng.Next(4) == 0)
            {
                b.Add(Out(rng.Next(5_000), rng.Next(300), t + rng.Next(7_200)));
            }
        }
        var index = b.Build();
        Assert.True(index.EntryBytes <= 16 * index.Count, $"{index.EntryBytes / (double)index.Count:F2} bytes per check-in");
        Assert.True(index.MemoryBytes >= index.EntryBytes);
    }
}
