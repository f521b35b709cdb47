using System.Text;

namespace CityBrain.Domain.Common;

/// <summary>A small RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF. Yields the line number of each record.</summary>
public static class Csv
{
    public readonly record struct Record(int Line, string[] Fields);

    /// <remarks>
    /// A line without a quote character (nearly every line of a machine-written file) is split on its commas directly;
    /// a line with quotes goes through the full state machine, joined with the following lines while a quoted field is
    /// still open. Lines end at LF, CRLF or a lone CR; blank lines are skipped.
    /// </remarks>
    public static IEnumerable<Record> Read(TextReader reader)
    {
        var line = 0;
        string? text;
        while ((text = reader.ReadLine()) is not null)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }
            if (!text.Contains('"', StringComparison.Ordinal))
            {
                yield return new Record(line, Split(text));
                continue;
            }
            var recordLine = line;
            var fields = new List<string>();
            while (!TrySplitQuoted(text, fields))
            {
                var next = reader.ReadLine();
                if (next is null)
                {
                    break;   // a quote left open at the end of the file: the field runs to the end, as it reads
                }
                line++;
                text += "\n" + next;
            }
            yield return new Record(recordLine, [.. fields]);
        }
    }

    private static string[] Split(string text)
    {
        var count = 1;
        foreach (var c in text)
        {
            if (c == ',')
            {
                count++;
            }
        }
        var fields = new string[count];
        var start = 0;
        for (var i = 0; i < count - 1; i++)
        {
            var comma = text.IndexOf(',', start);
            fields[i] = text[start..comma];
            start = comma + 1;
        }
        fields[count - 1] = text[start..];
        return fields;
    }

    /// <summary>Splits one record with RFC 4180 quotes ("a,b" and doubled quotes) into <paramref name="fields"/>
    /// (cleared first); false if a quoted field is still open at the end.</summary>
    public static bool TrySplitQuoted(string text, List<string> fields)
    {
        fields.Clear();
        var field = new StringBuilder();
        var inQuotes = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                {
                    inQuotes = false;
                }
                continue;
            }
            if (c == '"' && field.Length == 0)
            {
                inQuotes = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString());
        return !inQuotes;
    }

    /// <summary>Maps header names to column indexes, checking the required ones are there.</summary>
    public static Dictionary<string, int> Header(string[] header, IEnumerable<string> required, out string? error)
    {
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Length; i++)
        {
            map[header[i].Trim().TrimStart('\uFEFF')] = i;
        }
        var missing = required.Where(r => !map.ContainsKey(r)).ToList();
        error = missing.Count == 0 ? null : $"header is missing column(s): {string.Join(", ", missing)}";
        return map;
    }

    public static string Field(this Record r, Dictionary<string, int> header, string name) =>
        header.TryGetValue(name, out var i) && i < r.Fields.Length ? r.Fields[i].Trim() : "";
}
