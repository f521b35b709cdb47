using System.Globalization;
using CityBrain.Domain.Common;

namespace CityBrain.Domain.Tests.Common;

public sealed class Iso8601Tests
{
    [Theory]
    [InlineData("2020-02-01T10:15:00+08:00")]
    [InlineData("2020-02-01T10:15:00Z")]
    [InlineData("2020-02-29T23:59:59-05:30")]
    [InlineData("1999-12-31T00:00:00+14:00")]
    [InlineData("2020-02-01T10:15:00.123+08:00")]
    [InlineData(" 2020-02-01T10:15:00+08:00 ")]
    public void TryParseUnixSeconds_Valid_SameAsTheGeneralParser(string text)
    {
        Assert.True(Iso8601.TryParseUnixSeconds(text, out var unix));
        var expected = DateTimeOffset.Parse(text.Trim(), CultureInfo.InvariantCulture).ToUnixTimeSeconds();
        Assert.Equal(expected, unix);
    }

    [Theory]
    [InlineData("2021-02-29T10:15:00+08:00")]   // no such day
    [InlineData("2020-13-01T10:15:00+08:00")]
    [InlineData("2020-02-01T24:00:00+08:00")]
    [InlineData("2020-02-01T10:15:00")]         // no offset: the fast path does not guess a zone
    [InlineData("2020-02-01T10:15:00+14:30")]   // beyond ±14 hours
    [InlineData("2020-02-01 10:15:00+08:00")]
    [InlineData("2020-02-01T10:15+08:00")]      // no seconds: the general parser's business
    [InlineData("2020-02-01T10:15:00+0800")]
    [InlineData("")]
    public void TryParseUnixSeconds_NotTheFastFormat_False(string text) =>
        Assert.False(Iso8601.TryParseUnixSeconds(text, out _));
}
