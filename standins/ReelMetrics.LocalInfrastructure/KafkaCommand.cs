using System.Runtime.InteropServices;
using ReelMetrics.LocalInfrastructure.Kafka;

namespace ReelMetrics.LocalInfrastructure;

/// <summary>
/// <c>kafka --port N [--topic name[:partitions]]... [--advertised-host host] [--max-partition-bytes N]</c>: runs a
/// <see cref="LocalKafkaBroker"/> until SIGTERM or SIGINT, then exits 0.
/// </summary>
public static class KafkaCommand
{
    private const string UsageText =
        "usage: ReelMetrics.LocalInfrastructure kafka --port N [--topic name[:partitions]]... [--advertised-host host] [--max-partition-bytes N]";

    public static async Task<int> RunAsync(string[] args)
    {
        LocalKafkaBrokerOptions options;
        try
        {
            options = ParseArguments(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"kafka: {e.Message}\n{UsageText}");
            return 2;
        }

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

    private static LocalKafkaBrokerOptions ParseArguments(string[] args)
    {
        int? port = null;
        var topics = new List<LocalKafkaTopic>();
        var advertisedHost = "127.0.0.1";
        var maxPartitionBytes = LocalKafkaBrokerOptions.DefaultMaxPartitionBytes;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--port":
                    var text = Value();
                    port = int.TryParse(text, out var p) && p is >= 0 and <= 65535
                        ? p
                        : throw new FormatException($"'{text}' is not a port.");
                    break;
                case "--topic":
                    topics.Add(LocalKafkaTopic.Parse(Value()));
                    break;
                case "--advertised-host":
                    advertisedHost = Value();
                    break;
                case "--max-partition-bytes":
                    var bytes = Value();
                    maxPartitionBytes = long.TryParse(bytes, out var b) && b >= 0 ? b : throw new FormatException($"'{bytes}' is not a size in bytes.");
                    break;
                default:
                    throw new FormatException($"unknown argument '{args[i]}'.");
            }
        }
        return new LocalKafkaBrokerOptions
        {
            Port = port ?? throw new FormatException("--port is required (0 picks a free port)."),
            Topics = topics,
            AdvertisedHost = advertisedHost,
            MaxPartitionBytes = maxPartitionBytes,
        };
    }
}
