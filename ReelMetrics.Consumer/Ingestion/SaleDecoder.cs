using System.Text.Json;
using ReelMetrics.Contracts;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>One message off the topic, with its timestamp as the broker gave it (milliseconds since 1970, any value).</summary>
internal sealed record RawMessage(MessageCoordinates Source, string? Key, byte[] Payload, long TimestampMs)
{
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
    private Guid? identity;
    private (IncomingSale? Sale, DeadLetter? DeadLetter)? parsed;

    /// <summary>When it was sent, or null when the producer set no usable timestamp (none, or out of range).</summary>
    public DateTimeOffset? SentAt => TimestampMs > 0 && TimestampMs <= MaxUnixMs ? DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs) : null;

    /// <summary>
    /// See <see cref="MessageIdentity"/>. A replayed dead letter sets the identity its message had when it arrived
    /// (stored with the letter), so the sale it becomes is the same sale whichever way it comes.
    /// </summary>
    public Guid Identity
    {
        get => identity ??= MessageIdentity.Of(Source, TimestampMs, Key, Payload);
        init => identity = value;
    }

    /// <summary>
    /// The payload parsed (<see cref="SaleDecoder.Parse"/>), once: the worker parses a batch while the one before it is
    /// being stored, and splitting a failed batch does not parse its halves again.
    /// </summary>
    public (IncomingSale? Sale, DeadLetter? DeadLetter) Parsed => parsed ??= SaleDecoder.Parse(this);
}

/// <summary>
/// Turns a raw message into a <see cref="Sale"/> or a <see cref="DeadLetter"/> that says why not.
/// Accepts the <c>TicketSold</c> contract and the original system's event format.
/// </summary>
internal sealed class SaleDecoder(CatalogCache catalog, DateTimeOffset receivedAt, decimal maxTicketPrice = SaleDecoder.DefaultMaxTicketPrice)
{
    public const decimal DefaultMaxTicketPrice = 100m;
    public const int MaxTicketsPerSale = 100;
    public static readonly string OriginalFormatChannel = SalesChannels.NameOf(SalesChannel.BoxOffice);
    private static readonly HashSet<string> Channels = [.. SalesChannels.Names];
    private static readonly string ChannelChoice = $"{string.Join(", ", SalesChannels.Names.SkipLast(1))} or {SalesChannels.Names[^1]}";

    /// <summary>Parses the JSON; a message that is not JSON of the right shape is dead at once.</summary>
    public static (IncomingSale? Sale, DeadLetter? DeadLetter) Parse(RawMessage message)
    {
        try
        {
            var sale = JsonSerializer.Deserialize(message.Payload, IncomingJson.Default.IncomingSale);
            return sale is null
                ? (null, Dead(DeadLetterReasons.InvalidJson, "the message is JSON null", message))
                : (sale, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // JsonException for most; the serializer also throws others (e.g. InvalidOperationException for an
            // escaped unpaired surrogate, ArgumentOutOfRangeException for a date past DateTimeOffset's range).
            return (null, Dead(DeadLetterReasons.InvalidJson, $"{ex.GetType().Name}: {ex.Message}", message));
        }
    }

    /// <summary>Validates a parsed event against the catalog. Showtimes must have been fetched.</summary>
    public (Sale? Sale, DeadLetter? DeadLetter) Validate(IncomingSale incoming, RawMessage message, int sequence)
    {
        var original = incoming.EventId is null && incoming.TheaterId is null && incoming.MovieId is null;

        if (incoming.TicketsSold is not { } tickets) return (null, Missing("tickets_sold", message));
        if (tickets is < 1 or > MaxTicketsPerSale)
            return (null, Dead(DeadLetterReasons.InvalidTickets, $"tickets_sold must be 1–{MaxTicketsPerSale}, was {tickets}", message));
        if (incoming.TicketPrice is not { } written) return (null, Missing("ticket_price", message));
        if (written.Amount is not { } price || price <= 0 || price > maxTicketPrice)
            return (null, Dead(DeadLetterReasons.InvalidPrice, $"ticket_price must be a positive amount in cents up to {maxTicketPrice}, was {written}", message));
        if (incoming.SaleDate is not { } saleDate) return (null, Missing("sale_date", message));
        var currency = incoming.Currency ?? "USD";
        if (!Currencies.IsIso4217(currency))
            return (null, Dead(DeadLetterReasons.InvalidField, $"currency must be an ISO 4217 code, was '{currency}'", message));

        return original ? ValidateOriginal(incoming, message, sequence, tickets, price, saleDate, currency)
                        : ValidateContract(incoming, message, sequence, tickets, price, saleDate, currency);
    }

    private (Sale?, DeadLetter?) ValidateContract(IncomingSale incoming, RawMessage message, int sequence,
        int tickets, decimal price, DateOnly saleDate, string currency)
    {
        if (incoming.EventId is not { } eventId || eventId == Guid.Empty) return (null, Missing("event_id", message));
        if (incoming.SoldAt is not { } soldAt) return (null, Missing("sold_at", message));
        if (incoming.TheaterId is not { } theaterId) return (null, Missing("theater_id", message));
        if (incoming.MovieId is not { } movieId) return (null, Missing("movie_id", message));
        if (incoming.ShowtimeId is not { } showtimeId) return (null, Missing("showtime_id", message));
        if (incoming.Channel is not { } channel) return (null, Missing("channel", message));
        if (!Channels.Contains(channel))
            return (null, Dead(DeadLetterReasons.InvalidField, $"channel must be {ChannelChoice}, was '{channel}'", message));
        if (!catalog.HasTheater(theaterId))
            return (null, Dead(DeadLetterReasons.UnknownTheater, $"no theater with id {theaterId}", message));
        if (!catalog.HasMovie(movieId))
            return (null, Dead(DeadLetterReasons.UnknownMovie, $"no movie with id {movieId}", message));
        if (catalog.Showtime(showtimeId) is not { } showtime)
            return (null, Dead(DeadLetterReasons.UnknownShowtime, $"no showtime with id {showtimeId}", message));
        if (showtime.TheaterId != theaterId || showtime.MovieId != movieId || showtime.BusinessDate != saleDate)
            return (null, Dead(DeadLetterReasons.ShowtimeMismatch,
                $"showtime {showtimeId} is movie {showtime.MovieId} at theater {showtime.TheaterId} on {showtime.BusinessDate:yyyy-MM-dd}, " +
                $"the event says movie {movieId} at theater {theaterId} on {saleDate:yyyy-MM-dd}", message));

        return (new Sale(sequence, eventId, soldAt.ToUniversalTime(), theaterId, movieId, showtimeId, saleDate, tickets, price, currency, channel), null);
    }

    private (Sale?, DeadLetter?) ValidateOriginal(IncomingSale incoming, RawMessage message, int sequence,
        int tickets, decimal price, DateOnly saleDate, string currency)
    {
        if (string.IsNullOrWhiteSpace(incoming.TheaterName)) return (null, Missing("theater_name", message));
        if (string.IsNullOrWhiteSpace(incoming.MovieTitle)) return (null, Missing("movie_title", message));
        if (catalog.TheaterIdByName(incoming.TheaterName) is not { } theaterId)
            return (null, Dead(DeadLetterReasons.UnknownTheater, $"no theater named '{incoming.TheaterName}'", message));
        if (catalog.MovieIdByTitle(incoming.MovieTitle) is not { } movieId)
            return (null, Dead(DeadLetterReasons.UnknownMovie, $"no movie titled '{incoming.MovieTitle}'", message));

        // No event id: the message's identity stands in for one (a redelivery is recognised, a new message is new).
        // Nor a time of sale: the message's timestamp is the best there is; without one, when it arrived.
        return (new Sale(sequence, message.Identity, message.SentAt ?? receivedAt, theaterId, movieId,
            ShowtimeId: null, saleDate, tickets, price, currency, incoming.Channel is { } c && Channels.Contains(c) ? c : OriginalFormatChannel), null);
    }

    private static DeadLetter Missing(string field, RawMessage message) =>
        Dead(DeadLetterReasons.MissingField, $"{field} is missing", message);

    private static DeadLetter Dead(string reason, string detail, RawMessage message) => DeadLetter.For(reason, detail, message);
}
