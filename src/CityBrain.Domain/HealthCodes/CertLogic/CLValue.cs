using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CityBrain.Domain.HealthCodes.CertLogic;

/// <summary>The kind of a <see cref="CLValue"/>.</summary>
public enum CLValueKind : byte
{
    /// <summary>JSON <c>null</c>; also the result of accessing missing data.</summary>
    Null = 0,
    /// <summary><c>true</c> / <c>false</c>.</summary>
    Boolean,
    /// <summary>A 64-bit signed integer (every JSON number without a fractional part that fits into a <see cref="long"/>).</summary>
    Integer,
    /// <summary>
    /// A non-integral JSON number (or an integral one outside the <see cref="long"/> range). Only ever produced from
    /// data (<see cref="CLValue.FromJson"/>, <see cref="CLValue.From(double)"/>): CertLogic literals must be integers,
    /// and every CertLogic operation that needs a number rejects it.
    /// </summary>
    Double,
    /// <summary>A string.</summary>
    String,
    /// <summary>A date-time (an instant with millisecond precision, kept in UTC), produced by <c>plusTime</c> / <c>dccDateOfBirth</c>.</summary>
    DateTime,
    /// <summary>An array of values.</summary>
    Array,
    /// <summary>An object (string keys, ordinal comparison).</summary>
    Object,
}

/// <summary>
/// An immutable CertLogic value. A 24-byte struct: no allocation is needed to create or pass around
/// null, booleans, integers, doubles and date-times; strings, arrays and objects reference their (immutable by contract) payload.
/// </summary>
public readonly struct CLValue : IEquatable<CLValue>
{
    private readonly object? _ref;   // string | IReadOnlyList<CLValue> | IReadOnlyDictionary<string, CLValue>
    private readonly long _bits;     // bool (0/1) | long | double bits | unix ms
    private readonly CLValueKind _kind;

    private CLValue(CLValueKind kind, long bits, object? reference)
    {
        _kind = kind;
        _bits = bits;
        _ref = reference;
    }

    /// <summary>The <c>null</c> value (also <c>default(CLValue)</c>).</summary>
    public static readonly CLValue Null;
    /// <summary><c>true</c>.</summary>
    public static readonly CLValue True = new(CLValueKind.Boolean, 1, null);
    /// <summary><c>false</c>.</summary>
    public static readonly CLValue False = new(CLValueKind.Boolean, 0, null);
    /// <summary>The empty string.</summary>
    public static readonly CLValue EmptyString = new(CLValueKind.String, 0, string.Empty);
    /// <summary>The empty array.</summary>
    public static readonly CLValue EmptyArray = new(CLValueKind.Array, 0, Array.Empty<CLValue>());
    /// <summary>The empty object.</summary>
    public static readonly CLValue EmptyObject = new(CLValueKind.Object, 0, EmptyDictionary.Instance);

    private static class EmptyDictionary
    {
        public static readonly IReadOnlyDictionary<string, CLValue> Instance = new Dictionary<string, CLValue>(0, StringComparer.Ordinal);
    }

    // ----------------------------------------------------------------- factories

    /// <summary>A boolean value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CLValue From(bool b) => b ? True : False;

    /// <summary>An integer value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CLValue From(long n) => new(CLValueKind.Integer, n, null);

    /// <summary>
    /// A number from data: integral values in the <see cref="long"/> range become <see cref="CLValueKind.Integer"/>
    /// (as in JavaScript, <c>2.0</c> is the integer 2), anything else <see cref="CLValueKind.Double"/>.
    /// </summary>
    public static CLValue From(double d)
    {
        if (double.IsNaN(d) || double.IsInfinity(d))
        {
            throw new ArgumentOutOfRangeException(nameof(d), "NaN and infinities are not JSON values");
        }
        if (Math.Floor(d) == d && d >= -9.2233720368547758E18 && d < 9.2233720368547758E18)
        {
            return From((long)d);
        }
        return new CLValue(CLValueKind.Double, BitConverter.DoubleToInt64Bits(d), null);
    }

    /// <summary>A string value; <c>null</c> gives <see cref="Null"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CLValue From(string? s) => s is null ? Null : new CLValue(CLValueKind.String, 0, s);

    /// <summary>A date-time value; normalised to UTC and truncated to whole milliseconds.</summary>
    public static CLValue From(DateTimeOffset d) => FromUnixMilliseconds(d.ToUnixTimeMilliseconds());

    /// <summary>A date-time value given as milliseconds since 1970-01-01T00:00:00Z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CLValue FromUnixMilliseconds(long unixMs) => new(CLValueKind.DateTime, unixMs, null);

    /// <summary>An array value. The list is referenced, not copied: it must not be mutated afterwards.</summary>
    public static CLValue FromArray(IReadOnlyList<CLValue> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new CLValue(CLValueKind.Array, 0, items);
    }

    /// <summary>An array value from strings (a convenience for typed binders; allocates once: cache the result).</summary>
    public static CLValue FromStrings(IEnumerable<string?> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return FromArray(items.Select(From).ToArray());
    }

    /// <summary>An object value. The dictionary is referenced, not copied: it must not be mutated afterwards.</summary>
    public static CLValue FromObject(IReadOnlyDictionary<string, CLValue> o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new CLValue(CLValueKind.Object, 0, o);
    }

    /// <summary>
    /// Converts JSON to a value. Numbers: integral values (also written as <c>1.0</c> or <c>1e3</c>) that fit into a
    /// <see cref="long"/> become integers, other numbers doubles. JSON strings stay strings (never date-times).
    /// </summary>
    public static CLValue FromJson(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return Null;
            case JsonArray array:
            {
                if (array.Count == 0)
                {
                    return FromArray(Array.Empty<CLValue>());
                }
                var items = new CLValue[array.Count];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = FromJson(array[i]);
                }
                return FromArray(items);
            }
            case JsonObject obj:
            {
                var dict = new Dictionary<string, CLValue>(obj.Count, StringComparer.Ordinal);
                foreach (var (key, value) in obj)
                {
                    dict[key] = FromJson(value);
                }
                return FromObject(dict);
            }
            case JsonValue value:
                return FromJsonValue(value);
            default:
                throw new ArgumentException($"unsupported JSON node type {node.GetType().Name}", nameof(node));
        }
    }

    private static CLValue FromJsonValue(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return Null;
            case JsonValueKind.True:
                return True;
            case JsonValueKind.False:
                return False;
            case JsonValueKind.String:
                return From(value.GetValue<string>());
            case JsonValueKind.Number:
                if (value.TryGetValue(out long l))
                {
                    return From(l);
                }
                if (value.TryGetValue(out JsonElement element))
                {
                    if (element.TryGetInt64(out l))
                    {
                        return From(l);
                    }
                    return From(element.GetDouble());
                }
                if (value.TryGetValue(out int i))
                {
                    return From((long)i);
                }
                if (value.TryGetValue(out decimal m))
                {
                    return decimal.Truncate(m) == m && m >= long.MinValue && m <= long.MaxValue ? From((long)m) : From((double)m);
                }
                if (value.TryGetValue(out double d))
                {
                    return From(d);
                }
                // Any other CLR number type (float, ulong, short, ...): go through its JSON text.
                string text = value.ToJsonString();
                return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out l)
                    ? From(l)
                    : From(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
            default:
                throw new ArgumentException($"unsupported JSON value kind {value.GetValueKind()}", nameof(value));
        }
    }

    /// <summary>Parses JSON text into a value (convenience for tests and tools).</summary>
    public static CLValue ParseJson(string json) => FromJson(JsonNode.Parse(json));

    /// <summary>
    /// Converts to JSON. Date-times become ISO 8601 strings <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (as JavaScript's
    /// <c>Date.toJSON()</c>), so a round trip turns them into strings.
    /// </summary>
    public JsonNode? ToJson()
    {
        switch (_kind)
        {
            case CLValueKind.Null:
                return null;
            case CLValueKind.Boolean:
                return JsonValue.Create(_bits != 0);
            case CLValueKind.Integer:
                return JsonValue.Create(_bits);
            case CLValueKind.Double:
                return JsonValue.Create(BitConverter.Int64BitsToDouble(_bits));
            case CLValueKind.String:
                return JsonValue.Create((string)_ref!);
            case CLValueKind.DateTime:
                return JsonValue.Create(FormatDateTime(_bits));
            case CLValueKind.Array:
            {
                var list = (IReadOnlyList<CLValue>)_ref!;
                var array = new JsonArray();
                for (int i = 0; i < list.Count; i++)
                {
                    array.Add(list[i].ToJson());
                }
                return array;
            }
            case CLValueKind.Object:
            {
                var obj = new JsonObject();
                foreach (var (key, value) in (IReadOnlyDictionary<string, CLValue>)_ref!)
                {
                    obj[key] = value.ToJson();
                }
                return obj;
            }
            default:
                throw new InvalidOperationException("corrupt CLValue");
        }
    }

    /// <summary>Formats unix milliseconds as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    public static string FormatDateTime(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // ----------------------------------------------------------------- kind & accessors

    /// <summary>The kind of this value.</summary>
    public CLValueKind Kind
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _kind;
    }

    /// <summary>Whether this is <see cref="Null"/>.</summary>
    public bool IsNull => _kind == CLValueKind.Null;

    /// <summary>
    /// CertLogic truthiness: <c>true</c>, a non-zero integer, a non-empty string, array or object.
    /// (Extension: a <see cref="CLValueKind.Double"/> is truthy, as in the reference JavaScript implementation; it is never zero.)
    /// </summary>
    public bool IsTruthy
    {
        get
        {
            switch (_kind)
            {
                case CLValueKind.Boolean:
                case CLValueKind.Integer:
                    return _bits != 0;
                case CLValueKind.Double:
                    return true;
                case CLValueKind.String:
                    return ((string)_ref!).Length != 0;
                case CLValueKind.Array:
                    return ((IReadOnlyList<CLValue>)_ref!).Count != 0;
                case CLValueKind.Object:
                    return ((IReadOnlyDictionary<string, CLValue>)_ref!).Count != 0;
                default:
                    return false; // Null is falsy; DateTime is neither.
            }
        }
    }

    /// <summary>CertLogic falsiness: <c>false</c>, <c>null</c>, <c>0</c>, <c>""</c>, <c>[]</c>, <c>{}</c>.</summary>
    public bool IsFalsy
    {
        get
        {
            switch (_kind)
            {
                case CLValueKind.Null:
                    return true;
                case CLValueKind.Boolean:
                case CLValueKind.Integer:
                    return _bits == 0;
                case CLValueKind.String:
                    return ((string)_ref!).Length == 0;
                case CLValueKind.Array:
                    return ((IReadOnlyList<CLValue>)_ref!).Count == 0;
                case CLValueKind.Object:
                    return ((IReadOnlyDictionary<string, CLValue>)_ref!).Count == 0;
                default:
                    return false; // Double is truthy; DateTime is neither.
            }
        }
    }

    /// <summary>
    /// 1 if truthy, 0 if falsy, -1 if neither (a date-time). One switch instead of two property calls.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Boolsiness()
    {
        switch (_kind)
        {
            case CLValueKind.Boolean:
            case CLValueKind.Integer:
                return _bits != 0 ? 1 : 0;
            case CLValueKind.Null:
                return 0;
            default:
                return SlowBoolsiness();
        }
    }

    private int SlowBoolsiness() => IsTruthy ? 1 : IsFalsy ? 0 : -1;

    /// <summary>The boolean; throws unless <see cref="Kind"/> is <see cref="CLValueKind.Boolean"/>.</summary>
    public bool AsBoolean => _kind == CLValueKind.Boolean ? _bits != 0 : throw WrongKind(CLValueKind.Boolean);

    /// <summary>The integer; throws unless <see cref="Kind"/> is <see cref="CLValueKind.Integer"/>.</summary>
    public long AsInteger => _kind == CLValueKind.Integer ? _bits : throw WrongKind(CLValueKind.Integer);

    /// <summary>The number as double; for <see cref="CLValueKind.Integer"/> and <see cref="CLValueKind.Double"/>.</summary>
    public double AsDouble => _kind switch
    {
        CLValueKind.Double => BitConverter.Int64BitsToDouble(_bits),
        CLValueKind.Integer => _bits,
        _ => throw WrongKind(CLValueKind.Double),
    };

    /// <summary>The string; throws unless <see cref="Kind"/> is <see cref="CLValueKind.String"/>.</summary>
    public string AsString => _kind == CLValueKind.String ? (string)_ref! : throw WrongKind(CLValueKind.String);

    /// <summary>The date-time (offset zero); throws unless <see cref="Kind"/> is <see cref="CLValueKind.DateTime"/>.</summary>
    public DateTimeOffset AsDateTime => _kind == CLValueKind.DateTime ? DateTimeOffset.FromUnixTimeMilliseconds(_bits) : throw WrongKind(CLValueKind.DateTime);

    /// <summary>The date-time as milliseconds since the Unix epoch; throws unless <see cref="Kind"/> is <see cref="CLValueKind.DateTime"/>.</summary>
    public long AsUnixMilliseconds => _kind == CLValueKind.DateTime ? _bits : throw WrongKind(CLValueKind.DateTime);

    /// <summary>The items; throws unless <see cref="Kind"/> is <see cref="CLValueKind.Array"/>.</summary>
    public IReadOnlyList<CLValue> AsArray => _kind == CLValueKind.Array ? (IReadOnlyList<CLValue>)_ref! : throw WrongKind(CLValueKind.Array);

    /// <summary>The properties; throws unless <see cref="Kind"/> is <see cref="CLValueKind.Object"/>.</summary>
    public IReadOnlyDictionary<string, CLValue> AsObject => _kind == CLValueKind.Object ? (IReadOnlyDictionary<string, CLValue>)_ref! : throw WrongKind(CLValueKind.Object);

    // Unchecked internal accessors for the evaluator (kind already tested).
    internal long RawBits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _bits;
    }

    internal object? RawRef
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _ref;
    }

    private InvalidOperationException WrongKind(CLValueKind wanted) => new($"value is {_kind}, not {wanted}");

    // ----------------------------------------------------------------- equality

    /// <summary>
    /// Structural equality, the semantics of <c>===</c> and <c>in</c>: same kind and same value; strings ordinal;
    /// date-times by instant; arrays element-wise; objects by key set and values. No type coercion (1 != "1", 1 != true).
    /// </summary>
    public bool Equals(CLValue other)
    {
        if (_kind != other._kind)
        {
            return false;
        }
        switch (_kind)
        {
            case CLValueKind.Null:
                return true;
            case CLValueKind.Boolean:
            case CLValueKind.Integer:
            case CLValueKind.DateTime:
                return _bits == other._bits;
            case CLValueKind.Double:
                return BitConverter.Int64BitsToDouble(_bits) == BitConverter.Int64BitsToDouble(other._bits);
            case CLValueKind.String:
                return string.Equals((string)_ref!, (string)other._ref!, StringComparison.Ordinal);
            case CLValueKind.Array:
            {
                if (ReferenceEquals(_ref, other._ref))
                {
                    return true;
                }
                var a = (IReadOnlyList<CLValue>)_ref!;
                var b = (IReadOnlyList<CLValue>)other._ref!;
                if (a.Count != b.Count)
                {
                    return false;
                }
                for (int i = 0; i < a.Count; i++)
                {
                    if (!a[i].Equals(b[i]))
                    {
                        return false;
                    }
                }
                return true;
            }
            case CLValueKind.Object:
            {
                if (ReferenceEquals(_ref, other._ref))
                {
                    return true;
                }
                var a = (IReadOnlyDictionary<string, CLValue>)_ref!;
                var b = (IReadOnlyDictionary<string, CLValue>)other._ref!;
                if (a.Count != b.Count)
                {
                    return false;
                }
                foreach (var (key, value) in a)
                {
                    if (!b.TryGetValue(key, out var bv) || !value.Equals(bv))
                    {
                        return false;
                    }
                }
                return true;
            }
            default:
                return false;
        }
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CLValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        switch (_kind)
        {
            case CLValueKind.String:
                return HashCode.Combine(_kind, StringComparer.Ordinal.GetHashCode((string)_ref!));
            case CLValueKind.Array:
            {
                var hash = new HashCode();
                hash.Add(_kind);
                foreach (var item in (IReadOnlyList<CLValue>)_ref!)
                {
                    hash.Add(item.GetHashCode());
                }
                return hash.ToHashCode();
            }
            case CLValueKind.Object:
            {
                int h = (int)_kind;
                foreach (var (key, value) in (IReadOnlyDictionary<string, CLValue>)_ref!)
                {
                    h ^= HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), value.GetHashCode()); // order-independent
                }
                return h;
            }
            default:
                return HashCode.Combine(_kind, _bits);
        }
    }

    /// <summary>Structural equality.</summary>
    public static bool operator ==(CLValue left, CLValue right) => left.Equals(right);

    /// <summary>Structural inequality.</summary>
    public static bool operator !=(CLValue left, CLValue right) => !left.Equals(right);

    /// <summary>Compact JSON text (date-times as ISO strings).</summary>
    public override string ToString() => ToJson()?.ToJsonString() ?? "null";
}
