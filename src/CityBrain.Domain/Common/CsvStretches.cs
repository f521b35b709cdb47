namespace CityBrain.Domain.Common;

/// <summary>
/// A big CSV file cut into stretches of lines so that several cores can parse it: one thread reads the lines (one
/// string each), and each stretch is parsed whole by one reader with fields as spans. A quoted field may hold commas
/// but not a line break, so every row is one line and its line number is exact. Used by the imports of millions of
/// rows (meter readings, check-ins).
/// </summary>
public static class CsvStretches
{
    /// <summary>Characters in a stretch (about 18,000 check-in rows): big enough that handing one over costs nothing,
    /// small enough to spread evenly over the readers.</summary>
    public const int BlockChars = 1 << 20;

    /// <summary>The most columns a row may have for its fields to be found on the fast path.</summary>
    public const int MaxColumns = 64;

    /// <summary>
    /// Whole lines of the file in a pooled block of characters: <see cref="Count"/> lines from <see cref="FirstLine"/>.
    /// Hand it back with <see cref="Return"/>.
    /// </summary>
    public sealed class Stretch(int index, int firstLine, char[] block, int length, int count)
    {
        /// <summary>The stretch's place in the file (0, 1, …).</summary>
        public int Index { get; } = index;

        /// <summary>The line number of the first line (1-based, counting the header).</summary>
        public int FirstLine { get; } = firstLine;

        /// <summary>Lines in the stretch (blank ones included).</summary>
        public int Count { get; } = count;

        /// <summary>The lines, each without its line break.</summary>
        public Lines GetLines() => new(block.AsSpan(0, length), FirstLine);

        public void Return() => System.Buffers.ArrayPool<char>.Shared.Return(block);
    }

    /// <summary>Walks a stretch's lines: <see cref="Current"/> is the line, <see cref="Line"/> its number.</summary>
    public ref struct Lines(ReadOnlySpan<char> text, int firstLine)
    {
        private ReadOnlySpan<char> _rest = text;

        public ReadOnlySpan<char> Current { get; private set; }

        public int Line { get; private set; } = firstLine - 1;

        public bool MoveNext()
        {
            if (_rest.IsEmpty)
            {
                return false;
            }
            var end = _rest.IndexOf('\n');
            var line = end < 0 ? _rest : _rest[..end];
            _rest = end < 0 ? default : _rest[(end + 1)..];
            Current = line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;
            Line++;
            return true;
        }
    }

    /// <summary>The readers for <see cref="Read"/>: one per core, at most four.</summary>
    public static ParallelOptions Parallelism(CancellationToken ct = default) =>
        new() { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 4), CancellationToken = ct };

    /// <summary>
    /// The header: the first line that is not blank, split into fields (quotes allowed); null for an empty file.
    /// <paramref name="lineNo"/> is its line number.
    /// </summary>
    public static string[]? ReadHeader(TextReader reader, out int lineNo, out bool unterminated)
    {
        lineNo = 0;
        unterminated = false;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var fields = new List<string>();
            unterminated = !Csv.TrySplitQuoted(line, fields);
            return [.. fields];
        }
        return null;
    }

    /// <summary>
    /// The rest of the file in stretches of whole lines, in order; <paramref name="linesBefore"/> lines were read
    /// already. The reading thread only decodes and counts line breaks (both vectorised); splitting the lines is left
    /// to the readers, so one thread reading does not hold up several parsing. Lines end at LF or CRLF.
    /// </summary>
    public static IEnumerable<Stretch> Read(TextReader reader, int linesBefore, int blockChars = BlockChars)
    {
        var pool = System.Buffers.ArrayPool<char>.Shared;
        var carry = pool.Rent(16);
        var carried = 0;
        var index = 0;
        var lineNo = linesBefore;
        while (true)
        {
            var block = pool.Rent(Math.Max(blockChars, 2 * carried));
            carry.AsSpan(0, carried).CopyTo(block);
            var length = carried;
            int n;
            while (length < block.Length && (n = reader.Read(block, length, block.Length - length)) > 0)
            {
                length += n;
            }
            var atEnd = length < block.Length;
            var end = atEnd ? length : block.AsSpan(0, length).LastIndexOf('\n') + 1;
            if (end == 0 && !atEnd)
            {
                // One line longer than the block: keep it all and read on into a bigger block.
                pool.Return(carry);
                (carry, carried) = (block, length);
                continue;
            }
            var rest = length - end;
            if (rest > carry.Length)
            {
                pool.Return(carry);
                carry = pool.Rent(rest);
            }
            block.AsSpan(end, rest).CopyTo(carry);
            carried = rest;
            if (end == 0)
            {
                pool.Return(block);
                pool.Return(carry);
                yield break;
            }
            var lines = block.AsSpan(0, end).Count('\n') + (block[end - 1] == '\n' ? 0 : 1);
            yield return new Stretch(index++, lineNo + 1, block, end, lines);
            lineNo += lines;
        }
    }

    /// <summary>
    /// Splits one line into fields: on its commas when it has no quote (nearly every line of a machine-written file),
    /// else by RFC 4180 into <paramref name="quoted"/>. Returns false for a quote left open.
    /// </summary>
    public static bool Split(ReadOnlySpan<char> line, Span<Range> ranges, out int count, List<string> quoted, out bool isQuoted)
    {
        isQuoted = line.Contains('"');
        if (!isQuoted)
        {
            count = line.Split(ranges, ',');
            return true;
        }
        count = 0;
        return Csv.TrySplitQuoted(line.ToString(), quoted);
    }

    /// <summary>Field <paramref name="index"/> of a line split by <see cref="Split"/>, trimmed; empty when missing.</summary>
    public static ReadOnlySpan<char> Field(ReadOnlySpan<char> line, scoped ReadOnlySpan<Range> ranges, int count, List<string> quoted, bool isQuoted, int index)
    {
        if (index < 0)
        {
            return default;
        }
        if (isQuoted)
        {
            return index < quoted.Count ? quoted[index].AsSpan().Trim() : default;
        }
        return index < count ? line[ranges[index]].Trim() : default;
    }

    /// <summary>Fields in the line (for "too few columns").</summary>
    public static int FieldCount(int count, List<string> quoted, bool isQuoted) => isQuoted ? quoted.Count : count;
}
