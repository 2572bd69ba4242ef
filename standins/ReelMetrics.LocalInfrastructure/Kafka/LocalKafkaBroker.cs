using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace ReelMetrics.LocalInfrastructure.Kafka;

/// <summary>
/// A single-broker Kafka for development and tests, without a Kafka distribution: librdkafka's
/// mock cluster (in this process, in memory) behind a TCP forwarder on a fixed loopback port.
/// Real Kafka clients in any process produce, consume, join consumer groups and commit offsets.
/// </summary>
/// <remarks>
/// <para>
/// Retention: librdkafka's mock keeps at most 5 MiB (or 100,000 record batches) per partition and silently drops
/// the oldest batches beyond that, and has no API to change it. For topics created through this class (at start, or
/// with <see cref="CreateTopic"/>) the broker raises those limits to <see cref="LocalKafkaBrokerOptions.MaxPartitionBytes"/>
/// and <see cref="LocalKafkaBrokerOptions.MaxPartitionBatches"/> (default 256 MiB and 100,000,000: bounded memory, like a real broker's size retention) by
/// patching the new partitions in this process's memory, only after verifying they are exactly where librdkafka's
/// layout puts them (see <see cref="MockRetention"/>). If that verification fails (another librdkafka version, another
/// OS), nothing is patched, the topic keeps 5 MiB per partition, and <see cref="LocalKafkaBrokerOptions.Log"/> gets a
/// warning. Topics that clients auto-create (4 partitions) always keep librdkafka's 5 MiB: create every topic up
/// front (<c>--topic</c>) where losing events matters. (Patching auto-created topics later, e.g. on a timer, could not
/// guarantee to come before their first 5 MiB.)
/// </para>
/// <para>
/// Other limits of the mock: it does not implement the CreateTopics
/// admin API (use <see cref="CreateTopic"/> or auto-creation, which gives 4 partitions); when a consumer joins a
/// group that already has members, it completes the (classic protocol) rebalance only after the members'
/// <c>session.timeout.ms</c> minus 1 s, even when everyone rejoined at once: use <c>session.timeout.ms=6000</c>
/// in development, or the KIP-848 protocol (<c>group.protocol=consumer</c>), which the mock also implements.
/// </para>
/// </remarks>
public sealed class LocalKafkaBroker : IAsyncDisposable
{
    private const int BrokerId = 1;
    private const int RdKafkaRespErrTopicAlreadyExists = 36;

    private readonly nint _handle;
    private readonly nint _cluster;
    private readonly TcpForwarder _forwarder;
    private readonly Action<string> _log;
    private readonly ulong _maxPartitionBytes;
    private readonly ulong _maxPartitionBatches;
    private readonly ConcurrentDictionary<string, LocalKafkaTopic> _topics = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _disposed;

    private LocalKafkaBroker(
        nint handle, nint cluster, TcpForwarder forwarder, string advertisedHost, string mockBootstrapServers, LocalKafkaBrokerOptions options, Action<string> log)
    {
        _handle = handle;
        _cluster = cluster;
        _forwarder = forwarder;
        _log = log;
        _maxPartitionBytes = (ulong)options.MaxPartitionBytes;
        _maxPartitionBatches = (ulong)options.MaxPartitionBatches;
        MockBootstrapServers = mockBootstrapServers;
        BootstrapServers = $"{advertisedHost}:{forwarder.Port}";
    }

    /// <summary>The address clients bootstrap from, e.g. <c>127.0.0.1:9092</c> (no scheme).</summary>
    public string BootstrapServers { get; }

    /// <summary>The public port.</summary>
    public int Port => _forwarder.Port;

    /// <summary>The mock broker's own (ephemeral) listener, behind the forwarder. For diagnostics.</summary>
    public string MockBootstrapServers { get; }

    /// <summary>Whether <see cref="SetDown"/> is in effect.</summary>
    public bool IsDown => _forwarder.IsDown;

    /// <summary>Topics created through this instance (at start or by <see cref="CreateTopic"/>).</summary>
    public IReadOnlyCollection<LocalKafkaTopic> Topics => [.. _topics.Values.OrderBy(t => t.Name, StringComparer.Ordinal)];

    /// <summary>Starts a broker; throws if the port is taken.</summary>
    public static LocalKafkaBroker Start(LocalKafkaBrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxPartitionBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxPartitionBatches);
        var log = options.Log ?? (_ => { });

        var conf = LibRdKafka.ConfNew();
        nint handle;
        try
        {
            LibRdKafka.ConfSet(conf, "client.id", "reelmetrics-local-kafka");
            // This handle only hosts the mock cluster: hide its notice that it has no bootstrap servers.
            LibRdKafka.ConfSet(conf, "log_level", "4");
            handle = LibRdKafka.New(LibRdKafka.RD_KAFKA_PRODUCER, conf);
        }
        catch
        {
            LibRdKafka.ConfDestroy(conf);
            throw;
        }

        nint cluster = 0;
        TcpForwarder? forwarder = null;
        try
        {
            cluster = LibRdKafka.MockClusterNew(handle, 1);
            if (cluster == 0)
            {
                throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
            }
            var mockBootstrap = LibRdKafka.MockClusterBootstraps(cluster);
            var upstream = ParseEndPoint(mockBootstrap.Split(',')[0]);
            forwarder = TcpForwarder.Start(options.Port, upstream, log);

            // Metadata must send clients to the forwarder, not to the mock's ephemeral listener.
            LibRdKafka.MockBrokerSetHostPort(cluster, BrokerId, options.AdvertisedHost, forwarder.Port);
            LibRdKafka.MockGroupInitialRebalanceDelayMs(cluster, options.GroupInitialRebalanceDelayMs);

            var broker = new LocalKafkaBroker(handle, cluster, forwarder, options.AdvertisedHost, mockBootstrap, options, log);
            foreach (var topic in options.Topics)
            {
                broker.CreateTopic(topic.Name, topic.Partitions);
            }
            log($"librdkafka mock cluster ({LibRdKafka.LibraryPath}) at {mockBootstrap}, forwarded from {broker.BootstrapServers}");
            return broker;
        }
        catch
        {
            forwarder?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (cluster != 0)
            {
                LibRdKafka.MockClusterDestroy(cluster);
            }
            LibRdKafka.Destroy(handle);
            throw;
        }
    }

    /// <summary>
    /// Creates a topic, with the per-partition limits of <see cref="LocalKafkaBrokerOptions.MaxPartitionBytes"/> and
    /// <see cref="LocalKafkaBrokerOptions.MaxPartitionBatches"/> (or, if they cannot be set, librdkafka's 5 MiB, with a
    /// warning in the log); creating an existing topic again is a no-op (an auto-created one keeps librdkafka's limits).
    /// </summary>
    public void CreateTopic(string name, int partitions = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var error = LibRdKafka.MockTopicCreate(_cluster, name, partitions, 1);
            if (error != 0 && error != RdKafkaRespErrTopicAlreadyExists)
            {
                throw new InvalidOperationException($"Creating topic '{name}' failed: {LibRdKafka.ErrorName(error)}.");
            }
            if (error == 0)
            {
                // rd_kafka_mock_topic_create returns once the mock thread has initialised the partitions, and no client
                // can produce to them before this returns (unless it auto-created the topic, then error != 0).
                RaiseRetention(name, partitions);
            }
            else if (!_topics.ContainsKey(name) && (_maxPartitionBytes != 0 || _maxPartitionBatches != 0))
            {
                _log($"warning: topic '{name}' already existed (auto-created by a client): it keeps librdkafka's limits; " +
                    "local Kafka keeps only 5 MiB per partition; a consumer that falls behind loses events");
            }
            _topics.TryAdd(name, new LocalKafkaTopic(name, partitions));
        }
    }

    private void RaiseRetention(string name, int partitions)
    {
        if (_maxPartitionBytes == 0 && _maxPartitionBatches == 0)
        {
            return;
        }
        var result = MockRetention.TryRaise(
            _cluster,
            name,
            partitions,
            _maxPartitionBytes == 0 ? MockRetention.LibrdkafkaMaxBytes : _maxPartitionBytes,
            _maxPartitionBatches == 0 ? MockRetention.LibrdkafkaMaxBatches : _maxPartitionBatches);
        _log(result.Raised
            ? $"topic '{name}': {result.Message}"
            : $"warning: topic '{name}': local Kafka keeps only 5 MiB per partition; a consumer that falls behind loses events " +
              $"(could not raise librdkafka's mock limits: {result.Message})");
    }

    /// <summary>
    /// Simulates an outage: open connections are reset and new ones refused until
    /// <see cref="SetUp"/>. The data and the consumer groups' committed offsets survive.
    /// </summary>
    public void SetDown()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _forwarder.SetDown();
        }
    }

    /// <summary>Ends the outage <see cref="SetDown"/> started: the broker accepts connections again.</summary>
    public void SetUp()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _forwarder.SetUp();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        await _forwarder.DisposeAsync().ConfigureAwait(false);
        LibRdKafka.MockClusterDestroy(_cluster);
        LibRdKafka.Destroy(_handle);
    }

    private static IPEndPoint ParseEndPoint(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        var host = hostPort[..colon].Trim('[', ']');
        var port = int.Parse(hostPort[(colon + 1)..], CultureInfo.InvariantCulture);
        var address = IPAddress.TryParse(host, out var parsed)
            ? parsed
            : Dns.GetHostAddresses(host).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        return new IPEndPoint(address, port);
    }
}
