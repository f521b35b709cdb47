namespace CityBrain.Domain.HealthCodes.CertLogic;

/// <summary>
/// An invalid CertLogic expression (found by validation or while binding data paths) or a run-time type error
/// (e.g. <c>&gt;</c> on a string). <see cref="Path"/> is a JSON pointer into the expression, e.g. <c>/and/1/var</c>
/// (<c>""</c> = the whole expression). <see cref="Exception.Message"/> is <c>"&lt;path&gt;: &lt;reason&gt;"</c>, with <c>(root)</c> for the empty path.
/// </summary>
public sealed class CertLogicException : Exception
{
    /// <summary>Creates an exception for the sub-expression at <paramref name="path"/>.</summary>
    public CertLogicException(string path, string reason)
        : base(Format(path, reason))
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>Creates an exception for the sub-expression at <paramref name="path"/>, wrapping a cause.</summary>
    public CertLogicException(string path, string reason, Exception? innerException)
        : base(Format(path, reason), innerException)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>JSON pointer to the offending sub-expression (<c>""</c> for the root).</summary>
    public string Path { get; }

    /// <summary>The message without the path.</summary>
    public string Reason { get; }

    /// <summary>All problems found by validation, each <c>"path: reason"</c> (only the first one for run-time errors).</summary>
    public IReadOnlyList<string> Problems { get; init; } = Array.Empty<string>();

    internal static string Format(string path, string reason) => $"{(path.Length == 0 ? "(root)" : path)}: {reason}";
}
