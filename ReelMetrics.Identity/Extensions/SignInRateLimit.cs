using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace ReelMetrics.Identity.Extensions;

/// <summary>
/// Limits password guessing from one client address on the sign-in form and the token endpoint (lockout limits it
/// per account). A refused request gets 429 with <c>Retry-After</c>.
/// </summary>
public static class SignInRateLimit
{
    public const string PolicyName = "sign-in";

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services, SignInRateLimitSettings settings) =>
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(PolicyName, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = settings.PermitLimit, Window = settings.Window, QueueLimit = 0 }));
            options.OnRejected = async (context, cancellationToken) =>
            {
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : settings.Window;
                response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many sign-in attempts; try again later.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
}
