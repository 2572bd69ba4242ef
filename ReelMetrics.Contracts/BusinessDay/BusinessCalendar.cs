namespace ReelMetrics.Contracts.BusinessDay;

/// <summary>
/// The chain's business days, defined once for every component: the chain's home time zone and cutoff (the chain's
/// "today", "this week" and "same time last week") and each theater's own zone and cutoff (which business date a
/// showtime or a sale belongs to). Built from the catalog (<c>chain</c> and <c>theaters</c> tables).
/// </summary>
/// <remarks>
/// A theater's business date: the local date, in the theater's zone, of (local time − cutoff); the cutoff is the
/// theater's own when it has one, else the chain's (default 06:00). The chain's "today" is the business date of now
/// in the chain's home zone at the chain's cutoff. A business week runs Friday to Thursday, the film-booking week of
/// cinemas (new releases open on Fridays; weekly grosses are reported Friday–Thursday).
/// </remarks>
public sealed class BusinessCalendar
{
    /// <summary>The first day of a business week.</summary>
    public const DayOfWeek WeekStartsOn = DayOfWeek.Friday;

    private readonly IReadOnlyDictionary<int, BusinessDayRule> theaters;

    /// <param name="chain">The chain's home zone and cutoff.</param>
    /// <param name="theaters">Each theater's zone and cutoff, by theater id.</param>
    public BusinessCalendar(BusinessDayRule chain, IReadOnlyDictionary<int, BusinessDayRule>? theaters = null)
    {
        Chain = chain;
        this.theaters = theaters ?? new Dictionary<int, BusinessDayRule>();
    }

    /// <summary>The chain's home zone and cutoff: what "today" means on the dashboard and in the APIs.</summary>
    public BusinessDayRule Chain { get; }

    /// <summary>A theater's zone and cutoff; the chain's for a theater the calendar does not know.</summary>
    public BusinessDayRule Theater(int theaterId) => theaters.TryGetValue(theaterId, out var rule) ? rule : Chain;

    /// <summary>The chain's business date at <paramref name="now"/>.</summary>
    public DateOnly Today(DateTimeOffset now) => Chain.DateOf(now);

    /// <summary>The chain's business day at <paramref name="now"/>, as instants.</summary>
    public BusinessDayWindow TodayWindow(DateTimeOffset now) => Chain.WindowAt(now);

    /// <summary>A theater's business date at <paramref name="now"/>.</summary>
    public DateOnly TheaterToday(int theaterId, DateTimeOffset now) => Theater(theaterId).DateOf(now);

    /// <summary>The business week (Friday–Thursday) that holds <paramref name="date"/>.</summary>
    public static BusinessWeek WeekOf(DateOnly date)
    {
        var first = date.AddDays(-(((int)date.DayOfWeek - (int)WeekStartsOn + 7) % 7));
        return new BusinessWeek(first, first.AddDays(6));
    }

    /// <summary>The chain's business week at <paramref name="now"/>: from its Friday to its Thursday, today included.</summary>
    public BusinessWeek ThisWeek(DateTimeOffset now) => WeekOf(Today(now));

    /// <summary>The chain's same time last week (see <see cref="BusinessDayRule.SameTimeLastWeek"/>).</summary>
    public DateTimeOffset SameTimeLastWeek(DateTimeOffset now) => Chain.SameTimeLastWeek(now);
}

/// <summary>A business week, <see cref="First"/> (a Friday) to <see cref="Last"/> (a Thursday), both included.</summary>
public readonly record struct BusinessWeek(DateOnly First, DateOnly Last)
{
    /// <summary>The seven business dates of the week, in order.</summary>
    public IEnumerable<DateOnly> Dates => Enumerable.Range(0, 7).Select(First.AddDays);
}
