namespace CityBrain.Domain.Resumption;

/// <summary>How figures are grouped.</summary>
public enum Level
{
    County,
    City,
    Province,
    Industry,
}

/// <summary>
/// Every day's tallies of a date range, kept per cell (one county × one sector), from which the figures of any day,
/// any division (county, city, province), any industry and the trends are summed. Built in one pass over the daily
/// readings: <see cref="Add"/> each reading once (readers may work in parallel on disjoint days).
/// </summary>
public sealed class ResumptionCube
{
    private readonly ResumptionSettings _settings;
    private readonly int[] _cellOf;
    private readonly double[] _mean;
    private readonly string[] _cellCounty;
    private readonly Sector[] _cellSector;
    private readonly Tally[] _static; // per cell: Enterprises, BaselineKwh, NoBaseline
    private readonly int[] _resumed;  // per day × cell
    private readonly int[] _readings;
    private readonly double[] _kwh;
    private readonly double _threshold;

    public ResumptionCube(IReadOnlyList<Enterprise> enterprises, Baselines baselines, ResumptionSettings settings, DateOnly first, DateOnly last)
    {
        if (baselines.Count != enterprises.Count)
        {
            throw new ArgumentException("one baseline per enterprise", nameof(baselines));
        }
        if (last < first)
        {
            throw new ArgumentException("the last day is before the first", nameof(last));
        }
        _settings = settings;
        First = first;
        Last = last;
        _threshold = settings.Threshold;
        _cellOf = new int[enterprises.Count];
        _mean = new double[enterprises.Count];
        var cells = new Dictionary<(string, Sector), int>();
        var counties = new List<string>();
        var sectors = new List<Sector>();
        var stat = new List<Tally>();
        for (var e = 0; e < enterprises.Count; e++)
        {
            var ent = enterprises[e];
            if (!cells.TryGetValue((ent.County, ent.Sector), out var cell))
            {
                cell = cells.Count;
                cells.Add((ent.County, ent.Sector), cell);
                counties.Add(ent.County);
                sectors.Add(ent.Sector);
                stat.Add(default);
            }
            _cellOf[e] = cell;
            _mean[e] = baselines.Mean(e);
            var t = stat[cell];
            if (double.IsNaN(_mean[e]))
            {
                t.NoBaseline++;
            }
            else
            {
                t.Enterprises++;
                t.BaselineKwh += _mean[e];
            }
            stat[cell] = t;
        }
        _cellCounty = [.. counties];
        _cellSector = [.. sectors];
        _static = [.. stat];
        var size = checked(Days * _static.Length);
        _resumed = new int[size];
        _readings = new int[size];
        _kwh = new double[size];
    }

    public DateOnly First { get; }

    public DateOnly Last { get; }

    public int Days => Last.DayNumber - First.DayNumber + 1;

    public ResumptionSettings Settings => _settings;

    /// <summary>One day's reading of enterprise number <paramref name="enterprise"/>; ignored outside the range or without a baseline.</summary>
    public void Add(int enterprise, int dayNumber, double kwh)
    {
        var d = dayNumber - First.DayNumber;
        var mean = _mean[enterprise];
        if (d < 0 || d >= Days || double.IsNaN(mean))
        {
            return;
        }
        var o = d * _static.Length + _cellOf[enterprise];
        _readings[o]++;
        _kwh[o] += kwh;
        if (kwh >= _threshold * mean)
        {
            _resumed[o]++;
        }
    }

    /// <summary>The figures of one day, one row per county, city, province or industry, in key order.</summary>
    public IReadOnlyList<Figure> Figures(DateOnly day, Level by, string? division = null, Sector? sector = null)
    {
        var d = DayIndex(day);
        var groups = new SortedDictionary<string, Tally[]>(StringComparer.Ordinal);
        for (var c = 0; c < _static.Length; c++)
        {
            if (!Selected(c, division, sector))
            {
                continue;
            }
            var key = by switch
            {
                Level.County => _cellCounty[c],
                Level.City => _cellCounty[c][..4],
                Level.Province => _cellCounty[c][..2],
                _ => _cellSector[c].Code(),
            };
            if (!groups.TryGetValue(key, out var parts))
            {
                groups[key] = parts = new Tally[4];
            }
            var t = CellTally(c, d);
            parts[0].Add(t);
            parts[1 + (int)_cellSector[c].ThreeIndustryOf()].Add(t);
        }
        return groups.Select(g => ResumptionIndex.Of(g.Key, g.Value[0], g.Value.AsSpan(1), _settings, structured: by != Level.Industry)).ToList();
    }

    /// <summary>The figures of everything selected (a division, an industry, or all) on one day.</summary>
    public Figure Total(DateOnly day, string? division = null, Sector? sector = null) => Total(DayIndex(day), division, sector);

    /// <summary>The total of the selection for each day from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public IReadOnlyList<(DateOnly Day, Figure Figure)> Trend(DateOnly from, DateOnly to, string? division = null, Sector? sector = null)
    {
        var list = new List<(DateOnly, Figure)>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            list.Add((day, Total(DayIndex(day), division, sector)));
        }
        return list;
    }

    public bool Covers(DateOnly day) => day >= First && day <= Last;

    private Figure Total(int d, string? division, Sector? sector)
    {
        Span<Tally> parts = stackalloc Tally[4];
        for (var c = 0; c < _static.Length; c++)
        {
            if (Selected(c, division, sector))
            {
                var t = CellTally(c, d);
                parts[0].Add(t);
                parts[1 + (int)_cellSector[c].ThreeIndustryOf()].Add(t);
            }
        }
        var key = sector is { } s ? s.Code() : division ?? "all";
        return ResumptionIndex.Of(key, parts[0], parts[1..], _settings, structured: sector is null);
    }

    private int DayIndex(DateOnly day) =>
        Covers(day) ? day.DayNumber - First.DayNumber : throw new ArgumentOutOfRangeException(nameof(day), $"{day:yyyy-MM-dd} is outside {First:yyyy-MM-dd}..{Last:yyyy-MM-dd}");

    private bool Selected(int cell, string? division, Sector? sector) =>
        (division is null || _cellCounty[cell].StartsWith(division, StringComparison.Ordinal)) && (sector is null || _cellSector[cell] == sector);

    private Tally CellTally(int cell, int d)
    {
        var t = _static[cell];
        var o = d * _static.Length + cell;
        t.Resumed = _resumed[o];
        t.Readings = _readings[o];
        t.Kwh = _kwh[o];
        return t;
    }
}
