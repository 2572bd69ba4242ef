namespace ReelMetrics.Api.Protection;

/// <summary>
/// Limits that keep one client from exhausting an API (OWASP API4, unrestricted resource consumption), bound from the
/// <c>Api:Protection</c> configuration section. The defaults suit a dashboard user: the dashboard makes a handful of
/// requests per refresh and holds one or two live streams.
/// </summary>
public sealed class ProtectionOptions
{
    public const string Section = "Api:Protection";

    /// <summary>Requests of one signed-in user (by the token's <c>sub</c>), from wherever they come.</summary>
    public RateLimit PerUser { get; set; } = new() { PerSecond = 20, Burst = 100 };

    /// <summary>Requests of one anonymous client address.</summary>
    public RateLimit PerAnonymousAddress { get; set; } = new() { PerSecond = 20, Burst = 100 };

    /// <summary>
    /// All requests from one client address, signed-in users included: a ceiling for one machine whatever tokens it
    /// holds (an office behind one NAT address is several users, hence five times a user's share).
    /// </summary>
    public RateLimit PerAddress { get; set; } = new() { PerSecond = 100, Burst = 500 };

    /// <summary>
    /// <c>/health</c> and <c>/alive</c> per client address. Kept apart from the user limits (a busy user must not
    /// fail an orchestrator's probe), but limited, since <c>/health</c> asks PostgreSQL and Redis.
    /// </summary>
    public RateLimit HealthProbes { get; set; } = new() { PerSecond = 10, Burst = 50 };

    /// <summary>
    /// Longest time a request (other than <c>GET /live</c>) may take before it is answered 503 with Retry-After.
    /// Zero turns request timeouts off.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Open <c>GET /live</c> streams one user (or anonymous address) may hold; one more is answered 429.</summary>
    public int LiveStreamsPerUser { get; set; } = 5;

    /// <summary>Open <c>GET /live</c> streams of the whole process; one more is answered 503.</summary>
    public int LiveStreamsPerProcess { get; set; } = 500;

    /// <summary>Largest request body, in bytes; a larger one is answered 413. No route of the contract takes more than a small JSON body.</summary>
    public long MaxRequestBodySize { get; set; } = 64 * 1024;

    /// <summary>Largest size of all request headers together, in bytes (Kestrel answers 431 above it).</summary>
    public int MaxRequestHeadersTotalSize { get; set; } = 16 * 1024;

    /// <summary>Most request headers (Kestrel answers 431 above it).</summary>
    public int MaxRequestHeaderCount { get; set; } = 50;

    /// <summary>Longest request line (method, path and query), in bytes (Kestrel answers 414 above it).</summary>
    public int MaxRequestLineSize { get; set; } = 8 * 1024;
}

/// <summary>A token bucket: <see cref="Burst"/> requests at once, refilled at <see cref="PerSecond"/> a second.</summary>
public sealed class RateLimit
{
    public int PerSecond { get; set; }

    public int Burst { get; set; }
}
