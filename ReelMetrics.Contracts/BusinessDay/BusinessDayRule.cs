namespace ReelMetrics.Contracts.BusinessDay;

/// <summary>
/// When a business day begins at one place: a time zone (IANA id) and a cutoff hour. A business date runs from the
/// cutoff on that calendar date to the cutoff on the next, local time, so with the default 06:00 a 00:30 screening
/// belongs to the evening before. The business date of an instant is the local date of (local time − cutoff).
/// </summary>
/// <remarks>
/// Where a cutoff falls into a daylight-saving change (only a cutoff between 01:00 and 03:00 can; the default never
/// does), a business day begins at the first instant whose local time is at or after the cutoff: after a gap, the
/// end of the gap; in a repeated hour, its first pass. Every instant therefore has exactly one business date, and
/// the dates follow each other without gaps or overlaps. A business day lasts 24 hours, or 23 and 25 around the
/// changes of daylight-saving time.
/// </remarks>
public sealed class BusinessDayRule
{
    /// <summary>The cutoff a business day begins at unless the catalog says otherwise (Vista's cinema day).</summary>
    public static readonly TimeOnly DefaultCutoff = new(6, 0);

    /// <summary>The latest cutoff accepted: a business day must begin in the morning.</summary>
    public static readonly TimeOnly LatestCutoff = new(12, 0);

    public BusinessDayRule(TimeZoneInfo zone, TimeOnly cutoff)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (cutoff > LatestCutoff) throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "A business day must begin between 00:00 and 12:00.");
        Zone = zone;
        Cutoff = cutoff;
    }

    /// <summary>The rule for an IANA time zone id (e.g. <c>America/New_York</c>) and a cutoff.</summary>
    /// <exception cref="TimeZoneNotFoundException">The zone is not known to this machine.</exception>
    public static BusinessDayRule For(string timeZoneId, TimeOnly cutoff) => new(TimeZoneInfo.FindSystemTimeZoneById(timeZoneId), cutoff);

    /// <summary>The time zone, by its IANA id.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>The local time of day at which each business day begins.</summary>
    public TimeOnly Cutoff { get; }

    /// <summary>The IANA id of <see cref="Zone"/>.</summary>
    public string ZoneId => Zone.Id;

    /// <summary>The business date of an instant.</summary>
    public DateOnly DateOf(DateTimeOffset instant)
    {
        var candidate = DateOfLocal(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);
        // Only a cutoff inside a daylight-saving change can make the plain rule disagree with the windows.
        if (instant < StartOf(candidate)) return candidate.AddDays(-1);
        if (instant >= StartOf(candidate.AddDays(1))) return candidate.AddDays(1);
        return candidate;
    }

    /// <summary>The business date of a local time at this place (e.g. a showtime's start): the date of (local time − cutoff).</summary>
    public DateOnly DateOfLocal(DateTime localTime) => DateOnly.FromDateTime(localTime - Cutoff.ToTimeSpan());

    /// <summary>The instant a business date begins: its calendar date at the cutoff, local time.</summary>
    public DateTimeOffset StartOf(DateOnly date) => FirstInstantAtOrAfter(date.ToDateTime(Cutoff));

    /// <summary>The business day of a date, as the instants [start, end).</summary>
    public BusinessDayWindow WindowOf(DateOnly date) => new(date, StartOf(date), StartOf(date.AddDays(1)));

    /// <summary>The business day an instant falls in.</summary>
    public BusinessDayWindow WindowAt(DateTimeOffset instant) => WindowOf(DateOf(instant));

    /// <summary>
    /// The same time last week: the instant as far into the business day a week before (date − 7) as
    /// <paramref name="instant"/> is into its own, measured in elapsed time (so across a daylight-saving change the
    /// wall clock differs by an hour); the end of that day when it was shorter.
    /// </summary>
    public DateTimeOffset SameTimeLastWeek(DateTimeOffset instant)
    {
        var today = WindowAt(instant);
        var lastWeek = WindowOf(today.Date.AddDays(-7));
        var at = lastWeek.Start + (instant - today.Start);
        return at < lastWeek.End ? at : lastWeek.End;
    }

    /// <summary>The local time at this place of an instant.</summary>
    public DateTime LocalTime(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone).DateTime;

    /// <summary>The first instant whose local time is at or after <paramref name="local"/>.</summary>
    private DateTimeOffset FirstInstantAtOrAfter(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (Zone.IsAmbiguousTime(local))
        {
            // A repeated hour: its first pass, i.e. the larger offset.
            var offset = Zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset).ToUniversalTime();
        }
        if (!Zone.IsInvalidTime(local))
        {
            return new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();
        }

        // A gap (clocks moved forward): the business day begins where the gap ends. Between reading the local time
        // with the offset after the gap (too early) and with the one before it (too late), find the first instant
        // whose local time has reached it.
        var offsets = new[] { Zone.GetUtcOffset(local.AddHours(-6)), Zone.GetUtcOffset(local.AddHours(6)), Zone.BaseUtcOffset };
        var low = new DateTimeOffset(local.Ticks - offsets.Max().Ticks, TimeSpan.Zero).UtcTicks;
        var high = new DateTimeOffset(local.Ticks - offsets.Min().Ticks, TimeSpan.Zero).UtcTicks;
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            if (LocalTime(new DateTimeOffset(middle, TimeSpan.Zero)) >= local) high = middle;
            else low = middle + 1;
        }
        return new DateTimeOffset(low, TimeSpan.Zero);
    }
}

/// <summary>One business date and the instants it covers, [<see cref="Start"/>, <see cref="End"/>).</summary>
public readonly record struct BusinessDayWindow(DateOnly Date, DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>How long the day is: 24 hours, or 23 and 25 around daylight-saving changes.</summary>
    public TimeSpan Length => End - Start;

    /// <summary>Whether the instant falls in this business day.</summary>
    public bool Contains(DateTimeOffset instant) => instant >= Start && instant < End;
}
