using System.Text.Json;
using System.Text.Json.Nodes;

namespace CityBrain.Domain.HealthCodes.CertLogic;

/// <summary>
/// Runs one document of the CertLogic test suite (schema <c>CertLogic-testSuite.json</c>) against this evaluator,
/// on JSON data through <see cref="JsonDataBinder"/>.
/// </summary>
/// <remarks>
/// Semantics, following the reference runners (certlogic-js <c>run-testSuite.ts</c>, certlogic-kotlin):
/// <list type="bullet">
/// <item>An assertion's own <c>certLogicExpression</c>, when the property is present (even <c>false</c>/<c>0</c>/<c>""</c>),
/// is used instead of the case's.</item>
/// <item><c>"directive": "skip"</c> on the suite, a case or an assertion skips the assertions under it (reported with
/// <see cref="AssertionResult.Skipped"/> = true and <see cref="AssertionResult.Passed"/> = true).</item>
/// <item><c>"directive": "only"</c> on a case restricts the run to the cases marked so (Mocha's <c>it.only</c>);
/// on an assertion it is ignored, as the reference runners do; on the suite it has no effect within one document.</item>
/// <item>The result is compared with <c>expected</c> by <see cref="CLValue"/> structural equality (JSON deep equality; a
/// date-time result never equals a JSON value).</item>
/// </list>
/// </remarks>
public static class CertLogicTestSuite
{
    /// <summary>The outcome of one assertion.</summary>
    /// <param name="CaseName">The test case's <c>name</c>.</param>
    /// <param name="Message">The assertion's <c>message</c>, or <c>#n</c> (1-based position) when it has none.</param>
    /// <param name="Passed">Whether the result equals <c>expected</c> (true for skipped assertions).</param>
    /// <param name="Expected">The expected value as JSON text.</param>
    /// <param name="Actual">The result as JSON text, or <c>""</c> when evaluation failed or was skipped.</param>
    /// <param name="Error">The exception message when compilation or evaluation failed, else null.</param>
    public sealed record AssertionResult(string CaseName, string Message, bool Passed, string Expected, string Actual, string? Error)
    {
        /// <summary>The suite's <c>name</c>.</summary>
        public string SuiteName { get; init; } = "";

        /// <summary>Whether the assertion was skipped by a <c>skip</c> directive (or excluded by <c>only</c>).</summary>
        public bool Skipped { get; init; }

        /// <summary>The expression that was evaluated, as JSON text.</summary>
        public string Expression { get; init; } = "";

        /// <summary>The data, as JSON text.</summary>
        public string Data { get; init; } = "";

        /// <summary>A one-line description for failure reports.</summary>
        public override string ToString() =>
            $"[{SuiteName}] {CaseName} / {Message}: {(Skipped ? "SKIPPED" : Passed ? "passed" : "FAILED")}"
            + (Passed ? "" : $" expression={Expression} data={Data} expected={Expected} actual={(Error is null ? Actual : "error: " + Error)}");
    }

    /// <summary>
    /// Runs every assertion of the test-suite document, returning one result per assertion (skipped ones included).
    /// Each assertion is compiled once and evaluated once, so the cheap-to-compile <see cref="CertLogicBackend.NodeTree"/> is used.
    /// </summary>
    public static IReadOnlyList<AssertionResult> Run(JsonNode suite) => Run(suite, CertLogicBackend.NodeTree);

    /// <summary>As <see cref="Run(JsonNode)"/>, compiling with the given back end.</summary>
    public static IReadOnlyList<AssertionResult> Run(JsonNode suite, CertLogicBackend backend)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (suite is not JsonObject suiteObject)
        {
            throw new ArgumentException("a test suite must be a JSON object", nameof(suite));
        }
        string suiteName = suiteObject["name"]?.GetValue<string>() ?? throw new ArgumentException("test suite without \"name\"", nameof(suite));
        var cases = suiteObject["cases"] as JsonArray ?? throw new ArgumentException("test suite without \"cases\" array", nameof(suite));
        bool suiteSkipped = Directive(suiteObject) == "skip";
        bool anyOnly = cases.Any(c => c is JsonObject co && Directive(co) == "only");

        var results = new List<AssertionResult>();
        foreach (var caseNode in cases)
        {
            var testCase = caseNode as JsonObject ?? throw new ArgumentException("a test case must be a JSON object", nameof(suite));
            string caseName = testCase["name"]?.GetValue<string>() ?? "";
            string? caseDirective = Directive(testCase);
            bool caseSkipped = suiteSkipped || caseDirective == "skip" || (anyOnly && caseDirective != "only");
            bool hasCaseExpression = testCase.TryGetPropertyValue("certLogicExpression", out var caseExpression);
            var assertions = testCase["assertions"] as JsonArray ?? throw new ArgumentException($"test case \"{caseName}\" without \"assertions\" array", nameof(suite));

            for (int index = 0; index < assertions.Count; index++)
            {
                var assertion = assertions[index] as JsonObject ?? throw new ArgumentException($"an assertion of \"{caseName}\" is not a JSON object", nameof(suite));
                string message = assertion["message"]?.GetValue<string>() ?? $"#{index + 1}";
                bool hasOwnExpression = assertion.TryGetPropertyValue("certLogicExpression", out var ownExpression);
                var expression = hasOwnExpression ? ownExpression : caseExpression;
                assertion.TryGetPropertyValue("data", out var data);
                assertion.TryGetPropertyValue("expected", out var expected);
                string expectedText = Text(expected);
                var common = new AssertionResult(caseName, message, true, expectedText, "", null)
                {
                    SuiteName = suiteName,
                    Expression = Text(expression),
                    Data = Text(data),
                };

                if (caseSkipped || Directive(assertion) == "skip")
                {
                    results.Add(common with { Skipped = true });
                    continue;
                }
                if (!hasOwnExpression && !hasCaseExpression)
                {
                    results.Add(common with { Passed = false, Error = "no CertLogic expression on the assertion nor on its test case" });
                    continue;
                }
                try
                {
                    var compiled = CertLogicCompiler.Compile(expression, JsonDataBinder.Instance, backend);
                    var actual = compiled.Evaluate(CLValue.FromJson(data));
                    bool passed = actual.Equals(CLValue.FromJson(expected));
                    results.Add(common with { Passed = passed, Actual = actual.ToString() });
                }
                catch (CertLogicException e)
                {
                    results.Add(common with { Passed = false, Error = e.Message });
                }
            }
        }
        return results;
    }

    private static string? Directive(JsonObject node) =>
        node["directive"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";
}
