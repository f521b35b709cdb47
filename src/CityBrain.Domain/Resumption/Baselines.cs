namespace CityBrain.Domain.Resumption;

/// <summary>
/// Each enterprise's baseline: the mean of its daily kWh over the days of the baseline period that have a reading.
/// It has none (and is reported apart) with fewer than <see cref="ResumptionSettings.RequiredBaselineDays"/> such days
/// or a mean of zero. Enterprises are numbered 0..n-1 by the caller.
/// </summary>
public sealed class Baselines
{
    private readonly double[] _sum;
    private readonly int[] _days;
    private readonly int _from;
    private readonly int _to;
    private readonly int _required;

    public Baselines(int enterprises, ResumptionSettings settings)
    {
        _sum = new double[enterprises];
        _days = new int[enterprises];
        _from = settings.BaselineFrom.DayNumber;
        _to = settings.BaselineTo.DayNumber;
        _required = settings.RequiredBaselineDays;
    }

    public int Count => _sum.Length;

    public int FirstDay => _from;

    public int LastDay => _to;

    /// <summary>Adds one daily reading; days outside the baseline period are ignored.</summary>
    public void Add(int enterprise, int dayNumber, double kwh)
    {
        if (dayNumber < _from || dayNumber > _to)
        {
            return;
        }
        _sum[enterprise] += kwh;
        _days[enterprise]++;
    }

    /// <summary>Adds what another instance (another reader's share of the days) collected.</summary>
    public void Merge(Baselines other)
    {
        for (var i = 0; i < _sum.Length; i++)
        {
            _sum[i] += other._sum[i];
            _days[i] += other._days[i];
        }
    }

    /// <summary>The baseline daily mean, or NaN when the enterprise has no baseline.</summary>
    public double Mean(int enterprise) =>
        _days[enterprise] >= _required && _sum[enterprise] > 0 ? _sum[enterprise] / _days[enterprise] : double.NaN;

    public bool Has(int enterprise) => !double.IsNaN(Mean(enterprise));

    public int Days(int enterprise) => _days[enterprise];

    /// <summary>Why an enterprise has no baseline, in words; null when it has one.</summary>
    public string? Missing(int enterprise) => _days[enterprise] switch
    {
        0 => "no readings in the baseline period",
        var d when d < _required => $"readings on {d} day(s) of the baseline period; {_required} needed",
        _ when _sum[enterprise] <= 0 => "no consumption in the baseline period",
        _ => null,
    };
}
