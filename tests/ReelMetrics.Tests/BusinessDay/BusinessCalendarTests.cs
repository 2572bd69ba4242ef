using CsCheck;
using ReelMetrics.Contracts.BusinessDay;
using ReelMetrics.Database.Catalog;

namespace ReelMetrics.Tests.BusinessDay;

/// <summary>
/// The chain's business day. Expectations are written out by hand from the zones' published rules (e.g. New York:
/// EST −05:00, EDT −04:00 from 2026-03-08 02:00 to 2026-11-01 02:00), not computed by the code under test.
/// </summary>
public sealed class BusinessCalendarTests
{
    private static readonly BusinessDayRule NewYork = BusinessDayRule.For("America/New_York", new(6, 0));
    private static readonly BusinessDayRule LosAngeles = BusinessDayRule.For("America/Los_Angeles", new(6, 0));
    private static readonly BusinessDayRule Chicago = BusinessDayRule.For("America/Chicago", new(6, 0));
    private static readonly BusinessDayRule Phoenix = BusinessDayRule.For("America/Phoenix", new(6, 0));

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    [Fact]
    public void At0559TheBusinessDayIsStillYesterdayAndAt0600ItIsToday()
    {
        // 2026-06-12 (a Friday), New York on EDT (−04:00): 05:59 local = 09:59 UTC.
        Assert.Equal(new DateOnly(2026, 6, 11), NewYork.DateOf(Utc(2026, 6, 12, 9, 59)));
        Assert.Equal(new DateOnly(2026, 6, 11), NewYork.DateOf(Utc(2026, 6, 12, 9, 59, 59)));
        Assert.Equal(new DateOnly(2026, 6, 12), NewYork.DateOf(Utc(2026, 6, 12, 10, 0)));
        Assert.Equal(new DateOnly(2026, 6, 11), NewYork.DateOfLocal(new DateTime(2026, 6, 12, 5, 59, 0)));
        Assert.Equal(new DateOnly(2026, 6, 12), NewYork.DateOfLocal(new DateTime(2026, 6, 12, 6, 0, 0)));
    }

    [Fact]
    public void AMidnightScreeningBelongsToTheEveningBefore()
    {
        Assert.Equal(new DateOnly(2026, 6, 12), LosAngeles.DateOfLocal(new DateTime(2026, 6, 13, 0, 30, 0)));
        var friday = new DateOnly(2026, 6, 12);
        var midnight = SeedCatalog.ShowtimesOn(friday).Where(s => s.StartsAt.TimeOfDay == new TimeSpan(0, 30, 0)).ToList();
        Assert.NotEmpty(midnight);
        Assert.All(midnight, s => Assert.Equal(friday, s.BusinessDate));
        Assert.All(midnight, s => Assert.Equal(friday.AddDays(1), DateOnly.FromDateTime(s.StartsAt)));
        Assert.DoesNotContain(SeedCatalog.ShowtimesOn(friday.AddDays(-1)), s => s.StartsAt.Hour < 6);   // Thursday: none
    }

    [Fact]
    public void TheBusinessDayOfTheSpringForwardIs23HoursLong()
    {
        // Clocks go from 02:00 EST to 03:00 EDT on Sunday 2026-03-08: inside business date Saturday 2026-03-07.
        var day = NewYork.WindowOf(new DateOnly(2026, 3, 7));
        Assert.Equal(Utc(2026, 3, 7, 11, 0), day.Start);    // 06:00 EST
        Assert.Equal(Utc(2026, 3, 8, 10, 0), day.End);      // 06:00 EDT
        Assert.Equal(TimeSpan.FromHours(23), day.Length);
        Assert.Equal(TimeSpan.FromHours(24), NewYork.WindowOf(new DateOnly(2026, 3, 8)).Length);
        Assert.Equal(new DateOnly(2026, 3, 7), NewYork.DateOf(Utc(2026, 3, 8, 9, 59)));
        Assert.Equal(new DateOnly(2026, 3, 8), NewYork.DateOf(Utc(2026, 3, 8, 10, 0)));
    }

    [Fact]
    public void TheBusinessDayOfTheFallBackIs25HoursLong()
    {
        // Clocks go from 02:00 EDT back to 01:00 EST on Sunday 2026-11-01: inside business date Saturday 2026-10-31.
        var day = NewYork.WindowOf(new DateOnly(2026, 10, 31));
        Assert.Equal(Utc(2026, 10, 31, 10, 0), day.Start);  // 06:00 EDT
        Assert.Equal(Utc(2026, 11, 1, 11, 0), day.End);     // 06:00 EST
        Assert.Equal(TimeSpan.FromHours(25), day.Length);
        Assert.Equal(new DateOnly(2026, 10, 31), NewYork.DateOf(Utc(2026, 11, 1, 10, 59)));
        Assert.Equal(new DateOnly(2026, 11, 1), NewYork.DateOf(Utc(2026, 11, 1, 11, 0)));
    }

    [Fact]
    public void ACutoffInsideTheGapBeginsTheDayWhereTheGapEnds()
    {
        var early = BusinessDayRule.For("America/New_York", new(2, 30));
        // 02:30 does not exist on 2026-03-08: the day begins at 03:00 EDT = 07:00 UTC.
        Assert.Equal(Utc(2026, 3, 8, 7, 0), early.StartOf(new DateOnly(2026, 3, 8)));
        Assert.Equal(new DateOnly(2026, 3, 7), early.DateOf(Utc(2026, 3, 8, 6, 59)));
        Assert.Equal(new DateOnly(2026, 3, 8), early.DateOf(Utc(2026, 3, 8, 7, 0)));
    }

    [Fact]
    public void ACutoffInsideTheRepeatedHourBeginsTheDayOnItsFirstPass()
    {
        var early = BusinessDayRule.For("America/New_York", new(1, 30));
        // 01:30 happens twice on 2026-11-01: first at 05:30 UTC (EDT), again at 06:30 UTC (EST).
        Assert.Equal(Utc(2026, 11, 1, 5, 30), early.StartOf(new DateOnly(2026, 11, 1)));
        Assert.Equal(new DateOnly(2026, 11, 1), early.DateOf(Utc(2026, 11, 1, 6, 0)));   // 01:00 EST, second pass: already the new day
        Assert.Equal(new DateOnly(2026, 10, 31), early.DateOf(Utc(2026, 11, 1, 5, 29)));
    }

    [Fact]
    public void TheatersInSeveralZonesTurnTheirDayOverAtTheirOwnSixOClock()
    {
        // 2026-07-10, summer: New York −04, Chicago/Houston −05, Phoenix −07 (no DST), Los Angeles −07.
        var instant = Utc(2026, 7, 10, 12, 30);   // 08:30 NY, 07:30 Chicago, 05:30 Phoenix, 05:30 LA
        Assert.Equal(new DateOnly(2026, 7, 10), NewYork.DateOf(instant));
        Assert.Equal(new DateOnly(2026, 7, 10), Chicago.DateOf(instant));
        Assert.Equal(new DateOnly(2026, 7, 9), Phoenix.DateOf(instant));
        Assert.Equal(new DateOnly(2026, 7, 9), LosAngeles.DateOf(instant));
        Assert.Equal(Utc(2026, 7, 10, 13, 0), Phoenix.StartOf(new DateOnly(2026, 7, 10)));
        // In winter Phoenix (still −07) and Los Angeles (−08) part: 13:30 UTC is 06:30 in Phoenix, 05:30 in LA.
        Assert.Equal(new DateOnly(2026, 1, 15), Phoenix.DateOf(Utc(2026, 1, 15, 13, 30)));
        Assert.Equal(new DateOnly(2026, 1, 14), LosAngeles.DateOf(Utc(2026, 1, 15, 13, 30)));
        // Phoenix never changes clocks: every business day is 24 hours.
        Assert.Equal(TimeSpan.FromHours(24), Phoenix.WindowOf(new DateOnly(2026, 3, 7)).Length);
        Assert.Equal(TimeSpan.FromHours(24), Phoenix.WindowOf(new DateOnly(2026, 10, 31)).Length);
    }

    [Fact]
    public void ATheaterWithItsOwnCutoffKeepsIt()
    {
        var calendar = new BusinessCalendar(NewYork, new Dictionary<int, BusinessDayRule>
        {
            [1] = BusinessDayRule.For("America/Los_Angeles", new(4, 0)),
        });
        var instant = Utc(2026, 7, 10, 11, 30);   // 04:30 in LA
        Assert.Equal(new DateOnly(2026, 7, 10), calendar.TheaterToday(1, instant));
        Assert.Equal(new DateOnly(2026, 7, 10), calendar.TheaterToday(2, instant));   // unknown: the chain's (07:30 NY)
        Assert.Equal(new DateOnly(2026, 7, 9), LosAngeles.DateOf(instant));
    }

    [Fact]
    public void SameTimeLastWeekIsTheSameElapsedTimeIntoTheDayAcrossAChangeOfClocks()
    {
        // Saturday 2026-03-14 20:00 EDT (00:00 UTC on the 15th): 14 hours into the day (it began 06:00 EDT = 10:00 UTC).
        var now = Utc(2026, 3, 15, 0, 0);
        var lastWeek = NewYork.SameTimeLastWeek(now);
        // Business date 2026-03-07 began 06:00 EST = 11:00 UTC; 14 hours later is 01:00 UTC on the 8th (20:00 EST).
        Assert.Equal(Utc(2026, 3, 8, 1, 0), lastWeek);
        // Late in the 24-hour day after a 23-hour one: last week's day is over, the comparison is its whole day.
        Assert.Equal(Utc(2026, 3, 8, 10, 0), NewYork.SameTimeLastWeek(Utc(2026, 3, 15, 9, 30)));
        // 23.5 hours into the day a week after the 25-hour one: 23.5 hours into that day too (04:30 EST then, 05:30 EST now).
        Assert.Equal(Utc(2026, 10, 31, 10, 0) + TimeSpan.FromHours(23.5), NewYork.SameTimeLastWeek(Utc(2026, 11, 7, 11, 0) + TimeSpan.FromHours(23.5)));
    }

    [Fact]
    public void TheBusinessWeekRunsFridayToThursday()
    {
        var week = BusinessCalendar.WeekOf(new DateOnly(2026, 12, 2));   // a Wednesday
        Assert.Equal(new DateOnly(2026, 11, 27), week.First);
        Assert.Equal(new DateOnly(2026, 12, 3), week.Last);
        Assert.Equal(new DateOnly(2026, 12, 4), BusinessCalendar.WeekOf(new DateOnly(2026, 12, 4)).First);   // a Friday starts its own
        Assert.Equal(7, week.Dates.Distinct().Count());
        // The chain's week at 05:00 New York on Friday is still last week's: the business date is Thursday.
        var calendar = new BusinessCalendar(NewYork);
        Assert.Equal(new DateOnly(2026, 11, 27), calendar.ThisWeek(Utc(2026, 12, 4, 10, 0)).First);
        Assert.Equal(new DateOnly(2026, 12, 4), calendar.ThisWeek(Utc(2026, 12, 4, 11, 0)).First);
    }

    private static readonly string[] Zones = ["America/New_York", "America/Los_Angeles", "America/Chicago", "America/Phoenix", "America/Denver", "Europe/London", "Australia/Lord_Howe", "UTC"];

    private static readonly Gen<BusinessDayRule> Rules =
        Gen.Select(Gen.Int[0, Zones.Length - 1].Select(i => Zones[i]), Gen.Int[0, 12 * 60],
            (zone, minutes) => BusinessDayRule.For(zone, TimeOnly.FromTimeSpan(TimeSpan.FromMinutes(minutes))));

    private static readonly Gen<DateTimeOffset> Instants =
        Gen.Long[Utc(2020, 1, 1, 0).UtcTicks, Utc(2030, 12, 31, 0).UtcTicks].Select(ticks => new DateTimeOffset(ticks, TimeSpan.Zero));

    [Fact]
    public void EveryInstantLiesInTheWindowOfItsBusinessDateAndTheDaysFollowEachOther()
    {
        Gen.Select(Rules, Instants).Sample((rule, instant) =>
        {
            var day = rule.WindowAt(instant);
            return day.Contains(instant)
                && rule.WindowOf(day.Date.AddDays(1)).Start == day.End
                && day.Length >= TimeSpan.FromHours(22) && day.Length <= TimeSpan.FromHours(26)
                && rule.DateOf(day.Start) == day.Date
                && rule.DateOf(day.End.AddTicks(-1)) == day.Date;
        });
    }

    [Fact]
    public void AwayFromClockChangesTheDateIsTheLocalDateOfLocalTimeMinusTheCutoff()
    {
        Gen.Select(Rules, Instants).Sample((rule, instant) =>
        {
            var day = rule.WindowAt(instant);
            if (day.Length != TimeSpan.FromDays(1)) return true;   // the plain rule and the windows may differ only on change days
            var local = rule.LocalTime(instant);
            return rule.DateOf(instant) == DateOnly.FromDateTime(local - rule.Cutoff.ToTimeSpan());
        });
    }

    [Fact]
    public void SameTimeLastWeekIsInLastWeeksDayAndNoFurtherIntoItThanNowIsIntoToday()
    {
        Gen.Select(Rules, Instants).Sample((rule, now) =>
        {
            var today = rule.WindowAt(now);
            var lastWeek = rule.WindowOf(today.Date.AddDays(-7));
            var then = rule.SameTimeLastWeek(now);
            return then >= lastWeek.Start && then <= lastWeek.End
                && then - lastWeek.Start <= now - today.Start
                && (then == lastWeek.End || then - lastWeek.Start == now - today.Start);
        });
    }
}
