using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CityBrain.Domain.HealthCodes.Tokens;

/// <summary>
/// The health-code QR token. Compact (138 characters after the "CB1:" prefix, a version-6 QR code), signed with
/// ECDSA P-256 (ES256), and carrying no name or ID number: only the resident's internal key, the colour, the
/// issue time and the lifetime, under the id of the signing key.
/// <code>
/// byte 0       version (1: signed only; 2: signed, plus the issuing server's tag)
/// bytes 1-4    key id (first 4 bytes of SHA-256 of the public key, SubjectPublicKeyInfo)
/// bytes 5-12   subject: the resident's internal key
/// byte 13      colour (0 green, 1 yellow, 2 red)
/// bytes 14-17  issued at, Unix seconds
/// bytes 18-19  lifetime in seconds
/// bytes 20-83  signature r||s over bytes 0-19 (SHA-256)
/// bytes 84-91  version 2 only: the first 8 bytes of HMAC-SHA256(server key, bytes 0-83)
/// </code>
/// An offline checkpoint checks the signature with the published public key and ignores the tag. The servers, which
/// hold the tag key, recognise the tokens they issued with one HMAC (about a microsecond) instead of an ECDSA verify
/// (about 50 µs): the online scan path can take tens of thousands of scans a second on two cores, and what an offline
/// checkpoint can check is unchanged.
/// </summary>
public readonly record struct CodeToken(uint KeyId, long Subject, Colour Colour, DateTimeOffset IssuedAt, int LifetimeSeconds)
{
    public const string Prefix = "CB1:";
    public const int PayloadLength = 20;
    public const int SignatureLength = 64;
    public const int Length = PayloadLength + SignatureLength;
    public const int TagLength = 8;
    public const int TaggedLength = Length + TagLength;
    public const byte Version = 1;
    public const byte TaggedVersion = 2;

    public DateTimeOffset ExpiresAt => IssuedAt.AddSeconds(LifetimeSeconds);

    public static string KeyIdText(uint keyId) => keyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    internal void WritePayload(Span<byte> b, byte version = Version)
    {
        b[0] = version;
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
    private readonly byte[]? _tagKey;

    public uint KeyId { get; }

    /// <param name="privateKey">the ECDSA P-256 signing key</param>
    /// <param name="tagKey">the servers' tag key: with it, tokens are version 2 and carry the tag</param>
    public TokenIssuer(ECDsa privateKey, byte[]? tagKey = null)
    {
        if (privateKey.KeySize != 256)
        {
            throw new ArgumentException("the signing key must be ECDSA P-256", nameof(privateKey));
        }
        _key = privateKey;
        _tagKey = tagKey;
        KeyId = CodeToken.KeyIdOf(privateKey);
    }

    public int RawLength => _tagKey is null ? CodeToken.Length : CodeToken.TaggedLength;

    public string Issue(long subject, Colour colour, DateTimeOffset now, int lifetimeSeconds)
    {
        Span<byte> raw = stackalloc byte[CodeToken.TaggedLength];
        raw = raw[..RawLength];
        IssueRaw(subject, colour, now, lifetimeSeconds, raw);
        var prefix = CodeToken.Prefix.Length;
        return string.Create(prefix + Base45.EncodedLength(raw.Length), raw.ToArray(), static (dest, bytes) =>
        {
            CodeToken.Prefix.AsSpan().CopyTo(dest);
            Base45.Encode(bytes, dest[CodeToken.Prefix.Length..]);
        });
    }

    public void IssueRaw(long subject, Colour colour, DateTimeOffset now, int lifetimeSeconds, Span<byte> raw)
    {
        var token = new CodeToken(KeyId, subject, colour, now, lifetimeSeconds);
        token.WritePayload(raw, _tagKey is null ? CodeToken.Version : CodeToken.TaggedVersion);
        if (!_key.TrySignData(raw[..CodeToken.PayloadLength], raw[CodeToken.PayloadLength..], HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written) || written != CodeToken.SignatureLength)
        {
            throw new CryptographicException("signing the health-code token failed");
        }
        if (_tagKey is not null)
        {
            TokenRecognizer.Tag(_tagKey, raw[..CodeToken.Length], raw.Slice(CodeToken.Length, CodeToken.TagLength));
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

    /// <summary>
    /// Decodes without checking anything; returns the raw length (84 for version 1, 92 for version 2) or 0 when the
    /// text is not a token. <paramref name="raw"/> needs <see cref="CodeToken.TaggedLength"/> bytes.
    /// </summary>
    public static int TryDecode(ReadOnlySpan<char> text, Span<byte> raw)
    {
        text = text.Trim();
        if (!text.StartsWith(CodeToken.Prefix, StringComparison.Ordinal))
        {
            return 0;
        }
        var body = text[CodeToken.Prefix.Length..];
        var length = body.Length == Base45.EncodedLength(CodeToken.Length) ? CodeToken.Length
            : body.Length == Base45.EncodedLength(CodeToken.TaggedLength) ? CodeToken.TaggedLength
            : 0;
        if (length == 0 || Base45.Decode(body, raw) != length)
        {
            return 0;
        }
        var version = length == CodeToken.Length ? CodeToken.Version : CodeToken.TaggedVersion;
        return raw[0] == version ? length : 0;
    }

    public TokenCheck Verify(ReadOnlySpan<char> text, DateTimeOffset now)
    {
        Span<byte> raw = stackalloc byte[CodeToken.TaggedLength];
        var length = TryDecode(text, raw);
        if (length == 0)
        {
            return new TokenCheck(TokenStatus.Malformed, default);
        }
        return VerifyRaw(raw[..length], now);
    }

    /// <summary>Checks the signature (the tag of a version 2 token is not checked: that needs the servers' key).</summary>
    public TokenCheck VerifyRaw(ReadOnlySpan<byte> raw, DateTimeOffset now)
    {
        var token = CodeToken.ReadPayload(raw);
        if (!_keys.TryGetValue(token.KeyId, out var key))
        {
            return new TokenCheck(TokenStatus.UnknownKey, token);
        }
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(raw[..CodeToken.PayloadLength], digest);
        if (!key.VerifyHash(digest, raw.Slice(CodeToken.PayloadLength, CodeToken.SignatureLength), DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return new TokenCheck(TokenStatus.BadSignature, token);
        }
        return CheckTimes(token, now, ClockSkew);
    }

    internal static TokenCheck CheckTimes(CodeToken token, DateTimeOffset now, TimeSpan clockSkew)
    {
        if (token.Colour > Colour.Red)
        {
            return new TokenCheck(TokenStatus.Malformed, token);
        }
        if (token.IssuedAt - clockSkew > now)
        {
            return new TokenCheck(TokenStatus.NotYetValid, token);
        }
        if (token.ExpiresAt + clockSkew < now)
        {
            return new TokenCheck(TokenStatus.Expired, token);
        }
        return new TokenCheck(TokenStatus.Valid, token);
    }
}

/// <summary>
/// The servers' fast path: a version 2 token is recognised by its tag (one HMAC-SHA256, about a microsecond); a
/// version 1 token, or one from a key this server does not hold the tag key for, falls back to the ECDSA verify.
/// </summary>
public sealed class TokenRecognizer(byte[] tagKey, TokenVerifier verifier)
{
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    public static void Tag(ReadOnlySpan<byte> key, ReadOnlySpan<byte> signed, Span<byte> tag)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, signed, mac);
        mac[..CodeToken.TagLength].CopyTo(tag);
    }

    public TokenCheck Recognize(ReadOnlySpan<char> text, DateTimeOffset now)
    {
        Span<byte> raw = stackalloc byte[CodeToken.TaggedLength];
        var length = TokenVerifier.TryDecode(text, raw);
        if (length == 0)
        {
            return new TokenCheck(TokenStatus.Malformed, default);
        }
        if (length == CodeToken.Length)
        {
            return verifier.VerifyRaw(raw[..length], now);
        }
        Span<byte> expected = stackalloc byte[CodeToken.TagLength];
        Tag(tagKey, raw[..CodeToken.Length], expected);
        var token = CodeToken.ReadPayload(raw);
        if (!CryptographicOperations.FixedTimeEquals(expected, raw.Slice(CodeToken.Length, CodeToken.TagLength)))
        {
            return new TokenCheck(TokenStatus.BadSignature, token);
        }
        return TokenVerifier.CheckTimes(token, now, ClockSkew);
    }
}
