using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace ReelMetrics.Api.Protection;

/// <summary>
/// Abuse resistance of the APIs (OWASP API4 and API8): request rate limits per user and per address, request
/// timeouts, live stream caps, request size limits, security headers. Settings: <see cref="ProtectionOptions"/>
/// (<c>Api:Protection</c>); allowed host names: the standard <c>AllowedHosts</c> setting (appsettings.json).
/// </summary>
public static class ProtectionExtensions
{
    /// <summary>Registers the limits: Kestrel's size limits (and no <c>Server</c> header), the rate limiter, request timeouts, the live stream caps.</summary>
    public static IHostApplicationBuilder AddReelMetricsProtection(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ProtectionOptions>().BindConfiguration(ProtectionOptions.Section)
            .Validate(o => new[] { o.PerUser, o.PerAnonymousAddress, o.PerAddress, o.HealthProbes }.All(l => l is { PerSecond: > 0, Burst: > 0 }),
                "Every rate limit needs PerSecond and Burst above zero.")
            .Validate(o => o is { LiveStreamsPerUser: > 0, LiveStreamsPerProcess: > 0, MaxRequestBodySize: > 0 }, "Live stream caps and the body size limit must be above zero.")
            .ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ProtectionOptions>>((kestrel, protection) =>
        {
            var limits = protection.Value;
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodySize;
            kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalSize;
            kestrel.Limits.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
            kestrel.Limits.MaxRequestLineSize = limits.MaxRequestLineSize;
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ProtectionOptions>>((options, protection) => RequestRateLimits.Configure(options, protection.Value));
        services.AddRequestTimeouts(_ => { });
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<ProtectionOptions>>((options, protection) =>
        {
            if (protection.Value.RequestTimeout <= TimeSpan.Zero) return;
            options.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = protection.Value.RequestTimeout,
                // 503, not 504: no gateway is involved, the server itself was too slow (overloaded or a slow database);
                // clients, the dashboard among them, retry a 503 after Retry-After. Never a 4xx: the client did nothing wrong.
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
                WriteTimeoutResponse = context => RequestRateLimits.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, 5,
                    "Request timed out", $"The answer took longer than {protection.Value.RequestTimeout.TotalSeconds:0.###} s; try again shortly."),
            };
        });
        services.AddSingleton<LiveStreamLimits>();
        services.AddExceptionHandler<RejectedRequestHandler>();
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();   // after AddProblemDetails' own writer: the fallback
        // The API reference's inline start-up script runs by a fresh nonce (SecurityHeaders puts it in the CSP), and its
        // fonts are the browser's own rather than a CDN's, so the page needs no source outside this API.
        services.Configure<ScalarOptions>(options => options.WithNonce().DisableDefaultFonts());
        return builder;
    }

    /// <summary>
    /// Security headers on every answer and the request body size limit. Place after the exception handler and
    /// status code pages (so their answers carry the headers) and before authentication.
    /// </summary>
    public static WebApplication UseReelMetricsProtection(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeaders>();
        var maxBodySize = app.Services.GetRequiredService<IOptions<ProtectionOptions>>().Value.MaxRequestBodySize;
        app.Use(async (context, next) =>
        {
            // Kestrel enforces the limit as the body is read; a declared length over it is refused before anything reads it.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = maxBodySize;
            if (context.Request.ContentLength > maxBodySize)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = { Status = StatusCodes.Status413PayloadTooLarge, Title = "Request too large", Detail = $"A request body may hold at most {maxBodySize} bytes." },
                });
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>
    /// Rate limits and request timeouts. Place after authentication and authorization: the limits count a signed-in
    /// user by the token's <c>sub</c>, which authentication provides. (A request refused 401 or 403 before it costs
    /// only the token check, never a database read.)
    /// </summary>
    public static WebApplication UseReelMetricsRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        return app;
    }
}
