using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api;

/// <summary>Theaters and movies by id: the names every answer shows, and what "unknown id" means.</summary>
internal sealed class Catalog
{
    private readonly Dictionary<int, Theater> theaters;
    private readonly Dictionary<int, Movie> movies;

    public Catalog(IEnumerable<Theater> theaters, IEnumerable<Movie> movies)
    {
        Theaters = [.. theaters.OrderBy(t => t.TheaterId)];
        Movies = [.. movies.OrderBy(m => m.MovieId)];
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
}
