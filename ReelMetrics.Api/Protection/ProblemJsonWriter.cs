using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace ReelMetrics.Api.Protection;

/// <summary>
/// Writes problem details whatever the request's <c>Accept</c> says. ASP.NET's own writer declines when the client
/// accepts no JSON (<c>Accept: text/event-stream</c>, <c>text/html</c>), and the status code pages then answer
/// plain text; this API speaks only JSON, so an error is problem details for every client. Registered after the
/// default writer, it only writes what that one declines.
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<HttpJsonOptions> json, IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var response = context.HttpContext.Response;
        var problem = context.ProblemDetails;
        problem.Status ??= response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json"));
    }
}
