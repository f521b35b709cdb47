namespace CityBrain.Domain.Identity;

public static class Masking
{
    /// <summary>What a checkpoint may see of a name: the first character, the rest as stars (张三 → 张*).</summary>
    public static string Name(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.Length == 0)
        {
            return "*";
        }
        var enumerator = System.Globalization.StringInfo.GetTextElementEnumerator(trimmed);
        enumerator.MoveNext();
        var first = (string)enumerator.Current;
        var rest = 0;
        while (enumerator.MoveNext())
        {
            rest++;
        }
        return first + new string('*', Math.Max(1, rest));
    }

    /// <summary>138****5678.</summary>
    public static string Phone(string phone) =>
        phone.Length >= 8 ? string.Concat(phone.AsSpan(0, 3), new string('*', phone.Length - 7), phone.AsSpan(phone.Length - 4)) : "****";
}
