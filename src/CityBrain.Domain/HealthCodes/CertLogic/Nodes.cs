using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace CityBrain.Domain.HealthCodes.CertLogic;

// The compiled form: a tree of sealed node objects with virtual Eval/EvalBool. Every operand is resolved at compile
// time (accessor delegates, constants, parsed units/amounts); evaluation does no parsing, no name lookups and, for
// scalar results, no allocation. EvalBool is the "truthiness" entry point: boolean-valued nodes implement it directly
// so guards and rule results never materialise a CLValue.

/// <summary>Base of all compiled nodes over data type <typeparamref name="T"/>.</summary>
internal abstract class Node<T>
{
    protected Node(string path) => Path = path;

    /// <summary>JSON pointer of this sub-expression (used only for error messages).</summary>
    public string Path { get; }

    public abstract CLValue Eval(T data);

    /// <summary>Truthy → true, falsy → false, neither → <see cref="CertLogicException"/>.</summary>
    public virtual bool EvalBool(T data)
    {
        int b = Eval(data).Boolsiness();
        if (b < 0)
        {
            Throw.NeitherTruthyNorFalsy(Path);
        }
        return b != 0;
    }

    public virtual bool IsConstant => false;

    // ---- Expression-tree back end: by default a node is called from the emitted lambda; hot node types override these
    // to emit inline code. Both must have exactly the semantics of Eval/EvalBool.

    /// <summary>An expression of type <see cref="CLValue"/> computing <see cref="Eval"/>.</summary>
    public virtual Expression EmitValue(Expression data) =>
        Expression.Call(Expression.Constant(this, GetType()), GetType().GetMethod(nameof(Eval), new[] { typeof(T) })!, data);

    /// <summary>An expression of type <see cref="bool"/> computing <see cref="EvalBool"/>.</summary>
    public virtual Expression EmitBool(Expression data) =>
        Expression.Call(Expression.Constant(this, GetType()), GetType().GetMethod(nameof(EvalBool), new[] { typeof(T) })!, data);
}

/// <summary>The expression-tree back end (see <see cref="CertLogicBackend.ExpressionTree"/>).</summary>
internal static class Emitter<T>
{
    /// <summary>
    /// Compiles the truthiness entry point (<c>EvaluateTruthy</c>). <c>Evaluate</c> keeps using the node tree: an emitted
    /// value lambda measured no faster (CLValue results are built by the same code either way) and doubled compile time.
    /// </summary>
    public static Func<T, bool> CompileTruthy(Node<T> root)
    {
        var data = Expression.Parameter(typeof(T), "data");
        return Expression.Lambda<Func<T, bool>>(root.EmitBool(data), data).Compile();
    }

    /// <summary>Calls a public instance method of <paramref name="node"/> (a sealed type) with the given arguments.</summary>
    public static Expression CallNode(Node<T> node, string method, params Expression[] arguments) =>
        Expression.Call(
            Expression.Constant(node, node.GetType()),
            node.GetType().GetMethod(method, arguments.Select(a => a.Type).ToArray()) ?? throw new InvalidOperationException($"{node.GetType().Name}.{method} not found"),
            arguments);
}

internal static class Emit
{
    public static readonly MethodInfo FromBool = typeof(CLValue).GetMethod(nameof(CLValue.From), new[] { typeof(bool) })!;
    public static readonly MethodInfo FromLong = typeof(CLValue).GetMethod(nameof(CLValue.From), new[] { typeof(long) })!;
    public static readonly MethodInfo FromString = typeof(CLValue).GetMethod(nameof(CLValue.From), new[] { typeof(string) })!;
    public static readonly MethodInfo IsNullOrEmpty = typeof(string).GetMethod(nameof(string.IsNullOrEmpty), new[] { typeof(string) })!;
    public static readonly MethodInfo StringEquals = typeof(string).GetMethod(nameof(string.Equals), new[] { typeof(string), typeof(string), typeof(StringComparison) })!;

    public static Expression Invoke(Delegate accessor, Expression data) => Expression.Invoke(Expression.Constant(accessor), data);

    public static Expression BoolToValue(Expression b) => Expression.Call(FromBool, b);
}

internal static class Throw
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void At(string path, string reason) => throw new CertLogicException(path, reason);

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void NeitherTruthyNorFalsy(string path) =>
        throw new CertLogicException(path, "value is neither truthy nor falsy (e.g. a date-time) where a truthy/falsy value is required");

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void NotInteger(string path, CLValue v) =>
        throw new CertLogicException(path, $"all operands of this operation must be integers, but one is {Describe(v)}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void NotDateTime(string path, CLValue v) =>
        throw new CertLogicException(path, $"all operands of a date-time comparison must be date-times, but one is {Describe(v)}");

    public static string Describe(CLValue v)
    {
        string text = v.ToString();
        if (text.Length > 60)
        {
            text = text[..57] + "...";
        }
        return $"{v.Kind.ToString().ToLowerInvariant()} {text}";
    }
}

// ------------------------------------------------------------------ leaves

internal sealed class ConstNode<T> : Node<T>
{
    private readonly CLValue _value;
    private readonly int _bool;

    public ConstNode(string path, CLValue value) : base(path)
    {
        _value = value;
        _bool = value.Boolsiness();
    }

    public CLValue Value => _value;

    public override bool IsConstant => true;

    public override CLValue Eval(T data) => _value;

    public override bool EvalBool(T data)
    {
        if (_bool < 0)
        {
            Throw.NeitherTruthyNorFalsy(Path);
        }
        return _bool != 0;
    }

    public override Expression EmitValue(Expression data) => Expression.Constant(_value);

    public override Expression EmitBool(Expression data) => _bool < 0 ? base.EmitBool(data) : Expression.Constant(_bool != 0);
}

internal sealed class VarNode<T> : Node<T>
{
    private readonly Func<T, CLValue> _accessor;

    public VarNode(string path, Func<T, CLValue> accessor) : base(path) => _accessor = accessor;

    public override CLValue Eval(T data) => _accessor(data);

    public override Expression EmitValue(Expression data) => Emit.Invoke(_accessor, data);
}

/// <summary>A var whose binder gave a typed boolean accessor.</summary>
internal sealed class BoolVarNode<T> : Node<T>
{
    public BoolVarNode(string path, Func<T, bool> accessor) : base(path) => Accessor = accessor;

    public Func<T, bool> Accessor { get; }

    public override CLValue Eval(T data) => Accessor(data) ? CLValue.True : CLValue.False;

    public override bool EvalBool(T data) => Accessor(data);

    public override Expression EmitValue(Expression data) => Emit.BoolToValue(EmitBool(data));

    public override Expression EmitBool(Expression data) => Emit.Invoke(Accessor, data);
}

/// <summary>A var whose binder gave a typed integer accessor.</summary>
internal sealed class IntVarNode<T> : Node<T>
{
    public IntVarNode(string path, Func<T, long> accessor) : base(path) => Accessor = accessor;

    public Func<T, long> Accessor { get; }

    public override CLValue Eval(T data) => CLValue.From(Accessor(data));

    public override bool EvalBool(T data) => Accessor(data) != 0;

    public override Expression EmitValue(Expression data) => Expression.Call(Emit.FromLong, Emit.Invoke(Accessor, data));

    public override Expression EmitBool(Expression data) => Expression.NotEqual(Emit.Invoke(Accessor, data), Expression.Constant(0L));
}

/// <summary>A var whose binder gave a typed string accessor (null → CertLogic null).</summary>
internal sealed class StringVarNode<T> : Node<T>
{
    public StringVarNode(string path, Func<T, string?> accessor) : base(path) => Accessor = accessor;

    public Func<T, string?> Accessor { get; }

    public override CLValue Eval(T data) => CLValue.From(Accessor(data));

    public override bool EvalBool(T data) => !string.IsNullOrEmpty(Accessor(data));

    public override Expression EmitValue(Expression data) => Expression.Call(Emit.FromString, Emit.Invoke(Accessor, data));

    public override Expression EmitBool(Expression data) => Expression.Not(Expression.Call(Emit.IsNullOrEmpty, Emit.Invoke(Accessor, data)));
}

internal sealed class ArrayNode<T> : Node<T>
{
    private readonly Node<T>[] _items;

    public ArrayNode(string path, Node<T>[] items) : base(path) => _items = items;

    public override CLValue Eval(T data)
    {
        var result = new CLValue[_items.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = _items[i].Eval(data);
        }
        return CLValue.FromArray(result);
    }

    public override bool EvalBool(T data)
    {
        // Truthiness of an array literal depends only on its length, but its items must still be evaluated (errors).
        for (int i = 0; i < _items.Length; i++)
        {
            _items[i].Eval(data);
        }
        return _items.Length != 0;
    }
}

// ------------------------------------------------------------------ control flow

internal sealed class IfNode<T> : Node<T>
{
    private readonly Node<T> _guard, _then, _else;

    public IfNode(string path, Node<T> guard, Node<T> then, Node<T> @else) : base(path)
    {
        _guard = guard;
        _then = then;
        _else = @else;
    }

    public override CLValue Eval(T data) => _guard.EvalBool(data) ? _then.Eval(data) : _else.Eval(data);

    public override bool EvalBool(T data) => _guard.EvalBool(data) ? _then.EvalBool(data) : _else.EvalBool(data);

    public override Expression EmitValue(Expression data) =>
        Expression.Condition(_guard.EmitBool(data), _then.EmitValue(data), _else.EmitValue(data));

    public override Expression EmitBool(Expression data) =>
        Expression.Condition(_guard.EmitBool(data), _then.EmitBool(data), _else.EmitBool(data));
}

/// <summary><c>and</c> (returns the first falsy operand, else the last) and the <c>or</c> extension (first truthy, else the last).</summary>
internal sealed class AndOrNode<T> : Node<T>
{
    private readonly Node<T>[] _operands;
    private readonly int _stopOn; // and: stop on falsy (0); or: stop on truthy (1)

    public AndOrNode(string path, Node<T>[] operands, bool isOr) : base(path)
    {
        _operands = operands;
        _stopOn = isOr ? 1 : 0;
    }

    public override CLValue Eval(T data)
    {
        var operands = _operands;
        CLValue v = default;
        for (int i = 0; i < operands.Length; i++)
        {
            v = operands[i].Eval(data);
            int b = v.Boolsiness();
            if (b < 0)
            {
                Throw.NeitherTruthyNorFalsy(operands[i].Path);
            }
            if (b == _stopOn)
            {
                return v;
            }
        }
        return v;
    }

    public override bool EvalBool(T data)
    {
        var operands = _operands;
        bool stopOn = _stopOn != 0;
        for (int i = 0; i < operands.Length; i++)
        {
            if (operands[i].EvalBool(data) == stopOn)
            {
                return stopOn;
            }
        }
        return !stopOn;
    }

    // Truthiness of the and/or result = all/any operands truthy, with the same evaluation order, laziness and errors.
    public override Expression EmitBool(Expression data)
    {
        Expression result = _operands[^1].EmitBool(data);
        for (int i = _operands.Length - 2; i >= 0; i--)
        {
            result = _stopOn == 1 ? Expression.OrElse(_operands[i].EmitBool(data), result) : Expression.AndAlso(_operands[i].EmitBool(data), result);
        }
        return result;
    }
}

internal sealed class NotNode<T> : Node<T>
{
    private readonly Node<T> _operand;

    public NotNode(string path, Node<T> operand) : base(path) => _operand = operand;

    public override CLValue Eval(T data) => _operand.EvalBool(data) ? CLValue.False : CLValue.True;

    public override bool EvalBool(T data) => !_operand.EvalBool(data);

    public override Expression EmitValue(Expression data) => Emit.BoolToValue(EmitBool(data));

    public override Expression EmitBool(Expression data) => Expression.Not(_operand.EmitBool(data));
}

// ------------------------------------------------------------------ boolean-valued operations

internal abstract class BoolNode<T> : Node<T>
{
    protected BoolNode(string path) : base(path)
    {
    }

    public sealed override CLValue Eval(T data) => EvalBool(data) ? CLValue.True : CLValue.False;

    public override Expression EmitValue(Expression data) => Emit.BoolToValue(EmitBool(data));
}

/// <summary><c>===</c> and the <c>!==</c> extension.</summary>
internal sealed class EqualsNode<T> : BoolNode<T>
{
    private readonly Node<T> _left, _right;
    private readonly bool _negate;

    public EqualsNode(string path, Node<T> left, Node<T> right, bool negate) : base(path)
    {
        _left = left;
        _right = right;
        _negate = negate;
    }

    public override bool EvalBool(T data) => _left.Eval(data).Equals(_right.Eval(data)) != _negate;

    public override Expression EmitBool(Expression data) => _negate
        ? Expression.NotEqual(_left.EmitValue(data), _right.EmitValue(data))
        : Expression.Equal(_left.EmitValue(data), _right.EmitValue(data));
}

internal sealed class EqualsConstNode<T> : BoolNode<T>
{
    private readonly Node<T> _left;
    private readonly CLValue _right;
    private readonly bool _negate;

    public EqualsConstNode(string path, Node<T> left, CLValue right, bool negate) : base(path)
    {
        _left = left;
        _right = right;
        _negate = negate;
    }

    public override bool EvalBool(T data) => _left.Eval(data).Equals(_right) != _negate;

    public override Expression EmitBool(Expression data) => _negate
        ? Expression.NotEqual(_left.EmitValue(data), Expression.Constant(_right))
        : Expression.Equal(_left.EmitValue(data), Expression.Constant(_right));
}

internal interface ICompareOp
{
    static abstract ExpressionType ExpressionType { get; }

    static abstract bool Compare(long left, long right);
}

internal struct GreaterOp : ICompareOp
{
    public static ExpressionType ExpressionType => ExpressionType.GreaterThan;

    public static bool Compare(long left, long right) => left > right;
}

internal struct LessOp : ICompareOp
{
    public static ExpressionType ExpressionType => ExpressionType.LessThan;

    public static bool Compare(long left, long right) => left < right;
}

internal struct GreaterOrEqualOp : ICompareOp
{
    public static ExpressionType ExpressionType => ExpressionType.GreaterThanOrEqual;

    public static bool Compare(long left, long right) => left >= right;
}

internal struct LessOrEqualOp : ICompareOp
{
    public static ExpressionType ExpressionType => ExpressionType.LessThanOrEqual;

    public static bool Compare(long left, long right) => left <= right;
}

/// <summary>Binary/ternary comparison of integers (<c>&lt; &gt; &lt;= &gt;=</c>) or date-times (<c>before after not-after not-before</c>).</summary>
internal sealed class CompareNode<T, TOp> : BoolNode<T>
    where TOp : struct, ICompareOp
{
    private readonly Node<T> _a, _b;
    private readonly Node<T>? _c;
    private readonly CLValueKind _kind;

    public CompareNode(string path, CLValueKind kind, Node<T> a, Node<T> b, Node<T>? c) : base(path)
    {
        _kind = kind;
        _a = a;
        _b = b;
        _c = c;
    }

    public override bool EvalBool(T data)
    {
        // All operands are evaluated (and type-checked) before comparing, as in the reference implementation.
        long a = Get(_a.Eval(data));
        long b = Get(_b.Eval(data));
        if (_c is null)
        {
            return TOp.Compare(a, b);
        }
        long c = Get(_c.Eval(data));
        return TOp.Compare(a, b) && TOp.Compare(b, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Get(CLValue v)
    {
        if (v.Kind != _kind)
        {
            Fail(v);
        }
        return v.RawBits;
    }

    public bool Test(CLValue a, CLValue b) => TOp.Compare(Get(a), Get(b));

    public bool Test(CLValue a, CLValue b, CLValue c)
    {
        long x = Get(a), y = Get(b), z = Get(c);
        return TOp.Compare(x, y) && TOp.Compare(y, z);
    }

    public override Expression EmitBool(Expression data) => _c is null
        ? Emitter<T>.CallNode(this, nameof(Test), _a.EmitValue(data), _b.EmitValue(data))
        : Emitter<T>.CallNode(this, nameof(Test), _a.EmitValue(data), _b.EmitValue(data), _c.EmitValue(data));

    private void Fail(CLValue v)
    {
        if (_kind == CLValueKind.Integer)
        {
            Throw.NotInteger(Path, v);
        }
        Throw.NotDateTime(Path, v);
    }
}

/// <summary>Binary integer comparison against an integer literal (the commonest rule shape).</summary>
internal sealed class CompareConstNode<T, TOp> : BoolNode<T>
    where TOp : struct, ICompareOp
{
    private readonly Node<T> _operand;
    private readonly long _constant;
    private readonly bool _constantOnLeft;

    public CompareConstNode(string path, Node<T> operand, long constant, bool constantOnLeft) : base(path)
    {
        _operand = operand;
        _constant = constant;
        _constantOnLeft = constantOnLeft;
    }

    public override bool EvalBool(T data) => Test(_operand.Eval(data));

    public bool Test(CLValue v)
    {
        if (v.Kind != CLValueKind.Integer)
        {
            Throw.NotInteger(Path, v);
        }
        return _constantOnLeft ? TOp.Compare(_constant, v.RawBits) : TOp.Compare(v.RawBits, _constant);
    }

    public override Expression EmitBool(Expression data) => Emitter<T>.CallNode(this, nameof(Test), _operand.EmitValue(data));
}

internal sealed class IntVarCompareConstNode<T, TOp> : BoolNode<T>
    where TOp : struct, ICompareOp
{
    private readonly Func<T, long> _accessor;
    private readonly long _constant;
    private readonly bool _constantOnLeft;

    public IntVarCompareConstNode(string path, Func<T, long> accessor, long constant, bool constantOnLeft) : base(path)
    {
        _accessor = accessor;
        _constant = constant;
        _constantOnLeft = constantOnLeft;
    }

    public override bool EvalBool(T data) =>
        _constantOnLeft ? TOp.Compare(_constant, _accessor(data)) : TOp.Compare(_accessor(data), _constant);

    public override Expression EmitBool(Expression data)
    {
        var value = Emit.Invoke(_accessor, data);
        var constant = Expression.Constant(_constant);
        return _constantOnLeft ? Expression.MakeBinary(TOp.ExpressionType, constant, value) : Expression.MakeBinary(TOp.ExpressionType, value, constant);
    }
}

/// <summary>The ternary "between" form <c>[low, var, high]</c> on a typed integer.</summary>
internal sealed class IntVarBetweenNode<T, TOp> : BoolNode<T>
    where TOp : struct, ICompareOp
{
    private readonly Func<T, long> _accessor;
    private readonly long _low, _high;

    public IntVarBetweenNode(string path, Func<T, long> accessor, long low, long high) : base(path)
    {
        _accessor = accessor;
        _low = low;
        _high = high;
    }

    public override bool EvalBool(T data)
    {
        long v = _accessor(data);
        return TOp.Compare(_low, v) && TOp.Compare(v, _high);
    }

    public override Expression EmitBool(Expression data)
    {
        var v = Expression.Variable(typeof(long), "v");
        return Expression.Block(
            new[] { v },
            Expression.Assign(v, Emit.Invoke(_accessor, data)),
            Expression.AndAlso(
                Expression.MakeBinary(TOp.ExpressionType, Expression.Constant(_low), v),
                Expression.MakeBinary(TOp.ExpressionType, v, Expression.Constant(_high))));
    }
}

internal sealed class IntVarEqualsConstNode<T> : BoolNode<T>
{
    private readonly Func<T, long> _accessor;
    private readonly long _constant;
    private readonly bool _comparable; // the constant is an integer (else never equal)
    private readonly bool _negate;

    public IntVarEqualsConstNode(string path, Func<T, long> accessor, CLValue constant, bool negate) : base(path)
    {
        _accessor = accessor;
        _comparable = constant.Kind == CLValueKind.Integer;
        _constant = _comparable ? constant.RawBits : 0;
        _negate = negate;
    }

    public override bool EvalBool(T data) => (_accessor(data) == _constant && _comparable) != _negate;

    public override Expression EmitBool(Expression data) =>
        !_comparable ? base.EmitBool(data)
        : _negate ? Expression.NotEqual(Emit.Invoke(_accessor, data), Expression.Constant(_constant))
        : Expression.Equal(Emit.Invoke(_accessor, data), Expression.Constant(_constant));
}

internal sealed class StringVarEqualsConstNode<T> : BoolNode<T>
{
    private readonly Func<T, string?> _accessor;
    private readonly string? _constant; // null if the constant is not a string (never equal: constants are never null)
    private readonly bool _negate;

    public StringVarEqualsConstNode(string path, Func<T, string?> accessor, CLValue constant, bool negate) : base(path)
    {
        _accessor = accessor;
        _constant = constant.Kind == CLValueKind.String ? constant.AsString : null;
        _negate = negate;
    }

    public override bool EvalBool(T data)
    {
        string? s = _accessor(data);
        return (s is not null && _constant is not null && string.Equals(s, _constant, StringComparison.Ordinal)) != _negate;
    }

    public override Expression EmitBool(Expression data)
    {
        if (_constant is null)
        {
            return base.EmitBool(data);
        }
        // string.Equals(null, "c", Ordinal) is false, as required (the constant is never null).
        Expression equals = Expression.Call(Emit.StringEquals, Emit.Invoke(_accessor, data), Expression.Constant(_constant), Expression.Constant(StringComparison.Ordinal));
        return _negate ? Expression.Not(equals) : equals;
    }
}

/// <summary><c>in</c> of a typed string var in a literal array.</summary>
internal sealed class StringVarInConstNode<T> : BoolNode<T>
{
    private const int SetThreshold = 4;
    private readonly Func<T, string?> _accessor;
    private readonly string[] _strings;
    private readonly FrozenSet<string>? _set;

    public StringVarInConstNode(string path, Func<T, string?> accessor, CLValue[] items) : base(path)
    {
        _accessor = accessor;
        // Only string items can equal a string; a null needle equals nothing (literal arrays contain no null).
        _strings = items.Where(i => i.Kind == CLValueKind.String).Select(i => i.AsString).Distinct(StringComparer.Ordinal).ToArray();
        if (_strings.Length >= SetThreshold)
        {
            _set = _strings.ToFrozenSet(StringComparer.Ordinal); // length-bucketed, cheap hashing: faster than a scan
        }
    }

    public override bool EvalBool(T data)
    {
        string? s = _accessor(data);
        if (s is null)
        {
            return false;
        }
        if (_set is not null)
        {
            return _set.Contains(s);
        }
        var strings = _strings;
        for (int i = 0; i < strings.Length; i++)
        {
            if (string.Equals(strings[i], s, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    public override Expression EmitBool(Expression data)
    {
        var s = Expression.Variable(typeof(string), "s");
        Expression test;
        if (_set is not null)
        {
            test = Expression.Call(Expression.Constant(_set), typeof(FrozenSet<string>).GetMethod(nameof(FrozenSet<string>.Contains), new[] { typeof(string) })!, s);
        }
        else
        {
            test = Expression.Constant(false);
            for (int i = _strings.Length - 1; i >= 0; i--)
            {
                test = Expression.OrElse(
                    Expression.Call(Emit.StringEquals, s, Expression.Constant(_strings[i]), Expression.Constant(StringComparison.Ordinal)),
                    test);
            }
        }
        return Expression.Block(
            new[] { s },
            Expression.Assign(s, Emit.Invoke(_accessor, data)),
            Expression.AndAlso(Expression.NotEqual(s, Expression.Constant(null, typeof(string))), test));
    }
}

internal sealed class InNode<T> : BoolNode<T>
{
    private readonly Node<T> _needle, _haystack;

    public InNode(string path, Node<T> needle, Node<T> haystack) : base(path)
    {
        _needle = needle;
        _haystack = haystack;
    }

    public override bool EvalBool(T data) => Test(_needle.Eval(data), _haystack.Eval(data));

    public bool Test(CLValue needle, CLValue haystack)
    {
        if (haystack.Kind != CLValueKind.Array)
        {
            Throw.At(Path, $"right-hand side of an \"in\" operation must be an array, but is {Throw.Describe(haystack)}");
        }
        return Contains(haystack.RawRef!, needle);
    }

    public override Expression EmitBool(Expression data) => Emitter<T>.CallNode(this, nameof(Test), _needle.EmitValue(data), _haystack.EmitValue(data));

    internal static bool Contains(object list, CLValue needle)
    {
        if (list is CLValue[] array)
        {
            if (needle.Kind == CLValueKind.String)
            {
                var s = Unsafe.As<string>(needle.RawRef!);
                for (int i = 0; i < array.Length; i++)
                {
                    if (array[i].Kind == CLValueKind.String && string.Equals(Unsafe.As<string>(array[i].RawRef!), s, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
                return false;
            }
            for (int i = 0; i < array.Length; i++)
            {
                if (needle.Equals(array[i]))
                {
                    return true;
                }
            }
            return false;
        }
        var items = (IReadOnlyList<CLValue>)list;
        int count = items.Count;
        for (int i = 0; i < count; i++)
        {
            if (needle.Equals(items[i]))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary><c>in</c> with a literal array: items precomputed, hashed when there are many.</summary>
internal sealed class InConstNode<T> : BoolNode<T>
{
    private const int HashThreshold = 16;
    private readonly Node<T> _needle;
    private readonly CLValue[] _items;
    private readonly HashSet<CLValue>? _set;

    public InConstNode(string path, Node<T> needle, CLValue[] items) : base(path)
    {
        _needle = needle;
        _items = items;
        if (items.Length >= HashThreshold)
        {
            _set = new HashSet<CLValue>(items);
        }
    }

    public override bool EvalBool(T data) => Test(_needle.Eval(data));

    public bool Test(CLValue needle) => _set is null ? InNode<T>.Contains(_items, needle) : _set.Contains(needle);

    public override Expression EmitBool(Expression data) => Emitter<T>.CallNode(this, nameof(Test), _needle.EmitValue(data));
}

// ------------------------------------------------------------------ integer arithmetic

/// <summary><c>+</c> and the <c>-</c> extension: integers only; overflow of 64 bits is an error.</summary>
internal sealed class ArithmeticNode<T> : Node<T>
{
    private readonly Node<T> _left, _right;
    private readonly bool _subtract;

    public ArithmeticNode(string path, Node<T> left, Node<T> right, bool subtract) : base(path)
    {
        _left = left;
        _right = right;
        _subtract = subtract;
    }

    public override CLValue Eval(T data)
    {
        CLValue l = _left.Eval(data);
        CLValue r = _right.Eval(data);
        if (l.Kind != CLValueKind.Integer)
        {
            Throw.NotInteger(Path, l);
        }
        if (r.Kind != CLValueKind.Integer)
        {
            Throw.NotInteger(Path, r);
        }
        long a = l.RawBits, b = r.RawBits;
        long result = unchecked(_subtract ? a - b : a + b);
        bool overflow = _subtract ? ((a ^ b) & (a ^ result)) < 0 : ((a ^ result) & (b ^ result)) < 0;
        if (overflow)
        {
            Throw.At(Path, "integer overflow");
        }
        return CLValue.From(result);
    }
}

// ------------------------------------------------------------------ custom CertLogic operations

internal sealed class PlusTimeNode<T> : Node<T>
{
    private readonly Node<T> _operand;
    private readonly long _amount;
    private readonly CertLogicTimeUnit _unit;

    public PlusTimeNode(string path, Node<T> operand, long amount, CertLogicTimeUnit unit) : base(path)
    {
        _operand = operand;
        _amount = amount;
        _unit = unit;
    }

    public override CLValue Eval(T data)
    {
        CLValue v = _operand.Eval(data);
        if (v.Kind != CLValueKind.String)
        {
            Throw.At(Path, $"date argument of \"plusTime\" must be a string, but is {Throw.Describe(v)}");
        }
        return CLValue.FromUnixMilliseconds(Compute(Path, (string)v.RawRef!, _amount, _unit));
    }

    internal static long Compute(string path, string text, long amount, CertLogicTimeUnit unit)
    {
        if (!CertLogicDateTime.TryParseDateTime(text, out long ms))
        {
            Throw.At(path, $"not an allowed date or date-time format: \"{text}\"");
        }
        try
        {
            return CertLogicDateTime.PlusTime(ms, amount, unit);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new CertLogicException(path, $"\"plusTime\" result out of range for \"{text}\" {amount} {unit.ToString().ToLowerInvariant()}");
        }
    }

    // Date-times are neither truthy nor falsy.
    public override bool EvalBool(T data)
    {
        Eval(data);
        Throw.NeitherTruthyNorFalsy(Path);
        return false;
    }
}

internal sealed class DateOfBirthNode<T> : Node<T>
{
    private readonly Node<T> _operand;

    public DateOfBirthNode(string path, Node<T> operand) : base(path) => _operand = operand;

    public override CLValue Eval(T data)
    {
        CLValue v = _operand.Eval(data);
        if (v.Kind != CLValueKind.String)
        {
            Throw.At(Path, $"operand of \"dccDateOfBirth\" must be a string, but is {Throw.Describe(v)}");
        }
        return CLValue.FromUnixMilliseconds(Compute(Path, (string)v.RawRef!));
    }

    internal static long Compute(string path, string text)
    {
        if (!CertLogicDateTime.TryParseDateOfBirth(text, out long ms))
        {
            Throw.At(path, $"can't parse \"{text}\" as a DCC date of birth (YYYY, YYYY-MM or YYYY-MM-DD)");
        }
        return ms;
    }

    public override bool EvalBool(T data)
    {
        Eval(data);
        Throw.NeitherTruthyNorFalsy(Path);
        return false;
    }
}

internal sealed class ExtractFromUvciNode<T> : Node<T>
{
    private const string OptionalPrefix = "URN:UVCI:";
    private readonly Node<T> _operand;
    private readonly long _index;

    public ExtractFromUvciNode(string path, Node<T> operand, long index) : base(path)
    {
        _operand = operand;
        _index = index;
    }

    public override CLValue Eval(T data)
    {
        CLValue v = _operand.Eval(data);
        if (v.Kind == CLValueKind.Null)
        {
            return CLValue.Null;
        }
        if (v.Kind != CLValueKind.String)
        {
            Throw.At(Path, $"operand of \"extractFromUVCI\" must be a string or null, but is {Throw.Describe(v)}");
        }
        return Extract((string)v.RawRef!, _index);
    }

    internal static CLValue Extract(string uvci, long index)
    {
        if (index < 0)
        {
            return CLValue.Null;
        }
        int start = uvci.StartsWith(OptionalPrefix, StringComparison.Ordinal) ? OptionalPrefix.Length : 0;
        long fragment = 0;
        for (int i = start; ; i++)
        {
            bool end = i == uvci.Length;
            if (end || uvci[i] is '/' or '#' or ':')
            {
                if (fragment == index)
                {
                    return CLValue.From(uvci[start..i]);
                }
                if (end)
                {
                    return CLValue.Null;
                }
                fragment++;
                start = i + 1;
            }
        }
    }
}

// ------------------------------------------------------------------ reduce

/// <summary>The data context of a <c>reduce</c> lambda: <c>{ "accumulator": ..., "current": ... }</c>.</summary>
internal sealed class ReduceFrame
{
    public CLValue Accumulator;
    public CLValue Current;
}

/// <summary>Binds <c>var</c> paths inside a <c>reduce</c> lambda to the <see cref="ReduceFrame"/>.</summary>
internal sealed class ReduceFrameBinder : IVarBinder<ReduceFrame>
{
    public static readonly ReduceFrameBinder Instance = new();
    private static readonly Func<ReduceFrame, CLValue> Nothing = static _ => CLValue.Null;

    public Func<ReduceFrame, CLValue> Bind(string path)
    {
        if (path.Length == 0)
        {
            return static f => CLValue.FromObject(new Dictionary<string, CLValue>(2, StringComparer.Ordinal)
            {
                ["accumulator"] = f.Accumulator,
                ["current"] = f.Current,
            });
        }
        int dot = path.IndexOf('.');
        string head = dot < 0 ? path : path[..dot];
        var rest = dot < 0 ? null : PathFragment.Parse(path[(dot + 1)..]);
        return head switch
        {
            "current" => rest is null ? static f => f.Current : f => PathFragment.Drill(f.Current, rest),
            "accumulator" => rest is null ? static f => f.Accumulator : f => PathFragment.Drill(f.Accumulator, rest),
            _ => Nothing,
        };
    }
}

internal sealed class ReduceNode<T> : Node<T>
{
    private readonly Node<T> _operand, _initial;
    private readonly Node<ReduceFrame> _lambda;

    public ReduceNode(string path, Node<T> operand, Node<ReduceFrame> lambda, Node<T> initial) : base(path)
    {
        _operand = operand;
        _lambda = lambda;
        _initial = initial;
    }

    public override CLValue Eval(T data)
    {
        CLValue operand = _operand.Eval(data);
        if (operand.Kind == CLValueKind.Null)
        {
            return _initial.Eval(data);
        }
        if (operand.Kind != CLValueKind.Array)
        {
            Throw.At(Path, $"operand of \"reduce\" must be an array or null, but is {Throw.Describe(operand)}");
        }
        var items = (IReadOnlyList<CLValue>)operand.RawRef!;
        CLValue accumulator = _initial.Eval(data);
        if (items.Count == 0)
        {
            return accumulator;
        }
        var frame = new ReduceFrame();
        for (int i = 0; i < items.Count; i++)
        {
            frame.Accumulator = accumulator;
            frame.Current = items[i];
            accumulator = _lambda.Eval(frame);
        }
        return accumulator;
    }
}
