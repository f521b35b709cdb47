using CityBrain.Domain.Common;

namespace CityBrain.Domain.HealthCodes;

/// <summary>The outcome of the rules for one resident.</summary>
/// <param name="Colour">the code's colour</param>
/// <param name="RuleMask">bit i set: rule i of the rule set decided the colour</param>
/// <param name="NextChange">when the colour can next change by itself (a release), or null</param>
/// <param name="Released">releases earned by daily check-ins, "rule@eventDay;…": once earned for an event, a release
/// sticks even if the resident later stops checking in; a new event (a new list entry, a new symptom) starts afresh</param>
public readonly record struct CodeDecision(Colour Colour, ulong RuleMask, DateTimeOffset? NextChange, string? Released = null);

/// <summary>
/// Applies a compiled rule set to facts. Pure and deterministic: the time comes in as an argument.
/// The colour is the most restrictive of the rules that hold and are not released; the reasons are those rules;
/// the next change is when the last of them releases (null if one of them never releases by itself).
/// </summary>
public sealed class HealthCodeEngine(RuleSet rules, CityCalendar calendar)
{
    public RuleSet Rules { get; } = rules;
    public CityCalendar Calendar { get; } = calendar;

    /// <summary>Bit in <see cref="CodeDecision.RuleMask"/> meaning an official set the colour by hand.</summary>
    public const ulong OverrideBit = 1UL << 63;

    public CodeDecision Evaluate(HealthFacts f)
    {
        var byRules = EvaluateRules(f);
        if (f.OverrideColour is { } ov && f.OverrideUntil > f.Now.ToUnixTimeSeconds()
            && (ov >= byRules.Colour || !HasFactsNewerThanOverride(f)))
        {
            // A colour set by hand stands, unless it is milder than the rules and something new happened after it
            // was set (a new list entry, a new symptom): a hand-set green must not hide a later confirmed case.
            return new CodeDecision(ov, OverrideBit, DateTimeOffset.FromUnixTimeSeconds(f.OverrideUntil), byRules.Released);
        }
        return byRules;
    }

    private static bool HasFactsNewerThanOverride(HealthFacts f)
    {
        if (f.OverrideSetDay == HealthFacts.NoDay)
        {
            return false;
        }
        if (f.LastAbnormalDay != HealthFacts.NoDay && f.LastAbnormalDay > f.OverrideSetDay)
        {
            return true;
        }
        for (var k = 0; k < Lists.Count; k++)
        {
            if (Lists.Has(f.Lists, (ListKind)k) && f.ListSinceDay[k] > f.OverrideSetDay)
            {
                return true;
            }
        }
        return false;
    }

    private CodeDecision EvaluateRules(HealthFacts f)
    {
        string? released = null;
        var compiled = Rules.Compiled;
        var colour = Colour.Green;
        ulong mask = 0;
        var releaseDay = int.MinValue; // latest release among the rules of the winning colour
        var neverReleases = false;
        for (var i = 0; i < compiled.Length; i++)
        {
            var rule = compiled[i];
            // A rule that fails at run time (a type error the load-time checks could not see) counts as not holding,
            // as the CertLogic specification advises, rather than stopping a whole-city recompute.
            if (!rule.When.EvaluateTruthyOrFalse(f))
            {
                continue;
            }
            var ruleRelease = int.MaxValue; // day on which this rule stops applying; MaxValue = never by itself
            if (rule.NormalCheckins is { } n || rule.Days is not null)
            {
                var since = rule.After?.Invoke(f);
                var eventDay = since is { } s ? f.Today - s : HealthFacts.NoDay;
                if (rule.NormalCheckins is { } need)
                {
                    if (ReleasedSet.Contains(f.Released, rule.Id, eventDay) || f.NormalStreakAfter(eventDay) >= need)
                    {
                        released = ReleasedSet.Add(released, rule.Id, eventDay);
                        continue;
                    }
                    var have = f.NormalStreakAfter(eventDay);
                    // Released on the day the need-th normal check-in is made, if the run goes on: the next check-in that
                    // counts is the day after the run's last one, or (no run yet) today or the day after the event.
                    var first = have > 0 ? f.StreakLastDay + 1
                        : Math.Max(f.Today, eventDay == HealthFacts.NoDay ? f.Today : eventDay + 1);
                    ruleRelease = Math.Max(first + (need - have) - 1, f.Today);
                }
                if (rule.Days is { } days && since is not null)
                {
                    if (since.Value >= days)
                    {
                        continue;
                    }
                    ruleRelease = Math.Min(ruleRelease, eventDay + days);
                }
            }
            if (rule.Colour > colour)
            {
                colour = rule.Colour;
                mask = 0;
                releaseDay = int.MinValue;
                neverReleases = false;
            }
            if (rule.Colour == colour)
            {
                mask |= 1UL << i;
                if (ruleRelease == int.MaxValue)
                {
                    neverReleases = true;
                }
                else if (ruleRelease > releaseDay)
                {
                    releaseDay = ruleRelease;
                }
            }
        }
        DateTimeOffset? next = colour == Colour.Green || neverReleases || releaseDay == int.MinValue
            ? null
            : Calendar.StartOfDay(releaseDay);
        return new CodeDecision(colour, mask, next, released);
    }
}

/// <summary>The releases a resident has earned by daily check-ins: "rule@eventDay;rule@eventDay".</summary>
public static class ReleasedSet
{
    public static bool Contains(string? set, string ruleId, int eventDay)
    {
        if (string.IsNullOrEmpty(set))
        {
            return false;
        }
        foreach (var range in set.AsSpan().Split(';'))
        {
            var part = set.AsSpan()[range];
            var at = part.IndexOf('@');
            if (at > 0 && part[..at].SequenceEqual(ruleId)
                && int.TryParse(part[(at + 1)..], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var day)
                && day == eventDay)
            {
                return true;
            }
        }
        return false;
    }

    public static string Add(string? set, string ruleId, int eventDay)
    {
        var item = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ruleId}@{eventDay}");
        return string.IsNullOrEmpty(set) ? item : set + ";" + item;
    }
}
