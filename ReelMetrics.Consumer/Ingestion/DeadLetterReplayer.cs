using Microsoft.Extensions.Options;
using Npgsql;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Carries out the replays operators ask for (the API marks dead letters <c>replay_requested</c>; it has no access to
/// Kafka nor to sales): rebuilds each letter's message from what was stored (payload, key, coordinates, broker
/// timestamp and identity) and sends it through the same path as a Kafka batch (<see cref="BatchProcessor"/>: decode,
/// validate against the catalog as it is now, store, live cache). What became of each letter (replayed as the sale
/// with its event id, or dead again with the new reason) is written in the transaction that stores the sales.
/// </summary>
/// <remarks>
/// Exactly once: the message keeps its identity, so its sale has the event id it would have had (the event's own, or
/// for an original-format event the message's identity), and a sale already stored is a duplicate, not a second sale.
/// A letter changes only while it is <c>replay_requested</c>, and only one replayer works at a time (an advisory lock),
/// so two consumers never settle the same letter twice. The replayer has its own catalog and store: the Kafka
/// worker's are not shared between threads. Capacity is decided with the showtimes locked, as between two consumers,
/// and the live cache takes absolute totals (ZADD GT), so the order of the two writers' updates does not matter.
/// </remarks>
internal sealed class DeadLetterReplayer(
    NpgsqlDataSource dataSource,
    LiveAggregates live,
    IngestionMetrics metrics,
    TimeProvider clock,
    IOptions<ConsumerOptions> options,
    ILogger<BatchProcessor> processorLogger,
    ILogger<DeadLetterReplayer> logger) : BackgroundService
{
    /// <summary>Most letters replayed in one transaction.</summary>
    public const int BatchSize = 200;

    /// <summary>The advisory lock that lets one replayer work at a time, whatever the number of consumers.</summary>
    private const long ReplayLock = 0x7265_706c_6179;   // "replay"

    private readonly CatalogCache catalog = new(dataSource, clock);
    private readonly SalesStore store = new(dataSource);
    private readonly ConsumerOptions settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    while (await ReplayRequestedAsync(stoppingToken) == BatchSize)
                    {
                        // More are waiting: go on at once.
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Requested letters stay requested: the next round tries them again.
                    logger.LogWarning("Replaying dead letters failed ({Message}); retrying in {Interval}", SafeText.Of(ex.Message, 500), settings.DeadLetterReplayInterval);
                }
                try { await Task.Delay(settings.DeadLetterReplayInterval, clock, stoppingToken); }
                catch (OperationCanceledException) { }
            }
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>Replays up to <see cref="BatchSize"/> requested letters, oldest first.</summary>
    /// <returns>How many letters it replayed (0 when none was requested, or another consumer is replaying).</returns>
    public async Task<int> ReplayRequestedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var tryLock = new NpgsqlCommand("select pg_try_advisory_lock($1)", connection) { Parameters = { new() { Value = ReplayLock } } })
        {
            if (await tryLock.ExecuteScalarAsync(cancellationToken) is not true) return 0;
        }
        try
        {
            var messages = await RequestedAsync(connection, cancellationToken);
            if (messages.Count == 0) return 0;

            // The catalog as it is now: the operator fixed it (added the theater) before asking for the replay.
            await catalog.LoadAsync(cancellationToken);
            var processor = new BatchProcessor(catalog, store, live, metrics, clock, processorLogger)
            {
                MaxTicketPrice = settings.MaxTicketPrice,
            };
            var outcome = await processor.ReplayAsync(messages, SettleAsync, cancellationToken);
            logger.LogInformation("Replayed {Count} dead letters: {Stored} sales stored, {Duplicates} already stored or dead again",
                messages.Count, outcome.Stored, outcome.Duplicates);
            return messages.Count;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("select pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = ReplayLock } } };
            await unlock.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    /// <summary>The requested letters' messages, as they were when they arrived.</summary>
    private static async Task<List<RawMessage>> RequestedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Letters stored before migration 0008 have no broker timestamp: the time they arrived is the closest there is.
        await using var command = new NpgsqlCommand("""
            select message_id, topic, kafka_partition, kafka_offset, message_key, payload,
                   coalesce(sent_at_ms, (extract(epoch from received_at) * 1000)::bigint)
            from dead_letters
            where state = 'replay_requested'
            order by dead_letter_id
            limit $1
            """, connection) { Parameters = { new() { Value = BatchSize } } };
        var messages = new List<RawMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(new RawMessage(
                new MessageCoordinates(reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<byte[]>(5),
                reader.GetInt64(6))
            {
                Identity = reader.GetGuid(0),
            });
        }
        return messages;
    }

    /// <summary>Replayed (the sale's event id) or dead again (the new reason and detail); only letters still requested.</summary>
    private async Task SettleAsync(NpgsqlConnection connection, IReadOnlyList<ReplayResult> results, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            update dead_letters d set
                state = case when r.event_id is null then 'dead' else 'replayed' end,
                event_id = r.event_id,
                reason = coalesce(r.reason, d.reason),
                detail = coalesce(r.detail, d.detail),
                replay_attempts = d.replay_attempts + 1,
                resolved_by = 'consumer',
                resolved_at = $5
            from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) as r (message_id, event_id, reason, detail)
            where d.message_id = r.message_id and d.state = 'replay_requested'
            """, connection);
        command.Parameters.Add(new() { Value = results.Select(r => r.MessageId).ToArray() });
        command.Parameters.Add(new() { Value = results.Select(r => r.EventId).ToArray() });
        command.Parameters.Add(new() { Value = results.Select(r => r.Reason).ToArray() });
        command.Parameters.Add(new() { Value = results.Select(r => r.Detail).ToArray() });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
