namespace CityBrain.Domain.HealthCodes.CertLogic;

/// <summary>
/// Resolves a CertLogic <c>var</c> path to an accessor on the data type. Called once per distinct path per
/// compilation, so it may do expensive work (reflection, schema checks); the returned accessor is what runs per record.
/// </summary>
public interface IVarBinder<TData>
{
    /// <summary>Returns an accessor for <paramref name="path"/>, or throws <see cref="CertLogicException"/> (e.g. unknown field).</summary>
    Func<TData, CLValue> Bind(string path);
}

/// <summary>
/// Optional fast path for typed records: a binder may return, for a path whose value always has one scalar type, a
/// <c>Func&lt;TData, bool&gt;</c>, <c>Func&lt;TData, long&gt;</c> or <c>Func&lt;TData, string?&gt;</c> (null string → CertLogic
/// <c>null</c>). The compiler then evaluates e.g. <c>{"&gt;=": [{"var": "age"}, 18]}</c> as one delegate call and one
/// comparison, without materialising a <see cref="CLValue"/>. Return null to fall back to <see cref="IVarBinder{TData}.Bind"/>.
/// Per path, either this or <see cref="IVarBinder{TData}.Bind"/> is called, once per compilation.
/// </summary>
public interface ITypedVarBinder<TData> : IVarBinder<TData>
{
    /// <summary>A typed accessor for <paramref name="path"/>, or null. May throw <see cref="CertLogicException"/>.</summary>
    Delegate? BindTyped(string path);
}

/// <summary>
/// The generic CertLogic data-access semantics over a <see cref="CLValue"/> data context (e.g. one built with
/// <see cref="CLValue.FromJson"/>): the path is split on <c>.</c>; a fragment drills into an object by key, or into an
/// array by a non-negative decimal integer index; anything missing, out of range or not drillable (null, scalars,
/// date-times) gives <c>null</c>; the empty path <c>""</c> is the whole data context.
/// </summary>
public sealed class JsonDataBinder : IVarBinder<CLValue>
{
    /// <summary>A shared instance (the binder is stateless).</summary>
    public static readonly JsonDataBinder Instance = new();

    private static readonly Func<CLValue, CLValue> Identity = static d => d;

    /// <inheritdoc />
    public Func<CLValue, CLValue> Bind(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return Identity;
        }
        var fragments = PathFragment.Parse(path);
        if (fragments.Length == 1)
        {
            var single = fragments[0];
            return data => single.Apply(data);
        }
        return data => PathFragment.Drill(data, fragments);
    }

    /// <summary>Evaluates <paramref name="path"/> against <paramref name="data"/> (no caching: for one-off use).</summary>
    public static CLValue Access(CLValue data, string path) =>
        path.Length == 0 ? data : PathFragment.Drill(data, PathFragment.Parse(path));
}

/// <summary>One pre-parsed fragment of a <c>var</c> path.</summary>
internal readonly struct PathFragment
{
    private readonly string _key;
    private readonly int _index; // -1 if the fragment is not a valid array index

    private PathFragment(string key, int index)
    {
        _key = key;
        _index = index;
    }

    public static PathFragment[] Parse(string path)
    {
        var parts = path.Split('.');
        var result = new PathFragment[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            result[i] = Of(parts[i]);
        }
        return result;
    }

    public static PathFragment Of(string fragment)
    {
        int index = -1;
        if (fragment.Length > 0 && fragment.Length <= 9 && fragment.All(char.IsAsciiDigit))
        {
            index = int.Parse(fragment, System.Globalization.CultureInfo.InvariantCulture);
        }
        return new PathFragment(fragment, index);
    }

    public CLValue Apply(CLValue value)
    {
        switch (value.Kind)
        {
            case CLValueKind.Object:
                return ((IReadOnlyDictionary<string, CLValue>)value.RawRef!).TryGetValue(_key, out var v) ? v : CLValue.Null;
            case CLValueKind.Array:
            {
                var list = (IReadOnlyList<CLValue>)value.RawRef!;
                return _index >= 0 && _index < list.Count ? list[_index] : CLValue.Null;
            }
            default:
                return CLValue.Null;
        }
    }

    public static CLValue Drill(CLValue value, PathFragment[] fragments)
    {
        for (int i = 0; i < fragments.Length; i++)
        {
            value = fragments[i].Apply(value);
            if (value.IsNull)
            {
                return value;
            }
        }
        return value;
    }
}

/// <summary>
/// A binder for typed records: map each known path (or path prefix) to an accessor. A path that is not mapped
/// exactly is resolved through its longest mapped prefix, drilling into the prefix's value with the
/// <see cref="JsonDataBinder"/> rules (so mapping <c>"payload"</c> to an object value also serves <c>"payload.dob"</c>).
/// Unknown paths throw <see cref="CertLogicException"/> at compile time.
/// </summary>
public sealed class MappedVarBinder<TData> : ITypedVarBinder<TData>
{
    private readonly Dictionary<string, Func<TData, CLValue>> _map = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Delegate> _typed = new(StringComparer.Ordinal);

    /// <summary>Maps <paramref name="path"/> to an accessor returning a <see cref="CLValue"/>.</summary>
    public MappedVarBinder<TData> Map(string path, Func<TData, CLValue> accessor)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(accessor);
        _map[path] = accessor;
        _typed.Remove(path);
        return this;
    }

    /// <summary>Maps <paramref name="path"/> to a boolean field.</summary>
    public MappedVarBinder<TData> MapBoolean(string path, Func<TData, bool> accessor)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        Map(path, d => accessor(d) ? CLValue.True : CLValue.False);
        _typed[path] = accessor;
        return this;
    }

    /// <summary>Maps <paramref name="path"/> to an integer field.</summary>
    public MappedVarBinder<TData> MapInteger(string path, Func<TData, long> accessor)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        Map(path, d => CLValue.From(accessor(d)));
        _typed[path] = accessor;
        return this;
    }

    /// <summary>Maps <paramref name="path"/> to a nullable integer field (<c>null</c> → CertLogic <c>null</c>).</summary>
    public MappedVarBinder<TData> MapInteger(string path, Func<TData, long?> accessor)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        return Map(path, d => accessor(d) is { } n ? CLValue.From(n) : CLValue.Null);
    }

    /// <summary>Maps <paramref name="path"/> to a string field (<c>null</c> → CertLogic <c>null</c>).</summary>
    public MappedVarBinder<TData> MapString(string path, Func<TData, string?> accessor)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        Map(path, d => CLValue.From(accessor(d)));
        _typed[path] = accessor;
        return this;
    }

    /// <summary>The mapped paths.</summary>
    public IEnumerable<string> Paths => _map.Keys;

    /// <inheritdoc />
    public Delegate? BindTyped(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return _typed.GetValueOrDefault(path);
    }

    /// <inheritdoc />
    public Func<TData, CLValue> Bind(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (_map.TryGetValue(path, out var exact))
        {
            return exact;
        }
        for (int dot = path.LastIndexOf('.'); dot > 0; dot = path.LastIndexOf('.', dot - 1))
        {
            if (_map.TryGetValue(path[..dot], out var prefix))
            {
                var rest = PathFragment.Parse(path[(dot + 1)..]);
                return d => PathFragment.Drill(prefix(d), rest);
            }
        }
        if (path.Length > 0 && _map.TryGetValue("", out var whole))
        {
            var rest = PathFragment.Parse(path);
            return d => PathFragment.Drill(whole(d), rest);
        }
        throw new CertLogicException("", $"unknown data field \"{path}\"");
    }
}
