using System.Security.Cryptography;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.HealthCodes.Tokens;

namespace CityBrain.Domain.Tests.HealthCodes.Tokens;

/// <summary>Version 2 tokens: the servers recognise them by a tag; offline checkpoints still check the signature.</summary>
public sealed class TokenRecognizerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2020, 2, 10, 9, 0, 0, TimeSpan.FromHours(8));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly byte[] _tagKey = RandomNumberGenerator.GetBytes(32);

    public void Dispose() => _key.Dispose();

    private TokenVerifier Verifier()
    {
        var pub = ECDsa.Create();
        pub.ImportSubjectPublicKeyInfo(_key.ExportSubjectPublicKeyInfo(), out _);
        return new TokenVerifier([pub]);
    }

    [Fact]
    public void Issue_WithTagKey_Version2Of92BytesAndBothChecksPass()
    {
        var token = new TokenIssuer(_key, _tagKey).Issue(77, Colour.Yellow, Now, 180);
        Assert.Equal(CodeToken.Prefix.Length + Base45.EncodedLength(CodeToken.TaggedLength), token.Length);
        var offline = Verifier().Verify(token, Now);
        Assert.True(offline.IsValid);
        Assert.Equal(77, offline.Token.Subject);
        var online = new TokenRecognizer(_tagKey, Verifier()).Recognize(token, Now);
        Assert.True(online.IsValid);
        Assert.Equal(Colour.Yellow, online.Token.Colour);
    }

    [Fact]
    public void Recognize_OtherTagKey_BadSignature()
    {
        var token = new TokenIssuer(_key, _tagKey).Issue(77, Colour.Green, Now, 180);
        var check = new TokenRecognizer(RandomNumberGenerator.GetBytes(32), Verifier()).Recognize(token, Now);
        Assert.Equal(TokenStatus.BadSignature, check.Status);
    }

    [Theory]
    [InlineData(10)]  // in the payload (the subject)
    [InlineData(60)]  // in the signature
    [InlineData(130)] // in the tag
    public void Recognize_AnyCharacterChanged_Rejected(int position)
    {
        var token = new TokenIssuer(_key, _tagKey).Issue(77, Colour.Green, Now, 180);
        var changed = token[..position] + (token[position] == 'A' ? 'B' : 'A') + token[(position + 1)..];
        Assert.False(new TokenRecognizer(_tagKey, Verifier()).Recognize(changed, Now).IsValid);
    }

    [Fact]
    public void Verify_Version2WithForgedTag_OfflineStillChecksTheSignature()
    {
        Span<byte> raw = stackalloc byte[CodeToken.TaggedLength];
        new TokenIssuer(_key, _tagKey).IssueRaw(77, Colour.Green, Now, 180, raw);
        raw[CodeToken.Length] ^= 0xFF; // a wrong tag: the signature is still the authority offline
        Assert.True(Verifier().VerifyRaw(raw, Now).IsValid);
        raw[30] ^= 0x01; // a wrong signature
        Assert.Equal(TokenStatus.BadSignature, Verifier().VerifyRaw(raw, Now).Status);
    }

    [Fact]
    public void Recognize_Version1_FallsBackToTheSignature()
    {
        var v1 = new TokenIssuer(_key).Issue(5, Colour.Red, Now, 180);
        var check = new TokenRecognizer(_tagKey, Verifier()).Recognize(v1, Now);
        Assert.True(check.IsValid);
        Assert.Equal(Colour.Red, check.Token.Colour);
    }

    [Fact]
    public void Recognize_Expired_Expired()
    {
        var token = new TokenIssuer(_key, _tagKey).Issue(5, Colour.Green, Now, 60);
        Assert.Equal(TokenStatus.Expired, new TokenRecognizer(_tagKey, Verifier()).Recognize(token, Now.AddMinutes(2)).Status);
    }
}
