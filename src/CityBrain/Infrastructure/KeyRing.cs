using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CityBrain.Domain.HealthCodes.Tokens;
using CityBrain.Domain.Identity;

namespace CityBrain.Infrastructure;

/// <summary>
/// The secrets: the hash key and data key that protect personal data, and the ECDSA P-256 keys that sign QR tokens
/// (the first signs; all verify, so a key can be rotated without invalidating codes in people's hands).
/// Kept in a JSON file outside the database (mode 0600), generated on first run.
/// </summary>
public sealed class KeyRing
{
    public PersonalDataProtector Protector { get; }
    public IReadOnlyList<ECDsa> SigningKeys { get; }
    public TokenIssuer Issuer { get; }
    public TokenVerifier Verifier { get; }
    public TokenRecognizer Recognizer { get; }
    internal byte[] TagKey { get; }

    private KeyRing(byte[] hashKey, byte[] dataKey, IReadOnlyList<ECDsa> signing)
    {
        Protector = new PersonalDataProtector(hashKey, dataKey);
        SigningKeys = signing;
        // The tag key is derived from the hash key, so every server with the key file recognises every server's tokens.
        TagKey = System.Security.Cryptography.HMACSHA256.HashData(hashKey, "citybrain token tag v2"u8);
        Issuer = new TokenIssuer(signing[0], TagKey);
        Verifier = new TokenVerifier(signing.Select(k =>
        {
            var pub = ECDsa.Create();
            pub.ImportSubjectPublicKeyInfo(k.ExportSubjectPublicKeyInfo(), out _);
            return pub;
        }));
        Recognizer = new TokenRecognizer(TagKey, Verifier);
    }

    private sealed class KeyFile
    {
        [JsonPropertyName("hash_key")] public string HashKey { get; set; } = "";
        [JsonPropertyName("data_key")] public string DataKey { get; set; } = "";
        [JsonPropertyName("signing_keys")] public List<string> SigningKeys { get; set; } = [];
    }

    public static KeyRing Load(string path)
    {
        KeyFile file;
        try
        {
            file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path)) ?? throw new InvalidDataException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"key file {path} is not valid: {e.Message}");
        }
        if (file.SigningKeys.Count == 0)
        {
            throw new InvalidDataException($"key file {path} has no signing key");
        }
        var keys = file.SigningKeys.Select(s =>
        {
            var k = ECDsa.Create();
            k.ImportPkcs8PrivateKey(Convert.FromBase64String(s), out _);
            return k;
        }).ToList();
        return new KeyRing(Convert.FromBase64String(file.HashKey), Convert.FromBase64String(file.DataKey), keys);
    }

    /// <summary>Writes a new key file; refuses to overwrite one.</summary>
    public static void Generate(string path)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var file = new KeyFile
        {
            HashKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            DataKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            SigningKeys = [Convert.ToBase64String(key.ExportPkcs8PrivateKey())],
        };
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(path, options);
        JsonSerializer.Serialize(stream, file, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Adds a new signing key in front (it signs from now on); the old ones keep verifying.</summary>
    public static void Rotate(string path)
    {
        var file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path))!;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        file.SigningKeys.Insert(0, Convert.ToBase64String(key.ExportPkcs8PrivateKey()));
        // The file holds the only copy of the data key: write a new file and rename it over the old one, so a crash
        // leaves either the old keys or the new ones, never half a file.
        var temp = path + ".new";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, file, new JsonSerializerOptions { WriteIndented = true });
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The public keys as a JWK set, for offline checkpoints.</summary>
    public object Jwks() => new
    {
        keys = SigningKeys.Select(k =>
        {
            var p = k.ExportParameters(false);
            return new
            {
                kty = "EC",
                crv = "P-256",
                kid = CodeToken.KeyIdText(CodeToken.KeyIdOf(k)),
                use = "sig",
                alg = "ES256",
                x = Base64Url(p.Q.X!),
                y = Base64Url(p.Q.Y!),
            };
        }).ToList(),
    };

    private static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
