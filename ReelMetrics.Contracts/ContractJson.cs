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
[JsonSerializable(typeof(Api.TheaterSummary[]))]
public sealed partial class ContractJson : JsonSerializerContext;
