using System.Text.Json.Nodes;
using CityBrain.Domain.HealthCodes.CertLogic;

namespace CityBrain.Domain.Tests.HealthCodes.CertLogic;

public class CompilerTests
{
    /// <summary>Evaluates with both back ends, asserts they agree (value or error path), and returns/throws the outcome.</summary>
    private static CLValue Eval(string expression, string data = "{}")
    {
        var input = CLValue.FromJson(JsonNode.Parse(data));
        var outcomes = new[] { CertLogicBackend.NodeTree, CertLogicBackend.ExpressionTree }.Select(backend =>
        {
            try
            {
                var compiled = CertLogicCompiler.Compile(JsonNode.Parse(expression), JsonDataBinder.Instance, backend);
                Assert.Equal(backend, compiled.Backend);
                var value = compiled.Evaluate(input);
                // EvaluateTruthy must agree with the value's truthiness (or fail exactly when it is neither).
                int boolsiness = value.Boolsiness();
                if (boolsiness < 0)
                {
                    Assert.Throws<CertLogicException>(() => compiled.EvaluateTruthy(input));
                }
                else
                {
                    Assert.Equal(boolsiness == 1, compiled.EvaluateTruthy(input));
                }
                return (Value: value, Error: (CertLogicException?)null);
            }
            catch (CertLogicException e)
            {
                if (e.Problems.Count == 0)
                {
                    // A run-time error: EvaluateTruthy must raise the same one.
                    var compiled = CertLogicCompiler.Compile(JsonNode.Parse(expression), JsonDataBinder.Instance, backend);
                    Assert.Equal(e.Message, Assert.Throws<CertLogicException>(() => compiled.EvaluateTruthy(input)).Message);
                }
                return (Value: CLValue.Null, Error: e);
            }
        }).ToArray();
        Assert.Equal(outcomes[0].Value, outcomes[1].Value);
        Assert.Equal(outcomes[0].Error?.Message, outcomes[1].Error?.Message);
        return outcomes[0].Error is { } error ? throw error : outcomes[0].Value;
    }

    private static CertLogicException EvalError(string expression, string data = "{}") =>
        Assert.Throws<CertLogicException>(() => Eval(expression, data));

    // ------------------------------------------------------------ validation

    [Theory]
    [InlineData("null", "")]
    [InlineData("1.5", "")]
    [InlineData("{}", "")]
    [InlineData("""{ "a": [1], "b": [2] }""", "")]
    [InlineData("""{ "foo": [1] }""", "/foo")]
    [InlineData("""{ "var": 1 }""", "/var")]
    [InlineData("""{ "var": ["x", 0] }""", "/var")]
    [InlineData("""{ "and": [true] }""", "/and")]
    [InlineData("""{ "and": true }""", "/and")]
    [InlineData("""{ "if": [true, 1] }""", "/if")]
    [InlineData("""{ "===": [1, 2, 3] }""", "/===")]
    [InlineData("""{ ">": [1, 2, 3, 4] }""", "/>")]
    [InlineData("""{ "!": [] }""", "/!")]
    [InlineData("""{ "and": [true, { "var": "a" }, null] }""", "/and/2")]
    [InlineData("""{ "and": [true, { "if": [ { "foo": [] }, 1, 2 ] }] }""", "/and/1/if/0/foo")]
    [InlineData("""{ "plusTime": [ "2021-01-01", { "var": "n" }, "day" ] }""", "/plusTime/1")]
    [InlineData("""{ "plusTime": [ "2021-01-01", 1, "week" ] }""", "/plusTime/2")]
    [InlineData("""{ "plusTime": [ "2021-13-01", 1, "day" ] }""", "/plusTime/0")]
    [InlineData("""{ "plusTime": [ 5, 1, "day" ] }""", "/plusTime/0")]
    [InlineData("""{ "extractFromUVCI": [ { "var": "" }, "1" ] }""", "/extractFromUVCI/1")]
    [InlineData("""{ "extractFromUVCI": [ 3, 1 ] }""", "/extractFromUVCI/0")]
    [InlineData("""{ ">": [ { "var": "a" }, "1" ] }""", "/>/1")]
    [InlineData("""{ "after": [ { "var": "a" }, "2021-01-01" ] }""", "/after/1")]
    [InlineData("""{ "in": [ "a", "abc" ] }""", "/in/1")]
    [InlineData("""{ "+": [ 1, true ] }""", "/+/1")]
    [InlineData("""{ "dccDateOfBirth": [ "2021-1" ] }""", "/dccDateOfBirth/0")]
    [InlineData("""{ "reduce": [ "abc", 1, 0 ] }""", "/reduce/0")]
    [InlineData("""{ "reduce": [ { "var": "x" }, { "nope": [] }, 0 ] }""", "/reduce/1/nope")]
    public void Compile_InvalidExpression_ThrowsWithPath(string expression, string expectedPath)
    {
        var e = Assert.Throws<CertLogicException>(() => CertLogicCompiler.Compile(JsonNode.Parse(expression)));

        Assert.Equal(expectedPath, e.Path);
        Assert.NotEmpty(CertLogicCompiler.Validate(JsonNode.Parse(expression)));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsAllWithPaths()
    {
        var problems = CertLogicCompiler.Validate(JsonNode.Parse("""
            { "and": [ { "foo": [1] }, { "var": 3 }, { "if": [true, 1] }, 1.5, { ">": ["x", 1] } ] }
            """));

        Assert.Equal(5, problems.Count);
        Assert.StartsWith("/and/0/foo: unknown operation", problems[0]);
        Assert.StartsWith("/and/1/var: ", problems[1]);
        Assert.StartsWith("/and/2/if: ", problems[2]);
        Assert.StartsWith("/and/3: ", problems[3]);
        Assert.StartsWith("/and/4/>/0: ", problems[4]);
    }

    [Fact]
    public void Compile_SeveralProblems_ExceptionCarriesAll()
    {
        var e = Assert.Throws<CertLogicException>(() => CertLogicCompiler.Compile(JsonNode.Parse("""{ "and": [ null, null ] }""")));

        Assert.Equal(2, e.Problems.Count);
        Assert.Equal("/and/0", e.Path);
        Assert.StartsWith("/and/0: ", e.Message);
    }

    [Fact]
    public void Validate_ValidExpression_ReturnsEmpty()
    {
        Assert.Empty(CertLogicCompiler.Validate(JsonNode.Parse("""
            { "if": [ { "or": [ { "var": "a" }, { "!==": [ { "-": [ 3, { "var": "b" } ] }, 1 ] } ] },
                      { "reduce": [ { "var": "xs" }, { "+": [ { "var": "accumulator" }, { "var": "current" } ] }, 0 ] },
                      { "not-before": [ { "plusTime": [ { "var": "d" }, -1, "month" ] }, { "dccDateOfBirth": [ "2000-02" ] } ] } ] }
            """)));
    }

    // ------------------------------------------------------------ run-time errors

    [Theory]
    [InlineData("""{ ">": [ { "var": "s" }, 1 ] }""", "/>")]
    [InlineData("""{ ">": [ { "var": "n" }, 1, { "var": "s" } ] }""", "/>")]
    [InlineData("""{ "after": [ { "var": "s" }, { "plusTime": ["2021-01-01", 0, "day"] } ] }""", "/after")]
    [InlineData("""{ "in": [ "a", { "var": "s" } ] }""", "/in")]
    [InlineData("""{ "in": [ "a", { "var": "missing" } ] }""", "/in")]
    [InlineData("""{ "+": [ { "var": "s" }, 1 ] }""", "/+")]
    [InlineData("""{ "plusTime": [ { "var": "n" }, 1, "day" ] }""", "/plusTime")]
    [InlineData("""{ "plusTime": [ { "var": "missing" }, 1, "day" ] }""", "/plusTime")]
    [InlineData("""{ "plusTime": [ { "var": "s" }, 1, "day" ] }""", "/plusTime")]
    [InlineData("""{ "dccDateOfBirth": [ { "var": "s" } ] }""", "/dccDateOfBirth")]
    [InlineData("""{ "extractFromUVCI": [ { "var": "n" }, 1 ] }""", "/extractFromUVCI")]
    [InlineData("""{ "reduce": [ { "var": "s" }, 1, 0 ] }""", "/reduce")]
    [InlineData("""{ "if": [ { "plusTime": ["2021-01-01", 0, "day"] }, 1, 2 ] }""", "/if/0/plusTime")]
    [InlineData("""{ "!": [ { "dccDateOfBirth": [ { "var": "d" } ] } ] }""", "/!/0/dccDateOfBirth")]
    [InlineData("""{ "and": [ true, { "dccDateOfBirth": [ { "var": "d" } ] } ] }""", "/and/1/dccDateOfBirth")]
    [InlineData("""{ "+": [ { "var": "big" }, 1 ] }""", "/+")]
    public void Evaluate_TypeMismatch_ThrowsWithPath(string expression, string expectedPath)
    {
        var e = EvalError(expression, """{ "s": "abc", "n": 5, "d": "2000", "big": 9223372036854775807 }""");

        Assert.Equal(expectedPath, e.Path);
    }

    [Theory]
    [InlineData(CertLogicBackend.NodeTree)]
    [InlineData(CertLogicBackend.ExpressionTree)]
    public void EvaluateTruthy_DateTimeResult_Throws(CertLogicBackend backend)
    {
        var compiled = CertLogicCompiler.Compile(JsonNode.Parse("""{ "plusTime": [ { "var": "" }, 0, "day" ] }"""), JsonDataBinder.Instance, backend);

        Assert.Throws<CertLogicException>(() => compiled.EvaluateTruthy(CLValue.From("2021-01-01")));
        Assert.False(compiled.EvaluateTruthyOrFalse(CLValue.From("2021-01-01")));
    }

    // ------------------------------------------------------------ semantics

    [Theory]
    [InlineData("""{ "and": [ 1, "x", [1] ] }""", "[1]")]
    [InlineData("""{ "and": [ 1, "", [1] ] }""", "\"\"")]
    [InlineData("""{ "if": [ { "var": "o" }, "T", "F" ] }""", "\"T\"")]
    [InlineData("""{ "if": [ { "var": "e" }, "T", "F" ] }""", "\"F\"")]
    [InlineData("""{ "===": [ [1, "a"], [1, "a"] ] }""", "true")]
    [InlineData("""{ "===": [ { "var": "o" }, { "var": "o" } ] }""", "true")]
    [InlineData("""{ "===": [ 1, true ] }""", "false")]
    [InlineData("""{ "===": [ { "plusTime": ["2021-01-01T01:00:00+01:00", 0, "day"] }, { "plusTime": ["2021-01-01", 0, "hour"] } ] }""", "true")]
    [InlineData("""{ "in": [ 2, [1, 2, 3] ] }""", "true")]
    [InlineData("""{ "in": [ "2", [1, 2, 3] ] }""", "false")]
    [InlineData("""{ "in": [ "k", ["a","b","c","d","e","f","g","h","i","j","k"] ] }""", "true")]
    [InlineData("""{ "in": [ "z", ["a","b","c","d","e","f","g","h","i","j","k"] ] }""", "false")]
    [InlineData("""{ "in": [ { "var": "n" }, { "var": "xs" } ] }""", "true")]
    [InlineData("""{ "<": [ 1, { "var": "n" }, 10 ] }""", "true")]
    [InlineData("""{ ">=": [ 5, { "var": "n" } ] }""", "true")]
    [InlineData("""{ "+": [ { "var": "n" }, -7 ] }""", "-2")]
    [InlineData("""[ { "var": "n" }, "x", [ true ] ]""", "[5, \"x\", [true]]")]
    [InlineData("""{ "var": "xs.1" }""", "5")]
    [InlineData("""{ "var": "o.k" }""", "\"v\"")]
    [InlineData("""{ "var": "o.k.z" }""", "null")]
    [InlineData("""{ "var": "xs.x" }""", "null")]
    [InlineData("""{ "var": "n.0" }""", "null")]
    [InlineData("""{ "extractFromUVCI": [ "URN:UVCI:01:NL:187/37512422923", 3 ] }""", "\"37512422923\"")]
    public void Evaluate_Expression_ReturnsSpecifiedValue(string expression, string expected)
    {
        var actual = Eval(expression, """{ "n": 5, "xs": [4, 5, 6], "o": { "k": "v" }, "e": {} }""");

        Assert.Equal(CLValue.ParseJson(expected), actual);
    }

    [Fact]
    public void Evaluate_AndShortCircuits_LaterOperandNotEvaluated()
    {
        // The second operand would throw (plusTime on a non-date string), but "and" stops at the falsy first operand.
        Assert.Equal(CLValue.From(0), Eval("""{ "and": [ 0, { "plusTime": [ { "var": "s" }, 0, "day" ] } ] }""", """{ "s": "x" }"""));
    }

    [Fact]
    public void Evaluate_IfEvaluatesOnlyChosenBranch_OtherBranchErrorNotRaised()
    {
        Assert.Equal(CLValue.From("ok"), Eval("""{ "if": [ false, { "+": [ { "var": "s" }, 1 ] }, "ok" ] }""", """{ "s": "x" }"""));
    }

    [Theory]
    [InlineData("""[ { "var": "xs" }, { "+": [ { "var": "accumulator" }, { "var": "current" } ] }, 0 ]""", "9")]
    [InlineData("""[ { "var": "objs" }, { "+": [ { "var": "accumulator" }, { "var": "current.q" } ] }, 100 ]""", "106")]
    [InlineData("""[ { "var": "missing" }, { "+": [ { "var": "accumulator" }, { "var": "current" } ] }, 7 ]""", "7")]
    [InlineData("""[ [], { "var": "nothing" }, "init" ]""", "\"init\"")]
    [InlineData("""[ { "var": "xs" }, { "var": "" }, 0 ]""", """{ "accumulator": { "accumulator": 0, "current": 4 }, "current": 5 }""")]
    [InlineData("""[ { "var": "xs" }, { "var": "n" }, 0 ]""", "null")]
    [InlineData("""[ { "var": "xs" }, { "or": [ { "var": "accumulator" }, { "===": [ { "var": "current" }, 5 ] } ] }, false ]""", "true")]
    public void Evaluate_Reduce_LambdaSeesAccumulatorAndCurrentFrame(string operands, string expected)
    {
        var actual = Eval("""{ "reduce": """ + operands + " }", """{ "n": 1, "xs": [4, 5], "objs": [ { "q": 1 }, { "q": 2 }, { "q": 3 } ] }""");

        Assert.Equal(CLValue.ParseJson(expected), actual);
    }

    [Fact]
    public void Evaluate_NestedReduce_InnerFrameShadowsOuter()
    {
        // Sum of the lengths-as-sums of nested arrays: [[1,2],[3]] -> 6
        var actual = Eval("""
            { "reduce": [ { "var": "m" },
                          { "+": [ { "var": "accumulator" }, { "reduce": [ { "var": "current" }, { "+": [ { "var": "accumulator" }, { "var": "current" } ] }, 0 ] } ] },
                          0 ] }
            """, """{ "m": [ [1, 2], [3] ] }""");

        Assert.Equal(CLValue.From(6), actual);
    }

    // ------------------------------------------------------------ extensions

    [Theory]
    [InlineData("""{ "or": [ 0, "", "x", { "+": [ { "var": "nope" }, 1 ] } ] }""", "\"x\"")]
    [InlineData("""{ "or": [ 0, "", [] ] }""", "[]")]
    [InlineData("""{ "or": [ false, { "var": "n" } ] }""", "5")]
    [InlineData("""{ "!==": [ 1, 2 ] }""", "true")]
    [InlineData("""{ "!==": [ "a", "a" ] }""", "false")]
    [InlineData("""{ "!==": [ 1, "1" ] }""", "true")]
    [InlineData("""{ "-": [ { "var": "n" }, 7 ] }""", "-2")]
    public void Evaluate_Extension_ReturnsDocumentedValue(string expression, string expected)
    {
        Assert.Equal(CLValue.ParseJson(expected), Eval(expression, """{ "n": 5 }"""));
    }

    [Fact]
    public void Evaluate_OrWithNeitherTruthyNorFalsyOperand_Throws()
    {
        var e = EvalError("""{ "or": [ false, { "plusTime": [ "2021-01-01", 0, "day" ] } ] }""");

        Assert.Equal("/or/1/plusTime", e.Path);
    }

    [Fact]
    public void Evaluate_MinusOverflow_Throws()
    {
        var e = EvalError("""{ "-": [ { "var": "m" }, 1 ] }""", """{ "m": -9223372036854775808 }""");

        Assert.Equal("/-", e.Path);
        Assert.Contains("overflow", e.Message);
    }

    [Fact]
    public void Validate_ExtensionsWithWrongArity_Rejected()
    {
        Assert.NotEmpty(CertLogicCompiler.Validate(JsonNode.Parse("""{ "or": [ true ] }""")));
        Assert.NotEmpty(CertLogicCompiler.Validate(JsonNode.Parse("""{ "!==": [ 1 ] }""")));
        Assert.NotEmpty(CertLogicCompiler.Validate(JsonNode.Parse("""{ "-": [ 1, 2, 3 ] }""")));
    }

    [Fact]
    public void Validate_ExtensionsDisallowed_ReportsEachExtensionUse()
    {
        var expression = JsonNode.Parse("""{ "or": [ { "!==": [ 1, 2 ] }, { "===": [ { "-": [ 3, 1 ] }, 2 ] } ] }""");

        var problems = CertLogicCompiler.Validate(expression, allowExtensions: false);

        Assert.Equal(3, problems.Count);
        Assert.StartsWith("/or: ", problems[0]);
        Assert.StartsWith("/or/0/!==: ", problems[1]);
        Assert.StartsWith("/or/1/===/0/-: ", problems[2]);
        Assert.Empty(CertLogicCompiler.Validate(expression));
    }

    // ------------------------------------------------------------ binding

    private sealed class CountingBinder : IVarBinder<CLValue>
    {
        public List<string> Calls { get; } = new();

        public Func<CLValue, CLValue> Bind(string path)
        {
            Calls.Add(path);
            return JsonDataBinder.Instance.Bind(path);
        }
    }

    [Fact]
    public void Compile_AutoBackend_UsesExpressionTreesWhenDynamicCodeIsCompiled()
    {
        var compiled = CertLogicCompiler.Compile(JsonNode.Parse("true"));

        Assert.Equal(System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeCompiled ? CertLogicBackend.ExpressionTree : CertLogicBackend.NodeTree, compiled.Backend);
    }

    [Fact]
    public void Compile_RepeatedVarPath_BinderCalledOncePerDistinctPath()
    {
        var binder = new CountingBinder();

        var compiled = CertLogicCompiler.Compile(JsonNode.Parse("""
            { "and": [ { "var": "a" }, { "var": "b" }, { "===": [ { "var": "a" }, 1 ] },
                       { "reduce": [ { "var": "xs" }, { "var": "current" }, { "var": "a" } ] } ] }
            """), binder);

        Assert.Equal(new[] { "a", "b", "xs" }, binder.Calls);
        Assert.Equal(new[] { "a", "b", "xs" }, compiled.DataPaths);
    }

    [Fact]
    public void Compile_BinderRejectsPath_ThrowsWithExpressionPath()
    {
        var binder = new MappedVarBinder<int>().MapInteger("known", x => x);

        var e = Assert.Throws<CertLogicException>(() => CertLogicCompiler.Compile(JsonNode.Parse("""{ "and": [ { "var": "known" }, { "var": "unknown.x" } ] }"""), binder));

        Assert.Equal("/and/1/var", e.Path);
        Assert.Contains("unknown.x", e.Message);
    }

    private sealed record Person(string Name, long Age, CLValue Payload);

    [Fact]
    public void MappedVarBinder_PrefixMapping_DrillsIntoMappedValue()
    {
        var binder = new MappedVarBinder<Person>()
            .MapString("name", p => p.Name)
            .MapInteger("age", p => p.Age)
            .Map("payload", p => p.Payload);
        var compiled = CertLogicCompiler.Compile(JsonNode.Parse("""
            [ { "var": "name" }, { "var": "age" }, { "var": "payload.v.0.dn" }, { "var": "payload.missing" } ]
            """), binder);

        var result = compiled.Evaluate(new Person("Ann", 42, CLValue.ParseJson("""{ "v": [ { "dn": 2 } ] }""")));

        Assert.Equal(CLValue.ParseJson("""[ "Ann", 42, 2, null ]"""), result);
    }

    // ------------------------------------------------------------ allocation-free hot path

    private sealed class Facts
    {
        public bool Fever { get; init; }
        public long Temp10 { get; init; }
        public CLValue Lists { get; init; }
    }

    [Theory]
    [InlineData(CertLogicBackend.NodeTree)]
    [InlineData(CertLogicBackend.ExpressionTree)]
    public void EvaluateTruthy_TypedRulesOnCachedValues_DoesNotAllocate(CertLogicBackend backend)
    {
        var binder = new MappedVarBinder<Facts>()
            .MapBoolean("fever", f => f.Fever)
            .MapInteger("temp", f => f.Temp10)
            .Map("lists", f => f.Lists);
        var rules = new[]
        {
            """{ "in": [ "close_contact", { "var": "lists" } ] }""",
            """{ "or": [ { "var": "fever" }, { ">=": [ { "var": "temp" }, 373 ] } ] }""",
            """{ "and": [ { "!": [ { "var": "fever" } ] }, { "<=": [ 355, { "var": "temp" }, 372 ] }, { "!==": [ { "var": "temp" }, 0 ] } ] }""",
            """{ "if": [ { "var": "lists" }, { "in": [ "x", ["a","b","c","d","e","f","g","h","x"] ] }, false ] }""",
        }.Select(r => CertLogicCompiler.Compile(JsonNode.Parse(r), binder, backend)).ToArray();
        var facts = new Facts { Fever = false, Temp10 = 365, Lists = CLValue.FromStrings(new[] { "a", "close_contact" }) };
        foreach (var rule in rules)
        {
            rule.EvaluateTruthy(facts);
            rule.Evaluate(facts);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int truthy = 0;
        for (int i = 0; i < 1000; i++)
        {
            foreach (var rule in rules)
            {
                truthy += rule.EvaluateTruthy(facts) ? 1 : 0;
                truthy += rule.Evaluate(facts).IsTruthy ? 1 : 0;
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(6000, truthy);
        Assert.Equal(0, allocated);
    }
}
