using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReelMetrics.Generator;

/// <summary>Source-generated JSON for the generator's own documents (<c>/totals</c>, the totals file): snake_case, like the contract.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true)]
[JsonSerializable(typeof(GeneratorTotalsSnapshot))]
internal sealed partial class GeneratorJson : JsonSerializerContext;
