using System.Globalization;
using System.Runtime.InteropServices;

namespace CityBrain.Domain.Resumption;

/// <summary>A row of an import that was not taken, and why.</summary>
public readonly record struct RowProblem(int Line, string Field, string Reason);

/// <summary>One enterprise's kWh on one day, ready to store. <see cref="Replaces"/>: a stored value is being corrected.</summary>
public readonly record struct DailyReading(int Enterprise, int Day, double Kwh, bool Replaces = false);

/// <summary>What the batch's rules need to know.</summary>
public sealed record MeterRules
{
    /// <summary>A day's total above this many kWh is absurd for any one meter (10 GWh ≈ 420 MW all day).</summary>
    public double MaxDailyKwh { get; init; } = 10_000_000;

    /// <summary>A day's total above this multiple of the enterprise's typical day is absurd.</summary>
    public double AbsurdFactor { get; init; } = 50;

    /// <summary>Non-zero days needed to know an enterprise's typical day (the median of them).</summary>
    public int TypicalDays { get; init; } = 7;
}

/// <summary>
/// The readings of one meter file, checked before anything is stored. Rows are summed per enterprise and day; a
/// repeated row with the same value is flagged and counted once; rows that disagree (two daily totals, two values for
/// one interval, a daily total beside interval readings, an invalid interval) are flagged and the day is not stored;
/// negative values and absurd days (above <see cref="MeterRules.MaxDailyKwh"/>, or above
/// <see cref="MeterRules.AbsurdFactor"/> × the enterprise's typical day: the median of its non-zero days in this file
/// and those stored for the baseline period) are flagged, not stored. Nothing is silently summed or dropped: every row
/// is either accepted or reported with its line.
/// </summary>
/// <remarks>Enterprises are numbered by the caller (the database keys), from 0 to the register's size.</remarks>
public sealed class MeterBatch
{
    /// <summary>The second-of-day of a row that is a day's total (not an interval).</summary>
    public const int Daily = -1;

    internal struct Row
    {
        public int Line;
        public int Enterprise;
        public int Day;
        public int Second;
        public double Kwh; // NaN: an interval row with a bad value (the day cannot be complete)
    }

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _keys;
    private readonly string[] _idOf;
    private readonly List<Row> _rows = [];
    private readonly List<RowProblem> _problems = [];
    private readonly MeterRules _rules;
    private List<Total>? _totals;

    /// <summary>A day's total and where its rows are in the sorted rows: Lines of them count (repeats do not).</summary>
    private readonly record struct Total(DailyReading Reading, int Start, int Count, int Lines);

    public MeterBatch(IReadOnlyDictionary<string, int> register, MeterRules rules)
    {
        var keys = new Dictionary<string, int>(register, StringComparer.Ordinal);
        _keys = keys.GetAlternateLookup<ReadOnlySpan<char>>();
        _idOf = new string[keys.Count == 0 ? 1 : keys.Values.Max() + 1];
        foreach (var (id, key) in keys)
        {
            _idOf[key] = id;
        }
        _rules = rules;
    }

    /// <summary>Data rows read.</summary>
    public int Rows { get; private set; }

    public IReadOnlyList<RowProblem> Problems => _problems;

    public bool TryFind(ReadOnlySpan<char> id, out int enterprise) => _keys.TryGetValue(id, out enterprise);

    /// <summary>
    /// The rows of one stretch of the file, read by one thread (readers work on several stretches at once); added to
    /// the batch in file order with <see cref="Append"/>. Its buffer is rented for at most one row a line.
    /// </summary>
    public sealed class Part : IDisposable
    {
        private readonly MeterBatch _batch;
        private Row[] _readings;
        private int _count;

        internal Part(MeterBatch batch, int lines)
        {
            _batch = batch;
            _readings = System.Buffers.ArrayPool<Row>.Shared.Rent(Math.Max(1, lines));
        }

        internal readonly List<RowProblem> Problems = [];

        internal ReadOnlySpan<Row> Readings => _readings.AsSpan(0, _count);

        public int Rows { get; private set; }

        public bool TryFind(ReadOnlySpan<char> id, out int enterprise) => _batch.TryFind(id, out enterprise);

        /// <summary>A row that could not be read at all.</summary>
        public void Reject(int line, string field, string reason)
        {
            Rows++;
            Problems.Add(new RowProblem(line, field, reason));
        }

        /// <summary>A row of a known enterprise and day with a bad value: an interval row's day cannot be stored either.</summary>
        public void RejectReading(int line, int enterprise, int day, int second, string field, string reason)
        {
            Rows++;
            Problems.Add(new RowProblem(line, field, reason));
            if (second != Daily)
            {
                _readings[_count++] = new Row { Line = line, Enterprise = enterprise, Day = day, Second = second, Kwh = double.NaN };
            }
        }

        public void Add(int line, int enterprise, int day, int second, double kwh)
        {
            Rows++;
            _readings[_count++] = new Row { Line = line, Enterprise = enterprise, Day = day, Second = second, Kwh = kwh };
        }

        public void Dispose()
        {
            System.Buffers.ArrayPool<Row>.Shared.Return(_readings);
            _readings = [];
            _count = 0;
        }
    }

    /// <summary>A part for a stretch of <paramref name="lines"/> lines.</summary>
    public Part NewPart(int lines) => new(this, lines);

    /// <summary>Adds the parts' rows, in the order given (the file's), and returns their buffers.</summary>
    public void Append(IReadOnlyList<Part> parts)
    {
        _rows.Capacity = _rows.Count + parts.Sum(p => p.Readings.Length);
        foreach (var p in parts)
        {
            Rows += p.Rows;
            _rows.AddRange(p.Readings);
            _problems.AddRange(p.Problems);
            p.Dispose();
        }
    }

    private struct ByDayEnterpriseSecond : IComparer<Row>
    {
        public readonly int Compare(Row a, Row b) =>
            a.Day != b.Day ? a.Day.CompareTo(b.Day)
            : a.Enterprise != b.Enterprise ? a.Enterprise.CompareTo(b.Enterprise)
            : a.Second != b.Second ? a.Second.CompareTo(b.Second)
            : a.Line.CompareTo(b.Line);
    }

    /// <summary>
    /// Step 1: sums the rows into daily totals, flagging duplicates and conflicts. Returns the enterprises with fewer
    /// than <see cref="MeterRules.TypicalDays"/> non-zero days in the file: the caller looks up their stored baseline
    /// days for step 2.
    /// </summary>
    public IReadOnlyList<int> Sum()
    {
        var rows = CollectionsMarshal.AsSpan(_rows);
        var order = new ByDayEnterpriseSecond();
        if (!IsSorted(rows, order))
        {
            rows.Sort(order); // files that come a day at a time are in order already
        }
        _totals = new List<Total>(rows.Length);
        var start = 0;
        while (start < rows.Length)
        {
            var end = start + 1;
            while (end < rows.Length && rows[end].Day == rows[start].Day && rows[end].Enterprise == rows[start].Enterprise)
            {
                end++;
            }
            SumDay(rows[start..end], start);
            start = end;
        }
        var positive = new int[_idOf.Length];
        foreach (var t in _totals)
        {
            if (t.Reading.Kwh > 0)
            {
                positive[t.Reading.Enterprise]++;
            }
        }
        var seen = new bool[_idOf.Length];
        var shortOf = new List<int>();
        foreach (var (r, _, _, _) in _totals)
        {
            if (!seen[r.Enterprise] && positive[r.Enterprise] < _rules.TypicalDays)
            {
                shortOf.Add(r.Enterprise);
            }
            seen[r.Enterprise] = true;
        }
        return shortOf;
    }

    private string Who(int enterprise, int day) => $"{_idOf[enterprise]} on {DateOnly.FromDayNumber(day):yyyy-MM-dd}";

    private void SumDay(Span<Row> day, int start)
    {
        if (day.Length == 1)
        {
            if (!double.IsNaN(day[0].Kwh))
            {
                _totals!.Add(new Total(new DailyReading(day[0].Enterprise, day[0].Day, day[0].Kwh), start, 1, 1));
            }
            return;
        }
        var who = Who(day[0].Enterprise, day[0].Day);
        var bad = -1;
        var dailies = 0;
        foreach (var r in day)
        {
            if (double.IsNaN(r.Kwh) && bad < 0)
            {
                bad = r.Line;
            }
            if (r.Second == Daily)
            {
                dailies++;
            }
        }
        if (bad >= 0)
        {
            RejectAll(day, "kwh", $"not stored: line {bad} of {who} is invalid, so the day's total would be incomplete", skipInvalid: true);
            return;
        }
        if (dailies > 0 && dailies < day.Length)
        {
            RejectAll(day, "time", $"{who} has both a daily total and interval readings; neither is stored");
            return;
        }
        // Equal (enterprise, day, second) rows sit together: same value = a repeat, counted once; different = a conflict.
        double total = 0;
        var kept = 0;
        var repeats = new List<(int Line, int Of)>();
        for (var i = 0; i < day.Length; i++)
        {
            if (i > 0 && day[i].Second == day[i - 1].Second)
            {
                var first = i - 1;
                while (first > 0 && day[first - 1].Second == day[i].Second)
                {
                    first--;
                }
                if (day[i].Kwh != day[first].Kwh)
                {
                    var what = day[i].Second == Daily ? "daily totals" : $"values for the interval at {TimeSpan.FromSeconds(day[i].Second):hh\\:mm\\:ss}";
                    RejectAll(day, day[i].Second == Daily ? "kwh" : "time",
                        $"duplicate: {who} has different {what} (lines {day[first].Line} and {day[i].Line}); the day is not stored");
                    return;
                }
                repeats.Add((day[i].Line, day[first].Line));
                continue;
            }
            total += day[i].Kwh;
            kept++;
        }
        foreach (var (line, of) in repeats)
        {
            _problems.Add(new RowProblem(line, "enterprise_id", $"duplicate of line {of} ({who}, same value): counted once"));
        }
        _totals!.Add(new Total(new DailyReading(day[0].Enterprise, day[0].Day, total), start, day.Length, kept));
    }

    private void RejectAll(Span<Row> day, string field, string reason, bool skipInvalid = false)
    {
        foreach (var r in day)
        {
            if (!(skipInvalid && double.IsNaN(r.Kwh)))
            {
                _problems.Add(new RowProblem(r.Line, field, reason));
            }
        }
    }

    /// <summary>
    /// Step 2: flags absurd days. <paramref name="storedBaseline"/> has, for enterprises <see cref="Sum"/> returned, their
    /// stored daily kWh in the baseline period (days also in this file are taken from the file).
    /// </summary>
    public void FlagAbsurd(IReadOnlyDictionary<int, List<(int Day, double Kwh)>> storedBaseline)
    {
        var totals = _totals ?? throw new InvalidOperationException("Sum first");
        var typical = TypicalDays(totals, storedBaseline);
        var kept = 0; // days kept are moved to the front, in order
        for (var i = 0; i < totals.Count; i++)
        {
            var t = totals[i];
            var r = t.Reading;
            string? reason = null;
            if (r.Kwh > _rules.MaxDailyKwh)
            {
                reason = $"absurd: {Kwh(r.Kwh)} kWh in a day is above the cap of {Kwh(_rules.MaxDailyKwh)} kWh";
            }
            else if (!double.IsNaN(typical[r.Enterprise]) && r.Kwh > _rules.AbsurdFactor * typical[r.Enterprise])
            {
                reason = $"absurd: {Kwh(r.Kwh)} kWh is more than {_rules.AbsurdFactor.ToString(CultureInfo.InvariantCulture)} × this enterprise's typical day ({Kwh(typical[r.Enterprise])} kWh, the median of its non-zero days)";
            }
            if (reason is null)
            {
                totals[kept++] = t;
            }
            else
            {
                FlagLines(t, "kwh", $"{reason}; {Who(r.Enterprise, r.Day)} is not stored");
            }
        }
        totals.RemoveRange(kept, totals.Count - kept);
    }

    /// <summary>Each enterprise's typical day: the median of its non-zero days (in the file, and stored ones the file does not repeat).</summary>
    private double[] TypicalDays(List<Total> totals, IReadOnlyDictionary<int, List<(int Day, double Kwh)>> stored)
    {
        var all = CollectionsMarshal.AsSpan(totals);
        var extra = new Dictionary<int, List<double>>();
        if (stored.Count > 0)
        {
            var inFile = new HashSet<(int, int)>();
            foreach (ref readonly var t in all)
            {
                if (stored.ContainsKey(t.Reading.Enterprise))
                {
                    inFile.Add((t.Reading.Enterprise, t.Reading.Day));
                }
            }
            foreach (var (e, storedDays) in stored)
            {
                extra[e] = storedDays.Where(d => d.Kwh > 0 && !inFile.Contains((e, d.Day))).Select(d => d.Kwh).ToList();
            }
        }
        // The non-zero days of every enterprise side by side in one array, enterprise e's from offset[e] to offset[e + 1].
        var offset = new int[_idOf.Length + 1];
        foreach (ref readonly var t in all)
        {
            if (t.Reading.Kwh > 0)
            {
                offset[t.Reading.Enterprise + 1]++;
            }
        }
        foreach (var (e, values) in extra)
        {
            offset[e + 1] += values.Count;
        }
        for (var i = 1; i < offset.Length; i++)
        {
            offset[i] += offset[i - 1];
        }
        var days = new double[offset[^1]];
        var fill = (int[])offset.Clone();
        foreach (ref readonly var t in all)
        {
            if (t.Reading.Kwh > 0)
            {
                days[fill[t.Reading.Enterprise]++] = t.Reading.Kwh;
            }
        }
        foreach (var (e, values) in extra)
        {
            foreach (var v in values)
            {
                days[fill[e]++] = v;
            }
        }
        var typical = new double[_idOf.Length];
        for (var e = 0; e < typical.Length; e++)
        {
            var slice = days.AsSpan(offset[e], offset[e + 1] - offset[e]);
            typical[e] = slice.Length >= _rules.TypicalDays ? Median(slice) : double.NaN;
        }
        return typical;
    }

    /// <summary>
    /// Step 3: compares with what is stored for the same days (sorted by day, then enterprise). An equal value needs no
    /// write; a different one is a correction, taken only with <paramref name="replace"/>, else flagged.
    /// </summary>
    public void Reconcile(IEnumerable<DailyReading> stored, bool replace)
    {
        var totals = _totals ?? throw new InvalidOperationException("Sum first");
        var kept = 0; // days kept are moved to the front, in order
        using var s = stored.GetEnumerator();
        var has = s.MoveNext();
        for (var i = 0; i < totals.Count; i++)
        {
            var t = totals[i];
            var r = t.Reading;
            while (has && (s.Current.Day < r.Day || (s.Current.Day == r.Day && s.Current.Enterprise < r.Enterprise)))
            {
                has = s.MoveNext();
            }
            if (!has || s.Current.Day != r.Day || s.Current.Enterprise != r.Enterprise)
            {
                totals[kept++] = t;
                continue;
            }
            var old = s.Current.Kwh;
            if (Math.Abs(old - r.Kwh) <= 1e-9 * Math.Max(1, Math.Abs(old)))
            {
                Unchanged += t.Lines;
            }
            else if (replace)
            {
                totals[kept++] = t with { Reading = r with { Replaces = true } };
            }
            else
            {
                FlagLines(t, "kwh",
                    $"duplicate: {Who(r.Enterprise, r.Day)} is already stored as {Kwh(old)} kWh, this file says {Kwh(r.Kwh)}; import with replace to correct it");
            }
        }
        totals.RemoveRange(kept, totals.Count - kept);
    }

    /// <summary>Accepted rows whose day was already stored with the same value (nothing to write).</summary>
    public int Unchanged { get; private set; }

    /// <summary>The daily totals to write, by day then enterprise.</summary>
    public IEnumerable<DailyReading> Readings => (_totals ?? throw new InvalidOperationException("Sum first")).Select(t => t.Reading);

    public int ReadingCount => _totals?.Count ?? 0;

    /// <summary>Rows taken: those of the readings to write and of unchanged ones.</summary>
    public int Accepted => (_totals ?? []).Sum(t => t.Lines) + Unchanged;

    /// <summary>First and last day of the accepted readings, or null.</summary>
    public (int First, int Last)? DayRange => _totals is { Count: > 0 } t ? (t[0].Reading.Day, t[^1].Reading.Day) : null;

    /// <summary>Reports every counted line of a day (an interval day has many; repeats were reported already).</summary>
    private void FlagLines(Total t, string field, string reason)
    {
        var rows = CollectionsMarshal.AsSpan(_rows).Slice(t.Start, t.Count);
        for (var i = 0; i < rows.Length; i++)
        {
            if (i == 0 || rows[i].Second != rows[i - 1].Second)
            {
                _problems.Add(new RowProblem(rows[i].Line, field, reason));
            }
        }
    }

    private static string Kwh(double v) => v.ToString("#,0.###", CultureInfo.InvariantCulture);

    private static bool IsSorted(ReadOnlySpan<Row> rows, ByDayEnterpriseSecond order)
    {
        for (var i = 1; i < rows.Length; i++)
        {
            if (order.Compare(rows[i - 1], rows[i]) > 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The median, by selection (reorders <paramref name="values"/>): a full sort per enterprise cost twice as much.</summary>
    internal static double Median(Span<double> values)
    {
        var n = values.Length;
        var upper = Select(values, n / 2);
        if (n % 2 == 1)
        {
            return upper;
        }
        var lower = double.MinValue;
        foreach (var v in values[..(n / 2)])
        {
            lower = Math.Max(lower, v); // after selecting k, everything before k is at most values[k]
        }
        return (lower + upper) / 2;
    }

    /// <summary>Hoare's selection: the k-th smallest, with smaller values before it and larger after.</summary>
    private static double Select(Span<double> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        while (lo < hi)
        {
            var pivot = a[lo + (hi - lo) / 2];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }
                while (a[j] > pivot)
                {
                    j--;
                }
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                break;
            }
        }
        return a[k];
    }
}
