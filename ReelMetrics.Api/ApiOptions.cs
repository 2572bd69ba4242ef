namespace ReelMetrics.Api;

/// <summary>Settings of the shared REST layer, bound from the <c>Api</c> configuration section.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>
    /// Serve hot reads from the live aggregates in Redis (when complete) and names from an in-memory catalog.
    /// Off: every answer is read from PostgreSQL on each request.
    /// </summary>
    public bool UseCache { get; set; } = true;

    /// <summary>
    /// For demos only: routes for viewers answer without a token (operator and admin routes still need one). Off by
    /// default; the API logs a warning at start when it is on.
    /// </summary>
    public bool AllowAnonymousReads { get; set; }

    /// <summary>How long the in-memory catalog (theaters, movies, a theater's showtimes of a date) is kept.</summary>
    public TimeSpan CatalogLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long one read of the live aggregates in Redis may answer every request for the same figures: concurrent and
    /// following requests share that read instead of each making its own round trip, until the consumer announces new
    /// sales (then the next request reads again) or this long at most. Bounds how much older than Redis a hot answer can
    /// be when announcements do not arrive; zero reads Redis for every request.
    /// </summary>
    public TimeSpan HotReadLifetime { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>After a Redis failure, how long reads go straight to PostgreSQL before Redis is tried again.</summary>
    public TimeSpan CacheRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Interval of the <c>: heartbeat</c> comment on <c>GET /live</c>.</summary>
    public TimeSpan LiveHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Least time between two <c>totals</c> events of one <c>GET /live</c> stream.</summary>
    public TimeSpan LiveMinimumInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often <c>GET /live</c> polls PostgreSQL while Redis cannot tell it about new sales.</summary>
    public TimeSpan LivePollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
