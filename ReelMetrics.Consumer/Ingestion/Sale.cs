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
internal sealed record DeadLetter(string Reason, string Detail, MessageCoordinates Source, string? Key, byte[] Payload, Guid MessageId)
{
    public const int MaxDetailLength = 2_000;
    public const int MaxKeyLength = 1_000;

    public static DeadLetter For(string reason, string detail, RawMessage message) =>
        new(reason, SafeText.Of(detail, MaxDetailLength), message.Source,
            message.Key is null ? null : SafeText.Of(message.Key, MaxKeyLength), message.Payload, message.Identity);
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
