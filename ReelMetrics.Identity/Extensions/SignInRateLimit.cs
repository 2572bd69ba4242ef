using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace ReelMetrics.Identity.Extensions;

/// <summary>
/// Limits password guessing from one client address on the sign-in form and the token endpoint (lockout limits it
/// per account). A refused request gets 429 with <c>Retry-After</c>. Exchanging an authorization code or a refresh
/// token guesses no secret (both are long random values), so those requests have a budget of their own,
/// <see cref="SignInRateLimitSettings.ExchangePermitLimit"/>: many people behind one address (an office) renewing
/// their sessions must not use up the sign-in attempts of that address, nor be refused themselves.
/// </summary>
public static class SignInRateLimit
{
    public const string PolicyName = "sign-in";

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services, SignInRateLimitSettings settings) =>
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(PolicyName, context =>
            {
                var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return IsExchange(context.Request)
                    ? RateLimitPartition.GetFixedWindowLimiter("exchange " + address,
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = settings.ExchangePermitLimit, Window = settings.Window, QueueLimit = 0 })
                    : RateLimitPartition.GetFixedWindowLimiter(address,
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = settings.PermitLimit, Window = settings.Window, QueueLimit = 0 });
            });
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

    /// <summary>
    /// Reads the form of a token request before the rate limiter runs (it decides synchronously), so that
    /// <see cref="IsExchange"/> can tell the grant type. The form is kept for the endpoint.
    /// </summary>
    public static IApplicationBuilder UseTokenRequestForm(this IApplicationBuilder app, string tokenPath) =>
        app.Use(async (context, next) =>
        {
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path == tokenPath && context.Request.HasFormContentType)
            {
                await context.Request.ReadFormAsync(context.RequestAborted);
            }
            await next(context);
        });

    private static bool IsExchange(HttpRequest request) =>
        request.HasFormContentType && request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IFormFeature>()?.Form is { } form
        && form["grant_type"].ToString() is "authorization_code" or "refresh_token";
}
