using CityBrain.Domain.HealthCodes;

namespace CityBrain.Domain.Tests.HealthCodes;

public class HealthFactsTests
{
    private const int D = 737_000; // an arbitrary local day number
    private const int No = HealthFacts.NoDay;

    /// <summary>Check-ins as "day:n" (normal) or "day:a" (abnormal), days relative to <see cref="D"/>.</summary>
    private static HealthFacts Record(string checkins)
    {
        var f = new HealthFacts();
        f.Reset();
        foreach (var item in checkins.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split(':');
            f.RecordCheckin(D + int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1] == "a");
        }
        return f;
    }

    private static int Rel(int day) => day == No ? No : day - D;

    [Theory]
    // checkins, expected streak start, streak last, last abnormal (relative days; NoDay = none)
    [InlineData("0:n", 0, 0, No)]
    [InlineData("0:n 1:n 2:n", 0, 2, No)]
    [InlineData("0:n 1:n 3:n", 3, 3, No)]                  // a missed day starts a new run
    [InlineData("0:n 1:n 3:n 4:n", 3, 4, No)]
    [InlineData("0:n 0:n 1:n 1:n 1:n", 0, 1, No)]          // same-day duplicates count once
    [InlineData("0:n 1:n 2:a", No, No, 2)]                 // abnormal ends the run
    [InlineData("0:n 1:n 2:a 2:n", No, No, 2)]             // normal on the abnormal day does not count
    [InlineData("0:n 1:n 2:a 3:n 4:n", 3, 4, 2)]
    [InlineData("0:a 5:a 3:a", No, No, 5)]                 // last abnormal day is the latest
    [InlineData("0:n 1:n 1:a", No, No, 1)]                 // abnormal later on a day already counted
    [InlineData("0:a 0:n 1:n", 1, 1, 0)]
    public void RecordCheckin_Sequence_Expected(string checkins, int start, int last, int abnormal)
    {
        var f = Record(checkins);
        Assert.Equal(start, Rel(f.StreakStartDay));
        Assert.Equal(last, Rel(f.StreakLastDay));
        Assert.Equal(abnormal, Rel(f.LastAbnormalDay));
    }

    // Check-ins can arrive out of day order (bulk import of declarations, see HealthCodeService.Imports): a normal
    // check-in for a day before the current run must not throw the current run away.
    [Theory]
    [InlineData("5:n 6:n 7:n 2:n")]   // an old normal check-in from before the run
    [InlineData("5:n 6:n 7:n 4:n")]   // the day just before the run
    public void RecordCheckin_NormalForEarlierDayArrivingLate_KeepsCurrentRun(string checkins)
    {
        var f = Record(checkins);
        f.Prepare(DateTimeOffset.UnixEpoch, D + 7, RiskLookup.Empty);
        Assert.Equal(7, Rel(f.StreakLastDay));
        Assert.True(f.NormalStreak >= 3, $"run lost: start {Rel(f.StreakStartDay)}, last {Rel(f.StreakLastDay)}");
    }

    [Theory]
    // run 10..13; today; expected NormalStreak
    [InlineData(13, 4)]
    [InlineData(14, 4)]   // yesterday's check-in still counts before today's is made
    [InlineData(15, 0)]   // a missed day breaks the run
    [InlineData(30, 0)]
    public void NormalStreak_RunEndingTodayOrYesterday_Counts(int today, int expected)
    {
        var f = Record("10:n 11:n 12:n 13:n");
        f.Prepare(DateTimeOffset.UnixEpoch, D + today, RiskLookup.Empty);
        Assert.Equal(expected, f.NormalStreak);
    }

    [Fact]
    public void NormalStreak_NoCheckins_Zero()
    {
        var f = Record("");
        f.Prepare(DateTimeOffset.UnixEpoch, D, RiskLookup.Empty);
        Assert.Equal(0, f.NormalStreak);
        Assert.Equal(0, f.NormalStreakAfter(No));
    }

    [Theory]
    // run 10..23 (14 days), today 23; event day (relative, or NoDay); expected check-ins strictly after it
    [InlineData(No, 14)]
    [InlineData(0, 14)]
    [InlineData(9, 14)]
    [InlineData(10, 13)]    // a check-in on the event day itself does not count
    [InlineData(16, 7)]
    [InlineData(22, 1)]
    [InlineData(23, 0)]
    [InlineData(40, 0)]
    public void NormalStreakAfter_EventDay_CountsStrictlyAfter(int eventDay, int expected)
    {
        var f = Record(string.Join(' ', Enumerable.Range(10, 14).Select(d => $"{d}:n")));
        f.Prepare(DateTimeOffset.UnixEpoch, D + 23, RiskLookup.Empty);
        Assert.Equal(expected, f.NormalStreakAfter(eventDay == No ? No : D + eventDay));
    }

    [Fact]
    public void NormalStreakAfter_BrokenRun_Zero()
    {
        var f = Record("10:n 11:n 12:n");
        f.Prepare(DateTimeOffset.UnixEpoch, D + 20, RiskLookup.Empty);
        Assert.Equal(0, f.NormalStreakAfter(D));
    }

    [Fact]
    public void Reset_ClearsEverything()
    {
        var f = Record("0:a 1:n");
        f.ResidentKey = 5;
        f.HomeDivision = "330102";
        f.BirthYear = 1990;
        f.Lists = 3;
        f.ListSinceDay[1] = D;
        f.DeclarationDay = D;
        f.TemperatureX10 = 380;
        f.Symptoms = Symptoms.Cough;
        f.ContactWithCase = true;
        f.Travel = "330102@1";
        f.OverrideColour = Colour.Red;
        f.OverrideUntil = 99;
        f.Prepare(DateTimeOffset.UnixEpoch, D, new RiskLookup(new Dictionary<string, RiskRank> { ["33"] = RiskRank.High }));
        f.Reset();
        Assert.Equal(0, f.ResidentKey);
        Assert.Equal("", f.HomeDivision);
        Assert.Equal(0, f.BirthYear);
        Assert.Equal(0, f.Lists);
        Assert.All(f.ListSinceDay, d => Assert.Equal(No, d));
        Assert.Equal(No, f.DeclarationDay);
        Assert.Equal(0, f.TemperatureX10);
        Assert.Equal(Symptoms.None, f.Symptoms);
        Assert.False(f.ContactWithCase);
        Assert.Null(f.Travel);
        Assert.Equal(No, f.LastAbnormalDay);
        Assert.Equal(No, f.StreakStartDay);
        Assert.Equal(No, f.StreakLastDay);
        Assert.Null(f.OverrideColour);
        Assert.Equal(0, f.OverrideUntil);
        Assert.Equal(0, f.TravelMaxRank14);
        Assert.Equal(No, f.TravelLastRiskyDay);
    }

    private static readonly RiskLookup Grades = new(new Dictionary<string, RiskRank>
    {
        ["4201"] = RiskRank.High,     // a whole city
        ["420106"] = RiskRank.Low,    // a county inside it: the higher grade of the city wins
        ["330102"] = RiskRank.Medium,
        ["3302"] = RiskRank.Low,
    });

    [Theory]
    // travel (divisions @ relative days), today 20, expected max rank in 14 days, expected last risky day (relative)
    [InlineData("", 0, No)]
    [InlineData("330102@18", 2, 18)]
    [InlineData("420106@10", 3, 10)]
    [InlineData("420106@7", 3, 7)]        // 13 days ago: within "the last 14 days" (today is day 1 of 14)
    [InlineData("420106@6", 0, 6)]        // 14 days ago: outside the window, still the last risky day
    [InlineData("330206@19", 1, No)]      // low
    [InlineData("110101@19", 0, No)]      // not graded
    [InlineData("330102@25", 0, No)]      // a future day is ignored
    [InlineData("330206@19;330102@12;420106@8", 3, 12)]
    [InlineData("garbage;330102@x;@5;330102@15", 2, 15)]
    public void Prepare_Travel_DerivesRiskFacts(string travel, int maxRank, int lastRisky)
    {
        var f = new HealthFacts();
        f.Reset();
        f.Travel = string.Join(';', travel.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('@') is [var div, var day] && int.TryParse(day, System.Globalization.CultureInfo.InvariantCulture, out var n)
                ? $"{div}@{D + n}" : p));
        f.Prepare(DateTimeOffset.UnixEpoch, D + 20, Grades);
        Assert.Equal(maxRank, f.TravelMaxRank14);
        Assert.Equal(lastRisky, Rel(f.TravelLastRiskyDay));
    }

    [Theory]
    [InlineData("420106", RiskRank.High)]
    [InlineData("420106001", RiskRank.High)]
    [InlineData("330102", RiskRank.Medium)]
    [InlineData("330206", RiskRank.Low)]
    [InlineData("3302", RiskRank.Low)]
    [InlineData("33", RiskRank.Unknown)]
    [InlineData("110101", RiskRank.Unknown)]
    public void RiskLookup_RankOf_HighestOfSelfAndAncestors(string code, RiskRank expected) =>
        Assert.Equal(expected, Grades.RankOf(code));

    [Fact]
    public void RiskLookup_Empty_Unknown() => Assert.Equal(RiskRank.Unknown, RiskLookup.Empty.RankOf("420106"));

    [Fact]
    public void TravelItems_FormatThenParse_RoundTrips()
    {
        TravelItem[] items = [new("330102", D), new("420106001", D + 3)];
        var text = TravelItems.Format(items);
        Assert.Equal($"330102@{D};420106001@{D + 3}", text);
        Assert.Equal(items, TravelItems.Parse(text).ToArray());
        Assert.Empty(TravelItems.Parse(null));
        Assert.Equal(DateOnly.FromDayNumber(D), items[0].Date);
    }

    [Fact]
    public void DaysSince_Day_CountsFromToday()
    {
        var f = new HealthFacts();
        f.Reset();
        f.Prepare(DateTimeOffset.UnixEpoch, D + 10, RiskLookup.Empty);
        Assert.Equal(3, f.DaysSince(D + 7));
        Assert.Null(f.DaysSince(No));
    }
}
