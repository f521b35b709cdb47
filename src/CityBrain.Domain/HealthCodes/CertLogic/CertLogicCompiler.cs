using System.Text.Json;
using System.Text.Json.Nodes;

namespace CityBrain.Domain.HealthCodes.CertLogic;

/// <summary>
/// A CertLogic expression compiled against data type <typeparamref name="TData"/>. Immutable and thread-safe
/// (provided the binder's accessors are); evaluate it as often as you like.
/// </summary>
public sealed class CompiledExpression<TData>
{
    private readonly Func<TData, CLValue> _value;
    private readonly Func<TData, bool> _truthy;

    internal CompiledExpression(Func<TData, CLValue> value, Func<TData, bool> truthy, IReadOnlyList<string> dataPaths, CertLogicBackend backend)
    {
        _value = value;
        _truthy = truthy;
        DataPaths = dataPaths;
        Backend = backend;
    }

    /// <summary>The distinct <c>var</c> paths (outside <c>reduce</c> lambdas) that were bound, in first-occurrence order.</summary>
    public IReadOnlyList<string> DataPaths { get; }

    /// <summary>The back end actually used (never <see cref="CertLogicBackend.Auto"/>).</summary>
    public CertLogicBackend Backend { get; }

    /// <summary>Evaluates the expression. Throws <see cref="CertLogicException"/> on run-time type errors.</summary>
    public CLValue Evaluate(TData data) => _value(data);

    /// <summary>
    /// Evaluates the expression and returns whether the result is truthy. Throws <see cref="CertLogicException"/> on
    /// run-time type errors, and when the result is neither truthy nor falsy (a date-time).
    /// </summary>
    public bool EvaluateTruthy(TData data) => _truthy(data);

    /// <summary>
    /// As <see cref="EvaluateTruthy"/>, but any <see cref="CertLogicException"/> gives <c>false</c> (the spec's advice for validation rules).
    /// </summary>
    public bool EvaluateTruthyOrFalse(TData data)
    {
        try
        {
            return _truthy(data);
        }
        catch (CertLogicException)
        {
            return false;
        }
    }
}

/// <summary>How a validated expression is turned into code.</summary>
public enum CertLogicBackend
{
    /// <summary><see cref="ExpressionTree"/> where the runtime compiles dynamic code to IL, else <see cref="NodeTree"/>.</summary>
    Auto,

    /// <summary>
    /// A tree of specialised node objects with virtual <c>Eval</c>/<c>EvalBool</c> methods. Compiles in microseconds,
    /// needs no dynamic code (NativeAOT-safe).
    /// </summary>
    NodeTree,

    /// <summary>
    /// <see cref="CompiledExpression{TData}.EvaluateTruthy"/> is one <c>System.Linq.Expressions</c> lambda: typed vars,
    /// <c>and</c>/<c>or</c>/<c>!</c>/<c>if</c>, comparisons, equality and <c>in</c> are emitted inline or as direct calls;
    /// the remaining operations call their node. <see cref="CompiledExpression{TData}.Evaluate"/> uses the node tree.
    /// Compiles ~100x slower than <see cref="NodeTree"/>; interpreted (slow) where dynamic code is unsupported.
    /// </summary>
    ExpressionTree,
}

/// <summary>Validates and compiles CertLogic 1.3.3 expressions (plus the documented extensions <c>or</c>, <c>!==</c>, <c>-</c>).</summary>
public static class CertLogicCompiler
{
    /// <summary>
    /// Validates the whole expression (throwing <see cref="CertLogicException"/> for the first problem, all problems in
    /// <see cref="CertLogicException.Problems"/>), binds every distinct <c>var</c> path once through <paramref name="binder"/>,
    /// and builds the evaluator.
    /// </summary>
    public static CompiledExpression<TData> Compile<TData>(JsonNode? expression, IVarBinder<TData> binder) =>
        Compile(expression, binder, CertLogicBackend.Auto);

    /// <summary>As <see cref="Compile{TData}(JsonNode?, IVarBinder{TData})"/>, with an explicit back end.</summary>
    public static CompiledExpression<TData> Compile<TData>(JsonNode? expression, IVarBinder<TData> binder, CertLogicBackend backend)
    {
        ArgumentNullException.ThrowIfNull(binder);
        var problems = new ProblemList();
        Validator.Validate(expression, "", problems);
        if (problems.Count > 0)
        {
            var (path, reason) = problems[0];
            string suffix = problems.Count > 1 ? $" (and {problems.Count - 1} more problem(s))" : "";
            throw new CertLogicException(path, reason + suffix)
            {
                Problems = problems.Select(p => CertLogicException.Format(p.Path, p.Reason)).ToArray(),
            };
        }
        var context = new BindContext<TData>(binder);
        var root = Builder.Build(expression, "", context);
        if (backend == CertLogicBackend.Auto)
        {
            backend = System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeCompiled ? CertLogicBackend.ExpressionTree : CertLogicBackend.NodeTree;
        }
        if (backend == CertLogicBackend.ExpressionTree)
        {
            return new CompiledExpression<TData>(root.Eval, Emitter<TData>.CompileTruthy(root), context.Paths, backend);
        }
        return new CompiledExpression<TData>(root.Eval, root.EvalBool, context.Paths, CertLogicBackend.NodeTree);
    }

    /// <summary>Compiles against JSON-like data (<see cref="JsonDataBinder"/>).</summary>
    public static CompiledExpression<CLValue> Compile(JsonNode? expression) => Compile(expression, JsonDataBinder.Instance);

    /// <summary>
    /// One-off evaluation on JSON data (validates and compiles every time, with the cheap-to-compile
    /// <see cref="CertLogicBackend.NodeTree"/>: cache a compiled form for repeated use).
    /// </summary>
    public static CLValue Evaluate(JsonNode? expression, JsonNode? data) =>
        Compile(expression, JsonDataBinder.Instance, CertLogicBackend.NodeTree).Evaluate(CLValue.FromJson(data));

    /// <summary>All problems of the expression, each <c>"path: reason"</c>; empty if it is valid.</summary>
    public static IReadOnlyList<string> Validate(JsonNode? expression) => Validate(expression, allowExtensions: true);

    /// <summary>
    /// As <see cref="Validate(JsonNode?)"/>; with <paramref name="allowExtensions"/> false, uses of the extension operations
    /// (<c>or</c>, <c>!==</c>, <c>-</c>) are reported too, to check that a rule is portable to other CertLogic implementations.
    /// </summary>
    public static IReadOnlyList<string> Validate(JsonNode? expression, bool allowExtensions)
    {
        var problems = new ProblemList { AllowExtensions = allowExtensions };
        Validator.Validate(expression, "", problems);
        return problems.Select(p => CertLogicException.Format(p.Path, p.Reason)).ToArray();
    }

    /// <summary>The operation ids this compiler accepts (CertLogic 1.3.3 plus extensions).</summary>
    public static IReadOnlyCollection<string> Operations => Ops.All.Keys;

    /// <summary>The extension operations (not part of CertLogic 1.3.3).</summary>
    public static IReadOnlyCollection<string> ExtensionOperations { get; } = new[] { "or", "!==", "-" };

    internal static string Child(string path, string key) => path + "/" + key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    internal static string Child(string path, int index) => path + "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

internal enum Op
{
    Var,
    If,
    Equals,
    NotEquals,
    And,
    Or,
    Greater,
    Less,
    GreaterOrEqual,
    LessOrEqual,
    After,
    Before,
    NotAfter,
    NotBefore,
    In,
    Plus,
    Minus,
    Not,
    PlusTime,
    Reduce,
    ExtractFromUvci,
    DccDateOfBirth,
}

internal static class Ops
{
    public static readonly Dictionary<string, Op> All = new(StringComparer.Ordinal)
    {
        ["var"] = Op.Var,
        ["if"] = Op.If,
        ["==="] = Op.Equals,
        ["!=="] = Op.NotEquals,
        ["and"] = Op.And,
        ["or"] = Op.Or,
        [">"] = Op.Greater,
        ["<"] = Op.Less,
        [">="] = Op.GreaterOrEqual,
        ["<="] = Op.LessOrEqual,
        ["after"] = Op.After,
        ["before"] = Op.Before,
        ["not-after"] = Op.NotAfter,
        ["not-before"] = Op.NotBefore,
        ["in"] = Op.In,
        ["+"] = Op.Plus,
        ["-"] = Op.Minus,
        ["!"] = Op.Not,
        ["plusTime"] = Op.PlusTime,
        ["reduce"] = Op.Reduce,
        ["extractFromUVCI"] = Op.ExtractFromUvci,
        ["dccDateOfBirth"] = Op.DccDateOfBirth,
    };

    public static bool IsIntComparison(Op op) => op is Op.Greater or Op.Less or Op.GreaterOrEqual or Op.LessOrEqual;

    public static bool IsDateComparison(Op op) => op is Op.After or Op.Before or Op.NotAfter or Op.NotBefore;

    /// <summary>(min, max) operand counts; max = int.MaxValue for variadic.</summary>
    public static (int Min, int Max) Arity(Op op) => op switch
    {
        Op.If or Op.PlusTime or Op.Reduce => (3, 3),
        Op.Equals or Op.NotEquals or Op.In or Op.Plus or Op.Minus or Op.ExtractFromUvci => (2, 2),
        Op.And or Op.Or => (2, int.MaxValue),
        Op.Not or Op.DccDateOfBirth => (1, 1),
        _ when IsIntComparison(op) || IsDateComparison(op) => (2, 3),
        _ => (0, int.MaxValue),
    };

    /// <summary>A literal (non-object, non-null JSON) as a value, or null if the node is an operation or not a valid literal.</summary>
    public static CLValue? Literal(JsonNode? node)
    {
        if (node is JsonValue value)
        {
            var kind = value.GetValueKind();
            if (kind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.String)
            {
                return CLValue.FromJson(value);
            }
            if (kind == JsonValueKind.Number)
            {
                var v = CLValue.FromJson(value);
                return v.Kind == CLValueKind.Integer ? v : null;
            }
        }
        return null;
    }

    /// <summary>Whether the node is a JSON literal that is not an array (string, number, boolean).</summary>
    public static bool IsScalarLiteral(JsonNode? node) => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False or JsonValueKind.String or JsonValueKind.Number;

    public static string Describe(JsonNode? node) => node is null ? "null" : Truncate(node.ToJsonString());

    private static string Truncate(string s) => s.Length > 60 ? s[..57] + "..." : s;
}

/// <summary>Validation problems (path, reason) and settings.</summary>
internal sealed class ProblemList : List<(string Path, string Reason)>
{
    public bool AllowExtensions { get; init; } = true;
}

/// <summary>Upfront validation: structure, operation ids, operand counts, literal-only operands and literal type errors.</summary>
internal static class Validator
{
    public static void Validate(JsonNode? node, string path, ProblemList problems)
    {
        switch (node)
        {
            case null:
                problems.Add((path, "null is not a valid CertLogic expression (null literals are not allowed)"));
                return;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    Validate(array[i], CertLogicCompiler.Child(path, i), problems);
                }
                return;
            case JsonValue value:
                ValidateLiteral(value, path, problems);
                return;
            case JsonObject obj:
                ValidateOperation(obj, path, problems);
                return;
        }
    }

    private static void ValidateLiteral(JsonValue value, string path, ProblemList problems)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.True:
            case JsonValueKind.False:
            case JsonValueKind.String:
                return;
            case JsonValueKind.Number:
                if (CLValue.FromJson(value).Kind != CLValueKind.Integer)
                {
                    problems.Add((path, $"number literal {value.ToJsonString()} is not an integer (only integer literals are allowed)"));
                }
                return;
            case JsonValueKind.Null:
                problems.Add((path, "null is not a valid CertLogic expression (null literals are not allowed)"));
                return;
            default:
                problems.Add((path, $"not a valid CertLogic expression: {Ops.Describe(value)}"));
                return;
        }
    }

    private static void ValidateOperation(JsonObject obj, string path, ProblemList problems)
    {
        if (obj.Count != 1)
        {
            problems.Add((path, obj.Count == 0
                ? "object literals are not allowed: an operation object must have exactly one key (the operation id)"
                : $"an operation object must have exactly one key (the operation id), found {obj.Count}: {string.Join(", ", obj.Select(p => p.Key))}"));
            return;
        }
        var (id, operandsNode) = obj.First();
        string opPath = CertLogicCompiler.Child(path, id);
        if (!Ops.All.TryGetValue(id, out var op))
        {
            problems.Add((opPath, $"unknown operation \"{id}\""));
            return;
        }
        if (!problems.AllowExtensions && CertLogicCompiler.ExtensionOperations.Contains(id))
        {
            problems.Add((opPath, $"\"{id}\" is an extension of this implementation, not a CertLogic 1.3.3 operation"));
        }
        if (op == Op.Var)
        {
            if (operandsNode is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            {
                problems.Add((opPath, $"data access must be of the form {{ \"var\": \"<path>\" }} with a string path (no integer paths, no default values), found {Ops.Describe(operandsNode)}"));
            }
            return;
        }
        if (operandsNode is not JsonArray operands)
        {
            problems.Add((opPath, $"operation not of the form {{ \"{id}\": [ <operands...> ] }}: operands must be an array, found {Ops.Describe(operandsNode)}"));
            return;
        }
        var (min, max) = Ops.Arity(op);
        if (operands.Count < min || operands.Count > max)
        {
            string expected = min == max ? $"{min}" : max == int.MaxValue ? $"at least {min}" : $"{min} or {max}";
            problems.Add((opPath, $"\"{id}\" must have {expected} operand(s), found {operands.Count}"));
        }

        string P(int i) => CertLogicCompiler.Child(opPath, i);
        JsonNode? At(int i) => i < operands.Count ? operands[i] : null;

        switch (op)
        {
            case Op.PlusTime:
            {
                if (operands.Count > 0)
                {
                    Validate(operands[0], P(0), problems);
                    var literal = Ops.Literal(operands[0]);
                    if (literal is { } l)
                    {
                        if (l.Kind != CLValueKind.String)
                        {
                            problems.Add((P(0), $"date argument of \"plusTime\" must be a string, found {Ops.Describe(operands[0])}"));
                        }
                        else if (!CertLogicDateTime.TryParseDateTime(l.AsString, out _))
                        {
                            problems.Add((P(0), $"not an allowed date or date-time format: {Ops.Describe(operands[0])}"));
                        }
                    }
                    else if (operands[0] is JsonArray)
                    {
                        problems.Add((P(0), "date argument of \"plusTime\" must be a string, found an array"));
                    }
                }
                if (operands.Count > 1 && Ops.Literal(At(1)) is not { Kind: CLValueKind.Integer })
                {
                    problems.Add((P(1), $"\"amount\" argument (#2) of \"plusTime\" must be an integer literal, found {Ops.Describe(At(1))}"));
                }
                if (operands.Count > 2 && !(At(2) is JsonValue u && u.GetValueKind() == JsonValueKind.String && CertLogicDateTime.TryParseUnit(u.GetValue<string>(), out _)))
                {
                    problems.Add((P(2), $"\"unit\" argument (#3) of \"plusTime\" must be one of \"year\", \"month\", \"day\", \"hour\", found {Ops.Describe(At(2))}"));
                }
                return;
            }
            case Op.ExtractFromUvci:
            {
                if (operands.Count > 0)
                {
                    Validate(operands[0], P(0), problems);
                    if (operands[0] is JsonArray || (Ops.Literal(operands[0]) is { } l && l.Kind != CLValueKind.String))
                    {
                        problems.Add((P(0), $"operand of \"extractFromUVCI\" must be a string (or null), found {Ops.Describe(operands[0])}"));
                    }
                }
                if (operands.Count > 1 && Ops.Literal(At(1)) is not { Kind: CLValueKind.Integer })
                {
                    problems.Add((P(1), $"index argument (#2) of \"extractFromUVCI\" must be an integer literal, found {Ops.Describe(At(1))}"));
                }
                return;
            }
        }

        for (int i = 0; i < operands.Count; i++)
        {
            Validate(operands[i], P(i), problems);
        }

        // Type errors that literals make certain (literals are never date-times and never null).
        for (int i = 0; i < operands.Count; i++)
        {
            var operand = operands[i];
            bool isArrayLiteral = operand is JsonArray;
            var literal = Ops.Literal(operand);
            if (!isArrayLiteral && literal is null)
            {
                continue; // an operation (or an invalid literal, already reported)
            }
            switch (op)
            {
                case Op.Plus:
                case Op.Minus:
                case Op.Greater:
                case Op.Less:
                case Op.GreaterOrEqual:
                case Op.LessOrEqual:
                    if (isArrayLiteral || literal!.Value.Kind != CLValueKind.Integer)
                    {
                        problems.Add((P(i), $"operands of \"{id}\" must be integers, found {Ops.Describe(operand)}"));
                    }
                    break;
                case Op.After:
                case Op.Before:
                case Op.NotAfter:
                case Op.NotBefore:
                    problems.Add((P(i), $"operands of \"{id}\" must be date-times (use plusTime or dccDateOfBirth), found literal {Ops.Describe(operand)}"));
                    break;
                case Op.In when i == 1 && !isArrayLiteral:
                    problems.Add((P(i), $"right-hand side of \"in\" must be an array, found {Ops.Describe(operand)}"));
                    break;
                case Op.Reduce when i == 0 && !isArrayLiteral:
                    problems.Add((P(i), $"operand of \"reduce\" must be an array (or null), found {Ops.Describe(operand)}"));
                    break;
                case Op.DccDateOfBirth:
                    if (isArrayLiteral || literal!.Value.Kind != CLValueKind.String)
                    {
                        problems.Add((P(i), $"operand of \"dccDateOfBirth\" must be a string, found {Ops.Describe(operand)}"));
                    }
                    else if (!CertLogicDateTime.TryParseDateOfBirth(literal.Value.AsString, out _))
                    {
                        problems.Add((P(i), $"can't parse {Ops.Describe(operand)} as a DCC date of birth (YYYY, YYYY-MM or YYYY-MM-DD)"));
                    }
                    break;
            }
        }
    }
}

/// <summary>Per-compilation binding state: each distinct path is bound once (typed first, when the binder offers it).</summary>
internal sealed class BindContext<T>
{
    private readonly IVarBinder<T> _binder;
    private readonly Dictionary<string, Delegate> _cache = new(StringComparer.Ordinal);
    private readonly List<string> _paths = new();
    private BindContext<ReduceFrame>? _lambdaContext;

    public BindContext(IVarBinder<T> binder) => _binder = binder;

    public IReadOnlyList<string> Paths => _paths;

    /// <summary>The context for <c>reduce</c> lambdas (data = the {accumulator, current} frame).</summary>
    public BindContext<ReduceFrame> LambdaContext => _lambdaContext ??= new BindContext<ReduceFrame>(ReduceFrameBinder.Instance);

    /// <summary>A var node for <paramref name="dataPath"/>: typed when the binder provides a typed accessor.</summary>
    public Node<T> VarNode(string dataPath, string exprPath)
    {
        if (!_cache.TryGetValue(dataPath, out var accessor))
        {
            try
            {
                if (_binder is ITypedVarBinder<T> typed)
                {
                    accessor = typed.BindTyped(dataPath);
                    if (accessor is not (null or Func<T, bool> or Func<T, long> or Func<T, string?>))
                    {
                        throw new CertLogicException("", $"the binder's typed accessor for \"{dataPath}\" is a {accessor.GetType().Name}, not a Func<TData, bool/long/string?>");
                    }
                }
                accessor ??= _binder.Bind(dataPath) ?? throw new CertLogicException("", $"the binder returned no accessor for \"{dataPath}\"");
            }
            catch (CertLogicException e)
            {
                throw new CertLogicException(exprPath, e.Reason, e);
            }
            _cache.Add(dataPath, accessor);
            _paths.Add(dataPath);
        }
        return accessor switch
        {
            Func<T, bool> b => new BoolVarNode<T>(exprPath, b),
            Func<T, long> n => new IntVarNode<T>(exprPath, n),
            Func<T, string?> str => new StringVarNode<T>(exprPath, str),
            _ => new VarNode<T>(exprPath, (Func<T, CLValue>)accessor),
        };
    }
}

/// <summary>Builds the node tree of a validated expression.</summary>
internal static class Builder
{
    public static Node<T> Build<T>(JsonNode? node, string path, BindContext<T> context)
    {
        switch (node)
        {
            case JsonArray array:
            {
                var items = new Node<T>[array.Count];
                bool allConstant = true;
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = Build(array[i], CertLogicCompiler.Child(path, i), context);
                    allConstant &= items[i].IsConstant;
                }
                if (allConstant)
                {
                    var values = items.Select(n => ((ConstNode<T>)n).Value).ToArray();
                    return new ConstNode<T>(path, CLValue.FromArray(values));
                }
                return new ArrayNode<T>(path, items);
            }
            case JsonObject obj:
                return BuildOperation(obj, path, context);
            default:
                return new ConstNode<T>(path, Ops.Literal(node) ?? throw new CertLogicException(path, "invalid literal (expression was not validated)"));
        }
    }

    private static Node<T> BuildOperation<T>(JsonObject obj, string path, BindContext<T> context)
    {
        var (id, operandsNode) = obj.First();
        var op = Ops.All[id];
        string opPath = CertLogicCompiler.Child(path, id);
        if (op == Op.Var)
        {
            return context.VarNode(operandsNode!.GetValue<string>(), opPath);
        }
        var operands = (JsonArray)operandsNode!;
        Node<T> Operand(int i) => Build(operands[i], CertLogicCompiler.Child(opPath, i), context);
        Node<T>[] AllOperands() => Enumerable.Range(0, operands.Count).Select(Operand).ToArray();

        switch (op)
        {
            case Op.If:
                return new IfNode<T>(opPath, Operand(0), Operand(1), Operand(2));
            case Op.And:
            case Op.Or:
                return new AndOrNode<T>(opPath, AllOperands(), op == Op.Or);
            case Op.Not:
                return new NotNode<T>(opPath, Operand(0));
            case Op.Equals:
            case Op.NotEquals:
            {
                var left = Operand(0);
                var right = Operand(1);
                bool negate = op == Op.NotEquals;
                if (left is ConstNode<T> && right is not ConstNode<T>)
                {
                    (left, right) = (right, left); // equality is symmetric: constant on the right
                }
                if (right is ConstNode<T> rc)
                {
                    return left switch
                    {
                        IntVarNode<T> iv => new IntVarEqualsConstNode<T>(opPath, iv.Accessor, rc.Value, negate),
                        StringVarNode<T> sv => new StringVarEqualsConstNode<T>(opPath, sv.Accessor, rc.Value, negate),
                        _ => new EqualsConstNode<T>(opPath, left, rc.Value, negate),
                    };
                }
                return new EqualsNode<T>(opPath, left, right, negate);
            }
            case Op.Greater:
                return Compare<T, GreaterOp>(opPath, CLValueKind.Integer, AllOperands());
            case Op.Less:
                return Compare<T, LessOp>(opPath, CLValueKind.Integer, AllOperands());
            case Op.GreaterOrEqual:
                return Compare<T, GreaterOrEqualOp>(opPath, CLValueKind.Integer, AllOperands());
            case Op.LessOrEqual:
                return Compare<T, LessOrEqualOp>(opPath, CLValueKind.Integer, AllOperands());
            case Op.After:
                return Compare<T, GreaterOp>(opPath, CLValueKind.DateTime, AllOperands());
            case Op.Before:
                return Compare<T, LessOp>(opPath, CLValueKind.DateTime, AllOperands());
            case Op.NotAfter:
                return Compare<T, LessOrEqualOp>(opPath, CLValueKind.DateTime, AllOperands());
            case Op.NotBefore:
                return Compare<T, GreaterOrEqualOp>(opPath, CLValueKind.DateTime, AllOperands());
            case Op.In:
            {
                var needle = Operand(0);
                var haystack = Operand(1);
                if (haystack is ConstNode<T> hc && hc.Value.Kind == CLValueKind.Array)
                {
                    var items = hc.Value.AsArray.ToArray();
                    if (needle is StringVarNode<T> sv)
                    {
                        return new StringVarInConstNode<T>(opPath, sv.Accessor, items);
                    }
                    return new InConstNode<T>(opPath, needle, items);
                }
                return new InNode<T>(opPath, needle, haystack);
            }
            case Op.Plus:
            case Op.Minus:
                return new ArithmeticNode<T>(opPath, Operand(0), Operand(1), op == Op.Minus);
            case Op.PlusTime:
            {
                long amount = Ops.Literal(operands[1])!.Value.AsInteger;
                CertLogicTimeUnit unit = CertLogicDateTime.TryParseUnit(operands[2]!.GetValue<string>(), out var u) ? u : throw new InvalidOperationException("unvalidated unit");
                var date = Operand(0);
                if (date is ConstNode<T> dc)
                {
                    // A literal date: computed once, here (it was already checked to parse).
                    return new ConstNode<T>(opPath, CLValue.FromUnixMilliseconds(PlusTimeNode<T>.Compute(opPath, dc.Value.AsString, amount, unit)));
                }
                return new PlusTimeNode<T>(opPath, date, amount, unit);
            }
            case Op.DccDateOfBirth:
            {
                var operand = Operand(0);
                if (operand is ConstNode<T> c)
                {
                    return new ConstNode<T>(opPath, CLValue.FromUnixMilliseconds(DateOfBirthNode<T>.Compute(opPath, c.Value.AsString)));
                }
                return new DateOfBirthNode<T>(opPath, operand);
            }
            case Op.ExtractFromUvci:
            {
                long index = Ops.Literal(operands[1])!.Value.AsInteger;
                var operand = Operand(0);
                if (operand is ConstNode<T> c)
                {
                    return new ConstNode<T>(opPath, ExtractFromUvciNode<T>.Extract(c.Value.AsString, index));
                }
                return new ExtractFromUvciNode<T>(opPath, operand, index);
            }
            case Op.Reduce:
            {
                var operand = Operand(0);
                var lambda = Build(operands[1], CertLogicCompiler.Child(opPath, 1), context.LambdaContext);
                var initial = Operand(2);
                return new ReduceNode<T>(opPath, operand, lambda, initial);
            }
            default:
                throw new InvalidOperationException($"unhandled operation {id}");
        }
    }

    private static Node<T> Compare<T, TOp>(string path, CLValueKind kind, Node<T>[] operands)
        where TOp : struct, ICompareOp
    {
        if (kind == CLValueKind.Integer && operands.Length == 2)
        {
            if (operands[1] is ConstNode<T> rc && rc.Value.Kind == CLValueKind.Integer)
            {
                return operands[0] is IntVarNode<T> iv
                    ? new IntVarCompareConstNode<T, TOp>(path, iv.Accessor, rc.Value.RawBits, constantOnLeft: false)
                    : new CompareConstNode<T, TOp>(path, operands[0], rc.Value.RawBits, constantOnLeft: false);
            }
            if (operands[0] is ConstNode<T> lc && lc.Value.Kind == CLValueKind.Integer)
            {
                return operands[1] is IntVarNode<T> iv
                    ? new IntVarCompareConstNode<T, TOp>(path, iv.Accessor, lc.Value.RawBits, constantOnLeft: true)
                    : new CompareConstNode<T, TOp>(path, operands[1], lc.Value.RawBits, constantOnLeft: true);
            }
        }
        if (kind == CLValueKind.Integer && operands.Length == 3
            && operands[0] is ConstNode<T> { Value.Kind: CLValueKind.Integer } low
            && operands[1] is IntVarNode<T> middle
            && operands[2] is ConstNode<T> { Value.Kind: CLValueKind.Integer } high)
        {
            return new IntVarBetweenNode<T, TOp>(path, middle.Accessor, low.Value.RawBits, high.Value.RawBits);
        }
        return new CompareNode<T, TOp>(path, kind, operands[0], operands[1], operands.Length == 3 ? operands[2] : null);
    }
}
