using System.Text.Json;
using System.Text.Json.Nodes;
using CityBrain.Domain.HealthCodes.CertLogic;

namespace CityBrain.Domain.HealthCodes;

/// <summary>
/// One colour rule: when <see cref="When"/> holds (a CertLogic expression over the facts document) and the rule
/// has not been released, the resident's code is at least <see cref="Colour"/>.
/// </summary>
public sealed record Rule(
    string Id,
    Colour Colour,
    JsonNode When,
    string Reason,
    string? ReasonZh,
    Release? Release);

/// <summary>
/// When a rule stops applying although its condition still holds: after <see cref="NormalCheckins"/> consecutive
/// normal daily check-ins, or <see cref="Days"/> days, counted from the day given by the days-since fact
/// <see cref="After"/> (for example "list_days.close_contact"). Whichever comes first.
/// </summary>
public sealed record Release(int? NormalCheckins, int? Days, string? After);

public sealed class RuleSetException(IReadOnlyList<string> errors)
    : Exception("invalid rule set: " + string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>An ordered, compiled rule set. Compiled once; evaluating it allocates nothing per resident.</summary>
public sealed class RuleSet
{
    public const int MaxRules = 62;

    private readonly CompiledRule[] _compiled;

    public string Name { get; }
    public string Description { get; }
    public IReadOnlyList<Rule> Rules { get; }

    /// <summary>SHA-256 of the canonical rule text: which rules produced a code.</summary>
    public string Fingerprint { get; }

    private RuleSet(string name, string description, IReadOnlyList<Rule> rules, CompiledRule[] compiled, string fingerprint)
    {
        Name = name;
        Description = description;
        Rules = rules;
        _compiled = compiled;
        Fingerprint = fingerprint;
    }

    internal ReadOnlySpan<CompiledRule> Compiled => _compiled;

    public Rule? Find(string id) => Rules.FirstOrDefault(r => r.Id == id);

    public static RuleSet Parse(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new RuleSetException([$"not valid JSON: {e.Message}"]);
        }
        return FromJson(root);
    }

    public static RuleSet FromJson(JsonNode? root)
    {
        var errors = new List<string>();
        if (root is not JsonObject obj)
        {
            throw new RuleSetException(["the rule set must be a JSON object with \"name\" and \"rules\""]);
        }
        var name = Str(obj, "name") ?? "unnamed";
        var description = Str(obj, "description") ?? "";
        if (obj["name"] is not null && Str(obj, "name") is null)
        {
            errors.Add("name: must be a string");
        }
        if (obj["description"] is not null && Str(obj, "description") is null)
        {
            errors.Add("description: must be a string");
        }
        if (obj["rules"] is not JsonArray array || array.Count == 0)
        {
            throw new RuleSetException(["\"rules\" must be a non-empty array"]);
        }
        if (array.Count > MaxRules)
        {
            errors.Add($"at most {MaxRules} rules are supported, found {array.Count}");
        }
        var rules = new List<Rule>();
        var compiled = new List<CompiledRule>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var at = $"rules[{i}]";
            if (array[i] is not JsonObject r)
            {
                errors.Add($"{at}: must be an object");
                continue;
            }
            var id = Str(r, "id");
            if (id is null || id.Length == 0 || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                errors.Add($"{at}.id: required, lower-case letters, digits and _ only");
                id = $"rule{i}";
            }
            else if (!ids.Add(id))
            {
                errors.Add($"{at}.id: '{id}' is used twice");
            }
            at = $"rules[{i}] ({id})";
            if (!Colours.TryParse(Str(r, "colour") ?? Str(r, "color"), out var colour))
            {
                errors.Add($"{at}.colour: must be green, yellow or red");
            }
            var reason = Str(r, "reason");
            if (string.IsNullOrWhiteSpace(reason))
            {
                errors.Add($"{at}.reason: required (the plain words the resident sees)");
                reason = id;
            }
            var when = r["when"];
            CompiledExpression<HealthFacts>? expr = null;
            if (when is null)
            {
                errors.Add($"{at}.when: required (a CertLogic expression)");
            }
            else
            {
                try
                {
                    expr = CertLogicCompiler.Compile(when, FactsBinder.Instance);
                }
                catch (CertLogicException e)
                {
                    errors.Add($"{at}.when: {e.Message}");
                }
            }
            Release? release = null;
            Func<HealthFacts, int?>? after = null;
            if (r["release"] is JsonObject rel)
            {
                var checkins = Int(rel, "normal_checkins", errors, $"{at}.release");
                var days = Int(rel, "days", errors, $"{at}.release");
                var afterPath = Str(rel, "after");
                if (checkins is null && days is null)
                {
                    errors.Add($"{at}.release: give normal_checkins, days or both");
                }
                if (days is not null && afterPath is null)
                {
                    errors.Add($"{at}.release.after: required with days (the days-since fact to count from)");
                }
                if (afterPath is not null)
                {
                    try
                    {
                        after = FactsBinder.Instance.BindDays(afterPath);
                    }
                    catch (CertLogicException e)
                    {
                        errors.Add($"{at}.release.after: {e.Message}");
                    }
                }
                release = new Release(checkins, days, afterPath);
            }
            else if (r["release"] is not null)
            {
                errors.Add($"{at}.release: must be an object");
            }
            rules.Add(new Rule(id, colour, when?.DeepClone() ?? JsonValue.Create(false)!, reason!, Str(r, "reason_zh"), release));
            if (expr is not null)
            {
                compiled.Add(new CompiledRule(id, colour, expr, release?.NormalCheckins, release?.Days, after));
            }
        }
        if (errors.Count > 0)
        {
            throw new RuleSetException(errors);
        }
        var canonical = JsonSerializer.Serialize(root);
        var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)))[..16];
        return new RuleSet(name, description, rules, [.. compiled], fingerprint);
    }

    private static string? Str(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? Int(JsonObject o, string key, List<string> errors, string at)
    {
        if (o[key] is null)
        {
            return null;
        }
        if (o[key] is JsonValue v && v.TryGetValue<int>(out var i) && i is > 0 and <= 366)
        {
            return i;
        }
        errors.Add($"{at}.{key}: must be a whole number of days from 1 to 366");
        return null;
    }

    /// <summary>Rule ids named by a mask from <see cref="HealthCodeEngine.Evaluate"/>.</summary>
    public IEnumerable<Rule> RulesIn(ulong mask)
    {
        for (var i = 0; i < Rules.Count; i++)
        {
            if ((mask & (1UL << i)) != 0)
            {
                yield return Rules[i];
            }
        }
    }

    public ulong MaskOf(IEnumerable<string> ids)
    {
        ulong mask = 0;
        foreach (var id in ids)
        {
            for (var i = 0; i < Rules.Count; i++)
            {
                if (Rules[i].Id == id)
                {
                    mask |= 1UL << i;
                }
            }
        }
        return mask;
    }
}

internal sealed record CompiledRule(
    string Id,
    Colour Colour,
    CompiledExpression<HealthFacts> When,
    int? NormalCheckins,
    int? Days,
    Func<HealthFacts, int?>? After);
