using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// What may arrive on the topic: the <c>TicketSold</c> contract, or the original system's events
/// (<c>theater_name</c>, <c>movie_title</c>, <c>sale_date</c>, <c>ticket_price</c>, <c>tickets_sold</c>).
/// Everything is optional here so that validation can say precisely what is missing.
/// </summary>
internal sealed record IncomingSale
{
    public Guid? EventId { get; init; }
    public DateTimeOffset? SoldAt { get; init; }
    public int? TheaterId { get; init; }
    public string? TheaterName { get; init; }
    public int? MovieId { get; init; }
    public string? MovieTitle { get; init; }
    public long? ShowtimeId { get; init; }
    public DateTime? Showtime { get; init; }
    public DateOnly? SaleDate { get; init; }
    public int? TicketsSold { get; init; }
    public Price? TicketPrice { get; init; }
    public string? Currency { get; init; }
    public string? Channel { get; init; }
}

// Strict numbers: a number sent as a string is the wrong type (the web defaults would read "3" as 3).
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(IncomingSale))]
internal sealed partial class IncomingJson : JsonSerializerContext;
