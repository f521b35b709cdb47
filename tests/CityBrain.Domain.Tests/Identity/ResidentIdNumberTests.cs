using CityBrain.Domain.Identity;

namespace CityBrain.Domain.Tests.Identity;

public class ResidentIdNumberTests
{
    private static readonly DateOnly Today = new(2020, 2, 20);

    // Published examples; check characters verified by hand with the weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
    // 11010519491231002X: sum 167, 167 mod 11 = 2 -> 'X';  440524188001010014: sum 195, mod 11 = 8 -> '4';
    // 34052419800101001X: sum 189, mod 11 = 2 -> 'X'.
    [Theory]
    [InlineData("11010519491231002X", "110105", 1949, 12, 31)]
    [InlineData("440524188001010014", "440524", 1880, 1, 1)]
    [InlineData("34052419800101001X", "340524", 1980, 1, 1)]
    [InlineData(" 11010519491231002X ", "110105", 1949, 12, 31)]
    public void TryParse_PublishedExample_Succeeds(string text, string division, int year, int month, int day)
    {
        Assert.True(ResidentIdNumber.TryParse(text, Today, null, out var id, out var error), error);
        Assert.Equal("", error);
        Assert.Equal(text.Trim(), id.Value);
        Assert.Equal(division, id.DivisionCode);
        Assert.Equal(new DateOnly(year, month, day), id.BirthDate);
    }

    [Fact]
    public void TryParse_LowerCaseX_AcceptedAndNormalised()
    {
        Assert.True(ResidentIdNumber.TryParse("11010519491231002x", Today, null, out var id, out var error), error);
        Assert.Equal("11010519491231002X", id.Value);
    }

    [Theory]
    [InlineData("110105", 1949, 12, 31, 2, "11010519491231002X")]
    [InlineData("440524", 1880, 1, 1, 1, "440524188001010014")]
    [InlineData("340524", 1980, 1, 1, 1, "34052419800101001X")]
    public void Create_PublishedParts_GivesPublishedNumber(string division, int year, int month, int day, int sequence, string expected)
    {
        Assert.Equal(expected, ResidentIdNumber.Create(division, new DateOnly(year, month, day), sequence).Value);
    }

    [Theory]
    [InlineData("330102", 1990, 3, 7, 123)]
    [InlineData("110101", 2020, 2, 20, 0)]
    [InlineData("650102", 1956, 2, 29, 999)]
    [InlineData("820000", 2001, 12, 1, 45)]
    public void Create_ThenTryParse_RoundTrips(string division, int year, int month, int day, int sequence)
    {
        var created = ResidentIdNumber.Create(division, new DateOnly(year, month, day), sequence);
        Assert.True(ResidentIdNumber.TryParse(created.Value, Today, null, out var parsed, out var error), error);
        Assert.Equal(created, parsed);
        Assert.Equal(new DateOnly(year, month, day), parsed.BirthDate);
        Assert.Equal(division, parsed.DivisionCode);
        Assert.Equal(ResidentIdNumber.CheckCharacter(created.Value), created.Value[17]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1000)]
    public void Create_SequenceOutOfRange_Throws(int sequence) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ResidentIdNumber.Create("330102", new DateOnly(1990, 1, 1), sequence));

    [Fact]
    public void Create_DivisionNotSixDigits_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ResidentIdNumber.Create("3301", new DateOnly(1990, 1, 1), 1));

    public static TheoryData<string, string, string?> Invalid => new()
    {
        // name, text, expected words in the error (null: anything)
        { "empty", "", "empty" },
        { "blank", "   ", "empty" },
        { "wrong check digit", "110105194912310021", "check digit is 1 but should be X" },
        { "wrong check X", "44052418800101001X", "check digit is X but should be 4" },
        { "17 characters", "11010519491231002", "18 characters, not 17" },
        { "19 characters", "11010519491231002X0", "18 characters, not 19" },
        { "letter inside", "1101051949A231002X", "non-digit at position 11" },
        { "last char not digit or X", "11010519491231002Y", "digit or X" },
        { "February 30", WithCheck("11010519900230001"), "birth date 19900230 is not a valid date" },
        { "month 13", WithCheck("11010519901301001"), "birth date 19901301 is not a valid date" },
        { "day 0", WithCheck("11010519900100001"), "not a valid date" },
        { "Feb 29 non-leap year", WithCheck("11010519000229001"), "not a valid date" },
        { "year before 1880", WithCheck("11010518791231001"), "not a valid date" },
        { "born tomorrow", WithCheck("11010520200221001"), "birth date 20200221 is in the future" },
        { "unknown province 99", WithCheck("99010519900101001"), "does not start with a province code" },
        { "unknown province 10", WithCheck("10010519900101001"), "does not start with a province code" },
    };

    private static string WithCheck(string first17) => first17 + ResidentIdNumber.CheckCharacter(first17);

    [Theory]
    [MemberData(nameof(Invalid))]
    public void TryParse_Invalid_FailsWithReason(string name, string text, string? reason)
    {
        Assert.False(ResidentIdNumber.TryParse(text, Today, null, out var id, out var error), name);
        Assert.Equal(default, id);
        Assert.Contains(reason!, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Null_Fails()
    {
        Assert.False(ResidentIdNumber.TryParse(null, Today, null, out _, out var error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_BornToday_Succeeds() =>
        Assert.True(ResidentIdNumber.TryParse(WithCheck("11010520200220001"), Today, null, out _, out _));

    [Fact]
    public void TryParse_DivisionRejectedByCatalogue_Fails()
    {
        string? asked = null;
        Assert.False(ResidentIdNumber.TryParse("11010519491231002X", Today, d => { asked = d; return false; }, out _, out var error));
        Assert.Equal("110105", asked);
        Assert.Contains("110105 is not a known division", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_DivisionKnownToCatalogue_Succeeds() =>
        Assert.True(ResidentIdNumber.TryParse("11010519491231002X", Today, d => d == "110105", out _, out _));

    [Theory]
    [InlineData("11010519491231002X", "110105********002X")]
    [InlineData("440524188001010014", "440524********0014")]
    public void Masked_KeepsFirstSixAndLastFour(string text, string masked)
    {
        Assert.True(ResidentIdNumber.TryParse(text, Today, null, out var id, out _));
        Assert.Equal(masked, id.Masked);
        Assert.Equal(masked, id.ToString());
    }

    [Fact]
    public void CheckCharacter_AllRemaindersMapToTheStandardTable()
    {
        // The character for each remainder 0..10 of the weighted sum is "10X98765432" (GB 11643).
        var seen = new HashSet<char>();
        for (var seq = 0; seq < 200; seq++)
        {
            seen.Add(ResidentIdNumber.Create("330102", new DateOnly(1990, 1, 1), seq).Value[17]);
        }
        Assert.Equal("0123456789X".ToHashSet(), seen);
    }
}
