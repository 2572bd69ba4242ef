using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace ReelMetrics.Api.Protection;

/// <summary>
/// One limiter for every request, two token buckets deep: the caller's own (the signed-in user's, or an anonymous
/// address's) and the client address's ceiling for all its users. Health probes have a bucket of their own per
/// address instead. A refused request is answered 429 problem details with Retry-After at once: nothing queues.
/// </summary>
internal static class RequestRateLimits
{
    public static void Configure(RateLimiterOptions options, ProtectionOptions limits)
    {
        options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
            PartitionedRateLimiter.Create<HttpContext, string>(context =>
                IsHealthProbe(context.Request) ? Bucket("probe:" + Caller.Address(context), limits.HealthProbes)
                : Caller.UserId(context) is { } user ? Bucket("user:" + user, limits.PerUser)
                : Bucket("address:" + Caller.Address(context), limits.PerAnonymousAddress)),
            PartitionedRateLimiter.Create<HttpContext, string>(context =>
                IsHealthProbe(context.Request) ? RateLimitPartition.GetNoLimiter("probe")
                : Bucket("all:" + Caller.Address(context), limits.PerAddress)));
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = RejectAsync;
    }

    /// <summary><c>/health</c> and <c>/alive</c>, the service defaults' probes.</summary>
    public static bool IsHealthProbe(HttpRequest request) =>
        request.Path.Equals("/health", StringComparison.OrdinalIgnoreCase) || request.Path.Equals("/alive", StringComparison.OrdinalIgnoreCase);

    /// <summary>A token bucket refilled every tenth of a second (smoother than once a second), nothing queued.</summary>
    private static RateLimitPartition<string> Bucket(string key, RateLimit limit) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ =>
        {
            var perPeriod = Math.Max(1, limit.PerSecond / 10);
            return new TokenBucketRateLimiterOptions
            {
                TokenLimit = limit.Burst,
                TokensPerPeriod = perPeriod,
                ReplenishmentPeriod = TimeSpan.FromSeconds(perPeriod / (double)limit.PerSecond),
                QueueLimit = 0,
                AutoReplenishment = true,
            };
        });

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        await WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, seconds, "Too many requests",
            $"This client has sent more requests than it may; try again in {seconds} s.");
    }

    /// <summary>A refusal the client may retry: status, Retry-After (seconds) and problem details.</summary>
    public static async Task WriteAsync(HttpContext context, int status, int retryAfterSeconds, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
