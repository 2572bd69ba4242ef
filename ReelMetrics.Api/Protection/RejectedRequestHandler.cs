using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ReelMetrics.Api.Protection;

/// <summary>
/// Answers a request the server rejected while reading it (a body over the size limit: 413, a malformed or
/// truncated body: 400, a client too slow to send it: 408) with problem details of its status, not 500: the
/// request was at fault.
/// </summary>
internal sealed class RejectedRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException rejected) return false;

        context.Response.StatusCode = rejected.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = rejected.StatusCode,
                Title = rejected.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Bad request",
                Detail = rejected.Message,
            },
        });
    }
}
