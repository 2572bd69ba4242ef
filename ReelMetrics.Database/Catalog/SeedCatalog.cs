using ReelMetrics.Contracts.BusinessDay;
using ReelMetrics.Contracts.Catalog;

namespace ReelMetrics.Database.Catalog;

/// <summary>
/// The chain ReelMetrics ships with. Ids 1–3 (theaters) and 1–6 (movies) are the original
/// system's, with the same names; the rest make a realistic chain. Everything here is
/// deterministic, so every component and test derives the same catalog.
/// </summary>
public static class SeedCatalog
{
    /// <summary>
    /// The chain's home zone is New York's: it is the chain's easternmost zone, so the chain's day turns over at
    /// 06:00 Eastern = 03:00 Pacific, after the last late show (a 00:30 midnight screening) has started in every
    /// theater and before the first matinee anywhere. A western home zone would turn the chain's day over at 09:00
    /// in New York, after the East's first sales of the new day.
    /// </summary>
    public static ChainSettings Chain { get; } = new("America/New_York", BusinessDayRule.DefaultCutoff);

    public static IReadOnlyList<Theater> Theaters { get; } =
    [
        new(1, "AMC Century City", "Los Angeles", "America/Los_Angeles"),
        new(2, "Regal LA Live", "Los Angeles", "America/Los_Angeles"),
        new(3, "Cinemark Playa Vista", "Los Angeles", "America/Los_Angeles"),
        new(4, "AMC Lincoln Square", "New York", "America/New_York"),
        new(5, "Regal Union Square", "New York", "America/New_York"),
        new(6, "Alamo Drafthouse Brooklyn", "New York", "America/New_York"),
        new(7, "AMC River East", "Chicago", "America/Chicago"),
        new(8, "Regal City North", "Chicago", "America/Chicago"),
        new(9, "Cinemark Tinseltown Houston", "Houston", "America/Chicago"),
        new(10, "AMC Dine-In Houston", "Houston", "America/Chicago"),
        new(11, "Harkins Tempe Marketplace", "Phoenix", "America/Phoenix"),
        new(12, "AMC Philadelphia Riverview", "Philadelphia", "America/New_York"),
        new(13, "Regal Alamo Quarry", "San Antonio", "America/Chicago"),
        new(14, "AMC Mission Valley", "San Diego", "America/Los_Angeles"),
        new(15, "Cinemark West Plano", "Dallas", "America/Chicago"),
        new(16, "Alamo Drafthouse South Lamar", "Austin", "America/Chicago"),
        new(17, "Regal Pinnacle", "Seattle", "America/Los_Angeles"),
        new(18, "AMC Pacific Place", "Seattle", "America/Los_Angeles"),
        new(19, "Cinemark Century San Francisco Centre", "San Francisco", "America/Los_Angeles"),
        new(20, "AMC Metreon", "San Francisco", "America/Los_Angeles"),
        new(21, "Regal Denver Pavilions", "Denver", "America/Denver"),
        new(22, "AMC Boston Common", "Boston", "America/New_York"),
        new(23, "Regal Atlantic Station", "Atlanta", "America/New_York"),
        new(24, "AMC Aventura", "Miami", "America/New_York"),
        new(25, "Cinemark Portland Eastport", "Portland", "America/Los_Angeles"),
        new(26, "AMC Southdale", "Minneapolis", "America/Chicago"),
        new(27, "Regal Galaxy Las Vegas", "Las Vegas", "America/Los_Angeles"),
        new(28, "AMC Georgetown", "Washington", "America/New_York"),
        new(29, "Cinemark Salt Lake City", "Salt Lake City", "America/Denver"),
        new(30, "Alamo Drafthouse Nashville", "Nashville", "America/Chicago"),
    ];

    public static IReadOnlyList<Movie> Movies { get; } =
    [
        new(1, "The Matrix", "Sci-Fi", "R", 136, new(1999, 3, 31), 1.4f),
        new(2, "Jurassic Park", "Adventure", "PG-13", 127, new(1993, 6, 11), 1.5f),
        new(3, "Titanic", "Drama", "PG-13", 194, new(1997, 12, 19), 1.6f),
        new(4, "The Lion King", "Animation", "G", 88, new(1994, 6, 24), 1.5f),
        new(5, "Pulp Fiction", "Crime", "R", 154, new(1994, 10, 14), 1.1f),
        new(6, "Forrest Gump", "Drama", "PG-13", 142, new(1994, 7, 6), 1.2f),
        new(7, "The Godfather", "Crime", "R", 175, new(1972, 3, 24), 0.9f),
        new(8, "Star Wars", "Sci-Fi", "PG", 121, new(1977, 5, 25), 1.7f),
        new(9, "Back to the Future", "Sci-Fi", "PG", 116, new(1985, 7, 3), 1.2f),
        new(10, "Inception", "Sci-Fi", "PG-13", 148, new(2010, 7, 16), 1.3f),
        new(11, "The Dark Knight", "Action", "PG-13", 152, new(2008, 7, 18), 1.6f),
        new(12, "Interstellar", "Sci-Fi", "PG-13", 169, new(2014, 11, 7), 1.4f),
        new(13, "Toy Story", "Animation", "G", 81, new(1995, 11, 22), 1.3f),
        new(14, "Finding Nemo", "Animation", "G", 100, new(2003, 5, 30), 1.2f),
        new(15, "Gladiator", "Action", "R", 155, new(2000, 5, 5), 1.0f),
        new(16, "The Shawshank Redemption", "Drama", "R", 142, new(1994, 9, 23), 0.8f),
        new(17, "Avatar", "Sci-Fi", "PG-13", 162, new(2009, 12, 18), 1.5f),
        new(18, "Parasite", "Thriller", "R", 132, new(2019, 5, 30), 0.9f),
        new(19, "Spirited Away", "Animation", "PG", 125, new(2001, 7, 20), 1.0f),
        new(20, "Alien", "Horror", "R", 117, new(1979, 5, 25), 0.7f),
        new(21, "Casablanca", "Romance", "PG", 102, new(1942, 11, 26), 0.5f),
        new(22, "Jaws", "Thriller", "PG", 124, new(1975, 6, 20), 0.8f),
        new(23, "E.T. the Extra-Terrestrial", "Family", "PG", 115, new(1982, 6, 11), 1.0f),
        new(24, "The Avengers", "Action", "PG-13", 143, new(2012, 5, 4), 1.6f),
        new(25, "Black Panther", "Action", "PG-13", 134, new(2018, 2, 16), 1.4f),
        new(26, "Dune", "Sci-Fi", "PG-13", 155, new(2021, 10, 22), 1.5f),
        new(27, "Oppenheimer", "Drama", "R", 180, new(2023, 7, 21), 1.6f),
        new(28, "Barbie", "Comedy", "PG-13", 114, new(2023, 7, 21), 1.7f),
        new(29, "Top Gun: Maverick", "Action", "PG-13", 130, new(2022, 5, 27), 1.6f),
        new(30, "Everything Everywhere All at Once", "Sci-Fi", "R", 139, new(2022, 3, 25), 1.1f),
        new(31, "Spider-Man: Into the Spider-Verse", "Animation", "PG", 117, new(2018, 12, 14), 1.3f),
        new(32, "Mad Max: Fury Road", "Action", "R", 120, new(2015, 5, 15), 1.1f),
        new(33, "La La Land", "Musical", "PG-13", 128, new(2016, 12, 9), 1.0f),
        new(34, "Coco", "Animation", "PG", 105, new(2017, 11, 22), 1.2f),
        new(35, "Get Out", "Horror", "R", 104, new(2017, 2, 24), 0.9f),
        new(36, "Inside Out", "Animation", "PG", 95, new(2015, 6, 19), 1.2f),
    ];

    public static IReadOnlyList<Screen> Screens { get; } = BuildScreens();

    /// <summary>Showtime start slots, local time: matinees, early evening, prime time, late show.</summary>
    public static IReadOnlyList<TimeOnly> Slots { get; } =
        [new(11, 0), new(13, 45), new(16, 30), new(19, 15), new(22, 0)];

    /// <summary>
    /// The midnight screening of Friday and Saturday nights on each theater's two premium screens: it starts at 00:30
    /// on the next calendar day and belongs to the business date of the evening before (before the cutoff).
    /// </summary>
    public static TimeOnly MidnightSlot { get; } = new(0, 30);

    /// <summary>Screens (by number within their theater) that show the midnight screening.</summary>
    public const int MidnightScreens = 2;

    /// <summary>Whether a business date has midnight screenings (Friday and Saturday nights).</summary>
    public static bool HasMidnightScreenings(DateOnly businessDate) =>
        businessDate.DayOfWeek is DayOfWeek.Friday or DayOfWeek.Saturday;

    /// <summary>The business-day rule of each theater of the seed: its zone, and its cutoff or the chain's.</summary>
    public static BusinessCalendar Calendar { get; } = Chain.Calendar(Theaters);

    private static readonly DateOnly IdEpoch = new(2020, 1, 1);

    private static List<Screen> BuildScreens()
    {
        var screens = new List<Screen>();
        foreach (var theater in Theaters)
        {
            var count = 6 + (theater.TheaterId * 7 % 11);  // 6–16 screens
            for (var n = 1; n <= count; n++)
            {
                var format = n switch
                {
                    1 when theater.TheaterId % 2 == 0 => "imax",
                    2 when theater.TheaterId % 3 != 0 => "dolby",
                    3 => "3d",
                    _ => "standard",
                };
                var capacity = 80 + ((theater.TheaterId * 31 + n * 17) % 9) * 30;  // 80–320 seats
                if (format == "imax") capacity += 100;
                screens.Add(new Screen(theater.TheaterId * 100 + n, theater.TheaterId, $"Screen {n}", capacity, format));
            }
        }
        return screens;
    }

    /// <summary>
    /// Every showtime of every screen on the business date <paramref name="date"/>: the five slots of the day and, on
    /// Friday and Saturday, the midnight screening of the premium screens (00:30 the next calendar day). Each one's
    /// business date is its theater's rule applied to its local start (<see cref="Calendar"/>).
    /// </summary>
    public static IEnumerable<Showtime> ShowtimesOn(DateOnly date)
    {
        var day = date.DayNumber - IdEpoch.DayNumber;
        var weekend = date.DayOfWeek is DayOfWeek.Friday or DayOfWeek.Saturday or DayOfWeek.Sunday;
        var midnight = HasMidnightScreenings(date);
        foreach (var screen in Screens)
        {
            var slots = midnight && screen.ScreenId % 100 <= MidnightScreens ? Slots.Count + 1 : Slots.Count;
            for (var slot = 0; slot < slots; slot++)
            {
                var movie = MovieFor(screen, day, Math.Min(slot, Slots.Count - 1));
                var startsAt = slot < Slots.Count ? date.ToDateTime(Slots[slot]) : date.AddDays(1).ToDateTime(MidnightSlot);
                var businessDate = Calendar.Theater(screen.TheaterId).DateOfLocal(startsAt);
                if (businessDate != date) throw new InvalidOperationException($"A showtime at {startsAt:yyyy-MM-dd HH:mm} does not belong to {date:yyyy-MM-dd}: check the cutoffs.");
                yield return new Showtime(
                    ShowtimeId: (long)screen.ScreenId * 100_000 + day * 10 + slot,
                    screen.TheaterId, screen.ScreenId, movie.MovieId, startsAt, businessDate, screen.Capacity,
                    BasePrice(screen.Format, TimeOnly.FromDateTime(startsAt), weekend));
            }
        }
    }

    /// <summary>Popular titles get more screens: pick by cumulative popularity with a stable hash.</summary>
    private static Movie MovieFor(Screen screen, int day, int slot)
    {
        // A screen keeps its movie for the day, except the late show, which may differ.
        var lateShow = slot == Slots.Count - 1 ? 0x9E3779B9u : 0u;
        var hash = StableMix(StableMix((uint)screen.ScreenId * 2654435761u ^ lateShow) ^ (uint)day * 40503u);
        var total = PopularityTotal;
        var pick = hash / (double)uint.MaxValue * total;
        foreach (var movie in Movies)
        {
            pick -= movie.Popularity;
            if (pick <= 0) return movie;
        }
        return Movies[^1];
    }

    private static readonly double PopularityTotal = Movies.Sum(m => (double)m.Popularity);

    // A fixed integer mixer (HashCode is randomized per process and would not be deterministic).
    private static uint StableMix(uint x)
    {
        x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16;
        return x;
    }

    public static decimal BasePrice(string format, TimeOnly start, bool weekend)
    {
        // Matinees (before 16:00) are cheaper; a midnight screening is an evening show.
        var price = start >= new TimeOnly(6, 0) && start < new TimeOnly(16, 0) ? 9.75m : 13.50m;
        price += format switch { "imax" => 6.00m, "dolby" => 4.00m, "3d" => 3.00m, _ => 0m };
        return weekend ? price + 1.00m : price;
    }
}
