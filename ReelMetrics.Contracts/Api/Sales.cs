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
/// Revenue sold so far today (UTC day of the sale) against the same weekday a week earlier up to the same
/// time of day. <see cref="Ratio"/> is today's revenue over last week's, null when last week sold nothing.
/// </summary>
public sealed record SalesPace(
    DateTimeOffset AsOf, RevenueAndTickets Today, RevenueAndTickets LastWeek,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Ratio,
    IReadOnlyList<PacePoint> Series);

/// <summary>
/// Cumulative revenue at the end of a 15-minute bucket starting at <see cref="Time"/> (HH:mm, UTC);
/// <see cref="Today"/> is null for buckets that have not started yet.
/// </summary>
public sealed record PacePoint(
    string Time,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] decimal? Today,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] decimal? LastWeek);
