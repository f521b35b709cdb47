using CityBrain.Domain.Common;

namespace CityBrain.Domain.Tests.Common;

public sealed class CsvTests
{
    private static List<(int Line, string Fields)> Read(string text) =>
        Csv.Read(new StringReader(text)).Select(r => (r.Line, string.Join("|", r.Fields))).ToList();

    [Fact]
    public void Read_PlainLines_SplitOnCommasWithLineNumbers() =>
        Assert.Equal([(1, "a|b|c"), (2, "1||3"), (3, "x")], Read("a,b,c\n1,,3\nx"));

    [Fact]
    public void Read_CrLfAndBlankLines_BlankSkippedLinesStillCounted() =>
        Assert.Equal([(1, "a|b"), (3, "c|d"), (5, ",")], Read("a,b\r\n\r\nc,d\r\n\n,,\n").Select(r => (r.Line, r.Fields == "||" ? "," : r.Fields)).ToList());

    [Fact]
    public void Read_QuotedFields_CommasAndDoubledQuotesInside() =>
        Assert.Equal([(1, "张三|\"Li\", Si|a,b")], Read("张三,\"\"\"Li\"\", Si\",\"a,b\"\n"));

    [Fact]
    public void Read_NewlineInsideQuotes_OneRecordAndTheNextLineNumberFollows() =>
        Assert.Equal([(1, "x|two\nlines|y"), (3, "z")], Read("x,\"two\nlines\",y\nz\n"));

    [Fact]
    public void Read_QuoteInsideAnUnquotedField_Literal() =>
        Assert.Equal([(1, "ab\"c|d")], Read("ab\"c,d\n"));

    [Fact]
    public void Read_QuoteOpenAtTheEnd_FieldRunsToTheEnd() =>
        Assert.Equal([(1, "a|b\nc")], Read("a,\"b\nc"));

    [Fact]
    public void Header_MissingColumnAndBom_Reported()
    {
        var map = Csv.Header(["\uFEFFresident_id", " venue_id "], ["resident_id", "venue_id", "time"], out var error);
        Assert.Equal(0, map["resident_id"]);
        Assert.Equal(1, map["venue_id"]);
        Assert.Equal("header is missing column(s): time", error);
    }
}
