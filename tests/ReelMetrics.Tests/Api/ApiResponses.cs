using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReelMetrics.Tests.Api;

/// <summary>An HTTP answer read whole: status, media type and body text.</summary>
public sealed record ApiResponse(HttpStatusCode Status, string? MediaType, string Body)
{
    /// <summary>The contract's JSON: snake_case, as both APIs write it.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public T As<T>() => JsonSerializer.Deserialize<T>(Body, Json) ?? throw new InvalidOperationException($"null body: {Body}");

    public JsonNode Node => JsonNode.Parse(Body) ?? throw new InvalidOperationException("null body");

    /// <summary>
    /// The body with what legitimately differs between two answers taken away (<c>as_of</c>, a problem's
    /// <c>trace_id</c>), as compact JSON text: number formatting included, so "12.50" and "12.5" differ.
    /// </summary>
    public string Comparable()
    {
        if (MediaType is not ("application/json" or "application/problem+json")) return Body;
        var node = Node;
        if (node is JsonObject body)
        {
            body.Remove("as_of");
            body.Remove("trace_id");   // problem details' trace id (snake_case like every name here)
        }
        return node.ToJsonString();
    }

    public override string ToString() => $"{(int)Status} {MediaType}: {(Body.Length > 400 ? Body[..400] + "…" : Body)}";
}

public static class HttpClientExtensions
{
    /// <summary>GETs <paramref name="url"/> and reads the whole answer.</summary>
    public static Task<ApiResponse> FetchAsync(this HttpClient client, string url) => client.SendForResponseAsync(new HttpRequestMessage(HttpMethod.Get, url));

    public static async Task<ApiResponse> SendForResponseAsync(this HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return new ApiResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }
}
