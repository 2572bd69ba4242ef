using Microsoft.AspNetCore.Builder;

namespace ReelMetrics.Api.OpenApi;

/// <summary>Endpoint metadata: an example of the endpoint's 200 answer, shown in the OpenAPI document.</summary>
public sealed record ResponseExample(object Value);

public static class ResponseExampleExtensions
{
    /// <summary>Adds an example of the endpoint's successful answer to its OpenAPI operation.</summary>
    public static RouteHandlerBuilder WithResponseExample(this RouteHandlerBuilder builder, object example) =>
        builder.WithMetadata(new ResponseExample(example));
}
