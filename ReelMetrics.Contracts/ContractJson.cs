using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReelMetrics.Contracts;

/// <summary>
/// Source-generated JSON for everything ReelMetrics puts on the wire: snake_case names,
/// as the original system's events used.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TicketSold))]
[JsonSerializable(typeof(Api.Theater))]
[JsonSerializable(typeof(IReadOnlyList<Api.Theater>))]
[JsonSerializable(typeof(IReadOnlyList<Api.TheaterMovieSales>))]
[JsonSerializable(typeof(IReadOnlyList<Api.Showtime>))]
[JsonSerializable(typeof(IReadOnlyList<Api.Movie>))]
[JsonSerializable(typeof(IReadOnlyList<Api.DailySales>))]
[JsonSerializable(typeof(Api.TopTheater))]
[JsonSerializable(typeof(IReadOnlyList<Api.TheaterRank>))]
[JsonSerializable(typeof(IReadOnlyList<Api.MovieRank>))]
[JsonSerializable(typeof(Api.SalesSummary))]
[JsonSerializable(typeof(Api.SalesPace))]
[JsonSerializable(typeof(Api.LiveTotals))]
[JsonSerializable(typeof(Api.LiveTicket))]
[JsonSerializable(typeof(Api.DeadLetterPage))]
[JsonSerializable(typeof(Api.DeadLetterDetail))]
[JsonSerializable(typeof(IReadOnlyList<Api.DeadLetterReasonCount>))]
[JsonSerializable(typeof(Api.DeadLetterReplayRequest))]
[JsonSerializable(typeof(Api.DeadLetterDiscardRequest))]
[JsonSerializable(typeof(Api.DeadLetterActionAnswer))]
[JsonSerializable(typeof(Api.PipelineStatus))]
[JsonSerializable(typeof(IReadOnlyList<Api.Alert>))]
[JsonSerializable(typeof(Api.BusinessDayNow))]
public sealed partial class ContractJson : JsonSerializerContext;
