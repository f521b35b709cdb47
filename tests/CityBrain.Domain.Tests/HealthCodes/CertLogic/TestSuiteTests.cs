using System.Text.Json.Nodes;
using CityBrain.Domain.HealthCodes.CertLogic;

namespace CityBrain.Domain.Tests.HealthCodes.CertLogic;

/// <summary>Runs every assertion of every file of the official CertLogic 1.3.3 test suite (copied into testSuite/).</summary>
public class TestSuiteTests
{
    private static readonly string SuiteDirectory = RepoPaths.Data("certlogic", "testSuite");

    private static string[] FileNames() =>
        Directory.GetFiles(SuiteDirectory, "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string, CertLogicBackend> SuiteFiles()
    {
        var data = new TheoryData<string, CertLogicBackend>();
        foreach (var file in FileNames())
        {
            data.Add(file, CertLogicBackend.NodeTree);
            data.Add(file, CertLogicBackend.ExpressionTree);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SuiteFiles))]
    public void Run_OfficialSuiteFile_AllAssertionsPass(string fileName, CertLogicBackend backend)
    {
        var suite = JsonNode.Parse(File.ReadAllText(Path.Combine(SuiteDirectory, fileName)))!;
        int declared = suite["cases"]!.AsArray().Sum(c => c!["assertions"]!.AsArray().Count);

        var results = CertLogicTestSuite.Run(suite, backend);

        Assert.Equal(declared, results.Count);
        Assert.True(results.Count > 0, $"{fileName} has no assertions");
        // No assertion of the official suite is skipped (see README.md, "Test suite").
        Assert.DoesNotContain(results, r => r.Skipped);
        var failures = results.Where(r => !r.Passed).Select(r => r.ToString()).ToList();
        if (failures.Count > 0)
        {
            Assert.Fail($"{failures.Count} of {results.Count} assertions in {fileName} ({backend}) failed:\n" + string.Join("\n", failures));
        }
    }

    [Fact]
    public void Validate_EveryOfficialSuiteExpression_ValidWithoutExtensions()
    {
        var problems = new List<string>();
        int expressions = 0;
        foreach (var file in FileNames())
        {
            var suite = JsonNode.Parse(File.ReadAllText(Path.Combine(SuiteDirectory, file)))!;
            foreach (var testCase in suite["cases"]!.AsArray())
            {
                var candidates = new List<JsonNode?>();
                if (testCase!.AsObject().TryGetPropertyValue("certLogicExpression", out var caseExpression))
                {
                    candidates.Add(caseExpression);
                }
                foreach (var assertion in testCase["assertions"]!.AsArray())
                {
                    if (assertion!.AsObject().TryGetPropertyValue("certLogicExpression", out var own))
                    {
                        candidates.Add(own);
                    }
                }
                foreach (var expression in candidates)
                {
                    expressions++;
                    problems.AddRange(CertLogicCompiler.Validate(expression, allowExtensions: false).Select(p => $"{file} / {testCase["name"]}: {p}"));
                }
            }
        }

        Assert.True(expressions > 100, $"only {expressions} expressions found");
        Assert.Empty(problems);
    }

    [Fact]
    public void SuiteFiles_CopiedSuite_ContainsAllTenFiles()
    {
        var names = FileNames();
        Assert.Equal(
            new[]
            {
                "JsonLogic-testSuite.json", "and.json", "comparison.json", "detect-missing-values.json", "equality.json",
                "extractFromUCVI.json", "if.json", "in.json", "recognising-minors-with-DCC-DOB.json", "var.json",
            },
            names);
    }

    [Fact]
    public void Run_FailingAssertion_ReportsCaseNameMessageAndValues()
    {
        var suite = JsonNode.Parse("""
            { "name": "s", "cases": [ { "name": "c", "certLogicExpression": { "+": [ { "var": "x" }, 1 ] },
              "assertions": [ { "data": { "x": 1 }, "expected": 3, "message": "one plus one" },
                              { "data": { "x": "a" }, "expected": 2 } ] } ] }
            """)!;

        var results = CertLogicTestSuite.Run(suite);

        Assert.Equal(2, results.Count);
        Assert.Equal(("c", "one plus one", false, "3", "2"), (results[0].CaseName, results[0].Message, results[0].Passed, results[0].Expected, results[0].Actual));
        Assert.Null(results[0].Error);
        Assert.Equal("#2", results[1].Message);
        Assert.False(results[1].Passed);
        Assert.Contains("/+", results[1].Error);
        Assert.Contains("one plus one", results[0].ToString());
    }

    [Fact]
    public void Run_Directives_SkipAndOnlyAndAssertionExpressionHonoured()
    {
        var suite = JsonNode.Parse("""
            { "name": "s", "cases": [
              { "name": "skipped case", "directive": "skip", "certLogicExpression": true, "assertions": [ { "data": {}, "expected": false } ] },
              { "name": "plain", "certLogicExpression": true, "assertions": [
                  { "data": {}, "expected": true },
                  { "data": {}, "expected": 99, "directive": "skip" },
                  { "certLogicExpression": false, "data": {}, "expected": false } ] } ] }
            """)!;

        var results = CertLogicTestSuite.Run(suite);

        Assert.Equal(4, results.Count);
        Assert.True(results.All(r => r.Passed));
        Assert.Equal(new[] { true, false, true, false }, results.Select(r => r.Skipped));
    }

    [Fact]
    public void Run_OnlyDirectiveOnCase_RunsOnlyThatCase()
    {
        var suite = JsonNode.Parse("""
            { "name": "s", "cases": [
              { "name": "a", "certLogicExpression": 1, "assertions": [ { "data": {}, "expected": 2 } ] },
              { "name": "b", "directive": "only", "certLogicExpression": 1, "assertions": [ { "data": {}, "expected": 1 } ] } ] }
            """)!;

        var results = CertLogicTestSuite.Run(suite);

        Assert.True(results[0].Skipped);
        Assert.False(results[1].Skipped);
        Assert.True(results[1].Passed);
    }
}
