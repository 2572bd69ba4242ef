namespace ReelMetrics.Generator.Sales;

/// <summary>
/// A token bucket: each short tick, how many sales are due at a rate. Fractions carry over, so
/// 20 sales/s over 10 ms ticks is one sale every fifth tick, not zero; a stall (GC pause, a slow
/// broker) is caught up, but at most <see cref="MaxCatchUp"/>'s worth at once.
/// </summary>
public sealed class SalesPacer
{
    public static readonly TimeSpan MaxCatchUp = TimeSpan.FromSeconds(1);

    private long? lastTimestamp;
    private double tokens;

    /// <summary>Sales due at <paramref name="timestamp"/> (a <see cref="TimeProvider"/> timestamp) at <paramref name="ratePerSecond"/>.</summary>
    public long Take(long timestamp, double ratePerSecond, TimeProvider clock)
    {
        var elapsed = lastTimestamp is { } last ? clock.GetElapsedTime(last, timestamp) : TimeSpan.Zero;
        lastTimestamp = timestamp;
        return Take(elapsed, ratePerSecond);
    }

    /// <summary>Sales due after <paramref name="elapsed"/> more time at <paramref name="ratePerSecond"/>.</summary>
    public long Take(TimeSpan elapsed, double ratePerSecond)
    {
        if (elapsed > TimeSpan.Zero) tokens += ratePerSecond * elapsed.TotalSeconds;
        tokens = Math.Min(tokens, Math.Max(1, ratePerSecond * MaxCatchUp.TotalSeconds));
        var due = (long)Math.Floor(tokens);
        tokens -= due;
        return due;
    }
}
