using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// What may arrive on the topic: the <c>TicketSold</c> contract, or the original system's events
/// (<c>theater_name</c>, <c>movie_title</c>, <c>sale_date</c>, <c>ticket_price</c>, <c>tickets_sold</c>).
/// Everything is optional here so that validation can say precisely what is missing.
/// </summary>
/// <remarks>
/// Settable, not init-only: the source-generated deserializer builds an object with init-only properties from an
/// array of boxed arguments (one array and a box per field, for every message); with setters it fills a new object.
/// </remarks>
internal sealed record IncomingSale
{
    public Guid? EventId { get; set; }
    public DateTimeOffset? SoldAt { get; set; }
    public int? TheaterId { get; set; }
    public string? TheaterName { get; set; }
    public int? MovieId { get; set; }
    public string? MovieTitle { get; set; }
    public long? ShowtimeId { get; set; }
    public DateTime? Showtime { get; set; }
    public DateOnly? SaleDate { get; set; }
    public int? TicketsSold { get; set; }
    public Price? TicketPrice { get; set; }
    public string? Currency { get; set; }
    public string? Channel { get; set; }
}

// Strict numbers: a number sent as a string is the wrong type (the web defaults would read "3" as 3).
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(IncomingSale))]
internal sealed partial class IncomingJson : JsonSerializerContext;
