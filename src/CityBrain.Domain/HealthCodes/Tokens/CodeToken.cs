using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CityBrain.Domain.HealthCodes.Tokens;

/// <summary>
/// The health-code QR token. Compact (126 characters after the "CB1:" prefix, a version-6 QR code), signed with
/// ECDSA P-256 (ES256), and carrying no name or ID number: only the resident's internal key, the colour, the
/// issue time and the lifetime, under the id of the signing key.
/// <code>
/// byte 0       version (1)
/// bytes 1-4    key id (first 4 bytes of SHA-256 of the public key, SubjectPublicKeyInfo)
/// bytes 5-12   subject: the resident's internal key
/// byte 13      colour (0 green, 1 yellow, 2 red)
/// bytes 14-17  issued at, Unix seconds
/// bytes 18-19  lifetime in seconds
/// bytes 20-83  signature r||s over bytes 0-19 (SHA-256)
/// </code>
/// </summary>
public readonly record struct CodeToken(uint KeyId, long Subject, Colour Colour, DateTimeOffset IssuedAt, int LifetimeSeconds)
{
    public const string Prefix = "CB1:";
    public const int PayloadLength = 20;
    public const int SignatureLength = 64;
    public const int Length = PayloadLength + SignatureLength;
    public const byte Version = 1;

    public DateTimeOffset ExpiresAt => IssuedAt.AddSeconds(LifetimeSeconds);

    public static string KeyIdText(uint keyId) => keyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    internal void WritePayload(Span<byte> b)
    {
        b[0] = Version;
        BinaryPrimitives.WriteUInt32BigEndian(b[1..], KeyId);
        BinaryPrimitives.WriteInt64BigEndian(b[5..], Subject);
        b[13] = (byte)Colour;
        BinaryPrimitives.WriteUInt32BigEndian(b[14..], checked((uint)IssuedAt.ToUnixTimeSeconds()));
        BinaryPrimitives.WriteUInt16BigEndian(b[18..], checked((ushort)LifetimeSeconds));
    }

    internal static CodeToken ReadPayload(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt32BigEndian(b[1..]),
        BinaryPrimitives.ReadInt64BigEndian(b[5..]),
        (Colour)b[13],
        DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32BigEndian(b[14..])),
        BinaryPrimitives.ReadUInt16BigEndian(b[18..]));

    /// <summary>Key id of a public key: first 4 bytes of SHA-256 over its SubjectPublicKeyInfo.</summary>
    public static uint KeyIdOf(ECDsa key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(key.ExportSubjectPublicKeyInfo(), hash);
        return BinaryPrimitives.ReadUInt32BigEndian(hash);
    }
}

public enum TokenStatus
{
    Valid,
    Malformed,
    UnknownKey,
    BadSignature,
    Expired,
    NotYetValid,
}

public readonly record struct TokenCheck(TokenStatus Status, CodeToken Token)
{
    public bool IsValid => Status == TokenStatus.Valid;

    public string Reason => Status switch
    {
        TokenStatus.Valid => "valid",
        TokenStatus.Malformed => "not a CityBrain health-code token",
        TokenStatus.UnknownKey => "signed with a key this checkpoint does not know",
        TokenStatus.BadSignature => "signature does not verify: the code was altered or forged",
        TokenStatus.Expired => "expired: ask the resident to refresh the code",
        TokenStatus.NotYetValid => "issued in the future: check the clock",
        _ => Status.ToString(),
    };
}

/// <summary>Signs tokens with the current key.</summary>
public sealed class TokenIssuer
{
    private readonly ECDsa _key;

    public uint KeyId { get; }

    public TokenIssuer(ECDsa privateKey)
    {
        if (privateKey.KeySize != 256)
        {
            throw new ArgumentException("the signing key must be ECDSA P-256", nameof(privateKey));
        }
        _key = privateKey;
        KeyId = CodeToken.KeyIdOf(privateKey);
    }

    public string Issue(long subject, Colour colour, DateTimeOffset now, int lifetimeSeconds)
    {
        Span<byte> raw = stackalloc byte[CodeToken.Length];
        IssueRaw(subject, colour, now, lifetimeSeconds, raw);
        var prefix = CodeToken.Prefix.Length;
        return string.Create(prefix + Base45.EncodedLength(CodeToken.Length), raw.ToArray(), static (dest, bytes) =>
        {
            CodeToken.Prefix.AsSpan().CopyTo(dest);
            Base45.Encode(bytes, dest[CodeToken.Prefix.Length..]);
        });
    }

    public void IssueRaw(long subject, Colour colour, DateTimeOffset now, int lifetimeSeconds, Span<byte> raw)
    {
        var token = new CodeToken(KeyId, subject, colour, now, lifetimeSeconds);
        token.WritePayload(raw);
        if (!_key.TrySignData(raw[..CodeToken.PayloadLength], raw[CodeToken.PayloadLength..], HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written) || written != CodeToken.SignatureLength)
        {
            throw new CryptographicException("signing the health-code token failed");
        }
    }
}

/// <summary>Verifies tokens with public keys only: what an offline checkpoint does.</summary>
public sealed class TokenVerifier
{
    private readonly Dictionary<uint, ECDsa> _keys;

    /// <summary>Tolerated clock difference between issuer and checkpoint.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    public TokenVerifier(IEnumerable<ECDsa> publicKeys) =>
        _keys = publicKeys.ToDictionary(CodeToken.KeyIdOf);

    public IReadOnlyCollection<uint> KeyIds => _keys.Keys;

    /// <summary>Decodes without checking anything (for diagnostics).</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> raw)
    {
        text = text.Trim();
        if (!text.StartsWith(CodeToken.Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var body = text[CodeToken.Prefix.Length..];
        return body.Length == Base45.EncodedLength(CodeToken.Length)
            && Base45.Decode(body, raw) == CodeToken.Length
            && raw[0] == CodeToken.Version;
    }

    public TokenCheck Verify(ReadOnlySpan<char> text, DateTimeOffset now)
    {
        Span<byte> raw = stackalloc byte[CodeToken.Length];
        if (!TryDecode(text, raw))
        {
            return new TokenCheck(TokenStatus.Malformed, default);
        }
        return VerifyRaw(raw, now);
    }

    public TokenCheck VerifyRaw(ReadOnlySpan<byte> raw, DateTimeOffset now)
    {
        var token = CodeToken.ReadPayload(raw);
        if (!_keys.TryGetValue(token.KeyId, out var key))
        {
            return new TokenCheck(TokenStatus.UnknownKey, token);
        }
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(raw[..CodeToken.PayloadLength], digest);
        if (!key.VerifyHash(digest, raw[CodeToken.PayloadLength..], DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return new TokenCheck(TokenStatus.BadSignature, token);
        }
        if (token.Colour > Colour.Red)
        {
            return new TokenCheck(TokenStatus.Malformed, token);
        }
        if (token.IssuedAt - ClockSkew > now)
        {
            return new TokenCheck(TokenStatus.NotYetValid, token);
        }
        if (token.ExpiresAt + ClockSkew < now)
        {
            return new TokenCheck(TokenStatus.Expired, token);
        }
        return new TokenCheck(TokenStatus.Valid, token);
    }
}
