namespace ReelMetrics.LocalInfrastructure.Redis;

/// <summary>How to run a <see cref="LocalRedisServer"/>. Every property has a usable default.</summary>
public sealed record LocalRedisOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (kept across restarts of the same server object).</summary>
    public int Port { get; init; }

    /// <summary>Password clients must send with AUTH; null or empty accepts any client.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Garnet <c>--memory</c>: the main log's memory (inline records plus objects such as sorted sets). The data lives only in
    /// memory, so this bounds what the server keeps; pages are allocated as they fill, not up front.
    /// </summary>
    public string MemorySize { get; init; } = "4g";

    /// <summary>
    /// Garnet <c>--index</c>: the hash index's starting size. Each 64-byte bucket holds 7 keys, so 128m addresses about 14 million
    /// keys before chains form; it grows up to <see cref="IndexMaxSize"/>.
    /// </summary>
    public string IndexSize { get; init; } = "128m";

    /// <summary>Garnet <c>--index-max-size</c>: how far the hash index may grow when it overflows.</summary>
    public string IndexMaxSize { get; init; } = "1g";

    /// <summary>Number of logical databases (SELECT 0 … n-1).</summary>
    public int MaxDatabases { get; init; } = 16;

    /// <summary>Further Garnet command-line options, appended last.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
