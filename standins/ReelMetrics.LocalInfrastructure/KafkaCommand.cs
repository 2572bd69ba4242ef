using System.CommandLine;
using System.Runtime.InteropServices;
using ReelMetrics.LocalInfrastructure.Kafka;

namespace ReelMetrics.LocalInfrastructure;

/// <summary>
/// <c>kafka --port N [--topic name[:partitions]]... [--advertised-host host] [--max-partition-bytes N]</c>: runs a
/// <see cref="LocalKafkaBroker"/> until SIGTERM or SIGINT, then exits 0.
/// </summary>
public static class KafkaCommand
{
    private static readonly Option<int> Port = ServerCommandLine.Port(fallback: null);
    private static readonly Option<LocalKafkaTopic[]> Topics = new("--topic")
    {
        Description = "a topic to create up front, name or name:partitions (repeatable)",
        HelpName = "name[:partitions]",
        CustomParser = result =>
        {
            try
            {
                return [.. result.Tokens.Select(token => LocalKafkaTopic.Parse(token.Value))];
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
                return [];
            }
        },
    };
    private static readonly Option<string> AdvertisedHost = new("--advertised-host")
    {
        Description = "the host the broker tells clients to connect to",
        DefaultValueFactory = _ => "127.0.0.1",
    };
    private static readonly Option<long> MaxPartitionBytes = new("--max-partition-bytes")
    {
        Description = "the most bytes a partition keeps",
        DefaultValueFactory = _ => LocalKafkaBrokerOptions.DefaultMaxPartitionBytes,
        CustomParser = result => ServerCommandLine.WholeNumber(result, long.MaxValue) ?? 0,
    };

    public static Command Create()
    {
        var command = new Command("kafka", "a Kafka broker (librdkafka's mock cluster)") { Port, Topics, AdvertisedHost, MaxPartitionBytes };
        command.SetAction((parsed, _) => RunAsync(parsed));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parsed)
    {
        var options = new LocalKafkaBrokerOptions
        {
            Port = parsed.GetValue(Port),
            Topics = parsed.GetValue(Topics) ?? [],
            AdvertisedHost = parsed.GetRequiredValue(AdvertisedHost),
            MaxPartitionBytes = parsed.GetValue(MaxPartitionBytes),
        };

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // shut down here, cleanly, instead of the runtime's default
            stop.TrySetResult();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        LocalKafkaBroker broker;
        try
        {
            broker = LocalKafkaBroker.Start(options with { Log = message => Console.WriteLine($"kafka: {message}") });
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException or DllNotFoundException)
        {
            await Console.Error.WriteLineAsync($"kafka: could not start: {e.Message}");
            return 1;
        }

        await using (broker)
        {
            Console.WriteLine($"kafka: Ready: {broker.BootstrapServers} (bootstrap servers)");
            Console.WriteLine(broker.Topics.Count == 0
                ? "kafka: no topics created up front (producers auto-create topics with 4 partitions)"
                : $"kafka: topics {string.Join(", ", broker.Topics.Select(t => $"{t.Name} ({t.Partitions} partitions)"))}");
            await stop.Task;
            Console.WriteLine("kafka: stopping");
        }
        Console.WriteLine("kafka: stopped");
        return 0;
    }
}
