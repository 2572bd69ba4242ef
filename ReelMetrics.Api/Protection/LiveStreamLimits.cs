using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ReelMetrics.Api.Protection;

/// <summary>
/// How many <c>GET /live</c> streams may be open at once: <see cref="ProtectionOptions.LiveStreamsPerUser"/> per
/// user (anonymous: per address), answered 429 above it, and <see cref="ProtectionOptions.LiveStreamsPerProcess"/>
/// in all, answered 503 above it (the server is full, not the client at fault). A stream holds its place until it ends.
/// </summary>
public sealed class LiveStreamLimits : IDisposable
{
    /// <summary>Seconds a refused client is asked to wait: streams end when their clients go, not on a schedule.</summary>
    private const int RetryAfterSeconds = 5;

    private readonly PartitionedRateLimiter<string> perUser;
    private readonly ConcurrencyLimiter perProcess;

    public LiveStreamLimits(IOptions<ProtectionOptions> options)
    {
        var limits = options.Value;
        perUser = PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetConcurrencyLimiter(user,
            _ => new ConcurrencyLimiterOptions { PermitLimit = limits.LiveStreamsPerUser, QueueLimit = 0 }));
        perProcess = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.LiveStreamsPerProcess, QueueLimit = 0 });
    }

    /// <summary>
    /// A place for one more stream of the request's caller, to dispose when the stream ends; or null, after the
    /// refusal (429 or 503 problem details with Retry-After) has been written.
    /// </summary>
    public async Task<IDisposable?> AdmitAsync(HttpContext context)
    {
        var user = perUser.AttemptAcquire(Caller.Key(context));
        if (!user.IsAcquired)
        {
            user.Dispose();
            await RequestRateLimits.WriteAsync(context, StatusCodes.Status429TooManyRequests, RetryAfterSeconds, "Too many live streams",
                "This client already has as many live streams open as it may; close one or try again later.");
            return null;
        }
        var process = perProcess.AttemptAcquire();
        if (!process.IsAcquired)
        {
            process.Dispose();
            user.Dispose();
            await RequestRateLimits.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, RetryAfterSeconds, "Live streams full",
                "The server has as many live streams open as it can serve; try again shortly.");
            return null;
        }
        return new Place(user, process);
    }

    public void Dispose()
    {
        perUser.Dispose();
        perProcess.Dispose();
    }

    private sealed class Place(RateLimitLease user, RateLimitLease process) : IDisposable
    {
        public void Dispose()
        {
            process.Dispose();
            user.Dispose();
        }
    }
}
