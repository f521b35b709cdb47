using CityBrain.Domain.Identity;

namespace CityBrain.Domain.Tests.Identity;

public class MaskingTests
{
    [Theory]
    [InlineData("张三", "张*")]
    [InlineData("欧阳娜娜", "欧***")]
    [InlineData("张", "张*")]
    [InlineData("  李四 ", "李*")]
    [InlineData("", "*")]
    [InlineData("   ", "*")]
    [InlineData("Alice", "A****")]
    [InlineData("𠀋三", "𠀋*")] // a first character outside the BMP (a surrogate pair) stays whole
    public void Name_Various_ShowsOnlyFirstCharacter(string name, string expected) =>
        Assert.Equal(expected, Masking.Name(name));

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("+8613812345678", "+86*******5678")]
    [InlineData("12345678", "123*5678")]
    [InlineData("123456", "****")]
    [InlineData("", "****")]
    public void Phone_Various_KeepsFirstThreeAndLastFour(string phone, string expected) =>
        Assert.Equal(expected, Masking.Phone(phone));

    [Theory]
    [InlineData("1234567")]   // a 7-digit local landline number
    [InlineData("8765432")]
    public void Phone_SevenDigits_NeverShownInFull(string phone)
    {
        var masked = Masking.Phone(phone);
        Assert.NotEqual(phone, masked);
        Assert.Contains('*', masked);
    }
}
