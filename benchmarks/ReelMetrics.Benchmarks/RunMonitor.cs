using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql;

namespace ReelMetrics.Benchmarks;

/// <summary>Progress at one moment of a run: what is stored, what is on the topic, what the group has committed.</summary>
internal sealed record ProgressSample(long UnixMs, long Stored, long OnTopic, long Committed)
{
    /// <summary>Events on the topic not stored yet.</summary>
    public long Lag => Math.Max(0, OnTopic - Stored);
}

/// <summary>What a reader could see at one moment: the number of sales visible, stamped when the answer arrived.</summary>
internal sealed record VisibilitySample(long UnixMs, long Visible);

/// <summary>How visibility is read: through a REST API or, when the API lacks a count, from the table the API reads.</summary>
internal sealed class VisibilityProbe(string description, Func<CancellationToken, Task<long>> read)
{
    public string Description { get; } = description;

    public Task<long> ReadAsync(CancellationToken cancellationToken) => read(cancellationToken);

    /// <summary><c>GET url</c>, reading the number property <paramref name="property"/> of the JSON answer.</summary>
    public static VisibilityProbe Api(HttpClient http, string url, string property) => new($"GET {url} ({property})", async ct =>
    {
        using var response = await http.GetAsync(url, ct);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var json = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        return json.RootElement.GetProperty(property).GetInt64();
    });

    /// <summary>A scalar query, on a connection of its own.</summary>
    public static VisibilityProbe Sql(NpgsqlDataSource dataSource, string sql) => new($"PostgreSQL: {sql}", async ct =>
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    });
}

/// <summary>Reads of a sampling loop that failed: how many, and the first one's error.</summary>
internal sealed class FailedReads
{
    private int count;
    private string? first;

    public int Count => Volatile.Read(ref count);

    public string? First => Volatile.Read(ref first);

    public void Add(Exception e)
    {
        Interlocked.CompareExchange(ref first, $"{e.GetType().Name}: {e.Message}", null);
        Interlocked.Increment(ref count);
    }
}

/// <summary>
/// Samples a run while it goes: progress every 250 ms (stored count from PostgreSQL, the topic's high
/// watermarks and the group's committed offsets from Kafka) and, when given a probe, visibility every 20 ms.
/// Bounded by the cancellation token the caller gives it.
/// </summary>
internal sealed class RunMonitor : IDisposable
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a waiting run says how far it is.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan VisibilityInterval = TimeSpan.FromMilliseconds(20);

    private readonly string topic;
    private readonly VisibilityProbe storedProbe;
    private readonly VisibilityProbe? visibility;
    private readonly IConsumer<Ignore, Ignore> kafka;
    private readonly List<TopicPartition> partitions;
    private readonly List<ProgressSample> progress = [];
    private readonly List<VisibilitySample> visible = [];
    private readonly Lock gate = new();

    public RunMonitor(string bootstrap, string topic, int partitionCount, string group, VisibilityProbe stored, VisibilityProbe? visibility = null)
    {
        this.topic = topic;
        storedProbe = stored;
        this.visibility = visibility;
        kafka = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,   // only to read the group's committed offsets: this client never subscribes
            EnableAutoCommit = false,
        }).Build();
        partitions = [.. Enumerable.Range(0, partitionCount).Select(p => new TopicPartition(topic, p))];
    }

    public IReadOnlyList<ProgressSample> Progress
    {
        get { lock (gate) return [.. progress]; }
    }

    public IReadOnlyList<VisibilitySample> Visible
    {
        get { lock (gate) return [.. visible]; }
    }

    /// <summary>Progress samples that could not be read (PostgreSQL or Kafka failed): the progress series has gaps there.</summary>
    public FailedReads FailedProgressReads { get; } = new();

    /// <summary>Visibility polls that got no count (an error answer, a timeout): the visible figures are coarser there.</summary>
    public FailedReads FailedPolls { get; } = new();

    public ProgressSample? Last
    {
        get { lock (gate) return progress.Count == 0 ? null : progress[^1]; }
    }

    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(
        Task.Run(() => ProgressLoopAsync(cancellationToken), CancellationToken.None),
        visibility is null ? Task.CompletedTask : Task.Run(() => VisibilityLoopAsync(visibility, cancellationToken), CancellationToken.None));

    /// <summary>Low and high watermarks of every partition: low &gt; 0 means the mock broker dropped events.</summary>
    public (long Low, long High) Watermarks()
    {
        long low = 0, high = 0;
        foreach (var partition in partitions)
        {
            var w = kafka.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(5));
            low += Math.Max(0, w.Low.Value);
            high += Math.Max(0, w.High.Value);
        }
        return (low, high);
    }

    /// <summary>Low and high watermarks of a topic, summed over its partitions.</summary>
    public static (long Low, long High) Watermarks(string bootstrap, string topic, int partitionCount)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "watermarks" }).Build();
        long low = 0, high = 0;
        for (var p = 0; p < partitionCount; p++)
        {
            var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(5));
            low += Math.Max(0, w.Low.Value);
            high += Math.Max(0, w.High.Value);
        }
        return (low, high);
    }

    public async Task<long> StoredAsync(CancellationToken cancellationToken) => await storedProbe.ReadAsync(cancellationToken);

    private async Task ProgressLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ProgressInterval);
        do
        {
            try
            {
                var stored = await storedProbe.ReadAsync(cancellationToken);
                var (_, onTopic) = Watermarks();
                long committed = 0;
                foreach (var offset in kafka.Committed(partitions, TimeSpan.FromSeconds(5)))
                {
                    if (offset.Offset.Value > 0) committed += offset.Offset.Value;
                }
                lock (gate) progress.Add(new ProgressSample(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), stored, onTopic, committed));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is KafkaException or NpgsqlException or TimeoutException)
            {
                FailedProgressReads.Add(e);
            }
        }
        while (await Tick(timer, cancellationToken));
    }

    private async Task VisibilityLoopAsync(VisibilityProbe probe, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(VisibilityInterval);
        do
        {
            try
            {
                var value = await probe.ReadAsync(cancellationToken);
                lock (gate) visible.Add(new VisibilitySample(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), value));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or NpgsqlException or JsonException or TimeoutException or TaskCanceledException or KeyNotFoundException or InvalidOperationException)
            {
                // A failed poll leaves a longer gap between samples, which the freshness visible in the API would include.
                FailedPolls.Add(e);
            }
        }
        while (await Tick(timer, cancellationToken));
    }

    private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the last progress sample, or the timeout passes; hands the last
    /// sample to <paramref name="report"/> every <see cref="ReportInterval"/> on the way.
    /// </summary>
    public async Task<bool> WaitUntilAsync(Func<ProgressSample, bool> condition, TimeSpan timeout, Func<bool>? abort = null,
        Action<ProgressSample>? report = null, Action<ProgressSample>? observe = null)
    {
        var clock = Stopwatch.StartNew();
        var reported = TimeSpan.Zero;
        while (clock.Elapsed < timeout)
        {
            if (Last is { } seen) observe?.Invoke(seen);
            if (Last is { } last && condition(last)) return true;
            if (abort?.Invoke() == true) return false;
            if (report is not null && Last is { } sample && clock.Elapsed - reported >= ReportInterval)
            {
                reported = clock.Elapsed;
                report(sample);
            }
            await Task.Delay(50);
        }
        return false;
    }

    public void Dispose()
    {
        kafka.Close();
        kafka.Dispose();
    }

    public override string ToString() => $"monitor of {topic}";
}
