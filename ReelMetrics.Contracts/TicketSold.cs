using System.Reflection;
using System.Text.Json.Serialization;

namespace ReelMetrics.Contracts;

/// <summary>
/// A sale happened: <see cref="TicketsSold"/> tickets for one showtime were sold at
/// <see cref="TicketPrice"/> each. Published to Kafka keyed by theater id; see docs/events.md.
/// </summary>
public sealed record TicketSold
{
    /// <summary>Identity of the sale; a redelivered event carries the same id and is counted once.</summary>
    public required Guid EventId { get; init; }

    /// <summary>When the sale happened (UTC).</summary>
    public required DateTimeOffset SoldAt { get; init; }

    public required int TheaterId { get; init; }
    public required string TheaterName { get; init; }
    public required int MovieId { get; init; }
    public required string MovieTitle { get; init; }
    public required long ShowtimeId { get; init; }

    /// <summary>Local start of the screening, in the theater's time zone.</summary>
    public required DateTime Showtime { get; init; }

    /// <summary>The theater's business date of the showtime.</summary>
    public required DateOnly SaleDate { get; init; }

    public required int TicketsSold { get; init; }

    /// <summary>Price of one ticket.</summary>
    public required decimal TicketPrice { get; init; }

    /// <summary>ISO 4217 code.</summary>
    public string Currency { get; init; } = "USD";

    public required SalesChannel Channel { get; init; }
}

/// <summary>Where a ticket was sold.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SalesChannel>))]
public enum SalesChannel
{
    [JsonStringEnumMemberName("online")] Online,
    [JsonStringEnumMemberName("box_office")] BoxOffice,
    [JsonStringEnumMemberName("kiosk")] Kiosk,
}

/// <summary>The channels as they are named on the wire, in SQL and in Redis, derived from <see cref="SalesChannel"/>.</summary>
public static class SalesChannels
{
    /// <summary><c>online</c>, <c>box_office</c>, <c>kiosk</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Enum.GetValues<SalesChannel>().Select(NameOf)];

    /// <summary>The channel's JSON name, e.g. <c>box_office</c>.</summary>
    public static string NameOf(SalesChannel channel) =>
        typeof(SalesChannel).GetField(channel.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!.Name;
}

/// <summary>Names of the Kafka topics ReelMetrics uses by default.</summary>
public static class Topics
{
    public const string TicketSales = "ticket-sales";
    public const string DeadLetters = "ticket-sales-dead-letters";

    /// <summary>
    /// Partitions of <see cref="TicketSales"/>: the unit of parallelism for consumers (sales are keyed by theater, so
    /// all of a showtime's sales share a partition).
    /// </summary>
    public const int TicketSalesPartitions = 16;
}
