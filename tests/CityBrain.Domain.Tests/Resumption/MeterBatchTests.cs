using CityBrain.Domain.Common;
using CityBrain.Domain.Resumption;

namespace CityBrain.Domain.Tests.Resumption;

/// <summary>The meter import's rules: every row is either accepted or reported with its line, nothing silently summed.</summary>
public class MeterBatchTests
{
    private static readonly Dictionary<string, int> Register = new() { ["E1"] = 1, ["E2"] = 2, ["E3"] = 3 };
    private static readonly DateOnly Today = new(2020, 3, 1);

    private static MeterBatch Read(string csv, MeterRules? rules = null, Dictionary<int, List<(int Day, double Kwh)>>? stored = null)
    {
        var batch = new MeterBatch(Register, rules ?? new MeterRules());
        MeterFile.Read(new StringReader(csv), batch, CityCalendar.China, Today);
        batch.Sum();
        batch.FlagAbsurd(stored ?? []);
        return batch;
    }

    private static int Day(string date) => DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture).DayNumber;

    private static void AssertBalanced(MeterBatch b) => Assert.Equal(b.Rows, b.Accepted + b.Problems.Count);

    private static RowProblem Problem(MeterBatch b, int line) => Assert.Single(b.Problems, p => p.Line == line);

    [Fact]
    public void Read_DailyRows_OneReadingEach()
    {
        var b = Read("enterprise_id,date,kwh\nE1,2020-02-19,120.5\nE2,2020-02-19,0\n\nE1,2020-02-20,99\n");
        Assert.Equal([new DailyReading(1, Day("2020-02-19"), 120.5), new DailyReading(2, Day("2020-02-19"), 0), new DailyReading(1, Day("2020-02-20"), 99)], b.Readings);
        Assert.Empty(b.Problems);
        Assert.Equal((3, 3), (b.Rows, b.Accepted));
    }

    [Fact]
    public void Read_ColumnsInAnyOrderQuotedBomExtraColumns_Read()
    {
        var b = Read("\uFEFFkwh,note,date,enterprise_id\n\"1,234.5\",\"a, b\",2020-02-19,E1\n\"12\",x,\"2020-02-19\",\"E2\"\n");
        Assert.Equal(2, b.Problems.Count + b.Accepted);
        Assert.Equal("kwh", Problem(b, 2).Field);       // 1,234.5 is not a number (no thousands separators)
        Assert.Equal([new DailyReading(2, Day("2020-02-19"), 12)], b.Readings);
    }

    [Fact]
    public void Read_DuplicateSameValue_CountedOnceAndFlagged()
    {
        var b = Read("enterprise_id,date,kwh\nE1,2020-02-19,100\nE1,2020-02-19,100\n");
        Assert.Equal([new DailyReading(1, Day("2020-02-19"), 100)], b.Readings);
        Assert.Contains("duplicate of line 2", Problem(b, 3).Reason);
        AssertBalanced(b);
    }

    [Fact]
    public void Read_DuplicateDifferentValues_NeitherStored()
    {
        var b = Read("enterprise_id,date,kwh\nE1,2020-02-19,100\nE2,2020-02-19,5\nE1,2020-02-19,130\n");
        Assert.Equal([new DailyReading(2, Day("2020-02-19"), 5)], b.Readings);
        Assert.StartsWith("duplicate: E1 on 2020-02-19 has different daily totals (lines 2 and 4)", Problem(b, 2).Reason);
        Assert.Equal(Problem(b, 2).Reason, Problem(b, 4).Reason);
        AssertBalanced(b);
    }

    [Theory]
    [InlineData("E1,2020-02-19,-3", "kwh", "negative")]
    [InlineData("E1,2020-02-19,abc", "kwh", "not a number")]
    [InlineData("E1,2020-02-19,NaN", "kwh", "not a number")]
    [InlineData("E1,2020-02-19,", "kwh", "is required")]
    [InlineData("E9,2020-02-19,5", "enterprise_id", "not in the register")]
    [InlineData(",2020-02-19,5", "enterprise_id", "is required")]
    [InlineData("E1,2020-02-30,5", "date", "not a date")]
    [InlineData("E1,19/02/2020,5", "date", "not a date")]
    [InlineData("E1,2020-03-02,5", "date", "in the future")]
    [InlineData("E1,,5", "date", "a date or a time is required")]
    [InlineData("\"E1,2020-02-19,5", "line", "unterminated quote")]
    public void Read_BadRow_FlaggedWithFieldAndLine(string row, string field, string reason)
    {
        var b = Read("enterprise_id,date,kwh\nE2,2020-02-19,1\n" + row + "\n");
        var p = Problem(b, 3);
        Assert.Equal(field, p.Field);
        Assert.Contains(reason, p.Reason);
        Assert.Equal([new DailyReading(2, Day("2020-02-19"), 1)], b.Readings);
        AssertBalanced(b);
    }

    [Fact]
    public void Read_IntervalRows_SummedPerLocalDay()
    {
        // 15-minute readings; times with an offset are taken to the city's day (UTC 16:00 is next midnight in China)
        var b = Read("enterprise_id,time,kwh\n" +
                     "E1,2020-02-19T00:00,1.5\n" +
                     "E1,2020-02-19 08:15,2.5\n" +
                     "E1,2020-02-19T23:45:00+08:00,3\n" +
                     "E1,2020-02-19T15:59:00Z,4\n" +
                     "E1,2020-02-19T16:00:00Z,10\n");
        Assert.Equal([new DailyReading(1, Day("2020-02-19"), 11), new DailyReading(1, Day("2020-02-20"), 10)], b.Readings);
        Assert.Equal(5, b.Accepted);
    }

    [Fact]
    public void Read_IntervalRepeatedSameValue_CountedOnce()
    {
        var b = Read("enterprise_id,time,kwh\nE1,2020-02-19T08:00,2\nE1,2020-02-19T08:15,3\nE1,2020-02-19T08:00:00+08:00,2\n");
        Assert.Equal([new DailyReading(1, Day("2020-02-19"), 5)], b.Readings);
        Assert.Contains("duplicate of line 2", Problem(b, 4).Reason);
        AssertBalanced(b);
    }

    [Fact]
    public void Read_IntervalConflict_DayNotStored()
    {
        var b = Read("enterprise_id,time,kwh\nE1,2020-02-19T08:00,2\nE1,2020-02-19T08:15,3\nE1,2020-02-19T08:00,7\nE2,2020-02-19T08:00,1\n");
        Assert.Equal([new DailyReading(2, Day("2020-02-19"), 1)], b.Readings);
        Assert.All(new[] { 2, 3, 4 }, line => Assert.Contains("different values for the interval at 08:00:00", Problem(b, line).Reason));
        AssertBalanced(b);
    }

    [Fact]
    public void Read_IntervalWithABadValue_WholeDayNotStored()
    {
        var b = Read("enterprise_id,time,kwh\nE1,2020-02-19T08:00,2\nE1,2020-02-19T08:15,-1\nE1,2020-02-19T08:30,3\nE1,2020-02-20T08:00,4\n");
        Assert.Equal([new DailyReading(1, Day("2020-02-20"), 4)], b.Readings);
        Assert.Contains("negative", Problem(b, 3).Reason);
        Assert.Contains("line 3 of E1 on 2020-02-19 is invalid", Problem(b, 2).Reason);
        Assert.Contains("line 3 of E1 on 2020-02-19 is invalid", Problem(b, 4).Reason);
        AssertBalanced(b);
    }

    [Fact]
    public void Read_DailyTotalBesideIntervals_NeitherStored()
    {
        var b = Read("enterprise_id,date,time,kwh\nE1,2020-02-19,,24\nE1,,2020-02-19T08:00,2\nE1,2020-02-19,2020-02-19T09:00,1\n");
        Assert.Empty(b.Readings);
        Assert.Contains("both a daily total and interval readings", Problem(b, 2).Reason);
        Assert.Contains("both a daily total and interval readings", Problem(b, 3).Reason);
        Assert.Contains("not both", Problem(b, 4).Reason);
        AssertBalanced(b);
    }

    private static string Days(string id, params double[] kwh) =>
        string.Concat(kwh.Select((k, i) => $"{id},{new DateOnly(2020, 1, 1).AddDays(i):yyyy-MM-dd},{k.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n"));

    [Fact]
    public void FlagAbsurd_FiftyTimesTheTypicalDay_Flagged()
    {
        // typical day: the median of the non-zero days (100); 5,001 is over 50 ×, 5,000 is not; zeros do not count
        var b = Read("enterprise_id,date,kwh\n" + Days("E1", 100, 90, 110, 100, 0, 0, 95, 105, 100, 100, 5_001, 5_000));
        Assert.Equal(11, b.Readings.Count());
        var p = Problem(b, 12);
        Assert.StartsWith("absurd: 5,001 kWh is more than 50 × this enterprise's typical day (100 kWh", p.Reason);
        Assert.EndsWith("E1 on 2020-01-11 is not stored", p.Reason);
        AssertBalanced(b);
    }

    [Fact]
    public void FlagAbsurd_FewDays_OnlyTheCap()
    {
        var b = Read("enterprise_id,date,kwh\n" + Days("E1", 1, 1, 1, 1, 1, 9_000) + Days("E2", 10_000_001), new MeterRules());
        Assert.Equal(6, b.Readings.Count(r => r.Enterprise == 1));                  // six days: no typical day, 9,000 passes
        Assert.StartsWith("absurd: 10,000,001 kWh in a day is above the cap of 10,000,000 kWh", Problem(b, 8).Reason);
    }

    [Fact]
    public void FlagAbsurd_StoredBaselineDays_GiveTheTypicalDay()
    {
        // a daily file has one day: the stored December days tell what is normal for E1
        var stored = new Dictionary<int, List<(int, double)>> { [1] = Enumerable.Range(0, 31).Select(d => (new DateOnly(2019, 12, 1).AddDays(d).DayNumber, 40.0)).ToList() };
        var b = Read("enterprise_id,date,kwh\nE1,2020-02-19,2001\n", stored: stored);
        Assert.Empty(b.Readings);
        Assert.Contains("typical day (40 kWh", Problem(b, 2).Reason);
        Assert.Single(Read("enterprise_id,date,kwh\nE1,2020-02-19,1999\n", stored: stored).Readings);
    }

    [Fact]
    public void FlagAbsurd_IntervalDay_EveryLineFlagged()
    {
        var b = Read("enterprise_id,time,kwh\nE1,2020-02-19T08:00,6000000\nE1,2020-02-19T09:00,6000000\n");
        Assert.Empty(b.Readings);
        Assert.Equal([2, 3], b.Problems.Select(p => p.Line));
        AssertBalanced(b);
    }

    [Fact]
    public void Reconcile_StoredValues_SameSkippedDifferentFlaggedOrReplaced()
    {
        const string csv = "enterprise_id,date,kwh\nE1,2020-02-19,100\nE2,2020-02-19,50\nE3,2020-02-19,7\n";
        var stored = new[] { new DailyReading(1, Day("2020-02-19"), 100), new DailyReading(2, Day("2020-02-19"), 40) };

        var keep = Read(csv);
        keep.Reconcile(stored, replace: false);
        Assert.Equal([new DailyReading(3, Day("2020-02-19"), 7)], keep.Readings); // E1 unchanged (no write), E2 flagged
        Assert.Equal((3, 2, 1), (keep.Rows, keep.Accepted, keep.Unchanged));
        Assert.Contains("already stored as 40 kWh, this file says 50", Problem(keep, 3).Reason);
        AssertBalanced(keep);

        var correct = Read(csv);
        correct.Reconcile(stored, replace: true);
        Assert.Equal([new DailyReading(2, Day("2020-02-19"), 50, Replaces: true), new DailyReading(3, Day("2020-02-19"), 7)], correct.Readings);
        Assert.Empty(correct.Problems);
        Assert.Equal(3, correct.Accepted);
    }

    [Fact]
    public void Sum_RowsOutOfOrder_SortedByDayThenEnterprise()
    {
        var b = Read("enterprise_id,date,kwh\nE2,2020-02-20,1\nE1,2020-02-20,2\nE3,2020-02-19,3\n");
        Assert.Equal([(3, Day("2020-02-19")), (1, Day("2020-02-20")), (2, Day("2020-02-20"))], b.Readings.Select(r => (r.Enterprise, r.Day)));
        Assert.Equal((Day("2020-02-19"), Day("2020-02-20")), b.DayRange);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("enterprise_id,kwh\nE1,5\n", "date or time")]
    [InlineData("id,date,kwh\nE1,2020-02-19,5\n", "enterprise_id")]
    public void Read_BadHeader_Throws(string csv, string message)
    {
        var e = Assert.Throws<MeterFile.HeaderException>(() => MeterFile.Read(new StringReader(csv), new MeterBatch(Register, new MeterRules()), CityCalendar.China, Today));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Read_ManyChunks_LineNumbersKeptAcrossReaders()
    {
        // more lines than one reader's stretch: line numbers and order survive the parallel read
        var lines = new System.Text.StringBuilder("enterprise_id,date,kwh\n");
        for (var i = 0; i < 40_000; i++)
        {
            lines.Append(i == 33_333 ? "E9,2020-02-19,1\n" : $"E{i % 3 + 1},{new DateOnly(1960, 1, 1).AddDays(i / 3):yyyy-MM-dd},{i}\n");
        }
        var b = Read(lines.ToString(), new MeterRules { AbsurdFactor = 1e9 });
        var p = Assert.Single(b.Problems);
        Assert.Equal(33_335, p.Line);
        Assert.Equal(39_999, b.Readings.Count());
        Assert.Equal(40_000, b.Rows);
    }

    [Theory]
    [InlineData(new double[] { 5 }, 5)]
    [InlineData(new double[] { 3, 1, 2 }, 2)]
    [InlineData(new double[] { 4, 1, 3, 2 }, 2.5)]
    [InlineData(new double[] { 7, 7, 7, 7, 1, 100 }, 7)]
    [InlineData(new double[] { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 }, 4.5)]
    public void Median_Selection_SameAsSorting(double[] values, double median) => Assert.Equal(median, MeterBatch.Median(values));
}
