using Npgsql;
using ReelMetrics.Contracts.Catalog;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Theaters, movies and showtimes, held in memory so that validating an event costs no round
/// trip. Showtimes not seen yet (the catalog grows every day) are fetched in one query per batch.
/// </summary>
/// <remarks>
/// The catalog may change while the consumer runs. Everything is reloaded every <see cref="RefreshInterval"/>,
/// and as soon as an event names a theater, movie or showtime the cache does not know, provided the last load
/// is at least <see cref="UnknownRecheckInterval"/> old: so a row added to the catalog is accepted by every event
/// that arrives more than <see cref="UnknownRecheckInterval"/> after it was added. Nothing is remembered as
/// unknown for longer than that.
/// </remarks>
internal sealed class CatalogCache(NpgsqlDataSource dataSource, TimeProvider? clock = null)
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private DateTimeOffset loadedAt = DateTimeOffset.MinValue;

    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan UnknownRecheckInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Loads the catalog if it never was, or was loaded longer than <see cref="RefreshInterval"/> ago.</summary>
    public async Task RefreshIfStaleAsync(CancellationToken cancellationToken)
    {
        if (!IsLoaded || clock.GetUtcNow() - loadedAt >= RefreshInterval) await LoadAsync(cancellationToken);
    }

    /// <summary>Reloads after an event named something unknown, unless the catalog is fresher than <see cref="UnknownRecheckInterval"/>.</summary>
    /// <returns>Whether it reloaded (so validating again may give another answer).</returns>
    public async Task<bool> ReloadForUnknownAsync(CancellationToken cancellationToken)
    {
        if (clock.GetUtcNow() - loadedAt < UnknownRecheckInterval) return false;
        await LoadAsync(cancellationToken);
        return true;
    }

    private Dictionary<int, string> theaters = [];
    private Dictionary<string, int> theaterIdsByName = new(StringComparer.OrdinalIgnoreCase);
    private Dictionary<int, string> movies = [];
    private Dictionary<string, int> movieIdsByTitle = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<long, Showtime?> showtimes = [];

    public bool IsLoaded { get; private set; }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var newTheaters = new Dictionary<int, string>();
        await using (var command = new NpgsqlCommand("select theater_id, name from theaters", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) newTheaters[reader.GetInt32(0)] = reader.GetString(1);
        }
        var newMovies = new Dictionary<int, string>();
        await using (var command = new NpgsqlCommand("select movie_id, title from movies", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) newMovies[reader.GetInt32(0)] = reader.GetString(1);
        }
        theaters = newTheaters;
        theaterIdsByName = newTheaters.ToDictionary(t => t.Value, t => t.Key, StringComparer.OrdinalIgnoreCase);
        movies = newMovies;
        movieIdsByTitle = newMovies.ToDictionary(m => m.Value, m => m.Key, StringComparer.OrdinalIgnoreCase);
        showtimes.Clear();
        IsLoaded = true;
        loadedAt = started;
    }

    public bool HasTheater(int theaterId) => theaters.ContainsKey(theaterId);

    public bool HasMovie(int movieId) => movies.ContainsKey(movieId);

    public int? TheaterIdByName(string name) => theaterIdsByName.TryGetValue(name.Trim(), out var id) ? id : null;

    public int? MovieIdByTitle(string title) => movieIdsByTitle.TryGetValue(title.Trim(), out var id) ? id : null;

    /// <summary>The showtime, or null when it does not exist. Call <see cref="FetchShowtimesAsync"/> first.</summary>
    public Showtime? Showtime(long showtimeId) => showtimes.GetValueOrDefault(showtimeId);

    /// <summary>Loads the showtimes among <paramref name="showtimeIds"/> not asked about before.</summary>
    public async Task FetchShowtimesAsync(IEnumerable<long> showtimeIds, CancellationToken cancellationToken)
    {
        var missing = showtimeIds.Where(id => !showtimes.ContainsKey(id)).Distinct().ToArray();
        if (missing.Length == 0) return;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            select showtime_id, theater_id, screen_id, movie_id, starts_at, business_date, capacity, base_price
            from showtimes where showtime_id = any($1)
            """, connection)
        {
            Parameters = { new() { Value = missing } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var showtime = new Showtime(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3),
                reader.GetDateTime(4), reader.GetFieldValue<DateOnly>(5), reader.GetInt32(6), reader.GetDecimal(7));
            showtimes[showtime.ShowtimeId] = showtime;
        }
        // Remember the ones that do not exist only briefly: the migrator may add them any day.
        foreach (var id in missing.Where(id => !showtimes.ContainsKey(id)))
        {
            showtimes[id] = null;
        }
        if (showtimes.Count > 1_000_000) showtimes.Clear();
    }
}
