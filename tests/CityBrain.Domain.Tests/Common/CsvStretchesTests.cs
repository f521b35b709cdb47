using CityBrain.Domain.Common;

namespace CityBrain.Domain.Tests.Common;

public sealed class CsvStretchesTests
{
    /// <summary>Every line of every stretch with its number, and the stretches' own line counts.</summary>
    private static (List<(int Line, string Text)> Lines, List<int> Counts, List<int> Indexes) ReadAll(string text, int blockChars, int linesBefore = 0)
    {
        var lines = new List<(int, string)>();
        var counts = new List<int>();
        var indexes = new List<int>();
        foreach (var stretch in CsvStretches.Read(new StringReader(text), linesBefore, blockChars))
        {
            var walk = stretch.GetLines();
            var n = 0;
            while (walk.MoveNext())
            {
                lines.Add((walk.Line, walk.Current.ToString()));
                n++;
            }
            Assert.Equal(stretch.Count, n);
            Assert.Equal(n == 0 ? stretch.FirstLine : lines[^n].Item1, stretch.FirstLine);
            counts.Add(n);
            indexes.Add(stretch.Index);
            stretch.Return();
        }
        return (lines, counts, indexes);
    }

    [Theory]
    [InlineData(16)]       // stretches smaller than most lines: lines carried over and blocks grown
    [InlineData(64)]
    [InlineData(1 << 20)]  // everything in one stretch
    public void Read_AnyBlockSize_EveryLineOnceWithItsNumber(int blockChars)
    {
        var expected = new List<(int, string)>();
        var text = new System.Text.StringBuilder();
        var rng = new Random(5);
        for (var i = 0; i < 500; i++)
        {
            var line = i % 37 == 0 ? "" : new string((char)('a' + i % 26), rng.Next(1, 90)) + ",x";
            expected.Add((i + 4, line));
            text.Append(line).Append(i % 3 == 0 ? "\r\n" : "\n");
        }
        var (lines, counts, indexes) = ReadAll(text.ToString(), blockChars, linesBefore: 3);
        Assert.Equal(expected, lines);
        Assert.Equal(Enumerable.Range(0, counts.Count), indexes);
        Assert.DoesNotContain(lines, l => l.Text.Contains('\r') || l.Text.Contains('\n'));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(1 << 20)]
    public void Read_LoneCrAndCrLfMixed_EveryLineOnce(int blockChars) =>
        // A CR at the end of a block may be half of a CRLF: the blocks here end on every character.
        Assert.Equal([(1, "ab"), (2, "cd"), (3, ""), (4, "ef"), (5, ""), (6, "g")], ReadAll("ab\rcd\r\n\ref\n\rg", blockChars).Lines);

    [Fact]
    public void Read_LineLongerThanTheLimit_Refused()
    {
        var huge = new string('x', CsvStretches.MaxLineChars + 10);
        var e = Assert.Throws<CsvStretches.LineTooLongException>(() => ReadAll($"a\n{huge}\n", 1 << 20));
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Split_MoreFieldsThanRanges_EveryFieldApart()
    {
        Span<Range> ranges = stackalloc Range[CsvStretches.MaxColumns];
        var quoted = new List<string>();
        var line = string.Join(",", Enumerable.Range(0, 70));
        Assert.True(CsvStretches.Split(line, ranges, out var n, quoted, out var isQuoted));
        Assert.Equal(70, CsvStretches.FieldCount(n, quoted, isQuoted));
        Assert.Equal("63", CsvStretches.Field(line, ranges, n, quoted, isQuoted, 63).ToString());
        Assert.Equal("69", CsvStretches.Field(line, ranges, n, quoted, isQuoted, 69).ToString());
    }

    [Fact]
    public void Read_NoLineBreakAtTheEnd_LastLineKept() =>
        Assert.Equal([(1, "a,b"), (2, "c,d")], ReadAll("a,b\nc,d", 4).Lines);

    [Fact]
    public void Read_LineLongerThanTheBlock_OneLine()
    {
        var longLine = new string('z', 10_000);
        Assert.Equal([(1, "x"), (2, longLine), (3, "y")], ReadAll($"x\n{longLine}\ny\n", 128).Lines);
    }

    [Fact]
    public void Read_Empty_NoStretch() => Assert.Empty(ReadAll("", 64).Counts);

    [Fact]
    public void ReadHeader_SkipsBlankLines_CountsThem()
    {
        var header = CsvStretches.ReadHeader(new StringReader("\n  \n\"a,b\",c\nrest\n"), out var line, out var unterminated);
        Assert.Equal(["a,b", "c"], header!);
        Assert.Equal(3, line);
        Assert.False(unterminated);
        Assert.Null(CsvStretches.ReadHeader(new StringReader("\n\n"), out _, out _));
    }

    [Fact]
    public void SplitAndField_PlainAndQuoted_TrimmedFieldsAndMissingOnesEmpty()
    {
        Span<Range> ranges = stackalloc Range[CsvStretches.MaxColumns];
        var quoted = new List<string>();
        Assert.True(CsvStretches.Split(" a , b,c", ranges, out var n, quoted, out var isQuoted));
        Assert.False(isQuoted);
        Assert.Equal("b", CsvStretches.Field(" a , b,c", ranges, n, quoted, isQuoted, 1).ToString());
        Assert.Equal("", CsvStretches.Field(" a , b,c", ranges, n, quoted, isQuoted, 7).ToString());
        Assert.True(CsvStretches.Split("\"x, y\",z", ranges, out n, quoted, out isQuoted));
        Assert.True(isQuoted);
        Assert.Equal("x, y", CsvStretches.Field("\"x, y\",z", ranges, n, quoted, isQuoted, 0).ToString());
        Assert.Equal(2, CsvStretches.FieldCount(n, quoted, isQuoted));
        Assert.False(CsvStretches.Split("\"open,z", ranges, out _, quoted, out _));
    }
}
