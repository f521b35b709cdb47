using System.Globalization;
using CityBrain.Domain.Common;

namespace CityBrain.Domain.Resumption;

/// <summary>
/// Reads a meter CSV into a <see cref="MeterBatch"/>: a header row, then <c>enterprise_id,date,kwh</c> (a day's total)
/// or <c>enterprise_id,time,kwh</c> (the kWh of an interval starting at that time; summed per day), columns in any
/// order. Dates are yyyy-MM-dd; times ISO 8601, in the city's local time unless they carry an offset. Written for
/// files of millions of rows: one string per line, fields as spans, pooled buffers, stretches of lines parsed on every
/// core. A quoted field may hold commas but not a line break (every row is one line, so its line number is exact).
/// </summary>
public static class MeterFile
{
    private static readonly string[] Required = ["enterprise_id", "kwh"];

    /// <summary>Thrown for a file that cannot be read at all (a bad header).</summary>
    public sealed class HeaderException(string message) : Exception(message);

    private sealed record Columns(int Id, int Date, int Time, int Kwh);

    /// <summary>
    /// Reads the whole file into <paramref name="batch"/>. One thread reads lines; the parsing of each stretch of
    /// lines is spread over the cores, and the stretches are added in file order.
    /// </summary>
    public static void Read(TextReader reader, MeterBatch batch, CityCalendar calendar, DateOnly today)
    {
        var header = CsvStretches.ReadHeader(reader, out var lineNo, out var unterminated);
        if (header is null)
        {
            throw new HeaderException("the file is empty (expected a header row enterprise_id,date,kwh or enterprise_id,time,kwh)");
        }
        if (unterminated)
        {
            throw new HeaderException("header: unterminated quote");
        }
        var columns = ReadHeader(header);
        var parts = new List<MeterBatch.Part?>();
        try
        {
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(CsvStretches.Read(reader, lineNo), System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering),
            CsvStretches.Parallelism(), stretch =>
            {
                var part = batch.NewPart(stretch.Count);
                ReadStretch(stretch, columns, part, calendar, today);
                stretch.Return();
                lock (parts)
                {
                    while (parts.Count <= stretch.Index)
                    {
                        parts.Add(null);
                    }
                    parts[stretch.Index] = part;
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions is [CsvStretches.LineTooLongException tooLong])
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(tooLong);
        }
        batch.Append(parts.Select(p => p!).ToList());
    }

    private static Columns ReadHeader(string[] fields)
    {
        var header = Csv.Header(fields, Required, out var error);
        if (error is not null)
        {
            throw new HeaderException(error + " (expected enterprise_id,date,kwh or enterprise_id,time,kwh)");
        }
        var columns = new Columns(header["enterprise_id"], header.GetValueOrDefault("date", -1), header.GetValueOrDefault("time", -1), header["kwh"]);
        if (columns.Date < 0 && columns.Time < 0)
        {
            throw new HeaderException("header is missing column(s): date or time (expected enterprise_id,date,kwh or enterprise_id,time,kwh)");
        }
        if (Math.Max(Math.Max(columns.Id, columns.Kwh), Math.Max(columns.Date, columns.Time)) >= CsvStretches.MaxColumns)
        {
            throw new HeaderException($"header: the needed columns must be among the first {CsvStretches.MaxColumns}");
        }
        return columns;
    }

    private static void ReadStretch(CsvStretches.Stretch stretch, Columns col, MeterBatch.Part part, CityCalendar calendar, DateOnly today)
    {
        var rows = new CsvStretches.Rows(stretch, stackalloc Range[CsvStretches.MaxColumns], []);
        while (rows.MoveNext())
        {
            if (rows.Unterminated)
            {
                part.Reject(rows.Line, "line", "unterminated quote (a field cannot span lines)");
                continue;
            }
            ReadRow(part, rows.Line, rows[col.Id], rows[col.Date], rows[col.Time], rows[col.Kwh], calendar, today);
        }
    }

    private static void ReadRow(MeterBatch.Part part, int line, ReadOnlySpan<char> id, ReadOnlySpan<char> date, ReadOnlySpan<char> time,
        ReadOnlySpan<char> kwhText, CityCalendar calendar, DateOnly today)
    {
        if (!part.TryFind(id, out var enterprise))
        {
            part.Reject(line, "enterprise_id", id.IsEmpty ? "is required" : $"'{id}' is not in the register (import enterprises first)");
            return;
        }
        int day;
        var second = MeterBatch.Daily;
        if (!date.IsEmpty && !time.IsEmpty)
        {
            part.Reject(line, "date", "give a date (a day's total) or a time (an interval), not both");
            return;
        }
        if (!date.IsEmpty)
        {
            if (!TryParseDate(date, out var d))
            {
                part.Reject(line, "date", $"'{date}' is not a date yyyy-MM-dd");
                return;
            }
            day = d.DayNumber;
        }
        else if (!time.IsEmpty)
        {
            if (!TryParseTime(time, calendar, out day, out second))
            {
                part.Reject(line, "time", $"'{time}' is not an ISO 8601 time (yyyy-MM-ddTHH:mm[:ss][offset])");
                return;
            }
        }
        else
        {
            part.Reject(line, "date", "a date or a time is required");
            return;
        }
        if (day > today.DayNumber)
        {
            part.Reject(line, second == MeterBatch.Daily ? "date" : "time", "is in the future");
            return;
        }
        if (!double.TryParse(kwhText, NumberStyles.Float, CultureInfo.InvariantCulture, out var kwh) || !double.IsFinite(kwh))
        {
            part.RejectReading(line, enterprise, day, second, "kwh", kwhText.IsEmpty ? "is required" : $"'{kwhText}' is not a number");
            return;
        }
        if (kwh < 0)
        {
            part.RejectReading(line, enterprise, day, second, "kwh", $"negative: {kwh.ToString(CultureInfo.InvariantCulture)} kWh");
            return;
        }
        part.Add(line, enterprise, day, second, kwh);
    }

    /// <summary>yyyy-MM-dd, by hand: this runs once a row.</summary>
    public static bool TryParseDate(ReadOnlySpan<char> s, out DateOnly date)
    {
        date = default;
        if (s.Length != 10 || s[4] != '-' || s[7] != '-' ||
            !int.TryParse(s[..4], NumberStyles.None, CultureInfo.InvariantCulture, out var y) ||
            !int.TryParse(s.Slice(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ||
            !int.TryParse(s.Slice(8, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var d) ||
            y < 1 || m is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, m))
        {
            return false;
        }
        date = new DateOnly(y, m, d);
        return true;
    }

    private static readonly string[] LocalFormats = ["yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"];

    /// <summary>The local day and second of the day of an interval's start time.</summary>
    public static bool TryParseTime(ReadOnlySpan<char> s, CityCalendar calendar, out int day, out int second)
    {
        day = second = 0;
        DateTime local;
        if (DateTime.TryParseExact(s, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var plain))
        {
            local = plain;
        }
        else if (s.Length > 10 && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset))
        {
            local = calendar.ToLocal(withOffset).DateTime;
        }
        else
        {
            return false;
        }
        day = DateOnly.FromDateTime(local).DayNumber;
        second = (int)(local.TimeOfDay.Ticks / TimeSpan.TicksPerSecond);
        return true;
    }
}
