using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace ReelMetrics.Api;

/// <summary>
/// Answers 503 problem details (with Retry-After) instead of 500 when PostgreSQL does not answer: clients, the
/// dashboard among them, retry a 503, and the health check already reports the outage.
/// </summary>
internal sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsOutage(exception)) return false;

        logger.LogWarning("PostgreSQL is not answering ({Message}); answered 503", exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Sales data unavailable",
                Detail = "The sales database is not answering; try again shortly.",
            },
        });
    }

    /// <summary>
    /// True for "PostgreSQL does not answer": connection failures and timeouts are transient (Npgsql says so);
    /// EF wraps them when its retries run out.
    /// </summary>
    public static bool IsOutage(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DbException { IsTransient: true } or TimeoutException) return true;
        }
        return false;
    }
}
