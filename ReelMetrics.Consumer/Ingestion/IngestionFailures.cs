using System.Net.Sockets;
using Confluent.Kafka;
using Npgsql;
using StackExchange.Redis;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Tells a failure of the infrastructure (PostgreSQL, Redis or the broker down, refusing or slow: wait and retry the
/// same batch) from a failure caused by what is inside the messages (split the batch, dead-letter the culprit).
/// </summary>
internal static class IngestionFailures
{
    public static bool IsInfrastructure(Exception ex) => ex switch
    {
        // Data exceptions (22), integrity violations (23) and program limits (54) come from the values in the batch;
        // every other state (connection, resources, shutdown, permissions, a missing table) from the server. Except a
        // null where the schema wants a value (23502): validation gives every required column of a sale a value, so
        // that is this consumer's SQL not fitting the schema (a consumer older or newer than the migrations), which
        // would otherwise dead-letter every message one by one. It holds the batch until a consumer that fits runs.
        PostgresException { SqlState: PostgresErrorCodes.NotNullViolation } => true,
        PostgresException postgres => postgres.SqlState is not { Length: 5 } state || !(state.StartsWith("22", StringComparison.Ordinal)
            || state.StartsWith("23", StringComparison.Ordinal) || state.StartsWith("54", StringComparison.Ordinal)),
        NpgsqlException or RedisException or KafkaException => true,
        IOException or TimeoutException or SocketException or OperationCanceledException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsInfrastructure),
        InvalidOperationException { InnerException: { } inner } => IsInfrastructure(inner),
        _ => false,
    };
}
