using System.Globalization;
using CityBrain.Domain.Common;
using CityBrain.Domain.Identity;

namespace CityBrain.Domain.RiskMap;

/// <summary>A rejected row: the file (for folders), the line, the field and why.</summary>
public sealed record CaseCountProblem(string File, int Line, string Field, string Reason);

/// <summary>
/// Reads case-count files in either layout, detected from the header:
/// <list type="bullet">
/// <item>CityBrain's own: <c>date,division_code,confirmed_new,confirmed_local_new,cluster_events</c> (daily new counts;
/// the last two may be empty: then all cases are taken as local, and clusters are estimated);</item>
/// <item>the 2020 data (github canghailan/Wuhan-2019-nCoV): <c>date,country,countryCode,province,provinceCode,city,cityCode,confirmed,...</c>,
/// one file a day of cumulative counts per province and city. Rows outside China and the national total are skipped;
/// city rows without a code (未公布来源, 外地来京, 境外输入, 兵团 divisions...) cannot be mapped and are rejected with
/// their line; daily new counts are derived by <see cref="CaseCountBatch.Derive"/>.</item>
/// </list>
/// </summary>
public sealed class CaseCountBatch(DivisionCatalogue divisions)
{
    public const string ProjectHeader = "date,division_code,confirmed_new,confirmed_local_new,cluster_events";

    private readonly Dictionary<(int Day, string Division), (string File, int Line, CaseCount Count)> _daily = [];
    private readonly Dictionary<(int Day, string Division), (string File, int Line, int Cumulative)> _cumulative = [];

    public List<CaseCountProblem> Problems { get; } = [];

    /// <summary>Data rows read (not the header), skipped rows (outside China, national totals) included.</summary>
    public int Rows { get; private set; }

    /// <summary>Rows outside China or national totals: not divisions, not errors.</summary>
    public int Skipped { get; private set; }

    public int Files { get; private set; }

    public sealed class HeaderException(string message) : Exception(message);

    /// <summary>Reads one file (either layout) into the batch.</summary>
    public void Read(TextReader reader, string file)
    {
        Files++;
        Dictionary<string, int>? header = null;
        var cumulative = false;
        foreach (var rec in Csv.Read(reader))
        {
            if (header is null)
            {
                var names = rec.Fields.Select(f => f.Trim().TrimStart('\uFEFF')).ToArray();
                cumulative = names.Contains("cityCode", StringComparer.OrdinalIgnoreCase) && names.Contains("confirmed", StringComparer.OrdinalIgnoreCase);
                header = Csv.Header(rec.Fields, cumulative
                    ? ["date", "countryCode", "province", "provinceCode", "city", "cityCode", "confirmed"]
                    : ["date", "division_code", "confirmed_new"], out var error);
                if (error is not null)
                {
                    throw new HeaderException($"{file}: {error} (expected {ProjectHeader}, or the 2020 layout date,country,countryCode,province,provinceCode,city,cityCode,confirmed,...)");
                }
                continue;
            }
            if (rec.Fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }
            Rows++;
            if (cumulative)
            {
                ReadCumulative(rec, header, file);
            }
            else
            {
                ReadDaily(rec, header, file);
            }
        }
        if (header is null)
        {
            throw new HeaderException($"{file}: the file is empty (expected the header {ProjectHeader})");
        }
    }

    private void Reject(string file, int line, string field, string reason) => Problems.Add(new CaseCountProblem(file, line, field, reason));

    private static bool TryDate(string text, out int day)
    {
        day = 0;
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return false;
        }
        day = d.DayNumber;
        return true;
    }

    private static bool TryCount(string text, out int n) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n <= 100_000_000;

    /// <summary>A province, city or county code, in its short form (330100 → 3301); null if not a known one.</summary>
    private string? Known(string raw)
    {
        var code = DivisionCode.Normalise(raw.Trim());
        return code.Length is 2 or 4 or 6 && code.All(char.IsAsciiDigit) && DivisionCode.IsValidProvince(code[..2]) && divisions.Contains(code) ? code : null;
    }

    private void ReadDaily(Csv.Record rec, Dictionary<string, int> h, string file)
    {
        var dateText = rec.Field(h, "date");
        if (!TryDate(dateText, out var day))
        {
            Reject(file, rec.Line, "date", $"'{dateText}' is not a date yyyy-MM-dd");
            return;
        }
        var raw = rec.Field(h, "division_code");
        if (Known(raw) is not { } code)
        {
            Reject(file, rec.Line, "division_code", $"unknown division code '{raw}' (a GB/T 2260 province, city or county code: 2, 4 or 6 digits)");
            return;
        }
        var newText = rec.Field(h, "confirmed_new");
        if (!TryCount(newText, out var confirmed))
        {
            Reject(file, rec.Line, "confirmed_new", $"'{newText}' is not a whole number of at least 0");
            return;
        }
        int? local = null;
        var localText = rec.Field(h, "confirmed_local_new");
        if (localText.Length > 0)
        {
            if (!TryCount(localText, out var l) || l > confirmed)
            {
                Reject(file, rec.Line, "confirmed_local_new", $"'{localText}' is not a whole number from 0 to confirmed_new ({confirmed})");
                return;
            }
            local = l;
        }
        int? clusters = null;
        var clusterText = rec.Field(h, "cluster_events");
        if (clusterText.Length > 0)
        {
            if (!TryCount(clusterText, out var k))
            {
                Reject(file, rec.Line, "cluster_events", $"'{clusterText}' is not a whole number of at least 0");
                return;
            }
            clusters = k;
        }
        if (_daily.TryGetValue((day, code), out var first))
        {
            Reject(file, rec.Line, "division_code", $"duplicate of line {first.Line}{(first.File == file ? "" : " of " + first.File)}: {code} on {dateText} twice");
            return;
        }
        _daily[(day, code)] = (file, rec.Line, new CaseCount(code, day, confirmed, local, clusters));
    }

    private void ReadCumulative(Csv.Record rec, Dictionary<string, int> h, string file)
    {
        if (!string.Equals(rec.Field(h, "countryCode"), "CN", StringComparison.OrdinalIgnoreCase) || rec.Field(h, "provinceCode").Length == 0)
        {
            Skipped++; // another country, or China's national total: not a division
            return;
        }
        var dateText = rec.Field(h, "date");
        if (!TryDate(dateText, out var day))
        {
            Reject(file, rec.Line, "date", $"'{dateText}' is not a date yyyy-MM-dd");
            return;
        }
        var city = rec.Field(h, "city");
        var cityCode = rec.Field(h, "cityCode");
        string? code;
        if (city.Length == 0)
        {
            var raw = rec.Field(h, "provinceCode");
            if ((code = Known(raw)) is null)
            {
                Reject(file, rec.Line, "provinceCode", $"unknown division code '{raw}' ({rec.Field(h, "province")})");
                return;
            }
        }
        else if (cityCode.Length == 0)
        {
            Reject(file, rec.Line, "cityCode", $"'{city}' ({rec.Field(h, "province")}) has no division code: cannot be mapped to a GB/T 2260 division");
            return;
        }
        else if ((code = Known(cityCode)) is null)
        {
            Reject(file, rec.Line, "cityCode", $"unknown division code '{cityCode}' ({rec.Field(h, "province")} {city})");
            return;
        }
        var confirmedText = rec.Field(h, "confirmed");
        if (!TryCount(confirmedText, out var confirmed))
        {
            Reject(file, rec.Line, "confirmed", $"'{confirmedText}' is not a whole number of at least 0");
            return;
        }
        if (_cumulative.TryGetValue((day, code), out var first))
        {
            Reject(file, rec.Line, "cityCode", $"duplicate of line {first.Line}{(first.File == file ? "" : " of " + first.File)}: {code} on {dateText} twice");
            return;
        }
        _cumulative[(day, code)] = (file, rec.Line, confirmed);
    }

    /// <summary>Whether a derived row came from a daily (CityBrain layout) row.</summary>
    public bool IsDaily(CaseCount row) => _daily.ContainsKey((row.Day, row.Division));

    /// <summary>Accepted rows so far (daily rows, and cumulative rows before they are derived).</summary>
    public int Accepted => _daily.Count + _cumulative.Count;

    /// <summary>
    /// The daily counts to store. Cumulative rows become daily new counts: each division's cumulative count minus its
    /// previous one (from this batch, else <paramref name="storedTotalBefore"/>: the stored total before that day), no
    /// local split and no cluster counts (assumed all local; clusters estimated when grading). A division absent from
    /// a day's file is unchanged that day. A fall in a cumulative count (a correction) is a negative new count, so the
    /// running total stays the published one. A division in both layouts on one day: the daily row wins, the
    /// cumulative one is rejected.
    /// </summary>
    public List<CaseCount> Derive(Func<string, int, int> storedTotalBefore)
    {
        var result = _daily.Values.Select(v => v.Count).ToList();
        foreach (var group in _cumulative.GroupBy(kv => kv.Key.Division))
        {
            int? previous = null;
            foreach (var (key, value) in group.OrderBy(kv => kv.Key.Day))
            {
                if (_daily.TryGetValue(key, out var d))
                {
                    Reject(value.File, value.Line, "cityCode", $"{key.Division} on {DateOnly.FromDayNumber(key.Day):yyyy-MM-dd} is also in {d.File} line {d.Line} as a daily count");
                    continue;
                }
                var before = previous ?? storedTotalBefore(key.Division, key.Day);
                result.Add(new CaseCount(key.Division, key.Day, value.Cumulative - before, null, null));
                previous = value.Cumulative;
            }
        }
        return result;
    }
}
