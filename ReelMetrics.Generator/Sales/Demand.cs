namespace ReelMetrics.Generator.Sales;

/// <summary>
/// How many tickets people want, relative to a weekday afternoon (1.0): by the local time at the
/// theater, by the showtime's slot and day, and by how soon the showtime starts. Plain lookups,
/// cheap enough to recompute for every showtime of the window once a minute.
/// </summary>
public static class Demand
{
    // Sales by local hour of the day: quiet nights, a lunchtime bump, the evening peak.
    private static readonly double[] ByHour =
    [
        0.20, 0.12, 0.10, 0.10, 0.10, 0.10, 0.12, 0.18,   // 00–07
        0.25, 0.35, 0.50, 0.70, 0.85, 0.90, 0.90, 1.00,   // 08–15
        1.20, 1.60, 2.00, 2.20, 1.90, 1.40, 0.80, 0.40,   // 16–23
    ];

    // Sales by local day of the week (Sunday first): the weekend peak.
    private static readonly double[] ByDay = [1.20, 0.80, 0.95, 0.80, 0.90, 1.30, 1.50];

    /// <summary>How busy a theater is at <paramref name="localTime"/>, its own local time.</summary>
    public static double AtLocalTime(DateTime localTime) =>
        ByHour[localTime.Hour] * ByDay[(int)localTime.DayOfWeek];

    /// <summary>
    /// How much a showtime sells relative to an afternoon show: prime time most, matinees least,
    /// weekend shows more than weekday ones.
    /// </summary>
    public static double ForShowtime(DateTime localStart)
    {
        var slot = localStart.Hour switch
        {
            < 6 => 1.1,     // the midnight screening (00:30), a late show
            < 12 => 0.5,
            < 15 => 0.8,
            < 18 => 1.0,
            < 21 => 1.6,
            _ => 1.1,
        };
        var weekend = localStart.DayOfWeek is DayOfWeek.Friday or DayOfWeek.Saturday or DayOfWeek.Sunday;
        return weekend ? slot * 1.3 : slot;
    }

    /// <summary>
    /// How much a showtime sells by the time left until it starts: most tickets are bought in the
    /// last hours and days, a tail a week ahead; nothing once it has started.
    /// </summary>
    public static double ByLeadTime(TimeSpan untilStart) =>
        untilStart <= TimeSpan.Zero ? 0 : 3.0 * Math.Exp(-untilStart.TotalHours / 36.0) + 0.1;
}
