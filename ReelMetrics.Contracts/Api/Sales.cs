using System.Text.Json.Serialization;

namespace ReelMetrics.Contracts.Api;

/// <summary>Chain-wide sales over an inclusive range of business dates, and how they split by channel.</summary>
public sealed record SalesSummary(
    DateOnly From, DateOnly To, decimal Revenue, long TicketsSold, long SalesCount, decimal AverageTicketPrice,
    IReadOnlyList<ChannelSales> Channels);

/// <summary>Sales through one channel (online, box_office, kiosk).</summary>
public sealed record ChannelSales(string Channel, decimal Revenue, long TicketsSold);

/// <summary>Revenue and tickets sold over some period.</summary>
public sealed record RevenueAndTickets(decimal Revenue, long TicketsSold);

/// <summary>
/// The revenue pace of the chain's business day: the sales of today's business date (the same sales as the
/// summary's and the live totals' revenue today), cumulative by the time they were sold, up to now, against the
/// business date a week earlier up to the same elapsed time into its day. <see cref="Ratio"/> is today's revenue
/// over last week's, null when last week sold nothing. <see cref="Series"/> covers the business day in 15-minute
/// buckets of the chain's local time (<see cref="TimeZone"/>): 92, 96 or 100 of them (23, 24 or 25 hours).
/// </summary>
public sealed record SalesPace(
    DateTimeOffset AsOf, DateOnly Date, DateOnly LastWeekDate, string TimeZone, RevenueAndTickets Today, RevenueAndTickets LastWeek,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Ratio,
    IReadOnlyList<PacePoint> Series);

/// <summary>
/// Cumulative revenue at the end of a 15-minute bucket of the business day starting at <see cref="Time"/> (HH:mm,
/// the chain's local time; tickets sold before the day began count in the first bucket); last week's is the
/// bucket as far into its own day. <see cref="Today"/> is null for buckets that have not started yet.
/// </summary>
public sealed record PacePoint(
    string Time,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] decimal? Today,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] decimal? LastWeek);
