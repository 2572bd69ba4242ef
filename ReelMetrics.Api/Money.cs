namespace ReelMetrics.Api;

/// <summary>
/// Money on the wire: decimals with exactly two places, so an amount serializes the same ("12.50") whether it was
/// read from PostgreSQL (numeric), from a Redis score (double) or computed here.
/// </summary>
internal static class Money
{
    private const decimal TwoPlaces = 0.00m;

    /// <summary>Rounds to cents (half away from zero) and gives the value a scale of two.</summary>
    public static decimal Round(decimal amount) => decimal.Round(amount, 2, MidpointRounding.AwayFromZero) + TwoPlaces;

    /// <summary>A revenue stored as a Redis sorted-set score. Exact: scores hold cents well below 2^53.</summary>
    public static decimal FromScore(double score) => Round((decimal)score);
}
