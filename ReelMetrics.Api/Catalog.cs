using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api;

/// <summary>
/// Theaters and movies by id, as clients see them: the names every answer shows, and what "unknown id" means. The one
/// place the catalog's records (<c>ReelMetrics.Contracts.Catalog</c>) become the contract's <see cref="Theater"/> and
/// <see cref="Movie"/>.
/// </summary>
internal sealed class Catalog
{
    private readonly Dictionary<int, Theater> theaters;
    private readonly Dictionary<int, Movie> movies;

    public Catalog(IEnumerable<Contracts.Catalog.Theater> theaters, IEnumerable<Contracts.Catalog.Screen> screens, IEnumerable<Contracts.Catalog.Movie> movies)
    {
        var screensOf = screens.ToLookup(s => s.TheaterId);
        Theaters = [.. theaters.OrderBy(t => t.TheaterId).Select(t => View(t, screensOf[t.TheaterId]))];
        Movies = [.. movies.OrderBy(m => m.MovieId).Select(View)];
        this.theaters = Theaters.ToDictionary(t => t.TheaterId);
        this.movies = Movies.ToDictionary(m => m.MovieId);
    }

    /// <summary>Every theater, by id.</summary>
    public IReadOnlyList<Theater> Theaters { get; }

    /// <summary>Every movie, by id.</summary>
    public IReadOnlyList<Movie> Movies { get; }

    public Theater? Theater(int theaterId) => theaters.GetValueOrDefault(theaterId);

    public Movie? Movie(int movieId) => movies.GetValueOrDefault(movieId);

    // Sales reference the catalog (foreign keys), so a missing id only means a catalog newer than this copy.
    public string TheaterName(int theaterId) => Theater(theaterId)?.Name ?? $"Theater {theaterId}";

    public string MovieTitle(int movieId) => Movie(movieId)?.Title ?? $"Movie {movieId}";

    public bool HasTheaters(IEnumerable<int> theaterIds) => theaterIds.All(theaters.ContainsKey);

    public bool HasMovies(IEnumerable<int> movieIds) => movieIds.All(movies.ContainsKey);

    /// <summary>A theater as clients see it: with its number of screens and seats, without its business-day cutoff.</summary>
    private static Theater View(Contracts.Catalog.Theater theater, IEnumerable<Contracts.Catalog.Screen> screens) =>
        new(theater.TheaterId, theater.Name, theater.City, theater.TimeZone, screens.Count(), screens.Sum(s => s.Capacity));

    /// <summary>A movie as clients see it: without the generator's popularity.</summary>
    private static Movie View(Contracts.Catalog.Movie movie) =>
        new(movie.MovieId, movie.Title, movie.Genre, movie.Rating, movie.RuntimeMinutes, movie.ReleaseDate);
}
