using System.Security.Cryptography;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.HealthCodes.Tokens;

namespace CityBrain.Domain.Tests.HealthCodes.Tokens;

public sealed class CodeTokenTests : IDisposable
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    private static readonly DateTimeOffset Now = new(2020, 2, 20, 10, 0, 0, TimeSpan.FromHours(8));

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly List<ECDsa> _publicKeys = [];

    public void Dispose()
    {
        _key.Dispose();
        _otherKey.Dispose();
        foreach (var k in _publicKeys)
        {
            k.Dispose();
        }
    }

    /// <summary>A verifier built from public keys only, as a checkpoint has them.</summary>
    private TokenVerifier VerifierFor(params ECDsa[] keys)
    {
        var publics = keys.Select(k =>
        {
            var p = ECDsa.Create();
            p.ImportSubjectPublicKeyInfo(k.ExportSubjectPublicKeyInfo(), out _);
            _publicKeys.Add(p);
            return p;
        }).ToList();
        return new TokenVerifier(publics);
    }

    [Fact]
    public void Issue_ThenVerify_ValidWithAllFields()
    {
        var issuer = new TokenIssuer(_key);
        var text = issuer.Issue(1234567890123L, Colour.Yellow, Now, 300);
        var check = VerifierFor(_key).Verify(text, Now.AddSeconds(10));
        Assert.Equal(TokenStatus.Valid, check.Status);
        Assert.True(check.IsValid);
        Assert.Equal("valid", check.Reason);
        Assert.Equal(1234567890123L, check.Token.Subject);
        Assert.Equal(Colour.Yellow, check.Token.Colour);
        Assert.Equal(Now, check.Token.IssuedAt);
        Assert.Equal(300, check.Token.LifetimeSeconds);
        Assert.Equal(Now.AddSeconds(300), check.Token.ExpiresAt);
        Assert.Equal(issuer.KeyId, check.Token.KeyId);
        Assert.Equal(CodeToken.KeyIdOf(_key), issuer.KeyId);
    }

    [Theory]
    [InlineData(Colour.Green)]
    [InlineData(Colour.Yellow)]
    [InlineData(Colour.Red)]
    public void Issue_EachColour_RoundTrips(Colour colour)
    {
        var text = new TokenIssuer(_key).Issue(7, colour, Now, 60);
        Assert.Equal(colour, VerifierFor(_key).Verify(text, Now).Token.Colour);
    }

    [Fact]
    public void Issue_Text_HasPrefixAndFixedLength()
    {
        var text = new TokenIssuer(_key).Issue(long.MaxValue, Colour.Red, Now, ushort.MaxValue);
        Assert.StartsWith("CB1:", text, StringComparison.Ordinal);
        Assert.Equal(4 + 126, text.Length);
        Assert.All(text[4..], ch => Assert.Contains(ch, Alphabet));
    }

    [Fact]
    public void Issue_LifetimeOverUInt16_Throws() =>
        Assert.Throws<OverflowException>(() => new TokenIssuer(_key).Issue(1, Colour.Green, Now, 65536));

    [Fact]
    public void TokenIssuer_NonP256Key_Throws()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => new TokenIssuer(p384));
    }

    [Fact]
    public void Verify_OneChangedCharacterAnywhere_NeverValid()
    {
        var text = new TokenIssuer(_key).Issue(42, Colour.Green, Now, 300);
        var verifier = VerifierFor(_key);
        for (var pos = 4; pos < text.Length; pos++)
        {
            var chars = text.ToCharArray();
            chars[pos] = Alphabet[(Alphabet.IndexOf(chars[pos], StringComparison.Ordinal) + 1) % Alphabet.Length];
            var status = verifier.Verify(new string(chars), Now).Status;
            // Characters 0-8 of the body carry the version and the key id, so a change there may also name an unknown key.
            var allowed = pos - 4 < 9
                ? new[] { TokenStatus.BadSignature, TokenStatus.Malformed, TokenStatus.UnknownKey }
                : new[] { TokenStatus.BadSignature, TokenStatus.Malformed };
            Assert.True(allowed.Contains(status), $"position {pos}: {status}");
        }
    }

    [Fact]
    public void Verify_ChangedColourCharacter_BadSignature()
    {
        // Byte 13 (colour) is the low byte of pair 6: the first character of group 6 is its least significant digit.
        var text = new TokenIssuer(_key).Issue(42, Colour.Red, Now, 300);
        var chars = text.ToCharArray();
        var i = 4 + 6 * 3;
        chars[i] = Alphabet[(Alphabet.IndexOf(chars[i], StringComparison.Ordinal) + 44) % 45];
        Assert.Equal(TokenStatus.BadSignature, VerifierFor(_key).Verify(new string(chars), Now).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("CB1:")]
    [InlineData("CB2:0000")]
    [InlineData("hello")]
    public void Verify_NotAToken_Malformed(string text) =>
        Assert.Equal(TokenStatus.Malformed, VerifierFor(_key).Verify(text, Now).Status);

    [Fact]
    public void Verify_WrongPrefixOrTruncatedOrLowerCase_Malformed()
    {
        var text = new TokenIssuer(_key).Issue(42, Colour.Green, Now, 300);
        var verifier = VerifierFor(_key);
        Assert.Equal(TokenStatus.Malformed, verifier.Verify(string.Concat("CB2:", text.AsSpan(4)), Now).Status);
        Assert.Equal(TokenStatus.Malformed, verifier.Verify(text.AsSpan(0, text.Length - 1), Now).Status);
        Assert.Equal(TokenStatus.Malformed, verifier.Verify(text + "0", Now).Status);
        Assert.Equal(TokenStatus.Malformed, verifier.Verify(text.ToLowerInvariant(), Now).Status);
        Assert.Equal(TokenStatus.Valid, verifier.Verify("  " + text + "\n", Now).Status);
    }

    [Theory]
    [InlineData(0, TokenStatus.Valid)]
    [InlineData(300, TokenStatus.Valid)]
    [InlineData(330, TokenStatus.Valid)]      // lifetime + clock skew: still accepted
    [InlineData(331, TokenStatus.Expired)]
    [InlineData(86400, TokenStatus.Expired)]
    [InlineData(-30, TokenStatus.Valid)]      // checkpoint clock 30 s behind
    [InlineData(-31, TokenStatus.NotYetValid)]
    [InlineData(-3600, TokenStatus.NotYetValid)]
    public void Verify_AtOffsetFromIssue_Expected(int secondsAfterIssue, TokenStatus expected)
    {
        var text = new TokenIssuer(_key).Issue(42, Colour.Green, Now, 300);
        Assert.Equal(expected, VerifierFor(_key).Verify(text, Now.AddSeconds(secondsAfterIssue)).Status);
    }

    [Fact]
    public void Verify_LargerClockSkew_AcceptsLaterCheck()
    {
        var text = new TokenIssuer(_key).Issue(42, Colour.Green, Now, 300);
        var verifier = new TokenVerifier([_key]) { ClockSkew = TimeSpan.FromMinutes(5) };
        Assert.Equal(TokenStatus.Valid, verifier.Verify(text, Now.AddSeconds(600)).Status);
        Assert.Equal(TokenStatus.Expired, verifier.Verify(text, Now.AddSeconds(601)).Status);
    }

    [Fact]
    public void Verify_KeyNotKnownToVerifier_UnknownKey()
    {
        var text = new TokenIssuer(_key).Issue(42, Colour.Green, Now, 300);
        var check = VerifierFor(_otherKey).Verify(text, Now);
        Assert.Equal(TokenStatus.UnknownKey, check.Status);
        Assert.False(check.IsValid);
        Assert.Equal(CodeToken.KeyIdOf(_key), check.Token.KeyId);
    }

    [Fact]
    public void Verify_TwoKeysDuringRotation_BothVerify()
    {
        var verifier = VerifierFor(_key, _otherKey);
        Assert.Equal(2, verifier.KeyIds.Count);
        var old = new TokenIssuer(_key).Issue(1, Colour.Green, Now, 300);
        var current = new TokenIssuer(_otherKey).Issue(2, Colour.Red, Now, 300);
        var a = verifier.Verify(old, Now);
        var b = verifier.Verify(current, Now);
        Assert.Equal(TokenStatus.Valid, a.Status);
        Assert.Equal(TokenStatus.Valid, b.Status);
        Assert.Equal(1, a.Token.Subject);
        Assert.Equal(2, b.Token.Subject);
        Assert.NotEqual(a.Token.KeyId, b.Token.KeyId);
    }

    [Fact]
    public void Verify_SignatureFromOtherKeyUnderKnownKeyId_BadSignature()
    {
        // A forger who copies a known key id but signs with its own key.
        Span<byte> raw = stackalloc byte[CodeToken.Length];
        new TokenIssuer(_otherKey).IssueRaw(42, Colour.Green, Now, 300, raw);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(raw[1..], CodeToken.KeyIdOf(_key));
        Assert.Equal(TokenStatus.BadSignature, VerifierFor(_key).VerifyRaw(raw, Now).Status);
    }

    [Fact]
    public void VerifyRaw_SignedColourOutOfRange_Malformed()
    {
        Span<byte> raw = stackalloc byte[CodeToken.Length];
        new TokenIssuer(_key).IssueRaw(42, (Colour)3, Now, 300, raw);
        Assert.Equal(TokenStatus.Malformed, VerifierFor(_key).VerifyRaw(raw, Now).Status);
    }

    [Fact]
    public void KeyIdText_IsEightLowerHexDigits() =>
        Assert.Equal("00c0ffee", CodeToken.KeyIdText(0xC0FFEE));
}
