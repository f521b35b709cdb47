using System.Security.Cryptography;
using CityBrain.Domain.Identity;

namespace CityBrain.Domain.Tests.Identity;

public class PersonalDataProtectorTests
{
    private static PersonalDataProtector NewProtector() => new(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Hash_SameKey_DeterministicAndKeyed()
    {
        var a = NewProtector();
        var b = NewProtector();
        Assert.Equal(a.Hash("11010519491231002X"), a.Hash("11010519491231002X"));
        Assert.NotEqual(a.Hash("11010519491231002X"), a.Hash("440524188001010014"));
        Assert.NotEqual(a.Hash("11010519491231002X"), b.Hash("11010519491231002X"));
        Assert.Equal(32, a.Hash("x").Length);
    }

    [Fact]
    public void BulkHasher_ReusedForManyValues_GivesTheSameHashAsHash()
    {
        var p = NewProtector();
        using var hasher = p.CreateBulkHasher();
        var hash = new byte[32];
        foreach (var value in new[] { "11010519491231002X", "440524188001010014", "张三", "", "11010519491231002X" })
        {
            hasher.Hash(value, hash);
            Assert.Equal(p.Hash(value), hash);
        }
        Assert.Throws<ArgumentException>(() => hasher.Hash(new string('1', 65), hash));
    }

    [Theory]
    [InlineData("11010519491231002X")]
    [InlineData("张三")]
    [InlineData("")]
    public void Encrypt_ThenDecrypt_RoundTripsWithRandomNonce(string value)
    {
        var p = NewProtector();
        var one = p.Encrypt(value);
        var two = p.Encrypt(value);
        Assert.NotEqual(one, two);
        Assert.Equal(value, p.Decrypt(one));
        Assert.Equal(value, p.Decrypt(two));
    }

    [Fact]
    public void Decrypt_TamperedOrWrongKey_Throws()
    {
        var p = NewProtector();
        var blob = p.Encrypt("张三");
        blob[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => p.Decrypt(blob));
        Assert.ThrowsAny<CryptographicException>(() => NewProtector().Decrypt(p.Encrypt("张三")));
        Assert.ThrowsAny<CryptographicException>(() => p.Decrypt(new byte[27]));
    }

    [Theory]
    [InlineData(31, 32)]
    [InlineData(32, 31)]
    [InlineData(32, 33)]
    public void Constructor_BadKeyLengths_Throws(int hashKey, int dataKey) =>
        Assert.Throws<ArgumentException>(() => new PersonalDataProtector(new byte[hashKey], new byte[dataKey]));

    [Fact]
    public void Passwords_HashThenVerify()
    {
        var stored = Passwords.Hash("correct horse");
        Assert.StartsWith("pbkdf2-sha256$100000$", stored, StringComparison.Ordinal);
        Assert.True(Passwords.Verify("correct horse", stored));
        Assert.False(Passwords.Verify("correct horsf", stored));
        Assert.False(Passwords.Verify("correct horse", "md5$1$x$y"));
    }
}
