using ReelMetrics.LocalInfrastructure.Kafka;
using ReelMetrics.Tests.Fixtures;

[assembly: AssemblyFixture(typeof(KafkaFixture))]

namespace ReelMetrics.Tests.Fixtures;

/// <summary>
/// One local Kafka broker (librdkafka's mock cluster behind the forwarder, see <see cref="LocalKafkaBroker"/>) for the
/// whole test run: an xunit assembly fixture, so add a <see cref="KafkaFixture"/> constructor parameter to any test class.
/// It starts on first use. Isolate tests by topic (<see cref="CreateTopic"/>) and consumer group (<see cref="CreateGroupId"/>).
/// </summary>
/// <remarks>
/// Topics created through <see cref="CreateTopic"/> keep everything produced to them; auto-created topics keep
/// librdkafka's mock default of 5 MiB per partition (older record batches are dropped). When a consumer joins a group
/// that already has a member, the broker finishes the (classic protocol) rebalance only after the consumers' session.timeout.ms - 1 s: give such tests SessionTimeoutMs = 6000. Tests that take
/// the broker down (<see cref="LocalKafkaBroker.SetDown"/>) must start their own with <see cref="StartPrivateBroker"/>,
/// since other tests share this one. Safe to use from parallel tests.
/// </remarks>
public sealed class KafkaFixture : IAsyncDisposable
{
    private readonly Lazy<LocalKafkaBroker> broker = new(() => StartPrivateBroker(), LazyThreadSafetyMode.ExecutionAndPublication);
    private int sequence;

    /// <summary>The shared broker.</summary>
    public LocalKafkaBroker Broker => broker.Value;

    /// <summary>The shared broker's bootstrap servers (<c>127.0.0.1:port</c>).</summary>
    public string BootstrapServers => broker.Value.BootstrapServers;

    /// <summary>Creates a topic with a name no other test gets: <paramref name="prefix"/>, a number and a random suffix.</summary>
    public string CreateTopic(string prefix = "test", int partitions = 1)
    {
        var name = UniqueName(prefix);
        broker.Value.CreateTopic(name, partitions);
        return name;
    }

    /// <summary>A consumer group id no other test uses.</summary>
    public string CreateGroupId(string prefix = "group") => UniqueName(prefix);

    /// <summary>Starts a broker of the caller's own (on a free port unless <paramref name="port"/> is given); dispose it when done.</summary>
    public static LocalKafkaBroker StartPrivateBroker(int port = 0, params LocalKafkaTopic[] topics) =>
        LocalKafkaBroker.Start(new LocalKafkaBrokerOptions { Port = port, Topics = topics });

    /// <summary>Stops the shared broker if it was started.</summary>
    public async ValueTask DisposeAsync()
    {
        if (broker.IsValueCreated)
        {
            await broker.Value.DisposeAsync();
        }
    }

    private string UniqueName(string prefix) =>
        $"{prefix}-{Interlocked.Increment(ref sequence)}-{Guid.NewGuid().ToString("N")[..8]}";
}
