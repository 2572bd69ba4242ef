using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Feeds the dead-letter topic from the <c>dead_letters</c> table (an outbox): letters not yet published are sent,
/// and marked <c>published_at</c> once the broker acknowledged them. A failed publish is retried on the next round,
/// so a letter is never lost and ingestion never waits for the broker. Rows are claimed with
/// <c>for update skip locked</c>, so several consumers share the work; a letter may reach the topic twice (at least
/// once), never zero times. A payload too large for the broker is published without it (header
/// <c>payload_omitted</c> gives its size; the table keeps it).
/// </summary>
internal sealed class DeadLetterPublisher(
    NpgsqlDataSource dataSource,
    IProducer<string, byte[]> producer,
    IngestionMetrics metrics,
    TimeProvider clock,
    IOptions<ConsumerOptions> options,
    ILogger<DeadLetterPublisher> logger) : BackgroundService
{
    private const int BatchSize = 500;
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var full = false;
            try
            {
                full = await PublishPendingAsync(settings.DeadLetterTopic, stoppingToken) == BatchSize;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Publishing dead letters failed ({Message}); retrying in {Interval}", SafeText.Of(ex.Message, 500), settings.DeadLetterPublishInterval);
            }
            if (!full)
            {
                try { await Task.Delay(settings.DeadLetterPublishInterval, clock, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Publishes up to <see cref="BatchSize"/> letters; returns how many were claimed.</summary>
    public async Task<int> PublishPendingAsync(string topic, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var letters = new List<(long Id, Message<string, byte[]> Message)>();
        await using (var command = new NpgsqlCommand("""
            select dead_letter_id, reason, detail, topic, kafka_partition, kafka_offset, message_key, payload, message_id
            from dead_letters where published_at is null order by dead_letter_id limit $1 for update skip locked
            """, connection) { Parameters = { new() { Value = BatchSize } } })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                var source = $"{reader.GetString(3)}/{reader.GetInt32(4)}@{reader.GetInt64(5)}";
                letters.Add((id, new Message<string, byte[]>
                {
                    Key = reader.IsDBNull(6) ? null! : reader.GetString(6),
                    Value = reader.GetFieldValue<byte[]>(7),
                    Headers = new Headers
                    {
                        { "reason", Encoding.UTF8.GetBytes(reader.GetString(1)) },
                        { "detail", Encoding.UTF8.GetBytes(reader.GetString(2)) },
                        { "source", Encoding.UTF8.GetBytes(source) },
                        { "message_id", Encoding.UTF8.GetBytes(reader.GetGuid(8).ToString()) },
                        { "dead_letter_id", Encoding.UTF8.GetBytes(id.ToString(CultureInfo.InvariantCulture)) },
                    },
                }));
            }
        }
        if (letters.Count == 0) return 0;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DeliveryTimeout);
        var deliveries = letters.Select(l => PublishAsync(topic, l.Id, l.Message, timeout.Token)).ToList();
        var published = (await Task.WhenAll(deliveries)).Where(id => id is not null).Select(id => id!.Value).ToArray();

        if (published.Length > 0)
        {
            await using var update = new NpgsqlCommand("update dead_letters set published_at = now() where dead_letter_id = any($1)", connection)
            {
                Parameters = { new() { Value = published } },
            };
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        metrics.DeadLettersPublished(published.Length);
        if (published.Length < letters.Count)
        {
            logger.LogWarning("{Failed} of {Count} dead letters could not be published to {Topic}; they stay pending and are retried",
                letters.Count - published.Length, letters.Count, topic);
        }
        return letters.Count;
    }

    /// <summary>The id once the broker has the letter; null when it does not (yet).</summary>
    private async Task<long?> PublishAsync(string topic, long id, Message<string, byte[]> message, CancellationToken cancellationToken)
    {
        try
        {
            await producer.ProduceAsync(topic, message, cancellationToken);
            return id;
        }
        catch (ProduceException<string, byte[]> ex) when (ex.Error.Code is ErrorCode.MsgSizeTooLarge && message.Value.Length > 0)
        {
            message.Headers.Add("payload_omitted", Encoding.UTF8.GetBytes(message.Value.Length.ToString(CultureInfo.InvariantCulture)));
            return await PublishAsync(topic, id, new Message<string, byte[]> { Key = message.Key, Value = [], Headers = message.Headers }, cancellationToken);
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            return null;
        }
    }
}
