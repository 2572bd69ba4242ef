namespace ReelMetrics.LocalInfrastructure.Postgres;

/// <summary>How to run a <see cref="LocalPostgresServer"/>. Every property has a usable default.</summary>
public sealed record LocalPostgresOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (kept across restarts of the same server object).</summary>
    public int Port { get; init; }

    /// <summary>
    /// The cluster's data directory, created and initialised on first use and reused afterwards.
    /// Defaults to <see cref="DefaultDataDirectory"/>.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>Password of the <c>postgres</c> superuser for TCP connections; re-applied at every start.</summary>
    public string Password { get; init; } = "postgres";

    /// <summary>Directory holding <c>initdb</c> and <c>postgres</c>; null searches (see <see cref="PostgresBinaries.Find"/>).</summary>
    public string? BinDirectory { get; init; }

    /// <summary>
    /// OS account that runs <c>initdb</c> and <c>postgres</c> when this process is root (PostgreSQL refuses to run as root).
    /// Ignored otherwise: the server then runs as the current user.
    /// </summary>
    public string OsAccount { get; init; } = "postgres";

    /// <summary>
    /// Durable (the default) keeps <c>fsync</c>, <c>synchronous_commit</c> and <c>full_page_writes</c> on. Turn it off only for
    /// throwaway test clusters, where a crash may lose the last commits and a power loss may corrupt the cluster.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>Extra server settings passed as <c>-c name=value</c>; they win over the built-in ones.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>How long <see cref="LocalPostgresServer.StartAsync"/> waits for initdb and for the server to accept connections.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long a fast shutdown may take before the server is told to quit immediately.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Default data directory: under /var/tmp/reelmetrics when running as root (somewhere the <c>postgres</c> account can
    /// reach), otherwise under the user's local application data directory.
    /// </summary>
    public static string DefaultDataDirectory => Posix.IsRoot
        ? "/var/tmp/reelmetrics/postgres/data"
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
            "reelmetrics", "postgres", "data");
}
