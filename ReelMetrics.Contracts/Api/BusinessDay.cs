namespace ReelMetrics.Contracts.Api;

/// <summary>
/// The answer of <c>GET /business-day</c>: what "today", "this week" and "same time last week" mean for the chain
/// right now (<see cref="BusinessDay.BusinessCalendar"/>). Every date of the contract that defaults to today
/// defaults to <see cref="Today"/>.
/// </summary>
/// <param name="Now">The server's clock.</param>
/// <param name="TimeZone">The chain's home time zone (IANA id): charts are drawn in its local time.</param>
/// <param name="Cutoff">Local time (HH:mm) at which a business day begins, in the chain's zone (and, unless a theater has its own, in each theater's).</param>
/// <param name="Today">The chain's business date now.</param>
/// <param name="DayStart">When today's business day began.</param>
/// <param name="DayEnd">When it ends (exclusive): 23, 24 or 25 hours after <see cref="DayStart"/>.</param>
/// <param name="ThisWeek">Today's business week, Friday to Thursday.</param>
/// <param name="SameTimeLastWeek">The instant as far into the business day a week ago as now is into today.</param>
public sealed record BusinessDayNow(
    DateTimeOffset Now, string TimeZone, string Cutoff, DateOnly Today, DateTimeOffset DayStart, DateTimeOffset DayEnd,
    BusinessWeekDates ThisWeek, DateTimeOffset SameTimeLastWeek);

/// <summary>A business week: <see cref="From"/> (Friday) to <see cref="To"/> (Thursday), and its seven dates.</summary>
public sealed record BusinessWeekDates(DateOnly From, DateOnly To, IReadOnlyList<DateOnly> Dates);
