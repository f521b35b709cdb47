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

        /// <summary>Gives the block back to the shared pool, cleared: it held personal data.</summary>
        public void Return() => System.Buffers.ArrayPool<char>.Shared.Return(block, clearArray: true);
    }

    /// <summary>
    /// Walks a stretch's lines: <see cref="Current"/> is the line, <see cref="Line"/> its number. Lines end at LF, CRLF
    /// or a lone CR (spreadsheets' "CSV (Macintosh)").
    /// </summary>
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
            var end = _rest.IndexOfAny('\r', '\n');
            if (end < 0)
            {
                Current = _rest;
                _rest = default;
            }
            else
            {
                Current = _rest[..end];
                var crlf = _rest[end] == '\r' && end + 1 < _rest.Length && _rest[end + 1] == '\n';
                _rest = _rest[(end + (crlf ? 2 : 1))..];
            }
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
    /// Walks a stretch's rows: the lines that are not blank, each split into fields (<see cref="Split"/>).
    /// <see cref="Unterminated"/> marks a line whose quote is left open: a field cannot span lines, so that row cannot be
    /// read. Fields come trimmed, and empty when missing.
    /// </summary>
    public ref struct Rows(Stretch stretch, Span<Range> ranges, List<string> quoted)
    {
        private Lines _lines = stretch.GetLines();
        private readonly Span<Range> _ranges = ranges;
        private int _count;
        private bool _isQuoted;

        /// <summary>The row's line number.</summary>
        public readonly int Line => _lines.Line;

        /// <summary>The line has a quote left open; its fields are not read.</summary>
        public bool Unterminated { get; private set; }

        public readonly int FieldCount => CsvStretches.FieldCount(_count, quoted, _isQuoted);

        public readonly ReadOnlySpan<char> this[int index] => Field(_lines.Current, _ranges, _count, quoted, _isQuoted, index);

        public bool MoveNext()
        {
            while (_lines.MoveNext())
            {
                if (!_lines.Current.IsWhiteSpace())
                {
                    Unterminated = !Split(_lines.Current, _ranges, out _count, quoted, out _isQuoted);
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>The longest line a file may have (16 Mi characters): past it the file is refused, not held in memory.</summary>
    public const int MaxLineChars = 1 << 24;

    /// <summary>Thrown for a line longer than <see cref="MaxLineChars"/>.</summary>
    public sealed class LineTooLongException(int line)
        : Exception($"line {line} is {MaxLineChars:N0} characters or longer (is this a CSV file?)")
    {
        public int Line { get; } = line;
    }

    /// <summary>
    /// The rest of the file in stretches of whole lines, in order; <paramref name="linesBefore"/> lines were read
    /// already. The reading thread only decodes and counts line breaks (vectorised); splitting the lines is left to
    /// the readers, so one thread reading does not hold up several parsing.
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
            var end = atEnd ? length : EndOfLastLine(block.AsSpan(0, length));
            pool.Return(carry, clearArray: true);
            if (end == 0 && !atEnd)
            {
                // One line longer than the block: keep it all and read on into a bigger block.
                if (length >= MaxLineChars)
                {
                    pool.Return(block, clearArray: true);
                    throw new LineTooLongException(lineNo + 1);
                }
                (carry, carried) = (block, length);
                continue;
            }
            carried = length - end;
            carry = pool.Rent(Math.Max(16, carried));
            block.AsSpan(end, carried).CopyTo(carry);
            if (end == 0)
            {
                pool.Return(block, clearArray: true);
                pool.Return(carry);
                yield break;
            }
            var lines = CountLines(block.AsSpan(0, end));
            yield return new Stretch(index++, lineNo + 1, block, end, lines);
            lineNo += lines;
        }
    }

    /// <summary>
    /// Where the last whole line of a full block ends (0: none). A CR at the very end may be the first half of a CRLF
    /// whose LF is still unread, so that line is left for the next block.
    /// </summary>
    private static int EndOfLastLine(ReadOnlySpan<char> text)
    {
        var last = text.LastIndexOfAny('\r', '\n');
        if (last == text.Length - 1 && text[last] == '\r')
        {
            last = text[..last].LastIndexOfAny('\r', '\n');
        }
        return last + 1;
    }

    /// <summary>Lines in <paramref name="text"/>, which ends at a line end or at the end of the file.</summary>
    private static int CountLines(ReadOnlySpan<char> text)
    {
        var lines = text.Count('\n');
        var cr = text.Count('\r');
        if (cr > 0)
        {
            // A CR is a line end of its own unless an LF follows it.
            var crlf = 0;
            for (var at = text.IndexOf('\r'); at >= 0;)
            {
                if (at + 1 < text.Length && text[at + 1] == '\n')
                {
                    crlf++;
                }
                var next = text[(at + 1)..].IndexOf('\r');
                at = next < 0 ? -1 : at + 1 + next;
            }
            lines += cr - crlf;
        }
        return lines + (text[^1] is '\n' or '\r' ? 0 : 1);
    }

    /// <summary>
    /// Splits one line into fields: on its commas when it has no quote and fewer fields than
    /// <paramref name="ranges"/> (nearly every line of a machine-written file), else by RFC 4180 into
    /// <paramref name="quoted"/> (then <paramref name="isQuoted"/> is true). Returns false for a quote left open.
    /// </summary>
    public static bool Split(ReadOnlySpan<char> line, Span<Range> ranges, out int count, List<string> quoted, out bool isQuoted)
    {
        isQuoted = line.Contains('"');
        if (!isQuoted)
        {
            count = line.Split(ranges, ',');
            if (count < ranges.Length)
            {
                return true;
            }
            isQuoted = true; // more fields than ranges: the last range would hold the rest of the line
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
