using System.Text;

namespace CityBrain.Domain.Common;

/// <summary>A small RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF. Yields the line number of each record.</summary>
public static class Csv
{
    public readonly record struct Record(int Line, string[] Fields);

    public static IEnumerable<Record> Read(TextReader reader)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var inQuotes = false;
        var any = false;
        int ch;
        while ((ch = reader.Read()) != -1)
        {
            var c = (char)ch;
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    inQuotes = true;
                    any = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    if (any || field.Length > 0)
                    {
                        fields.Add(field.ToString());
                        yield return new Record(recordLine, [.. fields]);
                    }
                    fields.Clear();
                    field.Clear();
                    any = false;
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    any = true;
                    break;
            }
        }
        if (any || field.Length > 0)
        {
            fields.Add(field.ToString());
            yield return new Record(recordLine, [.. fields]);
        }
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
