using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.HealthCodes.Tokens;

namespace CityBrain.Bench;

/// <summary>Token issue and offline verify on one thread, side by side with `openssl speed ecdsap256` on one core.</summary>
public static partial class TokenBench
{
    public static void Run(double seconds)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuer = new TokenIssuer(key);
        var pub = ECDsa.Create();
        pub.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        var verifier = new TokenVerifier([pub]);
        var now = DateTimeOffset.UtcNow;

        // Issue: the whole string a resident's phone gets (sign + Base45).
        Measure("issue (sign + encode)", seconds / 2, 500, () => 0); // warm-up placeholder
        var issued = Measure("issue (sign + encode)", seconds, 1000, () => issuer.Issue(123456789, Colour.Green, now, 180).Length);
        var tokens = Enumerable.Range(0, 1000).Select(i => issuer.Issue(i, (Colour)(i % 3), now, 180)).ToArray();
        var i = 0;
        // Side by side, interleaved: three rounds of ours then OpenSSL's, best of each (the machine's speed drifts).
        double verified = 0, osslSign = 0, osslVerify = 0;
        for (var round = 0; round < 3; round++)
        {
            verified = Math.Max(verified, Measure("verify (decode + ECDSA verify)", seconds, 1000, () => verifier.Verify(tokens[i++ % tokens.Length], now).IsValid ? 1 : 0));
            var (sign, verify) = OpenSsl(seconds);
            osslSign = Math.Max(osslSign, sign);
            osslVerify = Math.Max(osslVerify, verify);
        }
        Console.WriteLine($"tokens: issue {issued:N0}/s on one thread (target 20,000/s)");
        Console.WriteLine($"tokens: verify {verified:N0}/s on one thread (best of 3 rounds); openssl speed ecdsap256 (one core, best of 3 rounds interleaved): sign {osslSign:N0}/s, verify {osslVerify:N0}/s");
        if (osslVerify > 0)
        {
            Console.WriteLine($"tokens: verify is {verified / osslVerify:P1} of OpenSSL (target at least 90%)");
        }
        Console.WriteLine($"tokens: one token is {tokens[0].Length} characters: {tokens[0]}");
    }

    private static double Measure(string what, double seconds, int batch, Func<int> op)
    {
        var sw = Stopwatch.StartNew();
        long n = 0;
        var sink = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (var k = 0; k < batch; k++)
            {
                sink += op();
            }
            n += batch;
        }
        GC.KeepAlive(sink);
        _ = what;
        return n / sw.Elapsed.TotalSeconds;
    }

    private static (double Sign, double Verify) OpenSsl(double seconds)
    {
        try
        {
            var psi = new ProcessStartInfo("openssl", $"speed -seconds {Math.Max(1, (int)seconds)} ecdsap256") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var m = OpenSslLine().Match(output);
            return m.Success
                ? (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
                : (0, 0);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (0, 0);
        }
    }

    [GeneratedRegex(@"ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)")]
    private static partial Regex OpenSslLine();
}
