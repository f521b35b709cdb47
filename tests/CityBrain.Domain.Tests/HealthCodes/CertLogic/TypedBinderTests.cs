using System.Text.Json.Nodes;
using CityBrain.Domain.HealthCodes.CertLogic;

namespace CityBrain.Domain.Tests.HealthCodes.CertLogic;

/// <summary>The typed fast paths (ITypedVarBinder) must give exactly the results of the generic CLValue path.</summary>
public class TypedBinderTests
{
    private sealed record Row(bool B, long N, string? S);

    /// <summary>Hides the typed interface, forcing the generic Bind path.</summary>
    private sealed class UntypedBinder<T>(IVarBinder<T> inner) : IVarBinder<T>
    {
        public Func<T, CLValue> Bind(string path) => inner.Bind(path);
    }

    private static readonly MappedVarBinder<Row> Typed = new MappedVarBinder<Row>()
        .MapBoolean("b", r => r.B)
        .MapInteger("n", r => r.N)
        .MapString("s", r => r.S);

    public static TheoryData<string> Expressions() => new(
        """{ "var": "b" }""",
        """{ "var": "n" }""",
        """{ "var": "s" }""",
        """{ "!": [ { "var": "s" } ] }""",
        """{ "!": [ { "var": "n" } ] }""",
        """{ "and": [ { "var": "b" }, { "var": "n" }, { "var": "s" } ] }""",
        """{ "or": [ { "var": "s" }, { "var": "n" }, { "var": "b" } ] }""",
        """{ "if": [ { "var": "s" }, { "var": "n" }, { "var": "b" } ] }""",
        """{ ">=": [ { "var": "n" }, 3 ] }""",
        """{ "<": [ 3, { "var": "n" } ] }""",
        """{ "<=": [ 0, { "var": "n" }, 5 ] }""",
        """{ "<": [ 0, { "var": "n" }, 5 ] }""",
        """{ "===": [ { "var": "n" }, 3 ] }""",
        """{ "===": [ 3, { "var": "n" } ] }""",
        """{ "===": [ { "var": "n" }, "3" ] }""",
        """{ "!==": [ { "var": "n" }, 0 ] }""",
        """{ "!==": [ { "var": "n" }, true ] }""",
        """{ "===": [ { "var": "s" }, "x" ] }""",
        """{ "===": [ { "var": "s" }, "" ] }""",
        """{ "===": [ { "var": "s" }, 1 ] }""",
        """{ "!==": [ { "var": "s" }, "x" ] }""",
        """{ "===": [ { "var": "b" }, true ] }""",
        """{ "in": [ { "var": "s" }, [ "x", "y" ] ] }""",
        """{ "in": [ { "var": "s" }, [ "a", "b", "c", "d", "e", "x", "", 1, [ "x" ] ] ] }""",
        """{ "in": [ { "var": "s" }, [] ] }""",
        """{ "in": [ { "var": "n" }, [ 1, 3, "5" ] ] }""",
        """{ "in": [ { "var": "b" }, [ true ] ] }""",
        """{ "+": [ { "var": "n" }, 1 ] }""",
        """{ "-": [ 1, { "var": "n" } ] }""");

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Evaluate_TypedAccessorsAndBothBackends_SameResultsAsGenericNodeTree(string expression)
    {
        var expr = JsonNode.Parse(expression);
        var untyped = CertLogicCompiler.Compile(expr, new UntypedBinder<Row>(Typed), CertLogicBackend.NodeTree);
        var variants = new[]
        {
            CertLogicCompiler.Compile(expr, Typed, CertLogicBackend.NodeTree),
            CertLogicCompiler.Compile(expr, Typed, CertLogicBackend.ExpressionTree),
            CertLogicCompiler.Compile(expr, new UntypedBinder<Row>(Typed), CertLogicBackend.ExpressionTree),
        };

        foreach (bool b in new[] { false, true })
        {
            foreach (long n in new long[] { -1, 0, 1, 3, 5, 7 })
            {
                foreach (string? s in new[] { null, "", "x", "y", "e", "z" })
                {
                    var row = new Row(b, n, s);
                    foreach (var typed in variants)
                    {
                        Assert.Equal(Outcome(() => untyped.Evaluate(row)), Outcome(() => typed.Evaluate(row)));
                        Assert.Equal(Outcome(() => CLValue.From(untyped.EvaluateTruthy(row))), Outcome(() => CLValue.From(typed.EvaluateTruthy(row))));
                    }
                }
            }
        }
    }

    private static string Outcome(Func<CLValue> f)
    {
        try
        {
            return f().ToString();
        }
        catch (CertLogicException e)
        {
            return "error " + e.Path;
        }
    }
}
