namespace ReelMetrics.Consumer.Ingestion;

/// <summary>A validated sale, ready to be stored. <see cref="Sequence"/> is its position in the batch.</summary>
internal readonly record struct Sale(
    int Sequence,
    Guid EventId,
    DateTimeOffset SoldAt,
    int TheaterId,
    int MovieId,
    long? ShowtimeId,
    DateOnly SaleDate,
    int TicketsSold,
    decimal TicketPrice,
    string Currency,
    string Channel);

/// <summary>Where a message came from on Kafka: enough to find it again, and to identify it.</summary>
internal readonly record struct MessageCoordinates(string Topic, int Partition, long Offset);

/// <summary>
/// A message that could not be used, with why. Nothing is dropped silently. Make one with <see cref="For"/>: its text
/// is made safe for PostgreSQL and Kafka headers whatever the message contained, the payload is kept byte for byte.
/// </summary>
/// <param name="SentAtMs">The message's broker timestamp, kept so that a replay can rebuild the message.</param>
/// <param name="TheaterId">The theater the payload names, when it can be read (for operators to filter by).</param>
internal sealed record DeadLetter(string Reason, string Detail, MessageCoordinates Source, string? Key, byte[] Payload, Guid MessageId,
    long SentAtMs = 0, int? TheaterId = null)
{
    public const int MaxDetailLength = 2_000;
    public const int MaxKeyLength = 1_000;

    /// <summary>Payloads larger than this are not searched for a theater id (a dead letter must stay cheap).</summary>
    private const int MaxPayloadSearched = 1_048_576;

    public static DeadLetter For(string reason, string detail, RawMessage message) =>
        new(reason, SafeText.Of(detail, MaxDetailLength), message.Source,
            message.Key is null ? null : SafeText.Of(message.Key, MaxKeyLength), message.Payload, message.Identity,
            message.TimestampMs, TheaterOf(message.Payload));

    /// <summary>
    /// The <c>theater_id</c> of a payload that is a JSON object with an integer there; null for anything else. The same
    /// rule as migration 0008's backfill of older letters.
    /// </summary>
    public static int? TheaterOf(byte[] payload)
    {
        if (payload.Length is 0 or > MaxPayloadSearched) return null;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(payload);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("theater_id", out var theater)
                && theater.ValueKind == System.Text.Json.JsonValueKind.Number
                && theater.TryGetInt32(out var theaterId) ? theaterId : null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not only JsonException: reading a member name with an escaped unpaired surrogate throws
            // InvalidOperationException (found by HostileMessagePropertyTests). A dead letter must never fail to be one.
            return null;
        }
    }
}

/// <summary>The reasons a message is dead-lettered; each is a metric tag and a column value.</summary>
internal static class DeadLetterReasons
{
    public const string InvalidJson = "invalid_json";
    public const string MissingField = "missing_field";
    public const string InvalidTickets = "invalid_tickets";
    public const string InvalidPrice = "invalid_price";
    public const string InvalidField = "invalid_field";
    public const string UnknownTheater = "unknown_theater";
    public const string UnknownMovie = "unknown_movie";
    public const string UnknownShowtime = "unknown_showtime";
    public const string ShowtimeMismatch = "showtime_mismatch";
    public const string Overbooked = "overbooked";

    /// <summary>Storing the message failed for a reason inside it that validation did not foresee (the exception says which).</summary>
    public const string Unprocessable = "unprocessable";

    /// <summary>Reasons that may stop being true once the catalog has the theater, movie or showtime.</summary>
    public static bool IsCatalogMiss(string reason) => reason is UnknownTheater or UnknownMovie or UnknownShowtime;
}
