using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReelMetrics.Database;
using ReelMetrics.LocalInfrastructure.Kafka;
using ReelMetrics.LocalInfrastructure.Postgres;
using ReelMetrics.LocalInfrastructure.Redis;

namespace ReelMetrics.Benchmarks;

/// <summary>
/// The benchmark's own servers, on loopback ports nobody else uses: a durable PostgreSQL 15 (the
/// production settings: fsync and synchronous_commit on) with commit timestamps tracked, so every
/// sale's commit time can be read back; Garnet; and librdkafka's mock Kafka cluster. Each
/// measurement gets its own database, its own Redis logical database and its own topic.
/// </summary>
internal sealed class BenchInfrastructure : IAsyncDisposable
{
    public const string Password = "reelmetrics-bench";

    private readonly string root;
    private int nextRedisDatabase;

    private BenchInfrastructure(string root, LocalPostgresServer postgres, LocalRedisServer redis, LocalKafkaBroker kafka)
    {
        this.root = root;
        Postgres = postgres;
        Redis = redis;
        Kafka = kafka;
    }

    public LocalPostgresServer Postgres { get; }

    public LocalRedisServer Redis { get; }

    public LocalKafkaBroker Kafka { get; }

    /// <summary>The postmaster's pid, for its memory.</summary>
    public int? PostgresPid => Postgres.ProcessId;

    public static async Task<BenchInfrastructure> StartAsync(string scratch, Action<string> say)
    {
        var root = Path.Combine(scratch, "servers");
        Directory.CreateDirectory(root);
        say($"starting PostgreSQL (durable, track_commit_timestamp=on) under {root}");
        var postgres = await LocalPostgresServer.StartNewAsync(new LocalPostgresOptions
        {
            DataDirectory = Path.Combine(root, "pg"),
            Password = Password,
            Durable = true,
            Settings = new Dictionary<string, string>
            {
                // Lets the benchmark read each sale's commit time: pg_xact_commit_timestamp(xmin).
                ["track_commit_timestamp"] = "on",
                // Where PostgreSQL's time goes, per statement, and how much WAL a run writes.
                ["shared_preload_libraries"] = "pg_stat_statements",
                ["pg_stat_statements.max"] = "1000",
                ["track_io_timing"] = "on",
                ["track_wal_io_timing"] = "on",
            },
        }, NullLogger.Instance);
        say($"PostgreSQL on 127.0.0.1:{postgres.Port}");
        var redis = LocalRedisServer.StartNew(new LocalRedisOptions(), NullLogger.Instance);
        say($"Garnet on 127.0.0.1:{redis.Port}");
        var kafka = LocalKafkaBroker.Start(new LocalKafkaBrokerOptions { Port = 0 });
        say($"Kafka (mock cluster) on {kafka.BootstrapServers}");
        return new BenchInfrastructure(scratch, postgres, redis, kafka);
    }

    /// <summary>Creates a database, applies the schema and seed catalog (as the migration service does), returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, DateOnly today)
    {
        var connectionString = await Postgres.CreateDatabaseAsync(name);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(today);
        await using var extension = dataSource.CreateCommand("create extension if not exists pg_stat_statements");
        await extension.ExecuteNonQueryAsync();
        return connectionString;
    }

    /// <summary>A Redis connection string selecting a logical database no other measurement uses.</summary>
    public string NewRedisConnectionString() => Redis.GetConnectionString(Interlocked.Increment(ref nextRedisDatabase) % 16);

    public string CreateTopic(string name, int partitions = 16)
    {
        Kafka.CreateTopic(name, partitions);
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        await Kafka.DisposeAsync();
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
        try
        {
            Directory.Delete(Path.Combine(root, "servers"), recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // left for the OS's /tmp cleaning
        }
    }
}
