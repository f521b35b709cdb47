namespace CityBrain.Domain.HealthCodes.Tokens;

/// <summary>RFC 9285 Base45: the QR-code alphanumeric alphabet, so a token fills a QR code densely.</summary>
public static class Base45
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    private static readonly sbyte[] Reverse = BuildReverse();

    public static int EncodedLength(int bytes) => bytes / 2 * 3 + (bytes % 2 == 1 ? 2 : 0);

    public static string Encode(ReadOnlySpan<byte> data)
    {
        return string.Create(EncodedLength(data.Length), data.ToArray(), static (dest, src) => Encode(src, dest));
    }

    public static void Encode(ReadOnlySpan<byte> src, Span<char> dest)
    {
        var o = 0;
        var i = 0;
        for (; i + 1 < src.Length; i += 2)
        {
            var n = src[i] * 256 + src[i + 1];
            dest[o++] = Alphabet[n % 45];
            n /= 45;
            dest[o++] = Alphabet[n % 45];
            dest[o++] = Alphabet[n / 45];
        }
        if (i < src.Length)
        {
            int n = src[i];
            dest[o++] = Alphabet[n % 45];
            dest[o++] = Alphabet[n / 45];
        }
    }

    /// <summary>Decodes into <paramref name="dest"/>; returns the byte count, or -1 if the text is not Base45.</summary>
    public static int Decode(ReadOnlySpan<char> text, Span<byte> dest)
    {
        if (text.Length % 3 == 1)
        {
            return -1;
        }
        var needed = text.Length / 3 * 2 + (text.Length % 3 == 2 ? 1 : 0);
        if (dest.Length < needed)
        {
            return -1;
        }
        var o = 0;
        var i = 0;
        for (; i + 2 < text.Length; i += 3)
        {
            int c = Value(text[i]), d = Value(text[i + 1]), e = Value(text[i + 2]);
            if ((c | d | e) < 0)
            {
                return -1;
            }
            var n = c + d * 45 + e * 45 * 45;
            if (n > 0xFFFF)
            {
                return -1;
            }
            dest[o++] = (byte)(n >> 8);
            dest[o++] = (byte)(n & 0xFF);
        }
        if (i < text.Length)
        {
            int c = Value(text[i]), d = Value(text[i + 1]);
            if ((c | d) < 0)
            {
                return -1;
            }
            var n = c + d * 45;
            if (n > 0xFF)
            {
                return -1;
            }
            dest[o++] = (byte)(n & 0xFF);
        }
        return o;
    }

    private static int Value(char ch) => ch < 128 ? Reverse[ch] : -1;

    private static sbyte[] BuildReverse()
    {
        var r = new sbyte[128];
        Array.Fill(r, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            r[Alphabet[i]] = (sbyte)i;
        }
        return r;
    }
}
