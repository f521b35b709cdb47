using System.Text;
using CityBrain.Domain.HealthCodes.Tokens;

namespace CityBrain.Domain.Tests.HealthCodes.Tokens;

public class Base45Tests
{
    // RFC 9285, sections 4.3 and 4.4.
    [Theory]
    [InlineData("AB", "BB8")]
    [InlineData("Hello!!", "%69 VD92EX0")]
    [InlineData("base-45", "UJCLQE7W581")]
    [InlineData("ietf!", "QED8WEX0")]
    [InlineData("", "")]
    public void Encode_RfcVector_Expected(string plain, string encoded) =>
        Assert.Equal(encoded, Base45.Encode(Encoding.ASCII.GetBytes(plain)));

    [Theory]
    [InlineData("BB8", "AB")]
    [InlineData("%69 VD92EX0", "Hello!!")]
    [InlineData("UJCLQE7W581", "base-45")]
    [InlineData("QED8WEX0", "ietf!")]
    [InlineData("", "")]
    public void Decode_RfcVector_Expected(string encoded, string plain)
    {
        var dest = new byte[64];
        var n = Base45.Decode(encoded, dest);
        Assert.Equal(plain.Length, n);
        Assert.Equal(plain, Encoding.ASCII.GetString(dest, 0, n));
    }

    [Theory]
    [InlineData("GGW")]       // 16 + 16*45 + 32*45*45 = 65536 > 0xFFFF (the RFC's own invalid example)
    [InlineData("::")]        // 44 + 44*45 = 2024 > 0xFF in a final pair
    [InlineData("A")]         // length 1 mod 3
    [InlineData("BB8A")]      // length 1 mod 3
    [InlineData("bb8")]       // lower case is not in the alphabet
    [InlineData("B#8")]       // '#' is not in the alphabet
    [InlineData("BB\u00e9")]  // non-ASCII
    [InlineData("BB\u0000")]
    public void Decode_Invalid_ReturnsMinusOne(string text) =>
        Assert.Equal(-1, Base45.Decode(text, new byte[64]));

    [Fact]
    public void Decode_DestinationTooSmall_ReturnsMinusOne() =>
        Assert.Equal(-1, Base45.Decode("%69 VD92EX0", new byte[6]));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 5)]
    [InlineData(84, 126)]
    public void EncodedLength_Bytes_Expected(int bytes, int chars) =>
        Assert.Equal(chars, Base45.EncodedLength(bytes));

    [Fact]
    public void EncodeThenDecode_AllByteValuesAndLengths_RoundTrips()
    {
        var rng = new Random(45);
        for (var len = 0; len < 40; len++)
        {
            var data = new byte[len];
            rng.NextBytes(data);
            if (len >= 2)
            {
                data[0] = 0xFF;
                data[1] = 0xFF; // the largest pair value
            }
            var text = Base45.Encode(data);
            Assert.Equal(Base45.EncodedLength(len), text.Length);
            var back = new byte[len];
            Assert.Equal(len, Base45.Decode(text, back));
            Assert.Equal(data, back);
        }
    }
}
