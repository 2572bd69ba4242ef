using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Consumer;
using ReelMetrics.Contracts;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>The consumer's row of pipeline_heartbeats, as a real consumer writes it while it ingests and when it stops.</summary>
public sealed class PipelineHeartbeatTests(PostgresFixture postgres, RedisFixture redis, KafkaFixture kafka)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AConsumerReportsItsNewestSaleLagRateAndPartitionsEverySecondAndSaysWhenItStops()
    {
        const string name = "heartbeat";
        await using var database = await SalesDatabase.CreateAsync(postgres, name);
        var topic = kafka.CreateTopic(name, partitions: 4);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ConnectionNames.Kafka}"] = kafka.BootstrapServers,
            [$"ConnectionStrings:{ConnectionNames.Database}"] = database.ConnectionString,
            [$"ConnectionStrings:{ConnectionNames.Redis}"] = redis.CreateDatabase(),
            ["Consumer:Topic"] = topic,
            ["Consumer:DeadLetterTopic"] = kafka.CreateTopic(name + "-dead"),
            ["Consumer:GroupId"] = kafka.CreateGroupId(name),
        });
        builder.AddTicketSalesIngestion();
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        var events = SaleEvents.Random(500, seed: 7);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            foreach (var sale in events)
            {
                producer.Produce(topic, new Message<string, byte[]>
                {
                    Key = sale.TheaterId.ToString(CultureInfo.InvariantCulture),
                    Value = JsonSerializer.SerializeToUtf8Bytes(sale, ContractJson.Default.TicketSold),
                });
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var newestSoldAt = events.Max(e => e.SoldAt).ToUniversalTime();
        var watch = Stopwatch.StartNew();
        (long Rows, long Partitions, long Lag, long LastMinute, double NewestOffByMs, double HeartbeatAgeS) beat = default;
        while (watch.Elapsed < Deadline)
        {
            beat = await ReadAsync(database, newestSoldAt);
            if (beat is { Rows: 1, Partitions: 4, Lag: 0, LastMinute: 500 } && beat.NewestOffByMs < 1) break;
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Equal((1L, 4L, 0L, 500L), (beat.Rows, beat.Partitions, beat.Lag, beat.LastMinute));
        Assert.True(beat.NewestOffByMs < 1, $"newest_sold_at is {beat.NewestOffByMs} ms off the newest sale");
        Assert.InRange(beat.HeartbeatAgeS, 0, 5);
        Assert.Null(await database.ScalarAsync<DateTime?>("select stopped_at from pipeline_heartbeats"));

        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(await database.ScalarAsync<DateTime?>("select stopped_at from pipeline_heartbeats"));
    }

    private static async Task<(long, long, long, long, double, double)> ReadAsync(SalesDatabase database, DateTimeOffset newestSoldAt)
    {
        await using var command = database.DataSource.CreateCommand("""
            select count(*) over (), partitions, consumer_lag, sales_last_minute,
                   coalesce(abs(extract(epoch from newest_sold_at - $1)) * 1000, 1e9), extract(epoch from now() - heartbeat_at)
            from pipeline_heartbeats
            """);
        command.Parameters.Add(new() { Value = newestSoldAt });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return default;
        return (reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt32(3), (double)reader.GetDecimal(4), (double)reader.GetDecimal(5));
    }
}
